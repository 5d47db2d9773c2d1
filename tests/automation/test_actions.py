"""Each action a rule can take, run through a rule on "opportunity/lead created"."""

from __future__ import annotations

import datetime as dt

import pytest

from stageflow.accounts.models import Contact
from stageflow.activities.models import Activity
from stageflow.automation.models import Firing
from stageflow.automation.services import rule_save
from stageflow.communications.models import OutboxMessage
from stageflow.communications.services import template_save
from stageflow.core import clock
from stageflow.core.history import history_of
from stageflow.core.models import Via
from stageflow.sales import services as sales
from stageflow.sales.models import Opportunity, StageChange


@pytest.fixture
def on_created(admin, recruitment):
    def make(*actions, kind="opportunity", conditions=None, key="under-test"):
        return rule_save(actor=admin, values={
            "key": key, "name": key, "event": f"{kind}.created",
            "conditions": conditions or {},
            "actions": [{"action": name, "params": params} for name, params in actions]})

    return make


def last_firing(record) -> Firing:
    return Firing.objects.filter(record_id=record.pk).latest("id")


def test_set_stage_is_a_forced_move_recorded_as_automation(on_created, admin, new_opportunity):
    on_created(("set_stage", {"stage": "o_prop"}))

    record = new_opportunity(admin)

    record.refresh_from_db()
    assert record.stage == "o_prop"
    entry = history_of(record).first()
    assert (entry.via, str(entry.actor)) == ("automation", "Automation")
    assert StageChange.objects.filter(opportunity=record).latest("id").forced


def test_take_transition(on_created, admin, new_opportunity):
    on_created(("take_transition", {"transition": "to:o_prop"}))

    record = new_opportunity(admin)

    record.refresh_from_db()
    assert record.stage == "o_prop"


def test_tags_on_the_record_and_on_its_account(on_created, admin, make_account,
                                                new_opportunity):
    on_created(("add_tag", {"tag": "Quote", "target": "account"}),
               ("add_tag", {"tag": "Mine"}), ("remove_tag", {"tag": "Mine"}))
    account = make_account(admin, "Pat Lee")

    record = new_opportunity(admin, account=account.pk)

    assert list(account.tags.values_list("name", flat=True)) == ["Quote"]
    assert not record.tags.exists()


def test_set_field_builtin_and_custom_attribute(on_created, admin, new_opportunity):
    on_created(("set_field", {"field": "description", "value": "Call within 24h"}),
               ("set_field", {"field": "lost_reason", "value": ""}))

    record = new_opportunity(admin)

    record.refresh_from_db()
    assert record.description == "Call within 24h"
    assert last_firing(record).outcome == "done"


def test_assign_owner_to_a_user(on_created, admin, sales_north, new_opportunity):
    on_created(("assign_owner", {"user": sales_north.username}))

    record = new_opportunity(admin)

    record.refresh_from_db()
    assert record.owner == sales_north
    assert sales_north.notifications.filter(message__contains="assigned").exists()


def test_assign_owner_round_robin_over_a_role(on_created, admin, make_user, north,
                                              new_opportunity):
    first, second = make_user("rr1", "salesperson", north), make_user("rr2", "salesperson", north)
    on_created(("assign_owner", {"strategy": "round_robin", "role": "salesperson"}))

    owners = []
    for number in range(3):
        record = new_opportunity(admin, f"Deal {number}")
        record.refresh_from_db()
        owners.append(record.owner.username)

    assert owners == [first.username, second.username, first.username]


def test_assign_owner_to_the_one_with_fewest_open_records(on_created, admin, make_user, north,
                                                           new_opportunity):
    busy, free = make_user("busy", "salesperson", north), make_user("free", "salesperson", north)
    new_opportunity(busy, "Busy's own")
    on_created(("assign_owner", {"strategy": "fewest_open", "role": "salesperson"}))

    record = new_opportunity(admin)

    record.refresh_from_db()
    assert record.owner == free


def test_create_activity_with_a_relative_due_date(on_created, admin, sales_north,
                                                  new_opportunity):
    on_created(("create_task", {"subject": "Post-close review", "due_in_days": 7,
                                 "assign_to": sales_north.username}))

    record = new_opportunity(admin)

    task = Activity.objects.get(opportunity=record)
    assert (task.subject, task.kind, task.assignee) == ("Post-close review", "task", sales_north)
    assert abs(task.due_at - (clock.now() + dt.timedelta(days=7))) < dt.timedelta(minutes=1)


def test_send_email_puts_one_message_in_the_outbox(on_created, admin, make_contact,
                                                   new_opportunity):
    template_save(actor=admin, values={
        "key": "welcome", "kind": "email", "names": {"en": "Welcome"},
        "subject": "Hi {{ contact.first_name }}", "body": "About {{ record.title }}"})
    on_created(("send_email", {"template": "welcome", "to": "primary_contact"}))
    jane = make_contact(admin, "Doe", first_name="Jane", email="jane@example.com")

    record = new_opportunity(admin, "Furnace", contact=jane.pk)

    message = OutboxMessage.objects.get(record_id=record.pk)
    assert (message.channel, message.to, message.subject, message.body, message.status) == (
        "email", "jane@example.com", "Hi Jane", "About Furnace", "pending")


def test_send_email_without_an_address_is_skipped_with_the_reason(on_created, admin,
                                                                   make_contact,
                                                                   new_opportunity):
    template_save(actor=admin, values={"key": "welcome", "kind": "email",
                                       "names": {"en": "Welcome"}, "subject": "Hi",
                                       "body": "Hello"})
    on_created(("send_email", {"template": "welcome", "to": "primary_contact"}))
    no_email = make_contact(admin, "Doe", first_name="Jane")

    record = new_opportunity(admin, contact=no_email.pk)

    message = OutboxMessage.objects.get(record_id=record.pk)
    assert message.status == "skipped"
    assert "no email" in message.skip_reason
    assert "not sent" in last_firing(record).results[0]["result"]


def test_send_sms(on_created, admin, make_contact, new_opportunity):
    template_save(actor=admin, values={"key": "sched", "kind": "sms",
                                       "names": {"en": "Scheduled"},
                                       "body": "Appointment for {{ record.title }}"})
    on_created(("send_sms", {"template": "sched", "to": "primary_contact"}))
    jane = make_contact(admin, "Doe", first_name="Jane", mobile="+31612345678")

    record = new_opportunity(admin, "Pool", contact=jane.pk)

    message = OutboxMessage.objects.get(record_id=record.pk)
    assert (message.channel, message.to, message.body) == ("sms", "+31612345678",
                                                           "Appointment for Pool")


def test_call_webhook_queues_a_signed_post(on_created, admin, new_opportunity):
    on_created(("call_webhook", {"url": "https://hooks.example.com/stageflow"}))

    record = new_opportunity(admin, "Hooked")

    message = OutboxMessage.objects.get(record_id=record.pk)
    assert (message.channel, message.to) == ("webhook", "https://hooks.example.com/stageflow")
    assert '"title": "Hooked"' in message.body


def test_create_account_and_contact_from_the_attributes(admin, training, rep_in_north):
    record = sales.record_create(actor=rep_in_north, via=Via.API, kind="opportunity",
                                 values={"title": "O1"})

    moved = sales.record_transition(
        actor=rep_in_north, via=Via.API, record=record, transition="T1",
        values={"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com",
                "company_name": "Acme Training"})

    assert moved.account.name == "Acme Training"
    assert (moved.contact.first_name, moved.contact.last_name, moved.contact.email) == (
        "Ann", "Lee", "ann@example.com")
    assert moved.contact_links.get().role == "Main contact"
    firing = Firing.objects.get(source="transition:T1")
    assert firing.outcome == "done"


def test_create_contact_links_an_existing_contact_with_that_email(admin, training,
                                                                  make_contact,
                                                                  rep_in_north):
    existing = make_contact(admin, "Lee", first_name="Ann", email="ann@example.com")
    record = sales.record_create(actor=rep_in_north, via=Via.API, kind="opportunity",
                                 values={"title": "O1"})

    moved = sales.record_transition(
        actor=rep_in_north, via=Via.API, record=record, transition="T1",
        values={"first_name": "Ann", "last_name": "Lee", "email": "ANN@example.com"})

    assert moved.contact == existing
    assert Contact.objects.count() == 1


def test_set_customer_status(on_created, admin, make_account, new_opportunity):
    on_created(("set_customer_status", {"status": "active"}))
    account = make_account(admin, "Pat Lee")

    new_opportunity(admin, account=account.pk)

    account.refresh_from_db()
    assert account.customer_status == "active"


def test_create_follow_on(admin, training, rep_in_north):
    rule_save(actor=admin, values={
        "key": "upsell", "name": "Upsell on win", "event": "opportunity.won",
        "actions": [{"action": "create_follow_on",
                     "params": {"follow_on": "upsell", "name": "{title} – more seats"}}]})
    record = sales.record_create(actor=rep_in_north, via=Via.API, kind="opportunity",
                                 values={"title": "Acme"})

    sales.record_force_to_stage(actor=admin, via=Via.API, record=record, stage="won")

    child = Opportunity.objects.get(parent=record)
    assert (child.title, child.step) == ("Acme – more seats", "proposal_sent")


def test_convert_lead(on_created, admin, new_lead):
    on_created(("convert_lead", {}), kind="lead")

    lead = new_lead(admin, "Walk-in")

    lead.refresh_from_db()
    assert lead.stage == "l_conv"
    assert lead.opportunities.get().title == "Walk-in"


@pytest.fixture
def rep_in_north(make_user, north):
    return make_user("rep", "salesperson", north)


def test_a_new_owner_gets_an_email_as_well_as_the_in_app_notice(admin, recruitment,
                                                                 make_user, north, new_lead):
    owner = make_user("owner1", "salesperson", north)
    owner.email = "owner1@example.com"
    owner.save()

    lead = new_lead(admin, "Boiler", owner=owner.pk)
    sales.record_update(actor=owner, via=Via.API, record=lead, values={"description": "mine"})
    own_lead = new_lead(owner, "Self-made")

    sent = OutboxMessage.objects.filter(to="owner1@example.com")
    assert [message.subject for message in sent] == ["Lead “Boiler” was assigned to you"]
    assert f"/leads/{lead.pk}/" in sent[0].body
    assert not OutboxMessage.objects.filter(record_id=own_lead.pk).exists()

"""Seed flows carried by the presets' rules alone: POM's tag work queues (seed 003) and the
won hand-off of the field-service preset (seed 000)."""

from __future__ import annotations

import datetime as dt

import time_machine

from stageflow.activities.models import Activity
from stageflow.automation.scheduler import run_scans
from stageflow.communications.models import OutboxMessage
from stageflow.core import clock, events, workspace
from stageflow.core.models import Via
from stageflow.pipelines.services import preset_install
from stageflow.sales import services as sales


def _account_tags(account) -> list[str]:
    return sorted(account.tags.values_list("name", flat=True))


def _office_email(address: str) -> None:
    settings = workspace.current()
    settings.office_email = address
    settings.save()


def test_seed_003_quote_then_sales_followup_then_schedule(quotes, admin, make_account,
                                                          new_opportunity):
    _office_email("office@pool.test")
    customer = make_account(admin, "Pat Lee")
    deal = new_opportunity(admin, "Weekly service", account=customer.pk)
    after_create = _account_tags(customer)

    events.emit("quote.sent", opportunity_id=deal.pk, actor_id=admin.pk, via=Via.API)
    deal.refresh_from_db()
    after_sent = (_account_tags(customer), deal.stage)

    events.emit("quote.accepted", opportunity_id=deal.pk, actor_id=admin.pk, via=Via.API)
    deal.refresh_from_db()

    assert after_create == ["Quote"]
    assert after_sent == (["Sales Followup"], "sales_followup")
    assert _account_tags(customer) == ["Sales Followup", "Schedule"]
    assert deal.stage == "schedule"
    office = OutboxMessage.objects.get(to="office@pool.test")
    assert office.subject == "Quote accepted: Pat Lee"


def test_seed_003_no_answer_for_21_days_is_lost_and_the_customer_inactive(
        quotes, admin, make_account, new_opportunity):
    start = clock.now()
    customer = make_account(admin, "Quiet Pool")
    answered = make_account(admin, "Busy Pool")
    silent = new_opportunity(admin, "Silent", account=customer.pk)
    replied = new_opportunity(admin, "Replied", account=answered.pk)
    for deal in (silent, replied):
        events.emit("quote.sent", opportunity_id=deal.pk, actor_id=admin.pk, via=Via.API)
    with time_machine.travel(start + dt.timedelta(days=10)):
        events.emit("quote.accepted", opportunity_id=replied.pk, actor_id=admin.pk,
                    via=Via.API)

    with time_machine.travel(start + dt.timedelta(days=22)):
        report = run_scans()

    silent.refresh_from_db()
    customer.refresh_from_db()
    replied.refresh_from_db()
    assert report.fired == 1
    assert (silent.stage, silent.status) == ("inactive", "lost")
    assert customer.customer_status == "inactive"
    assert _account_tags(customer) == []
    assert replied.stage == "schedule"


def test_seed_000_won_hand_off_by_rules_only(admin, make_account, make_user, north):
    preset_install(actor=admin, via=Via.CLI, key="field_service")
    _office_email("office@heating.test")
    salesperson = make_user("sales1", "salesperson", north)
    jane = make_account(admin, "Jane Smith")
    deal = sales.record_create(actor=salesperson, via=Via.API, kind="opportunity",
                               values={"title": "Furnace replacement", "account": jane.pk,
                                       "value": "6400", "attributes": {
                                           "marketing_source": "google",
                                           "product": "furnace_replacement"}})

    won = sales.record_move_to_stage(actor=salesperson, via=Via.API, record=deal, stage="won")

    jane.refresh_from_db()
    task = Activity.objects.get(opportunity=won)
    message = OutboxMessage.objects.get(record_id=won.pk)
    assert won.status == "won"
    assert jane.customer_status == "active"
    assert (task.subject, task.assignee) == ("Order the equipment and schedule the job",
                                             salesperson)
    assert (message.to, message.subject) == ("office@heating.test",
                                             "Sold: Furnace replacement for Jane Smith")

"""Templates and the outbox: idempotent enqueueing, skip reasons, validation naming the field."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django.test import override_settings

from stageflow.communications import services
from stageflow.communications.models import MessageTemplate, OutboxMessage
from stageflow.communications.selectors import templates_for
from stageflow.core.errors import Conflict, InvalidInput, NotAllowed, StaleVersion
from stageflow.core.history import history_of
from stageflow.core.models import Via
from stageflow.sales.services import record_transition, record_update
from tests.communications.conftest import JANE_MOBILE

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


# --- the outbox ------------------------------------------------------------------------------

def test_enqueue_twice_with_one_key_gives_one_message(opportunity, sales_north):
    first = services.outbox_enqueue(channel="email", to="jane@example.com", subject="Hi",
                                    body="Hello", record=opportunity, idempotency_key="k-1",
                                    source="manual", actor=sales_north)
    second = services.outbox_enqueue(channel="email", to="other@example.com", subject="Hey",
                                     body="Changed", record=opportunity, idempotency_key="k-1",
                                     source="manual", actor=sales_north)

    assert second.pk == first.pk
    assert OutboxMessage.objects.count() == 1
    stored = OutboxMessage.objects.get()
    assert (stored.status, stored.to, stored.subject, stored.body) == (
        "pending", "jane@example.com", "Hi", "Hello")
    assert (stored.record_type, stored.record_id) == ("opportunity", opportunity.pk)
    queued = [e.summary for e in history_of(opportunity) if "queued" in e.summary]
    assert queued == ["Email “Hi” queued to jane@example.com"]


def test_delivery_is_queued_only_when_the_transaction_commits(
        opportunity, django_capture_on_commit_callbacks):
    with override_settings(TASKS=IMMEDIATE), \
            django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = services.outbox_enqueue(channel="email", to="jane@example.com", subject="Hi",
                                          body="Hello", idempotency_key="k-commit")

    message.refresh_from_db()
    assert len(callbacks) == 1
    assert message.status == "sent"
    assert [m.to for m in mail.outbox] == [["jane@example.com"]]


def test_a_rolled_back_change_leaves_no_message(opportunity):
    def change_that_fails() -> None:
        with transaction.atomic():
            services.outbox_enqueue(channel="email", to="jane@example.com", subject="Hi",
                                    body="Hello", record=opportunity,
                                    idempotency_key="k-rollback")
            raise RuntimeError("the change fails")

    with pytest.raises(RuntimeError):
        change_that_fails()

    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize(("channel", "to", "reason"), [
    ("email", "", "No address given"),
    ("email", "not-an-address", "not-an-address: Enter a valid email address."),
    ("sms", "12", "12: Enter a valid phone number, such as +1 415 555 0100."),
    ("webhook", "ftp://example.com/x", "ftp://example.com/x: Enter a valid web address, "
                                       "such as https://example.com."),
])
def test_a_bad_address_is_stored_skipped_with_the_reason(db, channel, to, reason,
                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        message = services.outbox_enqueue(channel=channel, to=to, body="{}",
                                          idempotency_key=f"bad-{channel}-{to}")

    assert (message.status, message.skip_reason) == ("skipped", reason)
    assert callbacks == []


def test_phone_numbers_are_stored_in_e164(db):
    message = services.outbox_enqueue(channel="sms", to="+31 6 1234 5678", body="Hi",
                                      idempotency_key="sms-1")

    assert (message.status, message.to) == ("pending", JANE_MOBILE)


def test_a_webhook_body_must_be_json_and_payload_json_is_serialised(db):
    bad = services.outbox_enqueue(channel="webhook", to="https://hooks.example.com/x",
                                  body="not json", idempotency_key="hook-1")
    good = services.outbox_enqueue(channel="webhook", to="https://hooks.example.com/x",
                                   payload={"json": {"event": "won", "id": 7}},
                                   idempotency_key="hook-2")

    assert (bad.status, bad.skip_reason) == ("skipped", "The webhook body is not JSON")
    assert (good.status, good.body) == ("pending", '{"event":"won","id":7}')


# --- sending a template ----------------------------------------------------------------------

def test_send_template_fills_in_the_record_and_queues_it(opportunity, make_template,
                                                        sales_north):
    template = make_template(body="Dear {{ contact.first_name }}, your {{ record.title }} at "
                                  "{{ record.stage }} for {{ record.value|money(record.currency) }}"
                                  " (PO {{ record.attributes.po_number }}) from "
                                  "{{ company.name }}, {{ owner.first_name }}.")

    message = services.send_template(template_key="thanks", record=opportunity,
                                     to="primary_contact", idempotency_key="t-1",
                                     source="transition:T3", actor=sales_north)

    assert message.status == "pending"
    assert message.template == template
    assert (message.to, message.subject) == ("jane@example.com", "Thanks, Jane")
    assert message.body == ("Dear Jane, your Course for Globex at Enquiry for USD 1,500.00 "
                            "(PO PO-7) from Acme Training, Sales_n.")
    entry = history_of(opportunity).first()
    assert entry.summary == "Email “Thanks” queued to jane@example.com"
    assert entry.via == Via.AUTOMATION


def test_a_contact_without_email_gives_a_skipped_message_with_the_reason(
        opportunity, make_template, jane, sales_north, django_capture_on_commit_callbacks):
    make_template()
    type(jane).objects.filter(pk=jane.pk).update(email="")
    opportunity.refresh_from_db()

    with django_capture_on_commit_callbacks() as callbacks:
        message = services.send_template(template_key="thanks", record=opportunity,
                                         to="primary_contact", idempotency_key="t-2")

    assert (message.status, message.skip_reason) == ("skipped",
                                                     "Jane Doe has no email address")
    assert callbacks == []
    assert history_of(opportunity).first().summary == (
        "Email “Thanks” not sent: Jane Doe has no email address")


def test_the_main_contact_role_is_used_when_the_record_has_no_contact(
        opportunity, make_template, make_contact, sales_north, jane):
    from stageflow.sales.services import record_contact_link

    make_template()
    student = make_contact(sales_north, "Roe", first_name="Rick", email="rick@example.com")
    record_update(actor=sales_north, via=Via.CLI, record=opportunity, values={"contact": None})
    opportunity.refresh_from_db()
    record_contact_link(actor=sales_north, via=Via.CLI, record=opportunity, contact=student,
                        role="student")
    record_contact_link(actor=sales_north, via=Via.CLI, record=opportunity, contact=jane,
                        role="Main contact")

    message = services.send_template(template_key="thanks", record=opportunity,
                                     to="primary_contact", idempotency_key="t-role")

    assert (message.to, message.subject) == ("jane@example.com", "Thanks, Jane")


@pytest.mark.parametrize(("to", "address"), [
    ("owner", "sales_n@example.com"),
    ("office_email", "office@acme-training.example"),
    ("account", "accounts@globex.example"),
    ("someone@example.org", "someone@example.org"),
])
def test_recipient_specs(opportunity, make_template, to, address):
    make_template()

    message = services.send_template(template_key="thanks", record=opportunity, to=to,
                                     idempotency_key=f"t-{to}")

    assert (message.status, message.to) == ("pending", address)


def test_an_sms_template_goes_to_the_mobile_number(opportunity, make_template):
    make_template("reminder", kind="sms", subject="", body="See you, {{ contact.first_name }}")

    message = services.send_template(template_key="reminder", record=opportunity,
                                     to="contact", idempotency_key="t-sms")

    assert (message.channel, message.to, message.subject, message.body) == (
        "sms", JANE_MOBILE, "", "See you, Jane")


def test_an_unknown_or_inactive_template_is_skipped_not_raised(opportunity, make_template):
    make_template(active=False)

    message = services.send_template(template_key="thanks", record=opportunity,
                                     to="primary_contact", idempotency_key="t-missing")

    assert (message.status, message.skip_reason) == ("skipped", "No active template “thanks”")


def test_send_template_twice_with_one_key_sends_once(opportunity, make_template):
    make_template()

    first = services.send_template(template_key="thanks", record=opportunity,
                                   to="primary_contact", idempotency_key="t-twice")
    second = services.send_template(template_key="thanks", record=opportunity,
                                    to="owner", idempotency_key="t-twice")

    assert first.pk == second.pk
    assert OutboxMessage.objects.count() == 1


def test_message_compose_needs_edit_permission_and_an_address(
        opportunity, make_user, north, jane):
    reader = make_user("reader", "marketing", north)

    with pytest.raises(NotAllowed):
        services.message_compose(actor=reader, record=opportunity, channel="email",
                                 to="primary_contact", subject="Hi", body="Hello")
    type(jane).objects.filter(pk=jane.pk).update(email="")
    opportunity.refresh_from_db()
    with pytest.raises(InvalidInput) as refused:
        services.message_compose(actor=opportunity.owner, record=opportunity, channel="email",
                                 to="primary_contact", subject="", body="")

    assert refused.value.fields == {"subject": "Give the email a subject.",
                                    "body": "Write the message.",
                                    "to": "Jane Doe has no email address"}
    assert not OutboxMessage.objects.exists()


def test_composed_text_is_sent_as_written_never_evaluated(opportunity, sales_north):
    message = services.message_compose(actor=sales_north, record=opportunity, channel="email",
                                       to="primary_contact", subject="{{ 7*7 }}",
                                       body="{{ record.title }}")

    assert (message.subject, message.body) == ("{{ 7*7 }}", "{{ record.title }}")
    assert message.source == "manual"


# --- retry and cancel ------------------------------------------------------------------------

def _message(status: str, key: str = "m") -> OutboxMessage:
    return OutboxMessage.objects.create(channel="email", to="a@example.com", subject="S",
                                        body="B", idempotency_key=key, status=status,
                                        attempts=5, last_error="boom")


def test_retry_puts_a_failed_message_back_from_its_first_attempt(
        admin, django_capture_on_commit_callbacks):
    message = _message("failed")

    with django_capture_on_commit_callbacks() as callbacks:
        services.outbox_retry(actor=admin, message=message)

    message.refresh_from_db()
    assert (message.status, message.attempts, message.next_attempt_at) == ("pending", 0, None)
    assert len(callbacks) == 1


@pytest.mark.parametrize("status", ["pending", "sending", "sent", "skipped"])
def test_only_failed_messages_can_be_retried(admin, status):
    message = _message(status)

    with pytest.raises(Conflict):
        services.outbox_retry(actor=admin, message=message)

    message.refresh_from_db()
    assert message.status == status


def test_cancel_stops_a_waiting_message_and_says_who(admin):
    message = _message("pending")

    services.outbox_cancel(actor=admin, message=message)

    message.refresh_from_db()
    assert (message.status, message.skip_reason) == ("skipped", "Cancelled by Admin")
    with pytest.raises(Conflict):
        services.outbox_cancel(actor=admin, message=message)


def test_only_managers_retry_or_cancel(sales_north):
    message = _message("failed")

    with pytest.raises(NotAllowed):
        services.outbox_retry(actor=sales_north, message=message)
    with pytest.raises(NotAllowed):
        services.outbox_cancel(actor=sales_north, message=message)

    message.refresh_from_db()
    assert message.status == "failed"


# --- templates -------------------------------------------------------------------------------

def test_template_save_creates_and_updates_with_history(admin, training):
    template = services.template_save(actor=admin, values={
        "key": "intro", "kind": "email", "name": "Introduction", "subject": "Hello",
        "body": "Hi {{ contact.first_name }}", "record_type": "opportunity",
        "visible_at_stages": ["enquiry"]})
    changed = services.template_save(actor=admin, template=template, expected_version=1,
                                     values={"subject": "Welcome"})

    assert (changed.version, changed.subject, changed.names) == (2, "Welcome",
                                                                 {"en": "Introduction"})
    assert [e.action for e in history_of(changed)] == ["updated", "created"]
    with pytest.raises(StaleVersion):
        services.template_save(actor=admin, template=template, expected_version=1,
                               values={"subject": "Late"})


def test_a_syntax_error_names_the_field_and_line(admin):
    with pytest.raises(InvalidInput) as refused:
        services.template_save(actor=admin, values={
            "key": "broken", "name": "Broken", "subject": "Fine",
            "body": "Line one\nLine two\nHello {{ contact.first_name }"})

    assert refused.value.fields == {"body": "line 3: unexpected '}'"}
    assert not MessageTemplate.objects.exists()


def test_an_unknown_merge_field_is_named_with_its_field(admin):
    with pytest.raises(InvalidInput) as refused:
        services.template_save(actor=admin, values={
            "key": "colour", "name": "Colour", "subject": "{{ record.colour }}",
            "body": "{{ record.title }} {{ colour }} {{ contact.shoe_size }}",
            "record_type": "opportunity"})

    assert refused.value.fields == {
        "subject": "Unknown merge field: record.colour",
        "body": "Unknown merge fields: colour, contact.shoe_size"}


def test_stages_must_exist_in_a_pipeline_of_the_record_type(admin, training):
    with pytest.raises(InvalidInput) as refused:
        services.template_save(actor=admin, values={
            "key": "x", "name": "X", "subject": "S", "body": "B",
            "record_type": "opportunity", "visible_at_stages": ["enquiry", "negotiation"]})

    assert refused.value.fields == {
        "visible_at_stages": "No opportunities pipeline has the stage(s) negotiation."}


def test_template_rules_per_kind(admin):
    with pytest.raises(InvalidInput) as refused:
        services.template_save(actor=admin, values={"key": "a", "name": "A", "body": "B"})
    with pytest.raises(InvalidInput) as sms_refused:
        services.template_save(actor=admin, values={"key": "b", "name": "B", "kind": "sms",
                                                    "subject": "S", "body": "B"})
    with pytest.raises(InvalidInput) as no_name:
        services.template_save(actor=admin, values={"key": "c", "subject": "S", "body": "B"})

    assert refused.value.fields == {"subject": "An email needs a subject."}
    assert sms_refused.value.fields == {"subject": "Only email templates have a subject."}
    assert no_name.value.fields == {"names": "Give the template a name."}


def test_keys_are_unique_and_fixed(admin, make_template):
    template = make_template(record_type="")

    with pytest.raises(InvalidInput) as duplicate:
        make_template(record_type="")
    with pytest.raises(InvalidInput) as renamed:
        services.template_save(actor=admin, template=template, values={"key": "other"})

    assert list(duplicate.value.fields) == ["key"]
    assert list(renamed.value.fields) == ["key"]


def test_only_managers_change_templates(sales_north, make_template):
    with pytest.raises(NotAllowed):
        services.template_save(actor=sales_north, values={"key": "x", "name": "X",
                                                          "subject": "S", "body": "B"})
    template = make_template(record_type="")
    with pytest.raises(NotAllowed):
        services.template_delete(actor=sales_north, template=template)

    assert list(MessageTemplate.objects.values_list("key", flat=True)) == ["thanks"]


def test_a_template_a_live_pipeline_offers_cannot_be_deleted(admin, training, make_template):
    intro = make_template("intro", record_type="")
    thanks = make_template("unused", record_type="")

    with pytest.raises(Conflict) as refused:
        services.template_delete(actor=admin, template=intro)
    services.template_delete(actor=admin, template=thanks)

    assert refused.value.code == "template_in_use"
    assert list(MessageTemplate.objects.values_list("key", flat=True)) == ["intro"]


def test_templates_offered_follow_the_record_stage(opportunity, make_template, sales_north):
    make_template("everywhere")
    make_template("at-enquiry", visible_at_stages=["enquiry"])
    make_template("at-proposed", visible_at_stages=["proposed"])
    make_template("for-leads", record_type="lead")
    make_template("texts", kind="sms", subject="")
    make_template("retired", active=False)
    make_template("intro", visible_at_stages=["won"])  # the enquiry stage lists it

    at_enquiry = [t.key for t in templates_for(opportunity, "email")]
    record_transition(actor=sales_north, via=Via.CLI, record=opportunity, transition="T2")
    opportunity.refresh_from_db()
    at_proposed = [t.key for t in templates_for(opportunity, "email")]

    assert at_enquiry == ["at-enquiry", "everywhere", "intro"]
    assert at_proposed == ["at-proposed", "everywhere"]


def test_templates_for_runs_bounded_queries(opportunity, make_template,
                                            django_assert_max_num_queries):
    for number in range(10):
        make_template(f"t{number}")

    with django_assert_max_num_queries(2):
        offered = templates_for(opportunity, "email")

    assert len(offered) == 10


def test_accounts_and_contacts_have_no_stages(admin, training):
    with pytest.raises(InvalidInput) as refused:
        services.template_save(actor=admin, values={
            "key": "x", "name": "X", "subject": "S", "body": "{{ record.name }}",
            "record_type": "account", "visible_at_stages": ["enquiry"]})

    assert list(refused.value.fields) == ["visible_at_stages"]

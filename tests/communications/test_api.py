"""/api/v1/templates, /outbox and /messages: every endpoint, who may use it, and its errors."""

from __future__ import annotations

import pytest

from stageflow.communications import services
from stageflow.communications.models import MessageTemplate, OutboxMessage
from stageflow.core.models import Via

TEMPLATE = {"key": "thanks", "kind": "email", "name": "Thanks",
            "subject": "Thanks, {{ contact.first_name }}",
            "body": "Dear {{ contact.first_name }},\nabout {{ record.title }}.",
            "record_type": "opportunity"}


def _message(record=None, status: str = "pending", key: str = "m-1") -> OutboxMessage:
    message = OutboxMessage.objects.create(channel="email", to="jane@example.com", subject="S",
                                           body="B", idempotency_key=key, status=status)
    if record is not None:
        message.record_type, message.record_id = "opportunity", record.pk
        message.save()
    return message


# --- templates -------------------------------------------------------------------------------

def test_anonymous_callers_get_401(api_as, db):
    anonymous = api_as(None)

    for path in ("/templates", "/outbox", "/templates/thanks", "/outbox/1"):
        response = anonymous.get(path)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"
    assert anonymous.post("/templates", TEMPLATE).status_code == 401
    assert anonymous.post("/messages", {"record_type": "lead", "record_id": 1}).status_code == 401


def test_a_manager_creates_reads_updates_and_deletes_a_template(api_as, admin):
    client = api_as(admin)

    created = client.post("/templates", TEMPLATE)
    listed = client.get("/templates", kind="email")
    fetched = client.get("/templates/thanks")
    updated = client.put("/templates/thanks", {"subject": "Thank you"},
                         headers={"If-Match": '"1"'})
    stale = client.put("/templates/thanks", {"subject": "Late", "version": 1})
    deleted = client.delete("/templates/thanks")

    assert created.status_code == 201
    assert created.json()["names"] == {"en": "Thanks"}
    assert listed.json()["count"] == 1
    assert fetched.json()["subject"] == "Thanks, {{ contact.first_name }}"
    assert (updated.status_code, updated.json()["version"]) == (200, 2)
    assert (stale.status_code, stale.json()["error"]["code"]) == (409, "stale")
    assert deleted.status_code == 204
    assert not MessageTemplate.objects.exists()


def test_others_read_templates_but_may_not_change_them(api_as, admin, sales_north):
    api_as(admin).post("/templates", TEMPLATE)
    client = api_as(sales_north)

    assert client.get("/templates").json()["count"] == 1
    assert client.post("/templates", {**TEMPLATE, "key": "other"}).status_code == 403
    assert client.put("/templates/thanks", {"subject": "Mine"}).status_code == 403
    assert client.delete("/templates/thanks").status_code == 403
    template = MessageTemplate.objects.get()
    assert (template.key, template.subject, template.version) == (
        "thanks", TEMPLATE["subject"], 1)


def test_template_errors_name_the_field(api_as, admin):
    client = api_as(admin)

    broken = client.post("/templates", {**TEMPLATE, "body": "Hi {{ contact.first_name }"})
    unknown = client.post("/templates", {**TEMPLATE, "subject": "{{ record.colour }}"})
    malformed = client.post("/templates", {"kind": "email"})
    missing = client.get("/templates/nope")

    assert broken.status_code == 422
    assert broken.json()["error"]["fields"] == {"body": "line 1: unexpected '}'"}
    assert unknown.json()["error"]["fields"] == {
        "subject": "Unknown merge field: record.colour"}
    assert (malformed.status_code, list(malformed.json()["error"]["fields"])) == (400, ["key"])
    assert missing.status_code == 404
    assert client.put("/templates/nope", {"subject": "x"}).status_code == 404
    assert client.delete("/templates/nope").status_code == 404
    assert not MessageTemplate.objects.exists()


def test_a_template_in_a_live_pipeline_cannot_be_deleted(api_as, admin, training):
    client = api_as(admin)
    client.post("/templates", {**TEMPLATE, "key": "intro"})

    refused = client.delete("/templates/intro")

    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "template_in_use")
    assert MessageTemplate.objects.filter(key="intro").exists()


def test_preview_fills_in_a_visible_record(api_as, admin, opportunity, sales_north,
                                           sales_south):
    api_as(admin).post("/templates", TEMPLATE)
    body = {"record_type": "opportunity", "record_id": opportunity.pk}

    preview = api_as(sales_north).post("/templates/thanks/preview", body)
    trial = api_as(sales_north).post("/templates/thanks/preview",
                                     {**body, "body": "{{ record.stage }} {{ nope }}"})
    hidden = api_as(sales_south).post("/templates/thanks/preview", body)
    unknown_type = api_as(sales_north).post("/templates/thanks/preview",
                                            {**body, "record_type": "planet"})

    assert preview.json() == {"subject": "Thanks, Jane",
                              "body": "Dear Jane,\nabout Course for Globex."}
    assert trial.status_code == 422
    assert trial.json()["error"]["fields"] == {
        "body": "Unknown merge field: 'nope' is undefined"}
    assert hidden.status_code == 404
    assert unknown_type.status_code == 422
    assert api_as(sales_north).post("/templates/nope/preview", body).status_code == 404


def test_templates_offered_on_a_record(api_as, admin, opportunity, sales_north, sales_south):
    client = api_as(admin)
    client.post("/templates", {**TEMPLATE, "key": "at-enquiry",
                               "visible_at_stages": ["enquiry"]})
    client.post("/templates", {**TEMPLATE, "key": "at-won", "visible_at_stages": ["won"]})
    client.post("/templates", {**TEMPLATE, "key": "text", "kind": "sms", "subject": ""})
    path = f"/templates/for/opportunity/{opportunity.pk}"

    emails = api_as(sales_north).get(path)
    texts = api_as(sales_north).get(path, kind="sms")

    assert [t["key"] for t in emails.json()] == ["at-enquiry"]
    assert [t["key"] for t in texts.json()] == ["text"]
    assert api_as(sales_south).get(path).status_code == 404


def test_template_list_runs_bounded_queries(api_as, admin, django_assert_max_num_queries):
    client = api_as(admin)
    for number in range(20):
        client.post("/templates", {**TEMPLATE, "key": f"t{number}", "record_type": ""})

    with django_assert_max_num_queries(5):
        listed = client.get("/templates", limit=50)

    assert listed.json()["count"] == 20


# --- the outbox ------------------------------------------------------------------------------

def test_managers_see_every_message_others_those_of_their_records(
        api_as, admin, opportunity, sales_north, sales_south):
    mine = _message(opportunity, key="mine")
    _message(None, key="webhook-ish")

    everything = api_as(admin).get("/outbox")
    north = api_as(sales_north).get("/outbox")
    south = api_as(sales_south).get("/outbox")

    assert everything.json()["count"] == 2
    assert [m["id"] for m in north.json()["items"]] == [mine.pk]
    assert north.json()["items"][0]["record"] == {"type": "opportunity", "id": opportunity.pk}
    assert south.json()["count"] == 0
    assert api_as(sales_north).get(f"/outbox/{mine.pk}").json()["to"] == "jane@example.com"
    assert api_as(sales_south).get(f"/outbox/{mine.pk}").status_code == 404
    assert api_as(admin).get("/outbox/999999").status_code == 404


def test_outbox_filters(api_as, admin, opportunity):
    _message(opportunity, status="failed", key="a")
    _message(opportunity, status="sent", key="b")
    _message(None, status="failed", key="c")
    client = api_as(admin)

    failed = client.get("/outbox", status="failed")
    on_record = client.get("/outbox", record_type="opportunity", record_id=opportunity.pk)
    texts = client.get("/outbox", channel="sms")

    assert failed.json()["count"] == 2
    assert on_record.json()["count"] == 2
    assert texts.json()["count"] == 0


@pytest.mark.parametrize("who", ["admin", "sales_north"])
def test_outbox_list_runs_bounded_queries(api_as, admin, sales_north, opportunity, who,
                                          django_assert_max_num_queries, make_template):
    template = make_template()
    for number in range(30):
        message = _message(opportunity, key=f"q{number}")
        message.template, message.created_by = template, admin
        message.save()
    client = api_as(admin if who == "admin" else sales_north)

    with django_assert_max_num_queries(6):
        listed = client.get("/outbox", limit=100)

    assert listed.json()["count"] == 30
    assert listed.json()["items"][0]["template"] == "thanks"


def test_retry_and_cancel(api_as, admin, opportunity, sales_north):
    failed = _message(opportunity, status="failed", key="f")
    waiting = _message(opportunity, status="pending", key="w")
    client = api_as(admin)

    not_allowed = api_as(sales_north).post(f"/outbox/{failed.pk}/retry")
    retried = client.post(f"/outbox/{failed.pk}/retry")
    conflict = client.post(f"/outbox/{waiting.pk}/retry")
    cancelled = client.post(f"/outbox/{waiting.pk}/cancel")
    cancelled_again = client.post(f"/outbox/{waiting.pk}/cancel")
    not_allowed_cancel = api_as(sales_north).post(f"/outbox/{failed.pk}/cancel")

    assert not_allowed.status_code == 403
    assert (retried.status_code, retried.json()["status"]) == (200, "pending")
    assert (conflict.status_code, conflict.json()["error"]["code"]) == (409, "conflict")
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "skipped")
    assert cancelled.json()["skip_reason"] == "Cancelled by Admin"
    assert cancelled_again.status_code == 409
    assert not_allowed_cancel.status_code == 403
    assert client.post("/outbox/999999/retry").status_code == 404
    failed.refresh_from_db()
    assert failed.status == "pending"


# --- composing -------------------------------------------------------------------------------

def test_compose_from_a_template_and_by_hand(api_as, admin, opportunity, sales_north):
    api_as(admin).post("/templates", TEMPLATE)
    client = api_as(sales_north)
    base = {"record_type": "opportunity", "record_id": opportunity.pk}

    from_template = client.post("/messages", {**base, "template": "thanks"})
    by_hand = client.post("/messages", {**base, "channel": "sms", "to": "contact",
                                        "body": "Running late, {{ x }}"})

    assert from_template.status_code == 201
    assert (from_template.json()["subject"], from_template.json()["to"]) == (
        "Thanks, Jane", "jane@example.com")
    assert from_template.json()["template"] == "thanks"
    assert from_template.json()["source"] == "manual"
    assert (by_hand.json()["channel"], by_hand.json()["body"]) == (
        "sms", "Running late, {{ x }}")


def test_compose_with_an_idempotency_key_sends_once(api_as, opportunity, sales_north):
    client = api_as(sales_north)
    body = {"record_type": "opportunity", "record_id": opportunity.pk, "subject": "Hi",
            "body": "Hello"}

    first = client.post("/messages", body, headers={"Idempotency-Key": "abc"})
    second = client.post("/messages", body, headers={"Idempotency-Key": "abc"})

    assert first.json()["id"] == second.json()["id"]
    assert OutboxMessage.objects.count() == 1


def test_compose_needs_edit_permission_and_valid_input(api_as, opportunity, make_user, north,
                                                       sales_south, sales_north):
    reader = make_user("reader", "marketing", north)
    body = {"record_type": "opportunity", "record_id": opportunity.pk, "subject": "Hi",
            "body": "Hello"}

    seen_not_editable = api_as(reader).post("/messages", body)
    unseen = api_as(sales_south).post("/messages", body)
    invalid = api_as(sales_north).post("/messages", {**body, "subject": "", "to": "nobody"})

    assert seen_not_editable.status_code == 403
    assert unseen.status_code == 404
    assert invalid.status_code == 422
    assert invalid.json()["error"]["fields"] == {"subject": "Give the email a subject.",
                                                 "to": "Unknown recipient “nobody”"}
    assert not OutboxMessage.objects.exists()


def test_compose_refuses_a_template_for_another_record_type(api_as, admin, opportunity,
                                                           sales_north):
    services.template_save(actor=admin, via=Via.CLI, values={
        **TEMPLATE, "key": "lead-only", "record_type": "lead",
        "body": "{{ record.title }}", "subject": "S"})

    refused = api_as(sales_north).post("/messages", {
        "record_type": "opportunity", "record_id": opportunity.pk, "template": "lead-only"})

    assert (refused.status_code, list(refused.json()["error"]["fields"])) == (422, ["template"])

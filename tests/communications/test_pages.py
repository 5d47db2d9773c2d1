"""The web pages: templates and company details in Settings, the outbox, sending a message."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from stageflow.communications.models import MessageTemplate, OutboxMessage
from stageflow.core import workspace

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _no_inline_code(html: str) -> None:
    assert not INLINE_SCRIPT.search(html)
    assert " style=" not in html
    assert " onclick=" not in html


def _template_form(**values):
    return {"key": "thanks", "name_en": "Thanks", "name_nl": "", "kind": "email",
            "record_type": "opportunity", "subject": "Thanks, {{ contact.first_name }}",
            "body": "Dear {{ contact.first_name }}", "active": "on", "action": "save",
            **values}


def test_settings_links_to_the_three_screens(admin, training):
    page = _client(admin).get("/settings/").content.decode()

    for url in ("/communications/templates/", "/communications/company/",
                "/communications/outbox/"):
        assert f'href="{url}"' in page


def test_create_a_template_in_settings(admin, training):
    client = _client(admin)

    empty = client.get("/communications/templates/").content.decode()
    form = client.get("/communications/templates/new/").content.decode()
    saved = client.post("/communications/templates/new/",
                        _template_form(visible_at_stages=["enquiry"]))
    listed = client.get("/communications/templates/").content.decode()

    assert "No templates yet." in empty
    assert "{{ record.attributes.po_number }}" in form  # the cheat-sheet
    _no_inline_code(form)
    assert saved.status_code == 302
    template = MessageTemplate.objects.get()
    assert (template.names, template.visible_at_stages) == ({"en": "Thanks"}, ["enquiry"])
    assert "Thanks" in listed
    assert "Enquiry" in listed


def test_template_errors_are_shown_next_to_subject_and_body(admin, training):
    response = _client(admin).post("/communications/templates/new/", _template_form(
        subject="{{ record.colour }}", body="Hi {{ contact.first_name }"))
    page = response.content.decode()

    assert response.status_code == 422
    assert re.search(r'id="id_subject-error">Unknown merge field: record.colour<', page)
    assert re.search(r'id="id_body-error">line 1: unexpected &#x27;}&#x27;<', page)
    assert not MessageTemplate.objects.exists()


def test_preview_fills_in_the_unsaved_text_from_a_record(admin, opportunity):
    response = _client(admin).post("/communications/templates/new/", _template_form(
        action="preview", body="<b>{{ record.title }}</b> at {{ record.stage }}",
        preview_record_type="opportunity", preview_record_id=str(opportunity.pk)))
    page = response.content.decode()

    assert response.status_code == 200
    assert "&lt;b&gt;Course for Globex&lt;/b&gt; at Enquiry" in page
    assert 'id="preview-subject">Thanks, Jane<' in page
    assert not MessageTemplate.objects.exists()


def test_preview_of_an_unknown_record_says_so(admin, opportunity):
    page = _client(admin).post("/communications/templates/new/", _template_form(
        action="preview", preview_record_type="lead",
        preview_record_id="999")).content.decode()

    assert "No such record, or you may not see it." in page


def test_edit_and_delete_a_template(admin, make_template):
    make_template(record_type="")
    client = _client(admin)

    edited = client.post("/communications/templates/thanks/", _template_form(
        key="ignored", record_type="", subject="Hello", version="1"))
    confirm = client.get("/communications/templates/thanks/delete/")
    deleted = client.post("/communications/templates/thanks/delete/")

    assert edited.status_code == 302
    assert confirm.status_code == 200
    assert deleted.status_code == 302
    assert not MessageTemplate.objects.exists()


def test_only_managers_open_the_settings_screens(sales_north, make_template):
    make_template()
    client = _client(sales_north)

    for url in ("/communications/templates/", "/communications/templates/new/",
                "/communications/templates/thanks/", "/communications/company/"):
        assert client.get(url).status_code == 403
    assert client.post("/communications/company/", {"company_name": "Mine"}).status_code == 403
    assert workspace.current().company_name == ""


def test_company_details(admin):
    client = _client(admin)
    values = {"company_name": "Acme Training", "company_email": "hello@acme.example",
              "company_phone": "+31 20 123 4567", "company_address": "Main 1\nAmsterdam",
              "company_website": "acme.example", "office_email": "office@acme.example",
              "terms": "Pay in 30 days.", "default_language": "nl",
              "default_currency": "eur", "days_out": "5", "select_new_estimate": "on"}

    bad = client.post("/communications/company/", {**values, "office_email": "nope"})
    good = client.post("/communications/company/", values)

    assert bad.status_code == 200
    assert "Enter a valid email address." in bad.content.decode()
    assert good.status_code == 302
    row = workspace.current()
    assert (row.company_name, row.company_website, row.default_currency, row.days_out) == (
        "Acme Training", "https://acme.example", "EUR", 5)
    _no_inline_code(client.get("/communications/company/").content.decode())


# --- the outbox ------------------------------------------------------------------------------

def _message(opportunity=None, status="pending", key="m", **extra) -> OutboxMessage:
    values = {"channel": "email", "to": "jane@example.com", "subject": f"Subject {key}",
              "body": "Body text", "idempotency_key": key, "status": status, **extra}
    message = OutboxMessage.objects.create(**values)
    if opportunity is not None:
        message.record_type, message.record_id = "opportunity", opportunity.pk
        message.save()
    return message


def test_the_outbox_is_empty_at_first(admin):
    page = _client(admin).get("/communications/outbox/").content.decode()

    assert "Nothing has been sent yet." in page
    _no_inline_code(page)


def test_the_outbox_lists_and_filters_messages(admin, opportunity):
    _message(opportunity, status="failed", key="one", last_error="HTTP 500")
    _message(opportunity, status="sent", key="two")
    client = _client(admin)

    everything = client.get("/communications/outbox/").content.decode()
    failed = client.get("/communications/outbox/", {"status": "failed"}).content.decode()
    texts = client.get("/communications/outbox/", {"channel": "sms"}).content.decode()

    assert "Subject one" in everything
    assert "Subject two" in everything
    assert "Course for Globex" in everything
    assert "Subject two" not in failed
    assert "HTTP 500" in failed
    assert "No message matches these filters." in texts


def test_others_see_only_their_records_messages_and_no_buttons(opportunity, sales_north,
                                                               sales_south):
    _message(opportunity, status="failed", key="one")
    _message(None, status="failed", key="hook")

    north = _client(sales_north).get("/communications/outbox/").content.decode()
    south = _client(sales_south).get("/communications/outbox/").content.decode()

    assert "Subject one" in north
    assert "Subject hook" not in north
    assert "Retry" not in north
    assert "Subject one" not in south


def test_retry_and_cancel_from_the_outbox(admin, opportunity, sales_north):
    failed = _message(opportunity, status="failed", key="one", attempts=5)
    waiting = _message(opportunity, status="pending", key="two")
    client = _client(admin)

    page = client.get("/communications/outbox/").content.decode()
    refused = _client(sales_north).post(f"/communications/outbox/{failed.pk}/retry/")
    retried = client.post(f"/communications/outbox/{failed.pk}/retry/", {"next": "list"})
    cancelled = client.post(f"/communications/outbox/{waiting.pk}/cancel/")
    again = client.post(f"/communications/outbox/{waiting.pk}/cancel/", follow=True)

    assert 'data-confirm="Send this message again?"' in page
    assert refused.status_code == 403
    assert retried.url == "/communications/outbox/"
    assert cancelled.url == f"/communications/outbox/{waiting.pk}/"
    assert "Only a waiting or failed message can be cancelled" in again.content.decode()
    failed.refresh_from_db()
    waiting.refresh_from_db()
    assert (failed.status, waiting.status) == ("pending", "skipped")


def test_the_detail_page_shows_the_full_text_and_error(admin, opportunity, sales_south):
    message = _message(opportunity, status="failed", key="one",
                       last_error="DeliveryError: HTTP 500 from https://x", body="<b>Hi</b>")

    page = _client(admin).get(f"/communications/outbox/{message.pk}/").content.decode()
    hidden = _client(sales_south).get(f"/communications/outbox/{message.pk}/")

    assert "&lt;b&gt;Hi&lt;/b&gt;" in page
    assert "DeliveryError: HTTP 500 from https://x" in page
    assert hidden.status_code == 404
    _no_inline_code(page)


def test_the_outbox_page_runs_bounded_queries(admin, opportunity, make_template,
                                              django_assert_max_num_queries):
    template = make_template()
    for number in range(30):
        _message(opportunity, key=f"q{number}", template=template, created_by=admin)
    client = _client(admin)

    with django_assert_max_num_queries(9):
        response = client.get("/communications/outbox/")

    assert response.content.decode().count("<tr id=\"message-") == 25


# --- sending from a record -------------------------------------------------------------------

def test_send_a_message_from_a_template(opportunity, sales_north, make_template):
    make_template()
    client = _client(sales_north)
    url = f"/communications/send/?record_type=opportunity&record_id={opportunity.pk}"

    form = client.get(url + "&template=thanks")
    page = form.content.decode()
    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    post = {"record_type": "opportunity", "record_id": opportunity.pk, "channel": "email",
            "to": "primary_contact", "subject": "Thanks, Jane", "body": "Edited by hand",
            "template": "thanks", "token": token}
    sent = client.post("/communications/send/?template=thanks", post)
    repeated = client.post("/communications/send/?template=thanks", post)

    assert 'value="Thanks, Jane"' in page
    assert "Jane Doe &lt;jane@example.com&gt;" in page
    _no_inline_code(page)
    assert sent.status_code == 302
    assert sent.url == opportunity.get_absolute_url()
    assert repeated.status_code == 302
    message = OutboxMessage.objects.get()
    assert (message.to, message.body, message.template.key) == (
        "jane@example.com", "Edited by hand", "thanks")


def test_send_a_text_message_to_someone_else(opportunity, sales_north):
    client = _client(sales_north)
    url = f"/communications/send/?record_type=opportunity&record_id={opportunity.pk}&channel=sms"

    page = client.get(url).content.decode()
    sent = client.post("/communications/send/", {
        "record_type": "opportunity", "record_id": opportunity.pk, "channel": "sms",
        "to": "other", "other": "+31 6 87654321", "body": "On my way", "token": "t1"})

    assert 'name="subject"' not in page
    assert sent.status_code == 302
    assert OutboxMessage.objects.get().to == "+31687654321"


def test_sending_needs_edit_permission_and_shows_errors(opportunity, sales_north, make_user,
                                                        north, sales_south):
    reader = make_user("reader", "marketing", north)
    url = f"/communications/send/?record_type=opportunity&record_id={opportunity.pk}"

    assert _client(reader).get(url).status_code == 403
    assert _client(sales_south).get(url).status_code == 404
    invalid = _client(sales_north).post("/communications/send/", {
        "record_type": "opportunity", "record_id": opportunity.pk, "channel": "email",
        "to": "other", "other": "nobody", "subject": "", "body": "Hi", "token": "t2"})

    assert invalid.status_code == 422
    assert "Give the email a subject." in invalid.content.decode()
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize("path", ["/communications/templates/", "/communications/outbox/",
                                  "/communications/send/?record_type=lead&record_id=1"])
def test_pages_need_sign_in(db, path):
    response = Client().get(path)

    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_a_new_template_can_be_previewed_before_it_has_a_key(admin, opportunity):
    response = _client(admin).post("/communications/templates/new/", _template_form(
        key="", name_en="", action="preview", preview_record_type="opportunity",
        preview_record_id=str(opportunity.pk)))

    assert response.status_code == 200
    assert 'id="preview-body">Dear Jane<' in response.content.decode()

"""Message templates and the outbox in headless chromium, on a desktop and a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from stageflow.communications.models import MessageTemplate, OutboxMessage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits_the_width(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_create_a_template_in_settings_then_see_the_outbox(page: Page, app_url, sign_in,
                                                            training):
    sign_in(page, "admin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Message templates").click()
    expect(page.get_by_text("No templates yet.")).to_be_visible()

    page.get_by_role("button", name="New template").click()
    page.get_by_label("Key").fill("thanks-accepted")
    page.get_by_label("Name (English)").fill("Thanks for accepting")
    page.get_by_label("Offered on").select_option("opportunity")
    page.get_by_label("Subject").fill("Thanks, {{ contact.colour }}")
    page.get_by_label("Text", exact=True).fill("Dear {{ contact.first_name }},\nwelcome.")
    page.get_by_label("Enquiry · Training sale").check()
    expect(page.get_by_text("record.attributes.po_number")).to_be_visible()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Unknown merge field: contact.colour")).to_be_visible()
    page.get_by_label("Subject").fill("Thanks, {{ contact.first_name }}")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_contain_text("Template “Thanks for accepting” saved.")
    expect(page.get_by_role("row", name="Thanks for accepting")).to_contain_text("Enquiry")
    template = MessageTemplate.objects.get()
    assert (template.key, template.visible_at_stages) == ("thanks-accepted", ["enquiry"])

    page.get_by_role("link", name="Settings").first.click()
    page.get_by_role("link", name="Outbox").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Outbox")
    expect(page.get_by_text("Nothing has been sent yet.")).to_be_visible()


def test_retry_a_failed_message_on_a_phone(page: Page, app_url, sign_in, admin):
    message = OutboxMessage.objects.create(
        channel="webhook", to="https://hooks.example.com/a-rather-long/path/for-a-phone",
        body='{"event": "won"}', idempotency_key="hook-1", status="failed", attempts=5,
        last_error="DeliveryError: HTTP 503 from https://hooks.example.com/a-rather-long")
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, "admin")

    page.goto(f"{app_url}/communications/outbox/?status=failed")
    expect(page.get_by_role("row", name="Webhook")).to_contain_text("HTTP 503")
    _fits_the_width(page, 375)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Retry").click()

    expect(page.get_by_role("status")).to_contain_text("The message will be sent again.")
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 0)

    page.goto(f"{app_url}/communications/templates/new/")
    _fits_the_width(page, 375)

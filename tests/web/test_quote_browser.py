"""The quote round trip in headless chromium: the office sends a quote, the client opens the
link in a fresh browser (no session), accepts it, and the office sees it accepted."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from stageflow.quotes.models import Estimate
from tests.quotes import fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The quote fixtures shared with tests/quotes: pytest finds fixtures among module attributes.
company = fixtures.company
furnace = fixtures.furnace
jane = fixtures.jane
jane_account = fixtures.jane_account
line = fixtures.line
make_estimate = fixtures.make_estimate
make_opportunity = fixtures.make_opportunity
opportunity = fixtures.opportunity


def test_the_office_sends_a_quote_and_the_client_accepts_it(
        page: Page, browser: Browser, app_url: str, sign_in: Any, sales_north: Any,
        opportunity: Any, furnace: Any, settings: Any) -> None:
    settings.STAGEFLOW_BASE_URL = app_url
    sign_in(page, "sales_n")

    page.goto(f"{app_url}/opportunities/{opportunity.pk}/?tab=estimates")
    page.get_by_role("button", name="New estimate").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Estimate E-")
    page.get_by_role("searchbox", name="Search the price book").fill("FR-FURN")
    page.get_by_role("button", name="FR-FURN-60K").click()
    expect(page.locator(".estimate-totals")).to_contain_text("USD 4200.00")
    page.get_by_role("textbox", name="Qty").fill("2")
    page.get_by_role("textbox", name="Qty").blur()
    expect(page.locator(".estimate-totals")).to_contain_text("USD 8400.00")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_label("Send to")).to_have_value("jane@example.com")
    page.get_by_role("button", name="Send the estimate").click()
    expect(page.get_by_text("Sent to jane@example.com")).to_be_visible()
    link = page.get_by_label("The client’s link").input_value()

    client = browser.new_context()
    client_page = client.new_page()
    client_page.goto(link)
    expect(client_page.get_by_text("Cool Air HVAC").first).to_be_visible()
    expect(client_page.get_by_text("Margin")).to_have_count(0)
    client_page.get_by_label("Your full name").fill("Jane Doe")
    client_page.get_by_label("I accept estimate").check()
    client_page.get_by_role("button", name="Accept the estimate").click()
    expect(client_page.get_by_text("You accepted this estimate as Jane Doe")).to_be_visible()
    client.close()

    page.goto(f"{app_url}/estimates/{Estimate.objects.get().pk}/")
    expect(page.locator(".estimate-status")).to_have_text("Accepted")
    expect(page.get_by_text("Accepted by Jane Doe")).to_be_visible()
    assert Estimate.objects.get().status == "accepted"

"""Lead and opportunity screens in headless chromium: the wizard, a refused transition
completed through its form, lead conversion and a follow-on."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from stageflow.core.models import Via
from stageflow.sales import services
from stageflow.sales.models import Lead, Opportunity, RecordContact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_wizard_finds_an_account_creates_a_contact_and_the_lead(
        page: Page, app_url, sign_in, insurance, make_user, north, make_account):
    office = make_user("office1", "office", north)
    make_account(office, "Acme Pools")
    sign_in(page, "office1")

    page.goto(f"{app_url}/leads/")
    page.get_by_role("button", name="Creation wizard").click()
    page.get_by_role("radio", name="Find an existing account").check()
    page.get_by_role("searchbox", name=re.compile("Search accounts")).fill("acme")
    page.get_by_role("button", name="Acme Pools").click()
    expect(page.get_by_text("✓ Acme Pools")).to_be_visible()
    page.get_by_role("button", name="Next →").click()

    expect(page.get_by_text("Account: Acme Pools")).to_be_visible()
    page.get_by_role("radio", name="Create a new contact").check()
    expect(page.get_by_role("searchbox", name=re.compile("Search contacts"))).to_be_hidden()
    page.get_by_label("First name").fill("Bob")
    page.get_by_label("Last name").fill("Builder")
    page.get_by_role("button", name="Next →").click()

    expect(page.get_by_text("Contact: new: Bob Builder")).to_be_visible()
    page.get_by_role("button", name="← Back").click()
    expect(page.get_by_label("Last name")).to_have_value("Builder")
    page.get_by_role("button", name="Next →").click()
    page.get_by_label("Title").fill("Pool refit")
    page.get_by_role("button", name="Create lead").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Pool refit")
    lead = Lead.objects.get()
    assert (lead.account.name, str(lead.contact)) == ("Acme Pools", "Bob Builder")
    assert RecordContact.objects.get(lead=lead).role == "Main contact"


def test_a_refused_transition_is_completed_through_its_form(page: Page, app_url, sign_in,
                                                            training, make_user, north):
    rep = make_user("rep1", "salesperson", north)
    record = services.record_create(actor=rep, via=Via.CLI, kind="opportunity",
                                    values={"title": "O1"})
    sign_in(page, "rep1")
    page.goto(f"{app_url}/opportunities/{record.pk}/")

    expect(page.get_by_text("Needs: First name, Last name, Email")).to_be_visible()
    page.get_by_role("button", name="Qualify…").click()
    panel = page.locator("#transition-panel")
    panel.get_by_label("Last name").fill("Lee")
    panel.get_by_label("Email").fill("lee@example.com")
    panel.get_by_role("button", name="Qualify").click()

    expect(panel.get_by_text('"First name" is required for "Qualify".')).to_be_visible()
    record.refresh_from_db()
    assert record.step == "new_enquiry"
    panel.get_by_label("First name").fill("Ann")
    panel.get_by_role("button", name="Qualify").click()

    expect(page.locator("[aria-current=step]")).to_have_text("Enquiry")
    expect(page.get_by_role("button", name="Send proposal →")).to_be_visible()
    record.refresh_from_db()
    assert (record.step, record.attributes["first_name"]) == ("qualified", "Ann")


def test_lead_conversion_asks_for_the_qualifying_values(page: Page, app_url, sign_in,
                                                        insurance, admin):
    lead = services.record_create(actor=admin, via=Via.CLI, kind="lead",
                                  values={"title": "Riverside Bakery"})
    sign_in(page, "admin")
    page.goto(f"{app_url}/leads/{lead.pk}/")

    page.get_by_role("button", name="+ Opportunity").click()
    page.get_by_label("Interest confirmed").select_option("true")
    page.get_by_label("Purchasing power").select_option("true")
    page.get_by_role("button", name="Convert").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Riverside Bakery")
    expect(page.get_by_role("link", name="Riverside Bakery").first).to_be_visible()
    opportunity = Opportunity.objects.get()
    assert opportunity.lead_id == lead.pk
    page.get_by_text("From lead").get_by_role("link").click()
    expect(page.get_by_text("Converted into")).to_be_visible()
    expect(page.get_by_role("button", name="+ Opportunity")).to_have_count(0)


def test_follow_on_starts_a_child_that_shows_its_parent(page: Page, app_url, sign_in,
                                                        training, make_user, north):
    rep = make_user("rep1", "salesperson", north)
    parent = services.record_create(actor=rep, via=Via.CLI, kind="opportunity",
                                    values={"title": "Acme"})
    sign_in(page, "rep1")
    page.goto(f"{app_url}/opportunities/{parent.pk}/")

    page.get_by_role("link", name=re.compile("Follow-ons")).click()
    page.get_by_label("Kind of follow-on").select_option("upsell")
    page.get_by_label("Name").fill("Acme – 3 more seats")
    page.get_by_role("button", name="Start follow-on").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Acme – 3 more seats")
    page.get_by_role("link", name=re.compile("Follow-ons")).click()
    expect(page.get_by_text("Follow-on of Acme")).to_be_visible()
    page.get_by_role("link", name="Acme", exact=True).first.click()
    page.get_by_role("link", name=re.compile("Follow-ons")).click()
    expect(page.get_by_role("link", name="Acme – 3 more seats")).to_be_visible()


def test_overview_preview_and_bulk_move_on_a_phone(page: Page, app_url, sign_in, training,
                                                   make_user, north):
    rep = make_user("rep1", "salesperson", north)
    for title in ("First deal", "Second deal"):
        services.record_create(actor=rep, via=Via.CLI, kind="opportunity",
                               values={"title": title})
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, "rep1")
    page.goto(f"{app_url}/opportunities/?view=mine")

    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("link", name="Preview First deal").click()
    expect(page.locator("#preview").get_by_text("Call within 24h")).to_be_visible()
    page.get_by_role("checkbox", name="Select all on this page").check()
    page.get_by_label("With selected").select_option("tag")
    page.get_by_role("textbox", name="Tag").fill("hot")
    page.get_by_role("button", name="Apply", exact=True).click()

    expect(page.get_by_role("status")).to_have_text("2 tagged")
    expect(page).to_have_url(re.compile(r"view=mine"))

"""The pipeline board in headless chromium: drag, the refused-move dialog, and "Move to…"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from stageflow.core.models import Via
from stageflow.sales import services
from stageflow.sales.models import Opportunity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _drag(page: Page, card: Locator, target: Locator) -> None:
    """Drag with the mouse as Sortable's fallback mode expects: press on the card body, rest
    over the target (Sortable checks the pointer every 50 ms), release."""
    card.scroll_into_view_if_needed()
    source = card.locator(".card-facts").bounding_box()
    goal = target.bounding_box()
    assert source is not None
    assert goal is not None
    page.mouse.move(source["x"] + 10, source["y"] + 5)
    page.mouse.down()
    page.mouse.move(goal["x"] + goal["width"] / 2, goal["y"] + 30, steps=15)
    page.wait_for_timeout(150)
    page.mouse.move(goal["x"] + goal["width"] / 2, goal["y"] + 40, steps=4)
    page.wait_for_timeout(150)
    page.mouse.up()


def test_drag_to_a_stage_that_needs_a_value_asks_for_it_then_moves(page: Page, app_url,
                                                                    sign_in, insurance,
                                                                    office_north):
    record = services.record_create(actor=office_north, via=Via.CLI, kind="opportunity",
                                    values={"title": "Home cover for Ruiz", "value": "900"},
                                    entry="from_lead")
    sign_in(page, "office_n")
    page.goto(f"{app_url}/board/?pipeline=insurance_agency_opportunities")
    card = page.locator(f"#card-opportunity-{record.pk}")
    expect(page.locator("#cards-develop").locator(card)).to_be_visible()

    _drag(page, card, page.locator("#cards-propose"))

    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text("Move “Home cover for Ruiz” to Propose")
    expect(page.locator("#cards-develop").locator(card)).to_be_visible()  # back until done
    dialog.get_by_label("Proposed solution").fill("Home and contents bundle")
    dialog.get_by_role("button", name="Move to Propose").click()

    expect(dialog).to_be_hidden()
    expect(page.get_by_role("status")).to_contain_text("Moved “Home cover for Ruiz” to Propose.")
    expect(page.locator("#cards-propose").locator(card)).to_be_visible()
    expect(page.locator("#cards-develop").locator(card)).to_have_count(0)
    expect(page.locator("#column-head-propose")).to_contain_text("1 record")
    page.reload()
    expect(page.locator("#cards-propose").locator(card)).to_be_visible()
    record.refresh_from_db()
    assert (record.stage, record.proposed_solution) == ("propose", "Home and contents bundle")


def test_a_drop_no_transition_allows_is_explained_and_the_card_snaps_back(
        page: Page, app_url, sign_in, training, office_north):
    record = services.record_create(actor=office_north, via=Via.CLI, kind="opportunity",
                                    values={"title": "Fresh enquiry"})
    sign_in(page, "office_n")
    page.goto(f"{app_url}/board/")
    card = page.locator(f"#card-opportunity-{record.pk}")
    expect(card).to_be_visible()

    _drag(page, card, page.locator("#cards-proposed"))

    expect(page.get_by_role("status")).to_contain_text(
        "No transition leads from Enquiry to Proposed.")
    expect(page.locator("#cards-enquiry").locator(card)).to_be_visible()
    expect(page.locator("#cards-proposed").locator(card)).to_have_count(0)
    assert Opportunity.objects.get(pk=record.pk).stage == "enquiry"


def test_on_a_phone_the_move_to_menu_moves_a_card(page: Page, app_url, sign_in, training,
                                                  office_north, make_account):
    account = make_account(office_north, "Acme Ltd")
    record = services.record_create(actor=office_north, via=Via.CLI, kind="opportunity",
                                    values={"title": "Course for Acme", "account": account.pk})
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, "office_n")
    page.goto(f"{app_url}/board/")
    card = page.locator(f"#card-opportunity-{record.pk}")
    expect(card).to_be_visible()

    card.get_by_label("Move “Course for Acme” to").select_option(label="Proposed")
    card.get_by_role("button", name="Move").click()

    expect(page.get_by_role("status")).to_contain_text("Moved “Course for Acme” to Proposed.")
    moved = page.locator("#cards-proposed").locator(f"#card-opportunity-{record.pk}")
    expect(moved).to_have_count(1)
    moved.scroll_into_view_if_needed()
    expect(moved).to_be_in_viewport()
    expect(page.locator("#cards-proposed .column-loader")).to_have_count(0)
    expect(page.locator(f"#card-opportunity-{record.pk}")).to_have_count(1)
    # The board scrolls sideways inside itself; the page does not.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    record.refresh_from_db()
    assert record.stage == "proposed"
    expect(page).to_have_url(re.compile(r"/board/"))


def test_dropping_on_lost_asks_for_the_reason_and_takes_the_card_off_the_board(
        page: Page, app_url, sign_in, training, office_north, make_account):
    account = make_account(office_north, "Acme Ltd")
    record = services.record_create(actor=office_north, via=Via.CLI, kind="opportunity",
                                    values={"title": "Lost cause", "account": account.pk})
    record = services.record_transition(actor=office_north, via=Via.CLI, record=record,
                                        transition="T2")
    sign_in(page, "office_n")
    page.goto(f"{app_url}/board/")
    card = page.locator(f"#card-opportunity-{record.pk}")
    expect(page.locator("#cards-proposed").locator(card)).to_be_visible()

    _drag(page, card, page.locator("#drop-lost"))

    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("This move needs: Lost reason")
    dialog.get_by_label("Lost reason").select_option(label="Timing")
    dialog.get_by_role("button", name="Move to Lost").click()

    expect(page.get_by_role("status")).to_contain_text("Moved “Lost cause” to Lost.")
    expect(card).to_have_count(0)
    expect(page.locator("#column-head-proposed")).to_contain_text("0 records")
    record.refresh_from_db()
    assert (record.status, record.attributes["lost_reason"]) == ("lost", "timing")

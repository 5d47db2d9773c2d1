"""The configuration screens in headless chromium: presets, dragging stages, transitions."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from stageflow.core.models import Via
from stageflow.pipelines import selectors, services
from stageflow.pipelines.models import Pipeline
from stageflow.web.config import editing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TRAINING = Path(__file__).resolve().parents[1] / "engine" / "fixtures" / "training_opportunity.yaml"


@pytest.fixture
def training(admin: Any) -> Pipeline:
    services.pipeline_import(actor=admin, via=Via.CLI, text=TRAINING.read_text(),
                             file_format="yaml", publish=True)
    return Pipeline.objects.get(key="training-sale")


def _start_editing(page: Page, app_url: str, tab: str = "") -> None:
    page.goto(f"{app_url}/settings/pipelines/training-sale/" + (f"?tab={tab}" if tab else ""))
    page.get_by_role("button", name="Edit", exact=True).click()
    expect(page.get_by_text("You are editing draft version 2")).to_be_visible()


def test_install_a_preset_from_the_first_run_screen(page: Page, app_url, sign_in, admin):
    sign_in(page, "admin")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose how your business sells")
    page.get_by_role("button", name="Install Training provider (courses and bookings)").click()

    expect(page.get_by_role("status")).to_contain_text("Installed and published")
    expect(page.get_by_role("heading", level=1)).to_have_text("Settings")
    assert Pipeline.objects.filter(live_version__isnull=False).exists()


def test_reorder_stages_by_drag_and_drop_and_the_order_persists(page: Page, app_url, sign_in,
                                                                 training):
    sign_in(page, "admin")
    _start_editing(page, app_url)
    rows = page.locator("#stage-list > li")
    expect(rows.first).to_contain_text("Enquiry")

    page.locator("#stages-won").scroll_into_view_if_needed()
    handle = page.locator("#stages-proposed .drag-handle").bounding_box()
    target = page.locator("#stages-enquiry").bounding_box()
    assert handle is not None
    assert target is not None
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    # Sortable's fallback drag (mouse events, as on touch screens) checks the pointer every
    # 50 ms, so the pointer rests over the target before it is released.
    page.mouse.move(handle["x"] + 5, target["y"] + 4, steps=12)
    page.wait_for_timeout(150)
    page.mouse.move(handle["x"] + 5, target["y"] + 2, steps=4)
    page.wait_for_timeout(150)
    with page.expect_response(re.compile(r"/stages/reorder/$")):
        page.mouse.up()
    expect(rows.first).to_contain_text("Proposed")

    page.reload()

    expect(rows.first).to_contain_text("Proposed")
    expect(rows.nth(1)).to_contain_text("Enquiry")
    draft = selectors.draft_of(training)
    assert draft is not None
    assert editing.stage_order(draft.definition)[:2] == ["proposed", "enquiry"]


def test_add_a_required_attribute_to_a_transition_then_publish(page: Page, app_url, sign_in,
                                                               training):
    sign_in(page, "admin")
    _start_editing(page, app_url, "transitions")

    page.get_by_role("link", name="Edit Send proposal").click()
    page.get_by_role("checkbox", name="PO number").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Saved in the draft")
    expect(page.locator("#transitions-T2")).to_contain_text("Requires: PO number")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Publish").click()

    expect(page.get_by_role("status")).to_contain_text("Version 2 is now live.")
    expect(page.get_by_text("This is live version 2")).to_be_visible()
    training.refresh_from_db()
    assert training.live_version is not None
    transition = editing.find(training.live_version.definition, "transitions", "T2")
    assert transition is not None
    assert transition["required"] == ["po_number"]

"""The schedule in headless chromium: drag an unassigned appointment onto a route's day."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Locator, Page, expect

from stageflow.core.models import Via
from stageflow.scheduling import services
from stageflow.scheduling.models import Appointment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _drag(page: Page, chip: Locator, target: Locator) -> None:
    """Press on the chip, rest over the target cell (Sortable checks every 50 ms), release."""
    chip.scroll_into_view_if_needed()
    source = chip.locator("small").first.bounding_box()
    target.scroll_into_view_if_needed()
    goal = target.bounding_box()
    assert source is not None
    assert goal is not None
    page.mouse.move(source["x"] + 5, source["y"] + 3)
    page.mouse.down()
    page.mouse.move(goal["x"] + goal["width"] / 2, goal["y"] + 10, steps=15)
    page.wait_for_timeout(150)
    page.mouse.move(goal["x"] + goal["width"] / 2, goal["y"] + 20, steps=4)
    page.wait_for_timeout(150)
    page.mouse.up()


def test_drag_from_the_unassigned_list_onto_route_a_assigns_it(page: Page, app_url, sign_in,
                                                               make_user, north, make_account,
                                                               office_north):
    manager = make_user("mgr1", "service_manager", north)
    route = services.route_create(actor=manager, via=Via.CLI, values={"name": "Route A"})
    customer = make_account(office_north, "Pat Lee")
    appointment = services.appointment_create(actor=manager, via=Via.CLI, record=customer,
                                              values={})
    day = services.today() + dt.timedelta(days=1)
    sign_in(page, "mgr1")
    page.goto(f"{app_url}/schedule/?span=day&date={day.isoformat()}")
    chip = page.locator(f".unassigned-list #appointment-{appointment.pk}")
    expect(chip).to_be_visible()
    cell = page.locator(f'.cell[data-lane="route-{route.pk}"][data-date="{day.isoformat()}"]')

    _drag(page, chip, cell)

    expect(page.get_by_role("status")).to_contain_text("is now on")
    page.reload()
    expect(cell.locator(f"#appointment-{appointment.pk}")).to_be_visible()
    expect(page.locator(f".unassigned-list #appointment-{appointment.pk}")).to_have_count(0)
    saved = Appointment.objects.get(pk=appointment.pk)
    assert (saved.route_id, saved.date, saved.status) == (route.pk, day, "scheduled")

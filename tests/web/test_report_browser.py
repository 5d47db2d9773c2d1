"""Report pages and the dashboard in headless chromium: charts drawn by Chart.js, filters
applied with htmx, and the dashboard on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from stageflow.core.models import Via
from stageflow.sales import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DRAWN = "canvas => Boolean(window.Chart && window.Chart.getChart(canvas))"


def _opportunity(actor, title: str, **values) -> None:
    services.record_create(actor=actor, via=Via.CLI, kind="opportunity",
                           values={"title": title, **values})


def test_the_pipeline_report_draws_its_chart_and_regroups_by_owner(
        page: Page, app_url, sign_in, training, admin, sales_north):
    _opportunity(admin, "Big deal", value="1200", owner=sales_north.pk)
    _opportunity(admin, "Small deal", value="300")
    sign_in(page, "admin")
    page.goto(f"{app_url}/reports/pipeline/")
    canvas = page.locator("canvas[data-chart]")
    expect(canvas).to_be_visible()
    assert canvas.evaluate(DRAWN)
    expect(page.locator(".other-totals")).to_contain_text("1,500.00")

    page.get_by_label("Group by").select_option("owner")

    expect(page).to_have_url(re.compile(r"/reports/pipeline/\?.*group_by=owner"))
    expect(page.locator(".report-table thead")).to_contain_text("Owner")
    expect(page.locator(".report-table tbody")).to_contain_text("Sales_n")
    assert page.locator("canvas[data-chart]").evaluate(DRAWN)
    csv_link = page.get_by_role("link", name="CSV")
    assert "group_by=owner" in (csv_link.get_attribute("href") or "")


def test_the_salespersons_dashboard_fits_a_phone_with_its_chart(
        page: Page, app_url, sign_in, training, sales_north):
    _opportunity(sales_north, "Mine", value="500")
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, "sales_n")

    canvas = page.locator("canvas[data-chart='chart-pipeline']")
    expect(canvas).to_be_visible()
    assert canvas.evaluate(DRAWN)
    box = canvas.bounding_box()
    assert box is not None
    assert box["width"] <= 375
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    expect(page.get_by_role("link", name="Full report")).to_have_attribute(
        "href", f"/reports/pipeline/?record_type=opportunity&owner={sales_north.pk}"
                "&group_by=stage")

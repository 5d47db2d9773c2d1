"""Report pages, their downloads and the dashboards, through Django's test client.

The pages are generic over `REPORTS`: most tests register a small report of their own (counts
and values of the visible opportunities by stage or source) so they do not depend on the
figures of the real ones, which `tests/reports/` checks."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Count, Sum
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from stageflow.core.errors import InvalidInput
from stageflow.core.models import Via
from stageflow.people.models import Role
from stageflow.people.services import user_create
from stageflow.reports.base import (
    REPORTS,
    Chart,
    Column,
    Report,
    ReportFilters,
    ReportSpec,
)
from stageflow.sales import services
from stageflow.sales.access import records_for
from stageflow.sales.models import Opportunity
from tests.conftest import PASSWORD


def _by_group(user, filters: ReportFilters) -> Report:
    if filters.source == "refused":
        raise InvalidInput("Not a source.", fields={"source": "No such source."})
    records = records_for(user, filters.record_type)
    for name in ("owner", "office"):
        if getattr(filters, name):
            records = records.filter(**{f"{name}_id": getattr(filters, name)})
    if filters.source:
        records = records.filter(source=filters.source)
    group = filters.group_by or "stage"
    cents = Decimal("0.01")
    rows = [{"group": row[group], "count": row["count"],
             "value": (row["value"] or Decimal(0)).quantize(cents)}
            for row in records.values(group).annotate(count=Count("pk"), value=Sum("value"))
            .order_by(group)]
    return Report(
        key="by_group", title="Opportunities by group",
        columns=[Column("group", "Group"), Column("count", "Records", "count"),
                 Column("value", "Value", "money")],
        rows=rows, chart=Chart("bar", "group", ("count", "value")),
        totals={"count": sum(row["count"] for row in rows),
                "value": sum((row["value"] or Decimal(0) for row in rows), Decimal(0))},
        notes=["Counted over the opportunities you may see."])


@pytest.fixture
def by_group(monkeypatch) -> ReportSpec:
    spec = ReportSpec(key="by_group", title="Opportunities by group",
                      description="How many opportunities, and their value, per group.",
                      build=_by_group, filters=("owner", "office", "source", "date_from",
                                                "date_to"),
                      group_by=("stage", "source"))
    monkeypatch.setitem(REPORTS, spec.key, spec)
    return spec


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _opportunity(actor, title: str, **values: Any) -> Opportunity:
    record = services.record_create(actor=actor, via=Via.CLI, kind="opportunity",
                                    values={"title": title, **values})
    assert isinstance(record, Opportunity)
    return record


@pytest.fixture
def nobody(db, north):
    Role.objects.create(key="nobody", name="Nobody")
    return user_create(username="nobody", password=PASSWORD, role_keys=["nobody"],
                       offices=[north])


def test_the_reports_list_shows_each_report_and_the_navigation_links_to_it(
        by_group, sales_north):
    client = _client(sales_north)

    page = client.get("/reports/").content.decode()

    assert "Opportunities by group" in page
    assert "How many opportunities, and their value, per group." in page
    assert 'href="/reports/by_group/"' in page
    assert 'href="/reports/"' in client.get("/").content.decode()


def test_a_user_who_may_view_no_sales_records_gets_no_reports(by_group, nobody):
    client = _client(nobody)

    assert client.get("/reports/by_group/").status_code == 403
    assert client.get("/reports/by_group/download.csv").status_code == 403
    assert "Opportunities by group" not in client.get("/reports/").content.decode()
    assert 'href="/reports/"' not in client.get("/").content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(by_group, client):
    response = client.get("/reports/by_group/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_unknown_reports_and_formats_are_404(by_group, sales_north):
    client = _client(sales_north)

    assert client.get("/reports/nothing/").status_code == 404
    assert client.get("/reports/by_group/download.pdf").status_code == 404


def test_the_page_shows_figures_only_over_the_records_the_user_may_see(
        by_group, training, admin, sales_north, django_assert_max_num_queries):
    for number in range(3):
        _opportunity(sales_north, f"Mine {number}", value="100.50")
    _opportunity(admin, "Not mine", value="1000")
    client = _client(sales_north)
    client.get("/reports/by_group/")

    with django_assert_max_num_queries(12):
        response = client.get("/reports/by_group/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "<tfoot><tr><th scope=\"row\">Total</th><td class=\"num\">3</td>" \
           "<td class=\"num\">301.50</td>" in page
    assert "1,000.00" not in _client(sales_north).get("/reports/by_group/").content.decode()
    assert "1,301.50" in _client(admin).get("/reports/by_group/").content.decode()
    assert 'data-chart="report-chart"' in page
    assert '<script id="report-chart" type="application/json">' in page
    assert "Counted over the opportunities you may see." in page


def test_filters_narrow_the_table_and_the_downloads_carry_them(
        by_group, training, admin, sales_north):
    _opportunity(admin, "North deal", value="10", owner=sales_north.pk)
    _opportunity(admin, "Admin deal", value="20")
    client = _client(admin)

    page = client.get("/reports/by_group/", {"owner": sales_north.pk}).content.decode()
    download = client.get("/reports/by_group/download.csv", {"owner": sales_north.pk})

    assert f"/reports/by_group/download.csv?record_type=opportunity&amp;owner={sales_north.pk}" \
           in page
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="by_group-report.csv"' in download["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert rows == [["Group", "Records", "Value"], ["enquiry", "1", "10.00"],
                    ["Total", "1", "10.00"]]


def test_the_xlsx_download_keeps_numbers_typed(by_group, training, admin):
    _opportunity(admin, "A", value="12.50")

    response = _client(admin).get("/reports/by_group/download.xlsx")

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["Group", "Records", "Value"], ["enquiry", 1, 12.5], ["Total", 1, 12.5]]


def test_text_that_looks_like_a_formula_is_neutralised_and_escaped(by_group, training, admin):
    _opportunity(admin, "A", value="1", source="=HYPERLINK(\"http://x\")<b>")
    client = _client(admin)

    page = client.get("/reports/by_group/", {"group_by": "source"}).content.decode()
    csv_text = b"".join(client.get("/reports/by_group/download.csv", {
        "group_by": "source"}).streaming_content).decode("utf-8-sig")
    sheet = load_workbook(io.BytesIO(client.get("/reports/by_group/download.xlsx", {
        "group_by": "source"}).content)).active

    assert "=HYPERLINK(&quot;http://x&quot;)&lt;b&gt;" in page
    assert "<b>" not in page.split("<main", 1)[1].replace("<b>Stageflow", "")
    assert "'=HYPERLINK" in csv_text
    assert sheet["A2"].value == "'=HYPERLINK(\"http://x\")<b>"


def test_a_bad_filter_is_named_and_nothing_is_built(by_group, training, admin):
    client = _client(admin)

    dates = client.get("/reports/by_group/", {"date_from": "2026-05-02",
                                               "date_to": "2026-05-01"})
    owner = client.get("/reports/by_group/", {"owner": "999999"})
    refused = client.get("/reports/by_group/", {"group_by": "source", "source": "refused"})
    download = client.get("/reports/by_group/download.csv", {"date_from": "not a date"})

    assert dates.status_code == 422
    assert "The end of the period is before its start." in dates.content.decode()
    assert "Correct the filters above" in dates.content.decode()
    assert owner.status_code == 422
    assert "Select a valid choice" in owner.content.decode()
    assert refused.status_code == 422
    assert 'id="id_source-error">No such source.' in refused.content.decode()
    assert download.status_code == 422
    assert download["Content-Type"].startswith("text/html")


def test_an_empty_report_says_so(by_group, training, admin):
    page = _client(admin).get("/reports/by_group/").content.decode()

    assert "No records match these filters." in page
    assert "download.csv" not in page


def test_htmx_filtering_redraws_only_the_report(by_group, training, admin):
    _opportunity(admin, "A", value="5")

    response = _client(admin).get("/reports/by_group/", {"group_by": "source"},
                                  headers={"HX-Request": "true", "HX-Target": "report"})

    text = response.content.decode()
    assert "<html" not in text
    assert 'hx-target="#report"' in text
    assert "<option value=\"source\" selected>" in text


def test_the_salespersons_dashboard_shows_their_pipeline_activities_and_queues(
        by_group, training, sales_north, monkeypatch, django_assert_max_num_queries):
    monkeypatch.setitem(REPORTS, "pipeline", by_group)
    _opportunity(sales_north, "Mine", value="40")
    client = _client(sales_north)
    client.get("/")

    with django_assert_max_num_queries(24):
        response = client.get("/")

    page = response.content.decode()
    assert "My pipeline by stage" in page
    assert f'href="/reports/pipeline/?record_type=opportunity&amp;owner={sales_north.pk}' \
           "&amp;group_by=stage" in page
    assert 'data-chart="chart-pipeline"' in page
    assert "Due today and overdue" in page
    assert "My work queues" in page
    assert "Team funnel" not in page
    assert "Stuck more than" not in page


def test_the_managers_dashboard_shows_funnel_forecast_and_stuck_records_oldest_first(
        by_group, training, admin, sales_north, monkeypatch, time_machine,
        django_assert_max_num_queries):
    monkeypatch.setitem(REPORTS, "funnel", by_group)
    monkeypatch.setitem(REPORTS, "forecast", by_group)
    time_machine.move_to(timezone.now() - dt.timedelta(days=40))
    oldest = _opportunity(sales_north, "Waiting <long>")
    time_machine.move_to(timezone.now() + dt.timedelta(days=10))
    older = _opportunity(admin, "Waiting a while")
    time_machine.move_to(timezone.now() + dt.timedelta(days=30))
    _opportunity(admin, "Fresh")
    client = _client(admin)
    client.get("/")

    with django_assert_max_num_queries(28):
        response = client.get("/")

    page = response.content.decode()
    assert "Team funnel" in page
    assert "Forecast by month" in page
    assert 'data-chart="chart-funnel"' in page
    assert 'data-chart="chart-forecast"' in page
    stuck = page.split("Stuck more than", 1)[1].split("</article>", 1)[0]
    assert stuck.index(oldest.get_absolute_url()) < stuck.index(older.get_absolute_url())
    assert "Waiting &lt;long&gt;" in stuck
    assert "40 days" in stuck
    assert "Fresh" not in stuck
    assert "My pipeline by stage" not in page


def test_a_salespersons_dashboard_never_shows_stuck_records_of_others(
        by_group, training, admin, sales_north, time_machine):
    time_machine.move_to(timezone.now() - dt.timedelta(days=40))
    _opportunity(admin, "Someone else's")

    page = _client(sales_north).get("/").content.decode()

    assert "Someone else&#x27;s" not in page


def test_every_registered_report_renders_and_downloads_in_bounded_queries(
        training, insurance, admin, sales_north, django_assert_max_num_queries):
    _opportunity(sales_north, "Deal", value="70")
    client = _client(sales_north)
    assert set(REPORTS) >= {"funnel", "pipeline"}

    for key, spec in REPORTS.items():
        for kind in spec.record_types:
            client.get(f"/reports/{key}/", {"record_type": kind})
            with django_assert_max_num_queries(20):
                page = client.get(f"/reports/{key}/", {"record_type": kind})
            download = client.get(f"/reports/{key}/download.xlsx", {"record_type": kind})

            assert page.status_code == 200, (key, kind)
            assert str(spec.title) in page.content.decode()
            assert download.status_code == 200, (key, kind)
            assert load_workbook(io.BytesIO(download.content)).active["A1"].value, (key, kind)

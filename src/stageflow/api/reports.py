"""/api/v1/reports (see stageflow.reports): the list of reports, and each report's table with
its filters as query parameters, as JSON or (`?format=csv|xlsx`) as a download."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema

from stageflow.api.common import caller
from stageflow.core.errors import InvalidInput, NotFound
from stageflow.core.tabular import FORMATS, table_response
from stageflow.reports.base import REPORTS, Report, ReportSpec
from stageflow.reports.filters import parse_filters

router = Router(tags=["reports"])


class ReportInfoOut(Schema):
    key: str
    title: str
    description: str
    filters: list[str]
    group_by: list[str]
    record_types: list[str]


class ReportListOut(Schema):
    items: list[ReportInfoOut]
    count: int


class ColumnOut(Schema):
    key: str
    label: str
    kind: str


class ChartOut(Schema):
    kind: str
    label_key: str
    value_keys: list[str]


class ReportOut(Schema):
    key: str
    title: str
    columns: list[ColumnOut]
    rows: list[dict[str, Any]]
    totals: dict[str, Any]
    chart: ChartOut | None
    filters: dict[str, Any]
    notes: list[str]


def _info(spec: ReportSpec) -> dict[str, Any]:
    return {"key": spec.key, "title": str(spec.title), "description": str(spec.description),
            "filters": list(spec.filters), "group_by": list(spec.group_by),
            "record_types": list(spec.record_types)}


@router.get("", response=ReportListOut, operation_id="list_reports")
def list_reports(request: HttpRequest) -> dict[str, Any]:
    """Every report: its key, title, description, the filters that change its figures and
    what it may be grouped by."""
    caller(request)
    items = [_info(spec) for spec in REPORTS.values()]
    return {"items": items, "count": len(items)}


def _format(request: HttpRequest) -> str:
    fmt = request.GET.get("format", "").strip().lower()
    if fmt not in ("", "json", *FORMATS):
        raise InvalidInput(_("Choose json, csv or xlsx."), fields={"format": _("unknown format")})
    return fmt


def _answer(request: HttpRequest, key: str, record_type: str | None = None
            ) -> dict[str, Any] | HttpResponse:
    spec = REPORTS.get(key)
    if spec is None:
        raise NotFound(_("No report '%(key)s'.") % {"key": key})
    fmt = _format(request)
    report = spec.build(caller(request), parse_filters(spec, request.GET, record_type))
    if fmt in FORMATS:
        return _download(report, fmt)
    return {"key": report.key, "title": str(report.title),
            "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind}
                        for c in report.columns],
            "rows": report.rows, "totals": report.totals,
            "chart": asdict(report.chart) if report.chart else None,
            "filters": report.filters, "notes": [str(note) for note in report.notes]}


def _download(report: Report, fmt: str) -> HttpResponse:
    header = [str(column.label) for column in report.columns]
    rows = [[row.get(column.key) for column in report.columns] for row in report.rows]
    return table_response(fmt, report.key, header, rows, title=str(report.title))


@router.get("/funnel/{record_type}", response=ReportOut, operation_id="get_funnel_report")
def get_funnel_report(request: HttpRequest, record_type: str) -> Any:
    """The funnel of a record type (`lead` or `opportunity`)."""
    return _answer(request, "funnel", record_type)


@router.get("/{key}", response=ReportOut, operation_id="get_report")
def get_report(request: HttpRequest, key: str) -> Any:
    """One report with the filters as query parameters (`pipeline`, `owner`, `office`,
    `source`, `date_from`, `date_to`, `as_of`, `record_type`, `group_by`); `format=csv|xlsx`
    for a download of the same table."""
    return _answer(request, key)

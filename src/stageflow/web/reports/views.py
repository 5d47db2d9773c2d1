"""Report pages: the list, one report with its filters, chart and table, and its downloads."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from stageflow.core.errors import StageflowError
from stageflow.core.tabular import FORMATS, table_response
from stageflow.reports.base import Report
from stageflow.reports.filters import parse_filters
from stageflow.web.forms import show_service_errors
from stageflow.web.reports.access import access_report, visible_reports
from stageflow.web.reports.display import (
    chart_data,
    pipeline_shown,
    shown_table,
    table_header,
    table_rows,
)
from stageflow.web.reports.forms import ReportFilterForm, filters_query
from stageflow.web.views import signed_in_user


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    return render(request, "web/reports/list.html",
                  {"reports": visible_reports(signed_in_user(request))})


def _built(request: HttpRequest, key: str) -> tuple[dict[str, Any], Report | None]:
    """The filter form over the query string and, when it is valid, the report it asks for.
    A filter the builder refuses is shown on its field like the form's own errors."""
    user = signed_in_user(request)
    spec, kinds = access_report(user, key)
    form = ReportFilterForm(request.GET, spec=spec, record_types=kinds)
    report = None
    query = ""
    if form.is_valid():
        try:
            filters = parse_filters(spec, form.params())
            report = spec.build(user, filters)
        except StageflowError as error:
            show_service_errors(form, error)
        else:
            query = filters_query(filters)
    return {"spec": spec, "form": form, "report": report, "query": query}, report


@login_required
def report_detail(request: HttpRequest, key: str) -> HttpResponse:
    context, report = _built(request, key)
    if report is not None:
        context.update(table=shown_table(report), chart=chart_data(report),
                       pipeline_name=pipeline_shown(report))
    htmx = getattr(request, "htmx", None)
    template = ("web/reports/_report.html" if htmx and htmx.target == "report"
                else "web/reports/detail.html")
    return render(request, template, context, status=200 if context["form"].is_valid() else 422)


@login_required
def report_download(request: HttpRequest, key: str, fmt: str) -> HttpResponse:
    """The table the page shows for the same query string, as CSV or XLSX."""
    if fmt not in FORMATS:
        raise Http404
    context, report = _built(request, key)
    if report is None:
        return render(request, "web/reports/detail.html", context, status=422)
    spec = context["spec"]
    return table_response(fmt, f"{spec.key}-report", table_header(report), table_rows(report),
                          title=str(report.title))

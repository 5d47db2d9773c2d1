"""A built report as people see it: cells formatted by column kind, the chart's data for
Chart.js, and the same table for a download. The page and the download read one `Report`, so
a download holds exactly the rows, columns and totals the page shows."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from stageflow.pipelines.models import Pipeline
from stageflow.reports.base import Column, Report

NUMERIC_KINDS = ("count", "money", "percent", "days")


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    numeric: bool


def format_value(value: Any, kind: str) -> str:
    """One value as the page shows it in a column of `kind`."""
    if value is None or value == "":
        return "—"
    if kind in NUMERIC_KINDS and isinstance(value, (int, float, Decimal)):
        if kind == "count":
            return formats.number_format(value, 0, force_grouping=True)
        if kind == "money":
            return formats.number_format(value, 2, force_grouping=True)
        if kind == "percent":
            return _("%(number)s %%") % {"number": formats.number_format(value, 1)}
        return _("%(number)s d") % {"number": formats.number_format(value, 1,
                                                                      force_grouping=True)}
    if isinstance(value, datetime):
        return formats.date_format(value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    return str(value)


def _cells(values: dict[str, Any], columns: Sequence[Column]) -> list[Cell]:
    return [Cell(text=format_value(values.get(column.key), column.kind),
                 numeric=column.kind in NUMERIC_KINDS) for column in columns]


@dataclass(frozen=True, slots=True)
class Figure:
    label: str
    text: str


@dataclass(frozen=True, slots=True)
class ShownTable:
    columns: list[Column]
    rows: list[list[Cell]]
    totals: list[Cell] | None
    # Totals with no column of their own (open, won and lost counts under a table by stage).
    other_totals: list[Figure]


def _guessed_kind(key: str, value: Any) -> str:
    """The kind of a total that has no column, from its name (`open_value`, `won_cycle_days`,
    `close_rate`)."""
    if key == "value" or key.endswith("_value"):
        return "money"
    if key.endswith("_days"):
        return "days"
    if key.endswith(("rate", "conversion", "_percent")):
        return "percent"
    return "count" if isinstance(value, int) else "text"


def _other_totals(report: Report) -> list[tuple[str, str, Any]]:
    """(label, kind, value) of each total not under a column."""
    keys = {column.key for column in report.columns}
    return [(key.replace("_", " ").capitalize(), _guessed_kind(key, value), value)
            for key, value in report.totals.items() if key not in keys]


def _totals_values(report: Report) -> dict[str, Any] | None:
    """The totals under their columns, labelled "Total" in the first column when the report
    puts no figure there; None when no column has a total."""
    keys = [column.key for column in report.columns]
    if not any(key in report.totals for key in keys):
        return None
    values = {key: report.totals.get(key) for key in keys}
    first = report.columns[0].key
    if values[first] is None:
        values[first] = _("Total")
    return values


def shown_table(report: Report, *, limit: int | None = None) -> ShownTable:
    rows = report.rows if limit is None else report.rows[:limit]
    totals = _totals_values(report)
    return ShownTable(
        columns=report.columns, rows=[_cells(row, report.columns) for row in rows],
        totals=([Cell(text="" if totals[column.key] is None
                      else format_value(totals[column.key], column.kind),
                      numeric=column.kind in NUMERIC_KINDS) for column in report.columns]
                if totals is not None else None),
        other_totals=[Figure(label=label, text=format_value(value, kind))
                      for label, kind, value in _other_totals(report)])


def table_header(report: Report) -> list[str]:
    return [str(column.label) for column in report.columns]


def table_rows(report: Report) -> Iterator[list[Any]]:
    """The rows, the totals row and the other totals (label, figure) with their raw values,
    so a spreadsheet can add them up."""
    keys = [column.key for column in report.columns]
    for row in report.rows:
        yield [row.get(key) for key in keys]
    totals = _totals_values(report)
    if totals is not None:
        yield [totals[key] for key in keys]
    for label, _kind, value in _other_totals(report):
        yield [label, value]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    return float(value)  # the chart only draws; the table keeps the exact Decimal


def chart_data(report: Report) -> dict[str, Any] | None:
    """What reports.js gives Chart.js: labels, one series per value column (with its kind,
    so money and counts get separate axes), or None when there is nothing to draw."""
    chart = report.chart
    if chart is None or not report.rows:
        return None
    columns = {column.key: column for column in report.columns}
    label_kind = columns[chart.label_key].kind if chart.label_key in columns else "text"
    return {
        "kind": chart.kind,
        "labels": [format_value(row.get(chart.label_key), label_kind) for row in report.rows],
        "series": [{
            "label": str(columns[key].label) if key in columns else key,
            "kind": columns[key].kind if key in columns else "count",
            "data": [_number(row.get(key)) for row in report.rows],
        } for key in chart.value_keys],
    }


def pipeline_shown(report: Report) -> str:
    """The name of the pipeline the figures are about, when the report says it chose one
    (a funnel falls back to the default pipeline when none is asked for)."""
    key = report.filters.get("pipeline")
    if not key:
        return ""
    return Pipeline.objects.filter(key=key).values_list("name", flat=True).first() or key

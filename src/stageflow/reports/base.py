"""What every report is: a registered spec that builds a table and a chart from filters.

The report pages, `/api/v1/reports/{key}`, the CSV/XLSX downloads and `stageflow export
report` all go through `REPORTS`, so a report is written once and appears everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from django.utils.functional import Promise

from stageflow.people.models import User

ColumnKind = Literal["text", "count", "money", "percent", "days", "date"]
ChartKind = Literal["bar", "funnel", "line", "doughnut", "stacked"]


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str | Promise
    kind: ColumnKind = "text"


@dataclass(frozen=True, slots=True)
class Chart:
    """How the page draws the rows: one bar (or slice, or point) per row, labelled by
    `label_key`, one series per key of `value_keys`."""

    kind: ChartKind
    label_key: str
    value_keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReportFilters:
    """What a report is narrowed to. Every report accepts all of them; `ReportSpec.filters`
    says which ones change its figures, so the page shows only those."""

    record_type: str = "opportunity"
    pipeline: str | None = None
    owner: int | None = None
    office: int | None = None
    source: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    as_of: date | None = None
    group_by: str | None = None


@dataclass(slots=True)
class Report:
    key: str
    title: str | Promise
    columns: list[Column]
    rows: list[dict[str, Any]]
    chart: Chart | None = None
    totals: dict[str, Any] = field(default_factory=dict)
    notes: list[str | Promise] = field(default_factory=list)
    # The filters the figures were really built with, defaults filled in (the pipeline a
    # funnel fell back to, the grouping used), so a page or a caller can say what it shows.
    filters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReportSpec:
    key: str
    title: str | Promise
    description: str | Promise
    build: Callable[[User, ReportFilters], Report]
    filters: tuple[str, ...] = ("pipeline", "owner", "office", "source", "date_from", "date_to")
    group_by: tuple[str, ...] = ()
    record_types: tuple[str, ...] = ("opportunity",)
    # Whether `group_by` may name several keys ("owner,source": a row per combination), and
    # besides those listed, aliases and custom choice attributes (see reports.dimensions).
    multi_group: bool = False


REPORTS: dict[str, ReportSpec] = {}


def register_report(spec: ReportSpec) -> ReportSpec:
    REPORTS[spec.key] = spec
    return spec

"""Reports on how sales end: the weighted forecast next to what really closed, win rates and
lost reasons, and which lead sources turn into won business."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from stageflow.people.models import User
from stageflow.pipelines.models import Pipeline
from stageflow.pipelines.selectors import definition_of
from stageflow.reports import selectors
from stageflow.reports.base import Chart, Column, Report, ReportFilters, ReportSpec, register_report
from stageflow.reports.dimensions import dimension, grouped, split_keys
from stageflow.reports.filters import applied
from stageflow.reports.numbers import money, rate
from stageflow.sales.access import records_for
from stageflow.sales.models import Opportunity, Status

FILTERS = ("pipeline", "owner", "office", "source", "date_from", "date_to")
MONEY = DecimalField(max_digits=18, decimal_places=2)


# Forecast ----------------------------------------------------------------------------------

def _stage_probability() -> Case:
    """Each live opportunity stage's probability, for records that have none of their own."""
    whens = []
    pipelines = Pipeline.objects.filter(record_type="opportunity", live_version__isnull=False
                                        ).select_related("live_version")
    for pipeline in pipelines:
        assert pipeline.live_version is not None
        whens += [When(pipeline_id=pipeline.pk, stage=stage.key, then=Value(stage.probability))
                  for stage in definition_of(pipeline.live_version).stages
                  if stage.probability is not None]
    return Case(*whens, default=Value(0), output_field=IntegerField())


def _month(value: dt.date) -> tuple[str, str]:
    return value.strftime("%Y-%m"), date_format(value, "YEAR_MONTH_FORMAT")


def forecast(user: User, filters: ReportFilters) -> Report:
    """Open opportunities by expected close month, their value and weighted value (value
    times the record's probability, else its stage's), next to what closed won in each month."""
    records = selectors.narrowed(selectors.records_in_scope(user, "opportunity"), filters,
                                 period_field=None)
    probability = Coalesce("probability", _stage_probability())
    weighted = ExpressionWrapper(F("value") * probability / Value(100), output_field=MONEY)
    open_months = (records.filter(status=Status.OPEN, expected_close_date__isnull=False)
                   .filter(selectors.in_period("expected_close_date", filters, dates=True))
                   .annotate(month=TruncMonth("expected_close_date")).order_by()
                   .values("month").annotate(weighted=Sum(weighted), open=Count("pk"),
                                             open_value=Sum("value")))
    won_months = (records.filter(status=Status.WON, close_date__isnull=False)
                  .filter(selectors.in_period("close_date", filters, dates=True))
                  .annotate(month=TruncMonth("close_date")).order_by()
                  .values("month").annotate(won=Count("pk"), won_value=Sum("value")))
    months: dict[dt.date, dict[str, Any]] = {}
    for row in [*open_months, *won_months]:
        month = row.pop("month")
        months.setdefault(month, {}).update(row)
    rows = []
    for month in sorted(months):
        found = months[month]
        key, label = _month(month)
        rows.append({"month_key": key, "month": label, "open": found.get("open", 0),
                     "value": money(found.get("open_value")),
                     "weighted": money(found.get("weighted")),
                     "won": found.get("won", 0), "won_value": money(found.get("won_value"))})
    totals = {name: sum(row[name] for row in rows) for name in ("open", "won")}
    totals.update({name: money(sum((row[name] for row in rows), start=money(None)))
                   for name in ("value", "weighted", "won_value")})
    columns = [Column("month", _("Month")), Column("open", _("Open"), "count"),
               Column("value", _("Open value"), "money"),
               Column("weighted", _("Weighted forecast"), "money"),
               Column("won", _("Won"), "count"), Column("won_value", _("Won value"), "money")]
    return Report(key="forecast", title=FORECAST.title, columns=columns, rows=rows,
                  chart=Chart("bar", "month", ("weighted", "won_value")), totals=totals,
                  notes=[_("Open records by expected close date, won records by close date; "
                           "the period selects those months.")],
                  filters=applied(filters))


# Win rate ----------------------------------------------------------------------------------

def _outcome_figures() -> dict[str, Any]:
    return {"opportunities": Count("pk"), "open": Count("pk", filter=Q(status=Status.OPEN)),
            "won": Count("pk", filter=Q(status=Status.WON)),
            "lost": Count("pk", filter=Q(status=Status.LOST)),
            "won_value": Sum("value", filter=Q(status=Status.WON))}


def _with_rates(row: dict[str, Any]) -> dict[str, Any]:
    row["won_value"] = money(row["won_value"])
    row["close_rate"] = rate(row["won"], row["opportunities"])
    row["win_rate"] = rate(row["won"], row["won"] + row["lost"])
    return row


def _win_rate(key: str) -> Any:
    def build(user: User, filters: ReportFilters) -> Report:
        """Opportunities, won and lost, close rate (won of all) and win rate (won of closed)
        per owner, source, pipeline or office, or per combination of several."""
        kind = filters.record_type
        records = selectors.narrowed(selectors.records_in_scope(user, kind), filters)
        keys = split_keys(filters.group_by) or ["owner"]
        dimensions = [found for found in (dimension(kind, name) for name in keys)
                      if found is not None]
        rows = [_with_rates(row) for row in grouped(records, dimensions, _outcome_figures())]
        totals = _with_rates(records.aggregate(**_outcome_figures()))
        columns = [Column(d.key, d.label) for d in dimensions] + [
            Column("opportunities", _("Opportunities"), "count"),
            Column("open", _("Open"), "count"), Column("won", _("Won"), "count"),
            Column("lost", _("Lost"), "count"),
            Column("close_rate", _("Close rate (won of all)"), "percent"),
            Column("win_rate", _("Win rate (won of closed)"), "percent"),
            Column("won_value", _("Won value"), "money")]
        return Report(key=key, title=REPORT_TITLES[key], columns=columns, rows=rows,
                      chart=Chart("bar", keys[0], ("close_rate",)), totals=totals,
                      notes=[_("The period selects records created in it.")],
                      filters=applied(filters, group_by=",".join(keys)))

    return build


def lost_reasons(user: User, filters: ReportFilters) -> Report:
    """Lost opportunities by the reason given, with their value and share of all lost."""
    records = selectors.narrowed(selectors.records_in_scope(user, "opportunity"), filters)
    lost = records.filter(status=Status.LOST)
    reason = dimension("opportunity", "close_reason")
    assert reason is not None
    rows = grouped(lost, [reason], {"lost": Count("pk"), "value": Sum("value")})
    total = sum(row["lost"] for row in rows)
    for row in rows:
        row["value"], row["share"] = money(row["value"]), rate(row["lost"], total)
    columns = [Column("close_reason", _("Lost reason")), Column("lost", _("Lost"), "count"),
               Column("share", _("Share of lost"), "percent"),
               Column("value", _("Value"), "money")]
    return Report(key="lost_reasons", title=LOST_REASONS.title, columns=columns, rows=rows,
                  chart=Chart("doughnut", "close_reason", ("lost",)),
                  totals={"lost": total, "value": money(sum((row["value"] for row in rows),
                                                            start=money(None)))},
                  notes=[_("The period selects records created in it.")],
                  filters=applied(filters))


# Lead sources ------------------------------------------------------------------------------

def sources(user: User, filters: ReportFilters) -> Report:
    """Per lead source: leads, how many were converted, the opportunities made from them (that
    the user may see) and how many of those were won, with the rates between."""
    leads = selectors.narrowed(selectors.records_in_scope(user, "lead"), filters)
    source = dimension("lead", "source")
    assert source is not None
    rows = grouped(leads, [source], {
        "leads": Count("pk"), "converted": Count("pk", filter=Q(converted_at__isnull=False))})
    opportunities: QuerySet[Opportunity] = records_for(user, "opportunity")  # type: ignore[assignment]
    made = selectors.keyed(
        opportunities.filter(lead_id__in=leads.values("pk")).order_by().values("lead__source")
        .annotate(opportunities=Count("pk"), won=Count("pk", filter=Q(status=Status.WON)),
                  won_value=Sum("value", filter=Q(status=Status.WON))), "lead__source")
    for row in rows:
        found = made.get(row["source_key"], {})
        row.update(opportunities=found.get("opportunities", 0), won=found.get("won", 0),
                   won_value=money(found.get("won_value")))
        _source_rates(row)
    totals = _source_rates({name: sum(row[name] for row in rows)
                            for name in ("leads", "converted", "opportunities", "won")})
    columns = [Column("source", _("Source")), Column("leads", _("Leads"), "count"),
               Column("converted", _("Converted"), "count"),
               Column("conversion_rate", _("Converted of leads"), "percent"),
               Column("opportunities", _("Opportunities"), "count"),
               Column("won", _("Won"), "count"),
               Column("win_rate", _("Won of opportunities"), "percent"),
               Column("lead_to_won_rate", _("Won of leads"), "percent"),
               Column("won_value", _("Won value"), "money")]
    return Report(key="sources", title=SOURCES.title, columns=columns, rows=rows,
                  chart=Chart("bar", "source", ("leads", "opportunities", "won")),
                  totals=totals, notes=[_("The period selects leads created in it.")],
                  filters=applied(filters, record_type="lead"))


def _source_rates(row: dict[str, Any]) -> dict[str, Any]:
    row["conversion_rate"] = rate(row["converted"], row["leads"])
    row["win_rate"] = rate(row["won"], row["opportunities"])
    row["lead_to_won_rate"] = rate(row["won"], row["leads"])
    return row


FORECAST = register_report(ReportSpec(
    key="forecast", title=_("Forecast"),
    description=_("Weighted forecast (value × probability) of open opportunities by expected "
                  "close month, next to what really closed won in each month."),
    build=forecast, filters=FILTERS))

WIN_RATE_DESCRIPTION = _("Opportunities, won and lost, close rate and win rate by owner, "
                         "source, pipeline or office (several groupings give a row per "
                         "combination).")
GROUPINGS = ("owner", "source", "pipeline", "office")
REPORT_TITLES = {"win_rate": _("Win rate"), "opportunities": _("Opportunities by outcome")}
WIN_RATE = register_report(ReportSpec(
    key="win_rate", title=REPORT_TITLES["win_rate"], description=WIN_RATE_DESCRIPTION,
    build=_win_rate("win_rate"), filters=FILTERS, group_by=GROUPINGS, multi_group=True))
# S1 asks for it under this name, grouped by "sales_rep,marketing_source".
OPPORTUNITIES = register_report(ReportSpec(
    key="opportunities", title=REPORT_TITLES["opportunities"],
    description=WIN_RATE_DESCRIPTION, build=_win_rate("opportunities"), filters=FILTERS,
    group_by=GROUPINGS, multi_group=True))

LOST_REASONS = register_report(ReportSpec(
    key="lost_reasons", title=_("Lost reasons"),
    description=_("Lost opportunities by the reason given, with their value and share."),
    build=lost_reasons, filters=FILTERS))

SOURCES = register_report(ReportSpec(
    key="sources", title=_("Lead sources"),
    description=_("Per lead source: leads, conversions to opportunities and wins, with the "
                  "rates between them."),
    build=sources, filters=FILTERS, record_types=("lead",)))

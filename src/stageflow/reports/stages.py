"""Reports read from where records stand and the stage history: the funnel, the pipeline by
stage, owner or office (both also "as of" a past day), and the time spent in each stage."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    Avg,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    QuerySet,
    Value,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from stageflow.core import clock
from stageflow.people.models import User
from stageflow.reports import selectors
from stageflow.reports.base import Chart, Column, Report, ReportFilters, ReportSpec, register_report
from stageflow.reports.conversion import conversions
from stageflow.reports.dimensions import dimension
from stageflow.reports.filters import applied
from stageflow.reports.numbers import days, money, rate
from stageflow.sales.models import Lead, Opportunity, Status

RECORD_TYPES = ("opportunity", "lead")
STATE_FILTERS = ("record_type", "pipeline", "owner", "office", "source", "date_from", "date_to",
                 "as_of")
AS_OF_NOTE = _("As of the end of that day: stage and status from the stage history; owner, "
               "office and value as they are today.")
PERIOD_NOTE = _("The period selects records created in it.")


def _language() -> str:
    return get_language() or "en"


def _empty(key: str, title: Any, kind: str) -> Report:
    return Report(key=key, title=title, columns=[], rows=[],
                  notes=[_("No pipeline is set up for these records yet.")],
                  filters={"record_type": kind})


def _applied(filters: ReportFilters, where: selectors.ReportPipeline, **extra: Any
             ) -> dict[str, Any]:
    return applied(filters, pipeline=where.pipeline.key, **extra)


def _notes(filters: ReportFilters) -> list[Any]:
    notes: list[Any] = []
    if filters.as_of is not None:
        notes.append(AS_OF_NOTE)
    if filters.date_from is not None or filters.date_to is not None:
        notes.append(PERIOD_NOTE)
    return notes


# Funnel ------------------------------------------------------------------------------------

def funnel(user: User, filters: ReportFilters) -> Report:
    """The open stages of a pipeline in their configured order: the records in each now (or
    as of a day), their value, and the share that went on from each stage."""
    kind = filters.record_type
    records = selectors.records_in_scope(user, kind)
    where = selectors.report_pipeline(kind, filters.pipeline)
    if where is None:
        return _empty("funnel", FUNNEL.title, kind)
    stages = where.stages(status=Status.OPEN)
    keys = [stage.key for stage in stages]
    records = selectors.narrowed(records, filters, pipeline=where.pipeline)
    changes = selectors.stage_changes(user, kind, filters, records, where.pipeline)
    counts = selectors.stage_counts(records.filter(stage__in=keys), changes, kind,
                                    filters.as_of)
    has_value = kind == "opportunity"
    rows = []
    for stage, (reached, converted) in zip(stages, conversions(changes, kind, keys),
                                           strict=True):
        found = counts.get((None, stage.key), selectors.Tally())
        row: dict[str, Any] = {"stage_key": stage.key, "stage": stage.label(_language()),
                               "count": found.count}
        if has_value:
            row["value"] = money(found.value)
        row.update(reached=reached, converted=converted, conversion=rate(converted, reached))
        rows.append(row)
    columns = [Column("stage", _("Stage")), Column("count", _("Records"), "count")]
    if has_value:
        columns.append(Column("value", _("Value"), "money"))
    columns += [Column("reached", _("Reached the stage"), "count"),
                Column("converted", _("Went further"), "count"),
                Column("conversion", _("Conversion to a later stage"), "percent")]
    totals: dict[str, Any] = {"count": sum(row["count"] for row in rows)}
    if has_value:
        totals["value"] = money(sum((row["value"] for row in rows), start=money(None)))
    return Report(key="funnel", title=FUNNEL.title, columns=columns, rows=rows,
                  chart=Chart("funnel", "stage", ("count",)), totals=totals,
                  notes=_notes(filters), filters=_applied(filters, where))


# Pipeline ----------------------------------------------------------------------------------

STATUS_LABELS = dict(Status.choices)


def _statuses(where: selectors.ReportPipeline, records: QuerySet[Lead | Opportunity],
              stages: set[str]) -> dict[str, str]:
    """The status of each stage: the live definition's, else (a stage only an older version
    has) the one its records carry."""
    known: dict[str, str] = {stage.key: stage.status for stage in where.definition.stages}
    unknown = stages - set(known)
    if unknown:
        known.update(records.filter(stage__in=unknown).order_by()
                     .values_list("stage", "status").distinct())
    return known


def _by_status(counts: dict[str, selectors.Tally], statuses: dict[str, str],
               has_value: bool) -> dict[str, Any]:
    """Counts of each status (and open and won value) over per-stage tallies."""
    figures: dict[str, Any] = {"count": sum(tally.count for tally in counts.values())}
    for status in Status.values:
        figures[status] = sum(tally.count for stage, tally in counts.items()
                              if statuses.get(stage) == status)
    if has_value:
        for status in (Status.OPEN, Status.WON):
            figures[f"{status}_value"] = money(sum(
                (tally.value for stage, tally in counts.items()
                 if statuses.get(stage) == status), start=money(None)))
    return figures


def pipeline(user: User, filters: ReportFilters) -> Report:
    """Counts and values of a pipeline's records by stage (every stage, with its status), by
    owner or by office, now or as of a day; totals by status."""
    kind = filters.record_type
    records = selectors.records_in_scope(user, kind)
    where = selectors.report_pipeline(kind, filters.pipeline)
    if where is None:
        return _empty("pipeline", PIPELINE.title, kind)
    group_by = filters.group_by or "stage"
    records = selectors.narrowed(records, filters, pipeline=where.pipeline)
    changes = selectors.stage_changes(user, kind, filters, records, where.pipeline)
    has_value = kind == "opportunity"
    found = None if group_by == "stage" else dimension(kind, group_by)
    group = found.expression if found is not None else None
    assert group is None or isinstance(group, str)  # the filters allow stage, owner, office
    counts = selectors.stage_counts(records, changes, kind, filters.as_of, group)
    statuses = _statuses(where, records, {stage for _group, stage in counts})
    totals = _by_status({stage: tally for (_group, stage), tally in counts.items()},
                        statuses, has_value)
    if found is None:
        known = [stage.key for stage in where.stages()]
        others = sorted({stage for _group, stage in counts} - set(known))
        labels = {stage.key: stage.label(_language()) for stage in where.stages()}
        rows = []
        for key in known + others:
            tally = counts.get((None, key), selectors.Tally())
            status = statuses.get(key, "")
            row: dict[str, Any] = {"stage_key": key, "stage": labels.get(key, key),
                                   "status_key": status,
                                   "status": str(STATUS_LABELS.get(status, status)),
                                   "count": tally.count}
            if has_value:
                row["value"] = money(tally.value)
            rows.append(row)
        columns = [Column("stage", _("Stage")), Column("status", _("Status")),
                   Column("count", _("Records"), "count"),
                   *([Column("value", _("Value"), "money")] if has_value else [])]
        chart = Chart("bar", "stage", ("count",))
    else:
        groups = sorted({value for value, _stage in counts}, key=str)
        names = found.names(groups)
        rows = [{group_by: names.get(value, value), f"{group_by}_key": value,
                 **_by_status({stage: tally for (at, stage), tally in counts.items()
                               if at == value}, statuses, has_value)}
                for value in groups]
        rows.sort(key=lambda row: str(row[group_by]).lower())
        columns = [Column(group_by, found.label), Column("open", _("Open"), "count"),
                   *([Column("open_value", _("Open value"), "money")] if has_value else []),
                   Column("won", _("Won"), "count"),
                   *([Column("won_value", _("Won value"), "money")] if has_value else []),
                   Column("lost", _("Lost"), "count"), Column("archived", _("Archived"), "count")]
        chart = Chart("stacked", group_by, ("open", "won", "lost"))
    return Report(key="pipeline", title=PIPELINE.title, columns=columns, rows=rows,
                  chart=chart, totals=totals, notes=_notes(filters),
                  filters=_applied(filters, where, group_by=group_by))


# Time in stage ------------------------------------------------------------------------------

def _duration(end: str | Any, start: str) -> ExpressionWrapper:
    end_expression = F(end) if isinstance(end, str) else end
    return ExpressionWrapper(end_expression - F(start), output_field=DurationField())


def _seconds(value: dt.timedelta | float | None) -> float | None:
    if value is None:
        return None
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def _medians(rows: QuerySet[Any], group: str, value: str | Any) -> dict[Any, float | None]:
    """The median of `value` per `group`: the database ranks the rows of each group and
    returns the middle one or two, so at most two rows per group leave it."""
    measure = F(value) if isinstance(value, str) else value
    ranked = rows.annotate(
        measure=measure,
        rank=Window(RowNumber(), partition_by=[F(group)], order_by=measure.asc()),
        size=Window(Count("pk"), partition_by=[F(group)]))
    middle = ranked.filter(rank__gte=F("size") / 2.0, rank__lte=F("size") / 2.0 + 1)
    found: dict[Any, list[float]] = {}
    for key, measured in middle.values_list(group, "measure"):
        seconds = _seconds(measured)
        if seconds is not None:
            found.setdefault(key, []).append(seconds)
    return {key: sum(values) / len(values) for key, values in found.items()}


def stage_time(user: User, filters: ReportFilters) -> Report:
    """Average and median days spent in each stage by the stays that ended (in the period),
    apart from the time so far of the records still in a stage; and the sales cycle (created
    to closed) of won and of lost records."""
    kind = filters.record_type
    records = selectors.records_in_scope(user, kind)
    where = selectors.report_pipeline(kind, filters.pipeline)
    if where is None:
        return _empty("stage_time", STAGE_TIME.title, kind)
    records = selectors.narrowed(records, filters, period_field=None, pipeline=where.pipeline)
    stays = (selectors.stage_changes(user, kind, filters, records, where.pipeline)
             .exclude(from_stage="").exclude(from_stage=F("to_stage"))
             .filter(seconds_in_previous__isnull=False)
             .filter(selectors.in_period("at", filters)))
    ended = selectors.keyed(stays.order_by().values("from_stage").annotate(
        stays=Count("pk"), average=Avg("seconds_in_previous")), "from_stage")
    medians = _medians(stays, "from_stage", "seconds_in_previous")
    now = clock.now()
    so_far = selectors.keyed(records.filter(status=Status.OPEN).order_by().values("stage")
                             .annotate(now_in=Count("pk"), average=Avg(_duration(
                                 Value(now, output_field=DateTimeField()),
                                 "stage_entered_at"))), "stage")
    rows = []
    for stage in where.stages():
        if stage.status in (Status.WON, Status.LOST):
            continue
        done, current = ended.get(stage.key, {}), so_far.get(stage.key, {})
        rows.append({"stage_key": stage.key, "stage": stage.label(_language()),
                     "stays": done.get("stays", 0), "average_days": days(done.get("average")),
                     "median_days": days(medians.get(stage.key)),
                     "in_stage_now": current.get("now_in", 0),
                     "average_days_so_far": days(_seconds(current.get("average")))})
    closed = (records.filter(status__in=(Status.WON, Status.LOST), closed_at__isnull=False)
              .filter(selectors.in_period("closed_at", filters)))
    cycle = _duration("closed_at", "created_at")
    cycles = selectors.keyed(closed.order_by().values("status")
                             .annotate(closed=Count("pk"), average=Avg(cycle)), "status")
    cycle_medians = _medians(closed, "status", cycle)
    totals: dict[str, Any] = {}
    for status in (Status.WON, Status.LOST):
        found = cycles.get(status, {})
        totals[f"{status}_count"] = found.get("closed", 0)
        totals[f"{status}_cycle_days"] = days(_seconds(found.get("average")))
        totals[f"{status}_cycle_median_days"] = days(cycle_medians.get(status))
    columns = [Column("stage", _("Stage")), Column("stays", _("Stays ended"), "count"),
               Column("average_days", _("Average days (ended stays)"), "days"),
               Column("median_days", _("Median days (ended stays)"), "days"),
               Column("in_stage_now", _("In the stage now"), "count"),
               Column("average_days_so_far", _("Average days so far (still there)"), "days")]
    notes = [_("Ended stays run from entering a stage to leaving it; the period selects the "
               "stays that ended in it and the records that closed in it. Records still in a "
               "stage count the time so far, shown apart."), *_notes(filters)[:1]]
    return Report(key="stage_time", title=STAGE_TIME.title, columns=columns, rows=rows,
                  chart=Chart("bar", "stage", ("average_days", "average_days_so_far")),
                  totals=totals, notes=notes, filters=_applied(filters, where))


FUNNEL = register_report(ReportSpec(
    key="funnel", title=_("Sales funnel"),
    description=_("The open stages of a pipeline in their configured order, with the records "
                  "and value in each and the share that went on to a later stage or won."),
    build=funnel, filters=STATE_FILTERS, record_types=RECORD_TYPES))

PIPELINE = register_report(ReportSpec(
    key="pipeline", title=_("Pipeline"),
    description=_("Records and value by stage, owner or office, with open, won and lost "
                  "totals; also as they stood on a past day."),
    build=pipeline, filters=STATE_FILTERS, group_by=("stage", "owner", "office"),
    record_types=RECORD_TYPES))

STAGE_TIME = register_report(ReportSpec(
    key="stage_time", title=_("Time in stage"),
    description=_("Average and median days spent in each stage, and the sales cycle from "
                  "creation to close for won and for lost records."),
    build=stage_time, filters=("record_type", "pipeline", "owner", "office", "source",
                               "date_from", "date_to"),
    record_types=RECORD_TYPES))

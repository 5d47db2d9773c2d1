"""Reads every report shares: the records in the caller's scope narrowed by the filters, the
pipeline a report is about, and where records stood at the end of a past day.

Figures are aggregated by the database (GROUP BY); nothing here walks records in Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from stageflow import engine
from stageflow.core import clock
from stageflow.core.errors import InvalidInput, NotAllowed
from stageflow.people import permissions
from stageflow.people.models import User
from stageflow.pipelines.models import Pipeline
from stageflow.pipelines.selectors import definition_of
from stageflow.reports.base import ReportFilters
from stageflow.sales.access import PERMISSION_TYPES, records_for
from stageflow.sales.models import Lead, Opportunity, StageChange


def records_in_scope(user: User, kind: str) -> QuerySet[Lead | Opportunity]:
    """The records of `kind` the user may see; 403 when their role shows them none at all."""
    if not permissions.may_at_all(user, PERMISSION_TYPES[kind], "view"):
        raise NotAllowed(permissions.refusal("view"))
    return records_for(user, kind)


def day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def day_end(day: dt.date) -> dt.datetime:
    """The first instant after `day`: "as of" a day means at the end of it."""
    return day_start(day + dt.timedelta(days=1))


def in_period(field: str, filters: ReportFilters, *, dates: bool = False) -> Q:
    """`field` within date_from..date_to (both days included); `dates` for a DateField."""
    condition = Q()
    if filters.date_from is not None:
        start = filters.date_from if dates else day_start(filters.date_from)
        condition &= Q(**{f"{field}__gte": start})
    if filters.date_to is not None:
        if dates:
            condition &= Q(**{f"{field}__lte": filters.date_to})
        else:
            condition &= Q(**{f"{field}__lt": day_end(filters.date_to)})
    return condition


def narrowed(records: QuerySet[Lead | Opportunity], filters: ReportFilters, *,
             period_field: str | None = "created_at",
             pipeline: Pipeline | None = None) -> QuerySet[Lead | Opportunity]:
    """`records` narrowed by owner, office, source, pipeline and (on `period_field`) period."""
    if filters.owner is not None:
        records = records.filter(owner_id=filters.owner)
    if filters.office is not None:
        records = records.filter(office_id=filters.office)
    if filters.source:
        records = records.filter(source=filters.source)
    if pipeline is not None:
        records = records.filter(pipeline_id=pipeline.pk)
    elif filters.pipeline:
        records = records.filter(pipeline_id__in=Pipeline.objects.filter(key=filters.pipeline)
                                 .values("pk"))
    if period_field is not None:
        records = records.filter(in_period(period_field, filters))
    return records


def sees_everything(user: User, kind: str, filters: ReportFilters) -> bool:
    """Whether neither the user's scope nor a filter (other than the pipeline) leaves a record
    of `kind` out: the stage history can then be read without a join to the records."""
    return (permissions.scope_filter(user, PERMISSION_TYPES[kind]) == Q()
            and filters.owner is None and filters.office is None and not filters.source
            and filters.date_from is None and filters.date_to is None)


@dataclass(frozen=True, slots=True)
class ReportPipeline:
    pipeline: Pipeline
    definition: engine.PipelineDefinition

    def stages(self, *, status: str | None = None) -> list[engine.Stage]:
        """Stages in their configured order (position in the live definition)."""
        stages = sorted(self.definition.stages, key=lambda stage: (stage.position, stage.key))
        return [stage for stage in stages if status is None or stage.status == status]


def report_pipeline(kind: str, key: str | None) -> ReportPipeline | None:
    """The pipeline named by `key`, else the record type's default; None when the workspace
    has no live pipeline for `kind` yet."""
    pipelines = Pipeline.objects.select_related("live_version").filter(
        record_type=kind, live_version__isnull=False)
    pipeline = pipelines.filter(key=key).first() if key else (
        pipelines.filter(is_default=True).first() or pipelines.order_by("name").first())
    if pipeline is None:
        if key:
            raise InvalidInput(_("No live pipeline '%(key)s' for these records.") % {"key": key},
                               fields={"pipeline": _("unknown pipeline")})
        return None
    assert pipeline.live_version is not None
    return ReportPipeline(pipeline, definition_of(pipeline.live_version))


@dataclass(slots=True)
class Tally:
    count: int = 0
    value: Decimal = Decimal("0")


def stage_counts(records: QuerySet[Lead | Opportunity], changes: QuerySet[StageChange],
                 kind: str, as_of: dt.date | None,
                 group: str | None = None) -> dict[tuple[Any, str], Tally]:
    """How many records (and what value) are in each stage, per value of the record field
    `group` if given: now from the records, or at the end of `as_of` from the stage history.

    A record is in a stage between arriving and leaving, so as of a day each stage holds the
    moves into it minus the moves out of it up to then: a sum over the moves by (from, to),
    with no record read one by one. Owner, office and value are today's."""
    has_value = kind == "opportunity"
    counted: dict[tuple[Any, str], Tally] = {}
    if as_of is None:
        fields = [group, "stage"] if group else ["stage"]
        for row in records.order_by().values(*fields).annotate(
                moves=Count("pk"), **({"worth": Sum("value")} if has_value else {})):
            counted[(row[group] if group else None, row["stage"])] = Tally(
                row["moves"], row.get("worth") or Decimal("0"))
        return counted
    through = f"{kind}__{group}" if group else None
    fields = [through, "from_stage", "to_stage"] if through else ["from_stage", "to_stage"]
    for row in changes.order_by().values(*fields).annotate(
            moves=Count("pk"), **({"worth": Sum(f"{kind}__value")} if has_value else {})):
        for stage, sign in ((row["to_stage"], 1), (row["from_stage"], -1)):
            if stage:
                tally = counted.setdefault((row[through] if through else None, stage), Tally())
                tally.count += sign * row["moves"]
                tally.value += sign * (row.get("worth") or Decimal("0"))
    return {key: tally for key, tally in counted.items() if tally.count}


def stage_changes(user: User, kind: str, filters: ReportFilters,
                  records: QuerySet[Lead | Opportunity],
                  pipeline: Pipeline | None = None) -> QuerySet[StageChange]:
    """The stage history of `records` (all of them cheaply when nothing narrows them), up to
    the end of the `as_of` day when there is one."""
    changes = StageChange.objects.filter(**{f"{kind}__isnull": False})
    if pipeline is not None:
        changes = changes.filter(pipeline_id=pipeline.pk)
    if pipeline is None or not sees_everything(user, kind, filters):
        changes = changes.filter(**{f"{kind}_id__in": records.values("pk")})
    if filters.as_of is not None:
        changes = changes.filter(at__lt=day_end(filters.as_of))
    return changes


def keyed(rows: Iterable[Mapping[str, Any]], key: str) -> dict[Any, dict[str, Any]]:
    """Aggregated rows by the value of their `key` column."""
    return {row[key]: dict(row) for row in rows}


def stuck_records(user: User, *, days: int, limit: int) -> list[Lead | Opportunity]:
    """Open leads and opportunities the user may see that entered their stage more than
    `days` ago, oldest first, at most `limit` of them."""
    cutoff = clock.now() - dt.timedelta(days=days)
    found: list[Lead | Opportunity] = []
    for kind in PERMISSION_TYPES:
        found += records_for(user, kind).filter(
            status="open", stage_entered_at__lte=cutoff).select_related("owner").order_by(
            "stage_entered_at", "pk")[:limit]
    return sorted(found, key=lambda record: record.stage_entered_at)[:limit]

"""The periodic scan for timed rules ("not changed for 14 days", "in its stage for 3 days",
"has an overdue activity"), run by `stageflow worker`.

Each rule is one query: the records past the rule's threshold that this rule has not fired
for since the moment the period began (last change, stage entry, due date). Conditions SQL can
check (pipeline, stage, status, stage group) narrow that query; the rest are checked on the
few records it returns. A rule therefore fires once per record and period, and the unique
`period` of its log entry keeps two workers from both firing it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from stageflow.activities.models import Activity
from stageflow.automation import catalogue
from stageflow.automation.conditions import as_list
from stageflow.automation.dispatch import Record, fire, rule_applies
from stageflow.automation.models import Firing, Rule
from stageflow.communications.delivery import requeue_due
from stageflow.core import clock
from stageflow.pipelines.models import Pipeline
from stageflow.pipelines.selectors import definition_of
from stageflow.sales.access import MODELS

# The record field where each timed event's period begins.
PERIOD_START = {"last_modified_older_than": "updated_at",
                "in_stage_longer_than": "stage_entered_at"}


@dataclass
class ScanReport:
    rules: int = 0
    fired: int = 0
    failed: int = 0
    messages_requeued: int = 0


def _narrowing(rule: Rule) -> Q:
    conditions = rule.conditions or {}
    query = Q()
    pipeline_key = conditions.get("pipeline")
    if rule.pipeline_id is not None:
        query &= Q(pipeline_id=rule.pipeline_id)
    elif pipeline_key:
        query &= Q(pipeline__key=pipeline_key)
    if as_list(conditions.get("stage")):
        query &= Q(stage__in=as_list(conditions["stage"]))
    if as_list(conditions.get("status")):
        query &= Q(status__in=as_list(conditions["status"]))
    groups = as_list(conditions.get("stage_group"))
    if groups:
        query &= Q(stage__in=stages_in_groups(rule.record_type, groups))
    return query


def stages_in_groups(record_type: str, groups: list[str]) -> set[str]:
    """The keys of the stages in these stage groups, over the live pipelines of a type."""
    pipelines = Pipeline.objects.filter(record_type=record_type,
                                        live_version__isnull=False).select_related(
                                            "live_version")
    return {stage.key for pipeline in pipelines if pipeline.live_version
            for stage in definition_of(pipeline.live_version).stages if stage.group in groups}


def due_records(rule: Rule, now: dt.datetime) -> QuerySet[Record]:
    """The records a timed rule should fire for now (before its non-SQL conditions)."""
    kind, suffix = rule.event.split(".", 1)
    model = MODELS[kind]
    # No ordering: the scan wants the due records, not the list's newest-first order, and
    # sorting would make the database walk the whole table in date order.
    records = model.objects.filter(_narrowing(rule)).select_related(
        "pipeline", "account", "owner", "office").order_by()
    days = int((rule.conditions or {}).get("days") or 0)
    already = Firing.objects.filter(rule=rule, record_type=kind, record_id=OuterRef("pk"))
    if suffix == "activity_overdue":
        overdue = Activity.objects.filter(**{kind: OuterRef("pk")}, done_at__isnull=True,
                                          due_at__lt=now)
        return records.annotate(
            latest_due=Subquery(overdue.order_by("-due_at").values("due_at")[:1])).filter(
            latest_due__isnull=False).exclude(Exists(already.filter(at__gte=OuterRef(
                "latest_due"))))
    start = PERIOD_START[suffix]
    records = records.filter(**{f"{start}__lte": now - dt.timedelta(days=days)}).exclude(
        Exists(already.filter(at__gte=OuterRef(start))))
    if (rule.conditions or {}).get("unless_planned_activity"):
        planned = Activity.objects.filter(**{kind: OuterRef("pk")}, done_at__isnull=True,
                                          due_at__gte=now)
        records = records.exclude(Exists(planned))
    return records


def _period(rule: Rule, record: Record) -> str:
    suffix = rule.event.split(".", 1)[1]
    moment: dt.datetime = getattr(record, PERIOD_START.get(suffix, "latest_due"))
    return moment.isoformat()


def run_scans(now: dt.datetime | None = None) -> ScanReport:
    now = now or clock.now()
    report = ScanReport()
    timed = [name for name, event in catalogue.EVENT_TYPES.items() if event.timed]
    for rule in Rule.objects.filter(active=True, event__in=timed).select_related("pipeline"):
        report.rules += 1
        for record in due_records(rule, now):
            with transaction.atomic():
                if not rule_applies(rule, record, {}):
                    continue
                firing = fire(rule, record, event=rule.event, facts={},
                              period=_period(rule, record))
            if firing is not None:
                report.fired += 1
                report.failed += firing.outcome == Firing.Outcome.FAILED
    report.messages_requeued = requeue_due(now)
    return report

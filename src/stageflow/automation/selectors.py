"""Reading automation: the rules, the catalogue of events and actions, and the firing log."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet

from stageflow.automation import catalogue
from stageflow.automation.actions import ACTIONS
from stageflow.automation.models import Firing, Rule

LOG_FILTERS = ("outcome", "record_type", "record_id", "rule", "event", "since", "until")


def rule_list(*, record_type: str = "", event: str = "", active: bool | None = None,
              pipeline: str = "") -> QuerySet[Rule]:
    rules = Rule.objects.select_related("pipeline").order_by("record_type", "position", "id")
    if record_type:
        rules = rules.filter(record_type=record_type)
    if event:
        rules = rules.filter(event=event)
    if active is not None:
        rules = rules.filter(active=active)
    if pipeline:
        rules = rules.filter(pipeline__key=pipeline)
    return rules


def event_choices() -> list[dict[str, Any]]:
    return [{"name": event.name, "record_type": event.record_type, "label": str(event.label),
             "facts": list(event.facts), "timed": event.timed}
            for event in sorted(catalogue.EVENT_TYPES.values(),
                                key=lambda item: (item.record_type, item.name))]


def action_choices() -> list[dict[str, Any]]:
    return [{"key": action.key, "label": str(action.label), "params": list(action.params),
             "record_types": list(action.record_types)}
            for action in sorted(ACTIONS.values(), key=lambda item: item.key)]


def firing_log(filters: Mapping[str, Any]) -> QuerySet[Firing]:
    """The automation log, newest first, narrowed by any of LOG_FILTERS."""
    firings = Firing.objects.select_related("rule").order_by("-at", "-id")
    if filters.get("outcome"):
        firings = firings.filter(outcome=filters["outcome"])
    if filters.get("record_type"):
        firings = firings.filter(record_type=filters["record_type"])
    if filters.get("record_id"):
        firings = firings.filter(record_id=filters["record_id"])
    if filters.get("rule"):
        firings = firings.filter(rule_id=filters["rule"])
    if filters.get("event"):
        firings = firings.filter(event=filters["event"])
    if filters.get("since"):
        firings = firings.filter(at__gte=filters["since"])
    if filters.get("until"):
        firings = firings.filter(at__lte=filters["until"])
    return firings


def firings_of(record_type: str, record_id: int, limit: int = 50) -> list[Firing]:
    """What automation did to one record, for its timeline."""
    return list(Firing.objects.filter(record_type=record_type, record_id=record_id)
                .order_by("-at", "-id")[:limit])

"""Rule conditions: what they may say, how a rule's are checked on save, and how they match.

Conditions are a mapping, every entry of which must hold:

    pipeline: key              stage: key | [keys]        status: open|won|lost|archived | [...]
    stage_group: key | [keys]  tags: [names] (has all)    without_tags: [names]
    office: office name        tag: name (the tag of a tag event)
    field: name (the field of a "field changed" event)    transition: key (of a taken one)
    days: N, unless_planned_activity: true (timed events)
    where: [{field, op, value}], match: all | any   (comparisons on fields and attributes)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

OPERATORS = ("eq", "ne", "gt", "gte", "lt", "lte", "contains", "in", "empty", "not_empty")
LIST_KEYS = ("stage", "status", "stage_group")
KNOWN_KEYS = ("pipeline", "stage", "status", "stage_group", "tags", "without_tags", "office",
              "tag", "field", "transition", "days", "unless_planned_activity", "where", "match")
STATUSES = ("open", "won", "lost", "archived")


def as_list(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return [str(value)]


class Scope:
    """What a rule's conditions may refer to: the stages, groups and fields that exist."""

    def __init__(self, *, stages: Iterable[str], stage_groups: Iterable[str],
                 fields: Iterable[str], pipelines: Iterable[str]) -> None:
        self.stages = set(stages)
        self.stage_groups = set(stage_groups)
        self.fields = set(fields)
        self.pipelines = set(pipelines)


def check(conditions: Any, scope: Scope, *, needs_days: bool) -> dict[str, str]:
    """Problems with a rule's conditions, keyed by where they are (`conditions.stage`)."""
    if conditions in (None, ""):
        return {}
    if not isinstance(conditions, Mapping):
        return {"conditions": _("Conditions are a set of name: value entries.")}
    problems: dict[str, str] = {}
    for key in conditions:
        if key not in KNOWN_KEYS:
            problems[f"conditions.{key}"] = _("Unknown condition “%(key)s”.") % {"key": key}
    for stage in as_list(conditions.get("stage")):
        if stage not in scope.stages:
            problems["conditions.stage"] = _("No stage “%(key)s” in this pipeline.") % {
                "key": stage}
    for group in as_list(conditions.get("stage_group")):
        if group not in scope.stage_groups:
            problems["conditions.stage_group"] = _("No stage group “%(key)s”.") % {"key": group}
    for status in as_list(conditions.get("status")):
        if status not in STATUSES:
            problems["conditions.status"] = _("A status is open, won, lost or archived.")
    pipeline = conditions.get("pipeline")
    if pipeline and str(pipeline) not in scope.pipelines:
        problems["conditions.pipeline"] = _("No pipeline “%(key)s”.") % {"key": pipeline}
    changed = conditions.get("field")
    if changed and str(changed) not in scope.fields:
        problems["conditions.field"] = _("No field “%(key)s”.") % {"key": changed}
    days = conditions.get("days")
    if (needs_days or days is not None) and (
            isinstance(days, bool) or not isinstance(days, int) or not 0 < days <= 3650):
        problems["conditions.days"] = _("A number of days from 1 to 3650.")
    if conditions.get("match", "all") not in ("all", "any"):
        problems["conditions.match"] = _("Match is “all” or “any”.")
    _check_comparisons(conditions.get("where") or [], scope, problems)
    return problems


def _check_comparisons(where: Any, scope: Scope, problems: dict[str, str]) -> None:
    if not isinstance(where, list):
        problems["conditions.where"] = _("Comparisons are a list.")
        return
    for number, item in enumerate(where, start=1):
        place = f"conditions.where.{number}"
        if not isinstance(item, Mapping):
            problems[place] = _("A comparison has a field, an operator and a value.")
            continue
        if str(item.get("field")) not in scope.fields:
            problems[f"{place}.field"] = _("No field “%(key)s”.") % {"key": item.get("field")}
        if item.get("op", "eq") not in OPERATORS:
            problems[f"{place}.op"] = _("Unknown operator “%(op)s”.") % {"op": item.get("op")}


def matches(conditions: Mapping[str, Any], state: Mapping[str, Any],
            facts: Mapping[str, Any]) -> bool:
    """Whether a record (its `state`) and what happened (`facts`) satisfy the conditions."""
    for key in ("stage", "status", "stage_group"):
        wanted = as_list(conditions.get(key))
        if wanted and str(state.get(key)) not in wanted:
            return False
    if conditions.get("pipeline") and state.get("pipeline") != conditions["pipeline"]:
        return False
    if conditions.get("office") and state.get("office_name") != conditions["office"]:
        return False
    tags = set(state.get("tags", ()))
    if not set(as_list(conditions.get("tags"))) <= tags:
        return False
    if set(as_list(conditions.get("without_tags"))) & tags:
        return False
    for key, fact in (("tag", "tag"), ("transition", "transition")):
        if conditions.get(key) and str(facts.get(fact, "")) != str(conditions[key]):
            return False
    if conditions.get("field") and conditions["field"] not in facts.get("changed", ()):
        return False
    where = conditions.get("where") or []
    if not where:
        return True
    values = state.get("values", {})
    results = (_compare(values.get(item.get("field")), item.get("op", "eq"), item.get("value"))
               for item in where)
    return any(results) if conditions.get("match") == "any" else all(results)


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    if isinstance(left, Decimal | int | float) and not isinstance(left, bool):
        try:
            return Decimal(str(left)), Decimal(str(right))
        except InvalidOperation:
            return str(left), str(right)
    if isinstance(left, dt.date):
        return left.isoformat(), str(right)
    if hasattr(left, "pk"):
        return str(left.pk), str(right)
    return ("" if left is None else str(left)), ("" if right is None else str(right))


def _compare(left: Any, op: str, right: Any) -> bool:
    if op == "empty":
        return left in (None, "", [], {})
    if op == "not_empty":
        return left not in (None, "", [], {})
    if op == "in":
        return _comparable(left, "")[0] in [str(item) for item in as_list(right)]
    if op == "contains":
        return str(right).lower() in ("" if left is None else str(left)).lower()
    mine, theirs = _comparable(left, right)
    if op == "eq":
        return bool(mine == theirs)
    if op == "ne":
        return bool(mine != theirs)
    if left is None:
        return False
    try:
        return bool({"gt": mine > theirs, "gte": mine >= theirs, "lt": mine < theirs,
                     "lte": mine <= theirs}[op])
    except TypeError:
        return False

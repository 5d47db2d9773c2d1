"""Showing leads and opportunities to people: stage names and colours from each record's own
pipeline version, list columns for custom attributes, and durations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from stageflow import engine
from stageflow.people.models import User
from stageflow.pipelines.models import CustomAttribute, LookupValue
from stageflow.pipelines.selectors import attributes_of
from stageflow.sales.fields import field_labels
from stageflow.sales.models import Lead, Opportunity

Record = Lead | Opportunity


def definition(record: Record) -> engine.PipelineDefinition:
    """The definition `attach_definitions` put on the record."""
    found: engine.PipelineDefinition = record.definition  # type: ignore[union-attr]
    return found


def stage_label(found: engine.PipelineDefinition, key: str, lang: str) -> str:
    try:
        return engine.get_stage(found, key).label(lang)
    except engine.UnknownKeyError:
        return key


def step_label(found: engine.PipelineDefinition, key: str) -> str:
    try:
        return engine.get_step(found, key).name
    except engine.UnknownKeyError:
        return key


def decorate(records: Iterable[Record], lang: str) -> None:
    """Give each record (with its definition attached) `stage_name`, `step_name` and
    `stage_colour` for templates."""
    for record in records:
        found = definition(record)
        record.stage_name = stage_label(found, record.stage, lang)  # type: ignore[union-attr]
        record.step_name = step_label(found, record.step)  # type: ignore[union-attr]
        try:
            colour = engine.get_stage(found, record.stage).colour or ""
        except engine.UnknownKeyError:
            colour = ""
        record.stage_colour = colour  # type: ignore[union-attr]


def field_label(found: engine.PipelineDefinition, kind: str, key: str, lang: str) -> str:
    attribute = engine.get_attribute(found, key)
    if attribute is not None:
        return attribute.label(lang)
    return field_labels(kind).get(key, key)


@dataclass(frozen=True)
class ListColumn:
    key: str
    label: str
    type: str
    choices: dict[str, str]


def list_columns(kind: str, lang: str) -> list[ListColumn]:
    """The custom attributes shown as overview columns, with their choice labels (2 queries)."""
    attributes = list(attributes_of(kind).filter(active=True, shown_in_lists=True))
    tables = {a.lookup for a in attributes if a.lookup}
    lookups: dict[str, dict[str, str]] = {}
    for value in LookupValue.objects.filter(table__in=tables) if tables else []:
        lookups.setdefault(value.table, {})[value.key] = value.label
    return [ListColumn(key=a.key, label=a.label(lang), type=a.type,
                       choices=lookups.get(a.lookup, {}) if a.lookup else _choices(a))
            for a in attributes]


def _choices(attribute: CustomAttribute) -> dict[str, str]:
    return {str(c.get("key")): str(c.get("label")) for c in attribute.choices}


def column_values(records: Sequence[Record], columns: Sequence[ListColumn]) -> None:
    """Give each record `column_values`, the shown text of each list column (≤1 query)."""
    user_keys = [c.key for c in columns if c.type == "user"]
    ids = {int(v) for r in records for k in user_keys
           if str(v := (r.attributes or {}).get(k, "")).isdigit()}
    users = {u.pk: str(u) for u in User.objects.filter(pk__in=ids)} if ids else {}
    for record in records:
        values = record.attributes or {}
        record.column_values = [  # type: ignore[union-attr]
            shown_value(column, values.get(column.key), users) for column in columns]


def shown_value(column: ListColumn, value: Any, users: dict[int, str]) -> str:
    if value in (None, "", []):
        return ""
    if column.type == "bool":
        return _("Yes") if value else _("No")
    if column.type == "choice":
        return column.choices.get(str(value), str(value))
    if column.type == "multi_choice" and isinstance(value, list):
        return ", ".join(column.choices.get(str(v), str(v)) for v in value)
    if column.type == "user" and str(value).isdigit():
        return users.get(int(value), str(value))
    return str(value)


def duration(seconds: int | None) -> str:
    """A time span as people say it: "3 days 4 h", "2 h 5 min", "40 s"."""
    if seconds is None:
        return ""
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return _("%(d)s d %(h)s h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    if minutes:
        return _("%(m)s min") % {"m": minutes}
    return _("%(s)s s") % {"s": secs}

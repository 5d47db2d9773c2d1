"""Writing and reading the change history of business records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from stageflow.core import clock
from stageflow.core.models import HistoryEntry, Via


def display_value(value: Any) -> Any:
    """A JSON-safe, human-readable form of a field value for the history."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, dict):
        return {str(key): display_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [display_value(item) for item in value]
    return str(value)


def snapshot(record: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: display_value(getattr(record, name)) for name in fields}


def field_changes(
    record: models.Model, before: Mapping[str, Any], after: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The fields whose value differs, each with its label, old and new value."""
    changes = []
    for name, old in before.items():
        new = after.get(name)
        if old == new:
            continue
        if isinstance(old, dict) or isinstance(new, dict):
            # A JSON field of named values (custom attributes) is recorded value by value.
            old_items, new_items = old or {}, new or {}
            for key in sorted(set(old_items) | set(new_items)):
                if old_items.get(key) != new_items.get(key):
                    changes.append({"field": f"{name}.{key}", "label": key,
                                    "old": old_items.get(key), "new": new_items.get(key)})
            continue
        label = str(getattr(record._meta.get_field(name), "verbose_name", name))
        changes.append({"field": name, "label": label, "old": old, "new": new})
    return changes


def record_history(
    *,
    record: models.Model,
    actor: Any,
    via: Via,
    action: HistoryEntry.Action,
    changes: list[dict[str, Any]] | None = None,
    summary: str = "",
) -> HistoryEntry:
    return HistoryEntry.objects.create(
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        record_label=str(record)[:300],
        at=clock.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "username", "") or "",
        via=via,
        action=action,
        changes=changes or [],
        summary=summary[:500],
    )


def history_of(record: models.Model) -> models.QuerySet[HistoryEntry]:
    return HistoryEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(record), object_id=record.pk
    ).select_related("actor")

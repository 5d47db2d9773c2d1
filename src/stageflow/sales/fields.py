"""The fields of leads and opportunities: which are editable, and their values for rules."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import Any

from django.utils.translation import get_language

from stageflow.sales.access import MODELS, kind_of
from stageflow.sales.models import Lead, Opportunity

LEAD_FIELDS = ("title", "description", "owner", "office", "account", "contact", "source",
               "category", "priority")
OPPORTUNITY_FIELDS = (*LEAD_FIELDS, "value", "currency", "expected_close_date", "probability",
                      "proposed_solution", "close_reason", "close_date")
EDITABLE: dict[str, tuple[str, ...]] = {"lead": LEAD_FIELDS, "opportunity": OPPORTUNITY_FIELDS}
WORKFLOW_FIELDS = ("stage", "step", "status", "pipeline", "pipeline_version")
LOOKUP_FIELDS = {"source": "source", "category": "category", "priority": "priority",
                 "close_reason": "lost_reason"}


def history_fields(kind: str) -> tuple[str, ...]:
    return (*EDITABLE[kind], "stage", "step", "status", "attributes")


class RecordValues(Mapping[str, Any]):
    """Everything a workflow rule may read of a record: built-in fields and attributes (an
    attribute wins over a field of its name).

    A field is read off the record when asked for: a related row (owner, account, ...) the
    record was read without costs a query only if a rule reads it, and most read none."""

    def __init__(self, record: Lead | Opportunity) -> None:
        self._record = record
        self._fields = EDITABLE[kind_of(record)]
        self._attributes: Mapping[str, Any] = record.attributes or {}

    def __getitem__(self, key: str) -> Any:
        if key in self._attributes:
            return self._attributes[key]
        if key in self._fields:
            return getattr(self._record, key)
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        yield from self._fields
        yield from (key for key in self._attributes if key not in self._fields)

    def __len__(self) -> int:
        return sum(1 for _key in self)


def record_values(record: Lead | Opportunity) -> RecordValues:
    return RecordValues(record)


def field_labels(kind: str) -> Mapping[str, str]:
    """The built-in fields' labels in the active language (they are asked for on every move
    and every row of a list, so each language's are made once)."""
    return _field_labels(kind, get_language() or "")


@functools.lru_cache(maxsize=64)
def _field_labels(kind: str, language: str) -> Mapping[str, str]:
    model = MODELS[kind]
    return {name: str(getattr(model._meta.get_field(name), "verbose_name", name)).capitalize()
            for name in EDITABLE[kind]}

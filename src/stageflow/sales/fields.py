"""The fields of leads and opportunities: which are editable, and their values for rules."""

from __future__ import annotations

from typing import Any

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


def record_values(record: Lead | Opportunity) -> dict[str, Any]:
    """Everything a workflow rule may read of a record: built-in fields and attributes."""
    values: dict[str, Any] = {name: getattr(record, name)
                              for name in EDITABLE[kind_of(record)]}
    values.update(record.attributes or {})
    return values


def field_labels(kind: str) -> dict[str, str]:
    model = MODELS[kind]
    return {name: str(getattr(model._meta.get_field(name), "verbose_name", name)).capitalize()
            for name in EDITABLE[kind]}

"""The built-in fields of leads and opportunities that a workflow may show or require."""

from __future__ import annotations

LEAD_FIELDS = ("title", "description", "owner", "office", "account", "contact", "source",
               "category", "priority", "created_by")
OPPORTUNITY_FIELDS = (*LEAD_FIELDS, "value", "currency", "expected_close_date", "probability",
                      "lead", "parent", "close_reason", "close_date", "proposed_solution",
                      "sales_team", "competitors")
BUILTIN_FIELDS: dict[str, tuple[str, ...]] = {"lead": LEAD_FIELDS,
                                              "opportunity": OPPORTUNITY_FIELDS}

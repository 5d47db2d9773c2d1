"""Showing custom attribute values to people: labels instead of keys, names instead of ids."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from stageflow.people.models import User
from stageflow.pipelines.models import CustomAttribute, LookupValue
from stageflow.pipelines.selectors import attributes_of


def _choice_labels(attribute: CustomAttribute) -> dict[str, str]:
    if attribute.lookup:
        return dict(LookupValue.objects.filter(table=attribute.lookup).values_list(
            "key", "label"))
    return {str(c.get("key")): str(c.get("label")) for c in attribute.choices}


def _shown(attribute: CustomAttribute, value: Any, users: dict[int, str]) -> str:
    if attribute.type == "bool":
        return _("Yes") if value else _("No")
    if attribute.type == "choice":
        return _choice_labels(attribute).get(str(value), str(value))
    if attribute.type == "multi_choice":
        labels = _choice_labels(attribute)
        return ", ".join(labels.get(str(item), str(item)) for item in value)
    if attribute.type == "user":
        return users.get(int(value), str(value))
    return str(value)


def attribute_rows(record_type: str, values: dict[str, Any],
                   language: str) -> list[tuple[str, str]]:
    """(label, shown value) for each active attribute that has a value, in the set order."""
    return list(attribute_rows_by_key(record_type, values, language).values())


def attribute_rows_by_key(record_type: str, values: dict[str, Any],
                          language: str) -> dict[str, tuple[str, str]]:
    """`attribute_rows` by attribute key, in the same order (no query without values)."""
    if not values:
        return {}
    attributes = [a for a in attributes_of(record_type).filter(active=True) if a.key in values]
    user_ids = [int(values[a.key]) for a in attributes if a.type == "user"]
    users = ({user.pk: str(user) for user in User.objects.filter(pk__in=user_ids)}
             if user_ids else {})
    return {a.key: (a.label(language), _shown(a, values[a.key], users)) for a in attributes}

"""What a report may group records by: built-in fields, their everyday aliases, and custom
choice or user attributes; each with the one query that names its values."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Aggregate, Expression, F, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from stageflow.people.models import Office, User
from stageflow.pipelines.models import CustomAttribute, LookupValue, Pipeline

Namer = Callable[[Iterable[Any]], dict[Any, str]]

# The words of S1 (Aptora's "sales rep" and "marketing source") for built-in fields.
ALIASES = {"sales_rep": "owner", "marketing_source": "source"}
BUILTIN = ("owner", "office", "source", "pipeline", "close_reason")
OPPORTUNITY_ONLY = ("close_reason",)


@dataclass(frozen=True, slots=True)
class Dimension:
    key: str  # as the caller asked for it, and the row key of its label
    label: str | Promise
    expression: str | Expression
    names: Namer


def user_names(ids: Iterable[Any]) -> dict[Any, str]:
    wanted = {int(value) for value in ids if str(value or "").isdigit()}
    users = {user.pk: str(user) for user in User.objects.filter(pk__in=wanted)}
    return {value: users.get(int(value), str(value)) if str(value or "").isdigit()
            else str(_("Unassigned")) for value in ids}


def _offices(ids: Iterable[Any]) -> dict[Any, str]:
    ids = list(ids)
    offices = dict(Office.objects.filter(pk__in=[i for i in ids if i]).values_list("pk", "name"))
    return {value: offices.get(value, str(_("No office"))) for value in ids}


def _pipelines(ids: Iterable[Any]) -> dict[Any, str]:
    ids = list(ids)
    return dict(Pipeline.objects.filter(pk__in=ids).values_list("pk", "name"))


def _lookup(kind: str, table: str, choices: Iterable[dict[str, Any]] = ()) -> Namer:
    def names(values: Iterable[Any]) -> dict[Any, str]:
        values = list(values)
        known = {str(choice.get("key")): str(choice.get("label")) for choice in choices}
        if table:
            known.update(LookupValue.objects.filter(
                record_type=kind, table=table, key__in=[v for v in values if v])
                .values_list("key", "label"))
        return {value: known.get(value, value) if value else str(_("(none)"))
                for value in values}

    return names


def _builtin(kind: str, key: str, name: str) -> Dimension:
    if name == "owner":
        return Dimension(key, _("Owner"), "owner_id", user_names)
    if name == "office":
        return Dimension(key, _("Office"), "office_id", _offices)
    if name == "pipeline":
        return Dimension(key, _("Pipeline"), "pipeline_id", _pipelines)
    if name == "close_reason":
        return Dimension(key, _("Lost reason"), "close_reason", _lookup(kind, "lost_reason"))
    return Dimension(key, _("Source"), "source", _lookup(kind, "source"))


def dimension(kind: str, key: str) -> Dimension | None:
    """The grouping `key` means for records of `kind`, or None when it means nothing.

    A custom choice or user attribute wins over an alias of the same name: the field_service
    workspace keeps its marketing source as an attribute, another keeps it in `source`."""
    attribute = CustomAttribute.objects.filter(
        record_type=kind, key=key, active=True,
        type__in=(CustomAttribute.Type.CHOICE, CustomAttribute.Type.USER)).first()
    if attribute is not None:
        expression = KeyTextTransform(attribute.key, "attributes")
        if attribute.type == CustomAttribute.Type.USER:
            return Dimension(key, attribute.label(get_language() or "en"), expression, user_names)
        return Dimension(key, attribute.label(get_language() or "en"), expression,
                         _lookup(kind, attribute.lookup, attribute.choices or ()))
    name = ALIASES.get(key, key)
    if name not in BUILTIN or (name in OPPORTUNITY_ONLY and kind != "opportunity"):
        return None
    return _builtin(kind, key, name)


def split_keys(group_by: str | None) -> list[str]:
    return [key.strip() for key in (group_by or "").split(",") if key.strip()]


def grouped(records: QuerySet[Any], dimensions: list[Dimension],
            aggregates: Mapping[str, Aggregate]) -> list[dict[str, Any]]:
    """One row per combination of the dimensions' values (one GROUP BY query, then one query
    per dimension for the names), sorted by those names. A row holds each dimension's name
    under its key, its raw value under `<key>_key`, and the aggregates."""
    columns = {f"group_{i}": (F(d.expression) if isinstance(d.expression, str) else d.expression)
               for i, d in enumerate(dimensions)}
    found = list(records.annotate(**columns).order_by().values(*columns)
                 .annotate(**aggregates))
    names = [d.names({row[f"group_{i}"] for row in found}) for i, d in enumerate(dimensions)]
    rows = []
    for row in found:
        out: dict[str, Any] = {}
        for i, d in enumerate(dimensions):
            value = row.pop(f"group_{i}")
            out[d.key] = names[i].get(value, value)
            out[f"{d.key}_key"] = value
        out.update(row)
        rows.append(out)
    rows.sort(key=lambda row: tuple(str(row[d.key]).lower() for d in dimensions))
    return rows

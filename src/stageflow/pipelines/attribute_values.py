"""Checking the values of custom attributes written to a record, field by field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from stageflow.core.validation import normalise_email, normalise_phone, normalise_url
from stageflow.pipelines.models import CustomAttribute, LookupValue

MAX_TEXT = 1000
MAX_LONG_TEXT = 10000
# Attributes the product works out itself, by (record type, key), such as an opportunity's
# `qualified` from its answers: refused when someone sends a value for them.
COMPUTED_ATTRIBUTES: set[tuple[str, str]] = set()


def register_computed_attribute(record_type: str, key: str) -> None:
    COMPUTED_ATTRIBUTES.add((record_type, key))


def _text(limit: int) -> Callable[[Any, CustomAttribute], Any]:
    def clean(value: Any, attribute: CustomAttribute) -> str:
        if not isinstance(value, str):
            raise ValueError(_("Enter text."))
        if len(value) > limit:
            raise ValueError(_("At most %(n)s characters.") % {"n": limit})
        return value.strip()

    return clean


def _number(value: Any, attribute: CustomAttribute) -> int | float:
    if isinstance(value, bool):
        raise ValueError(_("Enter a number."))
    if isinstance(value, int | float):
        return value
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as error:
        raise ValueError(_("Enter a number.")) from error
    if not number.is_finite():
        raise ValueError(_("Enter a number."))
    return int(number) if number == number.to_integral_value() else float(number)


def _money(value: Any, attribute: CustomAttribute) -> str:
    if isinstance(value, bool):
        raise ValueError(_("Enter an amount, such as 1250.00."))
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as error:
        raise ValueError(_("Enter an amount, such as 1250.00.")) from error
    if not amount.is_finite() or abs(amount) >= Decimal("1e13"):
        raise ValueError(_("Enter an amount, such as 1250.00."))
    # Money is stored as an exact decimal string, never a float.
    return str(amount.quantize(Decimal("0.01")))


def _date(value: Any, attribute: CustomAttribute) -> str:
    parsed = parse_date(str(value)) if isinstance(value, str) else None
    if parsed is None:
        raise ValueError(_("Enter a date as YYYY-MM-DD."))
    return parsed.isoformat()


def _datetime(value: Any, attribute: CustomAttribute) -> str:
    parsed = parse_datetime(str(value)) if isinstance(value, str) else None
    if parsed is None:
        raise ValueError(_("Enter a date and time as YYYY-MM-DDTHH:MM."))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.isoformat()


def _bool(value: Any, attribute: CustomAttribute) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError(_("Enter true or false."))


def _allowed_keys(attribute: CustomAttribute) -> set[str]:
    if attribute.lookup:
        return set(LookupValue.objects.filter(table=attribute.lookup, active=True).values_list(
            "key", flat=True))
    return {str(choice.get("key")) for choice in attribute.choices
            if choice.get("active", True)}


def _choice(value: Any, attribute: CustomAttribute) -> str:
    if str(value) not in _allowed_keys(attribute):
        raise ValueError(_("Not one of the choices."))
    return str(value)


def _multi_choice(value: Any, attribute: CustomAttribute) -> list[str]:
    if not isinstance(value, list):
        raise ValueError(_("Enter a list of choices."))
    allowed = _allowed_keys(attribute)
    unknown = [str(v) for v in value if str(v) not in allowed]
    if unknown:
        raise ValueError(_("Not among the choices: %(keys)s.") % {"keys": ", ".join(unknown)})
    return [str(v) for v in value]


def _reference(app_label: str, model: str, message: str) -> Callable[[Any, CustomAttribute], int]:
    def clean(value: Any, attribute: CustomAttribute) -> int:
        if isinstance(value, bool) or not str(value).isdigit():
            raise ValueError(message)
        manager = apps.get_model(app_label, model).objects
        if not manager.filter(pk=int(value)).exists():
            raise ValueError(message)
        return int(value)

    return clean


def _via(normalise: Callable[[str], str]) -> Callable[[Any, CustomAttribute], str]:
    def clean(value: Any, attribute: CustomAttribute) -> str:
        if not isinstance(value, str):
            raise ValueError(_("Enter text."))
        return normalise(value)

    return clean


CLEANERS: dict[str, Callable[[Any, CustomAttribute], Any]] = {
    "text": _text(MAX_TEXT),
    "long_text": _text(MAX_LONG_TEXT),
    "number": _number,
    "money": _money,
    "date": _date,
    "datetime": _datetime,
    "bool": _bool,
    "choice": _choice,
    "multi_choice": _multi_choice,
    "user": _reference("people", "User", _("Unknown user.")),
    "contact": _reference("accounts", "Contact", _("Unknown contact.")),
    "account": _reference("accounts", "Account", _("Unknown account.")),
    "email": _via(normalise_email),
    "phone": _via(normalise_phone),
    "url": _via(normalise_url),
}


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def clean_attribute_values(record_type: str, current: Mapping[str, Any],
                           changes: Mapping[str, Any], *, creating: bool,
                           errors: dict[str, str]) -> dict[str, Any]:
    """The record's attribute values after `changes`; problems go to `errors` as
    `attributes.<key>`. An empty value removes the attribute."""
    if not changes and not creating:
        return dict(current)
    definitions = {a.key: a for a in CustomAttribute.objects.filter(record_type=record_type,
                                                                    active=True)}
    result = dict(current)
    for key, value in changes.items():
        path = f"attributes.{key}"
        if (record_type, key) in COMPUTED_ATTRIBUTES:
            errors[path] = _("Worked out by Stageflow; it cannot be set by hand.")
            continue
        attribute = definitions.get(key)
        if attribute is None:
            errors[path] = _("Unknown attribute.")
            continue
        if _is_empty(value):
            result.pop(key, None)
            continue
        try:
            result[key] = CLEANERS[attribute.type](value, attribute)
        except ValueError as error:
            errors[path] = str(error)
    if creating:
        for key, attribute in definitions.items():
            if attribute.required_on_create and _is_empty(result.get(key)):
                errors[f"attributes.{key}"] = _("%(label)s is required.") % {
                    "label": attribute.label("en")}
    return result

"""Template helpers: laying out forms by field name, and showing stored values to people."""

from __future__ import annotations

import phonenumbers
from django import forms, template
from django.forms.boundfield import BoundField

register = template.Library()


@register.filter
def pick(form: forms.BaseForm, names: str) -> list[BoundField]:
    """The bound fields named in a comma-separated list, skipping names the form lacks."""
    return [form[name.strip()] for name in names.split(",") if name.strip() in form.fields]


@register.filter
def prefixed(form: forms.BaseForm, prefix: str) -> list[BoundField]:
    """The bound fields whose names start with `prefix`, in form order."""
    return [form[name] for name in form.fields if name.startswith(prefix)]


@register.filter
def phone(value: str) -> str:
    """An E.164 number in the international format people read, e.g. +1 217-555-0142."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)

"""Template helpers for laying out forms by field name."""

from __future__ import annotations

from django import forms, template
from django.forms.boundfield import BoundField

register = template.Library()


@register.filter
def pick(form: forms.BaseForm, names: str) -> list[BoundField]:
    """The bound fields named in a comma-separated list, skipping names the form lacks."""
    return [form[name.strip()] for name in names.split(",") if name.strip() in form.fields]

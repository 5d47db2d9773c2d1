"""The form of a refused move: an input for each value the transition still needs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from stageflow.sales.fields import EDITABLE
from stageflow.sales.models import Lead, Opportunity
from stageflow.web.forms import ATTRIBUTE_PREFIX, add_attribute_fields
from stageflow.web.records.forms import builtin_field

VALUES_PREFIX = "values"


def _builtin_field(kind: str, key: str) -> forms.Field:
    """An input for a built-in field a transition requires; the board dialog has no record
    picker, so an account or contact is asked for by number."""
    if key in ("account", "contact"):
        return forms.IntegerField(min_value=1, required=False, label=key.capitalize(),
                                  help_text=_("The number of the record."))
    return builtin_field(kind, key)


class MissingValuesForm(forms.Form):
    """Inputs for `keys` (attribute keys or built-in field names), in that order."""

    def __init__(self, data: Mapping[str, Any] | None = None, *, record: Lead | Opportunity,
                 keys: Sequence[str], language: str) -> None:
        super().__init__(data, prefix=VALUES_PREFIX)
        kind = "lead" if isinstance(record, Lead) else "opportunity"
        builtin = [key for key in keys if key in EDITABLE[kind]]
        wanted = {ATTRIBUTE_PREFIX + key for key in keys if key not in builtin}
        if wanted:
            add_attribute_fields(self, kind, record.attributes or {}, language)
            for name in [name for name in self.fields if name not in wanted]:
                del self.fields[name]
        for key in builtin:
            self.fields[key] = _builtin_field(kind, key)
            self.initial[key] = getattr(record, f"{key}_id", None) or getattr(record, key, None)
        order = [key if key in builtin else ATTRIBUTE_PREFIX + key for key in keys]
        for name in order:
            if name not in self.fields:
                # An attribute of the pipeline not (yet) defined for the record type.
                self.fields[name] = forms.CharField(required=False, max_length=1000,
                                                    label=name.removeprefix(ATTRIBUTE_PREFIX))
        self.order_fields(order)
        for field in self.fields.values():
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 3
            if not isinstance(field.widget, forms.CheckboxSelectMultiple | forms.NullBooleanSelect):
                # The browser asks first; the transition service still decides.
                field.widget.attrs["required"] = True

    def show_service_errors(self, reasons: Mapping[str, str]) -> None:
        """Put each reason of a refusal next to its input; others go above the inputs."""
        for key, reason in reasons.items():
            key = key.removeprefix("attributes.")
            name = key if key in self.fields else ATTRIBUTE_PREFIX + key
            self.add_error(name if name in self.fields else None, reason)


def missing_keys(asked: str) -> list[str]:
    """The comma-separated keys a dialog asked for, as the form posts them back."""
    return [key for key in (part.strip() for part in asked.split(",")) if key][:50]


"""The administrator's lead form and intake source forms; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from stageflow.intake import selectors
from stageflow.intake.models import IntakeSource, LeadForm
from stageflow.people.models import Office
from stageflow.people.selectors import assignable_users
from stageflow.pipelines.models import Pipeline

ASK, REQUIRED, LABEL, POSITION = "ask__", "required__", "label__", "position__"
SWITCHES = ("active", "is_default")


class _TargetFields(forms.Form):
    """Where new leads go and who gets them: what forms and sources share."""

    name = forms.CharField(label=_("Name"), max_length=100)
    pipeline = forms.ModelChoiceField(
        label=_("Lead pipeline"), required=False, to_field_name="key",
        queryset=Pipeline.objects.filter(record_type="lead", live_version__isnull=False),
        empty_label=_("The default lead pipeline"))
    source = forms.ChoiceField(label=_("Lead source"), required=False,
                               help_text=_("Set on every lead received here."))
    owner = forms.ModelChoiceField(label=_("Owner of new leads"), required=False,
                                   queryset=assignable_users(),
                                   help_text=_("Empty: nobody, unless a rule assigns one."))
    office = forms.ModelChoiceField(label=_("Office of new leads"), required=False,
                                    queryset=Office.objects.all())

    def __init__(self, data: Any = None, *, initial: dict[str, Any]) -> None:
        super().__init__(data, initial=initial)
        choices = selectors.source_choices()
        current = initial.get("source")
        if current and current not in dict(choices):
            choices.append((current, current))
        source = self.fields["source"]
        assert isinstance(source, forms.ChoiceField)
        source.choices = [("", "—"), *choices]

    def target_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"name": data["name"], "source": data["source"],
                "pipeline": data["pipeline"].key if data["pipeline"] else None,
                "owner": data["owner"].pk if data["owner"] else None,
                "office": data["office"].pk if data["office"] else None}


def _target_initial(target: LeadForm | IntakeSource | None) -> dict[str, Any]:
    if target is None:
        return {}
    return {"name": target.name, "source": target.source, "owner": target.owner,
            "office": target.office,
            "pipeline": target.pipeline.key if target.pipeline else None}


class LeadFormForm(_TargetFields):
    slug = forms.CharField(label=_("Address name"), max_length=60, required=False,
                           help_text=_("The form's address is /f/<address name>/. Made from "
                                       "the name when empty."))
    consent_text = forms.CharField(
        label=_("Consent checkbox text"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Such as “I agree that you contact me about my enquiry.” When filled, the "
                    "box must be ticked to send the form."))
    confirmation_message = forms.CharField(
        label=_("Confirmation message"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown after sending. Empty: “Thank you, we will be in touch.”"))
    redirect_url = forms.CharField(label=_("Or send visitors to this page"), required=False,
                                   max_length=200,
                                   help_text=_("A page on your website, such as "
                                               "https://example.com/thanks."))
    is_default = forms.BooleanField(
        label=_("Default public form"), required=False,
        help_text=_("Used by POST /api/v1/public/leads when no form is named."))
    active = forms.BooleanField(label=_("Open (accepts submissions)"), required=False,
                                initial=True)

    def __init__(self, data: Any = None, *, lead_form: LeadForm | None = None) -> None:
        initial = _target_initial(lead_form)
        if lead_form is not None:
            initial.update({name: getattr(lead_form, name) for name in (
                "slug", "consent_text", "confirmation_message", "redirect_url", "is_default",
                "active")})
        super().__init__(data, initial=initial)
        self.catalogue = selectors.available_fields()
        asked = {entry["key"]: (position, entry) for position, entry in
                 enumerate(lead_form.fields if lead_form else [], start=1)}
        if lead_form is None:
            asked = {key: (position, {"key": key, "label": "", "required": key == "email"})
                     for position, key in enumerate(("contact_name", "email", "phone",
                                                     "message"), start=1)}
        for index, item in enumerate(self.catalogue, start=1):
            position, entry = asked.get(item.key, (len(asked) + index, {}))
            self.fields[ASK + item.key] = forms.BooleanField(
                label=item.label, required=False, initial=item.key in asked)
            self.fields[REQUIRED + item.key] = forms.BooleanField(
                label=_("Required"), required=False, initial=bool(entry.get("required")))
            self.fields[LABEL + item.key] = forms.CharField(
                label=_("Label"), required=False, max_length=100,
                initial=entry.get("label", ""), widget=forms.TextInput(
                    attrs={"placeholder": item.label,
                           "aria-label": _("Label of %(name)s") % {"name": item.label}}))
            self.fields[POSITION + item.key] = forms.IntegerField(
                label=_("Order"), required=False, min_value=0, initial=position,
                widget=forms.NumberInput(attrs={
                    "class": "position-input",
                    "aria-label": _("Order of %(name)s") % {"name": item.label}}))

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields
                if not name.startswith((ASK, REQUIRED, LABEL, POSITION))
                and name not in SWITCHES]

    def switches(self) -> list[forms.BoundField]:
        return [self[name] for name in SWITCHES]

    def field_rows(self) -> list[dict[str, Any]]:
        """One row per field the form can ask, in the order currently chosen."""
        rows = [{"item": item, "ask": self[ASK + item.key],
                 "required": self[REQUIRED + item.key], "label": self[LABEL + item.key],
                 "position": self[POSITION + item.key]} for item in self.catalogue]
        return sorted(rows, key=lambda row: (not row["ask"].value(),
                                             int(row["position"].value() or 0)))

    def values(self) -> dict[str, Any]:
        """The cleaned form as the lead form service takes it."""
        data = self.cleaned_data
        order = sorted((data[POSITION + item.key] or 0, index, item.key)
                       for index, item in enumerate(self.catalogue) if data[ASK + item.key])
        return {**self.target_values(),
                **{name: data[name] for name in ("slug", "consent_text",
                                                 "confirmation_message", "redirect_url",
                                                 "is_default", "active")},
                "fields": [{"key": key, "label": data[LABEL + key].strip(),
                            "required": bool(data[REQUIRED + key])}
                           for _position, _index, key in order]}


class IntakeSourceForm(_TargetFields):
    def __init__(self, data: Any = None, *, source: IntakeSource | None = None) -> None:
        super().__init__(data, initial=_target_initial(source))

    def values(self) -> dict[str, Any]:
        return self.target_values()

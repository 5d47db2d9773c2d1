"""Forms for templates, company details, the outbox filters and composing a message.

They render and parse; the communications services decide what is valid.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db import models
from django.forms.models import fields_for_model, model_to_dict
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from stageflow.activities.models import Activity
from stageflow.communications.models import MessageTemplate, OutboxMessage, TemplateRecordType
from stageflow.core.models import WorkspaceSettings
from stageflow.people.models import User

RECORD_TYPE_CHOICES = [("", _("Any record type")), *TemplateRecordType.choices]
PREVIEW_TYPES = [(value, label) for value, label in TemplateRecordType.choices]


def name_field(language: str) -> str:
    return f"name_{language}"


class TemplateForm(forms.Form):
    key = forms.SlugField(label=_("Key"), max_length=60,
                          help_text=_("Letters, digits and dashes; rules and pipelines refer to "
                                      "the template by it. It cannot change later."))
    kind = forms.ChoiceField(label=_("Kind"), choices=MessageTemplate.Kind.choices)
    record_type = forms.ChoiceField(label=_("Offered on"), choices=RECORD_TYPE_CHOICES,
                                    required=False)
    subject = forms.CharField(label=_("Subject"), max_length=500, required=False,
                              help_text=_("Emails only."))
    body = forms.CharField(label=_("Text"), max_length=100_000, required=False,
                           widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "true"}))
    visible_at_stages = forms.MultipleChoiceField(
        label=_("Offered at stages"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: offered at every stage."))
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, template: MessageTemplate | None = None,
                 stages: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.template = template
        names: dict[str, forms.Field] = {}
        for code, language in settings.LANGUAGES:
            names[name_field(code)] = forms.CharField(
                label=_("Name (%(language)s)") % {"language": language}, max_length=200,
                required=code == "en")
        # The names come right after the key, before the text.
        self.fields = {"key": self.fields["key"], **names,
                       **{k: v for k, v in self.fields.items() if k != "key"}}
        known = {key for key, _label in stages}
        current = list(template.visible_at_stages) if template else []
        # A stage a pipeline dropped stays visible (and can be unticked) instead of vanishing.
        stage_field = self.fields["visible_at_stages"]
        assert isinstance(stage_field, forms.ChoiceField)
        stage_field.choices = [*stages, *((key, key) for key in current if key not in known)]
        if template is not None:
            self.fields["key"].disabled = True
            self.initial.update({
                "key": template.key, "kind": template.kind,
                "record_type": template.record_type, "subject": template.subject,
                "body": template.body, "visible_at_stages": current,
                "active": template.active, "version": template.version,
                **{name_field(code): text for code, text in template.names.items()}})

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        values = {name: data[name] for name in ("kind", "record_type", "subject", "body",
                                                "visible_at_stages", "active")}
        values["names"] = {code: data.get(name_field(code)) or ""
                           for code, _language in settings.LANGUAGES}
        if self.template is None:
            values["key"] = data["key"]
        return values


class PreviewForm(forms.Form):
    """The record a template is tried out on. It shares the template's <form>, so its fields
    are optional to the browser: saving must not ask for a record number."""

    preview_record_type = forms.ChoiceField(label=_("Record type"), choices=PREVIEW_TYPES,
                                            initial="opportunity")
    preview_record_id = forms.IntegerField(label=_("Record number"), min_value=1,
                                           required=False,
                                           help_text=_("The number in the record's address, "
                                                       "such as 12 in /opportunities/12/."))


COMPANY_FIELDS = ("company_name", "company_email", "company_phone", "company_address",
                  "company_website", "office_email", "terms", "default_language",
                  "default_currency", "days_out", "select_new_estimate",
                  "sub_account_name_template", "registration_number")
ACTIVITY_DEFAULT_INPUTS = (("subject", "subject"), ("duration", "duration_minutes"),
                           ("remind", "remind_minutes_before"))


class CompanyForm(forms.Form):
    """The workspace settings row as a form; the service checks addresses and numbers (a
    ModelForm would refuse "acme.example" before the service could complete it)."""

    def __init__(self, data: Any = None, *, instance: WorkspaceSettings,
                 user: User) -> None:
        initial = model_to_dict(instance, fields=COMPANY_FIELDS)
        for kind, _label in Activity.Kind.choices:
            defaults = instance.activity_defaults.get(kind, {})
            for suffix, key in ACTIVITY_DEFAULT_INPUTS:
                initial[f"activity_{kind}_{suffix}"] = defaults.get(key)
        super().__init__(data, initial=initial)
        as_text = {"company_email": "email", "office_email": "email", "company_website": "text"}
        fields = fields_for_model(
            WorkspaceSettings, fields=[f for f in COMPANY_FIELDS if f not in as_text],
            widgets={"company_address": forms.Textarea(attrs={"rows": 3}),
                     "terms": forms.Textarea(attrs={"rows": 6}),
                     "company_phone": forms.TextInput(attrs={"type": "tel"})})
        for name, input_type in as_text.items():
            model_field = WorkspaceSettings._meta.get_field(name)
            assert isinstance(model_field, models.Field)
            fields[name] = forms.CharField(
                label=capfirst(str(model_field.verbose_name)), required=False,
                help_text=model_field.help_text,
                widget=forms.TextInput(attrs={"type": input_type}))
        fields["default_language"] = forms.ChoiceField(label=_("Default language"),
                                                       choices=settings.LANGUAGES)
        self.fields.update({name: fields[name] for name in COMPANY_FIELDS})
        for kind, label in Activity.Kind.choices:
            self.fields[f"activity_{kind}_subject"] = forms.CharField(
                label=_("%(kind)s: subject") % {"kind": label}, required=False,
                max_length=200)
            self.fields[f"activity_{kind}_duration"] = forms.IntegerField(
                label=_("%(kind)s: duration (minutes)") % {"kind": label}, required=False,
                min_value=0, max_value=24 * 60)
            self.fields[f"activity_{kind}_remind"] = forms.IntegerField(
                label=_("%(kind)s: remind (minutes before)") % {"kind": label},
                required=False, min_value=0, max_value=7 * 24 * 60)
        # What the system owner locked is shown, not editable (the service refuses it anyway).
        if not user.is_superuser:
            for name in instance.locked_settings:
                for field_name in self._inputs_of(name):
                    self.fields[field_name].disabled = True
                    self.fields[field_name].help_text = _("Locked by the system owner.")

    def _inputs_of(self, setting: str) -> list[str]:
        if setting == "activity_defaults":
            return [name for name in self.fields if name.startswith("activity_")]
        return [setting] if setting in self.fields else []

    def company_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in COMPANY_FIELDS]

    def activity_rows(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(str(label), [self[f"activity_{kind}_{suffix}"]
                              for suffix, _key in ACTIVITY_DEFAULT_INPUTS])
                for kind, label in Activity.Kind.choices]

    def settings_values(self) -> dict[str, Any]:
        """What the service saves: the plain settings and the activity defaults per kind."""
        values = {name: self.cleaned_data[name] for name in COMPANY_FIELDS}
        values["activity_defaults"] = {
            kind: {key: self.cleaned_data[f"activity_{kind}_{suffix}"]
                   for suffix, key in ACTIVITY_DEFAULT_INPUTS}
            for kind, _label in Activity.Kind.choices}
        return values


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *OutboxMessage.Status.choices])
    channel = forms.ChoiceField(label=_("Channel"), required=False,
                                choices=[("", _("Any channel")),
                                         *OutboxMessage.Channel.choices])


class ComposeForm(forms.Form):
    # Chosen with the tabs above the form, which also decide the addresses offered.
    channel = forms.ChoiceField(widget=forms.HiddenInput, choices=[
        (OutboxMessage.Channel.EMAIL.value, _("Email")),
        (OutboxMessage.Channel.SMS.value, _("Text message"))])
    to = forms.ChoiceField(label=_("To"))
    other = forms.CharField(label=_("Other address or number"), required=False,
                            max_length=500,
                            help_text=_("Used when “Someone else” is chosen above."))
    subject = forms.CharField(label=_("Subject"), max_length=500, required=False)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 10}))
    template = forms.CharField(required=False, widget=forms.HiddenInput)
    token = forms.CharField(widget=forms.HiddenInput)

    OTHER = "other"

    def __init__(self, *args: Any, recipients: list[tuple[str, str]], channel: str,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        to_field = self.fields["to"]
        assert isinstance(to_field, forms.ChoiceField)
        to_field.choices = [*recipients, (self.OTHER, _("Someone else"))]
        if channel == OutboxMessage.Channel.SMS:
            del self.fields["subject"]

    def recipient(self) -> str:
        chosen = self.cleaned_data["to"]
        return self.cleaned_data["other"] if chosen == self.OTHER else chosen

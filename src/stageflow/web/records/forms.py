"""Forms of the lead and opportunity screens. They render and parse; the sales services decide
what is valid, and `show_service_errors` puts their reasons next to the fields."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from django import forms
from django.utils.translation import gettext_lazy as _

from stageflow import engine
from stageflow.people.models import Office
from stageflow.people.selectors import assignable_users
from stageflow.pipelines.models import Pipeline
from stageflow.pipelines.selectors import attributes_of, lookup_values
from stageflow.sales.fields import EDITABLE, LOOKUP_FIELDS
from stageflow.sales.models import Lead, Opportunity
from stageflow.web.forms import (
    ATTRIBUTE_PREFIX,
    add_attribute_fields,
    form_values,
)
from stageflow.web.views import page_language

# Fields a page handles itself (pickers, workflow choices) rather than passing to a service.
NOT_VALUES: Final = ("pipeline", "entry", "into", "account_search", "contact_search")
# Fields the services refuse to set to nothing; an empty input leaves them as they are.
NEVER_EMPTY: Final = ("value", "currency")
DATE_INPUT: Final = {"type": "date"}


def _lookup_field(kind: str, table: str, label: Any) -> forms.Field:
    values = [(v.key, v.label) for v in lookup_values(kind, table).filter(active=True)
              .order_by("position", "label")]
    if values:
        return forms.ChoiceField(choices=[("", "—"), *values], required=False, label=label)
    return forms.CharField(max_length=60, required=False, label=label)


def builtin_field(kind: str, name: str) -> forms.Field:
    """A form field for one built-in field of a lead or opportunity."""
    model = Lead if kind == "lead" else Opportunity
    label = str(getattr(model._meta.get_field(name), "verbose_name", name)).capitalize()
    if name in LOOKUP_FIELDS:
        return _lookup_field(kind, LOOKUP_FIELDS[name], label)
    if name == "title":
        return forms.CharField(max_length=200, required=False, label=label)
    if name in ("description", "proposed_solution"):
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                               max_length=10000, label=label)
    if name == "owner":
        return forms.ModelChoiceField(queryset=assignable_users(),
                                      required=False, label=label)
    if name == "office":
        return forms.ModelChoiceField(queryset=Office.objects.all(), required=False,
                                      label=label)
    if name in ("account", "contact"):
        return forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    if name == "value":
        return forms.DecimalField(max_digits=14, decimal_places=2, required=False, label=label,
                                  widget=forms.NumberInput(attrs={"step": "0.01"}))
    if name == "currency":
        return forms.CharField(max_length=3, required=False, label=label)
    if name in ("expected_close_date", "close_date"):
        return forms.DateField(required=False, label=label,
                               widget=forms.DateInput(attrs=DATE_INPUT))
    if name == "probability":
        return forms.IntegerField(required=False, min_value=0, max_value=100, label=label)
    return forms.CharField(required=False, label=label)


def keep_attribute_fields(form: forms.BaseForm, keys: Iterable[str]) -> None:
    """Drop the custom attribute fields whose key is not in `keys`."""
    wanted = {ATTRIBUTE_PREFIX + key for key in keys}
    for name in [n for n in form.fields if n.startswith(ATTRIBUTE_PREFIX)]:
        if name not in wanted:
            del form.fields[name]


def service_values(form: forms.BaseForm, *, keep_empty: bool = True) -> dict[str, Any]:
    """The cleaned values as the sales services take them, without the page's own fields."""
    values = form_values(form)
    for name in NOT_VALUES:
        values.pop(name, None)
    for name in NEVER_EMPTY:
        if values.get(name) in (None, ""):
            values.pop(name, None)
    if not keep_empty:
        values = {k: v for k, v in values.items() if v not in (None, "")}
    return values




def live_pipelines(kind: str) -> list[Pipeline]:
    return list(Pipeline.objects.filter(record_type=kind, live_version__isnull=False)
                .select_related("live_version").order_by("-is_default", "name"))


class QuickCreateForm(forms.Form):
    """The bare minimum to take an enquiry: the record type's required-when-created attributes
    plus title, account, contact, owner, source and where it starts."""

    def __init__(self, *args: Any, kind: str, pipelines: list[Pipeline],
                 definitions: Mapping[str, engine.PipelineDefinition], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["title"] = builtin_field(kind, "title")
        self.fields["title"].help_text = _("Leave empty to use the account or contact name.")
        self.fields["account"] = builtin_field(kind, "account")
        self.fields["contact"] = builtin_field(kind, "contact")
        self.fields["owner"] = builtin_field(kind, "owner")
        self.fields["source"] = builtin_field(kind, "source")
        if kind == "opportunity":
            self.fields["value"] = builtin_field(kind, "value")
            self.fields["expected_close_date"] = builtin_field(kind, "expected_close_date")
        if len(pipelines) > 1:
            self.fields["pipeline"] = forms.ChoiceField(
                label=_("Pipeline"), choices=[(p.key, p.name) for p in pipelines])
        entries = [(p, e) for p in pipelines for e in definitions[p.key].entries]
        if entries:
            choices: list[tuple[str, Any]] = [("", _("Automatic (from the account)"))]
            if len(pipelines) > 1:
                choices += [(e.key, f"{p.name}: {e.name}") for p, e in entries]
            else:
                choices += [(e.key, e.name) for _p, e in entries]
            self.fields["entry"] = forms.ChoiceField(label=_("Starts at"), choices=choices,
                                                     required=False)
        add_attribute_fields(self, kind, {}, page_language())
        required = [a.key for a in attributes_of(kind).filter(active=True,
                                                               required_on_create=True)]
        keep_attribute_fields(self, required)
        for key in required:
            field = self.fields[ATTRIBUTE_PREFIX + key]
            field.required = not isinstance(field, forms.NullBooleanField)


class RecordEditForm(forms.Form):
    """Every editable field of a record and its custom attributes."""

    def __init__(self, *args: Any, record: Lead | Opportunity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = "lead" if isinstance(record, Lead) else "opportunity"
        for name in EDITABLE[kind]:
            self.fields[name] = builtin_field(kind, name)
            value = getattr(record, f"{name}_id", None) if name in (
                "owner", "office", "account", "contact") else getattr(record, name)
            self.initial.setdefault(name, value)
        self.fields["title"].required = True
        add_attribute_fields(self, kind, record.attributes or {}, page_language())


class TransitionForm(forms.Form):
    """Exactly the fields a transition requires, filled with what the record holds."""

    def __init__(self, *args: Any, record: Lead | Opportunity, keys: Iterable[str],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = "lead" if isinstance(record, Lead) else "opportunity"
        keys = list(keys)
        for name in keys:
            if name in EDITABLE[kind]:
                self.fields[name] = builtin_field(kind, name)
                value = getattr(record, f"{name}_id", None) if name in (
                    "owner", "office") else getattr(record, name)
                self.initial.setdefault(name, value)
        add_attribute_fields(self, kind, record.attributes or {}, page_language())
        keep_attribute_fields(self, keys)
        # Keep the order the workflow lists the required values in.
        order = [k if k in EDITABLE[kind] else ATTRIBUTE_PREFIX + k for k in keys]
        self.order_fields([name for name in order if name in self.fields])


class ConvertForm(TransitionForm):
    into = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, pipelines: list[Pipeline], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if len(pipelines) > 1:
            self.fields["pipeline"] = forms.ChoiceField(
                label=_("Opportunity pipeline"), required=False,
                choices=[(p.key, p.name) for p in pipelines])


class FollowOnForm(forms.Form):
    follow_on = forms.ChoiceField(label=_("Kind of follow-on"))
    name = forms.CharField(label=_("Name"), max_length=200, required=False)

    def __init__(self, *args: Any, definition: engine.PipelineDefinition,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        follow_on = self.fields["follow_on"]
        assert isinstance(follow_on, forms.ChoiceField)
        follow_on.choices = [(f.key, f.name) for f in definition.follow_ons]


class ContactLinkForm(forms.Form):
    contact = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    role = forms.CharField(label=_("Role"), max_length=60, required=False)


class RoleForm(forms.Form):
    role = forms.CharField(label=_("Role"), max_length=60, required=False)


class TeamMemberForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Colleague"), queryset=assignable_users(),
                                  empty_label=_("Choose a colleague"))
    role = forms.CharField(label=_("Role"), max_length=60, required=False,
                           help_text=_("Such as Producer, CSR or Underwriter."))


class CompetitorForm(forms.Form):
    name = forms.CharField(label=_("Competitor"), max_length=200)
    notes = forms.CharField(label=_("Notes"), max_length=5000, required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))


# The creation wizard -------------------------------------------------------------------------

class AccountStepForm(forms.Form):
    mode = forms.ChoiceField(label=_("Account"), widget=forms.RadioSelect)
    account = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name of the new account"), max_length=200, required=False)

    def __init__(self, *args: Any, kind: str, came_from: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = []
        if came_from is not None:
            choices.append(("current", _("%(name)s (the page you came from)")
                            % {"name": came_from.name}))
        choices += [("existing", _("Find an existing account")),
                    ("new", _("Create a new account"))]
        if kind == "lead":
            choices.append(("none", _("None: the lead has no account yet")))
        mode = self.fields["mode"]
        assert isinstance(mode, forms.ChoiceField)
        mode.choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        mode = data.get("mode")
        if mode == "existing" and not data.get("account"):
            self.add_error("account", _("Choose an account from the search results."))
        if mode == "new" and not (data.get("name") or "").strip():
            self.add_error("name", _("Give the new account a name."))
        return data


class ContactStepForm(forms.Form):
    mode = forms.ChoiceField(label=_("Contact"), widget=forms.RadioSelect, choices=[
        ("existing", _("Find an existing contact")), ("new", _("Create a new contact")),
        ("none", _("None"))])
    contact = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False,
                            widget=forms.TextInput(attrs={"type": "tel"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        mode = data.get("mode")
        if mode == "existing" and not data.get("contact"):
            self.add_error("contact", _("Choose a contact from the search results."))
        if mode == "new" and not (data.get("last_name") or "").strip():
            self.add_error("last_name", _("Give the new contact a last name."))
        return data


class RecordStepForm(forms.Form):
    start = forms.ChoiceField(label=_("Start from"), widget=forms.RadioSelect)
    copy_of = forms.ChoiceField(label=_("Record to copy"), required=False,
                                widget=forms.RadioSelect)

    def __init__(self, *args: Any, kind: str, copyable: list[Lead | Opportunity],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        start = self.fields["start"]
        assert isinstance(start, forms.ChoiceField)
        start.choices = [("empty", _("An empty %(kind)s") % {"kind": _(kind)})]
        if copyable:
            start.choices += [("copy", _("A copy of an existing %(kind)s of this contact")
                               % {"kind": _(kind)})]
        copy_of = self.fields["copy_of"]
        assert isinstance(copy_of, forms.ChoiceField)
        copy_of.choices = [(str(r.pk), r.title) for r in copyable]
        self.fields["title"] = builtin_field(kind, "title")
        self.fields["title"].help_text = _("Leave empty to use the account or contact name "
                                           "(or the copied title).")
        self.fields["owner"] = builtin_field(kind, "owner")
        self.fields["source"] = builtin_field(kind, "source")
        add_attribute_fields(self, kind, {}, page_language())
        keep_attribute_fields(self, attributes_of(kind).filter(
            active=True, required_on_create=True).values_list("key", flat=True))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") == "copy" and not data.get("copy_of"):
            self.add_error("copy_of", _("Choose the record to copy."))
        return data



"""Forms for the web UI. They render and parse; the services decide what is valid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from stageflow.accounts.models import Account, Contact
from stageflow.accounts.services import ADDRESS_FIELDS
from stageflow.core.errors import StageflowError
from stageflow.people.models import Office
from stageflow.people.selectors import assignable_users
from stageflow.people.signin import is_locked_out
from stageflow.pipelines.models import CustomAttribute, LookupValue
from stageflow.pipelines.selectors import attributes_of

ATTRIBUTE_PREFIX = "attr_"


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _("Too many failed sign-ins. This user name is locked for a while; "
                    "try again later or reset your password."),
    }

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except PermissionDenied:
            raise forms.ValidationError(self.error_messages["locked"], code="locked") from None
        except forms.ValidationError:
            username = self.cleaned_data.get("username") or ""
            if username and is_locked_out(username):
                raise forms.ValidationError(self.error_messages["locked"], code="locked") from None
            raise


def _people_fields(form: forms.BaseForm) -> None:
    form.fields["owner"] = forms.ModelChoiceField(
        queryset=assignable_users(), label=_("Owner"))
    form.fields["office"] = forms.ModelChoiceField(
        queryset=Office.objects.all(), required=False, label=_("Office"))


def _attribute_field(attribute: CustomAttribute, language: str) -> forms.Field:
    options: dict[str, Any] = {"required": False, "label": attribute.label(language),
                               "help_text": attribute.help.get(language) or
                               attribute.help.get("en", "")}
    kind = attribute.type
    if kind in ("choice", "multi_choice"):
        if attribute.lookup:
            values = LookupValue.objects.filter(table=attribute.lookup, active=True)
            choices = [(value.key, value.label) for value in values]
        else:
            choices = [(str(c.get("key")), str(c.get("label"))) for c in attribute.choices
                       if c.get("active", True)]
        if kind == "choice":
            return forms.ChoiceField(choices=[("", "—"), *choices], **options)
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple,
                                         **options)
    if kind == "user":
        return forms.ModelChoiceField(queryset=assignable_users(), **options)
    if kind == "bool":
        return forms.NullBooleanField(widget=forms.NullBooleanSelect, **options)
    if kind == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **options)
    if kind == "datetime":
        return forms.DateTimeField(
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), **options)
    if kind in ("number", "money"):
        return forms.DecimalField(widget=forms.NumberInput(attrs={"step": "any"}), **options)
    if kind == "long_text":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **options)
    if kind in ("account", "contact"):
        return forms.IntegerField(min_value=1, **options)
    input_type = {"email": "email", "phone": "tel", "url": "url"}.get(kind, "text")
    return forms.CharField(widget=forms.TextInput(attrs={"type": input_type}), **options)


def add_attribute_fields(form: forms.BaseForm, record_type: str, current: dict[str, Any],
                         language: str) -> None:
    """Add a form field per active custom attribute of the record type, filled from `current`."""
    for attribute in attributes_of(record_type).filter(active=True):
        name = ATTRIBUTE_PREFIX + attribute.key
        form.fields[name] = _attribute_field(attribute, language)
        if attribute.key in current:
            form.initial.setdefault(name, current[attribute.key])


def attribute_field_names(form: forms.BaseForm) -> list[str]:
    return [name for name in form.fields if name.startswith(ATTRIBUTE_PREFIX)]


def _json_value(value: Any) -> Any:
    if hasattr(value, "pk"):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value.__class__.__name__ == "Decimal":
        return str(value)
    return value


def form_values(form: forms.BaseForm) -> dict[str, Any]:
    """The form's cleaned values as a service expects them: related records by id, custom
    attributes gathered under "attributes"."""
    values: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    for name, value in form.cleaned_data.items():
        if name in ("confirm_duplicate", "parent_search"):
            continue
        if name.startswith(ATTRIBUTE_PREFIX):
            attributes[name.removeprefix(ATTRIBUTE_PREFIX)] = _json_value(value)
            continue
        values[name] = value.pk if hasattr(value, "pk") else value
    if attributes:
        values["attributes"] = attributes
    return values


def show_service_errors(form: forms.BaseForm, error: StageflowError) -> None:
    """Put each reason next to its field; what no field shows goes above the form."""
    def field_name(name: str) -> str:
        # Services name custom attributes `attributes.<key>`, transitions by bare key.
        key = name.removeprefix("attributes.")
        attribute = ATTRIBUTE_PREFIX + key
        if name != key or (name not in form.fields and attribute in form.fields):
            return attribute
        return name

    named = {field_name(name): reason for name, reason in error.fields.items()}
    on_fields = {name: reason for name, reason in named.items() if name in form.fields}
    for name, reason in on_fields.items():
        form.add_error(name, reason)
    if len(on_fields) < len(named) or not named:
        form.add_error(None, error.message)


class AccountForm(forms.ModelForm):
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    website = forms.URLField(required=False, assume_scheme="https", label=_("Website"),
                             max_length=200)
    confirm_duplicate = forms.BooleanField(
        required=False, label=_("This is not a duplicate: create it anyway"))

    class Meta:
        model = Account
        fields = ("name", "customer_status", "email", "phone", "phone_alt", "website",
                  *ADDRESS_FIELDS, "notes")
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _people_fields(self)
        if self.instance.pk:
            self.initial.setdefault("owner", self.instance.owner_id)
            self.initial.setdefault("office", self.instance.office_id)
            self.initial.setdefault("parent", self.instance.parent_id)
            del self.fields["confirm_duplicate"]
        for name in ("phone", "phone_alt"):
            self.fields[name].widget.attrs.update({"type": "tel", "autocomplete": "tel"})
        add_attribute_fields(self, "account", self.instance.attributes or {},
                             get_language() or "en")
        self.fields["email"].widget.attrs["autocomplete"] = "email"

    def _post_clean(self) -> None:
        # The service validates the whole record; the model form only parses the input.
        pass


class ContactForm(forms.ModelForm):
    confirm_duplicate = forms.BooleanField(
        required=False, label=_("This is not a duplicate: create it anyway"))

    class Meta:
        model = Contact
        fields = ("title", "first_name", "last_name", "email", "email_alt", "phone", "mobile",
                  "notes")
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _people_fields(self)
        if self.instance.pk:
            self.initial.setdefault("owner", self.instance.owner_id)
            self.initial.setdefault("office", self.instance.office_id)
            del self.fields["confirm_duplicate"]
        for name in ("phone", "mobile"):
            self.fields[name].widget.attrs.update({"type": "tel"})
        add_attribute_fields(self, "contact", self.instance.attributes or {},
                             get_language() or "en")

    def _post_clean(self) -> None:
        pass


class AccountLinkForm(forms.Form):
    account = forms.IntegerField(widget=forms.HiddenInput)
    job_title = forms.CharField(required=False, max_length=100, label=_("Job title"))


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, label=_("Token name"),
                           help_text=_("Say what will use it, such as “Accounting export”."))

"""Forms for the web UI. They render and parse; the services decide what is valid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from stageflow.accounts.models import Account, Contact
from stageflow.accounts.services import ADDRESS_FIELDS
from stageflow.core.errors import StageflowError
from stageflow.people.models import Office, User
from stageflow.people.signin import is_locked_out


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
        queryset=User.objects.filter(is_active=True), label=_("Owner"))
    form.fields["office"] = forms.ModelChoiceField(
        queryset=Office.objects.all(), required=False, label=_("Office"))


def form_values(form: forms.BaseForm) -> dict[str, Any]:
    """The form's cleaned values as a service expects them: related records by id."""
    values: dict[str, Any] = {}
    for name, value in form.cleaned_data.items():
        if name in ("confirm_duplicate", "parent_search"):
            continue
        values[name] = value.pk if hasattr(value, "pk") else value
    return values


def show_service_errors(form: forms.BaseForm, error: StageflowError) -> None:
    """Put each reason next to its field; what no field shows goes above the form."""
    on_fields = {name: reason for name, reason in error.fields.items() if name in form.fields}
    for name, reason in on_fields.items():
        form.add_error(name, reason)
    if len(on_fields) < len(error.fields) or not error.fields:
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

    def _post_clean(self) -> None:
        pass


class AccountLinkForm(forms.Form):
    account = forms.IntegerField(widget=forms.HiddenInput)
    job_title = forms.CharField(required=False, max_length=100, label=_("Job title"))


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, label=_("Token name"),
                           help_text=_("Say what will use it, such as “Accounting export”."))

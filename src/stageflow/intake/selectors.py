"""Reads of lead forms and intake sources: the fields a form can ask, the forms the public
sees, and the administrator's lists."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stageflow.accounts.models import Account
from stageflow.core.errors import NotFound
from stageflow.intake.models import IntakeSource, LeadForm, Submission
from stageflow.people.models import User
from stageflow.people.services import ensure_manages_workspace
from stageflow.pipelines.models import CustomAttribute, LookupValue
from stageflow.pipelines.selectors import attributes_of, lookup_values

# The built-in things a form may ask, by the key a form and the API use, with what each
# becomes: the account's name (and the lead's title), the contact, the lead's description.
BUILTIN_FIELDS: dict[str, tuple[object, str]] = {
    "name": (gettext_lazy("Company name"), "text"),
    "contact_name": (gettext_lazy("Your name"), "text"),
    "email": (gettext_lazy("Email"), "email"),
    "phone": (gettext_lazy("Phone"), "phone"),
    "message": (gettext_lazy("Message"), "long_text"),
}
# Custom attribute types a stranger may fill in: never references to users, accounts or
# contacts, which would let the public probe or point at records.
PUBLIC_ATTRIBUTE_TYPES = ("text", "long_text", "number", "money", "date", "datetime", "bool",
                          "choice", "multi_choice", "email", "phone", "url")
# How long a token looks: secrets.token_urlsafe(32) gives 43 characters.
TOKEN_LENGTHS = range(40, 100)


@dataclass(frozen=True, slots=True)
class FormField:
    """One field of a public form as it is drawn and checked."""

    key: str
    label: str
    kind: str
    required: bool = False
    help: str = ""
    choices: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    is_attribute: bool = False


def _public_attributes() -> dict[str, CustomAttribute]:
    return {attribute.key: attribute for attribute in attributes_of("lead").filter(
        active=True, type__in=PUBLIC_ATTRIBUTE_TYPES)}


def _choices(attribute: CustomAttribute,
             lookups: dict[str, list[LookupValue]]) -> tuple[tuple[str, str], ...]:
    if attribute.lookup:
        return tuple((value.key, value.label) for value in lookups.get(attribute.lookup, []))
    return tuple((str(choice.get("key")), str(choice.get("label") or choice.get("key")))
                 for choice in attribute.choices if choice.get("active", True))


def available_fields(language: str = "en") -> list[FormField]:
    """Everything a form may ask: the built-in fields, then each public lead attribute."""
    attributes = _public_attributes()
    tables = {attribute.lookup for attribute in attributes.values() if attribute.lookup}
    lookups: dict[str, list[LookupValue]] = {}
    if tables:
        for value in LookupValue.objects.filter(table__in=tables, active=True):
            lookups.setdefault(value.table, []).append(value)
    fields = [FormField(key=key, label=str(label), kind=kind)
              for key, (label, kind) in BUILTIN_FIELDS.items()]
    fields += [FormField(key=key, label=attribute.label(language), kind=attribute.type,
                         help=str(attribute.help.get(language) or attribute.help.get("en", "")),
                         choices=_choices(attribute, lookups), is_attribute=True)
               for key, attribute in attributes.items()]
    return fields


def form_fields(form: LeadForm, language: str = "en") -> list[FormField]:
    """The fields `form` asks, in its order, with its labels and required flags; a field
    whose attribute was since removed or deactivated is left out."""
    known = {item.key: item for item in available_fields(language)}
    fields = []
    for entry in form.fields:
        item = known.get(str(entry.get("key")))
        if item is None:
            continue
        fields.append(FormField(key=item.key, label=str(entry.get("label") or item.label),
                                kind=item.kind, required=bool(entry.get("required")),
                                help=item.help, choices=item.choices,
                                is_attribute=item.is_attribute))
    return fields


def account_named(name: str) -> Account | None:
    """The top-level account of this name (any case), the oldest when there are several."""
    return Account.objects.filter(name__iexact=name, parent__isnull=True).order_by("id").first()


def source_label(key: str) -> str:
    """The label of a lead source value ("Website opt-in" for `website_opt_in`)."""
    if not key:
        return ""
    value = lookup_values("lead", "source").filter(key=key).first()
    return value.label if value is not None else key


def source_choices() -> list[tuple[str, str]]:
    return [(value.key, value.label)
            for value in lookup_values("lead", "source").filter(active=True)]


# The public side ------------------------------------------------------------------------------

def public_form(slug: str) -> LeadForm:
    """The active form at `/f/<slug>/`; NotFound for an unknown or inactive one."""
    form = LeadForm.objects.select_related("pipeline").filter(slug=slug, active=True).first()
    if form is None:
        raise NotFound(_("This form does not exist or is no longer open."))
    return form


def default_public_form() -> LeadForm:
    form = LeadForm.objects.select_related("pipeline").filter(is_default=True,
                                                              active=True).first()
    if form is None:
        raise NotFound(_("No default public form is set up; name one with “form”."),
                       fields={"form": _("required: no default form")})
    return form


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def source_for_token(token: str) -> IntakeSource | None:
    """The live intake source this bearer token belongs to, or None (unknown or revoked)."""
    if len(token) not in TOKEN_LENGTHS:
        return None
    return IntakeSource.objects.select_related("pipeline").filter(
        token_hash=hash_token(token), revoked_at__isnull=True).first()


# The administrator's side ---------------------------------------------------------------------

def lead_form_list(user: User) -> QuerySet[LeadForm]:
    """Every form, with its submission count (administrators only)."""
    ensure_manages_workspace(user)
    return LeadForm.objects.select_related("pipeline", "owner", "office").annotate(
        submission_count=Count("submissions", filter=Q(
            submissions__outcome=Submission.Outcome.CREATED)))


def intake_source_list(user: User) -> QuerySet[IntakeSource]:
    ensure_manages_workspace(user)
    return IntakeSource.objects.select_related("pipeline", "owner", "office").annotate(
        submission_count=Count("submissions"))


def access_lead_form(user: User, form_ref: int | str) -> LeadForm:
    """A form by id or by its address name (administrators only; NotFound when unknown)."""
    forms = lead_form_list(user)
    text = str(form_ref)
    form = (forms.filter(pk=int(text)) if text.isdigit() else forms.filter(slug=text)).first()
    if form is None:
        raise NotFound(_("No such lead form."))
    return form


def access_intake_source(user: User, source_id: int) -> IntakeSource:
    source = intake_source_list(user).filter(pk=source_id).first()
    if source is None:
        raise NotFound(_("No such intake source."))
    return source


def recent_submissions(*, form: LeadForm | None = None, source: IntakeSource | None = None,
                       limit: int = 20) -> list[Submission]:
    rows = Submission.objects.select_related("lead")
    rows = rows.filter(form=form) if form is not None else rows.filter(source=source)
    return list(rows[:limit])

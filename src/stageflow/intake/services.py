"""Lead intake: the administrator's forms and sources, and turning what the public or another
system sends into a lead.

A received lead is made by the sales service, exactly as a person's would be, so the
"lead created" rules (assignment, notifications) run. Nobody is signed in: the automation
account acts, and the history names the form or source and the sender's address. The account
and contact are matched before they are created, so a second identical enquiry adds a lead
but no second contact.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from stageflow.accounts.models import Account, AccountContact, Contact
from stageflow.accounts.selectors import duplicate_contacts_for_values
from stageflow.accounts.services import account_create, contact_create, contact_link_account
from stageflow.automation.actor import automation_user
from stageflow.core import clock, events
from stageflow.core.errors import InvalidInput, NotFound, NotSignedIn, StageflowError
from stageflow.core.events import DomainEvent
from stageflow.core.history import record_history, snapshot
from stageflow.core.models import HistoryEntry, Via
from stageflow.core.records import (
    assign_values,
    check_version,
    save_created,
    save_updated,
    validate_record,
)
from stageflow.core.validation import normalise_email, normalise_phone, normalise_url
from stageflow.intake import selectors
from stageflow.intake.models import IntakeSource, LeadForm, Submission
from stageflow.intake.presets import PRESET_FORMS
from stageflow.people.models import User
from stageflow.people.selectors import active_user_value, office_value
from stageflow.people.services import ensure_manages_workspace
from stageflow.pipelines.attribute_values import clean_attribute_values
from stageflow.pipelines.models import LookupValue, Pipeline
from stageflow.pipelines.selectors import attributes_of
from stageflow.sales.models import Lead
from stageflow.sales.services import record_create

FORM_FIELDS = ("name", "slug", "pipeline", "source", "fields", "consent_text",
               "confirmation_message", "redirect_url", "owner", "office", "is_default", "active")
SOURCE_FIELDS = ("name", "pipeline", "source", "owner", "office")
SOURCE_HISTORY = (*SOURCE_FIELDS, "revoked_at")
# At most RATE_LIMIT submissions per form and address in RATE_WINDOW; the next is refused.
RATE_LIMIT = 5
RATE_WINDOW = dt.timedelta(minutes=10)
# A field people never see (it is off screen) but form-filling robots do.
HONEYPOT = "homepage"
# Other names the JSON body may use for a field.
ALIASES = {"company": "name", "description": "message", "title": "name"}
RESERVED = {"form", HONEYPOT, "consent", "external_id"}
TEXT_LIMITS = {"name": 200, "contact_name": 200, "message": 10000}
DEFAULT_TITLE = "Online enquiry"
TRUE_WORDS = {"1", "true", "yes", "y", "on"}
FALSE_WORDS = {"0", "false", "no", "n", "off", ""}


class RateLimited(StageflowError):
    """Too many submissions from one address: wait and try again."""

    code = "rate_limited"
    http_status = 429


@dataclass(frozen=True, slots=True)
class Received:
    """What intake did with one submission: the lead (None when the honeypot caught it), and
    whether it was made now or is the one an earlier delivery with the same external id made."""

    lead: Lead | None
    created: bool


# The administrator's forms and sources ------------------------------------------------------

def _slug(value: Any) -> str:
    if value in (None, ""):
        return ""
    slug = slugify(str(value)).replace("_", "-")
    if not slug:
        raise ValueError(_("Enter letters or digits, such as website-opt-in."))
    return slug[:60]


def _pipeline(value: Any) -> Pipeline | None:
    if value in (None, ""):
        return None
    text = str(value)
    pipelines = Pipeline.objects.filter(record_type="lead")
    pipeline = (pipelines.filter(pk=int(text)) if text.isdigit()
                else pipelines.filter(key=text)).first()
    if pipeline is None:
        raise ValueError(_("Unknown lead pipeline."))
    return pipeline


def _source(value: Any) -> str:
    """A lead source value, by key or label; free text when the workspace has no list."""
    text = str(value or "").strip()
    values = LookupValue.objects.filter(record_type="lead", table="source", active=True)
    if not text or not LookupValue.objects.filter(record_type="lead", table="source").exists():
        return text
    found = values.filter(key=text).first() or values.filter(label__iexact=text).first()
    if found is None:
        raise ValueError(_("Not one of the lead sources: %(values)s.") % {
            "values": ", ".join(values.values_list("label", flat=True))})
    return found.key


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(_("Use true or false."))


def _form_fields(value: Any) -> list[dict[str, Any]]:
    """The fields a form asks as `[{key, label, required}]`; a bare key is allowed."""
    if not isinstance(value, list):
        raise ValueError(_("Send a list of fields, each {key, label, required}."))
    known = {item.key for item in selectors.available_fields()}
    fields: list[dict[str, Any]] = []
    for number, item in enumerate(value, start=1):
        entry = {"key": item} if isinstance(item, str) else item
        if not isinstance(entry, Mapping):
            raise ValueError(_("Field %(n)s: send key, label and required.") % {"n": number})
        key = str(entry.get("key") or "")
        if key not in known:
            raise ValueError(_("Field %(n)s: a form cannot ask “%(key)s”. It asks name, "
                               "contact_name, email, phone, message or an active lead "
                               "attribute.") % {"n": number, "key": key})
        if any(field["key"] == key for field in fields):
            raise ValueError(_("Field %(n)s: “%(key)s” is asked twice.") % {"n": number,
                                                                           "key": key})
        label = str(entry.get("label") or "").strip()
        if len(label) > 100:
            raise ValueError(_("Field %(n)s: a label has at most 100 characters.")
                             % {"n": number})
        required = entry.get("required", False)
        if not isinstance(required, bool):
            raise ValueError(_("Field %(n)s: required is true or false.") % {"n": number})
        fields.append({"key": key, "label": label, "required": required})
    return fields


FORM_NORMALISERS: dict[str, Callable[[Any], Any]] = {
    "slug": _slug, "pipeline": _pipeline, "source": _source, "fields": _form_fields,
    "redirect_url": lambda value: normalise_url(str(value or "")),
    "owner": active_user_value, "office": office_value,
    "is_default": _flag, "active": _flag,
}
SOURCE_NORMALISERS: dict[str, Callable[[Any], Any]] = {
    "pipeline": _pipeline, "source": _source, "owner": active_user_value,
    "office": office_value,
}


def _check_form(form: LeadForm, errors: dict[str, str]) -> None:
    if not form.slug and "slug" not in errors and form.name:
        form.slug = _slug(form.name) or "form"
    if "fields" not in errors:
        asked = {field["key"] for field in form.fields}
        if not asked:
            errors["fields"] = _("Choose at least one field for the form to ask.")
        # A lead attribute every new lead must have would make every submission fail.
        missing = [attribute.label("en") for attribute in
                   attributes_of("lead").filter(active=True, required_on_create=True)
                   if attribute.key not in asked]
        if missing:
            errors["fields"] = _("Every new lead needs %(names)s: add it to the form as a "
                                 "required field.") % {"names": ", ".join(missing)}
    if form.slug and "slug" not in errors and LeadForm.objects.filter(
            slug=form.slug).exclude(pk=form.pk).exists():
        errors["slug"] = _("Another form already uses this address name.")


def _save_default(form: LeadForm) -> None:
    """Only one form is the default: naming a new one takes the flag from the old one."""
    if form.is_default:
        LeadForm.objects.filter(is_default=True).exclude(pk=form.pk).update(is_default=False)


@transaction.atomic
def lead_form_create(*, actor: User, via: Via, values: Mapping[str, Any]) -> LeadForm:
    ensure_manages_workspace(actor)
    form = LeadForm(created_by=actor)
    errors: dict[str, str] = {}
    assign_values(form, values, editable=FORM_FIELDS, normalisers=FORM_NORMALISERS,
                  errors=errors)
    if "name" not in values:
        errors.setdefault("name", _("This field is required."))
    _check_form(form, errors)
    validate_record(form, errors, exclude=("pipeline", "owner", "office", "created_by"))
    _save_default(form)
    save_created(form, actor=actor, via=via, fields=FORM_FIELDS)
    events.emit("lead_form.created", form_id=form.pk, actor_id=actor.pk, via=via)
    return form


@transaction.atomic
def lead_form_update(*, actor: User, via: Via, form: LeadForm, values: Mapping[str, Any],
                     expected_version: int | None = None) -> LeadForm:
    ensure_manages_workspace(actor)
    form = LeadForm.objects.select_for_update().get(pk=form.pk)
    check_version(form, expected_version)
    before = snapshot(form, FORM_FIELDS)
    errors: dict[str, str] = {}
    assign_values(form, values, editable=FORM_FIELDS, normalisers=FORM_NORMALISERS,
                  errors=errors)
    _check_form(form, errors)
    validate_record(form, errors, exclude=("pipeline", "owner", "office", "created_by"))
    _save_default(form)
    if save_updated(form, before, actor=actor, via=via, fields=FORM_FIELDS):
        events.emit("lead_form.updated", form_id=form.pk, actor_id=actor.pk, via=via)
    return form


@transaction.atomic
def lead_form_delete(*, actor: User, via: Via, form: LeadForm,
                     expected_version: int | None = None) -> None:
    """Remove a form and its submission log; the leads it made stay."""
    ensure_manages_workspace(actor)
    form = LeadForm.objects.select_for_update().get(pk=form.pk)
    check_version(form, expected_version)
    record_history(record=form, actor=actor, via=via, action=HistoryEntry.Action.DELETED)
    events.emit("lead_form.deleted", form_id=form.pk, actor_id=actor.pk, via=via)
    form.delete()


def new_source_token() -> str:
    return "sfi_" + secrets.token_urlsafe(32)


@transaction.atomic
def intake_source_create(*, actor: User, via: Via,
                         values: Mapping[str, Any]) -> tuple[IntakeSource, str]:
    """A new source and its token: the token is returned here once and never stored."""
    ensure_manages_workspace(actor)
    token = new_source_token()
    source = IntakeSource(created_by=actor, token_hash=selectors.hash_token(token),
                          token_prefix=token[:8])
    errors: dict[str, str] = {}
    assign_values(source, values, editable=SOURCE_FIELDS, normalisers=SOURCE_NORMALISERS,
                  errors=errors)
    if "name" not in values:
        errors.setdefault("name", _("This field is required."))
    validate_record(source, errors, exclude=("pipeline", "owner", "office", "created_by"))
    save_created(source, actor=actor, via=via, fields=SOURCE_HISTORY)
    events.emit("intake_source.created", source_id=source.pk, actor_id=actor.pk, via=via)
    return source, token


@transaction.atomic
def intake_source_update(*, actor: User, via: Via, source: IntakeSource,
                         values: Mapping[str, Any],
                         expected_version: int | None = None) -> IntakeSource:
    ensure_manages_workspace(actor)
    source = IntakeSource.objects.select_for_update().get(pk=source.pk)
    check_version(source, expected_version)
    before = snapshot(source, SOURCE_HISTORY)
    errors: dict[str, str] = {}
    assign_values(source, values, editable=SOURCE_FIELDS, normalisers=SOURCE_NORMALISERS,
                  errors=errors)
    validate_record(source, errors, exclude=("pipeline", "owner", "office", "created_by"))
    save_updated(source, before, actor=actor, via=via, fields=SOURCE_HISTORY)
    return source


@transaction.atomic
def intake_source_revoke(*, actor: User, via: Via, source: IntakeSource) -> IntakeSource:
    """Stop the source's token working, for good; revoking twice changes nothing."""
    ensure_manages_workspace(actor)
    source = IntakeSource.objects.select_for_update().get(pk=source.pk)
    if source.revoked_at is not None:
        return source
    before = snapshot(source, SOURCE_HISTORY)
    source.revoked_at = clock.now()
    save_updated(source, before, actor=actor, via=via, fields=SOURCE_HISTORY)
    events.emit("intake_source.revoked", source_id=source.pk, actor_id=actor.pk, via=via)
    return source


@transaction.atomic
def intake_source_delete(*, actor: User, via: Via, source: IntakeSource) -> None:
    ensure_manages_workspace(actor)
    source = IntakeSource.objects.select_for_update().get(pk=source.pk)
    record_history(record=source, actor=actor, via=via, action=HistoryEntry.Action.DELETED)
    source.delete()


# Receiving ------------------------------------------------------------------------------------

def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value is False


def _clean_builtin(key: str, raw: Any) -> str:
    if isinstance(raw, int | float) and not isinstance(raw, bool) and key == "phone":
        raw = str(raw)
    if not isinstance(raw, str):
        raise ValueError(_("Enter text."))
    text = raw.strip()
    if key == "email":
        return normalise_email(text)
    if key == "phone":
        return normalise_phone(text)
    if len(text) > TEXT_LIMITS[key]:
        raise ValueError(_("At most %(n)s characters.") % {"n": TEXT_LIMITS[key]})
    return text


def _raw_attribute(kind: str, raw: Any) -> Any:
    """A form posts text: a ticked box as "on", one choice of several as a string."""
    if kind == "bool" and not isinstance(raw, bool):
        return _flag(raw)
    if kind == "multi_choice" and isinstance(raw, str):
        return [raw] if raw else []
    return raw


def _checked_values(fields: list[selectors.FormField], data: Mapping[str, Any],
                    errors: dict[str, str]) -> dict[str, Any]:
    """The values sent for `fields`, checked: problems go to `errors` by the name sent."""
    by_key = {item.key: item for item in fields}
    values: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    sent_as: dict[str, str] = {}
    for name, raw in data.items():
        if name in RESERVED:
            continue
        key = name if name in by_key else ALIASES.get(name, name)
        item = by_key.get(key)
        if item is None:
            errors[name] = _("This form does not ask for this.")
            continue
        sent_as[key] = name
        try:
            if item.is_attribute:
                attributes[key] = _raw_attribute(item.kind, raw)
            else:
                values[key] = _clean_builtin(key, raw)
        except ValueError as error:
            errors[name] = str(error)
    attribute_errors: dict[str, str] = {}
    cleaned = clean_attribute_values("lead", {}, attributes, creating=False,
                                     errors=attribute_errors)
    for path, reason in attribute_errors.items():
        key = path.removeprefix("attributes.")
        errors[sent_as.get(key, key)] = reason
    values = {key: value for key, value in values.items() if not _is_empty(value)}
    for item in fields:
        present = cleaned.get(item.key) if item.is_attribute else values.get(item.key)
        if item.required and _is_empty(present) and sent_as.get(item.key, item.key) not in errors:
            errors[item.key] = _("This field is required.")
    if cleaned:
        values["attributes"] = cleaned
    return values


def _name_parts(name: str) -> tuple[str, str]:
    first, _space, last = name.rpartition(" ")
    return first.strip()[:100], last.strip()[:100]


def _account(values: Mapping[str, Any], actor: User, via: Via,
             people: Mapping[str, Any]) -> Account | None:
    """The account named in the submission: an existing one of that name, or a new one."""
    name = values.get("name", "")
    if not name:
        return None
    existing = selectors.account_named(name)
    if existing is not None:
        return existing
    reach = {} if values.get("contact_name") else {
        key: values[key] for key in ("email", "phone") if values.get(key)}
    return account_create(actor=actor, via=via, values={"name": name, **people, **reach})


def _contact(values: Mapping[str, Any], actor: User, via: Via, people: Mapping[str, Any],
             account: Account | None) -> Contact | None:
    """The person who wrote: matched on name and email (or phone), else created."""
    name = values.get("contact_name", "")
    email, phone = values.get("email", ""), values.get("phone", "")
    if not name and (account is not None or not (email or phone)):
        return None
    first, last = _name_parts(name) if name else ("", email or phone)
    wanted = (first.casefold(), last.casefold())
    contact = next((candidate for candidate in duplicate_contacts_for_values(
        user=actor, values={"email": email, "phone": phone})
        if not name or (candidate.first_name.casefold(), candidate.last_name.casefold())
        == wanted), None)
    if contact is None:
        contact = contact_create(actor=actor, via=via, values={
            "first_name": first, "last_name": last, "email": email, "phone": phone, **people})
    if account is not None and not AccountContact.objects.filter(
            account=account, contact=contact).exists():
        contact_link_account(actor=actor, via=via, contact=contact, account=account)
    return contact


@dataclass(frozen=True, slots=True)
class _Target:
    """Where a received lead goes and who gets it: a form's or a source's settings."""

    pipeline: Pipeline | None
    source: str
    owner_id: int | None
    office_id: int | None


def _lead(values: Mapping[str, Any], target: _Target, *, via: Via, summary: str) -> Lead:
    actor = automation_user()
    people = {"owner": target.owner_id, "office": target.office_id}
    account = _account(values, actor, via, people)
    contact = _contact(values, actor, via, people, account)
    title = (values.get("name") or values.get("contact_name") or values.get("email")
             or values.get("phone") or _(DEFAULT_TITLE))
    try:
        lead = record_create(
            actor=actor, via=via, kind="lead",
            pipeline_key=target.pipeline.key if target.pipeline else None, created_from=summary,
            values={"title": title[:200], "description": values.get("message", ""),
                    "source": target.source, **people,
                    "account": account.pk if account else None,
                    "contact": contact.pk if contact else None,
                    "attributes": values.get("attributes", {})})
    except InvalidInput as error:
        raise InvalidInput(error.message, code=error.code, fields={
            name.removeprefix("attributes."): reason
            for name, reason in error.fields.items()}) from error
    assert isinstance(lead, Lead)
    return lead


def _ensure_not_too_many(form: LeadForm, ip_address: str | None, now: dt.datetime) -> None:
    recent = Submission.objects.filter(form=form, ip_address=ip_address,
                                       at__gte=now - RATE_WINDOW).count()
    if recent >= RATE_LIMIT:
        minutes = int(RATE_WINDOW.total_seconds() // 60)
        raise RateLimited(_("Too many messages were sent from your address. Please try again "
                            "in %(minutes)s minutes.") % {"minutes": minutes})


@transaction.atomic
def form_submit(*, form: LeadForm, data: Mapping[str, Any], ip_address: str | None,
                via: Via) -> Received:
    """What a visitor sent through a public form: a lead, unless the honeypot was filled
    (then nothing, though the visitor sees the same thanks). RateLimited past the limit."""
    # Locking the form makes the per-address count exact when submissions race.
    form = LeadForm.objects.select_for_update(of=("self",)).select_related("pipeline").get(
        pk=form.pk)
    if not form.active:
        raise NotFound(_("This form does not exist or is no longer open."))
    now = clock.now()
    _ensure_not_too_many(form, ip_address, now)
    if not _is_empty(data.get(HONEYPOT)):
        Submission.objects.create(form=form, outcome=Submission.Outcome.SPAM,
                                  ip_address=ip_address, at=now)
        return Received(lead=None, created=False)
    errors: dict[str, str] = {}
    values = _checked_values(selectors.form_fields(form), data, errors)
    consented = False
    if form.consent_text:
        try:
            consented = _flag(data.get("consent", False))
        except ValueError:
            consented = False
        if not consented:
            errors["consent"] = _("Please tick the box to agree.")
    if errors:
        raise InvalidInput(_("Please check the fields marked."), fields=errors)
    summary = _("Received through the form “%(form)s” from %(address)s") % {
        "form": form.name, "address": ip_address or _("an unknown address")}
    lead = _lead(values, _Target(pipeline=form.pipeline, source=form.source,
                                 owner_id=form.owner_id, office_id=form.office_id),
                 via=via, summary=summary)
    submission = Submission.objects.create(
        form=form, lead=lead, outcome=Submission.Outcome.CREATED, ip_address=ip_address,
        consent=form.consent_text if consented else "", at=now)
    events.emit("intake.received", submission_id=submission.pk, lead_id=lead.pk,
                form_id=form.pk, source_id=None, via=via)
    return Received(lead=lead, created=True)


def _external_id(value: Any, errors: dict[str, str]) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        errors["external_id"] = _("Send the id as text.")
        return ""
    text = str(value).strip()
    if len(text) > 100:
        errors["external_id"] = _("At most 100 characters.")
    return text


@transaction.atomic
def source_submit(*, source: IntakeSource, data: Mapping[str, Any], via: Via) -> Received:
    """A lead sent by another system. The same `external_id` from the same source again gives
    back the lead the first delivery made (`created` False) instead of a second one."""
    # Locked so that two deliveries of one external id cannot both create a lead.
    source = IntakeSource.objects.select_for_update(of=("self",)).select_related(
        "pipeline").get(pk=source.pk)
    if source.revoked_at is not None:
        raise NotSignedIn(_("This intake token was revoked."))
    errors: dict[str, str] = {}
    external_id = _external_id(data.get("external_id"), errors)
    now = clock.now()
    earlier = (Submission.objects.select_related("lead").filter(
        source=source, external_id=external_id).first() if external_id else None)
    IntakeSource.objects.filter(pk=source.pk).update(last_used_at=now)
    if earlier is not None and earlier.lead is not None:
        return Received(lead=earlier.lead, created=False)
    # A trusted system may fill every field a form could ask, none of them required.
    values = _checked_values(selectors.available_fields(), data, errors)
    if errors:
        raise InvalidInput(_("Some values are not valid."), fields=errors)
    summary = _("Received from %(source)s") % {"source": source.name}
    if external_id:
        summary += " " + _("(their id %(id)s)") % {"id": external_id}
    lead = _lead(values, _Target(pipeline=source.pipeline, source=source.source,
                                 owner_id=source.owner_id, office_id=source.office_id),
                 via=via, summary=summary)
    if earlier is not None:
        # The lead the first delivery made was deleted since: this one takes its place.
        earlier.lead, earlier.at = lead, now
        earlier.save(update_fields=["lead", "at"])
        submission = earlier
    else:
        submission = Submission.objects.create(source=source, lead=lead, external_id=external_id,
                                               outcome=Submission.Outcome.CREATED, at=now)
    events.emit("intake.received", submission_id=submission.pk, lead_id=lead.pk, form_id=None,
                source_id=source.pk, via=via)
    return Received(lead=lead, created=True)


# Presets --------------------------------------------------------------------------------------

def on_preset_installed(event: DomainEvent) -> None:
    """Add the lead forms a preset comes with; a form whose address name exists is left alone,
    and a form becomes the default only when there is none yet."""
    forms = PRESET_FORMS.get(str(event.payload["key"]), ())
    if not forms:
        return
    actor = User.objects.get(pk=event.payload["actor_id"])
    via = Via(event.payload.get("via", Via.SYSTEM))
    for values in forms:
        if LeadForm.objects.filter(slug=values["slug"]).exists():
            continue
        has_default = LeadForm.objects.filter(is_default=True).exists()
        try:
            lead_form_create(actor=actor, via=via, values={
                **values, "is_default": bool(values.get("is_default")) and not has_default})
        except InvalidInput as error:
            raise InvalidInput(_("The preset's lead form “%(name)s” is not valid.") % {
                "name": values["name"]}, fields=error.fields) from error


"""Changes to templates and the outbox: one function each, in one transaction.

`outbox_enqueue` and `send_template` run inside the caller's transaction (a rule, a transition,
a person composing a message): the message exists exactly when the change that caused it does,
and the delivery task is queued only after that transaction commits. Callers check who may
send from a record; these functions never raise for a bad address, they record why not.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any, Final

from django.conf import settings as django_settings
from django.db import IntegrityError, models, transaction
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from stageflow.communications.access import ensure_may_send_from
from stageflow.communications.models import MessageTemplate, OutboxMessage, TemplateRecordType
from stageflow.communications.recipients import Recipient, record_kind, resolve_recipient
from stageflow.communications.templating import check_source, render
from stageflow.core import workspace
from stageflow.core.errors import Conflict, InvalidInput, NotAllowed
from stageflow.core.history import field_changes, record_history, snapshot
from stageflow.core.models import HistoryEntry, Via, WorkspaceSettings
from stageflow.core.records import (
    Normaliser,
    assign_values,
    check_version,
    save_created,
    save_updated,
    validate_record,
)
from stageflow.core.validation import normalise_email, normalise_phone, normalise_url
from stageflow.jobs.naming import check_template
from stageflow.people import permissions
from stageflow.people.models import User
from stageflow.pipelines.models import Pipeline
from stageflow.pipelines.selectors import definition_of

__all__ = [
    "Recipient",
    "message_compose",
    "outbox_cancel",
    "outbox_enqueue",
    "outbox_retry",
    "resolve_recipient",
    "send_template",
    "template_delete",
    "template_save",
    "workspace_settings_save",
]

Channel = OutboxMessage.Channel
TEMPLATE_FIELDS = ("key", "kind", "names", "subject", "body", "record_type",
                   "visible_at_stages", "active")
CHANNEL_OF_KIND: dict[str, str] = {MessageTemplate.Kind.EMAIL: Channel.EMAIL,
                                   MessageTemplate.Kind.SMS: Channel.SMS}
WORKFLOW_TYPES = (TemplateRecordType.LEAD, TemplateRecordType.OPPORTUNITY)


def _via_for(source: str, actor: User | None) -> Via:
    if source.startswith(("rule:", "transition:")):
        return Via.AUTOMATION
    return Via.WEB if actor is not None else Via.SYSTEM


def _channel_label(channel: str) -> str:
    labels: dict[str, str] = {Channel.EMAIL: _("Email"), Channel.SMS: _("Text message"),
                              Channel.WEBHOOK: _("Webhook")}
    return labels.get(channel, channel)


def _address_problem(channel: str, to: str) -> tuple[str, str]:
    """The address in its stored form, and why it cannot be used ("" when it can)."""
    to = to.strip()
    if not to:
        return "", _("No address given")
    try:
        if channel == Channel.EMAIL:
            return normalise_email(to), ""
        if channel == Channel.SMS:
            return normalise_phone(to), ""
        return normalise_url(to), ""
    except ValueError as error:
        return to, f"{to}: {error}"


def _history_summary(message: OutboxMessage, label: str) -> str:
    what = _channel_label(message.channel)
    if message.status == OutboxMessage.Status.SKIPPED:
        return _("%(what)s “%(label)s” not sent: %(reason)s") % {
            "what": what, "label": label, "reason": message.skip_reason}
    return _("%(what)s “%(label)s” queued to %(to)s") % {"what": what, "label": label,
                                                        "to": message.to}


def _schedule_delivery(message: OutboxMessage) -> None:
    from stageflow.communications.delivery import deliver_message

    message_id = message.pk
    # Robust: the change is committed whatever the queue does; a lost enqueue is only logged,
    # and `requeue_due` picks the message up a minute later.
    transaction.on_commit(lambda: deliver_message.enqueue(message_id), robust=True)


@transaction.atomic
def outbox_enqueue(*, channel: str, to: str, subject: str = "", body: str = "",
                   payload: Mapping[str, Any] | None = None,
                   record: models.Model | None = None,
                   template: MessageTemplate | None = None, idempotency_key: str,
                   source: str = "", actor: User | None = None,
                   skip_reason: str = "", via: Via | None = None) -> OutboxMessage:
    """Write a message to the outbox in the caller's transaction; delivered after commit.

    The same `idempotency_key` twice gives back the first message unchanged. A message that
    cannot go out (no or bad address, `skip_reason` given) is stored SKIPPED with the reason.
    """
    if channel not in Channel.values:
        raise InvalidInput(_("Unknown channel."), fields={"channel": "email, sms or webhook"})
    key = idempotency_key.strip()
    if not key or len(key) > 200:
        raise InvalidInput(_("An idempotency key of 1 to 200 characters is needed."),
                           fields={"idempotency_key": _("1 to 200 characters")})
    existing = OutboxMessage.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    payload = dict(payload or {})
    address, reason = _address_problem(channel, to) if not skip_reason else (to.strip(), "")
    reason = skip_reason or reason
    if channel == Channel.WEBHOOK and not reason:
        body, reason = _webhook_body(body, payload)
    message = OutboxMessage(
        channel=channel, to=address[:500], subject=" ".join(subject.split())[:500], body=body,
        payload=payload, template=template, idempotency_key=key, source=source[:200],
        created_by=actor if getattr(actor, "pk", None) else None,
        status=OutboxMessage.Status.SKIPPED if reason else OutboxMessage.Status.PENDING,
        skip_reason=reason)
    if record is not None:
        message.record_type, message.record_id = record_kind(record), record.pk
    try:
        # A savepoint, so that a concurrent writer of the same key leaves the caller's
        # transaction usable: theirs is the message, and it is returned.
        with transaction.atomic():
            message.save()
    except IntegrityError:
        return OutboxMessage.objects.get(idempotency_key=key)
    if record is not None:
        label = template.name(workspace.current().default_language) if template else (
            message.subject or Truncator(message.body).chars(40))
        record_history(record=record, actor=actor, via=via or _via_for(source, actor),
                       action=HistoryEntry.Action.LINKED,
                       summary=_history_summary(message, label))
    if message.status == OutboxMessage.Status.PENDING:
        _schedule_delivery(message)
    return message


def _webhook_body(body: str, payload: Mapping[str, Any]) -> tuple[str, str]:
    """A webhook sends `body` as is (or `payload["json"]` serialised); it must be JSON."""
    if not body and "json" in payload:
        return json.dumps(payload["json"], default=str, separators=(",", ":")), ""
    try:
        json.loads(body)
    except ValueError:
        return body, _("The webhook body is not JSON")
    return body, ""


def _active_template(template_key: str) -> MessageTemplate | None:
    return MessageTemplate.objects.filter(key=template_key, active=True).first()


@transaction.atomic
def send_template(*, template_key: str, record: models.Model, to: str, idempotency_key: str,
                  source: str = "", actor: User | None = None,
                  channel: str | None = None, via: Via | None = None,
                  language: str | None = None) -> OutboxMessage:
    """Fill in a template from `record` and put it in the outbox for the recipient `to`
    names (see `resolve_recipient`). Anything that stops it is stored SKIPPED with why."""
    existing = OutboxMessage.objects.filter(idempotency_key=idempotency_key.strip()).first()
    if existing is not None:
        return existing

    def enqueue(chosen: str, address: str, *, template: MessageTemplate | None = None,
                subject: str = "", body: str = "", skip_reason: str = "",
                payload: Mapping[str, Any] | None = None) -> OutboxMessage:
        return outbox_enqueue(channel=chosen, to=address, subject=subject, body=body,
                              payload=payload, record=record, template=template,
                              idempotency_key=idempotency_key, source=source, actor=actor,
                              skip_reason=skip_reason, via=via)

    template = _active_template(template_key)
    if template is None:
        return enqueue(channel or Channel.EMAIL, to, skip_reason=_(
            "No active template “%(key)s”") % {"key": template_key})
    chosen = channel or CHANNEL_OF_KIND.get(template.kind, "")
    if chosen not in (Channel.EMAIL, Channel.SMS):
        return enqueue(Channel.EMAIL, to, template=template, skip_reason=_(
            "A document template is not sent as a message"))
    recipient = resolve_recipient(record, to, chosen)
    if recipient.problem:
        return enqueue(chosen, to, template=template, skip_reason=recipient.problem)
    try:
        rendered = render(template, record, language)
    except InvalidInput as error:
        reason = "; ".join(f"{field}: {why}" for field, why in error.fields.items())
        return enqueue(chosen, recipient.address, template=template, skip_reason=reason)
    return enqueue(chosen, recipient.address, template=template,
                   subject=rendered.subject if chosen == Channel.EMAIL else "",
                   body=rendered.body, payload={"recipient": recipient.name})


@transaction.atomic
def message_compose(*, actor: User, record: models.Model, channel: str, to: str,
                    subject: str = "", body: str = "", template: MessageTemplate | None = None,
                    idempotency_key: str | None = None, via: Via = Via.WEB) -> OutboxMessage:
    """A message a person writes from a record (perhaps starting from a template).

    The text is sent as typed: it is not a template and is never evaluated.
    """
    ensure_may_send_from(actor, record)
    errors: dict[str, str] = {}
    if channel not in (Channel.EMAIL, Channel.SMS):
        errors["channel"] = _("Choose email or text message.")
    if channel == Channel.EMAIL and not subject.strip():
        errors["subject"] = _("Give the email a subject.")
    if not body.strip():
        errors["body"] = _("Write the message.")
    recipient = resolve_recipient(record, to, channel) if "channel" not in errors else None
    if recipient is not None and recipient.problem:
        errors["to"] = recipient.problem
    elif recipient is not None and _address_problem(channel, recipient.address)[1]:
        errors["to"] = _address_problem(channel, recipient.address)[1]
    if errors:
        raise InvalidInput(_("The message cannot be sent yet."), fields=errors)
    assert recipient is not None
    return outbox_enqueue(
        channel=channel, to=recipient.address, subject=subject if channel == Channel.EMAIL
        else "", body=body, record=record, template=template,
        idempotency_key=idempotency_key or f"manual:{uuid.uuid4().hex}", source="manual",
        actor=actor, via=via)


def _ensure_manager(actor: User) -> None:
    if not permissions.manages_workspace(actor):
        raise NotAllowed(_("Only administrators may manage templates and the outbox."))


@transaction.atomic
def outbox_retry(*, actor: User, message: OutboxMessage) -> OutboxMessage:
    """Send a FAILED message again from its first attempt."""
    _ensure_manager(actor)
    message = OutboxMessage.objects.select_for_update().get(pk=message.pk)
    if message.status != OutboxMessage.Status.FAILED:
        raise Conflict(_("Only a failed message can be retried; this one is %(status)s.")
                       % {"status": message.get_status_display().lower()},
                       fields={"status": message.status})
    message.status = OutboxMessage.Status.PENDING
    message.attempts = 0
    message.next_attempt_at = None
    message.claimed_until = None
    message.save(update_fields=["status", "attempts", "next_attempt_at", "claimed_until"])
    _schedule_delivery(message)
    return message


@transaction.atomic
def outbox_cancel(*, actor: User, message: OutboxMessage) -> OutboxMessage:
    """Stop a waiting or failed message from going out; it stays listed as not sent."""
    _ensure_manager(actor)
    message = OutboxMessage.objects.select_for_update().get(pk=message.pk)
    if message.status not in (OutboxMessage.Status.PENDING, OutboxMessage.Status.FAILED):
        raise Conflict(_("Only a waiting or failed message can be cancelled; this one is "
                         "%(status)s.") % {"status": message.get_status_display().lower()},
                       fields={"status": message.status})
    message.status = OutboxMessage.Status.SKIPPED
    message.skip_reason = _("Cancelled by %(name)s") % {"name": actor}
    message.next_attempt_at = None
    message.save(update_fields=["status", "skip_reason", "next_attempt_at"])
    return message


# --- templates -------------------------------------------------------------------------------

def _stage_keys(record_type: str) -> set[str]:
    """Stage keys in the live pipelines of a record type ("" = leads and opportunities)."""
    types = [record_type] if record_type else list(WORKFLOW_TYPES)
    keys: set[str] = set()
    pipelines = Pipeline.objects.filter(record_type__in=types,
                                        live_version__isnull=False).select_related(
                                            "live_version")
    for pipeline in pipelines:
        assert pipeline.live_version is not None
        keys |= {stage.key for stage in definition_of(pipeline.live_version).stages}
    return keys


def _names(values: Mapping[str, Any], current: Mapping[str, str]) -> Any:
    names = values.get("names", current)
    if "name" in values:
        names = {**(names if isinstance(names, dict) else {}), "en": values["name"]}
    return names


def _assign_template(template: MessageTemplate, values: Mapping[str, Any],
                     errors: dict[str, str]) -> None:
    unknown = set(values) - {*TEMPLATE_FIELDS, "name"}
    for name in sorted(unknown):
        errors[name] = _("Unknown field.")
    for name in TEMPLATE_FIELDS:
        if name in values and name != "names":
            raw = values[name]
            setattr(template, name, raw.strip() if isinstance(raw, str) and name not in (
                "subject", "body") else raw)
    names = _names(values, template.names)
    if not isinstance(names, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in names.items()):
        errors["names"] = _("Give a name per language, such as {\"en\": \"Thanks\"}.")
    else:
        template.names = {lang: text.strip() for lang, text in names.items() if text.strip()}
        if not template.names:
            errors["names"] = _("Give the template a name.")
    for name in ("subject", "body", "key", "kind", "record_type"):
        if getattr(template, name) is None:
            setattr(template, name, "")
        elif not isinstance(getattr(template, name), str):
            errors[name] = _("Enter text.")
    if not isinstance(template.active, bool):
        errors["active"] = _("Enter true or false.")
    stages = template.visible_at_stages
    if stages is None:
        template.visible_at_stages = []
    elif not isinstance(stages, list) or not all(isinstance(s, str) for s in stages):
        errors["visible_at_stages"] = _("Give a list of stage keys.")
    else:
        template.visible_at_stages = list(dict.fromkeys(s.strip() for s in stages if s.strip()))


def _check_template(template: MessageTemplate, errors: dict[str, str]) -> None:
    kind = template.kind
    if kind == MessageTemplate.Kind.EMAIL and not template.subject.strip():
        errors.setdefault("subject", _("An email needs a subject."))
    if kind in MessageTemplate.Kind.values and kind != MessageTemplate.Kind.EMAIL \
            and template.subject.strip():
        errors.setdefault("subject", _("Only email templates have a subject."))
    if not template.body.strip():
        errors.setdefault("body", _("Write the text of the template."))
    record_type = template.record_type
    if record_type and record_type not in TemplateRecordType.values:
        return  # the model's own check names it
    for field in ("subject", "body"):
        if field not in errors and getattr(template, field):
            check_source(getattr(template, field), record_type, field, errors)
    if "visible_at_stages" not in errors and template.visible_at_stages:
        if record_type not in ("", *WORKFLOW_TYPES):
            errors["visible_at_stages"] = _("Accounts and contacts have no stages; leave this "
                                            "empty.")
            return
        known = _stage_keys(record_type)
        missing = [key for key in template.visible_at_stages if key not in known]
        if missing:
            errors["visible_at_stages"] = _(
                "No %(type)s pipeline has the stage(s) %(keys)s.") % {
                    "type": template.get_record_type_display().lower() if record_type
                    else _("lead or opportunity"),
                    "keys": ", ".join(missing)}


@transaction.atomic
def template_save(*, actor: User, values: Mapping[str, Any],
                  template: MessageTemplate | None = None,
                  expected_version: int | None = None, via: Via = Via.WEB) -> MessageTemplate:
    """Create a template (no `template`) or change one; every problem is named by field."""
    _ensure_manager(actor)
    creating = template is None
    if template is None:
        template = MessageTemplate()
    else:
        template = MessageTemplate.objects.select_for_update().get(pk=template.pk)
        check_version(template, expected_version)
        if "key" in values and values["key"] != template.key:
            raise InvalidInput(_("A template's key cannot change."),
                               fields={"key": _("stays %(key)s") % {"key": template.key}})
    before = {name: getattr(template, name) for name in TEMPLATE_FIELDS}
    errors: dict[str, str] = {}
    _assign_template(template, values, errors)
    if creating and template.key and "key" not in errors and \
            MessageTemplate.objects.filter(key=template.key).exists():
        errors["key"] = _("A template with this key already exists.")
    _check_template(template, errors)
    validate_record(template, errors)
    if creating:
        save_created(template, actor=actor, via=via, fields=TEMPLATE_FIELDS)
    else:
        save_updated(template, before, actor=actor, via=via, fields=TEMPLATE_FIELDS)
    return template


def _pipelines_offering(template_key: str) -> list[str]:
    """The live pipelines whose stages or transitions name this template."""
    names = []
    pipelines = Pipeline.objects.filter(live_version__isnull=False).select_related(
        "live_version")
    for pipeline in pipelines:
        assert pipeline.live_version is not None
        definition = definition_of(pipeline.live_version)
        if any(ref.key == template_key for stage in definition.stages
               for ref in stage.templates) or any(
                   message.template == template_key for transition in definition.transitions
                   for message in transition.communications):
            names.append(pipeline.name)
    return names


@transaction.atomic
def template_delete(*, actor: User, template: MessageTemplate,
                    via: Via = Via.WEB) -> None:
    """Delete a template no live pipeline names; messages already written keep their text."""
    _ensure_manager(actor)
    used_by = _pipelines_offering(template.key)
    if used_by:
        raise Conflict(_("Pipeline(s) %(names)s use this template; deactivate it instead, or "
                         "remove it from them first.") % {"names": ", ".join(used_by)},
                       fields={"key": template.key}, code="template_in_use")
    record_history(record=template, actor=actor, via=via, action=HistoryEntry.Action.DELETED,
                   summary=_("Template “%(name)s” deleted") % {"name": template.name("en")})
    template.delete()


# --- the company details templates merge in --------------------------------------------------

WORKSPACE_FIELDS = ("company_name", "company_email", "company_phone", "company_address",
                    "company_website", "office_email", "terms", "default_language",
                    "default_currency", "days_out", "select_new_estimate",
                    "sub_account_name_template", "registration_number", "activity_defaults",
                    "locked_settings")


def _checked_phone(value: Any) -> str:
    text = str(value or "").strip()
    normalise_phone(text)  # raises ValueError with the reason; kept as typed for display
    return text


def _language(value: Any) -> str:
    code = str(value or "").strip()
    if code not in {language for language, _name in django_settings.LANGUAGES}:
        raise ValueError(_("Choose one of the workspace's languages."))
    return code


def _currency(value: Any) -> str:
    code = str(value or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValueError(_("Enter a three-letter currency code, such as EUR."))
    return code


def _days(value: Any) -> int:
    try:
        days = int(value)
    except (TypeError, ValueError) as error:
        raise ValueError(_("Enter a whole number of days.")) from error
    if not 0 <= days <= 365:
        raise ValueError(_("Enter between 0 and 365 days."))
    return days


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


ACTIVITY_DEFAULT_LIMITS: Final = {"duration_minutes": 24 * 60,
                                  "remind_minutes_before": 7 * 24 * 60}


def _activity_defaults(value: Any) -> dict[str, dict[str, Any]]:
    """Per activity kind: `subject` (text), `duration_minutes` and `remind_minutes_before`
    (whole minutes); an empty entry is dropped."""
    from stageflow.activities.models import Activity

    if not isinstance(value, dict):
        raise ValueError(_("An object with an entry per activity kind."))
    checked: dict[str, dict[str, Any]] = {}
    for kind, entry in value.items():
        if kind not in Activity.Kind.values:
            raise ValueError(_("%(kind)s is not an activity kind (use %(kinds)s).") % {
                "kind": kind, "kinds": ", ".join(Activity.Kind.values)})
        if not isinstance(entry, dict):
            raise ValueError(_("%(kind)s: an object of defaults.") % {"kind": kind})
        defaults: dict[str, Any] = {}
        for key, setting in entry.items():
            if key == "subject":
                subject = str(setting or "").strip()
                if len(subject) > 200:
                    raise ValueError(_("%(kind)s.subject: at most 200 characters.")
                                     % {"kind": kind})
                if subject:
                    defaults[key] = subject
            elif key in ACTIVITY_DEFAULT_LIMITS:
                if setting in (None, ""):
                    continue
                if isinstance(setting, bool) or not str(setting).isdigit() or not (
                        0 <= int(setting) <= ACTIVITY_DEFAULT_LIMITS[key]):
                    raise ValueError(_("%(kind)s.%(key)s: whole minutes from 0 to %(most)s.")
                                     % {"kind": kind, "key": key,
                                        "most": ACTIVITY_DEFAULT_LIMITS[key]})
                defaults[key] = int(setting)
            else:
                raise ValueError(_("%(kind)s.%(key)s is not a default (use subject, "
                                   "duration_minutes or remind_minutes_before).")
                                 % {"kind": kind, "key": key})
        if defaults:
            checked[kind] = defaults
    return checked


def _lockable(value: Any) -> list[str]:
    names = value if isinstance(value, list | tuple) else []
    unknown = [str(name) for name in names if name not in WORKSPACE_FIELDS
               or name == "locked_settings"]
    if not isinstance(value, list | tuple) or unknown:
        raise ValueError(_("A list of setting names; not settings: %(names)s.")
                         % {"names": ", ".join(unknown) or "—"})
    return sorted(set(names))


WORKSPACE_NORMALISERS: dict[str, Normaliser] = {
    "company_email": normalise_email, "office_email": normalise_email,
    "company_website": normalise_url, "company_phone": _checked_phone,
    "default_language": _language, "default_currency": _currency, "days_out": _days,
    "select_new_estimate": _flag, "sub_account_name_template": check_template,
    "activity_defaults": _activity_defaults, "locked_settings": _lockable,
}


def _ensure_unlocked(actor: User, changes: list[dict[str, Any]],
                     locked: list[str]) -> None:
    """Only the system owner (a superuser) locks settings and changes locked ones."""
    if actor.is_superuser:
        return
    refused = {change["field"].split(".")[0] for change in changes} & {*locked,
                                                                      "locked_settings"}
    if refused:
        raise NotAllowed(_("Only the system owner may change these settings."),
                         fields={name: _("Locked by the system owner.")
                                 for name in sorted(refused)})


@transaction.atomic
def workspace_settings_save(*, actor: User, values: Mapping[str, Any],
                            via: Via = Via.WEB) -> WorkspaceSettings:
    """Change the company details and workspace defaults (managers only)."""
    _ensure_manager(actor)
    row = workspace.current()
    row = WorkspaceSettings.objects.select_for_update().get(pk=row.pk)
    before = snapshot(row, WORKSPACE_FIELDS)
    locked = list(row.locked_settings)
    errors: dict[str, str] = {}
    assign_values(row, values, editable=WORKSPACE_FIELDS, normalisers=WORKSPACE_NORMALISERS,
                  errors=errors)
    validate_record(row, errors)
    changes = field_changes(row, before, snapshot(row, WORKSPACE_FIELDS))
    _ensure_unlocked(actor, changes, locked)
    if changes:
        row.save()
        record_history(record=row, actor=actor, via=via, action=HistoryEntry.Action.UPDATED,
                       changes=changes)
    return row

"""The client's "your appointment is planned" email: what it says and who it goes to.

It carries the date, the time window or the promised range, the address and the notes for the
client, and never the private notes (SCENARIOS decision 12). A workspace template with the key
`appointment_scheduled` words it when one is active: it is filled in in the same Jinja2 sandbox
as every template, from the customer's merge fields plus an `appointment` group holding only
those client-facing values. Without such a template a built-in plain text is sent.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import formats, translation
from django.utils.translation import gettext as _

from stageflow.communications.models import MessageTemplate, OutboxMessage
from stageflow.communications.recipients import Recipient, resolve_recipient
from stageflow.communications.services import outbox_enqueue
from stageflow.communications.templating import merge_context, render_text
from stageflow.core import workspace
from stageflow.core.errors import InvalidInput
from stageflow.core.models import Via
from stageflow.people.models import User
from stageflow.scheduling.models import Appointment

TEMPLATE_KEY = "appointment_scheduled"


def client_record(appointment: Appointment) -> models.Model | None:
    """The record the message is sent from: the customer, else the lead or opportunity."""
    return appointment.account or appointment.opportunity or appointment.lead


# What the `appointment` merge group of a client message holds.
CLIENT_FACTS = ("title", "date", "time_window", "promised_from", "promised_to",
                "duration_minutes", "address", "notes")


def client_facts(appointment: Appointment) -> dict[str, Any]:
    """The values the client may read (`CLIENT_FACTS`). Private notes are deliberately not
    among them."""
    window = ""
    if appointment.start_time and appointment.end_time:
        window = f"{appointment.start_time:%H:%M}–{appointment.end_time:%H:%M}"
    elif appointment.start_time:
        window = f"{appointment.start_time:%H:%M}"
    return {
        "title": appointment.title,
        "date": formats.date_format(appointment.date, "DATE_FORMAT"),
        "time_window": window,
        "promised_from": formats.date_format(appointment.promised_from, "DATE_FORMAT")
        if appointment.promised_from else "",
        "promised_to": formats.date_format(appointment.promised_to, "DATE_FORMAT")
        if appointment.promised_to else "",
        "duration_minutes": appointment.duration_minutes,
        "address": appointment.address,
        "notes": appointment.public_notes,
    }


def _recipient(appointment: Appointment, record: models.Model) -> Recipient:
    if appointment.contact is not None and appointment.contact.email:
        return Recipient(appointment.contact.email, str(appointment.contact))
    account = appointment.account
    spec = "account" if account is not None and account.email else "primary_contact"
    return resolve_recipient(record, spec, "email")


def _built_in(facts: dict[str, Any], recipient: Recipient) -> tuple[str, str]:
    company = workspace.current().company_name
    lines = [_("Hello %(name)s,") % {"name": recipient.name} if recipient.name else _("Hello,"),
             "",
             _("Your appointment “%(title)s” is planned for %(date)s.") % facts]
    if facts["time_window"]:
        lines.append(_("Time: %(window)s") % {"window": facts["time_window"]})
    if facts["promised_from"]:
        lines.append(_("We will come between %(promised_from)s and %(promised_to)s.") % facts)
    if facts["address"]:
        lines += ["", _("Address:"), facts["address"]]
    if facts["notes"]:
        lines += ["", _("Notes:"), facts["notes"]]
    if company:
        lines += ["", company]
    subject = _("Your appointment on %(date)s") % facts
    return subject, "\n".join(lines) + "\n"


def appointment_notice(appointment: Appointment, *, actor: User, via: Via) -> OutboxMessage:
    """Queue the email in the caller's transaction; a message that cannot go out (no client,
    no address, a template that fails) is stored SKIPPED with the reason."""
    key = f"appointment:{appointment.pk}:notice:v{appointment.version}"
    record = client_record(appointment)
    language = workspace.current().default_language or "en"
    template = MessageTemplate.objects.filter(
        key=TEMPLATE_KEY, active=True, kind=MessageTemplate.Kind.EMAIL).first()
    if record is None:
        return outbox_enqueue(channel="email", to="", idempotency_key=key, actor=actor,
                              via=via, source="appointment", skip_reason=_(
                                  "The appointment has no customer to tell"))
    recipient = _recipient(appointment, record)
    with translation.override(language):
        facts = client_facts(appointment)
        if template is None:
            subject, body = _built_in(facts, recipient)
            skip = ""
        else:
            context = {**merge_context(record, language), "appointment": facts}
            try:
                rendered = render_text(kind=template.kind, subject=template.subject,
                                       body=template.body, context=context)
                subject, body, skip = rendered.subject, rendered.body, ""
            except InvalidInput as error:
                subject, body = "", ""
                skip = "; ".join(f"{field}: {why}" for field, why in error.fields.items())
    return outbox_enqueue(channel="email", to=recipient.address, subject=subject, body=body,
                          record=record, template=template, idempotency_key=key,
                          source="appointment", actor=actor, via=via,
                          skip_reason=skip or recipient.problem,
                          payload={"recipient": recipient.name, "appointment": appointment.pk})

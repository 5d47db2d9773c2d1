"""Who a message goes to: recipient specs such as "primary_contact" resolved against a record."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext as _

from stageflow.accounts.models import Account, AccountContact, Contact
from stageflow.core import workspace
from stageflow.sales.models import Lead, Opportunity, RecordContact

# The role a record's main contact plays in its contact list (as sales.services compares it).
MAIN_CONTACT_ROLE = "main_contact"
CONTACT_SPECS = ("primary_contact", "contact")
OFFICE_SPECS = ("office_email", "office")
SPECS = (*CONTACT_SPECS, "owner", *OFFICE_SPECS, "account")
_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-/]{6,}$")


@dataclass(frozen=True, slots=True)
class Recipient:
    """An address for a channel, or the reason there is none (`problem`)."""

    address: str
    name: str = ""
    problem: str = ""


def record_kind(record: models.Model) -> str:
    """"lead", "opportunity", "account" or "contact": how outbox rows and the API name it."""
    return str(record._meta.model_name)


def _role_key(role: str) -> str:
    return "_".join(role.lower().split())


def primary_contact(record: models.Model) -> Contact | None:
    """The person a record is about: its contact, else its main contact, else its first one."""
    if isinstance(record, Contact):
        return record
    if isinstance(record, Account):
        first = AccountContact.objects.filter(account=record).select_related("contact").first()
        return first.contact if first else None
    if isinstance(record, Lead | Opportunity):
        if record.contact_id is not None:
            return record.contact
        links = list(RecordContact.objects.filter(**{record_kind(record): record})
                     .select_related("contact").order_by("id"))
        for link in links:
            if _role_key(link.role) == MAIN_CONTACT_ROLE:
                return link.contact
        return links[0].contact if links else None
    return None


def account_of(record: models.Model) -> Account | None:
    if isinstance(record, Account):
        return record
    if isinstance(record, Contact):
        first = AccountContact.objects.filter(contact=record).select_related("account").first()
        return first.account if first else None
    return getattr(record, "account", None)


def _email_or_phone(channel: str, *, email: str, phones: tuple[str, ...], name: str,
                    ) -> Recipient:
    if channel == "sms":
        phone = next((value for value in phones if value), "")
        if not phone:
            return Recipient("", name, _("%(name)s has no mobile number") % {"name": name})
        return Recipient(phone, name)
    if not email:
        return Recipient("", name, _("%(name)s has no email address") % {"name": name})
    return Recipient(email, name)


def resolve_recipient(record: models.Model | None, to: str, channel: str) -> Recipient:
    """The address `to` names for `channel` ("email" or "sms") on `record`.

    `to` is a spec (primary_contact/contact, owner, office_email/office, account) or a literal
    email address or phone number; a missing address comes back as `problem`, never raised.
    """
    spec = to.strip()
    lowered = spec.lower()
    if lowered in SPECS and record is None:
        return Recipient("", "", _("“%(spec)s” needs a record to send from") % {"spec": spec})
    if lowered in CONTACT_SPECS:
        assert record is not None
        contact = primary_contact(record)
        if contact is None:
            return Recipient("", "", _("The record has no contact"))
        return _email_or_phone(channel, email=contact.email,
                               phones=(contact.mobile, contact.phone), name=str(contact))
    if lowered == "owner":
        owner = getattr(record, "owner", None)
        if owner is None:
            return Recipient("", "", _("The record has no owner"))
        return _email_or_phone(channel, email=owner.email, phones=(), name=str(owner))
    if lowered in OFFICE_SPECS:
        settings = workspace.current()
        name = settings.company_name or _("The office")
        if channel != "sms" and not settings.office_email:
            return Recipient("", name, _("The workspace has no office email (Settings → Company "
                                         "details)"))
        return _email_or_phone(channel, email=settings.office_email,
                               phones=(settings.company_phone,), name=name)
    if lowered == "account":
        assert record is not None
        account = account_of(record)
        if account is None:
            return Recipient("", "", _("The record has no account"))
        return _email_or_phone(channel, email=account.email,
                               phones=(account.phone, account.phone_alt), name=account.name)
    if "@" in spec:
        if channel == "sms":
            return Recipient("", spec, _("%(to)s is not a phone number") % {"to": spec})
        return Recipient(spec, spec)
    if _PHONE_LIKE.match(spec):
        if channel != "sms":
            return Recipient("", spec, _("%(to)s is not an email address") % {"to": spec})
        return Recipient(spec, spec)
    if not spec:
        return Recipient("", "", _("No recipient given"))
    return Recipient("", spec, _("Unknown recipient “%(to)s”") % {"to": spec})

"""Every change to accounts and contacts: one function each, one transaction, one history row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from stageflow.accounts.access import ensure_may, visible_account_value
from stageflow.accounts.models import Account, AccountContact, Contact
from stageflow.core.errors import Conflict, InvalidInput, NotAllowed
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
from stageflow.people import permissions
from stageflow.people.models import User
from stageflow.people.selectors import active_user_value, office_value
from stageflow.pipelines.attribute_values import clean_attribute_values

ADDRESS_FIELDS = tuple(
    f"{kind}_{part}"
    for kind in ("billing", "service")
    for part in ("street", "city", "postcode", "region", "country")
)
ACCOUNT_FIELDS = ("name", "customer_status", "parent", "owner", "office", "email", "phone",
                  "phone_alt", "website", *ADDRESS_FIELDS, "notes")
CONTACT_FIELDS = ("first_name", "last_name", "title", "email", "email_alt", "phone", "mobile",
                  "owner", "office", "notes")
# Fields whose changes the history records; custom attributes are recorded one by one.
ACCOUNT_HISTORY = (*ACCOUNT_FIELDS, "attributes")
CONTACT_HISTORY = (*CONTACT_FIELDS, "attributes")
MAX_PARENT_DEPTH = 20


def _text(normalise: Any) -> Any:
    return lambda value: normalise(value or "")


def _account_normalisers(actor: User) -> dict[str, Any]:
    return {
        "email": _text(normalise_email),
        "phone": _text(normalise_phone),
        "phone_alt": _text(normalise_phone),
        "website": _text(normalise_url),
        "parent": visible_account_value(actor),
        "owner": active_user_value,
        "office": office_value,
    }


_CONTACT_NORMALISERS: dict[str, Any] = {
    "email": _text(normalise_email),
    "email_alt": _text(normalise_email),
    "phone": _text(normalise_phone),
    "mobile": _text(normalise_phone),
    "owner": active_user_value,
    "office": office_value,
}


def _check_parent(account: Account, actor: User, errors: dict[str, str]) -> None:
    parent = account.parent
    if parent is None or "parent" in errors:
        return
    ancestor: Account | None = parent
    depth = 0
    while ancestor is not None:
        if account.pk is not None and ancestor.pk == account.pk:
            errors["parent"] = _("An account cannot be placed under itself or its own sub-account.")
            return
        depth += 1
        if depth > MAX_PARENT_DEPTH:
            errors["parent"] = _("Sub-accounts may be nested at most %(n)s deep.") % {
                "n": MAX_PARENT_DEPTH}
            return
        ancestor = ancestor.parent
    ensure_may_add_sub_account(actor, parent)


def ensure_may_add_sub_account(actor: User, parent: Account) -> None:
    if not permissions.may(actor, "accounts", "create_sub", owner_id=parent.owner_id,
                           office_id=parent.office_id):
        raise NotAllowed(_("You may not add sub-accounts to %(name)s.") % {"name": parent.name})


def _assign_attributes(record: Account | Contact, record_type: str, values: Mapping[str, Any],
                       *, creating: bool, errors: dict[str, str]) -> dict[str, Any]:
    """Apply `values["attributes"]` to the record; return the other values to assign."""
    others = {name: value for name, value in values.items() if name != "attributes"}
    changes = values.get("attributes") or {}
    if not isinstance(changes, Mapping):
        errors["attributes"] = _("Send custom attributes as an object of key: value.")
        return others
    record.attributes = clean_attribute_values(record_type, record.attributes or {}, changes,
                                               creating=creating, errors=errors)
    return others


def _default_owner_and_office(record: Account | Contact, actor: User,
                              values: Mapping[str, Any]) -> None:
    if "owner" not in values:
        record.owner = actor
    if "office" not in values:
        office_id = permissions.default_office_id(actor)
        record.office_id = office_id


@transaction.atomic
def account_create(*, actor: User, via: Via, values: Mapping[str, Any]) -> Account:
    account = Account(created_by=actor)
    _default_owner_and_office(account, actor, values)
    errors: dict[str, str] = {}
    values = _assign_attributes(account, "account", values, creating=True, errors=errors)
    assign_values(account, values, editable=ACCOUNT_FIELDS,
                  normalisers=_account_normalisers(actor), errors=errors)
    _check_parent(account, actor, errors)
    validate_record(account, errors,
                    exclude=("parent", "owner", "office", "created_by", "attributes"))
    ensure_may(actor, "accounts", "create", account)
    save_created(account, actor=actor, via=via, fields=ACCOUNT_HISTORY)
    return account


@transaction.atomic
def sub_account_create(*, actor: User, via: Via, parent: Account,
                       values: Mapping[str, Any]) -> Account:
    """A sub-account (a job) under `parent`; it belongs to the parent's owner and office
    unless `values` says otherwise, so whoever looks after the customer sees the job."""
    ensure_may_add_sub_account(actor, parent)
    inherited = {"owner": parent.owner_id, "office": parent.office_id}
    return account_create(actor=actor, via=via,
                          values={**inherited, **values, "parent": parent.pk})


@transaction.atomic
def account_update(*, actor: User, via: Via, account: Account, values: Mapping[str, Any],
                   expected_version: int | None = None) -> Account:
    account = Account.objects.select_for_update().get(pk=account.pk)
    ensure_may(actor, "accounts", "edit", account)
    check_version(account, expected_version)
    before = snapshot(account, ACCOUNT_HISTORY)
    old_parent_id = account.parent_id
    errors: dict[str, str] = {}
    values = _assign_attributes(account, "account", values, creating=False, errors=errors)
    assign_values(account, values, editable=ACCOUNT_FIELDS,
                  normalisers=_account_normalisers(actor), errors=errors)
    if account.parent_id != old_parent_id:
        _check_parent(account, actor, errors)
    validate_record(account, errors,
                    exclude=("parent", "owner", "office", "created_by", "attributes"))
    save_updated(account, before, actor=actor, via=via, fields=ACCOUNT_HISTORY)
    return account


@transaction.atomic
def account_delete(*, actor: User, via: Via, account: Account,
                   expected_version: int | None = None) -> None:
    account = Account.objects.select_for_update().get(pk=account.pk)
    ensure_may(actor, "accounts", "delete", account)
    check_version(account, expected_version)
    sub_count = account.sub_accounts.count()
    if sub_count:
        raise Conflict(
            _("%(name)s has %(count)s sub-account(s). Move or delete them first.")
            % {"name": account.name, "count": sub_count},
            fields={"sub_accounts": str(sub_count)},
        )
    record_history(record=account, actor=actor, via=via, action=HistoryEntry.Action.DELETED)
    account.delete()


@transaction.atomic
def contact_create(*, actor: User, via: Via, values: Mapping[str, Any],
                   account: Account | None = None, job_title: str = "") -> Contact:
    contact = Contact(created_by=actor)
    _default_owner_and_office(contact, actor, values)
    errors: dict[str, str] = {}
    values = _assign_attributes(contact, "contact", values, creating=True, errors=errors)
    assign_values(contact, values, editable=CONTACT_FIELDS, normalisers=_CONTACT_NORMALISERS,
                  errors=errors)
    validate_record(contact, errors, exclude=("owner", "office", "created_by", "attributes"))
    ensure_may(actor, "contacts", "create", contact)
    save_created(contact, actor=actor, via=via, fields=CONTACT_HISTORY)
    if account is not None:
        contact_link_account(actor=actor, via=via, contact=contact, account=account,
                             job_title=job_title)
    return contact


@transaction.atomic
def contact_update(*, actor: User, via: Via, contact: Contact, values: Mapping[str, Any],
                   expected_version: int | None = None) -> Contact:
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    ensure_may(actor, "contacts", "edit", contact)
    check_version(contact, expected_version)
    before = snapshot(contact, CONTACT_HISTORY)
    errors: dict[str, str] = {}
    values = _assign_attributes(contact, "contact", values, creating=False, errors=errors)
    assign_values(contact, values, editable=CONTACT_FIELDS, normalisers=_CONTACT_NORMALISERS,
                  errors=errors)
    validate_record(contact, errors, exclude=("owner", "office", "created_by", "attributes"))
    save_updated(contact, before, actor=actor, via=via, fields=CONTACT_HISTORY)
    return contact


@transaction.atomic
def contact_delete(*, actor: User, via: Via, contact: Contact,
                   expected_version: int | None = None) -> None:
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    ensure_may(actor, "contacts", "delete", contact)
    check_version(contact, expected_version)
    record_history(record=contact, actor=actor, via=via, action=HistoryEntry.Action.DELETED)
    contact.delete()


@transaction.atomic
def contact_link_account(*, actor: User, via: Via, contact: Contact, account: Account,
                         job_title: str = "") -> AccountContact:
    """Link a contact to an account (or change the job title of an existing link)."""
    ensure_may(actor, "contacts", "edit", contact)
    job_title = job_title.strip()
    if len(job_title) > 100:
        raise InvalidInput(_("The job title is too long."),
                           fields={"job_title": _("at most 100 characters")})
    link, created = AccountContact.objects.get_or_create(
        account=account, contact=contact, defaults={"job_title": job_title})
    if not created and link.job_title != job_title:
        old = link.job_title
        link.job_title = job_title
        link.save(update_fields=["job_title"])
        changes = [{"field": "job_title", "label": "job title", "old": old, "new": job_title}]
        record_history(record=contact, actor=actor, via=via, action=HistoryEntry.Action.UPDATED,
                       changes=changes, summary=f"Job title at {account.name}")
    elif created:
        summary = f"Linked to {account.name}" + (f" as {job_title}" if job_title else "")
        record_history(record=contact, actor=actor, via=via, action=HistoryEntry.Action.LINKED,
                       summary=summary)
        record_history(record=account, actor=actor, via=via, action=HistoryEntry.Action.LINKED,
                       summary=f"Contact {contact} linked")
    return link


@transaction.atomic
def contact_unlink_account(*, actor: User, via: Via, contact: Contact, account: Account) -> None:
    ensure_may(actor, "contacts", "edit", contact)
    deleted, _rows = AccountContact.objects.filter(account=account, contact=contact).delete()
    if deleted:
        record_history(record=contact, actor=actor, via=via, action=HistoryEntry.Action.UNLINKED,
                       summary=f"Unlinked from {account.name}")
        record_history(record=account, actor=actor, via=via, action=HistoryEntry.Action.UNLINKED,
                       summary=f"Contact {contact} unlinked")

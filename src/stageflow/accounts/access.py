"""Scope for accounts and contacts: the only place that decides who sees and changes which."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from stageflow.accounts.models import Account, Contact
from stageflow.core.errors import NotAllowed, NotFound
from stageflow.people import permissions
from stageflow.people.models import User
from stageflow.people.selectors import is_record_id


def accounts_for(user: User, action: str = "view") -> QuerySet[Account]:
    condition = permissions.scope_filter(user, "accounts", action)
    if condition is None:
        return Account.objects.none()
    return Account.objects.filter(condition)


def contacts_for(user: User, action: str = "view") -> QuerySet[Contact]:
    condition = permissions.scope_filter(user, "contacts", action)
    if condition is None:
        return Contact.objects.none()
    return Contact.objects.filter(condition)


def access_account_by_id(user: User, account_id: int, action: str = "view") -> Account:
    """The account if `user` may see it and perform `action`: 404 when unseen, 403 when seen."""
    # get(), unlike first(), drops the default ordering this single-row lookup does not need.
    try:
        account = accounts_for(user).select_related("owner", "office", "parent").get(
            pk=account_id)
    except Account.DoesNotExist:
        raise NotFound(_("No such account.")) from None
    ensure_may(user, "accounts", action, account)
    return account


def access_contact_by_id(user: User, contact_id: int, action: str = "view") -> Contact:
    try:
        contact = contacts_for(user).select_related("owner", "office").get(pk=contact_id)
    except Contact.DoesNotExist:
        raise NotFound(_("No such contact.")) from None
    ensure_may(user, "contacts", action, contact)
    return contact


def ensure_may(user: User, record_type: str, action: str, record: Account | Contact) -> None:
    if not permissions.may(user, record_type, action, owner_id=record.owner_id,
                           office_id=record.office_id):
        raise NotAllowed(permissions.refusal(action))


def visible_account_value(user: User) -> Callable[[Any], Account | None]:
    """A value normaliser: the account with this id when `user` may see it (None for empty)."""

    def account_value(value: Any) -> Account | None:
        if value in (None, ""):
            return None
        account = accounts_for(user).filter(pk=value).first() if is_record_id(value) else None
        if account is None:
            raise ValueError(_("Unknown account."))
        return account

    return account_value


def visible_contact_value(user: User) -> Callable[[Any], Contact | None]:
    """A value normaliser: the contact with this id when `user` may see it (None for empty)."""

    def contact_value(value: Any) -> Contact | None:
        if value in (None, ""):
            return None
        contact = contacts_for(user).filter(pk=value).first() if is_record_id(value) else None
        if contact is None:
            raise ValueError(_("Unknown contact."))
        return contact

    return contact_value

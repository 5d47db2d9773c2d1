"""Reads of accounts and contacts shared by pages, the API and exports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Q, QuerySet

from stageflow.accounts.access import accounts_for, contacts_for
from stageflow.accounts.models import Account, AccountContact, Contact
from stageflow.accounts.search import text_condition
from stageflow.core.validation import normalise_email, normalise_phone
from stageflow.people import permissions
from stageflow.people.models import User

ACCOUNT_ORDERINGS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "status": ("customer_status", "name", "id"),
    "city": ("billing_city", "name", "id"),
}
CONTACT_ORDERINGS = {
    "name": ("last_name", "first_name", "id"),
    "-name": ("-last_name", "-first_name", "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
}


PHONE_CHARACTERS = set("0123456789+-() ./")


def _phone_digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _looks_like_phone(text: str) -> bool:
    return set(text) <= PHONE_CHARACTERS


def phone_condition(table: str, fields: tuple[str, ...], text: str) -> Q | None:
    """Records whose stored E.164 numbers contain the digits typed (at least four), or None
    when there are too few digits to search phone numbers."""
    digits = _phone_digits(text)
    if len(digits) < 4:
        return None
    return text_condition(table, fields, digits)


def account_list(
    *,
    user: User,
    q: str = "",
    customer_status: str = "",
    office_id: int | None = None,
    owner_id: int | None = None,
    parent_id: int | None = None,
    top_level_only: bool = False,
    tag: str = "",
    ordering: str = "name",
) -> QuerySet[Account]:
    accounts = accounts_for(user).select_related("owner", "office", "parent")
    q = q.strip()
    if q:
        phones = phone_condition("accounts_account", ("phone", "phone_alt"), q)
        if phones is not None and _looks_like_phone(q):
            condition = phones
        else:
            condition = text_condition("accounts_account", ("name", "email", "billing_city"),
                                       q)
            if phones is not None:
                condition |= phones
        accounts = accounts.filter(condition)
    if customer_status:
        accounts = accounts.filter(customer_status=customer_status)
    if tag:
        # Tags live in the sales app, which adds the `tags` relation to accounts.
        accounts = accounts.filter(tags__name=tag)
    if office_id is not None:
        accounts = accounts.filter(office_id=office_id)
    if owner_id is not None:
        accounts = accounts.filter(owner_id=owner_id)
    if parent_id is not None:
        accounts = accounts.filter(parent_id=parent_id)
    if top_level_only:
        accounts = accounts.filter(parent__isnull=True)
    return accounts.order_by(*ACCOUNT_ORDERINGS.get(ordering, ACCOUNT_ORDERINGS["name"]))


def contact_list(
    *,
    user: User,
    q: str = "",
    account_id: int | None = None,
    office_id: int | None = None,
    owner_id: int | None = None,
    ordering: str = "name",
) -> QuerySet[Contact]:
    contacts = contacts_for(user).select_related("owner", "office")
    q = q.strip()
    if q:
        condition = text_condition("accounts_contact",
                                   ("first_name", "last_name", "email", "email_alt"), q)
        first, _space, last = q.partition(" ")
        if last:
            condition |= Q(first_name__icontains=first, last_name__icontains=last.strip())
        phones = phone_condition("accounts_contact", ("phone", "mobile"), q)
        if phones is not None:
            condition = phones if _looks_like_phone(q) else condition | phones
        contacts = contacts.filter(condition)
    if account_id is not None:
        contacts = contacts.filter(account_links__account_id=account_id)
    if office_id is not None:
        contacts = contacts.filter(office_id=office_id)
    if owner_id is not None:
        contacts = contacts.filter(owner_id=owner_id)
    return contacts.order_by(*CONTACT_ORDERINGS.get(ordering, CONTACT_ORDERINGS["name"]))


def _visible(user: User, record_type: str, record: Account | Contact) -> bool:
    return permissions.may(user, record_type, "view", owner_id=record.owner_id,
                           office_id=record.office_id)


def account_links_of_contacts(contacts: Iterable[Contact],
                              user: User) -> dict[int, list[AccountContact]]:
    """The visible account links of each contact, fetched in one query.

    The links are few, so scope is checked on each linked account rather than by joining
    every visible account in SQL, which is slow on large workspaces.
    """
    ids = [contact.pk for contact in contacts]
    links: dict[int, list[AccountContact]] = {contact_id: [] for contact_id in ids}
    rows = AccountContact.objects.filter(contact_id__in=ids).select_related("account")
    for link in rows:
        if _visible(user, "accounts", link.account):
            links[link.contact_id].append(link)
    return links


def contact_links_of_account(account: Account, user: User) -> list[AccountContact]:
    rows = AccountContact.objects.filter(account=account).select_related("contact").order_by(
        "contact__last_name", "contact__first_name")
    return [link for link in rows if _visible(user, "contacts", link.contact)]


def sub_accounts_of(account: Account, user: User) -> QuerySet[Account]:
    return accounts_for(user).filter(parent=account).order_by("name")


def possible_duplicate_accounts(*, user: User, email: str = "", phones: Iterable[str] = (),
                                exclude_id: int | None = None) -> list[Account]:
    """Visible accounts that share the email or one of the phone numbers."""
    condition = Q()
    if email:
        condition |= Q(email__iexact=email)
    for phone in filter(None, phones):
        condition |= Q(phone=phone) | Q(phone_alt=phone)
    if not condition:
        return []
    accounts = accounts_for(user).filter(condition)
    if exclude_id is not None:
        accounts = accounts.exclude(pk=exclude_id)
    return list(accounts.order_by("name")[:10])


def possible_duplicate_contacts(*, user: User, emails: Iterable[str] = (),
                                phones: Iterable[str] = (),
                                exclude_id: int | None = None) -> list[Contact]:
    condition = Q()
    for email in filter(None, emails):
        condition |= Q(email__iexact=email) | Q(email_alt__iexact=email)
    for phone in filter(None, phones):
        condition |= Q(phone=phone) | Q(mobile=phone)
    if not condition:
        return []
    contacts = contacts_for(user).filter(condition)
    if exclude_id is not None:
        contacts = contacts.exclude(pk=exclude_id)
    return list(contacts.order_by("last_name")[:10])


def _normalised(normalise: Any, value: Any) -> str:
    try:
        return str(normalise(value or ""))
    except ValueError:
        return ""


def duplicate_accounts_for_values(*, user: User, values: Mapping[str, Any]) -> list[Account]:
    """Possible duplicates of an account about to be created from these raw values."""
    return possible_duplicate_accounts(
        user=user, email=_normalised(normalise_email, values.get("email")),
        phones=[_normalised(normalise_phone, values.get(name)) for name in ("phone", "phone_alt")])


def duplicate_contacts_for_values(*, user: User, values: Mapping[str, Any]) -> list[Contact]:
    return possible_duplicate_contacts(
        user=user,
        emails=[_normalised(normalise_email, values.get(name)) for name in ("email", "email_alt")],
        phones=[_normalised(normalise_phone, values.get(name)) for name in ("phone", "mobile")])

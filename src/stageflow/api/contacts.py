"""/api/v1/contacts: people, the accounts they work for, and their history."""

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from stageflow.accounts import selectors, services
from stageflow.accounts.access import access_account_by_id, access_contact_by_id
from stageflow.accounts.models import AccountContact, Contact
from stageflow.api.common import HistoryOut, Ref, caller, expected_version, ref
from stageflow.core.history import history_of
from stageflow.core.models import HistoryEntry, Via

router = Router(tags=["contacts"])


class ContactFields(Schema):
    attributes: dict[str, Any] | None = None
    first_name: str | None = None
    title: str | None = None
    email: str | None = None
    email_alt: str | None = None
    phone: str | None = None
    mobile: str | None = None
    owner: int | None = None
    office: int | None = None
    notes: str | None = None


class ContactCreateIn(ContactFields):
    last_name: str
    account: int | None = None
    job_title: str = ""


class ContactUpdateIn(ContactFields):
    last_name: str | None = None
    version: int | None = None


class AccountLinkOut(Schema):
    account: Ref
    job_title: str

    @staticmethod
    def resolve_account(link: AccountContact) -> dict[str, Any] | None:
        return ref(link.account)


class ContactOut(Schema):
    id: int
    name: str
    first_name: str
    last_name: str
    title: str
    email: str
    email_alt: str
    phone: str
    mobile: str
    notes: str
    attributes: dict[str, Any]
    owner: Ref | None
    office: Ref | None
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_name(contact: Contact) -> str:
        return str(contact)

    @staticmethod
    def resolve_owner(contact: Contact) -> dict[str, Any] | None:
        return ref(contact.owner)

    @staticmethod
    def resolve_office(contact: Contact) -> dict[str, Any] | None:
        return ref(contact.office)


class ContactDetailOut(ContactOut):
    accounts: list[AccountLinkOut]

    @staticmethod
    def resolve_accounts(contact: Contact) -> list[AccountContact]:
        return list(getattr(contact, "visible_account_links", []))


class ContactCreatedOut(ContactDetailOut):
    possible_duplicates: list[Ref] = []


class ContactFilters(Schema):
    q: str = ""
    account: int | None = None
    office: int | None = None
    owner: int | None = None
    ordering: str = "name"


class AccountLinkIn(Schema):
    job_title: str = ""


def _with_accounts(contact: Contact, request: HttpRequest) -> Contact:
    links = selectors.account_links_of_contacts([contact], caller(request))
    contact.visible_account_links = links[contact.pk]  # type: ignore[attr-defined]
    return contact


@router.get("", response=list[ContactOut], operation_id="list_contacts")
@paginate(LimitOffsetPagination)
def list_contacts(request: HttpRequest, filters: Query[ContactFilters]) -> QuerySet[Contact]:
    return selectors.contact_list(user=caller(request), q=filters.q, account_id=filters.account,
                                  office_id=filters.office, owner_id=filters.owner,
                                  ordering=filters.ordering)


@router.post("", response={201: ContactCreatedOut}, operation_id="create_contact")
def create_contact(request: HttpRequest, payload: ContactCreateIn) -> Status[Contact]:
    user = caller(request)
    values = payload.model_dump(exclude_unset=True)
    account_id = values.pop("account", None)
    job_title = values.pop("job_title", "")
    account = access_account_by_id(user, account_id) if account_id is not None else None
    contact = services.contact_create(actor=user, via=Via.API, values=values, account=account,
                                      job_title=job_title)
    duplicates = selectors.possible_duplicate_contacts(
        user=user, emails=[contact.email, contact.email_alt],
        phones=[contact.phone, contact.mobile], exclude_id=contact.pk)
    contact.possible_duplicates = [ref(d) for d in duplicates]  # type: ignore[attr-defined]
    return Status(201, _with_accounts(contact, request))


@router.get("/{contact_id}", response=ContactDetailOut, operation_id="get_contact")
def get_contact(request: HttpRequest, contact_id: int) -> Contact:
    return _with_accounts(access_contact_by_id(caller(request), contact_id), request)


@router.patch("/{contact_id}", response=ContactDetailOut, operation_id="update_contact")
def update_contact(request: HttpRequest, contact_id: int, payload: ContactUpdateIn) -> Contact:
    user = caller(request)
    contact = access_contact_by_id(user, contact_id, "edit")
    values = payload.model_dump(exclude_unset=True)
    body_version = values.pop("version", None)
    contact = services.contact_update(actor=user, via=Via.API, contact=contact, values=values,
                                      expected_version=expected_version(request, body_version))
    return _with_accounts(contact, request)


@router.delete("/{contact_id}", response={204: None}, operation_id="delete_contact")
def delete_contact(request: HttpRequest, contact_id: int) -> Status[None]:
    user = caller(request)
    contact = access_contact_by_id(user, contact_id, "delete")
    services.contact_delete(actor=user, via=Via.API, contact=contact,
                            expected_version=expected_version(request, None))
    return Status(204, None)


@router.put("/{contact_id}/accounts/{account_id}", response=AccountLinkOut,
            operation_id="link_contact_account")
def link_contact_account(request: HttpRequest, contact_id: int, account_id: int,
                         payload: AccountLinkIn) -> AccountContact:
    user = caller(request)
    contact = access_contact_by_id(user, contact_id, "edit")
    account = access_account_by_id(user, account_id)
    return services.contact_link_account(actor=user, via=Via.API, contact=contact,
                                         account=account, job_title=payload.job_title)


@router.delete("/{contact_id}/accounts/{account_id}", response={204: None},
               operation_id="unlink_contact_account")
def unlink_contact_account(request: HttpRequest, contact_id: int,
                           account_id: int) -> Status[None]:
    user = caller(request)
    contact = access_contact_by_id(user, contact_id, "edit")
    account = access_account_by_id(user, account_id)
    services.contact_unlink_account(actor=user, via=Via.API, contact=contact, account=account)
    return Status(204, None)


@router.get("/{contact_id}/history", response=list[HistoryOut], operation_id="contact_history")
@paginate(LimitOffsetPagination)
def contact_history(request: HttpRequest, contact_id: int) -> QuerySet[HistoryEntry]:
    return history_of(access_contact_by_id(caller(request), contact_id))

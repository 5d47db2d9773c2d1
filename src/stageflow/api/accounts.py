"""/api/v1/accounts: customer accounts, their sub-accounts, contacts and history."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from stageflow.accounts import payment_methods, selectors, services
from stageflow.accounts.access import access_account_by_id
from stageflow.accounts.models import Account, AccountContact, CustomerStatus, PaymentMethod
from stageflow.api.common import HistoryOut, Ref, caller, expected_version, ref
from stageflow.core.errors import InvalidInput
from stageflow.core.history import history_of
from stageflow.core.models import HistoryEntry, Via
from stageflow.core.validation import normalise_phone
from stageflow.jobs.naming import job_name
from stageflow.people.models import User
from stageflow.sales.access import access_record_by_id
from stageflow.sales.models import Opportunity
from stageflow.sales.services import record_tag

router = Router(tags=["accounts"])

# A page's tags, fetched in one query into a plain list on each account: far cheaper to read
# than a related manager made for every row.
PAGE_TAGS = Prefetch("tags", to_attr="page_tags")


class AccountFields(Schema):
    attributes: dict[str, Any] | None = None
    # A plain string: the service refuses an unknown status as 422 naming the field.
    customer_status: str | None = None
    parent: int | None = None
    owner: int | None = None
    office: int | None = None
    email: str | None = None
    phone: str | None = None
    phone_alt: str | None = None
    website: str | None = None
    billing_street: str | None = None
    billing_city: str | None = None
    billing_postcode: str | None = None
    billing_region: str | None = None
    billing_country: str | None = None
    service_street: str | None = None
    service_city: str | None = None
    service_postcode: str | None = None
    service_region: str | None = None
    service_country: str | None = None
    notes: str | None = None


class AccountCreateIn(AccountFields):
    name: str
    tags: list[str] = []


class TagIn(Schema):
    tag: str


class SubAccountCreateIn(AccountFields):
    # Omitted with an `opportunity` given: named by the workspace's job naming template.
    name: str | None = None
    opportunity: int | None = None
    tags: list[str] = []
    parent: None = None


class AccountUpdateIn(AccountFields):
    name: str | None = None
    version: int | None = None


class AccountOut(Schema):
    id: int
    name: str
    customer_status: str
    parent: Ref | None
    owner: Ref | None
    office: Ref | None
    email: str
    phone: str
    phone_alt: str
    website: str
    billing_street: str
    billing_city: str
    billing_postcode: str
    billing_region: str
    billing_country: str
    service_street: str
    service_city: str
    service_postcode: str
    service_region: str
    service_country: str
    notes: str
    attributes: dict[str, Any]
    tags: list[str]
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_tags(account: Account) -> list[str]:
        tags = getattr(account, "page_tags", None)
        return [tag.name for tag in (account.tags.all() if tags is None else tags)]

    @staticmethod
    def resolve_parent(account: Account) -> dict[str, Any] | None:
        return ref(account.parent)

    @staticmethod
    def resolve_owner(account: Account) -> dict[str, Any] | None:
        return ref(account.owner)

    @staticmethod
    def resolve_office(account: Account) -> dict[str, Any] | None:
        return ref(account.office)


class AccountCreatedOut(AccountOut):
    possible_duplicates: list[Ref] = []


class AccountFilters(Schema):
    q: str = ""
    customer_status: CustomerStatus | None = None
    office: int | None = None
    owner: int | None = None
    parent: int | None = None
    top_level: bool = False
    tag: str = ""
    ordering: str = "name"


class AccountContactOut(Schema):
    contact: Ref
    job_title: str

    @staticmethod
    def resolve_contact(link: AccountContact) -> dict[str, Any] | None:
        return ref(link.contact)


class DuplicateQuery(Schema):
    email: str = ""
    phone: str = ""


@transaction.atomic
def _created(request: HttpRequest, values: dict[str, Any]) -> Status[Account]:
    user = caller(request)
    tags = values.pop("tags", [])
    account = services.account_create(actor=user, via=Via.API, values=values)
    for tag in tags:
        record_tag(actor=user, via=Via.API, record=account, tag_name=tag)
    phones = [account.phone, account.phone_alt]
    duplicates = selectors.possible_duplicate_accounts(
        user=user, email=account.email, phones=phones, exclude_id=account.pk)
    account.possible_duplicates = [ref(d) for d in duplicates]  # type: ignore[attr-defined]
    return Status(201, account)


@router.get("", response=list[AccountOut], operation_id="list_accounts")
@paginate(LimitOffsetPagination)
def list_accounts(request: HttpRequest, filters: Query[AccountFilters]) -> QuerySet[Account]:
    return selectors.account_list(
        user=caller(request), q=filters.q, customer_status=filters.customer_status or "",
        office_id=filters.office, owner_id=filters.owner, parent_id=filters.parent,
        top_level_only=filters.top_level, tag=filters.tag,
        ordering=filters.ordering).prefetch_related(PAGE_TAGS)


@router.post("", response={201: AccountCreatedOut}, operation_id="create_account")
def create_account(request: HttpRequest, payload: AccountCreateIn) -> Status[Account]:
    return _created(request, payload.model_dump(exclude_unset=True))


@router.get("/duplicates", response=list[Ref], operation_id="find_duplicate_accounts")
def find_duplicate_accounts(request: HttpRequest, query: Query[DuplicateQuery]) -> list[Any]:
    try:
        phone = normalise_phone(query.phone)
    except ValueError:
        phone = ""
    duplicates = selectors.possible_duplicate_accounts(
        user=caller(request), email=query.email.strip(), phones=[phone])
    return [ref(account) for account in duplicates]


@router.get("/{account_id}", response=AccountOut, operation_id="get_account")
def get_account(request: HttpRequest, account_id: int) -> Account:
    return access_account_by_id(caller(request), account_id)


@router.patch("/{account_id}", response=AccountOut, operation_id="update_account")
def update_account(request: HttpRequest, account_id: int, payload: AccountUpdateIn) -> Account:
    user = caller(request)
    account = access_account_by_id(user, account_id, "edit")
    values = payload.model_dump(exclude_unset=True)
    body_version = values.pop("version", None)
    return services.account_update(
        actor=user, via=Via.API, account=account, values=values,
        expected_version=expected_version(request, body_version))


@router.post("/{account_id}/tags", response=AccountOut, operation_id="tag_account")
def add_tag(request: HttpRequest, account_id: int, payload: TagIn) -> Account:
    user = caller(request)
    account = access_account_by_id(user, account_id, "edit")
    record_tag(actor=user, via=Via.API, record=account, tag_name=payload.tag)
    return access_account_by_id(user, account_id)


@router.delete("/{account_id}/tags/{tag}", response=AccountOut, operation_id="untag_account")
def remove_tag(request: HttpRequest, account_id: int, tag: str) -> Account:
    user = caller(request)
    account = access_account_by_id(user, account_id, "edit")
    record_tag(actor=user, via=Via.API, record=account, tag_name=tag, add=False)
    return access_account_by_id(user, account_id)


@router.delete("/{account_id}", response={204: None}, operation_id="delete_account")
def delete_account(request: HttpRequest, account_id: int) -> Status[None]:
    user = caller(request)
    account = access_account_by_id(user, account_id, "delete")
    services.account_delete(actor=user, via=Via.API, account=account,
                            expected_version=expected_version(request, None))
    return Status(204, None)


@router.get("/{account_id}/sub-accounts", response=list[AccountOut],
            operation_id="list_sub_accounts")
@paginate(LimitOffsetPagination)
def list_sub_accounts(request: HttpRequest, account_id: int) -> QuerySet[Account]:
    user = caller(request)
    account = access_account_by_id(user, account_id)
    return selectors.account_list(user=user, parent_id=account.pk).prefetch_related(PAGE_TAGS)


@router.post("/{account_id}/sub-accounts", response={201: AccountCreatedOut},
             operation_id="create_sub_account")
def create_sub_account(request: HttpRequest, account_id: int,
                       payload: SubAccountCreateIn) -> Status[Account]:
    """A sub-account (job) under the account, with its owner and office unless given. With no
    name and an `opportunity` of this account, the job naming template names it."""
    user = caller(request)
    parent = access_account_by_id(user, account_id)
    values = payload.model_dump(exclude_unset=True)
    opportunity_id = values.pop("opportunity", None)
    tags = values.pop("tags", [])
    if not (values.get("name") or "").strip() and opportunity_id is not None:
        values["name"] = _templated_name(user, parent, opportunity_id)
    with transaction.atomic():
        account = services.sub_account_create(actor=user, via=Via.API, parent=parent,
                                              values=values)
        for tag in tags:
            record_tag(actor=user, via=Via.API, record=account, tag_name=tag)
    return Status(201, account)


def _templated_name(user: User, parent: Account, opportunity_id: int) -> str:
    services.ensure_may_add_sub_account(user, parent)
    opportunity = access_record_by_id(user, "opportunity", opportunity_id)
    assert isinstance(opportunity, Opportunity)
    if opportunity.account_id != parent.pk:
        message = _("Not an opportunity of %(name)s.") % {"name": parent.name}
        raise InvalidInput(message, fields={"opportunity": message})
    return job_name(opportunity)


@router.get("/{account_id}/contacts", response=list[AccountContactOut],
            operation_id="list_account_contacts")
@paginate(LimitOffsetPagination)
def list_account_contacts(request: HttpRequest, account_id: int) -> list[AccountContact]:
    user = caller(request)
    account = access_account_by_id(user, account_id)
    return selectors.contact_links_of_account(account, user)


@router.get("/{account_id}/history", response=list[HistoryOut], operation_id="account_history")
@paginate(LimitOffsetPagination)
def account_history(request: HttpRequest, account_id: int) -> QuerySet[HistoryEntry]:
    return history_of(access_account_by_id(caller(request), account_id))


# --- cards on file (decision 14) ----------------------------------------------------------


class PaymentMethodIn(Schema):
    token: str
    provider: str | None = None
    brand: str | None = None
    last4: str | None = None
    exp_month: int | None = None
    exp_year: int | None = None
    label: str | None = None
    is_default: bool = False


class PaymentMethodOut(Schema):
    """What is shown of a card: never the provider's token, never a number."""

    id: int
    brand: str
    last4: str
    exp_month: int | None
    exp_year: int | None
    label: str
    is_default: bool
    created_at: datetime


@router.get("/{account_id}/payment-methods", response=list[PaymentMethodOut],
            operation_id="list_payment_methods")
@paginate(LimitOffsetPagination)
def list_payment_methods(request: HttpRequest, account_id: int) -> QuerySet[PaymentMethod]:
    return payment_methods.payment_methods_of(access_account_by_id(caller(request), account_id))


@router.post("/{account_id}/payment-methods", response={201: PaymentMethodOut},
             operation_id="create_payment_method")
def create_payment_method(request: HttpRequest, account_id: int,
                          payload: PaymentMethodIn) -> Status[PaymentMethod]:
    """Keep a card on file from a payment provider's token (`tok_visa` with the test provider)."""
    user = caller(request)
    account = access_account_by_id(user, account_id, "edit")
    method = payment_methods.payment_method_add(actor=user, via=Via.API, account=account,
                                                values=payload.model_dump(exclude_unset=True))
    return Status(201, method)


@router.delete("/{account_id}/payment-methods/{payment_method_id}", response={204: None},
               operation_id="delete_payment_method")
def delete_payment_method(request: HttpRequest, account_id: int,
                          payment_method_id: int) -> Status[None]:
    user = caller(request)
    account = access_account_by_id(user, account_id, "edit")
    method = payment_methods.payment_method_of(account, payment_method_id)
    payment_methods.payment_method_delete(actor=user, via=Via.API, payment_method=method)
    return Status(204, None)

"""Scope of orders and invoices: by their own owner and office, and never wider than the
customer account and the opportunity they belong to."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from stageflow.accounts.access import accounts_for
from stageflow.billing.models import Invoice, Order
from stageflow.core.errors import NotAllowed, NotFound
from stageflow.people import permissions
from stageflow.people.models import Scope, User
from stageflow.sales.access import records_for

Document = TypeVar("Document", Order, Invoice)
PERMISSION_TYPES = {Order: "orders", Invoice: "invoices"}


def _documents_for(model: type[Document], user: User, action: str) -> QuerySet[Document]:
    condition = permissions.scope_filter(user, PERMISSION_TYPES[model], action)
    if condition is None:
        return model.objects.none()
    documents = model.objects.filter(condition)
    # Related records follow the scope of what they hang off where that is stricter.
    if permissions.scope_for(user, "opportunities", "view") != Scope.ALL:
        documents = documents.filter(
            Q(opportunity__isnull=True)
            | Q(opportunity__in=records_for(user, "opportunity").values("pk")))
    if permissions.scope_for(user, "accounts", "view") != Scope.ALL:
        documents = documents.filter(account__in=accounts_for(user).values("pk"))
    return documents


def orders_for(user: User, action: str = "view") -> QuerySet[Order]:
    return _documents_for(Order, user, action)


def invoices_for(user: User, action: str = "view") -> QuerySet[Invoice]:
    return _documents_for(Invoice, user, action)


def may_document(user: User, action: str, document: Order | Invoice) -> bool:
    return permissions.may(user, PERMISSION_TYPES[type(document)], action,
                           owner_id=document.owner_id, office_id=document.office_id)


def ensure_may_document(user: User, action: str, document: Order | Invoice) -> None:
    if not may_document(user, action, document):
        raise NotAllowed(permissions.refusal(action))


def access_order_by_id(user: User, order_id: int, action: str = "view") -> Order:
    """The order if `user` may see it and perform `action`: 404 when unseen, 403 when seen."""
    order = orders_for(user).select_related(
        "account", "opportunity", "estimate", "contact", "owner", "office").filter(
        pk=order_id).first()
    if order is None:
        raise NotFound(_("No such order."))
    ensure_may_document(user, action, order)
    return order


def access_invoice_by_id(user: User, invoice_id: int, action: str = "view") -> Invoice:
    """The invoice if `user` may see it and perform `action`: 404 unseen, 403 when seen."""
    invoice = invoices_for(user).select_related(
        "account", "opportunity", "estimate", "order", "contact", "owner", "office").filter(
        pk=invoice_id).first()
    if invoice is None:
        raise NotFound(_("No such invoice."))
    ensure_may_document(user, action, invoice)
    return invoice

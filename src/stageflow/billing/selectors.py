"""Reads of orders and invoices shared by the API and the pages, in bounded queries."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from stageflow.accounts.models import Account
from stageflow.billing.access import invoices_for, orders_for
from stageflow.billing.models import Invoice, InvoiceLine, Order, OrderLine
from stageflow.people.models import User
from stageflow.sales.models import Opportunity

LIST_RELATED = ("account", "opportunity", "owner")


def latest_order(opportunity: Opportunity) -> Order | None:
    """The opportunity's newest order that is not cancelled."""
    return (Order.objects.filter(opportunity=opportunity)
            .exclude(status=Order.Status.CANCELLED).select_related("estimate")
            .prefetch_related("lines").order_by("-created_at", "-id").first())


def _for_account(documents: QuerySet, account: Account) -> QuerySet:
    """An account's documents include those of its jobs (sub-accounts)."""
    return documents.filter(Q(account=account) | Q(account__parent=account))


def order_list(user: User, *, status: str = "", account: Account | None = None,
               opportunity: Opportunity | None = None) -> QuerySet[Order]:
    orders = orders_for(user).select_related(*LIST_RELATED)
    if status:
        orders = orders.filter(status=status)
    if account is not None:
        orders = _for_account(orders, account)
    if opportunity is not None:
        orders = orders.filter(opportunity=opportunity)
    return orders


def invoice_list(user: User, *, status: str = "", account: Account | None = None,
                 opportunity: Opportunity | None = None) -> QuerySet[Invoice]:
    invoices = invoices_for(user).select_related(*LIST_RELATED)
    if status:
        invoices = invoices.filter(status=status)
    if account is not None:
        invoices = _for_account(invoices, account)
    if opportunity is not None:
        invoices = invoices.filter(opportunity=opportunity)
    return invoices


def order_with_lines(order: Order) -> Order:
    return Order.objects.select_related(
        "account", "opportunity", "estimate", "contact", "owner", "office").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("position", "id"))).get(
        pk=order.pk)


def invoice_with_lines(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_related(
        "account", "opportunity", "estimate", "order", "contact", "owner",
        "office").prefetch_related(
        Prefetch("lines", queryset=InvoiceLine.objects.order_by("position", "id"))).get(
        pk=invoice.pk)

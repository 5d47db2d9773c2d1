"""Changes to orders and invoices: create (from an estimate, an opportunity's source or typed
lines), edit while draft, and move through their statuses.

Orders are numbered when created. Invoices are numbered when issued (see Invoice): a draft
can be corrected or abandoned without leaving a gap in the issued sequence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stageflow.accounts.models import Account, Contact
from stageflow.billing import numbering
from stageflow.billing.access import ensure_may_document
from stageflow.billing.lines import LineValues, lines_from_rows, write_lines
from stageflow.billing.models import Invoice, Order
from stageflow.billing.sources import SourceLines, from_estimate, from_order, read_source
from stageflow.core import clock, events, workspace
from stageflow.core.errors import Conflict, InvalidInput
from stageflow.core.history import snapshot
from stageflow.core.models import Via
from stageflow.core.records import check_version, save_created, save_updated
from stageflow.people import permissions
from stageflow.people.models import User
from stageflow.quotes.models import Estimate
from stageflow.sales.models import Opportunity

PAYMENT_DAYS = 14
ORDER_FIELDS = ("number", "status", "account", "opportunity", "estimate", "contact", "currency",
                "notes", "total")
INVOICE_FIELDS = ("number", "status", "account", "opportunity", "estimate", "order", "contact",
                  "currency", "issue_date", "due_date", "notes", "total")
# Which status an order may move to from each status.
ORDER_MOVES: dict[str, tuple[str, ...]] = {
    Order.Status.DRAFT: (Order.Status.CONFIRMED, Order.Status.CANCELLED),
    Order.Status.CONFIRMED: (Order.Status.COMPLETED, Order.Status.CANCELLED),
    Order.Status.COMPLETED: (),
    Order.Status.CANCELLED: (),
}
ORDER_STAMPS = {Order.Status.CONFIRMED: "confirmed_at", Order.Status.COMPLETED: "completed_at",
                Order.Status.CANCELLED: "cancelled_at"}


def _contents(*, opportunity: Opportunity | None, estimate: Estimate | None,
              lines: Sequence[Mapping[str, Any]] | None, source: str) -> SourceLines:
    """The lines a new document gets: typed, an estimate's, or the opportunity's `source`."""
    if lines is not None:
        currency = opportunity.currency if opportunity else workspace.current().default_currency
        return SourceLines(lines=lines_from_rows(lines), currency=currency, estimate=estimate)
    if estimate is not None:
        return from_estimate(estimate)
    if opportunity is None:
        raise InvalidInput(_("Choose an estimate or an opportunity, or type the lines."),
                           fields={"lines": _("Required without an estimate or opportunity.")})
    return read_source(source, opportunity)


def _customer(account: Account | None, opportunity: Opportunity | None,
              contents: SourceLines) -> Account:
    """The account billed: the one given, else the estimate's, else the opportunity's. It
    must be the opportunity's customer or one of its jobs (sub-accounts)."""
    estimate_account = contents.estimate.account if contents.estimate else None
    customer = account or estimate_account or (opportunity.account if opportunity else None)
    if customer is None:
        raise InvalidInput(_("Choose the customer account."), fields={"account": _("Required.")})
    if opportunity is None or opportunity.account_id is None:
        return customer
    if opportunity.account_id not in (customer.pk, customer.parent_id):
        raise InvalidInput(
            _("%(account)s is neither the customer of “%(title)s” nor one of its jobs.")
            % {"account": customer, "title": opportunity.title},
            fields={"account": _("not this opportunity's customer")})
    return customer


def _place(document: Order | Invoice, actor: User, opportunity: Opportunity | None,
           customer: Account) -> None:
    """Owner and office come from the opportunity (else the account) for scope."""
    holder = opportunity or customer
    document.owner_id = holder.owner_id or actor.pk
    document.office_id = holder.office_id or permissions.default_office_id(actor)


@transaction.atomic
def order_create(*, actor: User, via: Via, account: Account | None = None,
                 opportunity: Opportunity | None = None, estimate: Estimate | None = None,
                 lines: Sequence[Mapping[str, Any]] | None = None,
                 contact: Contact | None = None, notes: str = "",
                 source: str = "selected_estimate") -> Order:
    """A new draft order with the next number: typed `lines`, the `estimate`'s lines, or those
    of the opportunity's `source` (its selected estimate unless told otherwise)."""
    opportunity = opportunity or (estimate.opportunity if estimate else None)
    contents = _contents(opportunity=opportunity, estimate=estimate, lines=lines, source=source)
    customer = _customer(account, opportunity, contents)
    order = Order(account=customer, opportunity=opportunity, estimate=contents.estimate,
                  contact=contact or (opportunity.contact if opportunity else None),
                  currency=contents.currency, notes=notes.strip()[:10000], created_by=actor)
    _place(order, actor, opportunity, customer)
    ensure_may_document(actor, "create", order)
    order.number = numbering.next_order_number()
    order.save()
    write_lines(order, contents.lines)
    save_created(order, actor=actor, via=via, fields=ORDER_FIELDS)
    events.emit("order.created", order_id=order.pk, record_id=order.opportunity_id,
                actor_id=actor.pk, via=via)
    return order


def _ensure_draft(document: Order | Invoice) -> None:
    if document.status != "draft":
        raise Conflict(
            _("%(document)s is %(status)s; only a draft can be changed.")
            % {"document": document, "status": document.get_status_display()},
            code="not_draft", fields={"status": document.status})


def _apply_edits(document: Order | Invoice, values: Mapping[str, Any],
                 lines: Sequence[Mapping[str, Any]] | None) -> list[LineValues] | None:
    """Notes, contact and (for invoices) due date; lines only while draft."""
    errors: dict[str, str] = {}
    for name, value in values.items():
        if name == "notes":
            text = str(value or "").strip()
            if len(text) > 10000:
                errors["notes"] = _("At most %(limit)s characters.") % {"limit": 10000}
            document.notes = text
        elif name == "contact":
            document.contact = value
        elif name == "due_date" and isinstance(document, Invoice):
            if value is not None and not isinstance(value, dt.date):
                errors["due_date"] = _("A date.")
            else:
                document.due_date = value
        else:
            errors[name] = _("Unknown field.")
    if errors:
        raise InvalidInput(_("Some fields need attention."), fields=errors)
    if lines is None:
        return None
    _ensure_draft(document)
    return lines_from_rows(lines)


@transaction.atomic
def order_update(*, actor: User, via: Via, order: Order, values: Mapping[str, Any],
                 lines: Sequence[Mapping[str, Any]] | None = None,
                 expected_version: int | None = None) -> Order:
    """Change notes or the contact; replace the lines while the order is a draft."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    ensure_may_document(actor, "edit", order)
    check_version(order, expected_version)
    before = snapshot(order, ORDER_FIELDS)
    new_lines = _apply_edits(order, values, lines)
    if new_lines is not None:
        write_lines(order, new_lines)
    save_updated(order, before, actor=actor, via=via, fields=ORDER_FIELDS)
    return order


@transaction.atomic
def order_set_status(*, actor: User, via: Via, order: Order, status: str,
                     expected_version: int | None = None) -> Order:
    """Confirm, complete or cancel an order (draft → confirmed → completed; cancelled from
    draft or confirmed)."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    ensure_may_document(actor, "edit", order)
    check_version(order, expected_version)
    if status not in Order.Status.values:
        raise InvalidInput(_("Unknown status."),
                           fields={"status": ", ".join(Order.Status.values)})
    if status not in ORDER_MOVES[order.status]:
        raise Conflict(
            _("Order %(number)s is %(status)s and cannot become %(new)s.")
            % {"number": order.number, "status": order.get_status_display(),
               "new": Order.Status(status).label},
            code="status", fields={"status": order.status})
    before = snapshot(order, ORDER_FIELDS)
    order.status = status
    setattr(order, ORDER_STAMPS[Order.Status(status)], clock.now())
    save_updated(order, before, actor=actor, via=via, fields=ORDER_FIELDS)
    events.emit("order.status_changed", order_id=order.pk, record_id=order.opportunity_id,
                status=status, actor_id=actor.pk, via=via)
    return order


@transaction.atomic
def invoice_create(*, actor: User, via: Via, account: Account | None = None,
                   opportunity: Opportunity | None = None, estimate: Estimate | None = None,
                   order: Order | None = None,
                   lines: Sequence[Mapping[str, Any]] | None = None,
                   contact: Contact | None = None, due_date: dt.date | None = None,
                   notes: str = "", source: str = "selected_estimate") -> Invoice:
    """A new draft invoice (numbered when issued): typed `lines`, an `order`'s or `estimate`'s
    lines, or those of the opportunity's `source`."""
    if order is not None:
        opportunity = opportunity or order.opportunity
        account = account or order.account
        contents = from_order(order)
    else:
        opportunity = opportunity or (estimate.opportunity if estimate else None)
        contents = _contents(opportunity=opportunity, estimate=estimate, lines=lines,
                             source=source)
    customer = _customer(account, opportunity, contents)
    invoice = Invoice(account=customer, opportunity=opportunity, estimate=contents.estimate,
                      order=contents.order,
                      contact=contact or (opportunity.contact if opportunity else None),
                      currency=contents.currency, due_date=due_date,
                      notes=notes.strip()[:10000], created_by=actor)
    _place(invoice, actor, opportunity, customer)
    ensure_may_document(actor, "create", invoice)
    invoice.save()
    write_lines(invoice, contents.lines)
    save_created(invoice, actor=actor, via=via, fields=INVOICE_FIELDS)
    events.emit("invoice.created", invoice_id=invoice.pk, record_id=invoice.opportunity_id,
                actor_id=actor.pk, via=via)
    return invoice


@transaction.atomic
def invoice_update(*, actor: User, via: Via, invoice: Invoice, values: Mapping[str, Any],
                   lines: Sequence[Mapping[str, Any]] | None = None,
                   expected_version: int | None = None) -> Invoice:
    """Change a draft invoice: notes, contact, due date, lines. An issued invoice is final."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    ensure_may_document(actor, "edit", invoice)
    check_version(invoice, expected_version)
    _ensure_draft(invoice)
    before = snapshot(invoice, INVOICE_FIELDS)
    new_lines = _apply_edits(invoice, values, lines)
    if new_lines is not None:
        write_lines(invoice, new_lines)
    save_updated(invoice, before, actor=actor, via=via, fields=INVOICE_FIELDS)
    return invoice


@transaction.atomic
def invoice_issue(*, actor: User, via: Via, invoice: Invoice,
                  expected_version: int | None = None) -> Invoice:
    """Issue a draft: it gets today's date, the next number of this year and, unless one was
    set, a due date PAYMENT_DAYS later. From then on it cannot change."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    ensure_may_document(actor, "edit", invoice)
    check_version(invoice, expected_version)
    _ensure_draft(invoice)
    if not invoice.lines.exists():
        raise InvalidInput(_("An invoice needs at least one line."),
                           fields={"lines": _("Required.")})
    now = clock.now()
    today = timezone.localdate(now)
    if invoice.due_date is not None and invoice.due_date < today:
        raise InvalidInput(_("The due date is before the issue date."),
                           fields={"due_date": _("before %(date)s") % {"date": today}})
    before = snapshot(invoice, INVOICE_FIELDS)
    invoice.status = Invoice.Status.ISSUED
    invoice.number = numbering.next_invoice_number(today.year)
    invoice.issue_date, invoice.issued_at = today, now
    invoice.due_date = invoice.due_date or today + dt.timedelta(days=PAYMENT_DAYS)
    save_updated(invoice, before, actor=actor, via=via, fields=INVOICE_FIELDS)
    events.emit("invoice.issued", invoice_id=invoice.pk, record_id=invoice.opportunity_id,
                actor_id=actor.pk, via=via)
    return invoice


@transaction.atomic
def invoice_mark_paid(*, actor: User, via: Via, invoice: Invoice,
                      expected_version: int | None = None) -> Invoice:
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    ensure_may_document(actor, "edit", invoice)
    check_version(invoice, expected_version)
    if invoice.status != Invoice.Status.ISSUED:
        raise Conflict(_("Only an issued invoice can be marked paid; this one is %(status)s.")
                       % {"status": invoice.get_status_display()},
                       code="status", fields={"status": invoice.status})
    before = snapshot(invoice, INVOICE_FIELDS)
    invoice.status, invoice.paid_at = Invoice.Status.PAID, clock.now()
    save_updated(invoice, before, actor=actor, via=via, fields=INVOICE_FIELDS)
    events.emit("invoice.paid", invoice_id=invoice.pk, record_id=invoice.opportunity_id,
                actor_id=actor.pk, via=via)
    return invoice

"""Orders and invoices in the web UI: the tabs on opportunity and account pages, the invoice
list, each document's page with its status actions, line editor, print page and PDF."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stageflow.accounts.access import access_account_by_id, accounts_for
from stageflow.accounts.models import Account
from stageflow.billing import pdf, selectors, services
from stageflow.billing.access import access_invoice_by_id, access_order_by_id, may_document
from stageflow.billing.models import Invoice, Order
from stageflow.billing.sources import LINE_SOURCES
from stageflow.core.errors import NotFound, StageflowError
from stageflow.core.models import Via
from stageflow.people import permissions
from stageflow.people.models import User
from stageflow.quotes.selectors import selected_estimate
from stageflow.sales.access import access_record_by_id, may_record
from stageflow.sales.models import Opportunity
from stageflow.web.views import signed_in_user

PAGE_SIZE = 50
PANEL_LIMIT = 100
# Blank rows offered under a draft's lines for adding more.
NEW_LINE_ROWS = 2
LINE_COLUMNS = ("code", "description", "quantity", "unit", "unit_price", "discount_percent",
                "tax_rate")
ORDER_ACTIONS = {"confirm": Order.Status.CONFIRMED, "complete": Order.Status.COMPLETED,
                 "cancel": Order.Status.CANCELLED}


def _holder(user: User, kind: str, record_id: int) -> Opportunity | Account:
    """The opportunity or account a tab belongs to (scope checked)."""
    if kind == "opportunity":
        record = access_record_by_id(user, "opportunity", record_id)
        assert isinstance(record, Opportunity)
        return record
    if kind == "account":
        return access_account_by_id(user, record_id)
    raise NotFound(_("No such page."))


def _panel(request: HttpRequest, kind: str, record_id: int, *, invoices: bool) -> HttpResponse:
    user = signed_in_user(request)
    holder = _holder(user, kind, record_id)
    is_opportunity = isinstance(holder, Opportunity)
    filters: dict[str, Any] = {"opportunity": holder} if is_opportunity else {"account": holder}
    documents = (selectors.invoice_list(user, **filters) if invoices
                 else selectors.order_list(user, **filters))[:PANEL_LIMIT]
    context: dict[str, Any] = {
        "kind": kind, "holder": holder, "documents": documents, "invoices": invoices,
        "is_opportunity": is_opportunity,
        "may_create": isinstance(holder, Opportunity) and may_record(user, "edit", holder)
        and permissions.may_at_all(user, "invoices" if invoices else "orders", "create"),
    }
    if context["may_create"]:
        assert isinstance(holder, Opportunity)
        context["estimate"] = selected_estimate(holder)
        context["customers"] = _customers(user, holder)
        context["sources"] = [(key, source.label) for key, source in LINE_SOURCES.items()]
    template = ("web/billing/_panel.html" if getattr(request, "htmx", False)
                else "web/billing/panel_page.html")
    return render(request, template, context)


def _customers(user: User, opportunity: Opportunity) -> list[Account]:
    """Who an order can be for: the opportunity's customer and its jobs (sub-accounts)."""
    if opportunity.account is None:
        return []
    jobs = accounts_for(user).filter(parent=opportunity.account).order_by("name")
    return [opportunity.account, *jobs[:PANEL_LIMIT]]


@login_required
def order_panel(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    return _panel(request, kind, record_id, invoices=False)


@login_required
def invoice_panel(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    return _panel(request, kind, record_id, invoices=True)


def _posted_account(user: User, request: HttpRequest) -> Account | None:
    value = request.POST.get("account", "")
    return access_account_by_id(user, int(value)) if value.isdigit() else None


@login_required
@require_POST
def order_create(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    user = signed_in_user(request)
    opportunity = _holder(user, kind, record_id)
    if not isinstance(opportunity, Opportunity):
        raise NotFound(_("No such page."))
    try:
        order = services.order_create(actor=user, via=Via.WEB, opportunity=opportunity,
                                      account=_posted_account(user, request))
    except StageflowError as error:
        messages.error(request, error.message)
        return redirect(opportunity.get_absolute_url() + "?tab=orders")
    messages.success(request, _("Order %(number)s created.") % {"number": order.number})
    return redirect(order)


@login_required
@require_POST
def invoice_create(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    user = signed_in_user(request)
    opportunity = _holder(user, kind, record_id)
    if not isinstance(opportunity, Opportunity):
        raise NotFound(_("No such page."))
    source = request.POST.get("source", "selected_estimate")
    try:
        invoice = services.invoice_create(actor=user, via=Via.WEB, opportunity=opportunity,
                                          account=_posted_account(user, request),
                                          source=source)
    except StageflowError as error:
        messages.error(request, error.message)
        return redirect(opportunity.get_absolute_url() + "?tab=invoices")
    messages.success(request, _("Draft invoice created."))
    return redirect(invoice)


# Lists -------------------------------------------------------------------------------------------

def _document_list(request: HttpRequest, model: type[Order] | type[Invoice],
                   documents: Callable[..., Any], template: str) -> HttpResponse:
    """One page of orders or invoices in the viewer's scope, filtered by a known status."""
    status = request.GET.get("status", "")
    if status not in model.Status.values:
        status = ""
    page = Paginator(documents(signed_in_user(request), status=status), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, template, {"page": page, "status": status,
                                      "statuses": model.Status.choices})


@login_required
def invoice_list(request: HttpRequest) -> HttpResponse:
    return _document_list(request, Invoice, selectors.invoice_list,
                          "web/billing/invoice_list.html")


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    return _document_list(request, Order, selectors.order_list, "web/billing/order_list.html")


# Documents ---------------------------------------------------------------------------------------

def _line_rows(document: Order | Invoice) -> list[dict[str, Any]]:
    rows = [{name: getattr(line, name) for name in LINE_COLUMNS}
            for line in document.lines.all()]
    return rows + [dict.fromkeys(LINE_COLUMNS, "") for _ in range(NEW_LINE_ROWS)]


def _posted_lines(request: HttpRequest) -> list[dict[str, str]]:
    """The editor's rows (`line-<n>-<column>`); rows left wholly blank are dropped."""
    count = int(request.POST.get("line_count", "0") or 0)
    rows = []
    for number in range(min(count, 500)):
        row = {name: request.POST.get(f"line-{number}-{name}", "").strip()
               for name in LINE_COLUMNS}
        if any(row.values()):
            rows.append({name: value for name, value in row.items() if value != ""})
    return rows


def _document_page(request: HttpRequest, document: Order | Invoice) -> HttpResponse:
    user = signed_in_user(request)
    is_invoice = isinstance(document, Invoice)
    return render(request, "web/billing/document.html", {
        **pdf.document_context(document), "is_invoice": is_invoice,
        "may_edit": may_document(user, "edit", document),
        "line_rows": _line_rows(document) if document.status == "draft" else [],
        "order_actions": [] if is_invoice else [
            action for action, status in ORDER_ACTIONS.items()
            if status in services.ORDER_MOVES[document.status]],
    })


@login_required
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = access_order_by_id(signed_in_user(request), order_id)
    return _document_page(request, selectors.order_with_lines(order))


@login_required
def invoice_detail(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = access_invoice_by_id(signed_in_user(request), invoice_id)
    return _document_page(request, selectors.invoice_with_lines(invoice))


def _version(request: HttpRequest) -> int | None:
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


@login_required
@require_POST
def order_status(request: HttpRequest, order_id: int, action: str) -> HttpResponse:
    user = signed_in_user(request)
    order = access_order_by_id(user, order_id, "edit")
    if action not in ORDER_ACTIONS:
        raise NotFound(_("No such page."))
    try:
        services.order_set_status(actor=user, via=Via.WEB, order=order,
                                  status=ORDER_ACTIONS[action],
                                  expected_version=_version(request))
    except StageflowError as error:
        messages.error(request, error.message)
    return redirect(order)


@login_required
@require_POST
def order_edit(request: HttpRequest, order_id: int) -> HttpResponse:
    user = signed_in_user(request)
    order = access_order_by_id(user, order_id, "edit")
    try:
        services.order_update(actor=user, via=Via.WEB, order=order,
                              values={"notes": request.POST.get("notes", "")},
                              lines=_posted_lines(request) if order.status == "draft" else None,
                              expected_version=_version(request))
        messages.success(request, _("Saved."))
    except StageflowError as error:
        messages.error(request, _line_error(error))
    return redirect(order)


@login_required
@require_POST
def invoice_edit(request: HttpRequest, invoice_id: int) -> HttpResponse:
    user = signed_in_user(request)
    invoice = access_invoice_by_id(user, invoice_id, "edit")
    due = request.POST.get("due_date", "")
    try:
        values: dict[str, Any] = {"notes": request.POST.get("notes", "")}
        values["due_date"] = _date(due) if due else None
        services.invoice_update(actor=user, via=Via.WEB, invoice=invoice, values=values,
                                lines=_posted_lines(request),
                                expected_version=_version(request))
        messages.success(request, _("Saved."))
    except StageflowError as error:
        messages.error(request, _line_error(error))
    return redirect(invoice)


def _date(value: str) -> Any:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return value  # the service names the field


def _line_error(error: StageflowError) -> str:
    """The message with each field it names, so a row's problem is found on the page."""
    if not error.fields:
        return error.message
    details = "; ".join(f"{name.replace('lines.', _('line') + ' ')}: {reason}"
                        for name, reason in error.fields.items())
    return f"{error.message} {details}"


@login_required
@require_POST
def invoice_issue(request: HttpRequest, invoice_id: int) -> HttpResponse:
    user = signed_in_user(request)
    invoice = access_invoice_by_id(user, invoice_id, "edit")
    try:
        invoice = services.invoice_issue(actor=user, via=Via.WEB, invoice=invoice,
                                         expected_version=_version(request))
        messages.success(request, _("Invoice %(number)s issued.") % {"number": invoice.number})
    except StageflowError as error:
        messages.error(request, _line_error(error))
    return redirect(invoice)


@login_required
@require_POST
def invoice_pay(request: HttpRequest, invoice_id: int) -> HttpResponse:
    user = signed_in_user(request)
    invoice = access_invoice_by_id(user, invoice_id, "edit")
    try:
        services.invoice_mark_paid(actor=user, via=Via.WEB, invoice=invoice,
                                   expected_version=_version(request))
        messages.success(request, _("Marked as paid."))
    except StageflowError as error:
        messages.error(request, error.message)
    return redirect(invoice)


def _print(request: HttpRequest, document: Order | Invoice) -> HttpResponse:
    return render(request, "web/billing/print.html", pdf.document_context(document))


def _pdf(document: Order | Invoice) -> HttpResponse:
    response = HttpResponse(pdf.document_pdf(document), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf.pdf_filename(document)}"'
    return response


@login_required
def order_print(request: HttpRequest, order_id: int) -> HttpResponse:
    order = access_order_by_id(signed_in_user(request), order_id)
    return _print(request, selectors.order_with_lines(order))


@login_required
def order_pdf(request: HttpRequest, order_id: int) -> HttpResponse:
    order = access_order_by_id(signed_in_user(request), order_id)
    return _pdf(selectors.order_with_lines(order))


@login_required
def invoice_print(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = access_invoice_by_id(signed_in_user(request), invoice_id)
    return _print(request, selectors.invoice_with_lines(invoice))


@login_required
def invoice_pdf(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = access_invoice_by_id(signed_in_user(request), invoice_id)
    return _pdf(selectors.invoice_with_lines(invoice))

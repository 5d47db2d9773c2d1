"""/api/v1/orders and /invoices, and the orders and invoices of an opportunity or account."""

import datetime as dt
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from stageflow.accounts.access import access_account_by_id, access_contact_by_id
from stageflow.api.common import Ref, caller, expected_version, ref
from stageflow.api.quotes import DocumentLineOut
from stageflow.billing import pdf, selectors, services
from stageflow.billing.access import access_invoice_by_id, access_order_by_id
from stageflow.billing.lines import tax_by_rate
from stageflow.billing.models import DocumentLine, Invoice, Order
from stageflow.core.models import Via
from stageflow.people.models import User
from stageflow.quotes.access import access_estimate_by_id
from stageflow.sales.access import access_record_by_id
from stageflow.sales.models import Opportunity

router = Router(tags=["billing"])


class LineIn(Schema):
    """Amounts as decimal strings ("19.99") or whole numbers; a JSON float is refused by
    name, since it has already lost the cents."""

    code: str = ""
    description: str
    quantity: str | int | float = "1"
    unit: str = ""
    unit_price: str | int | float
    discount_percent: str | int | float = "0"
    tax_rate: str | int | float = "0"


class TaxOut(Schema):
    rate: Decimal
    amount: Decimal


class DocumentSummaryOut(Schema):
    id: int
    number: str
    status: str
    account: Ref
    opportunity: Ref | None
    estimate: Ref | None
    currency: str
    net_total: Decimal
    tax_total: Decimal
    total: Decimal
    version: int
    created_at: datetime

    @staticmethod
    def resolve_account(document: Order | Invoice) -> dict[str, Any] | None:
        return ref(document.account)

    @staticmethod
    def resolve_opportunity(document: Order | Invoice) -> dict[str, Any] | None:
        return None if document.opportunity is None else {
            "id": document.opportunity.pk, "name": document.opportunity.title}

    @staticmethod
    def resolve_estimate(document: Order | Invoice) -> dict[str, Any] | None:
        return None if document.estimate_id is None else {
            "id": document.estimate_id, "name": str(document.estimate)}


class DocumentOut(DocumentSummaryOut):
    contact: Ref | None
    notes: str
    lines: list[DocumentLineOut]
    tax_by_rate: list[TaxOut]

    @staticmethod
    def resolve_contact(document: Order | Invoice) -> dict[str, Any] | None:
        return ref(document.contact)

    @staticmethod
    def resolve_lines(document: Order | Invoice) -> list[DocumentLine]:
        return list(document.lines.all())

    @staticmethod
    def resolve_tax_by_rate(document: Order | Invoice) -> list[dict[str, Decimal]]:
        return [{"rate": rate, "amount": amount}
                for rate, amount in tax_by_rate(document).items()]


class OrderSummaryOut(DocumentSummaryOut):
    pass


class OrderOut(DocumentOut):
    confirmed_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None


class InvoiceSummaryOut(DocumentSummaryOut):
    issue_date: dt.date | None
    due_date: dt.date | None
    paid_at: datetime | None


class InvoiceOut(DocumentOut):
    order: Ref | None
    issue_date: dt.date | None
    due_date: dt.date | None
    issued_at: datetime | None
    paid_at: datetime | None

    @staticmethod
    def resolve_order(invoice: Invoice) -> dict[str, Any] | None:
        return ref(invoice.order)


class DocumentIn(Schema):
    """What to bill: an `estimate`, an `opportunity` (its selected estimate), or typed
    `lines` for an `account`. `account` may also name a job (sub-account) of the customer."""

    account: int | None = None
    opportunity: int | None = None
    estimate: int | None = None
    contact: int | None = None
    lines: list[LineIn] | None = None
    notes: str = ""


class InvoiceIn(DocumentIn):
    order: int | None = None
    due_date: dt.date | None = None


class DocumentUpdateIn(Schema):
    contact: int | None = None
    notes: str | None = None
    lines: list[LineIn] | None = None
    version: int | None = None


class InvoiceUpdateIn(DocumentUpdateIn):
    due_date: dt.date | None = None


class VersionIn(Schema):
    version: int | None = None


class DocumentFilters(Schema):
    status: str = ""
    account: int | None = None
    opportunity: int | None = None


def _sources(user: User, payload: DocumentIn) -> dict[str, Any]:
    """The records named in a create request, each checked against the caller's scope."""
    found: dict[str, Any] = {"notes": payload.notes}
    if payload.account is not None:
        found["account"] = access_account_by_id(user, payload.account)
    if payload.opportunity is not None:
        found["opportunity"] = _opportunity(user, payload.opportunity)
    if payload.estimate is not None:
        found["estimate"] = access_estimate_by_id(user, payload.estimate)
    if payload.contact is not None:
        found["contact"] = access_contact_by_id(user, payload.contact)
    if payload.lines is not None:
        found["lines"] = [line.model_dump() for line in payload.lines]
    return found


def _opportunity(user: User, opportunity_id: int) -> Opportunity:
    record = access_record_by_id(user, "opportunity", opportunity_id)
    assert isinstance(record, Opportunity)
    return record


def _edits(user: User, payload: DocumentUpdateIn) -> tuple[dict[str, Any], Any]:
    values = payload.model_dump(exclude_unset=True, exclude={"version", "lines"})
    if values.get("contact") is not None:
        values["contact"] = access_contact_by_id(user, values["contact"])
    lines = ([line.model_dump() for line in payload.lines]
             if payload.lines is not None else None)
    return values, lines


def _filtered(user: User, filters: DocumentFilters) -> dict[str, Any]:
    return {"status": filters.status,
            "account": access_account_by_id(user, filters.account)
            if filters.account is not None else None,
            "opportunity": _opportunity(user, filters.opportunity)
            if filters.opportunity is not None else None}


# Orders ------------------------------------------------------------------------------------------

def _order(user: User, order_id: int, action: str = "view") -> Order:
    access_order_by_id(user, order_id, action)
    return selectors.order_with_lines(Order(pk=order_id))


@router.get("/orders", response=list[OrderSummaryOut], operation_id="list_orders")
@paginate(LimitOffsetPagination)
def list_orders(request: HttpRequest, filters: Query[DocumentFilters]) -> QuerySet[Order]:
    user = caller(request)
    return selectors.order_list(user, **_filtered(user, filters))


@router.post("/orders", response={201: OrderOut}, operation_id="create_order")
def create_order(request: HttpRequest, payload: DocumentIn) -> Status[Order]:
    user = caller(request)
    order = services.order_create(actor=user, via=Via.API, **_sources(user, payload))
    return Status(201, selectors.order_with_lines(order))


@router.get("/orders/{order_id}", response=OrderOut, operation_id="get_order")
def get_order(request: HttpRequest, order_id: int) -> Order:
    return _order(caller(request), order_id)


@router.patch("/orders/{order_id}", response=OrderOut, operation_id="update_order")
def update_order(request: HttpRequest, order_id: int, payload: DocumentUpdateIn) -> Order:
    user = caller(request)
    order = access_order_by_id(user, order_id, "edit")
    values, lines = _edits(user, payload)
    services.order_update(actor=user, via=Via.API, order=order, values=values, lines=lines,
                          expected_version=expected_version(request, payload.version))
    return _order(user, order_id)


def _order_status(request: HttpRequest, order_id: int, status: str,
                  payload: VersionIn | None) -> Order:
    user = caller(request)
    order = access_order_by_id(user, order_id, "edit")
    services.order_set_status(actor=user, via=Via.API, order=order, status=status,
                              expected_version=expected_version(
                                  request, payload.version if payload else None))
    return _order(user, order_id)


@router.post("/orders/{order_id}/confirm", response=OrderOut, operation_id="confirm_order")
def confirm_order(request: HttpRequest, order_id: int, payload: VersionIn | None = None
                  ) -> Order:
    return _order_status(request, order_id, Order.Status.CONFIRMED, payload)


@router.post("/orders/{order_id}/complete", response=OrderOut, operation_id="complete_order")
def complete_order(request: HttpRequest, order_id: int, payload: VersionIn | None = None
                   ) -> Order:
    return _order_status(request, order_id, Order.Status.COMPLETED, payload)


@router.post("/orders/{order_id}/cancel", response=OrderOut, operation_id="cancel_order")
def cancel_order(request: HttpRequest, order_id: int, payload: VersionIn | None = None
                 ) -> Order:
    return _order_status(request, order_id, Order.Status.CANCELLED, payload)


@router.get("/opportunities/{opportunity_id}/orders", response=list[OrderSummaryOut],
            operation_id="list_opportunity_orders")
@paginate(LimitOffsetPagination)
def list_opportunity_orders(request: HttpRequest, opportunity_id: int) -> QuerySet[Order]:
    user = caller(request)
    return selectors.order_list(user, opportunity=_opportunity(user, opportunity_id))


@router.get("/accounts/{account_id}/orders", response=list[OrderSummaryOut],
            operation_id="list_account_orders")
@paginate(LimitOffsetPagination)
def list_account_orders(request: HttpRequest, account_id: int) -> QuerySet[Order]:
    user = caller(request)
    return selectors.order_list(user, account=access_account_by_id(user, account_id))


# Invoices ----------------------------------------------------------------------------------------

def _invoice(user: User, invoice_id: int, action: str = "view") -> Invoice:
    access_invoice_by_id(user, invoice_id, action)
    return selectors.invoice_with_lines(Invoice(pk=invoice_id))


@router.get("/invoices", response=list[InvoiceSummaryOut], operation_id="list_invoices")
@paginate(LimitOffsetPagination)
def list_invoices(request: HttpRequest, filters: Query[DocumentFilters]) -> QuerySet[Invoice]:
    user = caller(request)
    return selectors.invoice_list(user, **_filtered(user, filters))


@router.post("/invoices", response={201: InvoiceOut}, operation_id="create_invoice")
def create_invoice(request: HttpRequest, payload: InvoiceIn) -> Status[Invoice]:
    user = caller(request)
    found = _sources(user, payload)
    if payload.order is not None:
        found["order"] = access_order_by_id(user, payload.order)
    invoice = services.invoice_create(actor=user, via=Via.API, due_date=payload.due_date,
                                      **found)
    return Status(201, selectors.invoice_with_lines(invoice))


@router.get("/invoices/{invoice_id}", response=InvoiceOut, operation_id="get_invoice")
def get_invoice(request: HttpRequest, invoice_id: int) -> Invoice:
    return _invoice(caller(request), invoice_id)


@router.patch("/invoices/{invoice_id}", response=InvoiceOut, operation_id="update_invoice")
def update_invoice(request: HttpRequest, invoice_id: int, payload: InvoiceUpdateIn) -> Invoice:
    user = caller(request)
    invoice = access_invoice_by_id(user, invoice_id, "edit")
    values, lines = _edits(user, payload)
    services.invoice_update(actor=user, via=Via.API, invoice=invoice, values=values,
                            lines=lines,
                            expected_version=expected_version(request, payload.version))
    return _invoice(user, invoice_id)


@router.post("/invoices/{invoice_id}/issue", response=InvoiceOut, operation_id="issue_invoice")
def issue_invoice(request: HttpRequest, invoice_id: int, payload: VersionIn | None = None
                  ) -> Invoice:
    user = caller(request)
    services.invoice_issue(actor=user, via=Via.API,
                           invoice=access_invoice_by_id(user, invoice_id, "edit"),
                           expected_version=expected_version(
                               request, payload.version if payload else None))
    return _invoice(user, invoice_id)


@router.post("/invoices/{invoice_id}/pay", response=InvoiceOut, operation_id="pay_invoice")
def pay_invoice(request: HttpRequest, invoice_id: int, payload: VersionIn | None = None
                ) -> Invoice:
    user = caller(request)
    services.invoice_mark_paid(actor=user, via=Via.API,
                               invoice=access_invoice_by_id(user, invoice_id, "edit"),
                               expected_version=expected_version(
                                   request, payload.version if payload else None))
    return _invoice(user, invoice_id)


@router.get("/invoices/{invoice_id}/pdf", operation_id="get_invoice_pdf",
            response={200: bytes}, openapi_extra={"responses": {"200": {"content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}})
def get_invoice_pdf(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = _invoice(caller(request), invoice_id)
    response = HttpResponse(pdf.document_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf.pdf_filename(invoice)}"'
    return response


@router.get("/opportunities/{opportunity_id}/invoices", response=list[InvoiceSummaryOut],
            operation_id="list_opportunity_invoices")
@paginate(LimitOffsetPagination)
def list_opportunity_invoices(request: HttpRequest, opportunity_id: int) -> QuerySet[Invoice]:
    user = caller(request)
    return selectors.invoice_list(user, opportunity=_opportunity(user, opportunity_id))


@router.get("/accounts/{account_id}/invoices", response=list[InvoiceSummaryOut],
            operation_id="list_account_invoices")
@paginate(LimitOffsetPagination)
def list_account_invoices(request: HttpRequest, account_id: int) -> QuerySet[Invoice]:
    user = caller(request)
    return selectors.invoice_list(user, account=access_account_by_id(user, account_id))


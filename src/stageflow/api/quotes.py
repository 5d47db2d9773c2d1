"""/api/v1/price-book, /estimates and the client's /public/quotes/{token} (no sign-in)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from stageflow.accounts.access import access_account_by_id, access_contact_by_id
from stageflow.api.common import Ref, caller, expected_version, ref
from stageflow.core.errors import InvalidInput, NotFound
from stageflow.core.models import Via
from stageflow.quotes import pdf, public, selectors, services
from stageflow.quotes.access import (
    access_estimate_by_id,
    ensure_may_manage_price_book,
    ensure_may_read_price_book,
)
from stageflow.quotes.models import Estimate, EstimateLine, EstimateLink, PriceBookItem
from stageflow.quotes.pricebook_import import price_book_import
from stageflow.sales.access import access_record_by_id
from stageflow.sales.models import Opportunity

router = Router(tags=["quotes"])


# --- the price book --------------------------------------------------------------------------

class PriceBookItemOut(Schema):
    id: int
    code: str
    name: str
    description: str
    unit: str
    unit_price: Decimal
    tax_rate: Decimal
    category: str
    active: bool
    version: int


class PriceBookItemIn(Schema):
    code: str
    name: str
    description: str = ""
    unit: str = ""
    unit_price: Decimal
    tax_rate: Decimal = Decimal(0)
    category: str = ""
    active: bool = True


class PriceBookItemUpdateIn(Schema):
    code: str | None = None
    name: str | None = None
    description: str | None = None
    unit: str | None = None
    unit_price: Decimal | None = None
    tax_rate: Decimal | None = None
    category: str | None = None
    active: bool | None = None
    version: int | None = None


class PriceBookFilters(Schema):
    q: str = ""
    category: str = ""
    active: bool | None = None


class ImportRowOut(Schema):
    line: int
    code: str
    name: str
    unit_price: Decimal
    action: str


class ImportOut(Schema):
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    rows: list[ImportRowOut]


def _item(user: Any, item_id: int) -> PriceBookItem:
    ensure_may_read_price_book(user)
    item = PriceBookItem.objects.filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("No such price book item."))
    return item


@router.get("/price-book", response=list[PriceBookItemOut], operation_id="list_price_book")
@paginate(LimitOffsetPagination)
def list_price_book(request: HttpRequest,
                    filters: Query[PriceBookFilters]) -> QuerySet[PriceBookItem]:
    ensure_may_read_price_book(caller(request))
    return selectors.price_book(q=filters.q, category=filters.category, active=filters.active)


@router.post("/price-book", response={201: PriceBookItemOut},
             operation_id="create_price_book_item")
def create_price_book_item(request: HttpRequest,
                           payload: PriceBookItemIn) -> Status[PriceBookItem]:
    item = services.price_book_item_create(actor=caller(request), via=Via.API,
                                           values=payload.model_dump())
    return Status(201, item)


@router.post("/price-book/import", response=ImportOut, operation_id="import_price_book",
             openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {
                 "type": "string"}}}}})
def import_price_book(request: HttpRequest, dry_run: bool = False) -> dict[str, Any]:
    """Load a CSV body (code,name,description,unit,unit_price,tax_rate,category,active); all
    rows or none. `dry_run=true` only says what each row would do."""
    user = caller(request)
    ensure_may_manage_price_book(user)
    result = price_book_import(actor=user, via=Via.API, data=request.body, dry_run=dry_run)
    return {"dry_run": result.dry_run, "created": result.created, "updated": result.updated,
            "unchanged": result.unchanged, "rows": result.rows}


@router.get("/price-book/{item_id}", response=PriceBookItemOut,
            operation_id="get_price_book_item")
def get_price_book_item(request: HttpRequest, item_id: int) -> PriceBookItem:
    return _item(caller(request), item_id)


@router.patch("/price-book/{item_id}", response=PriceBookItemOut,
              operation_id="update_price_book_item")
def update_price_book_item(request: HttpRequest, item_id: int,
                           payload: PriceBookItemUpdateIn) -> PriceBookItem:
    user = caller(request)
    item = _item(user, item_id)
    return services.price_book_item_update(
        actor=user, via=Via.API, item=item,
        values=payload.model_dump(exclude_unset=True, exclude={"version"}),
        expected_version=expected_version(request, payload.version))


@router.delete("/price-book/{item_id}", response={204: None},
               operation_id="delete_price_book_item")
def delete_price_book_item(request: HttpRequest, item_id: int) -> Status[None]:
    user = caller(request)
    services.price_book_item_delete(actor=user, via=Via.API, item=_item(user, item_id))
    return Status(204, None)


# --- estimates -------------------------------------------------------------------------------

class DocumentLineOut(Schema):
    """A priced line of an estimate, an order or an invoice."""

    position: int
    code: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    discount_percent: Decimal
    tax_rate: Decimal
    net_amount: Decimal


class LineOut(DocumentLineOut):
    id: int
    item: int | None

    @staticmethod
    def resolve_item(line: EstimateLine) -> int | None:
        return line.item_id


class LineIn(Schema):
    """A line from the book (`item`: what is not given is copied from it) or typed freely."""

    item: int | None = None
    code: str | None = None
    description: str | None = None
    quantity: Decimal = Decimal(1)
    unit: str | None = None
    unit_price: Decimal | None = None
    discount_percent: Decimal = Decimal(0)
    tax_rate: Decimal | None = None


class LinkOut(Schema):
    id: int
    sent_to: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_opened_at: datetime | None


class TaxOut(Schema):
    rate: Decimal
    amount: Decimal


class EstimateSummaryOut(Schema):
    id: int
    number: str
    title: str
    status: str
    selected: bool
    opportunity: Ref | None
    account: Ref | None
    owner: Ref | None
    currency: str
    net_total: Decimal
    tax_total: Decimal
    total: Decimal
    valid_until: date | None
    sent_at: datetime | None
    answered_at: datetime | None
    version: int
    created_at: datetime

    @staticmethod
    def resolve_opportunity(estimate: Estimate) -> dict[str, Any] | None:
        return ref(estimate.opportunity)

    @staticmethod
    def resolve_account(estimate: Estimate) -> dict[str, Any] | None:
        return ref(estimate.account)

    @staticmethod
    def resolve_owner(estimate: Estimate) -> dict[str, Any] | None:
        return ref(estimate.owner)


class EstimateOut(EstimateSummaryOut):
    contact: Ref | None
    terms: str
    notes: str
    private_notes: str
    accepted_by_name: str
    decline_reason: str
    tax_by_rate: list[TaxOut]
    lines: list[LineOut]
    links: list[LinkOut]

    @staticmethod
    def resolve_contact(estimate: Estimate) -> dict[str, Any] | None:
        return ref(estimate.contact)

    @staticmethod
    def resolve_tax_by_rate(estimate: Estimate) -> list[dict[str, Decimal]]:
        totals = services.totals_of(list(estimate.lines.all()))
        return [{"rate": rate, "amount": amount} for rate, amount in totals.tax_by_rate.items()]

    @staticmethod
    def resolve_lines(estimate: Estimate) -> list[EstimateLine]:
        return list(estimate.lines.all())

    @staticmethod
    def resolve_links(estimate: Estimate) -> list[EstimateLink]:
        return list(estimate.links.all())


class EstimateIn(Schema):
    opportunity: int | None = None
    account: int | None = None
    contact: int | None = None
    title: str = ""
    currency: str | None = None
    valid_until: date | None = None
    terms: str | None = None
    notes: str = ""
    lines: list[LineIn] = []


class EstimateUpdateIn(Schema):
    status: str | None = None
    title: str | None = None
    account: int | None = None
    contact: int | None = None
    owner: int | None = None
    currency: str | None = None
    valid_until: date | None = None
    terms: str | None = None
    notes: str | None = None
    private_notes: str | None = None
    lines: list[LineIn] | None = None
    version: int | None = None


class EstimateFilters(Schema):
    status: str = ""
    opportunity: int | None = None
    account: int | None = None
    q: str = ""


class SendIn(Schema):
    to: str = ""


class SentOut(Schema):
    estimate: EstimateOut
    link: LinkOut
    url: str
    sent_to: str


def _line_inputs(lines: list[LineIn]) -> list[services.LineInput]:
    """LineInputs for the lines sent; a line naming a book item takes what it leaves out
    from the item (InvalidInput names unknown items by position)."""
    item_ids = {line.item for line in lines if line.item is not None}
    items = PriceBookItem.objects.in_bulk(item_ids) if item_ids else {}
    unknown = {f"lines.{index}.item": _("Unknown price book item.")
               for index, line in enumerate(lines)
               if line.item is not None and line.item not in items}
    if unknown:
        raise InvalidInput(_("Some lines need attention."), fields=unknown)
    result = []
    for line in lines:
        base = (services.line_from_item(items[line.item], line.quantity)
                if line.item is not None else None)
        result.append(services.LineInput(
            description=line.description if line.description is not None
            else (base.description if base else ""),
            quantity=line.quantity,
            unit_price=line.unit_price if line.unit_price is not None
            else (base.unit_price if base else Decimal(0)),
            tax_rate=line.tax_rate if line.tax_rate is not None
            else (base.tax_rate if base else Decimal(0)),
            discount_percent=line.discount_percent,
            code=line.code if line.code is not None else (base.code if base else ""),
            unit=line.unit if line.unit is not None else (base.unit if base else ""),
            item_id=line.item))
    return result


def _detail(user: Any, estimate_id: int) -> Estimate:
    access_estimate_by_id(user, estimate_id)
    return selectors.with_detail(Estimate.objects.filter(pk=estimate_id)).get()


@router.get("/estimates", response=list[EstimateSummaryOut], operation_id="list_estimates")
@paginate(LimitOffsetPagination)
def list_estimates(request: HttpRequest, filters: Query[EstimateFilters]) -> QuerySet[Estimate]:
    if filters.status and filters.status not in Estimate.Status.values:
        raise InvalidInput(_("Unknown status."),
                           fields={"status": ", ".join(Estimate.Status.values)})
    return selectors.estimate_list(user=caller(request), status=filters.status,
                                   opportunity_id=filters.opportunity,
                                   account_id=filters.account, q=filters.q)


@router.post("/estimates", response={201: EstimateOut}, operation_id="create_estimate")
def create_estimate(request: HttpRequest, payload: EstimateIn) -> Status[Estimate]:
    user = caller(request)
    opportunity = (access_record_by_id(user, "opportunity", payload.opportunity, "edit")
                   if payload.opportunity is not None else None)
    account = (access_account_by_id(user, payload.account)
               if payload.account is not None else None)
    contact = (access_contact_by_id(user, payload.contact)
               if payload.contact is not None else None)
    assert opportunity is None or isinstance(opportunity, Opportunity)
    estimate = services.estimate_create(
        actor=user, via=Via.API, opportunity=opportunity, account=account, contact=contact,
        lines=_line_inputs(payload.lines), title=payload.title, currency=payload.currency,
        valid_until=payload.valid_until, terms=payload.terms, notes=payload.notes)
    return Status(201, _detail(user, estimate.pk))


@router.get("/estimates/{estimate_id}", response=EstimateOut, operation_id="get_estimate")
def get_estimate(request: HttpRequest, estimate_id: int) -> Estimate:
    return _detail(caller(request), estimate_id)


@router.patch("/estimates/{estimate_id}", response=EstimateOut, operation_id="update_estimate")
def update_estimate(request: HttpRequest, estimate_id: int,
                    payload: EstimateUpdateIn) -> Estimate:
    user = caller(request)
    estimate = access_estimate_by_id(user, estimate_id, "edit")
    lines = _line_inputs(payload.lines) if payload.lines is not None else None
    values = payload.model_dump(exclude_unset=True, exclude={"lines", "version", "status"})
    with transaction.atomic():  # fields and status change together or not at all
        estimate = services.estimate_update(
            actor=user, via=Via.API, estimate=estimate, lines=lines, values=values,
            expected_version=expected_version(request, payload.version))
        if payload.status is not None:
            services.estimate_mark(actor=user, via=Via.API, estimate=estimate,
                                   status=payload.status)
    return _detail(user, estimate_id)


@router.delete("/estimates/{estimate_id}", response={204: None},
               operation_id="delete_estimate")
def delete_estimate(request: HttpRequest, estimate_id: int) -> Status[None]:
    user = caller(request)
    services.estimate_delete(actor=user, via=Via.API,
                             estimate=access_estimate_by_id(user, estimate_id, "delete"))
    return Status(204, None)


@router.post("/estimates/{estimate_id}/select", response=EstimateOut,
             operation_id="select_estimate")
def select_estimate(request: HttpRequest, estimate_id: int) -> Estimate:
    user = caller(request)
    services.estimate_select(actor=user, via=Via.API,
                             estimate=access_estimate_by_id(user, estimate_id, "edit"))
    return _detail(user, estimate_id)


@router.post("/estimates/{estimate_id}/duplicate", response={201: EstimateOut},
             operation_id="duplicate_estimate")
def duplicate_estimate(request: HttpRequest, estimate_id: int) -> Status[Estimate]:
    user = caller(request)
    copy = services.estimate_duplicate(actor=user, via=Via.API,
                                       estimate=access_estimate_by_id(user, estimate_id, "edit"))
    return Status(201, _detail(user, copy.pk))


@router.post("/estimates/{estimate_id}/reopen", response=EstimateOut,
             operation_id="reopen_estimate")
def reopen_estimate(request: HttpRequest, estimate_id: int) -> Estimate:
    """Set a sent, declined or expired estimate back to draft; its links stop working."""
    user = caller(request)
    services.estimate_reopen(actor=user, via=Via.API,
                             estimate=access_estimate_by_id(user, estimate_id, "edit"))
    return _detail(user, estimate_id)


@router.post("/estimates/{estimate_id}/send", response=SentOut, operation_id="send_estimate")
def send_estimate(request: HttpRequest, estimate_id: int, payload: SendIn) -> dict[str, Any]:
    """Email the client a link (to `to`, else the estimate's usual recipient). The link's
    `url` is in this answer only: it is never stored and cannot be read again."""
    user = caller(request)
    sent = services.estimate_send(actor=user, via=Via.API, to=payload.to,
                                  estimate=access_estimate_by_id(user, estimate_id, "edit"))
    return {"estimate": _detail(user, estimate_id), "link": sent.link, "url": sent.url,
            "sent_to": sent.link.sent_to}


@router.get("/estimates/{estimate_id}/pdf", operation_id="get_estimate_pdf",
            response={200: bytes}, openapi_extra={"responses": {"200": {"content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}})
def get_estimate_pdf(request: HttpRequest, estimate_id: int) -> HttpResponse:
    estimate = _detail(caller(request), estimate_id)
    response = HttpResponse(pdf.estimate_pdf(estimate), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf.pdf_filename(estimate)}"'
    return response


@router.delete("/estimates/{estimate_id}/links/{link_id}", response={204: None},
               operation_id="revoke_estimate_link")
def revoke_estimate_link(request: HttpRequest, estimate_id: int, link_id: int) -> Status[None]:
    user = caller(request)
    estimate = access_estimate_by_id(user, estimate_id, "edit")
    link = EstimateLink.objects.filter(pk=link_id, estimate=estimate).first()
    if link is None:
        raise NotFound(_("No such link."))
    services.estimate_link_revoke(actor=user, via=Via.API, link=link)
    return Status(204, None)


@router.get("/opportunities/{opportunity_id}/estimates", response=list[EstimateSummaryOut],
            operation_id="list_opportunity_estimates")
@paginate(LimitOffsetPagination)
def list_opportunity_estimates(request: HttpRequest, opportunity_id: int) -> QuerySet[Estimate]:
    user = caller(request)
    opportunity = access_record_by_id(user, "opportunity", opportunity_id)
    assert isinstance(opportunity, Opportunity)
    return selectors.estimates_of_opportunity(user, opportunity)


@router.get("/accounts/{account_id}/estimates", response=list[EstimateSummaryOut],
            operation_id="list_account_estimates")
@paginate(LimitOffsetPagination)
def list_account_estimates(request: HttpRequest, account_id: int) -> QuerySet[Estimate]:
    """The estimates made out to this account itself, with or without an opportunity."""
    user = caller(request)
    return selectors.estimates_of_account(user, access_account_by_id(user, account_id))


# --- the client's side -----------------------------------------------------------------------

class PublicCompanyOut(Schema):
    name: str
    email: str
    phone: str
    address: str
    website: str


class PublicLineOut(Schema):
    code: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    discount_percent: Decimal
    tax_rate: Decimal
    net_amount: Decimal


class PublicQuoteOut(Schema):
    number: str
    title: str
    status: str
    company: PublicCompanyOut
    customer: str
    currency: str
    lines: list[PublicLineOut]
    net_total: Decimal
    tax_by_rate: list[TaxOut]
    tax_total: Decimal
    total: Decimal
    valid_until: date | None
    terms: str
    notes: str
    answered_at: datetime | None
    accepted_by_name: str


class AcceptIn(Schema):
    signature: str
    consent: bool


class DeclineIn(Schema):
    reason: str = ""


def _private(response: HttpResponse) -> None:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"


def _live_link(token: str, response: HttpResponse) -> EstimateLink:
    _private(response)
    link = public.link_for_token(token)
    if link is None:
        raise NotFound(str(public.NOT_FOUND_MESSAGE))
    return link


def _public_quote(estimate: Estimate) -> dict[str, Any]:
    """Only what the client's own page shows: no ids, owners, private notes or other records."""
    context = pdf.document_context(estimate)
    company = context["company"]
    return {
        "number": estimate.number, "title": estimate.title, "status": estimate.status,
        "company": {"name": company.company_name, "email": company.company_email,
                    "phone": company.company_phone, "address": company.company_address,
                    "website": company.company_website},
        "customer": estimate.account.name if estimate.account else "",
        "currency": estimate.currency, "lines": context["lines"],
        "net_total": estimate.net_total, "tax_total": estimate.tax_total,
        "total": estimate.total,
        "tax_by_rate": [{"rate": row.rate, "amount": row.amount} for row in context["tax_rows"]],
        "valid_until": estimate.valid_until, "terms": estimate.terms, "notes": estimate.notes,
        "answered_at": estimate.answered_at, "accepted_by_name": estimate.accepted_by_name,
    }


@router.get("/public/quotes/{token}", auth=None, response=PublicQuoteOut,
            operation_id="get_public_quote")
def get_public_quote(request: HttpRequest, token: str, response: HttpResponse,
                     ) -> dict[str, Any]:
    link = _live_link(token, response)
    public.link_opened(link)
    return _public_quote(link.estimate)


@router.post("/public/quotes/{token}/accept", auth=None, response=PublicQuoteOut,
             operation_id="accept_public_quote")
def accept_public_quote(request: HttpRequest, token: str, payload: AcceptIn,
                        response: HttpResponse) -> dict[str, Any]:
    link = _live_link(token, response)
    estimate = services.estimate_accept(link=link, signature=payload.signature,
                                        consent=payload.consent, via=Via.API,
                                        ip_address=request.META.get("REMOTE_ADDR"))
    return _public_quote(estimate)


@router.post("/public/quotes/{token}/decline", auth=None, response=PublicQuoteOut,
             operation_id="decline_public_quote")
def decline_public_quote(request: HttpRequest, token: str, payload: DeclineIn,
                         response: HttpResponse) -> dict[str, Any]:
    link = _live_link(token, response)
    estimate = services.estimate_decline(link=link, reason=payload.reason, via=Via.API,
                                         ip_address=request.META.get("REMOTE_ADDR"))
    return _public_quote(estimate)

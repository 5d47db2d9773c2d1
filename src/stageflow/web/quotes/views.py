"""Quotes screens for the office: the list, the estimate page with its line editor, the
"Estimates" tab of opportunities and accounts, and the price book."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stageflow.accounts.access import access_account_by_id, accounts_for, contacts_for
from stageflow.accounts.models import Account, AccountContact
from stageflow.core.errors import InvalidInput, NotFound, StageflowError
from stageflow.core.models import Via
from stageflow.people import permissions
from stageflow.people.models import User
from stageflow.quotes import pdf, selectors, services
from stageflow.quotes.access import (
    access_estimate_by_id,
    ensure_may_read_price_book,
    may_estimate,
    may_manage_price_book,
)
from stageflow.quotes.models import Estimate, EstimateLine, EstimateLink, PriceBookItem
from stageflow.quotes.pricebook_import import ImportResult, price_book_import
from stageflow.sales.access import access_record_by_id, may_record
from stageflow.sales.models import Opportunity, RecordContact
from stageflow.web.forms import show_service_errors
from stageflow.web.quotes.forms import (
    EstimateDetailsForm,
    LineForm,
    PriceBookImportForm,
    PriceBookItemForm,
)
from stageflow.web.views import administrator, signed_in_user

PAGE_SIZE = 50
STATUS_TABS = ("", *Estimate.Status.values)
CHOICE_LIMIT = 100


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _posted_id(request: HttpRequest, name: str) -> int:
    value = request.POST.get(name, "")
    if not value.isdigit():
        raise InvalidInput(_("Choose one from the list."), fields={name: _("Required.")})
    return int(value)


# --- the list --------------------------------------------------------------------------------

@login_required
def estimate_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    status = request.GET.get("status", "")
    status = status if status in Estimate.Status.values else ""
    q = request.GET.get("q", "").strip()
    estimates = selectors.estimate_list(user=user, status=status, q=q)
    counts = selectors.estimate_counts(user)
    tabs = [(key, Estimate.Status(key).label if key else _("All"),
             counts.get(key, 0) if key else sum(counts.values())) for key in STATUS_TABS]
    page = Paginator(estimates, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/quotes/list.html", {
        "page": page, "status": status, "q": q, "tabs": tabs})


# --- the tab on opportunities and accounts ---------------------------------------------------

def _parent(user: User, kind: str, record_id: int) -> Opportunity | Account:
    if kind == "account":
        return access_account_by_id(user, record_id)
    if kind == "opportunity":
        record = access_record_by_id(user, "opportunity", record_id)
        assert isinstance(record, Opportunity)
        return record
    raise NotFound(_("Estimates hang off opportunities and accounts."))


def _may_add(user: User, parent: Opportunity | Account) -> bool:
    if isinstance(parent, Opportunity):
        return may_record(user, "edit", parent)
    return permissions.may(user, "accounts", "edit", owner_id=parent.owner_id,
                           office_id=parent.office_id)


@login_required
def panel(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    user = signed_in_user(request)
    parent = _parent(user, kind, record_id)
    estimates = (selectors.estimates_of_opportunity(user, parent)
                 if isinstance(parent, Opportunity)
                 else selectors.estimates_of_account(user, parent))
    template = "web/quotes/_panel.html" if _htmx(request) else "web/quotes/panel_page.html"
    return render(request, template, {
        "kind": kind, "parent": parent, "estimates": estimates,
        "may_add": _may_add(user, parent)})


@login_required
@require_POST
def estimate_create(request: HttpRequest) -> HttpResponse:
    """A new draft for the opportunity or account posted; its page opens to add lines."""
    user = signed_in_user(request)
    kind = request.POST.get("kind", "")
    parent = _parent(user, kind, _posted_id(request, "record_id"))
    try:
        estimate = services.estimate_create(
            actor=user, via=Via.WEB, lines=[],
            opportunity=parent if isinstance(parent, Opportunity) else None,
            account=parent if isinstance(parent, Account) else None)
    except StageflowError as error:
        messages.error(request, error.message)
        return redirect(f"{parent.get_absolute_url()}?tab=estimates")
    messages.success(request, _("Estimate %(number)s created. Add its lines below.")
                     % {"number": estimate.number})
    return redirect(estimate.get_absolute_url())


# --- one estimate ----------------------------------------------------------------------------

def _account_choices(user: User, estimate: Estimate) -> list[tuple[int | str, str]]:
    """The customer and its family (parent, sub-accounts): where an estimate usually moves."""
    current = estimate.account
    if current is None:
        return []
    root_id = current.parent_id or current.pk
    family = accounts_for(user).filter(pk__in=[root_id, current.pk]) | accounts_for(user).filter(
        parent_id=root_id)
    return [(account.pk, account.name) for account in
            family.distinct().order_by("parent_id", "name")[:CHOICE_LIMIT]]


def _contact_choices(user: User, estimate: Estimate) -> list[tuple[int | str, str]]:
    """The people of the customer and of the opportunity, whom the estimate may address."""
    contact_ids: set[int] = set()
    if estimate.account is not None:
        contact_ids |= set(AccountContact.objects.filter(account=estimate.account)
                           .values_list("contact_id", flat=True)[:CHOICE_LIMIT])
    if estimate.opportunity is not None:
        contact_ids |= set(RecordContact.objects.filter(opportunity=estimate.opportunity)
                           .values_list("contact_id", flat=True)[:CHOICE_LIMIT])
        if estimate.opportunity.contact_id:
            contact_ids.add(estimate.opportunity.contact_id)
    if estimate.contact_id:
        contact_ids.add(estimate.contact_id)
    return [(contact.pk, str(contact)) for contact in
            contacts_for(user).filter(pk__in=contact_ids).order_by("last_name", "first_name")]


def _details_form(user: User, estimate: Estimate, data: Any = None) -> EstimateDetailsForm:
    form = EstimateDetailsForm(data, accounts=_account_choices(user, estimate),
                               contacts=_contact_choices(user, estimate), initial={
        "title": estimate.title, "account": estimate.account_id,
        "contact": estimate.contact_id, "valid_until": estimate.valid_until,
        "currency": estimate.currency, "notes": estimate.notes, "terms": estimate.terms,
        "private_notes": estimate.private_notes})
    if estimate.status != Estimate.Status.DRAFT:
        # What the client was shown stays as sent; the form shows it without letting it change.
        for name in services.COMMERCIAL_FIELDS:
            form.fields[name].disabled = True
    return form


def _loaded(user: User, estimate_id: int) -> Estimate:
    access_estimate_by_id(user, estimate_id)
    return selectors.with_detail(Estimate.objects.filter(pk=estimate_id)).get()


def _lines_context(user: User, estimate: Estimate, **extra: Any) -> dict[str, Any]:
    lines = list(estimate.lines.all())
    may_edit = may_estimate(user, "edit", estimate)
    return {"estimate": estimate, "lines": lines,
            "line_forms": [(line, LineForm(initial=_line_initial(line), prefix=f"line-{index}"))
                           for index, line in enumerate(lines)],
            "new_line_form": extra.pop("new_line_form", None) or LineForm(prefix="new"),
            "tax_rows": pdf.document_context(estimate, lines)["tax_rows"],
            "may_edit": may_edit, "editable": may_edit and estimate.status == "draft",
            **extra}


def _line_initial(line: EstimateLine) -> dict[str, Any]:
    return {"description": line.description, "quantity": line.quantity_shown,
            "unit": line.unit, "unit_price": line.unit_price,
            "discount_percent": line.discount_shown, "tax_rate": line.tax_rate_shown}


def _estimate_page(request: HttpRequest, estimate: Estimate, *, status: int = 200,
                   **extra: Any) -> HttpResponse:
    user = signed_in_user(request)
    form = extra.pop("form", None) or _details_form(user, estimate)
    context = _lines_context(user, estimate, **extra)
    return render(request, "web/quotes/estimate.html", {
        **context, "form": form,
        "may_delete": may_estimate(user, "delete", estimate) and estimate.status == "draft",
        "recipient": services.recipient_of(estimate)}, status=status)


@login_required
def estimate_detail(request: HttpRequest, estimate_id: int) -> HttpResponse:
    return _estimate_page(request, _loaded(signed_in_user(request), estimate_id))


@login_required
@require_POST
def estimate_edit(request: HttpRequest, estimate_id: int) -> HttpResponse:
    user = signed_in_user(request)
    estimate = access_estimate_by_id(user, estimate_id, "edit")
    form = _details_form(user, estimate, request.POST)
    if form.is_valid():
        values = dict(form.cleaned_data)
        try:
            services.estimate_update(actor=user, via=Via.WEB, estimate=estimate, values=values,
                                     expected_version=_version(request))
        except StageflowError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(estimate.get_absolute_url())
    return _estimate_page(request, _loaded(user, estimate_id), form=form, status=422)


def _version(request: HttpRequest) -> int | None:
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


# --- the line editor: each change saves and redraws the lines and totals ----------------------

def _lines_response(request: HttpRequest, estimate_id: int, *, status: int = 200,
                    **extra: Any) -> HttpResponse:
    user = signed_in_user(request)
    estimate = _loaded(user, estimate_id)
    if not _htmx(request):
        if status == 200:
            return redirect(estimate.get_absolute_url() + "#lines")
        return _estimate_page(request, estimate, status=status, **extra)
    return render(request, "web/quotes/_lines.html",
                  _lines_context(user, estimate, **extra), status=status)


def _change_lines(request: HttpRequest, estimate_id: int,
                  change: Any, **extra: Any) -> HttpResponse:
    """Apply `change(current LineInputs) -> new LineInputs` through the service, then redraw."""
    user = signed_in_user(request)
    estimate = access_estimate_by_id(user, estimate_id, "edit")
    current = [services.line_from_estimate_line(line) for line in estimate.lines.all()]
    try:
        services.estimate_update(actor=user, via=Via.WEB, estimate=estimate, values={},
                                 lines=change(current), expected_version=_version(request))
    except StageflowError as error:
        return _lines_response(request, estimate_id, status=422,
                               line_error=_line_problem(error), **extra)
    return _lines_response(request, estimate_id, **extra)


def _line_problem(error: StageflowError) -> str:
    if not error.fields:
        return error.message
    reasons = []
    for key, why in error.fields.items():
        parts = key.split(".")
        if parts[0] == "lines" and len(parts) == 3 and parts[1].isdigit():
            reasons.append(_("Line %(number)s, %(field)s: %(why)s")
                           % {"number": int(parts[1]) + 1, "field": parts[2].replace("_", " "),
                              "why": why})
        else:
            reasons.append(f"{error.message} {why}")
    return " ".join(reasons)


def _typed_line(form: LineForm, item_id: int | None = None, code: str = "") -> services.LineInput:
    data = form.cleaned_data
    return services.LineInput(
        description=data["description"], quantity=data["quantity"],
        unit_price=data["unit_price"], unit=data.get("unit") or "",
        discount_percent=data.get("discount_percent") or Decimal(0),
        tax_rate=data.get("tax_rate") or Decimal(0), item_id=item_id, code=code)


@login_required
@require_POST
def line_add(request: HttpRequest, estimate_id: int) -> HttpResponse:
    """Add a line: the book item posted as `item`, or the free line typed in the form."""
    if request.POST.get("item"):
        item = PriceBookItem.objects.filter(pk=_posted_id(request, "item"), active=True).first()
        if item is None:
            raise NotFound(_("No such price book item."))
        new_line = services.line_from_item(item)
        return _change_lines(request, estimate_id, lambda lines: [*lines, new_line])
    form = LineForm(request.POST, prefix="new")
    if not form.is_valid():
        return _lines_response(request, estimate_id, status=422, new_line_form=form)
    typed = _typed_line(form)
    return _change_lines(request, estimate_id, lambda lines: [*lines, typed],
                         new_line_form=form)


@login_required
@require_POST
def line_change(request: HttpRequest, estimate_id: int, index: int) -> HttpResponse:
    form = LineForm(request.POST, prefix=f"line-{index}")
    if not form.is_valid():
        problems = "; ".join(f"{form.fields[name].label}: {' '.join(map(str, errors))}"
                             for name, errors in form.errors.items() if name in form.fields)
        return _lines_response(request, estimate_id, status=422, line_error=_(
            "Line %(number)s: %(problems)s") % {"number": index + 1, "problems": problems})

    def change(lines: list[services.LineInput]) -> list[services.LineInput]:
        if index >= len(lines):
            raise NotFound(_("No such line."))
        old = lines[index]
        lines[index] = _typed_line(form, item_id=old.item_id, code=old.code)
        return lines

    return _change_lines(request, estimate_id, change)


@login_required
@require_POST
def line_remove(request: HttpRequest, estimate_id: int, index: int) -> HttpResponse:
    return _change_lines(request, estimate_id,
                         lambda lines: [line for at, line in enumerate(lines) if at != index])


@login_required
def picker(request: HttpRequest, estimate_id: int) -> HttpResponse:
    """Book items matching what was typed, each a button that adds it as a line."""
    user = signed_in_user(request)
    ensure_may_read_price_book(user)
    estimate = access_estimate_by_id(user, estimate_id, "edit")
    q = request.GET.get("q", "")
    template = "web/quotes/_picker.html" if _htmx(request) else "web/quotes/picker_page.html"
    return render(request, template, {
        "estimate": estimate, "items": selectors.price_book_picks(q), "q": q.strip()})


# --- actions ---------------------------------------------------------------------------------

def _act(request: HttpRequest, estimate_id: int, action: Any, done: str) -> HttpResponse:
    user = signed_in_user(request)
    estimate = access_estimate_by_id(user, estimate_id, "edit")
    try:
        result = action(actor=user, via=Via.WEB, estimate=estimate)
    except StageflowError as error:
        messages.error(request, error.message + " " + " ".join(error.fields.values()))
        return redirect(estimate.get_absolute_url())
    messages.success(request, done % {"number": getattr(result, "number", estimate.number)})
    return redirect(result.get_absolute_url() if isinstance(result, Estimate)
                    else estimate.get_absolute_url())


@login_required
@require_POST
def estimate_select(request: HttpRequest, estimate_id: int) -> HttpResponse:
    return _act(request, estimate_id, services.estimate_select,
                _("%(number)s is now the selected estimate; the opportunity's value follows it."))


@login_required
@require_POST
def estimate_duplicate(request: HttpRequest, estimate_id: int) -> HttpResponse:
    return _act(request, estimate_id, services.estimate_duplicate,
                _("Copied as %(number)s, a new draft."))


@login_required
@require_POST
def estimate_reopen(request: HttpRequest, estimate_id: int) -> HttpResponse:
    return _act(request, estimate_id, services.estimate_reopen,
                _("%(number)s is a draft again; links sent before no longer work."))


@login_required
@require_POST
def estimate_mark(request: HttpRequest, estimate_id: int) -> HttpResponse:
    """Record an answer the client gave outside the link (on paper, by phone), or expiry."""
    status = request.POST.get("status", "")

    def mark(*, actor: User, via: Via, estimate: Estimate) -> Estimate:
        return services.estimate_mark(actor=actor, via=via, estimate=estimate, status=status)

    return _act(request, estimate_id, mark, _("%(number)s updated."))


@login_required
def estimate_send(request: HttpRequest, estimate_id: int) -> HttpResponse:
    """Ask first (showing who will get it), then send and show the link this once."""
    user = signed_in_user(request)
    estimate = access_estimate_by_id(user, estimate_id, "edit")
    error: StageflowError | None = None
    if request.method == "POST":
        try:
            sent = services.estimate_send(actor=user, via=Via.WEB, estimate=estimate,
                                          to=request.POST.get("to", ""))
        except StageflowError as refused:
            error = refused
        else:
            return _estimate_page(request, _loaded(user, estimate_id), just_sent=sent)
    address, name = services.recipient_of(estimate)
    return render(request, "web/quotes/send.html", {
        "estimate": estimate, "address": address, "name": name, "error": error,
        "typed": request.POST.get("to", "")}, status=422 if error else 200)


@login_required
@require_POST
def link_revoke(request: HttpRequest, estimate_id: int, link_id: int) -> HttpResponse:
    user = signed_in_user(request)
    estimate = access_estimate_by_id(user, estimate_id, "edit")
    link = EstimateLink.objects.filter(pk=link_id, estimate=estimate).first()
    if link is None:
        raise NotFound(_("No such link."))
    services.estimate_link_revoke(actor=user, via=Via.WEB, link=link)
    messages.success(request, _("The link no longer works."))
    return redirect(estimate.get_absolute_url())


@login_required
def estimate_delete(request: HttpRequest, estimate_id: int) -> HttpResponse:
    user = signed_in_user(request)
    estimate = access_estimate_by_id(user, estimate_id, "delete")
    back = estimate.opportunity or estimate.account
    error = ""
    if request.method == "POST":
        try:
            services.estimate_delete(actor=user, via=Via.WEB, estimate=estimate)
        except StageflowError as refused:
            error = refused.message
        else:
            messages.success(request, _("Estimate %(number)s deleted.")
                             % {"number": estimate.number})
            return redirect(f"{back.get_absolute_url()}?tab=estimates" if back
                            else reverse("quotes:list"))
    return render(request, "web/confirm_delete.html", {
        "record": estimate, "kind": _("estimate"), "error": error,
        "cancel_url": estimate.get_absolute_url()}, status=422 if error else 200)


@login_required
def estimate_print(request: HttpRequest, estimate_id: int) -> HttpResponse:
    """The document as the client gets it, to read or print."""
    estimate = _loaded(signed_in_user(request), estimate_id)
    return render(request, "web/quotes/print.html", pdf.document_context(estimate))


@login_required
def estimate_pdf(request: HttpRequest, estimate_id: int) -> HttpResponse:
    estimate = _loaded(signed_in_user(request), estimate_id)
    response = HttpResponse(pdf.estimate_pdf(estimate), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf.pdf_filename(estimate)}"'
    return response


# --- the price book --------------------------------------------------------------------------

@login_required
def price_book(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    ensure_may_read_price_book(user)
    q = request.GET.get("q", "").strip()
    category = request.GET.get("category", "")
    show = request.GET.get("show", "active")
    active = {"active": True, "inactive": False}.get(show)
    items = selectors.price_book(q=q, category=category, active=active)
    return render(request, "web/quotes/price_book.html", {
        "page": Paginator(items, PAGE_SIZE).get_page(request.GET.get("page")),
        "q": q, "category": category, "show": show,
        "categories": selectors.price_book_categories(),
        "may_manage": may_manage_price_book(user)})


def _item_form_page(request: HttpRequest, item: PriceBookItem | None) -> HttpResponse:
    user = administrator(request)
    form = PriceBookItemForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            if item is None:
                services.price_book_item_create(actor=user, via=Via.WEB, values=values)
            else:
                services.price_book_item_update(actor=user, via=Via.WEB, item=item,
                                                values=values, expected_version=_version(request))
        except StageflowError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Price book saved."))
            return redirect("quotes:price_book")
    return render(request, "web/quotes/price_book_item.html", {"form": form, "item": item},
                  status=422 if form.errors else 200)


def _book_item(item_id: int) -> PriceBookItem:
    item = PriceBookItem.objects.filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("No such price book item."))
    return item


@login_required
def price_book_item_create(request: HttpRequest) -> HttpResponse:
    return _item_form_page(request, None)


@login_required
def price_book_item_edit(request: HttpRequest, item_id: int) -> HttpResponse:
    return _item_form_page(request, _book_item(item_id))


@login_required
@require_POST
def price_book_item_active(request: HttpRequest, item_id: int) -> HttpResponse:
    """Deactivate (or bring back) an item: a deactivated item is no longer offered."""
    user = administrator(request)
    item = _book_item(item_id)
    active = request.POST.get("active") == "1"
    services.price_book_item_update(actor=user, via=Via.WEB, item=item,
                                    values={"active": active})
    messages.success(request, (_("%(code)s is offered again.") if active
                               else _("%(code)s is no longer offered.")) % {"code": item.code})
    return redirect("quotes:price_book")


@login_required
def price_book_import_page(request: HttpRequest) -> HttpResponse:
    """Upload or paste a CSV; the first post previews, "Import" applies the same text."""
    user = administrator(request)
    form = PriceBookImportForm(request.POST or None, request.FILES or None)
    preview: ImportResult | None = None
    text = ""
    error: StageflowError | None = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("file")
        data: str | bytes = upload.read() if upload else form.cleaned_data.get("text") or ""
        apply = request.POST.get("apply") == "1"
        try:
            result = price_book_import(actor=user, via=Via.IMPORT, data=data,
                                       dry_run=not apply)
        except StageflowError as refused:
            error = refused
        else:
            if apply:
                messages.success(request, _(
                    "Price book imported: %(created)s added, %(updated)s updated.")
                    % {"created": result.created, "updated": result.updated})
                return redirect("quotes:price_book")
            preview = result
            text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    return render(request, "web/quotes/price_book_import.html", {
        "form": form, "preview": preview, "text": text, "error": error},
        status=422 if error else 200)


"""Changes to the price book and to estimates: one function each, in one transaction.

Every change to an estimate's lines recomputes its totals with `core.money`; when the estimate
is the selected one of its opportunity, the opportunity's value and currency follow in the
same transaction (with a history row on the opportunity). Sending creates a link whose token
is shown once and stored only as its SHA-256; the client answers through `public.py`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from stageflow.accounts.access import accounts_for, contacts_for, ensure_may
from stageflow.accounts.models import Account, Contact
from stageflow.activities.services import notify
from stageflow.communications.models import OutboxMessage
from stageflow.communications.recipients import primary_contact
from stageflow.communications.services import outbox_enqueue
from stageflow.core import clock, events, workspace
from stageflow.core.errors import InvalidInput, RuleRefused
from stageflow.core.history import record_history, snapshot
from stageflow.core.models import HistoryEntry, Via
from stageflow.core.money import (
    MoneyError,
    PricedLine,
    Totals,
    as_decimal,
    document_totals,
    line_net,
    percentage,
)
from stageflow.core.records import (
    assign_values,
    check_version,
    save_created,
    save_updated,
    validate_record,
)
from stageflow.core.validation import normalise_email
from stageflow.people.models import User
from stageflow.people.selectors import active_user_value, is_record_id
from stageflow.quotes.access import (
    ensure_may_estimate,
    ensure_may_manage_price_book,
)
from stageflow.quotes.models import (
    Estimate,
    EstimateCounter,
    EstimateLine,
    EstimateLink,
    PriceBookItem,
)
from stageflow.quotes.public import hash_token
from stageflow.sales.access import ensure_may_record
from stageflow.sales.models import Opportunity

Status = Estimate.Status

VALIDITY_DAYS = 30
MAX_LINES = 500
# Limits of the DecimalFields: digits before the point, and the places after it.
QUANTITY_LIMIT = Decimal("1000000000")
PRICE_LIMIT = Decimal("10000000000")
TOTAL_LIMIT = Decimal("1000000000000")

ESTIMATE_FIELDS = ("title", "account", "contact", "owner", "currency", "valid_until", "terms",
                   "notes", "private_notes")
ESTIMATE_HISTORY_FIELDS = (*ESTIMATE_FIELDS, "status", "selected", "net_total", "tax_total",
                           "total")
# What the client has been shown: changing it means sending a new version of the quote.
COMMERCIAL_FIELDS = frozenset({"currency", "valid_until", "terms", "notes"})
PRICE_BOOK_FIELDS = ("code", "name", "description", "unit", "unit_price", "tax_rate",
                     "category", "active")


# --- values ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class LineInput:
    """One line to put on an estimate, from the price book (`item_id`) or typed freely."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal = Decimal("0")
    discount_percent: Decimal = Decimal("0")
    code: str = ""
    unit: str = ""
    item_id: int | None = None


def line_from_item(item: PriceBookItem, quantity: Decimal = Decimal(1)) -> LineInput:
    """A line copying the book item as it is now: later price changes do not touch it."""
    description = f"{item.name}\n{item.description}" if item.description else item.name
    return LineInput(description=description, quantity=quantity, unit_price=item.unit_price,
                     tax_rate=item.tax_rate, code=item.code, unit=item.unit, item_id=item.pk)


def line_from_estimate_line(line: EstimateLine) -> LineInput:
    return LineInput(description=line.description, quantity=line.quantity,
                     unit_price=line.unit_price, tax_rate=line.tax_rate,
                     discount_percent=line.discount_percent, code=line.code, unit=line.unit,
                     item_id=line.item_id)


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _amount(raw: object, *, what: str, places: int, limit: Decimal) -> Decimal:
    value = as_decimal(raw, what=what)
    if _places(value) > places:
        raise MoneyError(_("%(what)s has more than %(places)s decimals")
                         % {"what": what, "places": places})
    if abs(value) >= limit:
        raise MoneyError(_("%(what)s is too large") % {"what": what})
    return value


def _rate(raw: object, *, what: str) -> Decimal:
    value = percentage(raw, what=what)
    if _places(value) > 2:
        raise MoneyError(_("%(what)s has more than 2 decimals") % {"what": what})
    return value


def money_value(raw: object) -> Decimal:
    """A price as typed or sent: exact, at most two decimals (ValueError names why not)."""
    return _amount(raw, what=_("the price"), places=2, limit=PRICE_LIMIT)


def rate_value(raw: object) -> Decimal:
    return _rate(raw, what=_("the tax rate"))


def _checked_line(index: int, line: LineInput, known_items: set[int],
                  errors: dict[str, str]) -> EstimateLine | None:
    """The line as an unsaved row, or None with each problem in `errors["lines.<i>.<field>"]`."""
    prefix = f"lines.{index}"
    start = len(errors)
    description = str(line.description or "").strip()
    if not description:
        errors[f"{prefix}.description"] = _("Describe the line.")
    elif len(description) > 5000:
        errors[f"{prefix}.description"] = _("At most 5000 characters.")
    checks: dict[str, tuple[Any, Any]] = {
        "quantity": (line.quantity, lambda raw: _amount(raw, what=_("the quantity"), places=3,
                                                         limit=QUANTITY_LIMIT)),
        "unit_price": (line.unit_price, money_value),
        "tax_rate": (line.tax_rate, rate_value),
        "discount_percent": (line.discount_percent,
                             lambda raw: _rate(raw, what=_("the discount"))),
    }
    values: dict[str, Decimal] = {}
    for name, (raw, check) in checks.items():
        try:
            values[name] = check(raw)
        except ValueError as error:
            errors[f"{prefix}.{name}"] = str(error)
    if "quantity" in values and values["quantity"] <= 0:
        errors[f"{prefix}.quantity"] = _("The quantity must be more than 0.")
    code, unit = str(line.code or "").strip(), str(line.unit or "").strip()
    if len(code) > 40:
        errors[f"{prefix}.code"] = _("At most 40 characters.")
    if len(unit) > 20:
        errors[f"{prefix}.unit"] = _("At most 20 characters.")
    if line.item_id is not None and line.item_id not in known_items:
        errors[f"{prefix}.item_id"] = _("Unknown price book item.")
    if len(errors) > start:
        return None
    return EstimateLine(
        position=index, item_id=line.item_id, code=code, description=description,
        quantity=values["quantity"], unit=unit, unit_price=values["unit_price"],
        discount_percent=values["discount_percent"], tax_rate=values["tax_rate"],
        net_amount=line_net(values["quantity"], values["unit_price"],
                            values["discount_percent"]))


def checked_lines(lines: Sequence[LineInput]) -> list[EstimateLine]:
    """Unsaved line rows for `lines`; InvalidInput names every bad line and field."""
    if len(lines) > MAX_LINES:
        raise InvalidInput(_("An estimate has at most %(count)s lines.") % {"count": MAX_LINES},
                           fields={"lines": _("too many lines")})
    item_ids = {line.item_id for line in lines if line.item_id is not None}
    known = set(PriceBookItem.objects.filter(pk__in=item_ids).values_list("pk", flat=True)) \
        if item_ids else set()
    errors: dict[str, str] = {}
    rows = [_checked_line(index, line, known, errors) for index, line in enumerate(lines)]
    if errors:
        raise InvalidInput(_("Some lines need attention."), fields=errors)
    result = [row for row in rows if row is not None]
    if document_totals(_priced(result)).total >= TOTAL_LIMIT:
        raise InvalidInput(_("The estimate's total is too large."),
                           fields={"lines": _("total too large")})
    return result


def _priced(lines: Sequence[EstimateLine]) -> list[PricedLine]:
    return [PricedLine(net=line.net_amount, tax_rate=line.tax_rate) for line in lines]


def totals_of(lines: Sequence[EstimateLine]) -> Totals:
    return document_totals(_priced(lines))


def _currency(value: Any) -> str:
    code = str(value or "").strip().upper()
    if len(code) != 3 or not code.isalpha() or not code.isascii():
        raise ValueError(_("Use a three-letter currency code such as EUR."))
    return code


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(_("Use a date such as 2030-01-31.")) from None


def _visible_account(actor: User, *, action: str = "view") -> Any:
    def account_value(value: Any) -> Account | None:
        if value in (None, ""):
            return None
        if isinstance(value, Account):
            value = value.pk
        account = (accounts_for(actor, action).filter(pk=value).first()
                   if is_record_id(value) else None)
        if account is None:
            raise ValueError(_("Unknown account."))
        return account

    return account_value


def _visible_contact(actor: User) -> Any:
    def contact_value(value: Any) -> Contact | None:
        if value in (None, ""):
            return None
        if isinstance(value, Contact):
            value = value.pk
        contact = contacts_for(actor).filter(pk=value).first() if is_record_id(value) else None
        if contact is None:
            raise ValueError(_("Unknown contact."))
        return contact

    return contact_value


def _normalisers(actor: User, *, account_action: str = "view") -> dict[str, Any]:
    """An estimate with no opportunity takes its scope from its account, so moving it needs
    the right to edit the account it moves to (`account_action="edit"`)."""
    return {"account": _visible_account(actor, action=account_action),
            "contact": _visible_contact(actor), "owner": active_user_value,
            "currency": _currency, "valid_until": _date}


# --- numbers, totals, selection ------------------------------------------------------------

def next_estimate_number() -> str:
    """The next "E-00001"-style number; the counter row stays locked until the caller commits."""
    EstimateCounter.objects.get_or_create(pk=1)
    counter = EstimateCounter.objects.select_for_update().get(pk=1)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"E-{counter.last_number:05d}"


def _write_lines(estimate: Estimate, lines: Sequence[EstimateLine]) -> None:
    estimate.lines.all().delete()
    for line in lines:
        line.estimate = estimate
    EstimateLine.objects.bulk_create(lines)
    totals = totals_of(lines)
    estimate.net_total, estimate.tax_total, estimate.total = totals.net, totals.tax, totals.total


def _opportunity_follows(estimate: Estimate, *, actor: User | None, via: Via) -> None:
    """Make the opportunity's value and currency those of its selected estimate."""
    if not estimate.selected or estimate.opportunity_id is None:
        return
    opportunity = Opportunity.objects.select_for_update().get(pk=estimate.opportunity_id)
    before = snapshot(opportunity, ("value", "currency"))
    opportunity.value, opportunity.currency = estimate.net_total, estimate.currency
    changes = save_updated(opportunity, before, actor=actor, via=via,
                           fields=("value", "currency"))
    if changes:
        events.emit("opportunity.updated", record_id=opportunity.pk,
                    actor_id=getattr(actor, "pk", None), via=via,
                    fields=[change["field"] for change in changes])


def _select(estimate: Estimate, *, actor: User | None, via: Via) -> None:
    if estimate.opportunity_id is None:
        return
    others = Estimate.objects.filter(opportunity_id=estimate.opportunity_id,
                                     selected=True).exclude(pk=estimate.pk)
    for other in others.select_for_update():
        other.selected = False
        other.version += 1
        other.save(update_fields=["selected", "version", "updated_at"])
        record_history(record=other, actor=actor, via=via, action=HistoryEntry.Action.UPDATED,
                       changes=[{"field": "selected", "label": str(_("selected")),
                                 "old": True, "new": False}])
    estimate.selected = True


def _save_changed(estimate: Estimate, before: Mapping[str, Any], *, actor: User | None,
                  via: Via) -> list[dict[str, Any]]:
    return save_updated(estimate, before, actor=actor, via=via, fields=ESTIMATE_HISTORY_FIELDS)


def _locked(estimate: Estimate) -> Estimate:
    return Estimate.objects.select_for_update(of=("self",)).select_related(
        "opportunity", "account", "contact", "owner").get(pk=estimate.pk)


def _require_draft(estimate: Estimate, what: str) -> None:
    if estimate.status != Status.DRAFT:
        raise RuleRefused(
            _("Only a draft can be changed. Set the estimate back to draft (its links stop "
              "working) or duplicate it."), fields={what: _("the estimate is %(status)s")
                                                   % {"status": estimate.get_status_display()}},
            code="not_draft")


# --- estimates -------------------------------------------------------------------------------

@transaction.atomic
def estimate_create(*, actor: User, via: Via, opportunity: Opportunity | None = None,
                    account: Account | None = None, lines: Sequence[LineInput],
                    title: str = "", contact: Contact | None = None,
                    valid_until: dt.date | None = None, terms: str | None = None,
                    notes: str = "", currency: str | None = None) -> Estimate:
    """A draft estimate on an opportunity (customer: its account unless given) or an account.

    It becomes the opportunity's selected estimate when the workspace says new ones should.
    """
    settings_row = workspace.current()
    if opportunity is not None:
        ensure_may_record(actor, "edit", opportunity)
    elif account is not None:
        ensure_may(actor, "accounts", "edit", account)
    else:
        raise InvalidInput(_("Choose the customer or the opportunity the estimate is for."),
                           fields={"account": _("required without an opportunity")})
    customer = account if account is not None else opportunity.account if opportunity else None
    estimate = Estimate(
        opportunity=opportunity, owner=actor, created_by=actor, account=customer,
        office=getattr(opportunity, "office", None) or getattr(customer, "office", None))
    values: dict[str, Any] = {
        "title": title, "notes": notes,
        "terms": settings_row.terms if terms is None else terms,
        "currency": (currency or (opportunity.currency if opportunity else "")
                     or settings_row.default_currency),
        "valid_until": valid_until or (timezone.localdate(clock.now())
                                       + dt.timedelta(days=VALIDITY_DAYS))}
    # The opportunity's own account is seen with the opportunity; one given is checked.
    if account is not None:
        values["account"] = account
    if contact is not None:
        values["contact"] = contact
    errors: dict[str, str] = {}
    assign_values(estimate, values, editable=ESTIMATE_FIELDS, normalisers=_normalisers(actor),
                  errors=errors)
    rows: list[EstimateLine] = []
    try:
        rows = checked_lines(lines)
    except InvalidInput as error:
        errors.update(error.fields)
    validate_record(estimate, errors, exclude=("number", "opportunity", "account", "contact",
                                               "owner", "office", "created_by"))
    estimate.number = next_estimate_number()
    if opportunity is not None and settings_row.select_new_estimate:
        _select(estimate, actor=actor, via=via)
    estimate.save()
    _write_lines(estimate, rows)
    estimate.save(update_fields=["net_total", "tax_total", "total"])
    _record_created(estimate, actor=actor, via=via)
    _opportunity_follows(estimate, actor=actor, via=via)
    return estimate


def _record_created(estimate: Estimate, *, actor: User, via: Via) -> None:
    record_history(record=estimate, actor=actor, via=via, action=HistoryEntry.Action.CREATED,
                   changes=[{"field": name, "label": name, "old": None, "new": value}
                            for name, value in snapshot(estimate, ESTIMATE_HISTORY_FIELDS)
                            .items() if value not in (None, "")])
    parent = estimate.opportunity or estimate.account
    if parent is not None:
        record_history(record=parent, actor=actor, via=via, action=HistoryEntry.Action.LINKED,
                       summary=_("Estimate %(number)s added") % {"number": estimate.number})


@transaction.atomic
def estimate_update(*, actor: User, via: Via, estimate: Estimate, values: Mapping[str, Any],
                    lines: Sequence[LineInput] | None = None,
                    expected_version: int | None = None) -> Estimate:
    """Change an estimate's fields and (while draft) replace its lines.

    What the client was shown (lines, terms, notes, currency, validity) changes only while
    draft; the customer, contact, owner, title and private notes may change at any time.
    """
    estimate = _locked(estimate)
    ensure_may_estimate(actor, "edit", estimate)
    check_version(estimate, expected_version)
    if lines is not None:
        _require_draft(estimate, "lines")
    for name in COMMERCIAL_FIELDS & set(values):
        if values[name] != getattr(estimate, name):
            _require_draft(estimate, name)
    before = snapshot(estimate, ESTIMATE_HISTORY_FIELDS)
    errors: dict[str, str] = {}
    direct = estimate.opportunity_id is None
    assign_values(estimate, values, editable=ESTIMATE_FIELDS,
                  normalisers=_normalisers(actor, account_action="edit" if direct else "view"),
                  errors=errors)
    if direct and "account" in values and estimate.account_id is None and "account" not in errors:
        errors["account"] = _("An estimate without an opportunity needs a customer.")
    rows: list[EstimateLine] | None = None
    if lines is not None:
        try:
            rows = checked_lines(lines)
        except InvalidInput as error:
            errors.update(error.fields)
    validate_record(estimate, errors, exclude=("number", "opportunity", "account", "contact",
                                               "owner", "office", "created_by"))
    if rows is not None:
        _write_lines(estimate, rows)
    changes = _save_changed(estimate, before, actor=actor, via=via)
    if rows is not None and not changes:
        # New lines with the same totals are still a change the next editor must see.
        estimate.version += 1
        estimate.save()
        record_history(record=estimate, actor=actor, via=via,
                       action=HistoryEntry.Action.UPDATED, summary=_("Lines changed"))
    _opportunity_follows(estimate, actor=actor, via=via)
    return estimate


@transaction.atomic
def estimate_select(*, actor: User, via: Via, estimate: Estimate) -> Estimate:
    """Make this the opportunity's selected estimate; the one selected before is unselected."""
    estimate = _locked(estimate)
    ensure_may_estimate(actor, "edit", estimate)
    if estimate.opportunity_id is None:
        raise RuleRefused(_("Only an estimate on an opportunity can be selected."),
                          fields={"opportunity": _("none")}, code="no_opportunity")
    if estimate.selected:
        return estimate
    before = snapshot(estimate, ESTIMATE_HISTORY_FIELDS)
    _select(estimate, actor=actor, via=via)
    _save_changed(estimate, before, actor=actor, via=via)
    _opportunity_follows(estimate, actor=actor, via=via)
    return estimate


@transaction.atomic
def estimate_duplicate(*, actor: User, via: Via, estimate: Estimate) -> Estimate:
    """A new draft with the same customer, texts and lines; never selected."""
    source = _locked(estimate)
    ensure_may_estimate(actor, "edit", source)
    copy = Estimate(
        number=next_estimate_number(), title=source.title, opportunity=source.opportunity,
        account=source.account, contact=source.contact, owner=actor, office=source.office,
        currency=source.currency, terms=source.terms, notes=source.notes,
        private_notes=source.private_notes, created_by=actor,
        valid_until=timezone.localdate(clock.now()) + dt.timedelta(days=VALIDITY_DAYS))
    copy.save()
    lines = list(source.lines.all())
    for line in lines:
        line.pk = None
    _write_lines(copy, lines)
    copy.save(update_fields=["net_total", "tax_total", "total"])
    _record_created(copy, actor=actor, via=via)
    record_history(record=source, actor=actor, via=via, action=HistoryEntry.Action.LINKED,
                   summary=_("Duplicated as %(number)s") % {"number": copy.number})
    return copy


@transaction.atomic
def estimate_reopen(*, actor: User, via: Via, estimate: Estimate) -> Estimate:
    """Set a sent, declined or expired estimate back to draft; its links stop working."""
    estimate = _locked(estimate)
    ensure_may_estimate(actor, "edit", estimate)
    if estimate.status == Status.DRAFT:
        return estimate
    if estimate.status == Status.ACCEPTED:
        raise RuleRefused(_("An accepted estimate stays as the client accepted it; duplicate "
                            "it to change it."), fields={"status": _("accepted")},
                          code="accepted")
    before = snapshot(estimate, ESTIMATE_HISTORY_FIELDS)
    _revoke_links(estimate, actor=actor, via=via)
    estimate.status = Status.DRAFT
    _save_changed(estimate, before, actor=actor, via=via)
    return estimate


@transaction.atomic
def estimate_delete(*, actor: User, via: Via, estimate: Estimate) -> None:
    """Delete a draft; anything the client may have seen is kept."""
    estimate = _locked(estimate)
    ensure_may_estimate(actor, "delete", estimate)
    _require_draft(estimate, "status")
    parent = estimate.opportunity or estimate.account
    if parent is not None:
        record_history(record=parent, actor=actor, via=via,
                       action=HistoryEntry.Action.UNLINKED,
                       summary=_("Estimate %(number)s deleted") % {"number": estimate.number})
    record_history(record=estimate, actor=actor, via=via, action=HistoryEntry.Action.DELETED)
    estimate.delete()


# --- sending and links -----------------------------------------------------------------------

@dataclass(frozen=True)
class SentEstimate:
    """What sending produced: the link's token is here once and never stored."""

    estimate: Estimate
    link: EstimateLink
    token: str
    url: str
    message: OutboxMessage = field(repr=False)


def public_url(token: str) -> str:
    base = str(getattr(settings, "STAGEFLOW_BASE_URL", "") or "").rstrip("/")
    return f"{base}/q/{token}"


def recipient_of(estimate: Estimate) -> tuple[str, str]:
    """(email, name) the estimate goes to: its contact, the opportunity's main contact, or
    the customer's own address; ("", "") when none has an email address."""
    candidates: list[Contact | Account | None] = [estimate.contact]
    if estimate.opportunity is not None:
        candidates.append(primary_contact(estimate.opportunity))
    candidates.append(estimate.account)
    for candidate in candidates:
        if candidate is not None and candidate.email:
            return candidate.email, str(candidate)
    return "", ""


def _link_expiry(estimate: Estimate, now: dt.datetime) -> dt.datetime:
    if estimate.valid_until is None:
        return now + dt.timedelta(days=VALIDITY_DAYS)
    day_after = estimate.valid_until + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day_after, dt.time.min))


@transaction.atomic
def estimate_send(*, actor: User, via: Via, estimate: Estimate, to: str = "") -> SentEstimate:
    """Email the client a link to the estimate (to `to`, else the usual recipient).

    The message goes through the outbox in this transaction; the estimate becomes sent and
    `quote.sent` is raised. A sent estimate can be sent again: each sending is a new link.
    """
    estimate = _locked(estimate)
    ensure_may_estimate(actor, "edit", estimate)
    if estimate.status not in (Status.DRAFT, Status.SENT):
        raise RuleRefused(_("Only a draft or sent estimate can be sent."),
                          fields={"status": estimate.get_status_display()}, code="not_sendable")
    errors: dict[str, str] = {}
    now = clock.now()
    if not estimate.lines.exists():
        errors["lines"] = _("Add at least one line before sending.")
    if estimate.valid_until is not None and estimate.valid_until < timezone.localdate(now):
        errors["valid_until"] = _("The validity date has passed.")
    address, name = (to.strip(), "") if to.strip() else recipient_of(estimate)
    if not address:
        errors["to"] = _("No email address: give one, or add an email to the contact or "
                         "customer.")
    else:
        try:
            address = normalise_email(address)
        except ValueError as error:
            errors["to"] = str(error)
    if errors:
        raise RuleRefused(_("The estimate cannot be sent yet."), fields=errors,
                          code="not_sendable")
    token = secrets.token_urlsafe(32)
    link = EstimateLink.objects.create(estimate=estimate, token_hash=hash_token(token),
                                       expires_at=_link_expiry(estimate, now), sent_to=address,
                                       created_by=actor)
    url = public_url(token)
    message = _queue_email(estimate, link, address=address, name=name, url=url, actor=actor,
                           via=via)
    before = snapshot(estimate, ESTIMATE_HISTORY_FIELDS)
    estimate.status, estimate.sent_at = Status.SENT, now
    _save_changed(estimate, before, actor=actor, via=via)
    record_history(record=estimate, actor=actor, via=via, action=HistoryEntry.Action.LINKED,
                   summary=_("Sent to %(address)s") % {"address": address})
    events.emit("quote.sent", estimate_id=estimate.pk, opportunity_id=estimate.opportunity_id,
                account_id=estimate.account_id, actor_id=actor.pk, via=via)
    return SentEstimate(estimate=estimate, link=link, token=token, url=url, message=message)


def _queue_email(estimate: Estimate, link: EstimateLink, *, address: str, name: str, url: str,
                 actor: User, via: Via) -> OutboxMessage:
    settings_row = workspace.current()
    with translation.override(settings_row.default_language or "en"):
        subject = _("Estimate %(number)s from %(company)s") % {
            "number": estimate.number, "company": settings_row.company_name or _("us")}
        # A plain-text email: nothing in it is HTML, so what people typed is sent as text.
        body = render_to_string("web/quotes/estimate_email.txt", {
            "estimate": estimate, "name": name, "url": url, "company": settings_row,
            "expires_at": timezone.localtime(link.expires_at)})
    return outbox_enqueue(channel=OutboxMessage.Channel.EMAIL, to=address, subject=subject,
                          body=body, record=estimate.opportunity or estimate.account,
                          idempotency_key=f"estimate-link:{link.pk}",
                          source=f"estimate:{estimate.number}", actor=actor, via=via)


def _revoke_links(estimate: Estimate, *, actor: User | None, via: Via) -> int:
    revoked = EstimateLink.objects.filter(estimate=estimate, revoked_at__isnull=True).update(
        revoked_at=clock.now())
    if revoked:
        record_history(record=estimate, actor=actor, via=via,
                       action=HistoryEntry.Action.UNLINKED,
                       summary=_("%(count)s link(s) to the client revoked") % {"count": revoked})
    return revoked


@transaction.atomic
def estimate_link_revoke(*, actor: User, via: Via, link: EstimateLink) -> EstimateLink:
    """Stop a link from working; the client then sees the same page as for any unknown link."""
    link = EstimateLink.objects.select_for_update(of=("self",)).select_related(
        "estimate__opportunity", "estimate__account").get(pk=link.pk)
    ensure_may_estimate(actor, "edit", link.estimate)
    if link.revoked_at is None:
        link.revoked_at = clock.now()
        link.save(update_fields=["revoked_at"])
        record_history(record=link.estimate, actor=actor, via=via,
                       action=HistoryEntry.Action.UNLINKED,
                       summary=_("Link sent to %(address)s revoked")
                       % {"address": link.sent_to or "?"})
    return link


# --- the client's answer ---------------------------------------------------------------------

def _tell_the_office(estimate: Estimate, message: str) -> None:
    owners = {owner_id for owner_id in (estimate.owner_id,
                                        getattr(estimate.opportunity, "owner_id", None))
              if owner_id is not None}
    url = estimate.get_absolute_url()
    for recipient in User.objects.filter(pk__in=owners, is_active=True):
        notify(recipient=recipient, message=message, url=url)


def _answerable(link: EstimateLink) -> Estimate:
    estimate = _locked(link.estimate)
    if estimate.status != Status.SENT:
        raise RuleRefused(_("This estimate has already been answered."),
                          fields={"status": estimate.get_status_display()},
                          code="already_answered")
    return estimate


@transaction.atomic
def estimate_accept(*, link: EstimateLink, signature: str, consent: bool,
                    ip_address: str | None, via: Via = Via.WEB) -> Estimate:
    """The client accepts through their link, typing their full name and giving consent.

    An estimate on an opportunity becomes its selected one: what was accepted is what is sold.
    """
    errors: dict[str, str] = {}
    name = " ".join(str(signature or "").split())
    if len(name) < 2:
        errors["signature"] = _("Type your full name.")
    elif len(name) > 200:
        errors["signature"] = _("At most 200 characters.")
    if consent is not True:
        errors["consent"] = _("Tick the box to accept the estimate and its terms.")
    if errors:
        raise InvalidInput(_("Please complete the acceptance."), fields=errors)
    estimate = _answerable(link)
    before = snapshot(estimate, ESTIMATE_HISTORY_FIELDS)
    estimate.status, estimate.answered_at = Status.ACCEPTED, clock.now()
    estimate.accepted_by_name, estimate.answered_from_ip = name, ip_address or None
    if estimate.opportunity_id is not None:
        _select(estimate, actor=None, via=via)
    _save_changed(estimate, before, actor=None, via=via)
    record_history(record=estimate, actor=None, via=via, action=HistoryEntry.Action.UPDATED,
                   summary=_("Accepted by %(name)s through the client link") % {"name": name})
    _opportunity_follows(estimate, actor=None, via=via)
    _tell_the_office(estimate, _("%(name)s accepted estimate %(number)s")
                     % {"name": name, "number": estimate.number})
    events.emit("quote.accepted", estimate_id=estimate.pk,
                opportunity_id=estimate.opportunity_id, account_id=estimate.account_id,
                actor_id=None, via=via)
    return estimate


@transaction.atomic
def estimate_decline(*, link: EstimateLink, reason: str = "", ip_address: str | None,
                     via: Via = Via.WEB) -> Estimate:
    """The client declines through their link, with an optional reason."""
    reason = str(reason or "").strip()
    if len(reason) > 2000:
        raise InvalidInput(_("Please keep the reason under 2000 characters."),
                           fields={"reason": _("At most 2000 characters.")})
    estimate = _answerable(link)
    before = snapshot(estimate, ESTIMATE_HISTORY_FIELDS)
    estimate.status, estimate.answered_at = Status.DECLINED, clock.now()
    estimate.decline_reason, estimate.answered_from_ip = reason, ip_address or None
    _save_changed(estimate, before, actor=None, via=via)
    record_history(record=estimate, actor=None, via=via, action=HistoryEntry.Action.UPDATED,
                   summary=_("Declined through the client link"))
    _tell_the_office(estimate, _("Estimate %(number)s was declined by the client")
                     % {"number": estimate.number})
    events.emit("quote.declined", estimate_id=estimate.pk,
                opportunity_id=estimate.opportunity_id, account_id=estimate.account_id,
                actor_id=None, via=via)
    return estimate


# What the office may record by hand for a sent estimate (a signed paper copy, a phone call,
# a quote given up on); the client's own answers come through `estimate_accept`/`_decline`.
MARKABLE: dict[str, str] = {Status.ACCEPTED: "quote.accepted",
                             Status.DECLINED: "quote.declined", Status.EXPIRED: ""}


@transaction.atomic
def estimate_mark(*, actor: User, via: Via, estimate: Estimate, status: str) -> Estimate:
    """Record by hand that a sent estimate was accepted, declined or has expired; "draft"
    sets it back to draft (as `estimate_reopen`)."""
    if status == Status.DRAFT:
        return estimate_reopen(actor=actor, via=via, estimate=estimate)
    estimate = _locked(estimate)
    ensure_may_estimate(actor, "edit", estimate)
    if status == estimate.status:
        return estimate
    if status not in MARKABLE:
        raise InvalidInput(_("Unknown status."), fields={"status": ", ".join(Status.values)})
    if estimate.status != Status.SENT:
        raise RuleRefused(_("Only a sent estimate can be marked accepted, declined or expired."),
                          fields={"status": estimate.get_status_display()}, code="not_sent")
    before = snapshot(estimate, ESTIMATE_HISTORY_FIELDS)
    estimate.status = status
    if status != Status.EXPIRED:
        estimate.answered_at = clock.now()
    if status == Status.ACCEPTED and estimate.opportunity_id is not None:
        _select(estimate, actor=actor, via=via)
    _save_changed(estimate, before, actor=actor, via=via)
    _opportunity_follows(estimate, actor=actor, via=via)
    if MARKABLE[status]:
        events.emit(MARKABLE[status], estimate_id=estimate.pk,
                    opportunity_id=estimate.opportunity_id, account_id=estimate.account_id,
                    actor_id=actor.pk, via=via)
    return estimate


@transaction.atomic
def estimates_expire_due(now: dt.datetime) -> int:
    """Mark sent estimates whose validity date has passed as expired; returns how many."""
    today = timezone.localdate(now)
    due = Estimate.objects.select_for_update().filter(status=Status.SENT,
                                                      valid_until__lt=today)
    count = 0
    for estimate in due:
        before = snapshot(estimate, ESTIMATE_HISTORY_FIELDS)
        estimate.status = Status.EXPIRED
        _save_changed(estimate, before, actor=None, via=Via.SYSTEM)
        count += 1
    return count


# --- the price book --------------------------------------------------------------------------

def _code(value: Any) -> str:
    code = str(value or "").strip()
    if not code:
        raise ValueError(_("Give the item a code."))
    if any(character.isspace() for character in code):
        raise ValueError(_("A code has no spaces."))
    return code


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y", "on"):
        return True
    if text in ("0", "false", "no", "n", "off", ""):
        return False
    raise ValueError(_("Use yes or no."))


PRICE_BOOK_NORMALISERS = {"code": _code, "unit_price": money_value, "tax_rate": rate_value,
                          "active": _flag}


def _code_taken(item: PriceBookItem, errors: dict[str, str]) -> None:
    if "code" in errors:
        return
    if PriceBookItem.objects.filter(code=item.code).exclude(pk=item.pk).exists():
        errors["code"] = _("Another item already has this code.")


@transaction.atomic
def price_book_item_create(*, actor: User, via: Via, values: Mapping[str, Any]) -> PriceBookItem:
    ensure_may_manage_price_book(actor)
    item = PriceBookItem()
    errors: dict[str, str] = {}
    assign_values(item, values, editable=PRICE_BOOK_FIELDS, normalisers=PRICE_BOOK_NORMALISERS,
                  errors=errors)
    for required in ("code", "name", "unit_price"):
        if required not in values and required not in errors:
            errors[required] = _("This field is required.")
    _code_taken(item, errors)
    validate_record(item, errors)
    save_created(item, actor=actor, via=via, fields=PRICE_BOOK_FIELDS)
    return item


@transaction.atomic
def price_book_item_update(*, actor: User, via: Via, item: PriceBookItem,
                           values: Mapping[str, Any],
                           expected_version: int | None = None) -> PriceBookItem:
    """Change a book item; estimates already priced from it keep their copied lines."""
    ensure_may_manage_price_book(actor)
    item = PriceBookItem.objects.select_for_update().get(pk=item.pk)
    check_version(item, expected_version)
    before = snapshot(item, PRICE_BOOK_FIELDS)
    errors: dict[str, str] = {}
    assign_values(item, values, editable=PRICE_BOOK_FIELDS, normalisers=PRICE_BOOK_NORMALISERS,
                  errors=errors)
    _code_taken(item, errors)
    validate_record(item, errors)
    save_updated(item, before, actor=actor, via=via, fields=PRICE_BOOK_FIELDS)
    return item


@transaction.atomic
def price_book_item_delete(*, actor: User, via: Via, item: PriceBookItem) -> None:
    """Remove a book item; lines priced from it keep their copy (deactivate to keep it)."""
    ensure_may_manage_price_book(actor)
    record_history(record=item, actor=actor, via=via, action=HistoryEntry.Action.DELETED)
    item.delete()

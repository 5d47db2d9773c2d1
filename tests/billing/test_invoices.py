"""Invoices: drafts without a number, issued with the next number of their year and a due
date, then paid; lines change only while draft."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from stageflow.billing import services
from stageflow.billing.models import DocumentCounter, Invoice
from stageflow.core.errors import Conflict, InvalidInput, NotAllowed, RuleRefused
from stageflow.core.models import Via
from tests.billing.conftest import FILTER, FURNACE

ISSUE_DAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def draft(deal, make_estimate, office_north) -> Invoice:
    make_estimate(deal, FURNACE, FILTER)
    return services.invoice_create(actor=office_north, via=Via.API, opportunity=deal)


def test_a_draft_from_the_selected_estimate_has_its_lines_and_no_number(draft, customer, deal):
    assert (draft.number, draft.status, draft.account, draft.opportunity) == (
        "", "draft", customer, deal)
    assert draft.lines.count() == 2
    assert (draft.net_total, draft.tax_total, draft.total) == (
        Decimal("4253.97"), Decimal("350.95"), Decimal("4604.92"))
    assert draft.due_date is None


def test_issuing_numbers_per_year_and_sets_the_due_date(draft, office_north, deal,
                                                        make_estimate):
    second = services.invoice_create(actor=office_north, via=Via.API, opportunity=deal)
    third = services.invoice_create(actor=office_north, via=Via.API, opportunity=deal)

    with time_machine.travel(ISSUE_DAY, tick=False):
        first = services.invoice_issue(actor=office_north, via=Via.WEB, invoice=draft)
        second = services.invoice_issue(actor=office_north, via=Via.WEB, invoice=second)
    with time_machine.travel(dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC), tick=False):
        third = services.invoice_issue(actor=office_north, via=Via.WEB, invoice=third)

    assert [first.number, second.number, third.number] == [
        "INV-2026-0001", "INV-2026-0002", "INV-2027-0001"]
    assert (first.status, first.issue_date, first.due_date) == (
        "issued", dt.date(2026, 3, 2), dt.date(2026, 3, 16))
    assert first.issued_at == ISSUE_DAY


def test_a_due_date_set_on_the_draft_is_kept(draft, office_north):
    services.invoice_update(actor=office_north, via=Via.API, invoice=draft,
                            values={"due_date": dt.date(2026, 4, 30)})

    with time_machine.travel(ISSUE_DAY, tick=False):
        issued = services.invoice_issue(actor=office_north, via=Via.API, invoice=draft)

    assert issued.due_date == dt.date(2026, 4, 30)


def test_a_due_date_before_the_issue_date_is_refused_and_no_number_is_used(draft,
                                                                          office_north):
    services.invoice_update(actor=office_north, via=Via.API, invoice=draft,
                            values={"due_date": dt.date(2026, 1, 1)})

    with time_machine.travel(ISSUE_DAY, tick=False), pytest.raises(InvalidInput) as refused:
        services.invoice_issue(actor=office_north, via=Via.API, invoice=draft)

    assert set(refused.value.fields) == {"due_date"}
    draft.refresh_from_db()
    assert (draft.status, draft.number) == ("draft", "")
    assert not DocumentCounter.objects.exists()


def test_an_issued_invoice_cannot_change(draft, office_north):
    issued = services.invoice_issue(actor=office_north, via=Via.API, invoice=draft)

    with pytest.raises(Conflict):
        services.invoice_update(actor=office_north, via=Via.API, invoice=issued,
                                values={}, lines=[{"description": "x", "unit_price": "1"}])
    with pytest.raises(Conflict):
        services.invoice_issue(actor=office_north, via=Via.API, invoice=issued)

    issued.refresh_from_db()
    assert (issued.lines.count(), issued.total, issued.version) == (
        2, Decimal("4604.92"), 2)


def test_paid_records_when(draft, office_north):
    with pytest.raises(Conflict):
        services.invoice_mark_paid(actor=office_north, via=Via.API, invoice=draft)
    issued = services.invoice_issue(actor=office_north, via=Via.API, invoice=draft)

    with time_machine.travel(ISSUE_DAY + dt.timedelta(days=5), tick=False):
        paid = services.invoice_mark_paid(actor=office_north, via=Via.API, invoice=issued)

    assert (paid.status, paid.paid_at) == ("paid", ISSUE_DAY + dt.timedelta(days=5))


def test_draft_lines_are_replaced_with_exact_totals(draft, office_north):
    services.invoice_update(actor=office_north, via=Via.API, invoice=draft, values={}, lines=[
        {"description": "A", "quantity": "3", "unit_price": "0.10", "tax_rate": "21"},
        {"description": "B", "quantity": "1", "unit_price": "0.05", "tax_rate": "21"}])

    draft.refresh_from_db()
    assert (draft.net_total, draft.tax_total, draft.total) == (
        Decimal("0.35"), Decimal("0.07"), Decimal("0.42"))


def test_an_invoice_from_an_order(deal, make_estimate, office_north):
    make_estimate(deal)
    order = services.order_create(actor=office_north, via=Via.API, opportunity=deal)

    invoice = services.invoice_create(actor=office_north, via=Via.API, order=order)

    assert (invoice.order, invoice.estimate, invoice.opportunity, invoice.account) == (
        order, order.estimate, deal, order.account)
    assert invoice.total == order.total


def test_a_cancelled_order_is_not_invoiced(deal, make_estimate, office_north):
    make_estimate(deal)
    order = services.order_create(actor=office_north, via=Via.API, opportunity=deal)
    services.order_set_status(actor=office_north, via=Via.API, order=order, status="cancelled")
    order.refresh_from_db()

    with pytest.raises(RuleRefused) as refused:
        services.invoice_create(actor=office_north, via=Via.API, order=order)

    assert refused.value.fields == {"order": "cancelled"}
    assert not Invoice.objects.exists()


def test_someone_outside_the_scope_may_not_issue(draft, sales_south):
    with pytest.raises(NotAllowed):
        services.invoice_issue(actor=sales_south, via=Via.API, invoice=draft)

    draft.refresh_from_db()
    assert draft.status == "draft"

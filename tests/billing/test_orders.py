"""Orders: made from the selected estimate, an estimate, or typed lines; numbered; moved
through draft → confirmed → completed (or cancelled)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stageflow.accounts import services as account_services
from stageflow.billing import services
from stageflow.billing.models import DocumentCounter, Order, OrderLine
from stageflow.core.errors import Conflict, InvalidInput, NotAllowed, RuleRefused, StaleVersion
from stageflow.core.history import history_of
from stageflow.core.models import Via
from stageflow.core.workspace import current
from tests.billing.conftest import FILTER, FURNACE


def test_an_order_copies_the_selected_estimates_lines_and_totals_exactly(
        deal, make_estimate, office_north, customer):
    estimate = make_estimate(deal, FURNACE, FILTER)

    order = services.order_create(actor=office_north, via=Via.API, opportunity=deal)

    assert order.number == "SO-00001"
    assert (order.account, order.opportunity, order.estimate) == (customer, deal, estimate)
    assert (order.status, order.currency) == ("draft", estimate.currency)
    lines = list(order.lines.values_list("code", "description", "quantity", "unit",
                                         "unit_price", "discount_percent", "tax_rate",
                                         "net_amount"))
    assert lines == [
        ("FR-FURN-60K", "Install 60k BTU furnace", Decimal("1.000"), "each",
         Decimal("4200.00"), Decimal("0.00"), Decimal("8.25"), Decimal("4200.00")),
        ("", "Filter", Decimal("3.000"), "", Decimal("19.99"), Decimal("10.00"),
         Decimal("8.25"), Decimal("53.97")),
    ]
    assert (order.net_total, order.tax_total, order.total) == (
        Decimal("4253.97"), Decimal("350.95"), Decimal("4604.92"))
    assert (order.owner, order.office) == (deal.owner, deal.office)
    assert history_of(order).get().action == "created"


def test_numbers_follow_on(deal, make_estimate, office_north):
    make_estimate(deal)

    numbers = [services.order_create(actor=office_north, via=Via.API, opportunity=deal).number
               for _ in range(3)]

    assert numbers == ["SO-00001", "SO-00002", "SO-00003"]


def test_an_order_for_the_job_sub_account_references_the_sub(
        deal, make_estimate, office_north, customer):
    """S1 step 22: the office orders the work for the job (sub-account) of the sale."""
    make_estimate(deal)
    job = account_services.account_create(
        actor=office_north, via=Via.API,
        values={"name": "Doe - Furnace Replacement", "parent": customer.pk})

    order = services.order_create(actor=office_north, via=Via.API, opportunity=deal,
                                  account=job)

    assert order.account == job
    assert order.account.parent == customer


def test_an_account_unrelated_to_the_opportunity_is_refused_and_nothing_is_written(
        deal, make_estimate, office_north, make_account):
    make_estimate(deal)
    stranger = make_account(office_north, "Someone else")

    with pytest.raises(InvalidInput) as refused:
        services.order_create(actor=office_north, via=Via.API, opportunity=deal,
                              account=stranger)

    assert set(refused.value.fields) == {"account"}
    assert not Order.objects.exists()
    assert not OrderLine.objects.exists()
    assert not DocumentCounter.objects.exists()


def test_without_a_selected_estimate_the_order_is_refused(deal, office_north, make_estimate):
    current().__class__.objects.filter(pk=1).update(select_new_estimate=False)
    make_estimate(deal)

    with pytest.raises(RuleRefused) as refused:
        services.order_create(actor=office_north, via=Via.API, opportunity=deal)

    assert "no selected estimate" in refused.value.message
    assert refused.value.fields == {"estimate": "no selected estimate"}
    assert not Order.objects.exists()


def test_an_order_from_a_chosen_estimate(deal, make_estimate, office_north):
    first = make_estimate(deal, FILTER)
    make_estimate(deal)

    order = services.order_create(actor=office_north, via=Via.API, estimate=first)

    assert (order.estimate, order.opportunity, order.total) == (
        first, deal, Decimal("58.42"))


def test_typed_lines_for_an_account(office_north, customer):
    order = services.order_create(actor=office_north, via=Via.API, account=customer, lines=[
        {"description": "Call-out", "quantity": "1", "unit_price": "89.50", "tax_rate": "20"},
        {"description": "Hours", "quantity": "2.5", "unit_price": "40"}])

    assert (order.net_total, order.tax_total, order.total) == (
        Decimal("189.50"), Decimal("17.90"), Decimal("207.40"))
    assert order.opportunity is None
    assert order.currency == current().default_currency


def test_bad_lines_name_each_row_and_field_and_nothing_is_written(office_north, customer):
    with pytest.raises(InvalidInput) as refused:
        services.order_create(actor=office_north, via=Via.API, account=customer, lines=[
            {"description": "Fine", "quantity": 1, "unit_price": "10"},
            {"description": "", "quantity": 0, "unit_price": 10.5},
            {"description": "Cents", "unit_price": "1.001", "discount_percent": "120"}])

    assert refused.value.fields == {
        "lines.2.description": "Required.",
        "lines.2.quantity": "More than zero.",
        "lines.2.unit_price": "unit_price must be given as a decimal string, not float",
        "lines.3.unit_price": "At most 2 decimals.",
        "lines.3.discount_percent": "discount_percent must be between 0 and 100",
    }
    assert not Order.objects.exists()


def test_typed_lines_need_an_account(office_north):
    with pytest.raises(InvalidInput) as refused:
        services.order_create(actor=office_north, via=Via.API,
                              lines=[{"description": "x", "unit_price": "1"}])

    assert refused.value.fields == {"account": "Required."}


def test_someone_outside_the_scope_may_not_order(deal, make_estimate, sales_south):
    make_estimate(deal)

    with pytest.raises(NotAllowed):
        services.order_create(actor=sales_south, via=Via.API, opportunity=deal)

    assert not Order.objects.exists()


def test_status_moves_and_their_stamps(deal, make_estimate, office_north):
    make_estimate(deal)
    order = services.order_create(actor=office_north, via=Via.API, opportunity=deal)

    order = services.order_set_status(actor=office_north, via=Via.WEB, order=order,
                                      status="confirmed", expected_version=1)
    order = services.order_set_status(actor=office_north, via=Via.WEB, order=order,
                                      status="completed")

    assert (order.status, order.version) == ("completed", 3)
    assert order.confirmed_at is not None
    assert order.completed_at is not None
    with pytest.raises(Conflict):
        services.order_set_status(actor=office_north, via=Via.WEB, order=order,
                                  status="cancelled")
    order.refresh_from_db()
    assert (order.status, order.cancelled_at) == ("completed", None)


def test_a_stale_version_is_refused(deal, make_estimate, office_north):
    make_estimate(deal)
    order = services.order_create(actor=office_north, via=Via.API, opportunity=deal)

    with pytest.raises(StaleVersion):
        services.order_set_status(actor=office_north, via=Via.WEB, order=order,
                                  status="confirmed", expected_version=7)

    order.refresh_from_db()
    assert order.status == "draft"


def test_lines_change_only_while_draft(deal, make_estimate, office_north):
    make_estimate(deal)
    order = services.order_create(actor=office_north, via=Via.API, opportunity=deal)
    services.order_update(actor=office_north, via=Via.API, order=order, values={},
                          lines=[{"description": "Smaller job", "unit_price": "100.00"}])
    order.refresh_from_db()
    assert (order.total, order.lines.count()) == (Decimal("100.00"), 1)
    services.order_set_status(actor=office_north, via=Via.API, order=order,
                              status="confirmed")

    with pytest.raises(Conflict):
        services.order_update(actor=office_north, via=Via.API, order=order, values={},
                              lines=[{"description": "Sneaky", "unit_price": "1.00"}])

    order.refresh_from_db()
    assert order.lines.get().description == "Smaller job"
    services.order_update(actor=office_north, via=Via.API, order=order,
                          values={"notes": "Gate code 1234"})
    order.refresh_from_db()
    assert order.notes == "Gate code 1234"

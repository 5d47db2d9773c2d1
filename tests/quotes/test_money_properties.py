"""Properties of the exact money arithmetic in core/money.py that estimates are priced with."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stageflow.core.money import (
    CENT,
    MoneyError,
    PricedLine,
    as_decimal,
    document_totals,
    line_net,
    percentage,
    round_money,
)

prices = st.decimals(min_value=Decimal("-99999.99"), max_value=Decimal("99999.99"), places=2)
quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("9999.999"), places=3)
percents = st.decimals(min_value=Decimal(0), max_value=Decimal(100), places=2)
rates = st.sampled_from([Decimal(0), Decimal("5"), Decimal("8.25"), Decimal("19"),
                         Decimal("21.00"), Decimal("8.250")])
lines = st.lists(st.builds(PricedLine, net=prices, tax_rate=rates), max_size=30)


@given(lines)
def test_the_total_is_net_plus_tax(priced: list[PricedLine]) -> None:
    totals = document_totals(priced)

    assert totals.total == totals.net + totals.tax
    assert totals.net == sum((line.net for line in priced), Decimal("0.00"))


@given(lines)
def test_tax_is_rounded_once_per_rate_and_adds_up(priced: list[PricedLine]) -> None:
    totals = document_totals(priced)

    assert totals.tax == sum(totals.tax_by_rate.values(), Decimal("0.00"))
    for rate, amount in totals.tax_by_rate.items():
        net_at_rate = sum((line.net for line in priced if line.tax_rate == rate), Decimal(0))
        assert amount == round_money(net_at_rate * rate / 100)
        assert amount == amount.quantize(CENT)


@given(lines)
def test_equal_rates_written_differently_are_one_rate(priced: list[PricedLine]) -> None:
    rates_shown = list(document_totals(priced).tax_by_rate)

    assert len(rates_shown) == len({rate.normalize() for rate in rates_shown})
    assert Decimal(0) not in rates_shown


@given(quantities, prices, percents)
def test_a_line_is_rounded_to_the_cent_and_within_a_half_cent(
        quantity: Decimal, price: Decimal, discount: Decimal) -> None:
    net = line_net(quantity, price, discount)
    exact = quantity * price * (1 - discount / 100)

    assert net == net.quantize(CENT)
    assert abs(net - exact) <= Decimal("0.005")


@given(quantities, prices)
def test_discount_ends_are_nothing_off_and_everything_off(quantity: Decimal,
                                                         price: Decimal) -> None:
    assert line_net(quantity, price, Decimal(0)) == round_money(quantity * price)
    assert line_net(quantity, price, Decimal(100)) == Decimal("0.00")


@given(quantities, st.decimals(min_value=Decimal(0), max_value=Decimal("99999.99"), places=2),
       percents, percents)
def test_a_bigger_discount_never_costs_more(quantity: Decimal, price: Decimal,
                                            smaller: Decimal, larger: Decimal) -> None:
    low, high = sorted((smaller, larger))

    assert line_net(quantity, price, high) <= line_net(quantity, price, low)


@given(st.decimals(allow_nan=False, allow_infinity=False).filter(
    lambda value: not Decimal(0) <= value <= 100))
def test_a_percentage_outside_0_to_100_is_refused(value: Decimal) -> None:
    with pytest.raises(MoneyError):
        percentage(value, what="discount")


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_no_float_is_accepted(value: float) -> None:
    with pytest.raises(MoneyError):
        as_decimal(value)


@given(prices)
def test_decimal_strings_are_read_exactly(value: Decimal) -> None:
    assert as_decimal(str(value)) == value
    assert as_decimal(f"{value:,}") == value

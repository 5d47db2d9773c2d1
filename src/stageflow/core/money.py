"""Money arithmetic for priced documents (estimates, orders, invoices): exact decimals only.

A line's net amount is rounded to the cent on the line (what the client reads on it); tax is
computed per tax rate over the sum of the rounded line nets and rounded once per document, so
that a document with many small lines does not drift from what an accountant recomputes.
Floats are refused everywhere: a float has already lost the cents a client would dispute.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal("0.00")


class MoneyError(ValueError):
    """A value that cannot be an amount, a quantity or a percentage."""


def as_decimal(value: object, *, what: str = "amount") -> Decimal:
    """`value` as an exact Decimal; ints, Decimals and decimal strings only, never floats."""
    if isinstance(value, (bool, float)):
        raise MoneyError(f"{what} must be given as a decimal string, not {type(value).__name__}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip().replace(",", "")) if value.strip() else Decimal(0)
        except InvalidOperation:
            raise MoneyError(f"{what} “{value}” is not a number") from None
    else:
        raise MoneyError(f"{what} must be a number")
    if not result.is_finite():
        raise MoneyError(f"{what} must be a finite number")
    return result


def round_money(value: Decimal) -> Decimal:
    """To the cent, halves away from zero (the commercial rounding clients expect)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def percentage(value: object, *, what: str) -> Decimal:
    result = as_decimal(value, what=what)
    if not Decimal(0) <= result <= HUNDRED:
        raise MoneyError(f"{what} must be between 0 and 100")
    return result


def line_net(quantity: Decimal, unit_price: Decimal, discount_percent: Decimal = ZERO) -> Decimal:
    """What one line costs before tax: quantity times price, less its discount, to the cent."""
    gross = quantity * unit_price
    return round_money(gross - gross * discount_percent / HUNDRED)


@dataclass(frozen=True, slots=True)
class PricedLine:
    net: Decimal
    tax_rate: Decimal


@dataclass(frozen=True, slots=True)
class Totals:
    net: Decimal
    tax: Decimal
    total: Decimal
    tax_by_rate: dict[Decimal, Decimal] = field(default_factory=dict)


def document_totals(lines: Iterable[PricedLine]) -> Totals:
    """Net, tax and total of a document: nets summed, tax rounded once per rate."""
    net_by_rate: dict[Decimal, Decimal] = {}
    for line in lines:
        rate = line.tax_rate.normalize() if line.tax_rate else Decimal(0)
        net_by_rate[rate] = net_by_rate.get(rate, ZERO) + line.net
    tax_by_rate = {rate: round_money(net * rate / HUNDRED)
                   for rate, net in sorted(net_by_rate.items()) if rate}
    net = round_money(sum(net_by_rate.values(), ZERO))
    tax = round_money(sum(tax_by_rate.values(), ZERO))
    return Totals(net=net, tax=tax, total=net + tax, tax_by_rate=tax_by_rate)

"""Priced lines of orders and invoices: read from input, copied from estimates, totalled.

Every amount goes through `stageflow.core.money`: a line's net is rounded on the line, tax
once per rate per document.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from stageflow.billing.models import DocumentLine, Invoice, InvoiceLine, Order, OrderLine
from stageflow.core.errors import InvalidInput
from stageflow.core.money import (
    ZERO,
    MoneyError,
    PricedLine,
    as_decimal,
    document_totals,
    line_net,
    percentage,
)
from stageflow.quotes.models import Estimate

MAX_LINES = 500
# What the columns hold (see DocumentLine): 12 digits with 3 / 2 decimals.
MAX_QUANTITY = Decimal("999999999.999")
MAX_PRICE = Decimal("9999999999.99")


@dataclass(frozen=True, slots=True)
class LineValues:
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal = ZERO
    discount_percent: Decimal = ZERO
    code: str = ""
    unit: str = ""

    @property
    def net(self) -> Decimal:
        return line_net(self.quantity, self.unit_price, self.discount_percent)


def _text(row: Mapping[str, Any], name: str, limit: int, errors: dict[str, str],
          place: str) -> str:
    value = row.get(name)
    text = "" if value is None else str(value).strip()
    if len(text) > limit:
        errors[f"{place}.{name}"] = _("At most %(limit)s characters.") % {"limit": limit}
    return text


def _number(row: Mapping[str, Any], name: str, errors: dict[str, str], place: str, *,
            default: object = None, places: int = 2, limit: Decimal = MAX_PRICE,
            is_percentage: bool = False) -> Decimal:
    raw = row.get(name, default)
    if raw is None:
        errors[f"{place}.{name}"] = _("Required.")
        return ZERO
    try:
        value = percentage(raw, what=name) if is_percentage else as_decimal(raw, what=name)
    except MoneyError as error:
        errors[f"{place}.{name}"] = str(error)
        return ZERO
    if abs(value) > limit:
        errors[f"{place}.{name}"] = _("Too large.")
    elif value != value.quantize(Decimal(1).scaleb(-places)):
        errors[f"{place}.{name}"] = _("At most %(places)s decimals.") % {"places": places}
    return value


def lines_from_rows(rows: Sequence[Mapping[str, Any]]) -> list[LineValues]:
    """Lines typed by a person or a program; every problem is named `lines.<n>.<field>`."""
    if not isinstance(rows, Sequence) or isinstance(rows, str) or not rows:
        raise InvalidInput(_("Add at least one line."), fields={"lines": _("Required.")})
    if len(rows) > MAX_LINES:
        raise InvalidInput(_("Too many lines."),
                           fields={"lines": _("At most %(n)s.") % {"n": MAX_LINES}})
    errors: dict[str, str] = {}
    lines = []
    for number, row in enumerate(rows, start=1):
        place = f"lines.{number}"
        if not isinstance(row, Mapping):
            errors[place] = _("A line has a description, a quantity and a unit price.")
            continue
        description = _text(row, "description", 5000, errors, place)
        if not description:
            errors[f"{place}.description"] = _("Required.")
        quantity = _number(row, "quantity", errors, place, default=1, places=3,
                           limit=MAX_QUANTITY)
        if f"{place}.quantity" not in errors and quantity <= 0:
            errors[f"{place}.quantity"] = _("More than zero.")
        lines.append(LineValues(
            description=description, quantity=quantity,
            unit_price=_number(row, "unit_price", errors, place),
            tax_rate=_number(row, "tax_rate", errors, place, default=0, is_percentage=True),
            discount_percent=_number(row, "discount_percent", errors, place, default=0,
                                     is_percentage=True),
            code=_text(row, "code", 40, errors, place),
            unit=_text(row, "unit", 20, errors, place)))
    if errors:
        raise InvalidInput(_("Some lines need attention."), fields=errors)
    return lines


def lines_of_estimate(estimate: Estimate) -> list[LineValues]:
    """The estimate's lines as they were sold: code, description, quantity, unit, price,
    discount and tax."""
    return [LineValues(description=line.description, quantity=line.quantity,
                       unit_price=line.unit_price, tax_rate=line.tax_rate,
                       discount_percent=line.discount_percent, code=line.code, unit=line.unit)
            for line in estimate.lines.all()]


def lines_of_document(lines: Iterable[DocumentLine]) -> list[LineValues]:
    return [LineValues(description=line.description, quantity=line.quantity,
                       unit_price=line.unit_price, tax_rate=line.tax_rate,
                       discount_percent=line.discount_percent, code=line.code, unit=line.unit)
            for line in lines]


def write_lines(document: Order | Invoice, lines: Sequence[LineValues]) -> None:
    """Replace the document's lines and set its totals (the caller saves the document)."""
    if isinstance(document, Order):
        document.lines.all().delete()
        OrderLine.objects.bulk_create(
            OrderLine(order=document, position=number, **_columns(line))
            for number, line in enumerate(lines, start=1))
    else:
        document.lines.all().delete()
        InvoiceLine.objects.bulk_create(
            InvoiceLine(invoice=document, position=number, **_columns(line))
            for number, line in enumerate(lines, start=1))
    totals = document_totals(PricedLine(net=line.net, tax_rate=line.tax_rate)
                             for line in lines)
    document.net_total, document.tax_total, document.total = (totals.net, totals.tax,
                                                               totals.total)


def _columns(line: LineValues) -> dict[str, Any]:
    return {"code": line.code, "description": line.description, "quantity": line.quantity,
            "unit": line.unit, "unit_price": line.unit_price,
            "discount_percent": line.discount_percent, "tax_rate": line.tax_rate,
            "net_amount": line.net}


def tax_by_rate(document: Order | Invoice) -> dict[Decimal, Decimal]:
    """The tax of each rate, for the printed document (lines already loaded)."""
    return document_totals(PricedLine(net=line.net_amount, tax_rate=line.tax_rate)
                           for line in document.lines.all()).tax_by_rate

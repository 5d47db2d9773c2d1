"""Quote fixtures shared by tests/quotes and the quote tests in tests/api and tests/web: a
company, customers and opportunities to price, and a price book to price them from."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from stageflow.core.models import Via


@pytest.fixture
def company(db: None) -> Any:
    from stageflow.core import workspace

    settings_row = workspace.current()
    settings_row.company_name = "Cool Air HVAC"
    settings_row.company_email = "office@coolair.example"
    settings_row.company_phone = "+1 555 0100"
    settings_row.terms = "Payment within 14 days."
    settings_row.default_currency = "USD"
    settings_row.save()
    return settings_row


@pytest.fixture
def jane_account(make_account: Callable[..., Any], sales_north: Any) -> Any:
    return make_account(sales_north, "Jane Doe", email="jane.account@example.com")


@pytest.fixture
def jane(make_contact: Callable[..., Any], sales_north: Any) -> Any:
    return make_contact(sales_north, "Doe", first_name="Jane", email="jane@example.com")


@pytest.fixture
def make_opportunity(training: Any, company: Any) -> Callable[..., Any]:
    from stageflow.sales.services import record_create

    def make(actor: Any, title: str = "Furnace replacement", **values: Any) -> Any:
        return record_create(actor=actor, via=Via.CLI, kind="opportunity",
                             values={"title": title, **values}, start_step="qualified")

    return make


@pytest.fixture
def opportunity(make_opportunity: Callable[..., Any], sales_north: Any, jane_account: Any,
                jane: Any) -> Any:
    return make_opportunity(sales_north, account=jane_account.pk, contact=jane.pk,
                            currency="USD")


@pytest.fixture
def furnace(admin: Any) -> Any:
    from stageflow.quotes.services import price_book_item_create

    return price_book_item_create(actor=admin, via=Via.CLI, values={
        "code": "FR-FURN-60K", "name": "Install 60k BTU furnace",
        "description": "Remove the old unit, fit and commission the new one.",
        "unit": "each", "unit_price": "4200.00", "tax_rate": "8.25",
        "category": "Residential HVAC"})


@pytest.fixture
def line() -> Callable[..., Any]:
    from stageflow.quotes.services import LineInput

    def make(description: str = "Labour", quantity: str = "1", unit_price: str = "100.00",
             **extra: Any) -> Any:
        return LineInput(description=description, quantity=Decimal(quantity),
                         unit_price=Decimal(unit_price),
                         **{name: Decimal(value) if name in ("tax_rate", "discount_percent")
                            else value for name, value in extra.items()})

    return make


@pytest.fixture
def make_estimate(line: Callable[..., Any]) -> Callable[..., Any]:
    from stageflow.quotes.services import estimate_create

    def make(actor: Any, *, lines: Any = None, **kwargs: Any) -> Any:
        return estimate_create(actor=actor, via=Via.CLI,
                               lines=[line()] if lines is None else lines, **kwargs)

    return make

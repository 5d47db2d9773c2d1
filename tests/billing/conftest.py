"""An opportunity with a customer account and an estimate, to bill."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from stageflow.accounts.models import Account
from stageflow.core.models import Via
from stageflow.people.models import User
from stageflow.quotes.models import Estimate
from stageflow.quotes.services import LineInput, estimate_create
from stageflow.sales import services as sales
from stageflow.sales.models import Opportunity


@pytest.fixture
def customer(make_account: Callable[..., Account], sales_north: User) -> Account:
    return make_account(sales_north, "Jane Doe")


@pytest.fixture
def deal(training: Any, sales_north: User, customer: Account) -> Opportunity:
    record = sales.record_create(actor=sales_north, via=Via.API, kind="opportunity",
                                 values={"title": "Furnace replacement",
                                         "account": customer.pk})
    assert isinstance(record, Opportunity)
    return record


@pytest.fixture
def make_estimate(sales_north: User) -> Callable[..., Estimate]:
    def make(opportunity: Opportunity, *lines: LineInput, **values: Any) -> Estimate:
        return estimate_create(actor=sales_north, via=Via.API, opportunity=opportunity,
                               lines=lines or [FURNACE], **values)

    return make


FURNACE = LineInput(description="Install 60k BTU furnace", quantity=Decimal(1),
                    unit_price=Decimal("4200.00"), tax_rate=Decimal("8.25"),
                    code="FR-FURN-60K", unit="each")
FILTER = LineInput(description="Filter", quantity=Decimal(3), unit_price=Decimal("19.99"),
                   tax_rate=Decimal("8.25"), discount_percent=Decimal(10))

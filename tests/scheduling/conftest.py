"""People, routes and records that the scheduling tests book appointments on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from stageflow.core.models import Via
from stageflow.people.models import Office, User
from stageflow.sales import services as sales
from stageflow.sales.models import Lead, Opportunity
from stageflow.scheduling import services
from stageflow.scheduling.models import Appointment, Route

# Other test folders (API, pages) star-import these fixtures.
__all__ = ["book", "customer", "lead", "manager", "opportunity", "route_a", "route_b", "tech"]


@pytest.fixture
def manager(make_user: Callable[..., User], north: Office) -> User:
    return make_user("mgr1", "service_manager", north)


@pytest.fixture
def tech(make_user: Callable[..., User], north: Office) -> User:
    return make_user("tech1", "technician", north)


@pytest.fixture
def route_a(manager: User, tech: User) -> Route:
    return services.route_create(actor=manager, via=Via.CLI,
                                 values={"name": "Route A", "members": [tech.pk]})


@pytest.fixture
def route_b(manager: User) -> Route:
    return services.route_create(actor=manager, via=Via.CLI, values={"name": "Route B",
                                                                     "colour": "#aa0000"})


@pytest.fixture
def customer(office_north: User, make_account: Callable[..., Any]) -> Any:
    return make_account(office_north, "Jane Doe", email="jane@example.com",
                        service_street="1 Pool Lane", service_city="Springfield",
                        service_postcode="12345")


@pytest.fixture
def opportunity(insurance: None, sales_north: User, customer: Any) -> Opportunity:
    record = sales.record_create(actor=sales_north, via=Via.CLI, kind="opportunity",
                                 values={"title": "Furnace for Jane", "account": customer.pk},
                                 entry="from_lead")
    assert isinstance(record, Opportunity)
    return record


@pytest.fixture
def lead(insurance: None, sales_north: User, customer: Any) -> Lead:
    record = sales.record_create(actor=sales_north, via=Via.CLI, kind="lead",
                                 values={"title": "Pool enquiry", "account": customer.pk})
    assert isinstance(record, Lead)
    return record


@pytest.fixture
def book(customer: Any) -> Callable[..., Appointment]:
    """An appointment for the customer, booked by `actor` with any values."""

    def make(actor: User, record: Any = None, **values: Any) -> Appointment:
        return services.appointment_create(actor=actor, via=Via.CLI, values=values,
                                           record=record or customer)

    return make

"""The demo's sales work: a price book, estimates, routes and appointments, courses and the
qualification questions, so every screen of `make run` has something to show.

Everything goes through the services, as an office would enter it; running it twice adds
nothing new.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from stageflow.accounts.models import Account
from stageflow.core import clock
from stageflow.core.models import Via
from stageflow.packs.training.models import Course
from stageflow.packs.training.services import course_create
from stageflow.people.models import User
from stageflow.qualification.models import QuestionSet
from stageflow.qualification.services import question_set_create
from stageflow.quotes.models import Estimate, PriceBookItem
from stageflow.quotes.services import (
    estimate_create,
    estimate_send,
    line_from_item,
    price_book_item_create,
)
from stageflow.sales.models import Opportunity
from stageflow.scheduling.models import Route
from stageflow.scheduling.services import appointment_create, route_create

PRICE_BOOK = [
    ("FR-FURN-60K", "Install 60k BTU furnace", "Residential HVAC", "each", "4200.00", "8.25"),
    ("FR-AC-3T", "Install 3-ton air conditioner", "Residential HVAC", "each", "5600.00", "8.25"),
    ("FR-TUNE", "Furnace tune-up", "Residential HVAC", "visit", "129.00", "8.25"),
    ("POOL-WEEKLY", "Weekly pool service", "Pool service", "visit", "45.00", "0"),
    ("POOL-OPEN", "Pool opening", "Pool service", "each", "185.00", "0"),
]
COURSES = [
    ("FS-101", "Forklift safety", "350.00", 12),
    ("FA-201", "First aid at work", "220.00", 16),
]
# (opportunity title fragment, price book code, whether it is sent to the client)
ESTIMATES = [
    ("Jane Doe – Furnace replacement", "FR-FURN-60K", False),
    ("Blue Lagoon Pools – New enquiry", "POOL-WEEKLY", True),
]


def load_demo_sales_work(admin: User, technician: User) -> None:
    _price_book(admin)
    _courses(admin)
    _questions(admin)
    _estimates(admin)
    _schedule(admin, technician)


def _price_book(admin: User) -> None:
    for code, name, category, unit, price, tax in PRICE_BOOK:
        if not PriceBookItem.objects.filter(code=code).exists():
            price_book_item_create(actor=admin, via=Via.CLI, values={
                "code": code, "name": name, "category": category, "unit": unit,
                "unit_price": price, "tax_rate": tax})


def _courses(admin: User) -> None:
    starts = clock.now().date() + dt.timedelta(days=21)
    for number, (code, name, price, capacity) in enumerate(COURSES):
        if not Course.objects.filter(code=code).exists():
            course_create(actor=admin, via=Via.CLI, values={
                "code": code, "name": name, "price": price, "capacity": capacity,
                "starts_on": starts + dt.timedelta(days=7 * number), "location": "Springfield"})


def _questions(admin: User) -> None:
    if QuestionSet.objects.exists():
        return
    question_set_create(actor=admin, via=Via.CLI, values={
        "name": "Furnace replacement", "purpose": "qualification",
        "product": "furnace_replacement", "questions": [
            {"key": "decision_maker", "text": "Is the homeowner the decision maker?",
             "kind": "yes_no", "needed_to_qualify": True, "qualifying_answers": [True]},
            {"key": "budget", "text": "Is the budget confirmed?", "kind": "yes_no",
             "needed_to_qualify": True, "qualifying_answers": [True]}]})
    question_set_create(actor=admin, via=Via.CLI, values={
        "name": "Current system", "purpose": "profile", "product": "furnace_replacement",
        "questions": [{"key": "system_age", "text": "Age of the current system",
                       "kind": "text"}]})


def _estimates(admin: User) -> None:
    for title, code, send in ESTIMATES:
        opportunity = Opportunity.objects.filter(title=title).order_by("id").first()
        if opportunity is None or Estimate.objects.filter(opportunity=opportunity).exists():
            continue
        item = PriceBookItem.objects.get(code=code)
        estimate = estimate_create(actor=admin, via=Via.CLI, opportunity=opportunity,
                                   lines=[line_from_item(item, Decimal(1))],
                                   title=item.name)
        if send and opportunity.account is not None and opportunity.account.email:
            estimate_send(actor=admin, via=Via.CLI, estimate=estimate)


def _schedule(admin: User, technician: User) -> None:
    if Route.objects.exists():
        return
    route_a = route_create(actor=admin, via=Via.CLI, values={
        "name": "Route A", "colour": "#3c71f7", "members": [technician.pk]})
    route_create(actor=admin, via=Via.CLI, values={"name": "Route B", "colour": "#2a9d8f"})
    today = clock.now().date()
    opportunity = Opportunity.objects.filter(account__isnull=False).order_by("id").first()
    for title, days, hour in (("Furnace survey", 1, 9), ("Pool opening", 2, 13)):
        appointment_create(actor=admin, via=Via.CLI, record=opportunity, values={
            "title": title, "date": today + dt.timedelta(days=days), "route": route_a.pk,
            "start_time": dt.time(hour, 0), "end_time": dt.time(hour + 2, 0)})
    # Booked for a customer with no date or crew yet: it waits in the unassigned queue.
    customer = Account.objects.filter(name="Pat Lee").first()
    appointment_create(actor=admin, via=Via.CLI, record=customer, values={
        "title": "First weekly service",
        "private_notes": "Told the client: around the middle of next week."})

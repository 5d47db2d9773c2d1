"""The "create_appointment" rule action, run through a real rule."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from stageflow.automation.actions import ACTIONS
from stageflow.automation.services import rule_save
from stageflow.core.errors import InvalidInput
from stageflow.core.models import Via
from stageflow.sales import services as sales
from stageflow.scheduling.models import Appointment

pytestmark = pytest.mark.django_db


def _rule(admin, **params):
    return rule_save(actor=admin, values={
        "key": "book-visit", "name": "Book a visit", "event": "opportunity.created",
        "conditions": {}, "actions": [{"action": "create_appointment", "params": params}]})


def test_the_action_is_registered_for_leads_and_opportunities():
    assert ACTIONS["create_appointment"].record_types == ("lead", "opportunity")


@time_machine.travel(dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC), tick=False)
def test_a_rule_books_an_appointment_on_the_new_opportunity(insurance, admin, sales_north,
                                                            customer, route_a):
    _rule(admin, title="Survey for {title}", in_days=2, duration=90, route="Route A",
          assign_to_owner=True)

    record = sales.record_create(actor=sales_north, via=Via.API, kind="opportunity",
                                 values={"title": "Pool", "account": customer.pk},
                                 entry="from_lead")

    appointment = Appointment.objects.get(opportunity=record)
    assert (appointment.title, appointment.date, appointment.duration_minutes) == (
        "Survey for Pool", dt.date(2027, 3, 3), 90)
    assert (appointment.route, appointment.assignee, appointment.account) == (
        route_a, sales_north, customer)
    assert appointment.owner == sales_north


def test_without_owner_or_route_the_appointment_waits_unassigned(insurance, admin,
                                                                 sales_north):
    _rule(admin)
    record = sales.record_create(actor=sales_north, via=Via.API, kind="opportunity",
                                 values={"title": "Pool"}, entry="from_lead")
    assert Appointment.objects.get(opportunity=record).status == "unassigned"


def test_bad_params_are_named_and_no_rule_is_saved(insurance, admin):
    with pytest.raises(InvalidInput) as refused:
        _rule(admin, in_days=-1, duration="long", route="Nowhere", assign_to_owner="maybe")
    assert set(refused.value.fields) == {"actions.1.in_days", "actions.1.duration",
                                         "actions.1.route", "actions.1.assign_to_owner"}

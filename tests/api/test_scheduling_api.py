"""/api/v1/appointments, /routes and /schedule: shapes, filters, 4xx paths and scopes."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stageflow.communications.models import OutboxMessage
from stageflow.core.models import Via
from stageflow.scheduling import services
from stageflow.scheduling.models import Appointment
from tests.scheduling.conftest import *  # noqa: F403 (the scheduling fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        yield clock


def test_s1_appointment_from_an_opportunity(api_as, opportunity, sales_north, office_north,
                                            customer):
    body = {"start": "2027-03-03T10:00:00", "duration": 60}

    made = api_as(sales_north).post(f"/opportunities/{opportunity.pk}/appointments", body)
    again = api_as(office_north).post(f"/opportunities/{opportunity.pk}/appointments", body)

    assert (made.status_code, again.status_code) == (201, 201)
    data = made.json()
    assert data["customer"] == {"id": customer.pk, "name": "Jane Doe"}
    assert data["opportunity"]["id"] == opportunity.pk
    assert data["assignee"]["id"] == sales_north.pk
    assert (data["date"], data["start_time"], data["end_time"]) == ("2027-03-03", "10:00:00",
                                                                    "11:00:00")
    listed = api_as(sales_north).get(f"/appointments?opportunity={opportunity.pk}").json()
    assert listed["count"] == 2


def test_s4_days_out_unassigned_route_notice_and_rollover(api_as, office_north, manager,
                                                          customer, route_a, frozen_clock):
    office, mgr = api_as(office_north), api_as(manager)
    made = office.post(f"/accounts/{customer.pk}/appointments",
                       {"private_notes": "Told on 1/3 around 1/10-1/12"}).json()
    assert (made["date"], made["assigned"], made["status"]) == ("2027-03-04", False,
                                                                "unassigned")
    queue = office.get("/schedule", unassigned="true").json()
    assert [item["id"] for item in queue["unassigned"]] == [made["id"]]

    summary = mgr.get("/schedule/summary", **{"from": "today", "to": "+7d"}).json()
    assert [day["count"] for day in summary["days"]][:4] == [0, 0, 0, 1]

    patched = mgr.patch(f"/appointments/{made['id']}", {"route": "Route A"}).json()
    assert (patched["route"]["name"], patched["status"]) == ("Route A", "scheduled")
    grid = mgr.get("/schedule", **{"from": "2027-03-04", "to": "2027-03-04"}).json()
    assert grid["unassigned"] == []
    assert grid["days"][0]["lanes"][0]["route"]["name"] == "Route A"
    assert grid["days"][0]["lanes"][0]["appointments"][0]["id"] == made["id"]

    notice = mgr.post(f"/appointments/{made['id']}/notify").json()
    message = OutboxMessage.objects.get()
    assert (notice["status"], message.to) == ("pending", "jane@example.com")
    assert "March 4, 2027" in message.body
    assert "Told on" not in message.body

    assert mgr.patch("/schedule/settings", {"days_out": 5}).json() == {"days_out": 5}
    later = office.post(f"/accounts/{customer.pk}/appointments", {}).json()
    assert later["date"] == "2027-03-06"

    frozen_clock.move_to(dt.datetime(2027, 3, 5, 9, 0, tzinfo=dt.UTC))
    summary = mgr.get("/schedule/summary").json()
    assert summary["rolled_over_count"] >= 1
    assert summary["rolled_over"] == [made["id"]]
    assert summary["rolled_over_appointments"][0]["overdue"] is True
    assert mgr.get(f"/appointments/{made['id']}").json()["rolled_over"] is True
    assert mgr.post("/schedule/roll-over").json() == {"rolled_over": 1}
    moved = mgr.get(f"/appointments/{made['id']}").json()
    assert (moved["date"], moved["status"], moved["rolled_over_count"]) == (
        "2027-03-05", "rolled_over", 1)


def test_stale_if_match_is_409_and_changes_nothing(api_as, office_north, book):
    appointment = book(office_north)
    response = api_as(office_north).patch(f"/appointments/{appointment.pk}", {"title": "X"},
                                          headers={"If-Match": "9"})
    assert response.status_code == 409
    assert Appointment.objects.get(pk=appointment.pk).title == "Visit: Jane Doe"


def test_bad_input_names_fields(api_as, office_north, customer):
    response = api_as(office_north).post(f"/accounts/{customer.pk}/appointments", {
        "date": "2027-03-05", "start_time": "10:00", "end_time": "09:00", "route": "Nope"})
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"end_time", "route"}
    assert not Appointment.objects.exists()
    malformed = api_as(office_north).get("/schedule/summary", **{"from": "soon"})
    assert (malformed.status_code, malformed.json()["error"]["fields"]) == (
        422, {"from": "not a date"})


def test_scopes_404_outside_403_when_seen(api_as, book, office_north, sales_south, tech,
                                          sales_north, route_a, manager):
    appointment = book(office_north)
    on_route = book(office_north, route=route_a.pk)

    assert api_as(sales_south).get(f"/appointments/{appointment.pk}").status_code == 404
    assert api_as(tech).get(f"/appointments/{appointment.pk}").status_code == 404
    assert api_as(tech).get(f"/appointments/{on_route.pk}").status_code == 200
    assert api_as(tech).patch(f"/appointments/{on_route.pk}", {"title": "x"}).status_code == 403
    assert api_as(tech).post(f"/appointments/{on_route.pk}/complete").status_code == 200
    assert api_as(sales_north).delete(f"/appointments/{appointment.pk}").status_code == 404
    assert api_as(office_north).post("/schedule/roll-over").status_code == 403
    assert api_as(office_north).patch("/schedule/settings", {"days_out": 1}).status_code == 403
    assert api_as(None).get("/appointments").status_code == 401
    assert api_as(tech).get("/appointments").json()["count"] == 1
    assert api_as(manager).get("/appointments").json()["count"] == 2


def test_creating_on_a_record_out_of_scope_is_404(api_as, opportunity, sales_south, tech,
                                                  customer):
    assert api_as(sales_south).post(f"/opportunities/{opportunity.pk}/appointments",
                                    {}).status_code == 404
    assert api_as(tech).post(f"/accounts/{customer.pk}/appointments", {}).status_code == 403
    assert not Appointment.objects.exists()


def test_complete_cancel_delete(api_as, office_north, book):
    client = api_as(office_north)
    first, second = book(office_north), book(office_north)

    assert client.post(f"/appointments/{first.pk}/complete").json()["status"] == "completed"
    assert client.post(f"/appointments/{first.pk}/cancel").status_code == 422
    assert client.post(f"/appointments/{second.pk}/cancel").json()["status"] == "cancelled"
    assert client.post(f"/appointments/{second.pk}/notify").status_code == 422
    assert client.delete(f"/appointments/{second.pk}").status_code == 204
    assert client.get(f"/appointments/{second.pk}").status_code == 404


def test_list_filters(api_as, office_north, book, route_a, manager):
    book(office_north, date="2027-03-02", route=route_a.pk)
    book(office_north, date="2027-03-09")
    client = api_as(manager)

    def ids(**params):
        return [item["date"] for item in client.get("/appointments", **params).json()["items"]]

    assert ids(**{"from": "2027-03-05"}) == ["2027-03-09"]
    assert ids(to="2027-03-05") == ["2027-03-02"]
    assert ids(route=route_a.pk) == ["2027-03-02"]
    assert ids(unassigned="true") == ["2027-03-09"]
    assert ids(status="scheduled") == ["2027-03-02"]


def test_routes_crud_and_permissions(api_as, manager, office_north, tech):
    mgr = api_as(manager)
    made = mgr.post("/routes", {"name": "Route C", "members": [tech.pk]})
    assert made.status_code == 201
    route_id = made.json()["id"]
    assert made.json()["members"] == [{"id": tech.pk, "name": "Tech1"}]
    assert api_as(office_north).post("/routes", {"name": "Route D"}).status_code == 403
    assert api_as(office_north).get(f"/routes/{route_id}").status_code == 200
    assert mgr.post("/routes", {"name": "route c"}).status_code == 422
    stale = mgr.patch(f"/routes/{route_id}", {"colour": "#000000"}, headers={"If-Match": "5"})
    assert stale.status_code == 409
    renamed = mgr.patch(f"/routes/{route_id}", {"name": "Route Z", "members": []}).json()
    assert (renamed["name"], renamed["members"]) == ("Route Z", [])
    assert api_as(office_north).delete(f"/routes/{route_id}").status_code == 403
    assert mgr.delete(f"/routes/{route_id}").status_code == 204
    assert mgr.get(f"/routes/{route_id}").status_code == 404


def _count(client, path: str, **params) -> int:
    client.get(path, **params)  # the first request of a token also records its use
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path, **params).status_code == 200
    return len(queries)


@pytest.mark.parametrize("path", ["/appointments", "/schedule", "/schedule/summary",
                                  "/routes"])
def test_list_query_counts_do_not_grow_with_rows(api_as, manager, office_north, book, route_a,
                                                 route_b, tech, path):
    client = api_as(manager)
    for day in (1, 2):
        book(office_north, date=f"2027-03-0{day}", route=route_a.pk)
    few = _count(client, path)
    for day in range(1, 7):
        book(office_north, date=f"2027-03-0{day}", route=route_b.pk)
        book(office_north, date=f"2027-03-0{day}", assignee=tech.pk)
        book(office_north, date=f"2027-03-0{day}")
    services.route_update(actor=manager, via=Via.CLI, route=route_b,
                          values={"members": [tech.pk, manager.pk]})
    assert _count(client, path) == few <= 8

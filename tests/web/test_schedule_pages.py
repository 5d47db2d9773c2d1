"""The schedule, appointment, route, panel and feed pages (Django test client)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from stageflow.core import workspace
from stageflow.core.models import Via
from stageflow.scheduling import services
from stageflow.scheduling.models import Appointment, CalendarFeed
from tests.scheduling.conftest import *  # noqa: F403 (the scheduling fixtures)

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(dt.datetime(2027, 3, 3, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        yield clock


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_week_view_shows_lanes_counts_and_the_unassigned_list(manager, office_north, book,
                                                              route_a):
    book(office_north, date="2027-03-02", route=route_a.pk, title="Pump <b>check</b>")
    book(office_north, promised_from="2027-03-05", promised_to="2027-03-08",
         title="Filter swap")

    page = client_for(manager).get("/schedule/?date=2027-03-03").content.decode()

    assert "Route A" in page
    assert f'data-lane="route-{route_a.pk}"' in page
    assert "Pump &lt;b&gt;check&lt;/b&gt;" in page
    assert "promised 5 Mar–8 Mar" in page
    assert "New appointments are proposed 3 days out." in page
    assert "Roll over 1 unfinished" in page  # the route's visit of yesterday


def test_day_view_per_person_and_roll_over_button(manager, office_north, book, tech,
                                                  frozen_clock):
    book(office_north, date="2027-03-03", assignee=tech.pk)
    frozen_clock.move_to(dt.datetime(2027, 3, 4, 9, 0, tzinfo=dt.UTC))
    page = client_for(manager).get("/schedule/?span=day&by=user&date=2027-03-03").content.decode()
    assert f'data-lane="user-{tech.pk}"' in page
    assert "Roll over 1 unfinished" in page

    client_for(manager).post("/schedule/roll-over/")
    assert Appointment.objects.get().status == "rolled_over"


def test_schedule_page_query_count_is_bounded(manager, office_north, book, route_a, route_b,
                                              tech):
    client = client_for(manager)
    book(office_north, date="2027-03-03", route=route_a.pk)
    client.get("/schedule/")
    with CaptureQueriesContext(connection) as few:
        client.get("/schedule/")
    for day in range(1, 8):
        book(office_north, date=f"2027-03-0{day}", route=route_b.pk)
        book(office_north, date=f"2027-03-0{day}", assignee=tech.pk)
        book(office_north, date=f"2027-03-0{day}")
    with CaptureQueriesContext(connection) as many:
        client.get("/schedule/")
    assert len(many) == len(few)


def test_drop_assigns_with_version_and_a_stale_drop_is_refused(manager, office_north, book,
                                                               route_a):
    appointment = book(office_north)
    client = client_for(manager)

    done = client.post(f"/appointments/{appointment.pk}/assign/", {
        "lane": f"route-{route_a.pk}", "date": "2027-03-09", "version": "1"})
    stale = client.post(f"/appointments/{appointment.pk}/assign/", {
        "lane": "unassigned", "version": "1"})

    assert (done.status_code, done.json()["ok"]) == (200, True)
    assert (stale.status_code, stale.json()["ok"]) == (409, False)
    appointment.refresh_from_db()
    assert (appointment.route, appointment.date) == (route_a, dt.date(2027, 3, 9))


def test_a_technician_drop_is_refused_and_nothing_changes(tech, office_north, book, route_a):
    appointment = book(office_north, route=route_a.pk)
    refused = client_for(tech).post(f"/appointments/{appointment.pk}/assign/", {
        "lane": "unassigned", "version": "1"})
    assert (refused.status_code, refused.json()["ok"]) == (403, False)
    assert Appointment.objects.get().route == route_a


def test_record_tab_books_with_days_out_prefilled(office_north, opportunity, sales_north):
    client = client_for(office_north)
    tab = client.get(f"/appointments/for/opportunity/{opportunity.pk}/", headers=HTMX)
    assert 'value="2027-03-06"' in tab.content.decode()
    assert "The date is proposed 3 days out." in tab.content.decode()

    made = client.post(f"/appointments/for/opportunity/{opportunity.pk}/new/", {
        "date": "2027-03-07", "duration_minutes": "60", "assignee": sales_north.pk,
        "private_notes": "Gate code"}, headers=HTMX)
    refused = client.post(f"/appointments/for/opportunity/{opportunity.pk}/new/", {
        "date": "2027-03-07", "start_time": "10:00", "end_time": "09:00",
        "duration_minutes": "60"}, headers=HTMX)

    assert made.status_code == 200
    assert "Appointment booked" in made.content.decode()
    assert refused.status_code == 422
    assert "The end is not after the start." in (
        refused.content.decode())
    assert Appointment.objects.get().opportunity == opportunity


def test_record_tab_of_an_unseen_record_is_404(sales_south, opportunity):
    response = client_for(sales_south).get(f"/appointments/for/opportunity/{opportunity.pk}/")
    assert response.status_code == 404


def test_appointment_page_edits_notifies_and_deletes(office_north, book, customer):
    appointment = book(office_north, private_notes="Told on 1/3")
    client = client_for(office_north)
    page = client.get(f"/appointments/{appointment.pk}/").content.decode()
    assert "Notify client" in page
    assert "Told on 1/3" in page

    client.post(f"/appointments/{appointment.pk}/", {
        "title": "Opening", "date": "2027-03-10", "duration_minutes": "90",
        "version": appointment.version})
    client.post(f"/appointments/{appointment.pk}/notify/")
    client.post(f"/appointments/{appointment.pk}/delete/")

    assert not Appointment.objects.exists()
    from stageflow.communications.models import OutboxMessage
    message = OutboxMessage.objects.get()
    assert "Told on" not in message.body
    assert "March 10, 2027" in message.body


def test_routes_page_and_settings_for_managers_only(manager, office_north, route_a):
    assert "Add a route" in client_for(manager).get("/routes/").content.decode()
    assert "Add a route" not in client_for(office_north).get("/routes/").content.decode()
    client_for(manager).post("/routes/", {"name": "Route C", "colour": "#112233",
                                          "active": "on"})
    assert client_for(office_north).get(f"/routes/{route_a.pk}/").status_code == 403
    client_for(manager).post("/schedule/settings/", {"days_out": "5"})
    client_for(office_north).post("/schedule/settings/", {"days_out": "9"})
    assert workspace.current().days_out == 5


def test_calendar_feed_has_appointments_but_never_private_notes(tech, office_north, book,
                                                                route_a):
    book(office_north, date="2027-03-04", start_time="08:00", end_time="09:00",
         route=route_a.pk, public_notes="Gate 4", private_notes="Told on 1/3")
    client = client_for(tech)
    client.post("/calendar/renew/", {"target": "me"})
    token = CalendarFeed.objects.get(user=tech).token

    feed = Client().get(f"/calendar/{token}.ics")

    body = feed.content.decode()
    assert feed["Content-Type"].startswith("text/calendar")
    assert "SUMMARY:Visit: Jane Doe" in body
    assert "Gate 4" in body
    assert "Told on" not in body
    client.post("/calendar/revoke/", {"target": "me"})
    assert Client().get(f"/calendar/{token}.ics").status_code == 404
    services.calendar_feed_renew(actor=tech, via=Via.WEB, user=tech)

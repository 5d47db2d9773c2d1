"""Booking, changing, completing and rolling over appointments through the services."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from stageflow.communications.models import OutboxMessage
from stageflow.communications.services import template_save
from stageflow.core import events, workspace
from stageflow.core.errors import InvalidInput, NotAllowed, RuleRefused, StaleVersion
from stageflow.core.history import history_of
from stageflow.core.models import HistoryEntry, Via
from stageflow.scheduling import services
from stageflow.scheduling.models import Appointment, CalendarFeed

Status = Appointment.Status
TODAY = dt.date(2027, 3, 1)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        yield clock


@pytest.fixture
def emitted():
    seen: list[events.DomainEvent] = []
    events.subscribe("appointment.created", seen.append, run_now=True)
    events.subscribe("appointment.completed", seen.append, run_now=True)
    yield seen
    for name in ("appointment.created", "appointment.completed"):
        events.IMMEDIATE_HANDLERS[name].remove(seen.append)


def test_from_an_opportunity_takes_its_account_link_owner_and_address(opportunity, office_north,
                                                                      sales_north, customer,
                                                                      emitted):
    appointment = services.appointment_create(
        actor=office_north, via=Via.API, record=opportunity,
        values={"start": "2027-03-03T10:00", "duration": 60})

    assert (appointment.account, appointment.opportunity) == (customer, opportunity)
    assert appointment.assignee == sales_north
    assert appointment.status == Status.SCHEDULED
    assert (appointment.date, appointment.start_time, appointment.end_time) == (
        dt.date(2027, 3, 3), dt.time(10, 0), dt.time(11, 0))
    assert appointment.address == "1 Pool Lane\n12345 Springfield"
    assert [(event.name, event.payload["opportunity_id"], event.payload["account_id"])
            for event in emitted] == [("appointment.created", opportunity.pk, customer.pk)]
    assert history_of(appointment).get().action == HistoryEntry.Action.CREATED
    assert "Appointment booked" in history_of(opportunity).first().summary


def test_no_date_means_today_plus_days_out_and_no_assignee_means_unassigned(book, office_north):
    settings_row = workspace.current()
    settings_row.days_out = 3
    settings_row.save()

    appointment = book(office_north, private_notes="Told on 1/3 around 1/10-1/12")

    assert appointment.date == TODAY + dt.timedelta(days=3)
    assert appointment.status == Status.UNASSIGNED
    assert appointment.private_notes == "Told on 1/3 around 1/10-1/12"


def test_changing_days_out_changes_the_next_default(book, office_north, manager):
    services.days_out_set(actor=manager, via=Via.API, days_out=5)

    assert book(office_north).date == TODAY + dt.timedelta(days=5)
    assert history_of(workspace.current()).get().changes[0]["new"] == 5


def test_only_planners_set_days_out_and_bad_values_name_the_field(office_north, manager):
    with pytest.raises(NotAllowed):
        services.days_out_set(actor=office_north, via=Via.API, days_out=9)
    with pytest.raises(InvalidInput) as refused:
        services.days_out_set(actor=manager, via=Via.API, days_out="soon")

    assert refused.value.fields == {"days_out": "A whole number from 0 to 365."}
    assert workspace.current().days_out == 3


def test_assigning_schedules_and_removing_both_unassigns(book, office_north, manager, route_a,
                                                         tech):
    appointment = book(office_north)

    services.appointment_update(actor=manager, via=Via.API, appointment=appointment,
                                values={"route": "route a"})
    appointment.refresh_from_db()
    assert (appointment.route, appointment.status) == (route_a, Status.SCHEDULED)

    services.appointment_update(actor=manager, via=Via.API, appointment=appointment,
                                values={"route": None, "assignee": tech.username})
    services.appointment_update(actor=manager, via=Via.API, appointment=appointment,
                                values={"assignee": None})
    appointment.refresh_from_db()
    assert appointment.status == Status.UNASSIGNED
    assert appointment.version == 4
    assert [sorted(change["field"] for change in entry.changes)
            for entry in history_of(appointment)[:3]] == [
        ["assignee", "status"], ["assignee", "route"], ["route", "status"]]


def test_bad_values_name_each_field_and_change_nothing(book, office_north):
    appointment = book(office_north, title="Visit")

    with pytest.raises(InvalidInput) as refused:
        services.appointment_update(actor=office_north, via=Via.API, appointment=appointment,
                                    values={"start_time": "10:00", "end_time": "09:00",
                                            "route": "Nowhere", "duration_minutes": 0,
                                            "promised_from": "2027-03-09",
                                            "promised_to": "2027-03-02", "colour": "red"})

    assert set(refused.value.fields) == {"end_time", "route", "duration_minutes", "promised_to",
                                         "colour"}
    appointment.refresh_from_db()
    assert (appointment.start_time, appointment.version) == (None, 1)
    assert history_of(appointment).count() == 1


def test_a_stale_version_is_refused(book, office_north):
    appointment = book(office_north)

    with pytest.raises(StaleVersion):
        services.appointment_update(actor=office_north, via=Via.API, appointment=appointment,
                                    values={"title": "New"}, expected_version=7)
    appointment.refresh_from_db()
    assert appointment.title == "Visit: Jane Doe"


def test_a_technician_may_not_book_and_nothing_is_written(book, tech):
    with pytest.raises(NotAllowed):
        book(tech)
    assert not Appointment.objects.exists()


def test_a_record_the_actor_cannot_see_refuses_the_booking(opportunity, sales_south):
    with pytest.raises(NotAllowed):
        services.appointment_create(actor=sales_south, via=Via.API, record=opportunity,
                                    values={})
    assert not Appointment.objects.exists()


def test_complete_emits_once_and_cancelled_cannot_complete(opportunity, book, office_north,
                                                           tech, route_a, emitted):
    done = book(office_north, record=opportunity, route=route_a.pk)
    services.appointment_complete(actor=tech, via=Via.API, appointment=done)
    services.appointment_complete(actor=tech, via=Via.API, appointment=done)
    cancelled = book(office_north)
    services.appointment_cancel(actor=office_north, via=Via.API, appointment=cancelled)

    with pytest.raises(RuleRefused):
        services.appointment_complete(actor=office_north, via=Via.API, appointment=cancelled)
    done.refresh_from_db()
    assert (done.status, done.completed_at is not None) == (Status.COMPLETED, True)
    assert [event.name for event in emitted].count("appointment.completed") == 1
    assert Appointment.objects.get(pk=cancelled.pk).status == Status.CANCELLED


def test_a_technician_not_on_it_may_not_complete(book, office_north, tech):
    appointment = book(office_north)
    with pytest.raises(NotAllowed):
        services.appointment_complete(actor=tech, via=Via.API, appointment=appointment)
    assert Appointment.objects.get(pk=appointment.pk).status == Status.UNASSIGNED


def test_notify_sends_date_address_and_public_notes_never_private_notes(book, office_north,
                                                                        manager, route_a):
    appointment = book(office_north, date="2027-03-04", start_time="08:00", end_time="10:00",
                       public_notes="Gate code 1234", private_notes="Told on 1/3 around 1/10",
                       route=route_a.pk)

    message = services.appointment_notify(actor=manager, via=Via.API, appointment=appointment)

    assert (message.to, message.status) == ("jane@example.com", OutboxMessage.Status.PENDING)
    assert "March 4, 2027" in message.body
    assert "08:00–10:00" in message.body
    assert "1 Pool Lane" in message.body
    assert "Gate code 1234" in message.body
    assert "Told on" not in message.body + message.subject
    appointment.refresh_from_db()
    assert appointment.notified_at is not None


def test_the_workspace_template_words_the_notice(book, office_north, manager, admin):
    template_save(actor=admin, values={
        "key": "appointment_scheduled", "kind": "email", "names": {"en": "Appointment"},
        "subject": "See you {{ account.name }}",
        "body": "Hello from {{ company.name }}: {{ appointment.title }}",
        "record_type": "account"})
    appointment = book(office_north, private_notes="secret")

    message = services.appointment_notify(actor=manager, via=Via.API, appointment=appointment)

    assert (message.subject, message.body) == ("See you Jane Doe",
                                               f"Hello from : {appointment.title}")
    assert message.template is not None


def test_notify_on_assignment_sends_when_first_assigned(book, office_north, manager, route_a):
    appointment = book(office_north, notify_on_assignment=True)
    assert not OutboxMessage.objects.exists()

    services.appointment_update(actor=manager, via=Via.API, appointment=appointment,
                                values={"route": route_a.pk})

    assert OutboxMessage.objects.get().to == "jane@example.com"


def test_roll_over_moves_unfinished_past_work_to_today(book, office_north, manager, route_a,
                                                       frozen_clock):
    late = book(office_north, date="2027-03-02", route=route_a.pk)
    finished = book(office_north, date="2027-03-02")
    services.appointment_complete(actor=manager, via=Via.API, appointment=finished)
    frozen_clock.move_to(dt.datetime(2027, 3, 5, 9, 0, tzinfo=dt.UTC))

    moved = services.appointments_roll_over(actor=manager, via=Via.API)

    late.refresh_from_db()
    assert moved == 1
    assert (late.date, late.status, late.rolled_over_count) == (
        dt.date(2027, 3, 5), Status.ROLLED_OVER, 1)
    assert Appointment.objects.get(pk=finished.pk).date == dt.date(2027, 3, 2)
    services.appointment_update(actor=manager, via=Via.API, appointment=late,
                                values={"route": None})
    late.refresh_from_db()
    assert late.status == Status.UNASSIGNED


def test_only_planners_roll_over(book, office_north, frozen_clock):
    book(office_north, date="2027-03-02")
    frozen_clock.move_to(dt.datetime(2027, 3, 5, 9, 0, tzinfo=dt.UTC))
    with pytest.raises(NotAllowed):
        services.appointments_roll_over(actor=office_north, via=Via.API)
    assert Appointment.objects.get().rolled_over_count == 0


def test_delete_writes_history_on_the_customer(book, office_north, customer):
    appointment = book(office_north)
    services.appointment_delete(actor=office_north, via=Via.API, appointment=appointment)
    assert not Appointment.objects.exists()
    assert "Appointment removed" in history_of(customer).first().summary


def test_a_salesperson_may_not_delete(book, office_north, sales_north):
    appointment = book(office_north)
    with pytest.raises(NotAllowed):
        services.appointment_delete(actor=sales_north, via=Via.API, appointment=appointment)
    assert Appointment.objects.exists()


def test_routes_members_history_and_unique_names(manager, tech, route_a, office_north):
    with pytest.raises(InvalidInput) as refused:
        services.route_create(actor=manager, via=Via.API, values={"name": "ROUTE A"})
    with pytest.raises(NotAllowed):
        services.route_create(actor=office_north, via=Via.API, values={"name": "Route Z"})
    services.route_update(actor=manager, via=Via.API, route=route_a,
                          values={"members": [], "colour": "#00AA00"})

    route_a.refresh_from_db()
    assert refused.value.fields == {"name": "Another route has this name."}
    assert (route_a.colour, list(route_a.members.all())) == ("#00aa00", [])
    assert history_of(route_a).first().changes[0]["old"] == ["tech1"]


def test_deleting_a_route_unassigns_its_appointments(book, office_north, manager, route_a):
    appointment = book(office_north, route=route_a.pk)
    services.route_delete(actor=manager, via=Via.API, route=route_a)
    appointment.refresh_from_db()
    assert (appointment.route, appointment.status) == (None, Status.UNASSIGNED)


def test_feeds_are_renewed_and_revoked_by_owner_or_manager(tech, manager, route_a,
                                                           office_north):
    first = services.calendar_feed_renew(actor=tech, via=Via.WEB, user=tech)
    old_token = first.token
    again = services.calendar_feed_renew(actor=manager, via=Via.WEB, user=tech)
    with pytest.raises(NotAllowed):
        services.calendar_feed_renew(actor=office_north, via=Via.WEB, user=tech)
    services.calendar_feed_revoke(actor=tech, via=Via.WEB, route=route_a)

    assert again.token != old_token
    assert len(again.token) >= 40
    assert not CalendarFeed.objects.filter(route=route_a).exists()


@given(start=st.times(), minutes=st.integers(min_value=1, max_value=24 * 60))
def test_a_time_window_never_ends_before_it_starts(start, minutes):
    appointment = Appointment(date=TODAY, start_time=start.replace(second=0, microsecond=0),
                              duration_minutes=minutes)
    errors: dict[str, str] = {}
    services._check_times(appointment, errors, fill_end=True)
    assert errors == {}
    assert appointment.end_time is not None
    assert appointment.end_time >= appointment.start_time

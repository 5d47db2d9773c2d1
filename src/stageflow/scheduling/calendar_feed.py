"""iCalendar documents of a person's or a route's appointments, for calendar apps.

A feed is read without signing in (its address is the secret), so it holds what a technician
needs on the road and nothing more: never the private notes.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from stageflow.scheduling.models import Appointment, CalendarFeed


def _event(appointment: Appointment, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", f"appointment-{appointment.pk}@stageflow")
    event.add("dtstamp", stamp)
    event.add("summary", appointment.title)
    if appointment.start_time is not None:
        zone = timezone.get_default_timezone()
        start = dt.datetime.combine(appointment.date, appointment.start_time, tzinfo=zone)
        event.add("dtstart", start)
        if appointment.end_time is not None and appointment.end_time > appointment.start_time:
            event.add("dtend", dt.datetime.combine(appointment.date, appointment.end_time,
                                                   tzinfo=zone))
        else:
            event.add("duration", dt.timedelta(minutes=appointment.duration_minutes))
    else:
        event.add("dtstart", appointment.date)
        event.add("dtend", appointment.date + dt.timedelta(days=1))
    if appointment.address:
        event.add("location", appointment.address)
    details = [str(appointment.account)] if appointment.account else []
    if appointment.public_notes:
        details.append(appointment.public_notes)
    if details:
        event.add("description", "\n\n".join(details))
    event.add("status", "CONFIRMED" if appointment.status != Appointment.Status.UNASSIGNED
              else "TENTATIVE")
    return event


def feed_document(feed: CalendarFeed, appointments: list[Appointment],
                  stamp: dt.datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Stageflow//Schedule//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Stageflow: {feed}")
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    for appointment in appointments:
        calendar.add_component(_event(appointment, stamp))
    return calendar.to_ical()

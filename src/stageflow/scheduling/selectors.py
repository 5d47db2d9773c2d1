"""Reads of appointments and routes: lists, the schedule grid, its summary and the feeds.

Each read is a bounded number of queries whatever the number of appointments: the grid and
the summary read one range of days with their related rows joined, and count in the database.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from stageflow.core.errors import InvalidInput
from stageflow.people.models import User
from stageflow.people.selectors import assignable_users
from stageflow.scheduling.access import appointments_for, routes_for
from stageflow.scheduling.models import Appointment, CalendarFeed, Route
from stageflow.scheduling.services import UNFINISHED, today

Status = Appointment.Status
GroupBy = Literal["route", "user"]
UNASSIGNED_LIMIT = 200
MAX_RANGE_DAYS = 62
RELATIVE_DAY = re.compile(r"^([+-]?)(\d{1,4})d$")
RELATED = ("account", "lead", "opportunity", "route", "assignee")


# What a chip and its lane read; building hundreds of full models (each with its timestamps)
# was most of the week view's time.
CHIP_FIELDS = (
    "id", "version", "title", "date", "start_time", "end_time", "promised_from", "promised_to",
    "status", "rolled_over_count", "account_id", "route_id", "assignee_id", "owner_id",
    "office_id", "account__id", "account__name", "route__id", "route__name", "route__colour",
    "route__active", "assignee__id", "assignee__username", "assignee__first_name",
    "assignee__last_name")


def for_chips(appointments: QuerySet[Appointment]) -> QuerySet[Appointment]:
    """Only what a schedule chip and its lane show: a week holds hundreds of them, and the
    linked records' custom attributes (JSON) would be decoded for every one."""
    return appointments.select_related(None).select_related("account", "route", "assignee").only(
        *CHIP_FIELDS)


def parse_day(value: str | None, *, default: dt.date, name: str) -> dt.date:
    """A day as YYYY-MM-DD, "today", or relative to today as "+7d" / "-2d"."""
    text = (value or "").strip()
    if not text:
        return default
    if text == "today":
        return today()
    # A "+" in a query string arrives as a space, which strip() has taken off.
    relative = RELATIVE_DAY.match(text)
    if relative:
        days = int(relative.group(2))
        return today() + dt.timedelta(days=-days if relative.group(1) == "-" else days)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(_("Enter a date as YYYY-MM-DD, today or +7d."),
                           fields={name: _("not a date")}) from None


def day_range(first: str | None, last: str | None, *,
              default_days: int = 7) -> tuple[dt.date, dt.date]:
    start = parse_day(first, default=today(), name="from")
    end = parse_day(last, default=start + dt.timedelta(days=default_days - 1), name="to")
    if end < start:
        raise InvalidInput(_("The range ends before it starts."), fields={"to": _("before from")})
    if (end - start).days >= MAX_RANGE_DAYS:
        raise InvalidInput(_("Show at most %(days)s days at once.") % {"days": MAX_RANGE_DAYS},
                           fields={"to": _("range too long")})
    return start, end


def with_related(appointments: QuerySet[Appointment]) -> QuerySet[Appointment]:
    return appointments.select_related(*RELATED)


@dataclass(frozen=True)
class AppointmentFilters:
    first: dt.date | None = None
    last: dt.date | None = None
    route: int | None = None
    assignee: int | None = None
    status: str | None = None
    unassigned: bool = False
    opportunity: int | None = None
    lead: int | None = None
    account: int | None = None


def appointments_list(user: User, filters: AppointmentFilters) -> QuerySet[Appointment]:
    appointments = appointments_for(user)
    if filters.first is not None:
        appointments = appointments.filter(date__gte=filters.first)
    if filters.last is not None:
        appointments = appointments.filter(date__lte=filters.last)
    if filters.status:
        appointments = appointments.filter(status=filters.status)
    if filters.unassigned:
        appointments = appointments.filter(assignee__isnull=True, route__isnull=True)
    for name in ("route", "assignee", "opportunity", "lead", "account"):
        value = getattr(filters, name)
        if value is not None:
            appointments = appointments.filter(**{f"{name}_id": value})
    return with_related(appointments).order_by("date", "start_time", "id")


def appointments_of(user: User, kind: str, record_id: int) -> QuerySet[Appointment]:
    """The appointments of one lead, opportunity or account, newest day first."""
    return with_related(appointments_for(user).filter(**{f"{kind}_id": record_id})).order_by(
        "-date", "-start_time", "-id")


def is_overdue(appointment: Appointment, *, on: dt.date | None = None) -> bool:
    """Unfinished and its day has passed: what the "Roll over" action moves to today."""
    return appointment.status in UNFINISHED and appointment.date < (on or today())


def is_rolled_over(appointment: Appointment, *, on: dt.date | None = None) -> bool:
    return appointment.status == Status.ROLLED_OVER or is_overdue(appointment, on=on)


def unassigned_queue(user: User) -> QuerySet[Appointment]:
    """Unfinished appointments with neither a person nor a route, whatever their day."""
    return with_related(appointments_for(user).filter(
        status__in=UNFINISHED, assignee__isnull=True, route__isnull=True)).order_by(
        "date", "promised_from", "id")


def overdue(user: User) -> QuerySet[Appointment]:
    return appointments_for(user).filter(status__in=UNFINISHED, date__lt=today())


@dataclass
class Lane:
    """One row of the grid: a route, a person, or "unassigned"."""

    key: str
    label: str
    colour: str = ""
    route: Route | None = None
    person: User | None = None
    cells: dict[dt.date, list[Appointment]] = field(default_factory=dict)

    def cell_list(self, days: Iterable[dt.date]) -> list[tuple[dt.date, list[Appointment]]]:
        return [(day, self.cells.get(day, [])) for day in days]


@dataclass
class Schedule:
    first: dt.date
    last: dt.date
    group_by: GroupBy
    days: list[dt.date]
    lanes: list[Lane]
    counts: dict[dt.date, int]
    unassigned: list[Appointment]
    unassigned_count: int
    overdue_count: int
    total: int


def _lanes(group_by: GroupBy, routes: list[Route], people: list[User]) -> list[Lane]:
    if group_by == "route":
        return [Lane(key=f"route-{route.pk}", label=route.name, colour=route.colour,
                     route=route) for route in routes]
    return [Lane(key=f"user-{person.pk}", label=str(person), person=person)
            for person in people]


def _lane_of(row: Appointment, group_by: GroupBy, by_key: dict[str, Lane],
             lanes: list[Lane]) -> Lane | None:
    """The lane an appointment shows in; a route (or person) outside the grouping gets a
    lane of its own on demand, so nothing assigned hides among the unassigned."""
    by_route = row.route if row.route_id else None
    by_person = row.assignee if row.assignee_id else None
    first, second = (by_route, by_person) if group_by == "route" else (by_person, by_route)
    chosen = first or second
    if chosen is None:
        return None
    key = f"route-{chosen.pk}" if isinstance(chosen, Route) else f"user-{chosen.pk}"
    if key not in by_key:
        lane = _lanes("route", [chosen], [])[0] if isinstance(chosen, Route) else _lanes(
            "user", [], [chosen])[0]
        by_key[key] = lane
        lanes.append(lane)
    return by_key[key]


def schedule(user: User, first: dt.date, last: dt.date, *, group_by: GroupBy = "route",
             unassigned_only: bool = False, queue_limit: int = UNASSIGNED_LIMIT,
             chips_only: bool = False) -> Schedule:
    """Appointments of a range of days in lanes per route (or per person), with per-day
    counts, the unassigned queue and how many wait to be rolled over; `chips_only` loads no
    more of each appointment than the schedule page shows."""
    loaded = for_chips if chips_only else with_related
    days = [first + dt.timedelta(days=offset) for offset in range((last - first).days + 1)]
    appointments = appointments_list(user, AppointmentFilters(
        first=first, last=last, unassigned=unassigned_only)).exclude(status=Status.CANCELLED)
    rows = list(loaded(appointments))
    routes = list(routes_for(user).filter(Q(active=True) | Q(
        pk__in={row.route_id for row in rows if row.route_id})))
    people_ids = {row.assignee_id for row in rows if row.assignee_id}
    people = list(assignable_users().filter(
        Q(pk__in=people_ids) | Q(pk=user.pk) | Q(routes__active=True)).distinct().order_by(
        "first_name", "username")) if group_by == "user" else []
    lanes = _lanes(group_by, routes, people)
    by_key = {lane.key: lane for lane in lanes}
    unassigned_lane = Lane(key="unassigned", label=_("Unassigned"))
    counts: dict[dt.date, int] = defaultdict(int)
    for row in rows:
        counts[row.date] += 1
        lane = _lane_of(row, group_by, by_key, lanes) or unassigned_lane
        lane.cells.setdefault(row.date, []).append(row)
    if unassigned_lane.cells:
        lanes.append(unassigned_lane)
    queue = unassigned_queue(user)
    return Schedule(first=first, last=last, group_by=group_by, days=days, lanes=lanes,
                    counts={day: counts.get(day, 0) for day in days},
                    unassigned=list(loaded(queue)[:queue_limit]),
                    unassigned_count=queue.count(),
                    overdue_count=overdue(user).count(), total=len(rows))


def summary(user: User, first: dt.date, last: dt.date) -> dict[str, Any]:
    """Per-day counts (with per-route counts) of a range, the unassigned count, and the
    appointments rolled over or waiting to be (unfinished past their day)."""
    in_range = appointments_for(user).filter(date__gte=first, date__lte=last).exclude(
        status=Status.CANCELLED)
    # order_by() drops the model's ordering, which would otherwise split the groups.
    per_day = {row["date"]: row for row in in_range.order_by().values("date").annotate(
        count=Count("id"),
        unassigned=Count("id", filter=Q(assignee__isnull=True, route__isnull=True)),
        rolled_over=Count("id", filter=Q(status=Status.ROLLED_OVER)))}
    per_route: dict[dt.date, list[dict[str, Any]]] = defaultdict(list)
    for route_row in in_range.filter(route__isnull=False).values(
            "date", "route_id", "route__name").annotate(count=Count("id")).order_by(
            "date", "route__name"):
        per_route[route_row["date"]].append({
            "route": {"id": route_row["route_id"], "name": route_row["route__name"]},
            "count": route_row["count"]})
    days = []
    for offset in range((last - first).days + 1):
        day = first + dt.timedelta(days=offset)
        counted: dict[str, Any] = dict(per_day.get(day, {}))
        days.append({"date": day, "count": counted.get("count", 0),
                     "unassigned": counted.get("unassigned", 0),
                     "rolled_over": counted.get("rolled_over", 0),
                     "routes": per_route.get(day, [])})
    now_day = today()
    flagged = list(appointments_for(user).filter(
        Q(status=Status.ROLLED_OVER) | Q(status__in=UNFINISHED, date__lt=now_day)).select_related(
        "account").order_by("date", "id")[:UNASSIGNED_LIMIT])
    flagged_count = appointments_for(user).filter(
        Q(status=Status.ROLLED_OVER) | Q(status__in=UNFINISHED, date__lt=now_day)).count()
    return {
        "from": first, "to": last, "days": days,
        "total": sum(day["count"] for day in days),
        "unassigned_count": unassigned_queue(user).count(),
        "rolled_over_count": flagged_count,
        "overdue_count": overdue(user).count(),
        "rolled_over": [row.pk for row in flagged],
        "rolled_over_appointments": [{"id": row.pk, "title": row.title, "date": row.date,
                         "account": {"id": row.account.pk, "name": str(row.account)}
                         if row.account else None,
                         "status": row.status, "times_rolled_over": row.rolled_over_count,
                         "overdue": is_overdue(row, on=now_day)} for row in flagged],
    }


FEED_PAST_DAYS = 31
FEED_FUTURE_DAYS = 366
FEED_LIMIT = 2000


def feed_by_token(token: str) -> CalendarFeed | None:
    if not token or len(token) > 64:
        return None
    return CalendarFeed.objects.select_related("user", "route").filter(token=token).first()


def feed_appointments(feed: CalendarFeed) -> list[Appointment]:
    """What a feed shows: a person's or a route's appointments from a month back to a year
    ahead, cancelled ones left out."""
    start = today() - dt.timedelta(days=FEED_PAST_DAYS)
    end = today() + dt.timedelta(days=FEED_FUTURE_DAYS)
    appointments = Appointment.objects.filter(date__gte=start, date__lte=end).exclude(
        status=Status.CANCELLED)
    if feed.route_id is not None:
        appointments = appointments.filter(route_id=feed.route_id)
    else:
        appointments = appointments.filter(
            pk__in=Appointment.objects.filter(
                Q(assignee_id=feed.user_id) | Q(route__members=feed.user_id)).values("pk"))
    return list(appointments.select_related("account", "route").order_by(
        "date", "start_time", "id")[:FEED_LIMIT])


def feeds_of(user: User, routes: Iterable[Route]) -> dict[str, CalendarFeed]:
    """The feeds the schedule page links to: the user's own and those of `routes`."""
    route_ids = [route.pk for route in routes]
    found = CalendarFeed.objects.filter(Q(user=user) | Q(route_id__in=route_ids))
    return {(f"route-{feed.route_id}" if feed.route_id else "me"): feed for feed in found}

"""The schedule's week view at 10k appointments: `bench_week_view()` returns its p95 in seconds.

It needs Django set up on a throw-away database (as bench/run.py does before it times
anything); importing this module does nothing. The appointments are spread over 8 routes, a
few people and the unassigned queue across a year, so one week holds about 200 of them; the
page is rendered in-process, as a service manager sees it, through the real view.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

from timing import percentile

APPOINTMENTS = 10_000
ROUTES = 8
WEEKS = 52
RUNS = 40
TARGET_SECONDS = 0.100


def _planner() -> Any:
    from stageflow.people.models import User
    from stageflow.people.services import user_create

    existing = User.objects.filter(username="bench-planner").first()
    return existing or user_create(username="bench-planner", password="bench-planner-pw",
                                   role_keys=["service_manager"])


def _fill(planner: Any, first_monday: dt.date) -> None:
    """10k appointments in one bulk insert: routes, people and the unassigned queue."""
    from stageflow.accounts.models import Account
    from stageflow.people.services import user_create
    from stageflow.scheduling.models import Appointment, Route

    rng = random.Random(6)
    routes = [Route.objects.get_or_create(name=f"Bench route {number}")[0]
              for number in range(1, ROUTES + 1)]
    people = [user_create(username=f"bench-tech-{number}", password="bench-tech-pw",
                          role_keys=["technician"]) for number in range(1, 5)]
    accounts = list(Account.objects.all()[:500]) or [
        Account.objects.create(name=f"Bench customer {number}") for number in range(200)]
    rows = []
    for number in range(APPOINTMENTS):
        day = first_monday + dt.timedelta(days=rng.randrange(WEEKS * 7))
        where = rng.random()
        route = rng.choice(routes) if where < 0.7 else None
        person = rng.choice(people) if 0.7 <= where < 0.85 else None
        rows.append(Appointment(
            title=f"Visit {number}", account=rng.choice(accounts), date=day,
            start_time=dt.time(8 + rng.randrange(9), 0), end_time=None, route=route,
            assignee=person, owner=planner,
            status="scheduled" if route or person else "unassigned"))
    Appointment.objects.bulk_create(rows, batch_size=1000)


def bench_week_view() -> float:
    """Create 10k appointments and return the p95 seconds of rendering one week's schedule."""
    from django.test import RequestFactory

    from stageflow.scheduling.services import today
    from stageflow.web.scheduling.views import schedule

    planner = _planner()
    this_monday = today() - dt.timedelta(days=today().weekday())
    first_monday = this_monday - dt.timedelta(weeks=WEEKS // 2)
    _fill(planner, first_monday)
    factory = RequestFactory()
    timings = []
    for run in range(RUNS):
        week = first_monday + dt.timedelta(weeks=run % WEEKS)
        request = factory.get("/schedule/", {"date": week.isoformat()})
        request.user = planner
        request._messages = []  # type: ignore[attr-defined]
        started = time.perf_counter()
        response = schedule(request)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    return percentile(timings, 95)

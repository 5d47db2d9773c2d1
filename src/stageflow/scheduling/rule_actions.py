"""The "create_appointment" rule action, registered in the automation action registry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stageflow.automation.actions import VIA, ActionContext, ActionScope, register_action
from stageflow.core import workspace
from stageflow.scheduling.models import Route
from stageflow.scheduling.services import MAX_DURATION, appointment_create, today

PARAMS = ("title", "days_out", "in_days", "duration", "route", "assign_to_owner")


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_create_appointment(params: Mapping[str, Any], scope: ActionScope) -> dict[str, str]:
    problems: dict[str, str] = {}
    for name in ("days_out", "in_days"):
        value = params.get(name)
        if value not in (None, "") and not (_whole(value) and 0 <= value <= 365):
            problems[name] = _("A whole number of days from 0 to 365.")
    if params.get("days_out") not in (None, "") and params.get("in_days") not in (None, ""):
        problems["in_days"] = _("Give either days_out or in_days, not both.")
    duration = params.get("duration")
    if duration not in (None, "") and not (_whole(duration) and 1 <= duration <= MAX_DURATION):
        problems["duration"] = _("A whole number of minutes from 1 to %(max)s.") % {
            "max": MAX_DURATION}
    route = params.get("route")
    if route not in (None, "") and not Route.objects.filter(name__iexact=str(route),
                                                            active=True).exists():
        problems["route"] = _("No active route “%(name)s”.") % {"name": route}
    if params.get("assign_to_owner") not in (None, True, False):
        problems["assign_to_owner"] = _("true or false.")
    title = params.get("title")
    if title not in (None, "") and len(str(title)) > 200:
        problems["title"] = _("At most 200 characters.")
    return problems


def create_appointment(context: ActionContext, params: Mapping[str, Any]) -> str:
    """Book an appointment on the rule's record: in `in_days` days (or after `days_out`, the
    rule's own "days out", else the workspace's), on `route`, for the owner when asked."""
    record = context.record
    offset = params.get("in_days")
    if offset in (None, ""):
        offset = params.get("days_out")
    if offset in (None, ""):
        offset = workspace.current().days_out
    values: dict[str, Any] = {
        "date": today() + dt.timedelta(days=int(offset)),
        "assignee": record.owner_id if params.get("assign_to_owner") else None,
        "route": params.get("route") or None,
    }
    if params.get("title"):
        values["title"] = str(params["title"]).replace("{title}", record.title)[:200]
    if params.get("duration") not in (None, ""):
        values["duration_minutes"] = params["duration"]
    appointment = appointment_create(actor=context.actor, via=VIA, values=values,
                                     record=record)
    return _("appointment “%(title)s” booked for %(date)s") % {
        "title": appointment.title, "date": appointment.date}


def register_scheduling_actions() -> None:
    register_action("create_appointment", gettext_lazy("Book an appointment"),
                    create_appointment, check_create_appointment, params=PARAMS,
                    record_types=("lead", "opportunity"))

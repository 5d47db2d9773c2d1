"""Changes to appointments, routes, calendar feeds and "days out": one function each.

Every function is keyword-only, runs in one transaction, checks permission, writes history and
emits the domain events automation listens for ("appointment.created", "appointment.completed").
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime, parse_time
from django.utils.translation import gettext as _

from stageflow.accounts.access import visible_account_value, visible_contact_value
from stageflow.accounts.models import Account
from stageflow.communications.models import OutboxMessage
from stageflow.core import clock, events, workspace
from stageflow.core.errors import InvalidInput, NotAllowed, RuleRefused
from stageflow.core.history import record_history, snapshot
from stageflow.core.models import HistoryEntry, Via
from stageflow.core.records import (
    assign_values,
    check_version,
    save_created,
    save_updated,
    validate_record,
)
from stageflow.people import permissions
from stageflow.people.models import User
from stageflow.people.selectors import assignable_users, is_record_id, office_value
from stageflow.sales.access import PERMISSION_TYPES, kind_of
from stageflow.sales.models import Lead, Opportunity
from stageflow.scheduling.access import (
    ensure_may_appointment,
    ensure_may_plan,
    ensure_may_route,
    may_manage_routes,
    routes_for,
)
from stageflow.scheduling.models import Appointment, CalendarFeed, Route
from stageflow.scheduling.notices import appointment_notice

Status = Appointment.Status
APPOINTMENT_FIELDS = ("title", "date", "start_time", "end_time", "promised_from", "promised_to",
                      "duration_minutes", "assignee", "route", "public_notes", "private_notes",
                      "address", "account", "contact", "notify_on_assignment")
HISTORY_FIELDS = (*APPOINTMENT_FIELDS, "status", "rolled_over_count")
ROUTE_FIELDS = ("name", "colour", "office", "active")
UNFINISHED = (Status.UNASSIGNED, Status.SCHEDULED, Status.ROLLED_OVER)
MAX_DURATION = 24 * 60
Parent = Lead | Opportunity | Account


def today() -> dt.date:
    return timezone.localdate(clock.now())


def default_date() -> dt.date:
    """The date a new appointment gets when none is given: today plus the "days out"."""
    return today() + dt.timedelta(days=workspace.current().days_out)


# Values as people and programs send them -------------------------------------------------------

def _date_value(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    parsed = parse_date(str(value).strip()) if not isinstance(value, dt.datetime) else None
    if parsed is None:
        raise ValueError(_("Enter a date as YYYY-MM-DD."))
    return parsed


def _time_value(value: Any) -> dt.time | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.time):
        return value
    try:
        parsed = parse_time(str(value).strip())
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValueError(_("Enter a time as HH:MM."))
    return parsed.replace(second=0, microsecond=0)


def _duration_value(value: Any) -> int:
    if isinstance(value, bool) or not (isinstance(value, int) or str(value).strip().isdigit()):
        raise ValueError(_("A whole number of minutes."))
    minutes = int(value)
    if not 1 <= minutes <= MAX_DURATION:
        raise ValueError(_("Between 1 and %(max)s minutes.") % {"max": MAX_DURATION})
    return minutes


def _assignee_value(value: Any) -> User | None:
    """The active person with this id or user name (None for empty)."""
    if value in (None, ""):
        return None
    people = assignable_users()
    user = people.filter(pk=value).first() if is_record_id(value) else people.filter(
        username__iexact=str(value).strip()).first()
    if user is None:
        raise ValueError(_("Unknown user."))
    return user


def _route_value(actor: User) -> Callable[[Any], Route | None]:
    """A normaliser: the active route with this id or name that `actor` may see."""

    def route_value(value: Any) -> Route | None:
        if value in (None, ""):
            return None
        routes = routes_for(actor).filter(active=True)
        route = routes.filter(pk=value).first() if is_record_id(value) else routes.filter(
            name__iexact=str(value).strip()).first()
        if route is None:
            raise ValueError(_("Unknown route “%(route)s”.") % {"route": value})
        return route

    return route_value


def _bool_value(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).strip().lower() in ("1", "true", "yes", "on"):
        return True
    if str(value).strip().lower() in ("", "0", "false", "no", "off", "none"):
        return False
    raise ValueError(_("Yes or no."))


def _normalisers(actor: User) -> dict[str, Callable[[Any], Any]]:
    return {"date": _date_value, "promised_from": _date_value, "promised_to": _date_value,
            "start_time": _time_value, "end_time": _time_value,
            "duration_minutes": _duration_value, "assignee": _assignee_value,
            "route": _route_value(actor), "account": visible_account_value(actor),
            "contact": visible_contact_value(actor), "notify_on_assignment": _bool_value}


def _split_start(values: Mapping[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """`start` (an ISO date and time) is a convenience for `date` plus `start_time`."""
    values = dict(values)
    if "duration" in values:
        values.setdefault("duration_minutes", values.pop("duration"))
    start = values.pop("start", None)
    if start in (None, ""):
        return values
    moment = start if isinstance(start, dt.datetime) else parse_datetime(str(start).strip())
    if moment is None:
        errors["start"] = _("Enter a date and time as YYYY-MM-DDTHH:MM.")
        return values
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    values["date"], values["start_time"] = moment.date(), moment.time().replace(second=0,
                                                                                 microsecond=0)
    return values


def _address_of(account: Account | None) -> str:
    """The account's service address (its billing address when it has none), as lines."""
    if account is None:
        return ""
    for prefix in ("service", "billing"):
        lines = [getattr(account, f"{prefix}_street"),
                 " ".join(part for part in (getattr(account, f"{prefix}_postcode"),
                                            getattr(account, f"{prefix}_city")) if part),
                 getattr(account, f"{prefix}_region"), getattr(account, f"{prefix}_country")]
        text = "\n".join(line for line in lines if line)
        if text:
            return text
    return ""


def _check_times(appointment: Appointment, errors: dict[str, str],
                 fill_end: bool) -> None:
    """An end after the start; a promised range in order; the end from the duration."""
    start, end = appointment.start_time, appointment.end_time
    if start is not None and end is None and fill_end and "duration_minutes" not in errors:
        finish = dt.datetime.combine(appointment.date or today(), start) + dt.timedelta(
            minutes=appointment.duration_minutes)
        appointment.end_time = finish.time() if finish.date() == (
            appointment.date or today()) else dt.time(23, 59)
    elif start is not None and end is not None:
        if end <= start:
            errors.setdefault("end_time", _("The end is not after the start."))
        elif fill_end:
            appointment.duration_minutes = (
                dt.datetime.combine(dt.date.min, end)
                - dt.datetime.combine(dt.date.min, start)).seconds // 60
    elif end is not None and start is None:
        errors.setdefault("start_time", _("Give the start of the time window too."))
    first, last = appointment.promised_from, appointment.promised_to
    if first is not None and last is not None and last < first:
        errors.setdefault("promised_to", _("The promised range ends before it starts."))
    if (first is None) != (last is None):
        errors.setdefault("promised_to" if last is None else "promised_from",
                          _("Give both ends of the promised range."))


def _status_after_assignment(appointment: Appointment, assignment_changed: bool) -> str:
    """Assigning makes an appointment scheduled, removing both assignments unassigned; a
    rolled-over one stays flagged until it is reassigned or completed."""
    if appointment.status in (Status.COMPLETED, Status.CANCELLED):
        return appointment.status
    if appointment.status == Status.ROLLED_OVER and not assignment_changed:
        return appointment.status
    assigned = appointment.assignee_id is not None or appointment.route_id is not None
    return Status.SCHEDULED if assigned else Status.UNASSIGNED


def _ensure_may_see(actor: User, record: Parent) -> None:
    record_type = "accounts" if isinstance(record, Account) else PERMISSION_TYPES[
        kind_of(record)]
    if not permissions.may(actor, record_type, "view", owner_id=record.owner_id,
                           office_id=record.office_id):
        raise NotAllowed(permissions.refusal("view"))


def _parent_of(appointment: Appointment) -> Parent | None:
    return appointment.opportunity or appointment.lead or appointment.account


def _event_payload(appointment: Appointment, actor: User, via: Via) -> dict[str, Any]:
    return {"appointment_id": appointment.pk, "opportunity_id": appointment.opportunity_id,
            "lead_id": appointment.lead_id, "account_id": appointment.account_id,
            "record_id": appointment.pk, "actor_id": actor.pk, "via": via}


# Appointments ----------------------------------------------------------------------------------

@transaction.atomic
def appointment_create(*, actor: User, via: Via, values: Mapping[str, Any],
                       record: Parent | None = None) -> Appointment:
    """Book an appointment, on `record` when given: its account becomes the customer, its
    owner the default assignee; no date means today plus the workspace's "days out"."""
    errors: dict[str, str] = {}
    values = _split_start(values, errors)
    appointment = Appointment(created_by=actor, date=default_date())
    if record is not None:
        _ensure_may_see(actor, record)
        if isinstance(record, Account):
            appointment.account = record
        else:
            setattr(appointment, kind_of(record), record)
            appointment.account, appointment.contact = record.account, record.contact
            appointment.assignee = record.owner
        appointment.office_id = record.office_id
    appointment.owner = record.owner if actor.is_automation and record is not None else actor
    if appointment.office_id is None:
        appointment.office_id = permissions.default_office_id(actor)
    assign_values(appointment, values, editable=APPOINTMENT_FIELDS,
                  normalisers=_normalisers(actor), errors=errors)
    if appointment.date is None:
        appointment.date = default_date()
    if not appointment.title:
        customer = appointment.account or record
        appointment.title = (_("Visit: %(name)s") % {"name": customer} if customer is not None
                             else _("Visit"))[:200]
    if "address" not in values:
        appointment.address = _address_of(appointment.account)
    _check_times(appointment, errors, fill_end=True)
    appointment.status = _status_after_assignment(appointment, assignment_changed=True)
    validate_record(appointment, errors, exclude=(
        "lead", "opportunity", "account", "contact", "assignee", "route", "owner", "office",
        "created_by"))
    if not permissions.may(actor, "appointments", "create", owner_id=appointment.owner_id,
                           office_id=appointment.office_id):
        raise NotAllowed(permissions.refusal("create"))
    save_created(appointment, actor=actor, via=via, fields=HISTORY_FIELDS)
    parent = _parent_of(appointment)
    if parent is not None:
        record_history(record=parent, actor=actor, via=via, action=HistoryEntry.Action.LINKED,
                       summary=_("Appointment booked for %(date)s: %(title)s") % {
                           "date": appointment.date, "title": appointment.title})
    events.emit("appointment.created", **_event_payload(appointment, actor, via))
    if appointment.notify_on_assignment and appointment.status == Status.SCHEDULED:
        _notify(actor=actor, via=via, appointment=appointment)
    return appointment


@transaction.atomic
def appointment_update(*, actor: User, via: Via, appointment: Appointment,
                       values: Mapping[str, Any],
                       expected_version: int | None = None) -> Appointment:
    """Change, reassign or reschedule; the status follows the assignment."""
    appointment = Appointment.objects.select_for_update(of=("self",)).select_related(
        "lead", "opportunity", "account", "route").get(pk=appointment.pk)
    ensure_may_appointment(actor, "edit", appointment)
    check_version(appointment, expected_version)
    before = snapshot(appointment, HISTORY_FIELDS)
    assigned_before = (appointment.assignee_id, appointment.route_id)
    errors: dict[str, str] = {}
    values = _split_start(values, errors)
    assign_values(appointment, values, editable=APPOINTMENT_FIELDS,
                  normalisers=_normalisers(actor), errors=errors)
    if appointment.date is None:
        errors.setdefault("date", _("An appointment needs a date."))
    timing_changed = {"start_time", "end_time", "duration_minutes"} & set(values)
    if "start_time" in values and "end_time" not in values and appointment.start_time:
        appointment.end_time = None  # recomputed from the duration below
    _check_times(appointment, errors, fill_end=bool(timing_changed))
    assignment_changed = (appointment.assignee_id, appointment.route_id) != assigned_before
    was_assigned = assigned_before != (None, None)
    appointment.status = _status_after_assignment(appointment, assignment_changed)
    validate_record(appointment, errors, exclude=(
        "lead", "opportunity", "account", "contact", "assignee", "route", "owner", "office",
        "created_by"))
    save_updated(appointment, before, actor=actor, via=via, fields=HISTORY_FIELDS)
    if (appointment.notify_on_assignment and assignment_changed and not was_assigned
            and appointment.status == Status.SCHEDULED):
        _notify(actor=actor, via=via, appointment=appointment)
    return appointment


@transaction.atomic
def appointment_complete(*, actor: User, via: Via, appointment: Appointment,
                         expected_version: int | None = None) -> Appointment:
    appointment = Appointment.objects.select_for_update(of=("self",)).select_related(
        "lead", "opportunity", "route").get(pk=appointment.pk)
    ensure_may_appointment(actor, "complete", appointment)
    check_version(appointment, expected_version)
    if appointment.status == Status.COMPLETED:
        return appointment
    if appointment.status == Status.CANCELLED:
        raise RuleRefused(_("A cancelled appointment cannot be completed."),
                          fields={"status": _("cancelled")})
    before = snapshot(appointment, HISTORY_FIELDS)
    appointment.status, appointment.completed_at = Status.COMPLETED, clock.now()
    save_updated(appointment, before, actor=actor, via=via, fields=HISTORY_FIELDS)
    events.emit("appointment.completed", **_event_payload(appointment, actor, via))
    return appointment


@transaction.atomic
def appointment_cancel(*, actor: User, via: Via, appointment: Appointment,
                       expected_version: int | None = None) -> Appointment:
    appointment = Appointment.objects.select_for_update(of=("self",)).select_related(
        "lead", "opportunity").get(pk=appointment.pk)
    ensure_may_appointment(actor, "edit", appointment)
    check_version(appointment, expected_version)
    if appointment.status == Status.COMPLETED:
        raise RuleRefused(_("A completed appointment cannot be cancelled."),
                          fields={"status": _("completed")})
    before = snapshot(appointment, HISTORY_FIELDS)
    appointment.status = Status.CANCELLED
    save_updated(appointment, before, actor=actor, via=via, fields=HISTORY_FIELDS)
    return appointment


@transaction.atomic
def appointment_delete(*, actor: User, via: Via, appointment: Appointment,
                       expected_version: int | None = None) -> None:
    appointment = Appointment.objects.select_for_update(of=("self",)).select_related(
        "lead", "opportunity", "account").get(pk=appointment.pk)
    ensure_may_appointment(actor, "delete", appointment)
    check_version(appointment, expected_version)
    record_history(record=appointment, actor=actor, via=via,
                   action=HistoryEntry.Action.DELETED)
    parent = _parent_of(appointment)
    if parent is not None:
        record_history(record=parent, actor=actor, via=via,
                       action=HistoryEntry.Action.UNLINKED,
                       summary=_("Appointment removed: %(title)s (%(date)s)") % {
                           "title": appointment.title, "date": appointment.date})
    appointment.delete()


def _notify(*, actor: User, via: Via, appointment: Appointment) -> OutboxMessage:
    """Queue the client's email and record that the client was told (same transaction)."""
    message = appointment_notice(appointment, actor=actor, via=via)
    appointment.notified_at = clock.now()
    appointment.version += 1
    appointment.save(update_fields=["notified_at", "version", "updated_at"])
    record_history(record=appointment, actor=actor, via=via,
                   action=HistoryEntry.Action.UPDATED,
                   summary=_("Client notified: %(outcome)s") % {"outcome": message})
    return message


@transaction.atomic
def appointment_notify(*, actor: User, via: Via, appointment: Appointment,
                       expected_version: int | None = None) -> OutboxMessage:
    """Email the client the date, time window, address and notes for the client (never the
    private notes). The message is stored SKIPPED with the reason when it cannot go out."""
    appointment = Appointment.objects.select_for_update(of=("self",)).select_related(
        "lead", "opportunity", "account", "contact").get(pk=appointment.pk)
    ensure_may_appointment(actor, "edit", appointment)
    check_version(appointment, expected_version)
    if appointment.status in (Status.COMPLETED, Status.CANCELLED):
        raise RuleRefused(_("This appointment is %(status)s; there is nothing to tell the "
                            "client.") % {"status": appointment.get_status_display().lower()},
                          fields={"status": appointment.status})
    return _notify(actor=actor, via=via, appointment=appointment)


@transaction.atomic
def appointments_roll_over(*, actor: User, via: Via) -> int:
    """Move every unfinished appointment whose day has passed to today, flag it rolled over
    and count the roll-over; returns how many moved."""
    ensure_may_plan(actor)
    now_day = today()
    overdue = list(Appointment.objects.select_for_update().filter(
        status__in=UNFINISHED, date__lt=now_day).order_by("date", "id"))
    for appointment in overdue:
        before = snapshot(appointment, ("date", "status", "rolled_over_count"))
        appointment.date = now_day
        appointment.status = Status.ROLLED_OVER
        appointment.rolled_over_count += 1
        save_updated(appointment, before, actor=actor, via=via,
                     fields=("date", "status", "rolled_over_count"))
    return len(overdue)


# Routes -----------------------------------------------------------------------------------------

def _members_value(value: Any) -> list[User]:
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple):
        raise ValueError(_("A list of user ids."))
    people = []
    for item in value:
        person = _assignee_value(item)
        if person is not None:
            people.append(person)
    return people


def _colour_value(value: Any) -> str:
    text = str(value or "").strip().lower()
    if len(text) != 7 or not text.startswith("#") or any(
            ch not in "0123456789abcdef" for ch in text[1:]):
        raise ValueError(_("A colour such as #3c71f7."))
    return text


def _route_values(route: Route, values: Mapping[str, Any],
                  errors: dict[str, str]) -> list[User] | None:
    values = dict(values)
    members: list[User] | None = None
    if "members" in values:
        try:
            members = _members_value(values.pop("members"))
        except ValueError as error:
            errors["members"] = str(error)
    assign_values(route, values, editable=ROUTE_FIELDS,
                  normalisers={"office": office_value, "colour": _colour_value,
                               "active": _bool_value}, errors=errors)
    if route.name and Route.objects.filter(name__iexact=route.name).exclude(pk=route.pk).exists():
        errors.setdefault("name", _("Another route has this name."))
    validate_record(route, errors, exclude=("office",))
    return members


def _member_names(members: Iterable[User]) -> list[str]:
    return sorted(person.username for person in members)


@transaction.atomic
def route_create(*, actor: User, via: Via, values: Mapping[str, Any]) -> Route:
    ensure_may_route(actor, "create")
    route = Route()
    errors: dict[str, str] = {}
    members = _route_values(route, values, errors)
    save_created(route, actor=actor, via=via, fields=ROUTE_FIELDS)
    if members:
        route.members.set(members)
        record_history(record=route, actor=actor, via=via, action=HistoryEntry.Action.UPDATED,
                       changes=[{"field": "members", "label": str(_("members")), "old": [],
                                 "new": _member_names(members)}])
    return route


@transaction.atomic
def route_update(*, actor: User, via: Via, route: Route, values: Mapping[str, Any],
                 expected_version: int | None = None) -> Route:
    route = Route.objects.select_for_update().get(pk=route.pk)
    ensure_may_route(actor, "edit")
    check_version(route, expected_version)
    before = snapshot(route, ROUTE_FIELDS)
    errors: dict[str, str] = {}
    members = _route_values(route, values, errors)
    changes = save_updated(route, before, actor=actor, via=via, fields=ROUTE_FIELDS)
    if members is not None:
        old = _member_names(route.members.all())
        if old != _member_names(members):
            route.members.set(members)
            if not changes:
                route.version += 1
                route.save(update_fields=["version", "updated_at"])
            record_history(record=route, actor=actor, via=via,
                           action=HistoryEntry.Action.UPDATED,
                           changes=[{"field": "members", "label": str(_("members")),
                                     "old": old, "new": _member_names(members)}])
    return route


@transaction.atomic
def route_delete(*, actor: User, via: Via, route: Route) -> None:
    """Delete a route; its appointments lose the route and become unassigned if nobody
    else is assigned (each with its own history row)."""
    ensure_may_route(actor, "delete")
    for appointment in Appointment.objects.select_for_update().filter(route=route):
        before = snapshot(appointment, HISTORY_FIELDS)
        appointment.route = None
        appointment.status = _status_after_assignment(appointment, assignment_changed=True)
        save_updated(appointment, before, actor=actor, via=via, fields=HISTORY_FIELDS)
    record_history(record=route, actor=actor, via=via, action=HistoryEntry.Action.DELETED)
    route.delete()


# "Days out" and calendar feeds -------------------------------------------------------------------

@transaction.atomic
def days_out_set(*, actor: User, via: Via, days_out: Any) -> int:
    """Change how many days after today new appointments are proposed (planners only)."""
    ensure_may_plan(actor)
    if isinstance(days_out, bool) or not (isinstance(days_out, int)
                                          or str(days_out).strip().isdigit()):
        raise InvalidInput(_("Enter a whole number of days."),
                           fields={"days_out": _("A whole number from 0 to 365.")})
    days = int(days_out)
    if not 0 <= days <= 365:
        raise InvalidInput(_("Enter a whole number of days."),
                           fields={"days_out": _("A whole number from 0 to 365.")})
    settings_row = workspace.current()
    if settings_row.days_out != days:
        record_history(record=settings_row, actor=actor, via=via,
                       action=HistoryEntry.Action.UPDATED,
                       changes=[{"field": "days_out", "label": str(_("days out")),
                                 "old": settings_row.days_out, "new": days}])
        settings_row.days_out = days
        settings_row.save(update_fields=["days_out", "updated_at"])
    return days


def _ensure_may_manage_feed(actor: User, *, user: User | None, route: Route | None) -> None:
    if user is not None and (user.pk == actor.pk or permissions.manages_workspace(actor)
                             or may_manage_routes(actor)):
        return
    if route is not None and (may_manage_routes(actor)
                              or route.members.filter(pk=actor.pk).exists()):
        return
    raise NotAllowed(_("Only its owner or a manager may change this calendar feed."))


@transaction.atomic
def calendar_feed_renew(*, actor: User, via: Via, user: User | None = None,
                        route: Route | None = None) -> CalendarFeed:
    """Give a person or a route a new secret feed address; the old address stops working."""
    _ensure_may_manage_feed(actor, user=user, route=route)
    feed, _created = CalendarFeed.objects.select_for_update().get_or_create(
        user=user, route=route, defaults={"token": secrets.token_urlsafe(32)})
    if not _created:
        feed.token = secrets.token_urlsafe(32)
        feed.save(update_fields=["token"])
    record_history(record=user or route, actor=actor, via=via,  # type: ignore[arg-type]
                   action=HistoryEntry.Action.UPDATED, summary=_("New calendar feed address"))
    return feed


@transaction.atomic
def calendar_feed_revoke(*, actor: User, via: Via, user: User | None = None,
                         route: Route | None = None) -> None:
    _ensure_may_manage_feed(actor, user=user, route=route)
    deleted, _rows = CalendarFeed.objects.filter(user=user, route=route).delete()
    if deleted:
        record_history(record=user or route, actor=actor, via=via,  # type: ignore[arg-type]
                       action=HistoryEntry.Action.UPDATED,
                       summary=_("Calendar feed address revoked"))


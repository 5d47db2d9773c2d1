"""/api/v1/appointments, /routes and /schedule: appointments, routes and the schedule."""

import datetime as dt
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from stageflow.accounts.access import access_account_by_id
from stageflow.api.common import Ref, caller, expected_version, ref
from stageflow.core import workspace
from stageflow.core.models import Via
from stageflow.people.models import User
from stageflow.sales.access import access_record_by_id
from stageflow.scheduling import selectors, services
from stageflow.scheduling.access import (
    access_appointment_by_id,
    access_route_by_id,
    routes_for,
)
from stageflow.scheduling.models import Appointment, Route

router = Router(tags=["scheduling"])


class AppointmentOut(Schema):
    id: int
    title: str
    status: str
    date: dt.date
    start_time: dt.time | None
    end_time: dt.time | None
    promised_from: dt.date | None
    promised_to: dt.date | None
    duration_minutes: int
    assigned: bool
    assignee: Ref | None
    route: Ref | None
    account: Ref | None
    customer: Ref | None
    lead: Ref | None
    opportunity: Ref | None
    address: str
    public_notes: str
    private_notes: str
    notify_on_assignment: bool
    notified_at: dt.datetime | None
    completed_at: dt.datetime | None
    rolled_over: bool
    rolled_over_count: int
    version: int
    created_at: dt.datetime

    @staticmethod
    def resolve_assigned(appointment: Appointment) -> bool:
        return appointment.assignee_id is not None or appointment.route_id is not None

    @staticmethod
    def resolve_assignee(appointment: Appointment) -> dict[str, Any] | None:
        return ref(appointment.assignee)

    @staticmethod
    def resolve_route(appointment: Appointment) -> dict[str, Any] | None:
        return ref(appointment.route)

    @staticmethod
    def resolve_account(appointment: Appointment) -> dict[str, Any] | None:
        return ref(appointment.account)

    @staticmethod
    def resolve_customer(appointment: Appointment) -> dict[str, Any] | None:
        return ref(appointment.account)

    @staticmethod
    def resolve_lead(appointment: Appointment) -> dict[str, Any] | None:
        return ref(appointment.lead)

    @staticmethod
    def resolve_opportunity(appointment: Appointment) -> dict[str, Any] | None:
        return ref(appointment.opportunity)

    @staticmethod
    def resolve_rolled_over(appointment: Appointment) -> bool:
        return selectors.is_rolled_over(appointment)


class AppointmentIn(Schema):
    """A new appointment: `start` (date and time) or `date` with `start_time`/`end_time`;
    no date means today plus the workspace's "days out"."""

    title: str = ""
    start: dt.datetime | None = None
    date: dt.date | None = None
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    promised_from: dt.date | None = None
    promised_to: dt.date | None = None
    duration: int | None = None
    duration_minutes: int | None = None
    assignee: int | str | None = None
    route: int | str | None = None
    account: int | None = None
    customer: int | None = None
    contact: int | None = None
    lead: int | None = None
    opportunity: int | None = None
    address: str | None = None
    public_notes: str = ""
    private_notes: str = ""
    notify_on_assignment: bool = False


class AppointmentUpdateIn(Schema):
    title: str | None = None
    start: dt.datetime | None = None
    date: dt.date | None = None
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    promised_from: dt.date | None = None
    promised_to: dt.date | None = None
    duration: int | None = None
    duration_minutes: int | None = None
    assignee: int | str | None = None
    route: int | str | None = None
    account: int | None = None
    customer: int | None = None
    contact: int | None = None
    address: str | None = None
    public_notes: str | None = None
    private_notes: str | None = None
    notify_on_assignment: bool | None = None
    version: int | None = None


class VersionIn(Schema):
    version: int | None = None


class AppointmentFiltersIn(Schema):
    from_: str | None = Field(None, alias="from")
    to: str | None = None
    route: int | None = None
    assignee: int | None = None
    status: str | None = None
    unassigned: bool = False
    opportunity: int | None = None
    lead: int | None = None
    account: int | None = None

    model_config = {"populate_by_name": True}


class RouteOut(Schema):
    id: int
    name: str
    colour: str
    office: Ref | None
    members: list[Ref]
    active: bool
    version: int

    @staticmethod
    def resolve_office(route: Route) -> dict[str, Any] | None:
        return ref(route.office)

    @staticmethod
    def resolve_members(route: Route) -> list[dict[str, Any] | None]:
        return [ref(member) for member in route.members.all()]


class RouteIn(Schema):
    name: str
    colour: str = "#3c71f7"
    office: int | None = None
    members: list[int | str] = []
    active: bool = True


class RouteUpdateIn(Schema):
    name: str | None = None
    colour: str | None = None
    office: int | None = None
    members: list[int | str] | None = None
    active: bool | None = None
    version: int | None = None


class RollOverOut(Schema):
    rolled_over: int


class ScheduleSettingsIO(Schema):
    days_out: int


class LaneOut(Schema):
    key: str
    label: str
    route: Ref | None
    assignee: Ref | None
    appointments: list[AppointmentOut]


class DayOut(Schema):
    date: dt.date
    count: int
    lanes: list[LaneOut]


class ScheduleOut(Schema):
    from_: dt.date = Field(alias="from")
    to: dt.date
    group_by: str
    count: int
    days: list[DayOut]
    unassigned: list[AppointmentOut]
    unassigned_count: int
    overdue_count: int

    model_config = {"populate_by_name": True}


def _appointment_values(payload: Schema, *, exclude: set[str]) -> dict[str, Any]:
    values = payload.model_dump(exclude_unset=True, exclude={"version", *exclude})
    if "customer" in values:
        values.setdefault("account", values.pop("customer"))
        values.pop("customer", None)
    return values


def _fresh(user: User, appointment_id: int) -> Appointment:
    return access_appointment_by_id(user, appointment_id)


@router.get("/appointments", response=list[AppointmentOut], operation_id="list_appointments")
@paginate(LimitOffsetPagination)
def list_appointments(request: HttpRequest,
                      filters: Query[AppointmentFiltersIn]) -> QuerySet[Appointment]:
    first = selectors.parse_day(filters.from_, default=dt.date.min, name="from")
    last = selectors.parse_day(filters.to, default=dt.date.max, name="to")
    return selectors.appointments_list(caller(request), selectors.AppointmentFilters(
        first=None if first == dt.date.min else first,
        last=None if last == dt.date.max else last, route=filters.route,
        assignee=filters.assignee, status=filters.status, unassigned=filters.unassigned,
        opportunity=filters.opportunity, lead=filters.lead, account=filters.account))


def _create(request: HttpRequest, payload: AppointmentIn, record: Any) -> Status[Appointment]:
    user = caller(request)
    appointment = services.appointment_create(
        actor=user, via=Via.API, record=record,
        values=_appointment_values(payload, exclude={"lead", "opportunity"}))
    return Status(201, _fresh(user, appointment.pk))


@router.post("/appointments", response={201: AppointmentOut}, operation_id="create_appointment")
def create_appointment(request: HttpRequest, payload: AppointmentIn) -> Status[Appointment]:
    user = caller(request)
    record: Any = None
    if payload.opportunity is not None:
        record = access_record_by_id(user, "opportunity", payload.opportunity)
    elif payload.lead is not None:
        record = access_record_by_id(user, "lead", payload.lead)
    elif (payload.account or payload.customer) is not None:
        record = access_account_by_id(user, payload.account or payload.customer or 0)
    return _create(request, payload, record)


@router.post("/leads/{record_id}/appointments", response={201: AppointmentOut},
             operation_id="create_lead_appointment")
def create_lead_appointment(request: HttpRequest, record_id: int,
                            payload: AppointmentIn) -> Status[Appointment]:
    return _create(request, payload, access_record_by_id(caller(request), "lead", record_id))


@router.post("/opportunities/{record_id}/appointments", response={201: AppointmentOut},
             operation_id="create_opportunity_appointment")
def create_opportunity_appointment(request: HttpRequest, record_id: int,
                                   payload: AppointmentIn) -> Status[Appointment]:
    return _create(request, payload,
                   access_record_by_id(caller(request), "opportunity", record_id))


@router.post("/accounts/{record_id}/appointments", response={201: AppointmentOut},
             operation_id="create_account_appointment")
def create_account_appointment(request: HttpRequest, record_id: int,
                               payload: AppointmentIn) -> Status[Appointment]:
    return _create(request, payload, access_account_by_id(caller(request), record_id))


@router.get("/leads/{record_id}/appointments", response=list[AppointmentOut],
            operation_id="list_lead_appointments")
@paginate(LimitOffsetPagination)
def list_lead_appointments(request: HttpRequest, record_id: int) -> QuerySet[Appointment]:
    user = caller(request)
    access_record_by_id(user, "lead", record_id)
    return selectors.appointments_of(user, "lead", record_id)


@router.get("/opportunities/{record_id}/appointments", response=list[AppointmentOut],
            operation_id="list_opportunity_appointments")
@paginate(LimitOffsetPagination)
def list_opportunity_appointments(request: HttpRequest,
                                  record_id: int) -> QuerySet[Appointment]:
    user = caller(request)
    access_record_by_id(user, "opportunity", record_id)
    return selectors.appointments_of(user, "opportunity", record_id)


@router.get("/accounts/{record_id}/appointments", response=list[AppointmentOut],
            operation_id="list_account_appointments")
@paginate(LimitOffsetPagination)
def list_account_appointments(request: HttpRequest, record_id: int) -> QuerySet[Appointment]:
    user = caller(request)
    access_account_by_id(user, record_id)
    return selectors.appointments_of(user, "account", record_id)


@router.get("/appointments/{appointment_id}", response=AppointmentOut,
            operation_id="get_appointment")
def get_appointment(request: HttpRequest, appointment_id: int) -> Appointment:
    return access_appointment_by_id(caller(request), appointment_id)


@router.patch("/appointments/{appointment_id}", response=AppointmentOut,
              operation_id="update_appointment")
def update_appointment(request: HttpRequest, appointment_id: int,
                       payload: AppointmentUpdateIn) -> Appointment:
    user = caller(request)
    appointment = access_appointment_by_id(user, appointment_id, "edit")
    services.appointment_update(actor=user, via=Via.API, appointment=appointment,
                                values=_appointment_values(payload, exclude=set()),
                                expected_version=expected_version(request, payload.version))
    return _fresh(user, appointment_id)


@router.delete("/appointments/{appointment_id}", response={204: None},
               operation_id="delete_appointment")
def delete_appointment(request: HttpRequest, appointment_id: int) -> Status[None]:
    user = caller(request)
    appointment = access_appointment_by_id(user, appointment_id, "delete")
    services.appointment_delete(actor=user, via=Via.API, appointment=appointment,
                                expected_version=expected_version(request, None))
    return Status(204, None)


@router.post("/appointments/{appointment_id}/complete", response=AppointmentOut,
             operation_id="complete_appointment")
def complete_appointment(request: HttpRequest, appointment_id: int,
                         payload: VersionIn | None = None) -> Appointment:
    user = caller(request)
    appointment = access_appointment_by_id(user, appointment_id, "complete")
    services.appointment_complete(
        actor=user, via=Via.API, appointment=appointment,
        expected_version=expected_version(request, payload.version if payload else None))
    return _fresh(user, appointment_id)


@router.post("/appointments/{appointment_id}/cancel", response=AppointmentOut,
             operation_id="cancel_appointment")
def cancel_appointment(request: HttpRequest, appointment_id: int,
                       payload: VersionIn | None = None) -> Appointment:
    user = caller(request)
    appointment = access_appointment_by_id(user, appointment_id, "edit")
    services.appointment_cancel(
        actor=user, via=Via.API, appointment=appointment,
        expected_version=expected_version(request, payload.version if payload else None))
    return _fresh(user, appointment_id)


class NoticeOut(Schema):
    message_id: int
    status: str
    to: str
    skip_reason: str
    appointment: AppointmentOut


@router.post("/appointments/{appointment_id}/notify", response=NoticeOut,
             operation_id="notify_appointment")
def notify_appointment(request: HttpRequest, appointment_id: int,
                       payload: VersionIn | None = None) -> dict[str, Any]:
    user = caller(request)
    appointment = access_appointment_by_id(user, appointment_id, "edit")
    message = services.appointment_notify(
        actor=user, via=Via.API, appointment=appointment,
        expected_version=expected_version(request, payload.version if payload else None))
    return {"message_id": message.pk, "status": message.status, "to": message.to,
            "skip_reason": message.skip_reason,
            "appointment": _fresh(user, appointment_id)}


@router.post("/schedule/roll-over", response=RollOverOut, operation_id="roll_over_schedule")
def roll_over_schedule(request: HttpRequest) -> dict[str, int]:
    moved = services.appointments_roll_over(actor=caller(request), via=Via.API)
    return {"rolled_over": moved}


def _lane_out(lane: selectors.Lane, day: dt.date) -> dict[str, Any]:
    return {"key": lane.key, "label": lane.label, "route": ref(lane.route),
            "assignee": ref(lane.person), "appointments": lane.cells.get(day, [])}


@router.get("/schedule", response=ScheduleOut, by_alias=True, operation_id="get_schedule")
def get_schedule(request: HttpRequest, unassigned: bool = False,
                 group_by: Literal["route", "user"] = "route") -> dict[str, Any]:
    first, last = selectors.day_range(request.GET.get("from"), request.GET.get("to"))
    grid = selectors.schedule(caller(request), first, last, group_by=group_by,
                              unassigned_only=unassigned)
    return {
        "from_": first, "to": last, "group_by": group_by, "count": grid.total,
        "days": [{"date": day, "count": grid.counts[day],
                  "lanes": [_lane_out(lane, day) for lane in grid.lanes if lane.cells.get(day)]}
                 for day in grid.days],
        "unassigned": grid.unassigned, "unassigned_count": grid.unassigned_count,
        "overdue_count": grid.overdue_count,
    }


@router.get("/schedule/summary", operation_id="get_schedule_summary")
def get_schedule_summary(request: HttpRequest) -> dict[str, Any]:
    first, last = selectors.day_range(request.GET.get("from"), request.GET.get("to"))
    return selectors.summary(caller(request), first, last)


@router.get("/schedule/settings", response=ScheduleSettingsIO,
            operation_id="get_schedule_settings")
def get_schedule_settings(request: HttpRequest) -> dict[str, int]:
    caller(request)
    return {"days_out": workspace.current().days_out}


@router.patch("/schedule/settings", response=ScheduleSettingsIO,
              operation_id="update_schedule_settings")
def update_schedule_settings(request: HttpRequest,
                             payload: ScheduleSettingsIO) -> dict[str, int]:
    days = services.days_out_set(actor=caller(request), via=Via.API, days_out=payload.days_out)
    return {"days_out": days}


@router.get("/routes", response=list[RouteOut], operation_id="list_routes")
@paginate(LimitOffsetPagination)
def list_routes(request: HttpRequest, active: bool | None = None) -> QuerySet[Route]:
    routes = routes_for(caller(request)).select_related("office").prefetch_related("members")
    return routes if active is None else routes.filter(active=active)


@router.post("/routes", response={201: RouteOut}, operation_id="create_route")
def create_route(request: HttpRequest, payload: RouteIn) -> Status[Route]:
    user = caller(request)
    route = services.route_create(actor=user, via=Via.API, values=payload.model_dump())
    return Status(201, access_route_by_id(user, route.pk))


@router.get("/routes/{route_id}", response=RouteOut, operation_id="get_route")
def get_route(request: HttpRequest, route_id: int) -> Route:
    return access_route_by_id(caller(request), route_id)


@router.patch("/routes/{route_id}", response=RouteOut, operation_id="update_route")
def update_route(request: HttpRequest, route_id: int, payload: RouteUpdateIn) -> Route:
    user = caller(request)
    route = access_route_by_id(user, route_id, "edit")
    services.route_update(actor=user, via=Via.API, route=route,
                          values=payload.model_dump(exclude_unset=True, exclude={"version"}),
                          expected_version=expected_version(request, payload.version))
    return access_route_by_id(user, route_id)


@router.delete("/routes/{route_id}", response={204: None}, operation_id="delete_route")
def delete_route(request: HttpRequest, route_id: int) -> Status[None]:
    user = caller(request)
    route = access_route_by_id(user, route_id, "delete")
    services.route_delete(actor=user, via=Via.API, route=route)
    return Status(204, None)

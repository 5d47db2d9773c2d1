"""The schedule (day and week, per route or per person), appointments, routes and feeds."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from stageflow.accounts.access import access_account_by_id
from stageflow.core import clock, workspace
from stageflow.core.errors import NotFound, StageflowError
from stageflow.core.models import Via
from stageflow.people import permissions
from stageflow.people.selectors import assignable_users
from stageflow.sales.access import access_record_by_id
from stageflow.scheduling import selectors, services
from stageflow.scheduling.access import (
    access_appointment_by_id,
    access_route_by_id,
    may_appointment,
    may_manage_routes,
    may_plan,
    routes_for,
)
from stageflow.scheduling.calendar_feed import feed_document
from stageflow.scheduling.models import Appointment
from stageflow.web.forms import form_values, show_service_errors
from stageflow.web.scheduling.forms import AppointmentForm, DaysOutForm, RouteForm
from stageflow.web.views import signed_in_user

# The page shows the first of the unassigned queue (the API gives more); the rest is counted.
QUEUE_ON_PAGE = 60


def _parent(request: HttpRequest, kind: str, record_id: int) -> Any:
    user = signed_in_user(request)
    if kind == "account":
        return access_account_by_id(user, record_id)
    if kind in ("lead", "opportunity"):
        return access_record_by_id(user, kind, record_id)
    raise NotFound(_("No such kind of record."))


def _day(value: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        return services.today()


# The schedule -----------------------------------------------------------------------------------

@login_required
@require_GET
def schedule(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    span = "day" if request.GET.get("span") == "day" else "week"
    group_by: selectors.GroupBy = "user" if request.GET.get("by") == "user" else "route"
    day = _day(request.GET.get("date"))
    first = day if span == "day" else day - dt.timedelta(days=day.weekday())
    last = first if span == "day" else first + dt.timedelta(days=6)
    step = dt.timedelta(days=1 if span == "day" else 7)
    grid = selectors.schedule(user, first, last, group_by=group_by, queue_limit=QUEUE_ON_PAGE,
                              chips_only=True)
    routes = [lane.route for lane in grid.lanes if lane.route is not None]
    feeds = selectors.feeds_of(user, routes)
    feed_rows = [("me", _("My appointments"), feeds.get("me"))]
    if may_manage_routes(user):
        feed_rows += [(f"route-{route.pk}", route.name, feeds.get(f"route-{route.pk}"))
                      for route in routes]
    return render(request, "web/scheduling/schedule.html", {
        "grid": grid, "span": span, "group_by": group_by, "day": day,
        "previous": (first - step).isoformat(), "next": (first + step).isoformat(),
        "today": services.today(), "days_out": workspace.current().days_out,
        "may_plan": may_plan(user), "may_book": permissions.may_at_all(
            user, "appointments", "create"),
        "rows": [(lane, lane.cell_list(grid.days)) for lane in grid.lanes],
        "feed_rows": feed_rows, "may_manage_routes": may_manage_routes(user),
        # One reverse() for every chip instead of two per chip (the week view's main cost).
        "appointments_root": reverse("scheduling:appointment", args=[0]).removesuffix("0/"),
    })


def _refused(error: StageflowError) -> JsonResponse:
    reason = " ".join([error.message, *error.fields.values()]) if error.fields else error.message
    return JsonResponse({"ok": False, "message": reason}, status=error.http_status)


@login_required
@require_POST
def assign(request: HttpRequest, appointment_id: int) -> JsonResponse:
    """A drop on the schedule: assign to the lane's route or person on the cell's day."""
    user = signed_in_user(request)
    lane = request.POST.get("lane", "")
    # A drop on the unassigned list keeps the day; a drop on a cell moves it there.
    values: dict[str, Any] = {"date": request.POST["date"]} if request.POST.get("date") else {}
    kind, _dash, lane_id = lane.partition("-")
    if kind == "route":
        values["route"] = lane_id
    elif kind == "user":
        values["assignee"] = lane_id
    elif lane == "unassigned":
        values.update(route=None, assignee=None)
    version = request.POST.get("version", "")
    try:
        appointment = access_appointment_by_id(user, appointment_id, "edit")
        updated = services.appointment_update(
            actor=user, via=Via.WEB, appointment=appointment, values=values,
            expected_version=int(version) if version.isdigit() else None)
    except StageflowError as error:
        return _refused(error)
    return JsonResponse({"ok": True, "version": updated.version,
                         "message": _("“%(title)s” is now on %(date)s.") % {
                             "title": updated.title, "date": updated.date}})


@login_required
@require_POST
def roll_over(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    try:
        moved = services.appointments_roll_over(actor=user, via=Via.WEB)
        messages.success(request, _("%(count)s unfinished appointments moved to today.") % {
            "count": moved})
    except StageflowError as error:
        messages.error(request, error.message)
    return redirect("scheduling:schedule")


@login_required
def schedule_settings(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = DaysOutForm(request.POST or None, initial={"days_out": workspace.current().days_out})
    if request.method == "POST" and form.is_valid():
        try:
            services.days_out_set(actor=user, via=Via.WEB, days_out=form.cleaned_data["days_out"])
            messages.success(request, _("New appointments are now proposed %(days)s days out.")
                             % {"days": form.cleaned_data["days_out"]})
            return redirect("scheduling:schedule")
        except StageflowError as error:
            show_service_errors(form, error)
    return render(request, "web/scheduling/settings.html", {"form": form,
                                                            "may_plan": may_plan(user)})


# Appointments -------------------------------------------------------------------------------

def _form(user: Any, data: Any = None, **kwargs: Any) -> AppointmentForm:
    return AppointmentForm(data, routes=routes_for(user).filter(active=True), **kwargs)


def _panel_context(request: HttpRequest, kind: str, record: Any,
                   form: AppointmentForm | None = None) -> dict[str, Any]:
    user = signed_in_user(request)
    days_out = workspace.current().days_out
    return {
        "kind": kind, "record": record,
        "appointments": selectors.appointments_of(user, kind, record.pk)[:100],
        # The person is proposed as the service would default it: a record's owner, and
        # nobody for a customer, so a visit booked from the customer waits to be assigned.
        "form": form or _form(user, initial={
            "date": services.default_date(),
            "assignee": None if kind == "account" else getattr(record, "owner", None)}),
        "days_out": days_out, "may_book": permissions.may_at_all(user, "appointments",
                                                                 "create"),
        "may_plan": may_plan(user), "today": services.today(),
    }


@login_required
def panel(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    """The "Appointments" tab of a lead, opportunity or account (a page when opened alone)."""
    record = _parent(request, kind, record_id)
    template = ("web/scheduling/_panel.html" if getattr(request, "htmx", False)
                else "web/scheduling/panel_page.html")
    return render(request, template, _panel_context(request, kind, record))


@login_required
@require_POST
def create(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    user = signed_in_user(request)
    record = _parent(request, kind, record_id)
    form = _form(user, request.POST)
    status = 200
    if form.is_valid():
        try:
            appointment = services.appointment_create(actor=user, via=Via.WEB, record=record,
                                                      values=form_values(form))
            messages.success(request, _("Appointment booked for %(date)s.") % {
                "date": appointment.date})
            form = None  # type: ignore[assignment]
        except StageflowError as error:
            show_service_errors(form, error)
            status = 422
    else:
        status = 422
    if not getattr(request, "htmx", False) and status == 200:
        return redirect(record.get_absolute_url() + "?tab=appointments")
    template = ("web/scheduling/_panel.html" if getattr(request, "htmx", False)
                else "web/scheduling/panel_page.html")
    return render(request, template, _panel_context(request, kind, record, form),
                  status=status)


def _initial(appointment: Appointment) -> dict[str, Any]:
    return {name: getattr(appointment, name) for name in AppointmentForm.base_fields}


@login_required
def appointment_detail(request: HttpRequest, appointment_id: int) -> HttpResponse:
    user = signed_in_user(request)
    appointment = access_appointment_by_id(user, appointment_id)
    may_edit = may_appointment(user, "edit", appointment)
    form = _form(user, request.POST or None, initial=_initial(appointment))
    if request.method == "POST" and may_edit and form.is_valid():
        try:
            services.appointment_update(
                actor=user, via=Via.WEB, appointment=appointment, values=form_values(form),
                expected_version=int(request.POST.get("version", "0") or 0) or None)
            messages.success(request, _("Appointment saved."))
            return redirect("scheduling:appointment", appointment_id=appointment.pk)
        except StageflowError as error:
            show_service_errors(form, error)
    return render(request, "web/scheduling/appointment.html", {
        "appointment": appointment, "form": form, "may_edit": may_edit,
        "may_complete": may_appointment(user, "complete", appointment),
        "may_delete": may_appointment(user, "delete", appointment),
        "rolled_over": selectors.is_rolled_over(appointment),
    }, status=422 if form.errors else 200)


ACTIONS: dict[str, tuple[Any, str, Any]] = {
    "complete": (services.appointment_complete, "complete", _("Appointment completed.")),
    "cancel": (services.appointment_cancel, "edit", _("Appointment cancelled.")),
    "notify": (services.appointment_notify, "edit", _("The client's email is queued.")),
}


@login_required
@require_POST
def appointment_action(request: HttpRequest, appointment_id: int, action: str) -> HttpResponse:
    user = signed_in_user(request)
    if action not in ACTIONS:
        raise NotFound(_("No such action."))
    run, permission, done = ACTIONS[action]
    appointment = access_appointment_by_id(user, appointment_id, permission)
    try:
        result: Any = run(actor=user, via=Via.WEB, appointment=appointment)
        if action == "notify" and result.skip_reason:
            messages.warning(request, _("The email was not sent: %(reason)s") % {
                "reason": result.skip_reason})
        else:
            messages.success(request, str(done))
    except StageflowError as error:
        messages.error(request, error.message)
    return redirect("scheduling:appointment", appointment_id=appointment.pk)


@login_required
def appointment_delete(request: HttpRequest, appointment_id: int) -> HttpResponse:
    user = signed_in_user(request)
    appointment = access_appointment_by_id(user, appointment_id, "delete")
    if request.method == "POST":
        services.appointment_delete(actor=user, via=Via.WEB, appointment=appointment)
        messages.success(request, _("Appointment deleted."))
        return redirect("scheduling:schedule")
    return render(request, "web/confirm_delete.html", {
        "record": appointment, "kind": _("appointment"),
        "cancel_url": reverse("scheduling:appointment", args=[appointment.pk])})


# Routes -------------------------------------------------------------------------------------

@login_required
def route_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = RouteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.route_create(actor=user, via=Via.WEB, values=form_values(form))
            messages.success(request, _("Route added."))
            return redirect("scheduling:routes")
        except StageflowError as error:
            show_service_errors(form, error)
    return render(request, "web/scheduling/routes.html", {
        "routes": routes_for(user).select_related("office").prefetch_related("members"),
        "form": form, "may_manage": may_manage_routes(user),
    }, status=422 if form.errors else 200)


@login_required
def route_edit(request: HttpRequest, route_id: int) -> HttpResponse:
    user = signed_in_user(request)
    route = access_route_by_id(user, route_id, "edit")
    form = RouteForm(request.POST or None, initial={
        "name": route.name, "colour": route.colour, "office": route.office,
        "members": list(route.members.all()), "active": route.active})
    if request.method == "POST" and form.is_valid():
        try:
            services.route_update(actor=user, via=Via.WEB, route=route,
                                  values=form_values(form))
            messages.success(request, _("Route saved."))
            return redirect("scheduling:routes")
        except StageflowError as error:
            show_service_errors(form, error)
    return render(request, "web/scheduling/route_form.html", {"route": route, "form": form},
                  status=422 if form.errors else 200)


@login_required
def route_delete(request: HttpRequest, route_id: int) -> HttpResponse:
    user = signed_in_user(request)
    route = access_route_by_id(user, route_id, "delete")
    if request.method == "POST":
        services.route_delete(actor=user, via=Via.WEB, route=route)
        messages.success(request, _("Route deleted; its appointments are unassigned."))
        return redirect("scheduling:routes")
    return render(request, "web/confirm_delete.html", {
        "record": route, "kind": _("route"), "cancel_url": reverse("scheduling:routes")})


# Calendar feeds -----------------------------------------------------------------------------

def _feed_target(request: HttpRequest) -> dict[str, Any]:
    user = signed_in_user(request)
    target = request.POST.get("target", "me")
    if target.startswith("route-") and target[6:].isdigit():
        return {"route": access_route_by_id(user, int(target[6:]))}
    if target.startswith("user-") and target[5:].isdigit():
        person = assignable_users().filter(pk=int(target[5:])).first()
        if person is None:
            raise NotFound(_("No such user."))
        return {"user": person}
    return {"user": user}


@login_required
@require_POST
def feed_renew(request: HttpRequest) -> HttpResponse:
    try:
        services.calendar_feed_renew(actor=signed_in_user(request), via=Via.WEB,
                                     **_feed_target(request))
        messages.success(request, _("New calendar address made; the old one no longer works."))
    except StageflowError as error:
        messages.error(request, error.message)
    return redirect(reverse("scheduling:schedule") + "#feeds")


@login_required
@require_POST
def feed_revoke(request: HttpRequest) -> HttpResponse:
    try:
        services.calendar_feed_revoke(actor=signed_in_user(request), via=Via.WEB,
                                      **_feed_target(request))
        messages.success(request, _("Calendar address switched off."))
    except StageflowError as error:
        messages.error(request, error.message)
    return redirect(reverse("scheduling:schedule") + "#feeds")


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar document behind a secret address; calendar apps read it unsigned."""
    found = selectors.feed_by_token(token)
    if found is None:
        return HttpResponse(_("This calendar address is unknown or was switched off."),
                            status=404, content_type="text/plain; charset=utf-8")
    body = feed_document(found, selectors.feed_appointments(found), clock.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


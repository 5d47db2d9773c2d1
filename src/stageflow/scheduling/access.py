"""Who sees and changes which appointment and route: the one place that decides it.

An appointment is seen by whoever its own scope (owner, office) lets see it, by the person or
the route members it is assigned to, and by whoever may see the lead or opportunity it hangs
off (DESIGN "beyond the peers" #8). It is changed by whoever its scope lets edit it, or who may
edit that lead or opportunity. Routes are shared: everyone whose role grants any view of
routes sees them all; only a role that edits routes (the service manager) changes them.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from stageflow.core.errors import NotAllowed, NotFound
from stageflow.people import permissions
from stageflow.people.models import Scope, User
from stageflow.sales.access import may_record, records_for
from stageflow.scheduling.models import Appointment, Route


def appointments_for(user: User, action: str = "view") -> QuerySet[Appointment]:
    """The appointments `user` may see (action "view") or change (any other action)."""
    condition = permissions.scope_filter(user, "appointments", action)
    if condition is not None and not condition:
        return Appointment.objects.all()  # scope "all": an empty Q would vanish in an OR
    visible = condition if condition is not None else Q(pk__in=[])
    record_action = "view" if action == "view" else "edit"
    visible |= (Q(lead__in=records_for(user, "lead", record_action).values("pk"))
                | Q(opportunity__in=records_for(user, "opportunity", record_action)
                    .values("pk")))
    if action in ("view", "complete"):
        visible |= Q(assignee_id=user.pk) | Q(route__members=user.pk)
    # The route membership join can repeat a row; a subquery on ids keeps the list distinct.
    return Appointment.objects.filter(pk__in=Appointment.objects.filter(visible).values("pk"))


def may_appointment(user: User, action: str, appointment: Appointment) -> bool:
    """Whether `user` may perform `action` ("edit", "delete", "complete") on `appointment`."""
    base_action = "edit" if action == "complete" else action
    if permissions.may(user, "appointments", base_action, owner_id=appointment.owner_id,
                       office_id=appointment.office_id):
        return True
    for parent in (appointment.lead, appointment.opportunity):
        if parent is not None and may_record(user, "edit", parent):
            return True
    if action == "complete":
        return appointment.assignee_id == user.pk or (
            appointment.route is not None
            and appointment.route.members.filter(pk=user.pk).exists())
    return False


def ensure_may_appointment(user: User, action: str, appointment: Appointment) -> None:
    if not may_appointment(user, action, appointment):
        raise NotAllowed(permissions.refusal(action) if action != "complete" else _(
            "Only the person or route it is assigned to, or an editor, may complete this "
            "appointment."))


def access_appointment_by_id(user: User, appointment_id: int,
                             action: str = "view") -> Appointment:
    """The appointment if `user` may see it and perform `action`: 404 unseen, 403 seen."""
    appointment = appointments_for(user).select_related(
        "account", "contact", "lead", "opportunity", "route", "assignee", "owner").filter(
        pk=appointment_id).first()
    if appointment is None:
        raise NotFound(_("No such appointment."))
    if action != "view":
        ensure_may_appointment(user, action, appointment)
    return appointment


def routes_for(user: User, action: str = "view") -> QuerySet[Route]:
    if permissions.scope_for(user, "routes", action) == Scope.NONE:
        return Route.objects.none()
    return Route.objects.all()


def may_manage_routes(user: User) -> bool:
    return permissions.scope_for(user, "routes", "edit") != Scope.NONE


def ensure_may_route(user: User, action: str) -> None:
    if permissions.scope_for(user, "routes", action) == Scope.NONE:
        raise NotAllowed(permissions.refusal(action))


def access_route_by_id(user: User, route_id: int, action: str = "view") -> Route:
    route = routes_for(user).filter(pk=route_id).first()
    if route is None:
        raise NotFound(_("No such route."))
    ensure_may_route(user, action)
    return route


def may_plan(user: User) -> bool:
    """Whether `user` plans the whole schedule: rolls work over and sets "days out"."""
    return permissions.scope_for(user, "appointments", "edit") == Scope.ALL


def ensure_may_plan(user: User) -> None:
    if not may_plan(user):
        raise NotAllowed(_("Only a service manager or an administrator plans the schedule."))

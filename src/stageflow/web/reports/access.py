"""Who may open which report: a report covers the record types of its spec, and a user sees
it when they may view at least one of them (the figures are then scoped by the report)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from stageflow.core.errors import NotAllowed, NotFound
from stageflow.people import permissions
from stageflow.people.models import User
from stageflow.reports.base import REPORTS, ReportSpec
from stageflow.sales.access import PERMISSION_TYPES


def may_see_reports(user: User) -> bool:
    return any(permissions.may_at_all(user, name, "view") for name in PERMISSION_TYPES.values())


def viewable_kinds(user: User, spec: ReportSpec) -> tuple[str, ...]:
    """The spec's record types the user may view, in the spec's order. A report over other
    things (activities, say) counts as a sales report: it needs leads or opportunities."""
    kinds = tuple(kind for kind in spec.record_types
                  if kind in PERMISSION_TYPES
                  and permissions.may_at_all(user, PERMISSION_TYPES[kind], "view"))
    if kinds or any(kind in PERMISSION_TYPES for kind in spec.record_types):
        return kinds
    return spec.record_types if may_see_reports(user) else ()


def visible_reports(user: User) -> list[ReportSpec]:
    return [spec for spec in REPORTS.values() if viewable_kinds(user, spec)]


def access_report(user: User, key: str) -> tuple[ReportSpec, tuple[str, ...]]:
    """The spec and the record types the user may run it over: 404 for an unknown report,
    403 when the user may view none of its records."""
    spec = REPORTS.get(key)
    if spec is None:
        raise NotFound(_("No such report."))
    kinds = viewable_kinds(user, spec)
    if not kinds:
        raise NotAllowed(_("Your role does not let you see the records of this report."))
    return spec, kinds

"""Who sees what of the training pack.

Courses: the catalogue, read by whoever the "courses" record type lets view (everyone in the
built-in roles), changed by those it lets create, edit or delete (administrators).
Interests: whoever may see (change) the opportunity. Registrations: their own scope, never
wider than the opportunity's. Token issues: whoever may see (change) the account.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from stageflow.core.errors import NotAllowed, NotFound
from stageflow.packs.training.models import Course, Interest, Registration
from stageflow.people import permissions
from stageflow.people.models import Scope, User
from stageflow.sales.access import records_for
from stageflow.sales.models import Opportunity


def courses_for(user: User) -> QuerySet[Course]:
    if not permissions.may_at_all(user, "courses", "view"):
        return Course.objects.none()
    return Course.objects.all()


def may_course(user: User, action: str) -> bool:
    return permissions.may_at_all(user, "courses", action)


def ensure_may_course(user: User, action: str) -> None:
    if not may_course(user, action):
        raise NotAllowed(permissions.refusal(action))


def access_course_by_id(user: User, course_id: int, action: str = "view") -> Course:
    course = courses_for(user).filter(pk=course_id).first()
    if course is None:
        raise NotFound(_("No such course."))
    ensure_may_course(user, action)
    return course


def access_interest_by_id(user: User, opportunity: Opportunity, interest_id: int) -> Interest:
    """An interest of an opportunity the caller already holds (scope checked on it)."""
    interest = Interest.objects.select_related("course").filter(
        opportunity=opportunity, pk=interest_id).first()
    if interest is None:
        raise NotFound(_("No such interest."))
    return interest


def registrations_for(user: User, action: str = "view") -> QuerySet[Registration]:
    condition = permissions.scope_filter(user, "registrations", action)
    if condition is None:
        return Registration.objects.none()
    registrations = Registration.objects.filter(condition)
    if permissions.scope_for(user, "opportunities", "view") != Scope.ALL:
        registrations = registrations.filter(
            Q(opportunity__isnull=True)
            | Q(opportunity__in=records_for(user, "opportunity").values("pk")))
    return registrations


def access_registration_by_id(user: User, registration_id: int) -> Registration:
    registration = registrations_for(user).select_related("course", "contact").filter(
        pk=registration_id).first()
    if registration is None:
        raise NotFound(_("No such registration."))
    return registration

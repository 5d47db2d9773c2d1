"""Reads of the training pack shared by the API and the pages, in bounded queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from stageflow.accounts.models import Account
from stageflow.packs.training.access import courses_for, registrations_for
from stageflow.packs.training.models import Course, Interest, Registration, TokenIssue
from stageflow.people.models import User
from stageflow.sales.models import Opportunity


def course_list(user: User, *, q: str = "", active: bool | None = None) -> QuerySet[Course]:
    """The catalogue, searched by code, name or location, with each course's bookings."""
    courses = courses_for(user).annotate(registered=Count(
        "registrations", filter=Q(registrations__status=Registration.Status.REGISTERED)))
    if q.strip():
        text = q.strip()
        courses = courses.filter(Q(code__icontains=text) | Q(name__icontains=text)
                                 | Q(location__icontains=text))
    if active is not None:
        courses = courses.filter(active=active)
    # Spelled out (as Course.Meta): a query with an aggregate ignores the default ordering.
    return courses.order_by("starts_on", "code", "id")


def interests_of(opportunity: Opportunity) -> QuerySet[Interest]:
    return (Interest.objects.filter(opportunity=opportunity).select_related("course")
            .prefetch_related("students").order_by("id"))


def registration_list(user: User, *, course: Course | None = None,
                      opportunity: Opportunity | None = None, account: Account | None = None,
                      status: str = "") -> QuerySet[Registration]:
    registrations = registrations_for(user).select_related("course", "contact", "opportunity",
                                                           "account")
    if course is not None:
        registrations = registrations.filter(course=course)
    if opportunity is not None:
        registrations = registrations.filter(opportunity=opportunity)
    if account is not None:
        registrations = registrations.filter(account=account)
    if status:
        registrations = registrations.filter(status=status)
    return registrations


@dataclass(frozen=True)
class TokenAccount:
    issues: list[TokenIssue]
    balance: int


def training_tokens(account: Account) -> TokenAccount:
    """The account's token issues, newest first, and the tokens issued in all."""
    issues = list(TokenIssue.objects.filter(account=account).select_related("opportunity"))
    return TokenAccount(issues=issues, balance=sum(issue.quantity for issue in issues))

"""/api/v1/courses, /registrations, an opportunity's interests and an account's training
tokens: the training pack."""

import datetime as dt
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from stageflow.accounts.access import access_account_by_id, access_contact_by_id
from stageflow.accounts.models import Contact
from stageflow.api.common import Ref, caller, expected_version, ref
from stageflow.core.models import Via
from stageflow.packs.training import selectors, services
from stageflow.packs.training.access import (
    access_course_by_id,
    access_interest_by_id,
    access_registration_by_id,
)
from stageflow.packs.training.models import Course, Interest, Registration, TokenIssue
from stageflow.people.models import User
from stageflow.quotes.models import Estimate
from stageflow.sales.access import access_record_by_id
from stageflow.sales.models import Opportunity

router = Router(tags=["training"])


class CourseOut(Schema):
    id: int
    code: str
    name: str
    description: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    location: str
    price: Decimal
    capacity: int | None
    active: bool
    registered: int
    version: int

    @staticmethod
    def resolve_registered(course: Course) -> int:
        return getattr(course, "registered", None) or course.registrations.filter(
            status=Registration.Status.REGISTERED).count()


class CourseIn(Schema):
    code: str
    name: str
    description: str = ""
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    location: str = ""
    price: str | int | float = "0"
    capacity: int | None = None
    active: bool = True


class CourseUpdateIn(Schema):
    code: str | None = None
    name: str | None = None
    description: str | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    location: str | None = None
    price: str | int | float | None = None
    capacity: int | None = None
    active: bool | None = None
    version: int | None = None


class CourseFilters(Schema):
    q: str = ""
    active: bool | None = None


class InterestOut(Schema):
    id: int
    course: Ref
    number_of_students: int
    students: list[Ref]
    price: Decimal
    price_fixed: bool
    version: int

    @staticmethod
    def resolve_course(interest: Interest) -> dict[str, Any] | None:
        return ref(interest.course)

    @staticmethod
    def resolve_students(interest: Interest) -> list[dict[str, Any] | None]:
        return [ref(student) for student in interest.students.all()]


class InterestIn(Schema):
    """`price` defaults to the course price x the number of students."""

    course: int
    number_of_students: int | None = None
    students: list[int] = []
    price: str | int | float | None = None


class InterestUpdateIn(Schema):
    """`price: null` goes back to the course price x the number of students."""

    number_of_students: int | None = None
    students: list[int] | None = None
    price: str | int | float | None = None
    version: int | None = None


class EstimateCreatedOut(Schema):
    id: int
    number: str
    total: Decimal
    currency: str
    selected: bool


class RegistrationOut(Schema):
    id: int
    course: Ref
    student: Ref
    opportunity: Ref | None
    account: Ref | None
    status: str
    created_at: datetime

    @staticmethod
    def resolve_course(registration: Registration) -> dict[str, Any] | None:
        return ref(registration.course)

    @staticmethod
    def resolve_student(registration: Registration) -> dict[str, Any] | None:
        return ref(registration.contact)

    @staticmethod
    def resolve_opportunity(registration: Registration) -> dict[str, Any] | None:
        opportunity = registration.opportunity
        return None if opportunity is None else {"id": opportunity.pk, "name": opportunity.title}

    @staticmethod
    def resolve_account(registration: Registration) -> dict[str, Any] | None:
        return ref(registration.account)


class RegistrationFilters(Schema):
    course: int | None = None
    opportunity: int | None = None
    account: int | None = None
    status: str = ""


class TokenIssueOut(Schema):
    id: int
    quantity: int
    note: str
    issued_at: datetime
    opportunity: Ref | None

    @staticmethod
    def resolve_opportunity(issue: TokenIssue) -> dict[str, Any] | None:
        opportunity = issue.opportunity
        return None if opportunity is None else {"id": opportunity.pk, "name": opportunity.title}


class TrainingTokensOut(Schema):
    account: Ref
    balance: int
    issues: list[TokenIssueOut]


def _opportunity(user: User, opportunity_id: int, action: str = "view") -> Opportunity:
    record = access_record_by_id(user, "opportunity", opportunity_id, action)
    assert isinstance(record, Opportunity)
    return record


def _students(user: User, ids: list[int]) -> list[Contact]:
    return [access_contact_by_id(user, contact_id) for contact_id in dict.fromkeys(ids)]


# Courses -----------------------------------------------------------------------------------------

@router.get("/courses", response=list[CourseOut], operation_id="list_courses")
@paginate(LimitOffsetPagination)
def list_courses(request: HttpRequest, filters: Query[CourseFilters]) -> QuerySet[Course]:
    return selectors.course_list(caller(request), q=filters.q, active=filters.active)


@router.post("/courses", response={201: CourseOut}, operation_id="create_course")
def create_course(request: HttpRequest, payload: CourseIn) -> Status[Course]:
    course = services.course_create(actor=caller(request), via=Via.API,
                                    values=payload.model_dump())
    return Status(201, course)


@router.get("/courses/{course_id}", response=CourseOut, operation_id="get_course")
def get_course(request: HttpRequest, course_id: int) -> Course:
    return access_course_by_id(caller(request), course_id)


@router.patch("/courses/{course_id}", response=CourseOut, operation_id="update_course")
def update_course(request: HttpRequest, course_id: int, payload: CourseUpdateIn) -> Course:
    user = caller(request)
    values = payload.model_dump(exclude_unset=True)
    body_version = values.pop("version", None)
    return services.course_update(actor=user, via=Via.API,
                                  course=access_course_by_id(user, course_id, "edit"),
                                  values=values,
                                  expected_version=expected_version(request, body_version))


@router.delete("/courses/{course_id}", response={204: None}, operation_id="delete_course")
def delete_course(request: HttpRequest, course_id: int) -> Status[None]:
    user = caller(request)
    services.course_delete(actor=user, via=Via.API,
                           course=access_course_by_id(user, course_id, "delete"),
                           expected_version=expected_version(request, None))
    return Status(204, None)


# Interests ---------------------------------------------------------------------------------------

@router.get("/opportunities/{opportunity_id}/interests", response=list[InterestOut],
            operation_id="list_interests")
@paginate(LimitOffsetPagination)
def list_interests(request: HttpRequest, opportunity_id: int) -> QuerySet[Interest]:
    return selectors.interests_of(_opportunity(caller(request), opportunity_id))


@router.post("/opportunities/{opportunity_id}/interests", response={201: InterestOut},
             operation_id="create_interest")
def create_interest(request: HttpRequest, opportunity_id: int,
                    payload: InterestIn) -> Status[Interest]:
    user = caller(request)
    opportunity = _opportunity(user, opportunity_id, "edit")
    values = payload.model_dump(exclude={"course", "students"}, exclude_none=True)
    interest = services.interest_add(actor=user, via=Via.API, opportunity=opportunity,
                                     course=access_course_by_id(user, payload.course),
                                     values=values, students=_students(user, payload.students))
    return Status(201, interest)


@router.post("/opportunities/{opportunity_id}/interests/estimate",
             response={201: EstimateCreatedOut}, operation_id="create_interests_estimate")
def create_interests_estimate(request: HttpRequest, opportunity_id: int) -> Status[Estimate]:
    """The quotation generated from the interests: one line per course."""
    user = caller(request)
    estimate = services.estimate_from_interests(
        actor=user, via=Via.API, opportunity=_opportunity(user, opportunity_id, "edit"))
    return Status(201, estimate)


@router.patch("/opportunities/{opportunity_id}/interests/{interest_id}",
              response=InterestOut, operation_id="update_interest")
def update_interest(request: HttpRequest, opportunity_id: int, interest_id: int,
                    payload: InterestUpdateIn) -> Interest:
    user = caller(request)
    opportunity = _opportunity(user, opportunity_id, "edit")
    values = payload.model_dump(exclude_unset=True, exclude={"students", "version"})
    students = _students(user, payload.students) if payload.students is not None else None
    return services.interest_update(
        actor=user, via=Via.API, interest=access_interest_by_id(user, opportunity, interest_id),
        values=values, students=students,
        expected_version=expected_version(request, payload.version))


@router.delete("/opportunities/{opportunity_id}/interests/{interest_id}",
               response={204: None}, operation_id="delete_interest")
def delete_interest(request: HttpRequest, opportunity_id: int,
                    interest_id: int) -> Status[None]:
    user = caller(request)
    opportunity = _opportunity(user, opportunity_id, "edit")
    services.interest_remove(actor=user, via=Via.API,
                             interest=access_interest_by_id(user, opportunity, interest_id))
    return Status(204, None)


# Registrations and tokens ------------------------------------------------------------------------

@router.get("/registrations", response=list[RegistrationOut],
            operation_id="list_registrations")
@paginate(LimitOffsetPagination)
def list_registrations(request: HttpRequest,
                       filters: Query[RegistrationFilters]) -> QuerySet[Registration]:
    user = caller(request)
    return selectors.registration_list(
        user, status=filters.status,
        course=access_course_by_id(user, filters.course) if filters.course else None,
        opportunity=_opportunity(user, filters.opportunity) if filters.opportunity else None,
        account=access_account_by_id(user, filters.account) if filters.account else None)


@router.post("/registrations/{registration_id}/cancel", response=RegistrationOut,
             operation_id="cancel_registration")
def cancel_registration(request: HttpRequest, registration_id: int) -> Registration:
    user = caller(request)
    registration = access_registration_by_id(user, registration_id)
    return services.registration_cancel(actor=user, via=Via.API, registration=registration,
                                        expected_version=expected_version(request, None))


@router.get("/accounts/{account_id}/training-tokens", response=TrainingTokensOut,
            operation_id="get_training_tokens")
def get_training_tokens(request: HttpRequest, account_id: int) -> dict[str, Any]:
    account = access_account_by_id(caller(request), account_id)
    tokens = selectors.training_tokens(account)
    return {"account": ref(account), "balance": tokens.balance, "issues": tokens.issues}

"""Changes in the training pack: the course catalogue, an opportunity's interests, the
quotation made from them, registrations of the assigned students and training-token issues."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, ProtectedError
from django.utils.translation import gettext as _

from stageflow.accounts.models import Account, Contact
from stageflow.billing.lines import LineValues
from stageflow.core import clock, events
from stageflow.core.errors import Conflict, InvalidInput, NotAllowed, RuleRefused
from stageflow.core.history import record_history, snapshot
from stageflow.core.models import HistoryEntry, Via
from stageflow.core.money import MoneyError, as_decimal, round_money
from stageflow.core.records import (
    assign_values,
    check_version,
    save_created,
    save_updated,
    validate_record,
)
from stageflow.packs.training.access import ensure_may_course
from stageflow.packs.training.models import Course, Interest, Registration, TokenIssue
from stageflow.people import permissions
from stageflow.people.models import User
from stageflow.quotes.models import Estimate
from stageflow.quotes.services import LineInput, estimate_create
from stageflow.sales.access import ensure_may_record
from stageflow.sales.models import Opportunity, RecordContact
from stageflow.sales.services import record_contact_link

COURSE_FIELDS = ("code", "name", "description", "starts_on", "ends_on", "location", "price",
                 "capacity", "active")
INTEREST_FIELDS = ("course", "number_of_students", "price")
STUDENT_ROLE = "Student"
MAX_PRICE = Decimal("9999999999.99")


def _price(value: Any) -> Decimal:
    try:
        price = as_decimal(value, what=_("price"))
    except MoneyError as error:
        raise ValueError(str(error)) from None
    if price < 0 or price > MAX_PRICE:
        raise ValueError(_("Between 0 and %(max)s.") % {"max": MAX_PRICE})
    if price != round_money(price):
        raise ValueError(_("At most 2 decimals."))
    return round_money(price)


# Courses -------------------------------------------------------------------------------------

def _check_course(course: Course, errors: dict[str, str]) -> None:
    if course.starts_on and course.ends_on and course.ends_on < course.starts_on:
        errors.setdefault("ends_on", _("The end is before the start."))
    clash = Course.objects.filter(code__iexact=course.code).exclude(pk=course.pk).first()
    if course.code and clash is not None:
        errors.setdefault("code", _("Course %(course)s already has this code.")
                          % {"course": clash})
    validate_record(course, errors)


@transaction.atomic
def course_create(*, actor: User, via: Via, values: Mapping[str, Any]) -> Course:
    ensure_may_course(actor, "create")
    course = Course()
    errors: dict[str, str] = {}
    assign_values(course, values, editable=COURSE_FIELDS, normalisers={"price": _price},
                  errors=errors)
    _check_course(course, errors)
    save_created(course, actor=actor, via=via, fields=COURSE_FIELDS)
    return course


@transaction.atomic
def course_update(*, actor: User, via: Via, course: Course, values: Mapping[str, Any],
                  expected_version: int | None = None) -> Course:
    ensure_may_course(actor, "edit")
    course = Course.objects.select_for_update().get(pk=course.pk)
    check_version(course, expected_version)
    before = snapshot(course, COURSE_FIELDS)
    errors: dict[str, str] = {}
    assign_values(course, values, editable=COURSE_FIELDS, normalisers={"price": _price},
                  errors=errors)
    _check_course(course, errors)
    save_updated(course, before, actor=actor, via=via, fields=COURSE_FIELDS)
    return course


@transaction.atomic
def course_delete(*, actor: User, via: Via, course: Course,
                  expected_version: int | None = None) -> None:
    """Delete a course nobody is interested in or registered on; otherwise deactivate it."""
    ensure_may_course(actor, "delete")
    course = Course.objects.select_for_update().get(pk=course.pk)
    check_version(course, expected_version)
    # The history row needs the id, so it is written first; a refusal rolls both back.
    record_history(record=course, actor=actor, via=via, action=HistoryEntry.Action.DELETED,
                   summary=str(course))
    try:
        course.delete()
    except ProtectedError:
        raise Conflict(_("Course %(course)s has interests or registrations; make it inactive "
                         "instead.") % {"course": course}, code="in_use",
                       fields={"course": _("in use")}) from None


# Interests -----------------------------------------------------------------------------------

def _assign_students(*, actor: User, via: Via, interest: Interest,
                     students: Sequence[Contact]) -> None:
    """Assign the students, and put each on the opportunity (as "Student" when new there)."""
    if len({student.pk for student in students}) > interest.number_of_students:
        raise InvalidInput(
            _("%(count)s students are assigned to %(places)s places.")
            % {"count": len(students), "places": interest.number_of_students},
            fields={"students": _("more students than places")})
    interest.students.set(students)
    linked = set(RecordContact.objects.filter(opportunity=interest.opportunity).values_list(
        "contact_id", flat=True))
    for student in students:
        if student.pk not in linked:
            record_contact_link(actor=actor, via=via, record=interest.opportunity,
                                contact=student, role=STUDENT_ROLE)


def _set_interest_values(interest: Interest, values: Mapping[str, Any]) -> None:
    """Number and price; the price follows course price x students unless it was typed."""
    errors: dict[str, str] = {}
    assign_values(interest, {name: value for name, value in values.items() if name != "price"},
                  editable=("number_of_students",), normalisers={}, errors=errors)
    if "price" in values:
        if values["price"] in (None, ""):
            interest.price_fixed = False
        else:
            try:
                interest.price, interest.price_fixed = _price(values["price"]), True
            except ValueError as error:
                errors["price"] = str(error)
    validate_record(interest, errors, exclude=("opportunity", "course", "price"))
    if interest.number_of_students < 1:
        raise InvalidInput(_("At least one student."),
                           fields={"number_of_students": _("at least 1")})
    if not interest.price_fixed:
        interest.price = round_money(interest.course.price * interest.number_of_students)


@transaction.atomic
def interest_add(*, actor: User, via: Via, opportunity: Opportunity, course: Course,
                 values: Mapping[str, Any], students: Sequence[Contact] = ()) -> Interest:
    """Add a course the opportunity is interested in; the number of students defaults to the
    students assigned (at least one)."""
    ensure_may_record(actor, "edit", opportunity)
    if Interest.objects.filter(opportunity=opportunity, course=course).exists():
        raise Conflict(_("%(course)s is already among the interests; change its number of "
                         "students instead.") % {"course": course}, code="duplicate",
                       fields={"course": _("already added")})
    if not course.active:
        raise InvalidInput(_("Course %(course)s is no longer offered.") % {"course": course},
                           fields={"course": _("inactive")})
    interest = Interest(opportunity=opportunity, course=course,
                        number_of_students=max(1, len(students)))
    _set_interest_values(interest, values)
    interest.save()
    _assign_students(actor=actor, via=via, interest=interest, students=students)
    record_history(record=opportunity, actor=actor, via=via, action=HistoryEntry.Action.LINKED,
                   summary=_("Interest in %(interest)s added") % {"interest": interest})
    return interest


@transaction.atomic
def interest_update(*, actor: User, via: Via, interest: Interest, values: Mapping[str, Any],
                    students: Sequence[Contact] | None = None,
                    expected_version: int | None = None) -> Interest:
    ensure_may_record(actor, "edit", interest.opportunity)
    interest = Interest.objects.select_for_update(of=("self",)).select_related(
        "course", "opportunity").get(pk=interest.pk)
    check_version(interest, expected_version)
    before = snapshot(interest, INTEREST_FIELDS)
    _set_interest_values(interest, values)
    if students is None:
        students = list(interest.students.all())
    _assign_students(actor=actor, via=via, interest=interest, students=students)
    changes = save_updated(interest, before, actor=actor, via=via, fields=INTEREST_FIELDS)
    if changes:
        record_history(record=interest.opportunity, actor=actor, via=via,
                       action=HistoryEntry.Action.UPDATED,
                       summary=_("Interest %(interest)s changed") % {"interest": interest})
    return interest


@transaction.atomic
def interest_remove(*, actor: User, via: Via, interest: Interest) -> None:
    ensure_may_record(actor, "edit", interest.opportunity)
    label = str(interest)
    interest.delete()
    record_history(record=interest.opportunity, actor=actor, via=via,
                   action=HistoryEntry.Action.UNLINKED,
                   summary=_("Interest in %(interest)s removed") % {"interest": label})


def _interests(opportunity: Opportunity) -> list[Interest]:
    return list(Interest.objects.filter(opportunity=opportunity).select_related("course")
                .prefetch_related("students").order_by("id"))


def _quantity_and_price(interest: Interest) -> tuple[Decimal, Decimal]:
    """A line whose quantity x unit price is exactly the interest's price: students x the
    price per student when that divides evenly, else one line item at the whole price."""
    quantity = Decimal(interest.number_of_students)
    unit_price = interest.price / quantity
    if unit_price == round_money(unit_price):
        return quantity, round_money(unit_price)
    return Decimal(1), interest.price


def interest_lines(opportunity: Opportunity) -> list[LineValues]:
    """One priced line per interest: course code and name, students, price per student."""
    lines = []
    for interest in _interests(opportunity):
        quantity, unit_price = _quantity_and_price(interest)
        description = interest.course.name
        if interest.course.starts_on:
            description += f" ({interest.course.starts_on:%Y-%m-%d})"
        if quantity != interest.number_of_students:
            description += " – " + _("%(n)s students") % {"n": interest.number_of_students}
        per_student = quantity == interest.number_of_students
        lines.append(LineValues(description=description, quantity=quantity,
                                unit_price=unit_price, code=interest.course.code,
                                unit=str(_("student")) if per_student else ""))
    return lines


@transaction.atomic
def estimate_from_interests(*, actor: User, via: Via, opportunity: Opportunity) -> Estimate:
    """The quotation generated from the interests: one line per course; its total is the sum
    of the interest prices."""
    lines = interest_lines(opportunity)
    if not lines:
        raise RuleRefused(_("Add the courses of interest first."),
                          fields={"interests": _("none")})
    return estimate_create(
        actor=actor, via=via, opportunity=opportunity,
        title=_("Training for %(title)s") % {"title": opportunity.title},
        lines=[LineInput(description=line.description, quantity=line.quantity,
                         unit_price=line.unit_price, code=line.code, unit=line.unit)
               for line in lines])


# Registrations -------------------------------------------------------------------------------

def _check_capacity(wanted: Mapping[int, int], courses: Mapping[int, Course]) -> None:
    """Refuse the whole booking when a course would go over its capacity."""
    limited = [course_id for course_id in wanted if courses[course_id].capacity is not None]
    taken = dict(Registration.objects.filter(
        course_id__in=limited, status=Registration.Status.REGISTERED).values(
        "course_id").annotate(n=Count("id")).values_list("course_id", "n"))
    full = {}
    for course_id in limited:
        capacity = courses[course_id].capacity or 0
        if taken.get(course_id, 0) + wanted[course_id] > capacity:
            full[courses[course_id].code] = _("%(free)s of %(capacity)s places left") % {
                "free": max(0, capacity - taken.get(course_id, 0)), "capacity": capacity}
    if full:
        raise RuleRefused(_("Not enough places on: %(courses)s.") % {
            "courses": ", ".join(full)}, fields=full)


@transaction.atomic
def registrations_create(*, actor: User, via: Via,
                         opportunity: Opportunity) -> list[Registration]:
    """Register every student assigned to the opportunity's interests on its course. A
    student already registered through this opportunity is left as is; returns the new ones."""
    ensure_may_record(actor, "edit", opportunity)
    if not permissions.may(actor, "registrations", "create", owner_id=opportunity.owner_id,
                           office_id=opportunity.office_id):
        raise NotAllowed(permissions.refusal("create"))
    interests = _interests(opportunity)
    if not any(interest.students.all() for interest in interests):
        raise RuleRefused(
            _("No students are assigned to the interests of “%(title)s”.")
            % {"title": opportunity.title}, fields={"students": _("none assigned")})
    existing = set(Registration.objects.filter(opportunity=opportunity).values_list(
        "course_id", "contact_id"))
    new = [Registration(course=interest.course, contact=student, opportunity=opportunity,
                        account=opportunity.account, owner_id=opportunity.owner_id,
                        office_id=opportunity.office_id, created_by=actor)
           for interest in interests for student in interest.students.all()
           if (interest.course_id, student.pk) not in existing]
    wanted: dict[int, int] = {}
    for registration in new:
        wanted[registration.course_id] = wanted.get(registration.course_id, 0) + 1
    _check_capacity(wanted, {interest.course_id: interest.course for interest in interests})
    for registration in new:
        save_created(registration, actor=actor, via=via, fields=("course", "contact", "status"))
    if new:
        events.emit("registrations.created", record_id=opportunity.pk,
                    registration_ids=[registration.pk for registration in new],
                    actor_id=actor.pk, via=via)
    return new


@transaction.atomic
def registration_cancel(*, actor: User, via: Via, registration: Registration,
                        expected_version: int | None = None) -> Registration:
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if not permissions.may(actor, "registrations", "edit", owner_id=registration.owner_id,
                           office_id=registration.office_id):
        raise NotAllowed(permissions.refusal("edit"))
    check_version(registration, expected_version)
    before = snapshot(registration, ("status",))
    registration.status = Registration.Status.CANCELLED
    save_updated(registration, before, actor=actor, via=via, fields=("status",))
    return registration


# Training tokens -----------------------------------------------------------------------------

def students_wanted(opportunity: Opportunity) -> int:
    return sum(interest.number_of_students for interest in _interests(opportunity))


@transaction.atomic
def token_issue_create(*, actor: User, via: Via, account: Account, quantity: int,
                       opportunity: Opportunity | None = None, note: str = "") -> TokenIssue:
    """Issue training tokens to an account (at most one issue per opportunity)."""
    if not permissions.may(actor, "accounts", "edit", owner_id=account.owner_id,
                           office_id=account.office_id):
        raise NotAllowed(permissions.refusal("edit"))
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise InvalidInput(_("At least one token."), fields={"quantity": _("at least 1")})
    if opportunity is not None and TokenIssue.objects.filter(opportunity=opportunity).exists():
        raise Conflict(_("Tokens were already issued for “%(title)s”.")
                       % {"title": opportunity.title}, code="duplicate",
                       fields={"opportunity": _("already issued")})
    issue = TokenIssue(account=account, opportunity=opportunity, quantity=quantity,
                       note=note.strip()[:200], issued_at=clock.now(), created_by=actor)
    save_created(issue, actor=actor, via=via, fields=("quantity", "note"))
    record_history(record=account, actor=actor, via=via, action=HistoryEntry.Action.LINKED,
                   summary=_("%(n)s training tokens issued") % {"n": quantity})
    return issue

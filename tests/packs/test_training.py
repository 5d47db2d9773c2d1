"""The training pack (seed 002, S3 steps 11 and 15): courses, interests, the quotation made
from them, and what the won transition T5 creates — registrations, an invoice, tokens."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from stageflow.accounts.models import Account, Contact
from stageflow.automation.models import Firing
from stageflow.automation.services import rule_save
from stageflow.billing.models import Invoice
from stageflow.core.errors import Conflict, InvalidInput, NotAllowed, RuleRefused
from stageflow.core.models import Via
from stageflow.packs.training import selectors, services
from stageflow.packs.training.models import Course, Interest, Registration, TokenIssue
from stageflow.people import permissions
from stageflow.sales import services as sales
from stageflow.sales.models import Opportunity, RecordContact


@pytest.fixture
def course_a(admin) -> Course:
    return services.course_create(actor=admin, via=Via.API, values={
        "code": "A-101", "name": "Course A", "price": "450.00",
        "starts_on": dt.date(2026, 5, 4), "ends_on": dt.date(2026, 5, 6), "location": "Leeds"})


@pytest.fixture
def course_b(admin) -> Course:
    return services.course_create(actor=admin, via=Via.API, values={
        "code": "B-201", "name": "Course B", "price": "1200.00", "capacity": 5})


@pytest.fixture
def acme(make_account, sales_north) -> Account:
    return make_account(sales_north, "Acme Training")


@pytest.fixture
def students(make_contact, sales_north) -> list[Contact]:
    return [make_contact(sales_north, name, first_name=first)
            for first, name in (("Ann", "Lee"), ("Bo", "Ray"), ("Cy", "Tan"))]


@pytest.fixture
def sale(training, sales_north, acme) -> Opportunity:
    record = sales.record_create(actor=sales_north, via=Via.API, kind="opportunity",
                                 values={"title": "Acme – onboarding", "account": acme.pk})
    assert isinstance(record, Opportunity)
    return record


@pytest.fixture
def interested(sale, sales_north, course_a, course_b, students) -> Opportunity:
    """S3 step 11: Course A x 2 students and Course B x 1 student, students assigned."""
    services.interest_add(actor=sales_north, via=Via.API, opportunity=sale, course=course_a,
                          values={}, students=students[:2])
    services.interest_add(actor=sales_north, via=Via.API, opportunity=sale, course=course_b,
                          values={}, students=students[2:])
    return sale


def _to_payment_confirmed(record: Opportunity, actor) -> Opportunity:
    for transition, values in [("T2", {}), ("T3", {}), ("T4", {"po_number": "PO-77"})]:
        record = sales.record_transition(actor=actor, via=Via.API, record=record,
                                         transition=transition, values=values)
    return record


# Courses --------------------------------------------------------------------------------------

def test_everyone_reads_the_catalogue_and_only_administrators_change_it(
        course_a, sales_north, office_north, admin):
    assert list(selectors.course_list(sales_north, q="leeds")) == [course_a]
    assert permissions.may_at_all(office_north, "courses", "view")

    with pytest.raises(NotAllowed):
        services.course_create(actor=sales_north, via=Via.API,
                               values={"code": "X", "name": "X", "price": "1"})
    with pytest.raises(NotAllowed):
        services.course_update(actor=office_north, via=Via.API, course=course_a,
                               values={"price": "1"})

    assert Course.objects.count() == 1
    course_a.refresh_from_db()
    assert course_a.price == Decimal("450.00")


def test_course_input_is_checked_field_by_field(admin, course_a):
    with pytest.raises(InvalidInput) as refused:
        services.course_create(actor=admin, via=Via.API, values={
            "code": "a-101", "name": "", "price": 10.5,
            "starts_on": dt.date(2026, 5, 4), "ends_on": dt.date(2026, 5, 1)})

    assert set(refused.value.fields) == {"code", "name", "price", "ends_on"}
    assert Course.objects.count() == 1


def test_a_course_in_use_is_not_deleted(interested, admin, course_a):
    with pytest.raises(Conflict):
        services.course_delete(actor=admin, via=Via.API, course=course_a)

    assert Course.objects.filter(pk=course_a.pk).exists()


# Interests ------------------------------------------------------------------------------------

def test_an_interest_is_priced_per_student_and_puts_the_students_on_the_opportunity(
        interested, students):
    interests = list(selectors.interests_of(interested))

    assert [(i.course.code, i.number_of_students, i.price) for i in interests] == [
        ("A-101", 2, Decimal("900.00")), ("B-201", 1, Decimal("1200.00"))]
    assert list(interests[0].students.all()) == students[:2]
    roles = dict(RecordContact.objects.filter(opportunity=interested).values_list(
        "contact__last_name", "role"))
    assert roles == {"Lee": "Student", "Ray": "Student", "Tan": "Student"}


def test_a_typed_price_stays_until_it_is_cleared(interested, sales_north):
    interest = Interest.objects.get(opportunity=interested, course__code="A-101")

    interest = services.interest_update(actor=sales_north, via=Via.API, interest=interest,
                                        values={"price": "800.00", "number_of_students": 3})
    assert (interest.price, interest.price_fixed) == (Decimal("800.00"), True)

    interest = services.interest_update(actor=sales_north, via=Via.API, interest=interest,
                                        values={"price": None})
    assert (interest.price, interest.price_fixed) == (Decimal("1350.00"), False)


def test_more_students_than_places_is_refused_and_nothing_changes(interested, sales_north,
                                                                  students):
    interest = Interest.objects.get(opportunity=interested, course__code="B-201")

    with pytest.raises(InvalidInput) as refused:
        services.interest_update(actor=sales_north, via=Via.API, interest=interest,
                                 values={}, students=students)

    assert set(refused.value.fields) == {"students"}
    assert list(interest.students.all()) == students[2:]


def test_a_course_is_added_once_and_only_while_offered(interested, sales_north, course_a,
                                                       admin):
    with pytest.raises(Conflict):
        services.interest_add(actor=sales_north, via=Via.API, opportunity=interested,
                              course=course_a, values={})
    retired = services.course_create(actor=admin, via=Via.API, values={
        "code": "OLD", "name": "Retired", "price": "1", "active": False})
    with pytest.raises(InvalidInput):
        services.interest_add(actor=sales_north, via=Via.API, opportunity=interested,
                              course=retired, values={})

    assert Interest.objects.filter(opportunity=interested).count() == 2


def test_interests_follow_the_opportunitys_scope(interested, sales_south, course_a):
    with pytest.raises(NotAllowed):
        services.interest_add(actor=sales_south, via=Via.API, opportunity=interested,
                              course=course_a, values={})


def test_the_quotation_from_the_interests_totals_their_prices(interested, sales_north):
    """S3 step 11."""
    estimate = services.estimate_from_interests(actor=sales_north, via=Via.API,
                                                opportunity=interested)

    lines = list(estimate.lines.values_list("code", "quantity", "unit_price", "net_amount"))
    assert lines == [("A-101", Decimal("2.000"), Decimal("450.00"), Decimal("900.00")),
                     ("B-201", Decimal("1.000"), Decimal("1200.00"), Decimal("1200.00"))]
    assert estimate.total == sum(i.price for i in Interest.objects.filter(
        opportunity=interested)) == Decimal("2100.00")


def test_a_price_that_does_not_divide_by_the_students_is_one_line(sale, sales_north, course_a):
    services.interest_add(actor=sales_north, via=Via.API, opportunity=sale, course=course_a,
                          values={"number_of_students": 3, "price": "1000.00"})

    (line,) = services.interest_lines(sale)

    assert (line.quantity, line.unit_price, line.net) == (
        Decimal(1), Decimal("1000.00"), Decimal("1000.00"))
    assert "3 students" in line.description


def test_no_quotation_without_interests(sale, sales_north):
    with pytest.raises(RuleRefused):
        services.estimate_from_interests(actor=sales_north, via=Via.API, opportunity=sale)


# Registrations and tokens -----------------------------------------------------------------

def test_registrations_are_made_once_per_student_and_course(interested, sales_north):
    first = services.registrations_create(actor=sales_north, via=Via.API,
                                          opportunity=interested)
    again = services.registrations_create(actor=sales_north, via=Via.API,
                                          opportunity=interested)

    assert sorted((r.course.code, r.contact.last_name) for r in first) == [
        ("A-101", "Lee"), ("A-101", "Ray"), ("B-201", "Tan")]
    assert again == []
    assert Registration.objects.count() == 3


def test_a_full_course_refuses_the_whole_booking(interested, sales_north, admin, course_a):
    services.course_update(actor=admin, via=Via.API, course=course_a, values={"capacity": 1})

    with pytest.raises(RuleRefused) as refused:
        services.registrations_create(actor=sales_north, via=Via.API, opportunity=interested)

    assert refused.value.fields == {"A-101": "1 of 1 places left"}
    assert not Registration.objects.exists()


def test_registrations_need_assigned_students(sale, sales_north, course_a):
    services.interest_add(actor=sales_north, via=Via.API, opportunity=sale, course=course_a,
                          values={"number_of_students": 4})

    with pytest.raises(RuleRefused):
        services.registrations_create(actor=sales_north, via=Via.API, opportunity=sale)


def test_token_issues_and_the_balance(acme, sales_north, interested):
    services.token_issue_create(actor=sales_north, via=Via.API, account=acme, quantity=3,
                                opportunity=interested)
    services.token_issue_create(actor=sales_north, via=Via.API, account=acme, quantity=2)

    with pytest.raises(Conflict):
        services.token_issue_create(actor=sales_north, via=Via.API, account=acme, quantity=1,
                                    opportunity=interested)
    with pytest.raises(InvalidInput):
        services.token_issue_create(actor=sales_north, via=Via.API, account=acme, quantity=0)

    tokens = selectors.training_tokens(acme)
    assert ([issue.quantity for issue in tokens.issues], tokens.balance) == ([2, 3], 5)


# Transition T5 and rules ------------------------------------------------------------------

def test_t5_registers_the_students_invoices_and_issues_tokens(interested, sales_north, acme):
    """S3 step 15, with the quotation of step 11 as the selected estimate."""
    estimate = services.estimate_from_interests(actor=sales_north, via=Via.API,
                                                opportunity=interested)
    record = _to_payment_confirmed(interested, sales_north)

    record = sales.record_transition(actor=sales_north, via=Via.API, record=record,
                                     transition="T5")

    assert (record.step, record.status) == ("won", "won")
    firing = Firing.objects.get(source="transition:T5")
    assert firing.outcome == "done", firing.error
    per_course = {code: sorted(Registration.objects.filter(course__code=code).values_list(
        "contact__last_name", flat=True)) for code in ("A-101", "B-201")}
    assert per_course == {"A-101": ["Lee", "Ray"], "B-201": ["Tan"]}
    invoice = Invoice.objects.get()
    assert (invoice.opportunity, invoice.account, invoice.estimate, invoice.status) == (
        record, acme, estimate, "draft")
    assert invoice.total == Decimal("2100.00")
    issue = TokenIssue.objects.get()
    assert (issue.account, issue.quantity, issue.opportunity) == (acme, 3, record)


def test_t5_without_a_quotation_invoices_the_interests(interested, sales_north):
    record = _to_payment_confirmed(interested, sales_north)

    sales.record_transition(actor=sales_north, via=Via.API, record=record, transition="T5")

    invoice = Invoice.objects.get()
    assert invoice.estimate is None
    assert list(invoice.lines.values_list("code", "quantity", "net_amount")) == [
        ("A-101", Decimal("2.000"), Decimal("900.00")),
        ("B-201", Decimal("1.000"), Decimal("1200.00"))]


def test_t5_without_students_fails_its_triggers_as_a_whole_but_still_wins(sale, sales_north,
                                                                          course_a):
    services.interest_add(actor=sales_north, via=Via.API, opportunity=sale, course=course_a,
                          values={"number_of_students": 2})
    record = _to_payment_confirmed(sale, sales_north)

    record = sales.record_transition(actor=sales_north, via=Via.API, record=record,
                                     transition="T5")

    assert record.status == "won"
    firing = Firing.objects.get(source="transition:T5")
    assert firing.outcome == "failed"
    assert "No students are assigned" in firing.error
    assert not Registration.objects.exists()
    assert not Invoice.objects.exists()
    assert not TokenIssue.objects.exists()


def test_token_issue_needs_an_account(training, admin, sales_north, course_a, students):
    rule_save(actor=admin, values={
        "key": "tokens", "name": "Tokens on win", "event": "opportunity.won",
        "actions": [{"action": "create_token_issue", "params": {"quantity": 4}}]})
    record = sales.record_create(actor=sales_north, via=Via.API, kind="opportunity",
                                 values={"title": "No account"})

    sales.record_force_to_stage(actor=admin, via=Via.API, record=record, stage="won")

    firing = Firing.objects.get(source="rule:tokens")
    assert (firing.outcome, "has no account" in firing.error) == ("failed", True)
    assert not TokenIssue.objects.exists()


def test_a_token_rule_with_a_fixed_quantity_and_bad_params(training, admin, interested):
    with pytest.raises(InvalidInput) as refused:
        rule_save(actor=admin, values={
            "key": "bad", "name": "Bad", "event": "opportunity.won",
            "actions": [{"action": "create_token_issue", "params": {"quantity": "ten"}}]})
    assert set(refused.value.fields) == {"actions.1.quantity"}

    rule_save(actor=admin, values={
        "key": "tokens", "name": "Tokens on win", "event": "opportunity.won",
        "actions": [{"action": "create_token_issue", "params": {"quantity": 10}}]})
    sales.record_force_to_stage(actor=admin, via=Via.API, record=interested, stage="won")

    assert TokenIssue.objects.get().quantity == 10


def test_the_training_pack_registers_its_actions_and_record_types():
    from stageflow.automation.actions import ACTIONS
    from stageflow.billing.sources import LINE_SOURCES

    assert {"create_registration", "create_token_issue"} <= set(ACTIONS)
    assert "interests" in LINE_SOURCES
    assert {"courses", "registrations"} <= set(permissions.RECORD_TYPES)


def test_the_training_presets_win_transition_runs_the_same_triggers(
        admin, sales_north, acme, course_a, students):
    from stageflow.pipelines.services import preset_install

    preset_install(actor=admin, via=Via.CLI, key="training")
    record = sales.record_create(actor=sales_north, via=Via.API, kind="opportunity",
                                 pipeline_key="training_opportunities",
                                 values={"title": "Preset sale", "account": acme.pk})
    services.interest_add(actor=sales_north, via=Via.API, opportunity=record, course=course_a,
                          values={}, students=students[:2])
    for transition, values in [("send_proposal", {}), ("accept_proposal", {}),
                               ("confirm_payment_details", {"po_number": "PO-9"}),
                               ("win", {})]:
        record = sales.record_transition(actor=sales_north, via=Via.API, record=record,
                                         transition=transition, values=values)

    assert Firing.objects.get(source="transition:win").outcome == "done"
    assert Registration.objects.filter(opportunity=record).count() == 2
    assert Invoice.objects.get(opportunity=record).total == Decimal("900.00")
    assert TokenIssue.objects.get(opportunity=record).quantity == 2

"""The course catalogue, the Interests tab of an opportunity, the Training tokens tab of an
account, and the registrations list."""

from __future__ import annotations

import pytest
from django.test import Client

from stageflow.core.models import Via
from stageflow.packs.training import services
from stageflow.packs.training.models import Course, Interest
from stageflow.quotes.models import Estimate
from stageflow.sales import services as sales
from stageflow.sales.models import Opportunity

HTMX = {"HX-Request": "true"}


@pytest.fixture
def course(admin) -> Course:
    return services.course_create(actor=admin, via=Via.API, values={
        "code": "A-101", "name": "Course <b>A</b>", "price": "450.00", "capacity": 10})


@pytest.fixture
def acme(make_account, sales_north):
    return make_account(sales_north, "Acme Training")


@pytest.fixture
def sale(training, sales_north, acme) -> Opportunity:
    record = sales.record_create(actor=sales_north, via=Via.API, kind="opportunity",
                                 values={"title": "Acme onboarding", "account": acme.pk})
    assert isinstance(record, Opportunity)
    return record


@pytest.fixture
def student(make_contact, sales_north, sale):
    contact = make_contact(sales_north, "Lee", first_name="Ann")
    sales.record_contact_link(actor=sales_north, via=Via.API, record=sale, contact=contact,
                              role="Student")
    return contact


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_administrator_adds_and_edits_a_course(admin):
    client = _client(admin)

    bad = client.post("/courses/new/", {"code": "B-1", "name": "Course B", "price": "1.001"})
    created = client.post("/courses/new/", {"code": "B-1", "name": "Course B", "price": "99",
                                            "active": "on"})
    course = Course.objects.get()
    edited = client.post(f"/courses/{course.pk}/edit/", {
        "code": "B-1", "name": "Course B+", "price": "120", "active": "on", "version": 1})

    assert "At most 2 decimals." in bad.content.decode()
    assert created["Location"] == f"/courses/{course.pk}/"
    assert edited.status_code == 302
    course.refresh_from_db()
    assert (course.name, str(course.price), course.version) == ("Course B+", "120.00", 2)


def test_everyone_searches_the_catalogue_in_bounded_queries(
        course, sales_north, admin, django_assert_max_num_queries):
    for number in range(5):
        services.course_create(actor=admin, via=Via.API, values={
            "code": f"X-{number}", "name": f"Extra {number}", "price": "1"})
    client = _client(sales_north)

    with django_assert_max_num_queries(15):
        everything = client.get("/courses/").content.decode()
    found = client.get("/courses/", {"q": "a-10"}).content.decode()

    assert everything.count("/courses/") >= 6
    assert "Course &lt;b&gt;A&lt;/b&gt;" in found
    assert "Extra 1" not in found
    assert "New course" not in everything
    assert client.get("/courses/new/").status_code == 403
    assert client.get(f"/courses/{course.pk}/edit/").status_code == 403


def test_deleting_a_course_asks_first_and_refuses_one_in_use(admin, course, sale,
                                                             sales_north):
    services.interest_add(actor=sales_north, via=Via.API, opportunity=sale, course=course,
                          values={})
    client = _client(admin)

    asked = client.get(f"/courses/{course.pk}/delete/").content.decode()
    refused = client.post(f"/courses/{course.pk}/delete/").content.decode()

    assert "Yes, delete it" in asked
    assert "make it inactive instead" in refused
    assert Course.objects.filter(pk=course.pk).exists()


def test_the_interests_tab_adds_changes_and_removes_courses(sales_north, sale, course,
                                                            student):
    client = _client(sales_north)
    base = f"/courses/interests/opportunity/{sale.pk}/"

    empty = client.get(base, headers=HTMX).content.decode()
    added = client.post(base + "add/", {"course": course.pk, "students": [student.pk]},
                        headers=HTMX).content.decode()
    interest = Interest.objects.get()
    changed = client.post(f"{base}{interest.pk}/", {"number_of_students": "3", "price": "",
                                                    "students": [student.pk]},
                          headers=HTMX).content.decode()
    quoted = client.post(base + "quotation/", headers=HTMX).content.decode()
    removed = client.post(f"{base}{interest.pk}/remove/", headers=HTMX).content.decode()

    assert "No courses of interest yet." in empty
    assert "Ann Lee" in empty
    assert "USD 450.00" in added
    assert "USD 1350.00" in changed
    estimate = Estimate.objects.get()
    assert f"Quotation {estimate.number} created from the interests" in quoted
    assert estimate.total == 1350
    assert "Interest removed." in removed
    assert not Interest.objects.exists()


def test_interest_errors_are_shown_and_nothing_is_written(sales_north, sale, course, student):
    client = _client(sales_north)
    base = f"/courses/interests/opportunity/{sale.pk}/"
    client.post(base + "add/", {"course": course.pk})

    page = client.post(base + "add/", {"course": course.pk}, headers=HTMX).content.decode()

    assert "already among the interests" in page
    assert Interest.objects.count() == 1


def test_the_interests_tab_without_javascript_and_outside_the_scope(sales_north, sales_south,
                                                                    sale, course):
    page = _client(sales_north).get(f"/courses/interests/opportunity/{sale.pk}/")
    outsider = _client(sales_south)

    assert "<nav aria-label=\"breadcrumb\">" in page.content.decode()
    assert outsider.get(f"/courses/interests/opportunity/{sale.pk}/").status_code == 404
    assert outsider.post(f"/courses/interests/opportunity/{sale.pk}/add/",
                         {"course": course.pk}).status_code == 404
    assert not Interest.objects.exists()


def test_the_course_page_lists_its_registrations(admin, sales_north, sale, course, student,
                                                django_assert_max_num_queries):
    services.interest_add(actor=sales_north, via=Via.API, opportunity=sale, course=course,
                          values={}, students=[student])
    services.registrations_create(actor=sales_north, via=Via.API, opportunity=sale)
    client = _client(admin)

    with django_assert_max_num_queries(15):
        page = client.get(f"/courses/{course.pk}/?tab=registrations").content.decode()
    listed = client.get("/registrations/", {"course": course.pk}).content.decode()

    assert "1 student booked" in page
    assert "Ann Lee" in page
    assert "Ann Lee" in listed


def test_the_training_tokens_tab(sales_north, acme, sale):
    services.token_issue_create(actor=sales_north, via=Via.API, account=acme, quantity=3,
                                opportunity=sale)

    page = _client(sales_north).get(f"/courses/tokens/account/{acme.pk}/",
                                    headers=HTMX).content.decode()

    assert "3 tokens issued" in page
    assert "Acme onboarding" in page


def test_training_tabs_appear_only_where_courses_are_sold(sales_north, sale, acme, admin):
    client = _client(sales_north)
    assert "?tab=interests" not in client.get(f"/opportunities/{sale.pk}/").content.decode()

    services.course_create(actor=admin, via=Via.API, values={
        "code": "A", "name": "A", "price": "1"})

    assert "?tab=interests" in client.get(f"/opportunities/{sale.pk}/").content.decode()
    assert "?tab=training-tokens" in client.get(f"/accounts/{acme.pk}/").content.decode()

"""/api/v1/courses, interests, the quotation from them, /registrations and training tokens."""

from __future__ import annotations

import pytest

from stageflow.core.models import Via
from stageflow.packs.training import services
from stageflow.packs.training.models import Course, Interest
from stageflow.sales import services as sales
from stageflow.sales.models import Opportunity


@pytest.fixture
def course(admin) -> Course:
    return services.course_create(actor=admin, via=Via.API, values={
        "code": "A-101", "name": "Course A", "price": "450.00", "location": "Leeds"})


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
def student(make_contact, sales_north):
    return make_contact(sales_north, "Lee", first_name="Ann")


# Courses -----------------------------------------------------------------------------------------

def test_administrators_manage_the_catalogue(api_as, admin):
    client = api_as(admin)

    created = client.post("/courses", {"code": "B-1", "name": "Course B", "price": "99.50",
                                       "capacity": 12, "starts_on": "2026-06-01"})
    course_id = created.json()["id"]
    changed = client.patch(f"/courses/{course_id}", {"price": "120"}, headers={"If-Match": "1"})
    stale = client.patch(f"/courses/{course_id}", {"price": "130", "version": 1})
    deleted = client.delete(f"/courses/{course_id}")

    assert created.status_code == 201
    assert created.json()["price"] == "99.50"
    assert (changed.json()["price"], changed.json()["version"]) == ("120.00", 2)
    assert stale.status_code == 409
    assert deleted.status_code == 204
    assert not Course.objects.exists()


def test_everyone_reads_and_searches_the_catalogue_but_may_not_change_it(
        api_as, sales_north, office_north, course, django_assert_max_num_queries):
    client = api_as(sales_north)

    with django_assert_max_num_queries(6):
        found = client.get("/courses", q="leed")

    assert [item["code"] for item in found.json()["items"]] == ["A-101"]
    assert client.get("/courses", q="nothing").json()["count"] == 0
    assert client.post("/courses", {"code": "X", "name": "X"}).status_code == 403
    assert api_as(office_north).patch(f"/courses/{course.pk}",
                                      {"price": "1"}).status_code == 403
    assert client.delete(f"/courses/{course.pk}").status_code == 403
    assert client.get("/courses/999").status_code == 404
    assert api_as(None).get("/courses").status_code == 401


def test_bad_course_input_names_each_field(api_as, admin, course):
    response = api_as(admin).post("/courses", {"code": "A-101", "name": "Dup", "price": "x"})

    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"code", "price"}


def test_a_course_in_use_is_a_409_on_delete(api_as, admin, sales_north, sale, course):
    services.interest_add(actor=sales_north, via=Via.API, opportunity=sale, course=course,
                          values={})

    assert api_as(admin).delete(f"/courses/{course.pk}").status_code == 409


# Interests and the quotation ---------------------------------------------------------------------

def test_interests_are_added_changed_and_removed(api_as, sales_north, sale, course, student):
    client = api_as(sales_north)
    url = f"/opportunities/{sale.pk}/interests"

    added = client.post(url, {"course": course.pk, "number_of_students": 2,
                              "students": [student.pk]})
    interest_id = added.json()["id"]
    changed = client.patch(f"{url}/{interest_id}", {"number_of_students": 3})
    typed = client.patch(f"{url}/{interest_id}", {"price": "1000.00"})
    listed = client.get(url)
    removed = client.delete(f"{url}/{interest_id}")

    assert added.status_code == 201
    assert (added.json()["price"], added.json()["students"]) == (
        "900.00", [{"id": student.pk, "name": str(student)}])
    assert changed.json()["price"] == "1350.00"
    assert (typed.json()["price"], typed.json()["price_fixed"]) == ("1000.00", True)
    assert listed.json()["count"] == 1
    assert removed.status_code == 204
    assert not Interest.objects.exists()


def test_interest_errors(api_as, sales_north, sale, course, student):
    client = api_as(sales_north)
    url = f"/opportunities/{sale.pk}/interests"
    client.post(url, {"course": course.pk})

    duplicate = client.post(url, {"course": course.pk})
    unknown_course = client.post(url, {"course": 999})
    too_many = client.patch(f"{url}/{Interest.objects.get().pk}",
                            {"number_of_students": 0})

    assert duplicate.status_code == 409
    assert unknown_course.status_code == 404
    assert too_many.status_code == 422
    assert client.patch(f"{url}/999", {"number_of_students": 2}).status_code == 404


def test_interests_follow_the_opportunitys_scope(api_as, sales_south, sale, course):
    client = api_as(sales_south)
    url = f"/opportunities/{sale.pk}/interests"

    assert client.get(url).status_code == 404
    assert client.post(url, {"course": course.pk}).status_code == 404
    assert client.post(url + "/estimate").status_code == 404


def test_the_quotation_from_the_interests(api_as, sales_north, sale, course, admin):
    other = services.course_create(actor=admin, via=Via.API, values={
        "code": "B-201", "name": "Course B", "price": "1200.00"})
    client = api_as(sales_north)
    url = f"/opportunities/{sale.pk}/interests"
    client.post(url, {"course": course.pk, "number_of_students": 2})
    client.post(url, {"course": other.pk})

    response = client.post(url + "/estimate")

    assert response.status_code == 201
    assert response.json()["total"] == "2100.00"
    assert client.post(f"/opportunities/{sale.pk}/orders").status_code == 405


def test_no_quotation_without_interests(api_as, sales_north, sale):
    response = api_as(sales_north).post(f"/opportunities/{sale.pk}/interests/estimate")

    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"interests": "none"}


# Registrations and tokens ------------------------------------------------------------------------

def test_registrations_list_by_course_and_opportunity(api_as, sales_north, sales_south, sale,
                                                      course, student,
                                                      django_assert_max_num_queries):
    services.interest_add(actor=sales_north, via=Via.API, opportunity=sale, course=course,
                          values={}, students=[student])
    services.registrations_create(actor=sales_north, via=Via.API, opportunity=sale)
    client = api_as(sales_north)

    with django_assert_max_num_queries(8):
        by_course = client.get("/registrations", course=course.pk)
    by_sale = client.get("/registrations", opportunity=sale.pk)
    registration_id = by_course.json()["items"][0]["id"]
    cancelled = client.post(f"/registrations/{registration_id}/cancel")

    assert by_course.json()["items"][0]["student"] == {"id": student.pk, "name": str(student)}
    assert by_sale.json()["count"] == 1
    assert cancelled.json()["status"] == "cancelled"
    assert api_as(sales_south).get("/registrations").json()["count"] == 0
    assert api_as(sales_south).post(
        f"/registrations/{registration_id}/cancel").status_code == 404


def test_training_tokens_of_an_account(api_as, sales_north, sales_south, acme, sale):
    services.token_issue_create(actor=sales_north, via=Via.API, account=acme, quantity=3,
                                opportunity=sale)
    services.token_issue_create(actor=sales_north, via=Via.API, account=acme, quantity=2)

    response = api_as(sales_north).get(f"/accounts/{acme.pk}/training-tokens")

    assert response.json()["balance"] == 5
    assert [issue["quantity"] for issue in response.json()["issues"]] == [2, 3]
    assert response.json()["issues"][1]["opportunity"] == {"id": sale.pk,
                                                           "name": "Acme onboarding"}
    assert api_as(sales_south).get(
        f"/accounts/{acme.pk}/training-tokens").status_code == 404

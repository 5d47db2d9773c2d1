"""/question-sets and /opportunities/{id}/answers (S1 steps 4 and 13, decision 3)."""
# ruff: noqa: F811 - the shared S1 fixtures are imported, then requested by name

from __future__ import annotations

import pytest

from stageflow.qualification.models import Question, QuestionSet
from tests.jobs.fixtures import field_service, jane, make_deal  # noqa: F401

FURNACE = {
    "name": "Furnace qualification", "product": "furnace_replacement",
    "questions": [
        {"key": "q1", "text": "Homeowner is decision maker?", "kind": "yes_no",
         "needed_to_qualify": True, "qualifying_answers": [True]},
        {"key": "q2", "text": "Budget confirmed?", "kind": "yes_no", "needed_to_qualify": True,
         "qualifying_answers": [True]}]}
PROFILE = {"name": "Furnace profile", "purpose": "profile", "product": "furnace_replacement",
           "questions": [{"key": "p1", "text": "Age of current system", "kind": "text"}]}


@pytest.fixture
def furnace_sets(api_as, admin, field_service):
    client = api_as(admin)
    return [client.post("/question-sets", FURNACE).json(),
            client.post("/question-sets", PROFILE).json()]


def _id(key: str) -> str:
    return str(Question.objects.get(key=key).pk)


def test_s1_step_13_qualified_follows_the_answers(api_as, sales_north, furnace_sets, make_deal):
    deal = make_deal(won=False)
    client = api_as(sales_north)
    url = f"/opportunities/{deal.pk}/answers"

    no = client.put(url, {"answers": {_id("q1"): True, _id("q2"): False}})
    yes = client.put(url, {"answers": {"q2": True}})
    profile = client.put(url, {"answers": {_id("p1"): "15 years"}})
    shown = client.get(url).json()
    record = client.get(f"/opportunities/{deal.pk}").json()

    assert (no.status_code, no.json()["qualified"]) == (200, False)
    assert yes.json()["qualified"] is True
    assert profile.status_code == 200
    assert shown["qualified"] is True
    assert [(s["name"], [q["answer"] for q in s["questions"]]) for s in shown["sets"]] == [
        ("Furnace qualification", [True, True]), ("Furnace profile", ["15 years"])]
    assert record["attributes"]["qualified"] is True


def test_qualified_cannot_be_patched_by_hand(api_as, sales_north, furnace_sets, make_deal):
    deal = make_deal(won=False)

    response = api_as(sales_north).patch(f"/opportunities/{deal.pk}",
                                         {"attributes": {"qualified": True}})

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["attributes.qualified"]


def test_a_wrong_answer_is_422_naming_the_question(api_as, sales_north, furnace_sets,
                                                   make_deal):
    deal = make_deal(won=False)

    response = api_as(sales_north).put(f"/opportunities/{deal.pk}/answers",
                                       {"answers": {_id("q1"): "maybe", "999": True}})

    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {f"answers.{_id('q1')}", "answers.999"}


@pytest.mark.parametrize(("who", "read", "write"), [
    ("sales_north", 200, 200), ("office_north", 200, 200), ("sales_south", 404, 404)])
def test_answers_follow_the_opportunitys_scope(api_as, request, furnace_sets, make_deal, who,
                                               read, write):
    deal = make_deal(won=False)
    client = api_as(request.getfixturevalue(who))

    got = client.get(f"/opportunities/{deal.pk}/answers")
    put = client.put(f"/opportunities/{deal.pk}/answers", {"answers": {_id("p1"): "new"}})

    assert (got.status_code, put.status_code) == (read, write)


def test_managers_manage_question_sets(api_as, admin, furnace_sets):
    client = api_as(admin)
    set_id = furnace_sets[0]["id"]

    listed = client.get("/question-sets").json()
    updated = client.patch(f"/question-sets/{set_id}", {"name": "Furnace", "version": 1})
    stale = client.patch(f"/question-sets/{set_id}", {"name": "Again", "version": 1})
    bad = client.post("/question-sets", {"name": "Bad", "product": "spaceship"})
    deleted = client.delete(f"/question-sets/{set_id}")

    assert listed["count"] == 2
    assert [q["key"] for q in listed["items"][0]["questions"]] == ["q1", "q2"]
    assert (updated.status_code, updated.json()["name"], updated.json()["version"]) == (
        200, "Furnace", 2)
    assert stale.status_code == 409
    assert (bad.status_code, list(bad.json()["error"]["fields"])) == (422, ["product"])
    assert deleted.status_code == 204
    assert list(QuestionSet.objects.values_list("name", flat=True)) == ["Furnace profile"]


def test_others_may_not_manage_question_sets(api_as, office_north, furnace_sets):
    client = api_as(office_north)

    assert client.get("/question-sets").status_code == 403
    assert client.post("/question-sets", FURNACE).status_code == 403
    assert client.delete(f"/question-sets/{furnace_sets[0]['id']}").status_code == 403
    assert QuestionSet.objects.count() == 2


def test_question_set_lists_run_a_bounded_number_of_queries(api_as, admin, furnace_sets,
                                                           make_deal,
                                                           django_assert_max_num_queries):
    client = api_as(admin)
    for number in range(4):
        client.post("/question-sets", {**PROFILE, "name": f"Profile {number}"})
    deal = make_deal(won=False)
    client.get("/question-sets")

    with django_assert_max_num_queries(8):
        assert client.get("/question-sets").json()["count"] == 6
    with django_assert_max_num_queries(10):
        assert len(client.get(f"/opportunities/{deal.pk}/answers").json()["sets"]) == 6

"""Qualification and profile questions: sets per product, answers, the computed `qualified`."""

from __future__ import annotations

import pytest

from stageflow.core.errors import InvalidInput, NotAllowed, RuleRefused
from stageflow.core.history import history_of
from stageflow.core.models import Via
from stageflow.pipelines.services import pipeline_import
from stageflow.qualification.models import Answer, Question, QuestionSet
from stageflow.qualification.services import (
    answers_save,
    question_set_create,
    question_set_update,
)
from stageflow.sales import services as sales
from stageflow.sales.models import Opportunity

QUALIFYING = [
    {"key": "q1", "text": "Homeowner is decision maker?", "kind": "yes_no",
     "needed_to_qualify": True, "qualifying_answers": [True]},
    {"key": "q2", "text": "Budget confirmed?", "kind": "yes_no", "needed_to_qualify": True,
     "qualifying_answers": [True]},
]
PROFILE = [{"key": "p1", "text": "Age of current system", "kind": "text"}]


@pytest.fixture
def furnace_sets(admin, field_service):
    qualification = question_set_create(actor=admin, via=Via.CLI, values={
        "name": "Furnace qualification", "purpose": "qualification",
        "product": "furnace_replacement", "questions": QUALIFYING})
    profile = question_set_create(actor=admin, via=Via.CLI, values={
        "name": "Furnace profile", "purpose": "profile", "product": "furnace_replacement",
        "questions": PROFILE})
    return qualification, profile


def _question(key: str) -> Question:
    return Question.objects.get(key=key)


def _answers(**by_key):
    return {_question(key).pk: value for key, value in by_key.items()}


def test_qualified_needs_a_qualifying_answer_to_every_needed_question(
        sales_north, furnace_sets, make_deal):
    deal = make_deal(won=False)

    after_no = answers_save(actor=sales_north, via=Via.API, opportunity=deal,
                            answers=_answers(q1=True, q2=False))
    stored_no = Opportunity.objects.get(pk=deal.pk).attributes["qualified"]
    after_yes = answers_save(actor=sales_north, via=Via.API, opportunity=deal,
                             answers=_answers(q2=True))

    deal.refresh_from_db()
    assert (after_no, stored_no, after_yes) == (False, False, True)
    assert deal.attributes["qualified"] is True
    assert history_of(deal).first().changes == [
        {"field": "attributes.qualified", "label": "qualified", "old": False, "new": True}]


def test_a_profile_answer_alone_is_accepted_and_leaves_qualification_alone(
        sales_north, furnace_sets, make_deal):
    deal = make_deal(won=False)

    qualified = answers_save(actor=sales_north, via=Via.API, opportunity=deal,
                             answers=_answers(p1="15 years"))

    assert qualified is False
    assert Answer.objects.get(opportunity=deal).value == "15 years"


def test_sets_apply_by_product(sales_north, furnace_sets, make_deal):
    heater = make_deal(won=False, attributes={"marketing_source": "google",
                                              "product": "water_heater"})

    with pytest.raises(InvalidInput) as refused:
        answers_save(actor=sales_north, via=Via.API, opportunity=heater,
                     answers=_answers(q1=True))

    assert list(refused.value.fields) == [f"answers.{_question('q1').pk}"]
    assert not Answer.objects.exists()


@pytest.mark.parametrize(("key", "value"), [("q1", "yes"), ("p1", 15)])
def test_an_answer_of_the_wrong_kind_is_refused_and_nothing_is_saved(
        sales_north, furnace_sets, make_deal, key, value):
    deal = make_deal(won=False)

    with pytest.raises(InvalidInput) as refused:
        answers_save(actor=sales_north, via=Via.API, opportunity=deal,
                     answers={**_answers(q2=True), _question(key).pk: value})

    assert list(refused.value.fields) == [f"answers.{_question(key).pk}"]
    assert not Answer.objects.exists()
    assert "qualified" not in Opportunity.objects.get(pk=deal.pk).attributes


def test_someone_who_may_not_edit_the_opportunity_cannot_answer(
        sales_south, furnace_sets, make_deal):
    deal = make_deal(won=False)

    with pytest.raises(NotAllowed):
        answers_save(actor=sales_south, via=Via.API, opportunity=deal,
                     answers=_answers(q1=True))

    assert not Answer.objects.exists()


def test_qualified_cannot_be_set_by_hand(sales_north, furnace_sets, make_deal):
    deal = make_deal(won=False)

    with pytest.raises(InvalidInput) as refused:
        sales.record_update(actor=sales_north, via=Via.API, record=deal,
                            values={"attributes": {"qualified": True}})

    assert list(refused.value.fields) == ["attributes.qualified"]
    assert "qualified" not in Opportunity.objects.get(pk=deal.pk).attributes


def test_clearing_an_answer_unqualifies(sales_north, furnace_sets, make_deal):
    deal = make_deal(won=False)
    answers_save(actor=sales_north, via=Via.API, opportunity=deal,
                 answers=_answers(q1=True, q2=True))

    qualified = answers_save(actor=sales_north, via=Via.API, opportunity=deal,
                             answers=_answers(q2=None))

    assert qualified is False
    assert list(Answer.objects.values_list("question__key", flat=True)) == ["q1"]


GATED = """
key: gated
record_type: opportunity
name: Gated
stages:
- {key: new, names: {en: New}, position: 10, is_default: true}
- {key: proposal, names: {en: Proposal}, position: 20}
- {key: won, names: {en: Won}, position: 30, status: won, is_end_stage: true}
- {key: lost, names: {en: Lost}, position: 40, status: lost, is_end_stage: true}
attributes:
- {key: qualified, type: bool, labels: {en: Qualified}}
transitions:
- {key: propose, name: Propose, from: new, to: proposal, required: [qualified]}
- {key: win, name: Win, from: proposal, to: won}
- {key: lose, name: Lose, from: new, to: lost}
"""


def test_a_transition_that_requires_qualified_waits_for_the_answers(admin, sales_north):
    pipeline = pipeline_import(actor=admin, via=Via.CLI, text=GATED, file_format="yaml",
                               publish=True).pipeline
    question_set_create(actor=admin, via=Via.CLI, values={
        "name": "Gate", "pipeline": pipeline.key, "questions": QUALIFYING[:1]})
    deal = sales.record_create(actor=sales_north, via=Via.API, kind="opportunity",
                               values={"title": "Gated deal"}, pipeline_key="gated")
    answers_save(actor=sales_north, via=Via.API, opportunity=deal, answers=_answers(q1=False))

    with pytest.raises(RuleRefused) as refused:
        sales.record_transition(actor=sales_north, via=Via.API,
                                record=Opportunity.objects.get(pk=deal.pk), transition="propose")
    answers_save(actor=sales_north, via=Via.API, opportunity=deal, answers=_answers(q1=True))
    moved = sales.record_transition(actor=sales_north, via=Via.API,
                                    record=Opportunity.objects.get(pk=deal.pk),
                                    transition="propose")

    assert "qualified" in refused.value.fields
    assert moved.stage == "proposal"


@pytest.mark.parametrize(("values", "field"), [
    ({"product": "spaceship"}, "product"),
    ({"purpose": "gossip"}, "purpose"),
    ({"questions": [{"text": "Colour?", "kind": "choice"}]}, "questions.1.choices"),
    ({"questions": [{"text": "Pets?", "kind": "yes_no", "qualifying_answers": ["yes"]}]},
     "questions.1.qualifying_answers"),
    ({"questions": [{"text": "Size?", "kind": "shoe"}]}, "questions.1.kind"),
    ({"questions": [{"key": "a", "text": "A?", "kind": "text"},
                    {"key": "a", "text": "B?", "kind": "text"}]}, "questions"),
])
def test_a_bad_question_set_is_refused_naming_the_field(admin, field_service, values, field):
    with pytest.raises(InvalidInput) as refused:
        question_set_create(actor=admin, via=Via.CLI, values={"name": "Set", **values})

    assert field in refused.value.fields
    assert not QuestionSet.objects.exists()


def test_only_workspace_managers_change_question_sets(office_north, field_service):
    with pytest.raises(NotAllowed):
        question_set_create(actor=office_north, via=Via.WEB, values={"name": "Mine"})

    assert not QuestionSet.objects.exists()


def test_editing_the_questions_keeps_answers_to_the_questions_kept(
        admin, sales_north, furnace_sets, make_deal):
    qualification, _profile = furnace_sets
    deal = make_deal(won=False)
    answers_save(actor=sales_north, via=Via.API, opportunity=deal,
                 answers=_answers(q1=True, q2=True))

    question_set_update(actor=admin, via=Via.WEB, question_set=qualification,
                        values={"questions": [{**QUALIFYING[0], "text": "Owner decides?"}]})

    assert [(a.question.key, a.question.text) for a in Answer.objects.all()] == [
        ("q1", "Owner decides?")]
    assert QuestionSet.objects.get(pk=qualification.pk).version == 2

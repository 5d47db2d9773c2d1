"""Which questions an opportunity is asked, its answers, and whether they qualify it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from stageflow.pipelines.models import CustomAttribute, LookupValue
from stageflow.qualification.models import Answer, Question, QuestionSet
from stageflow.sales.models import Opportunity

PRODUCT_ATTRIBUTE = "product"


# Qualification sets come before profile sets.
SET_ORDER = ("-purpose", "position", "name", "id")


def question_sets() -> QuerySet[QuestionSet]:
    return QuestionSet.objects.select_related("pipeline").prefetch_related(
        Prefetch("questions", queryset=Question.objects.order_by("position", "id"))).order_by(
        *SET_ORDER)


def sets_for(opportunity: Opportunity) -> list[QuestionSet]:
    """The active sets that apply to the opportunity's product and pipeline, in order."""
    product = str((opportunity.attributes or {}).get(PRODUCT_ATTRIBUTE) or "")
    return list(question_sets().filter(active=True).filter(
        Q(product="") | Q(product=product),
        Q(pipeline__isnull=True) | Q(pipeline_id=opportunity.pipeline_id),
    ))


def answers_of(opportunity: Opportunity) -> dict[int, Any]:
    """The opportunity's answers by question id."""
    return dict(Answer.objects.filter(opportunity=opportunity).values_list("question_id",
                                                                           "value"))


def is_qualifying(question: Question, value: Any) -> bool:
    if value is None or value == "":
        return False
    if question.kind == Question.Kind.YES_NO:
        return value in (question.qualifying_answers or [True])
    if question.kind == Question.Kind.CHOICE and question.qualifying_answers:
        return value in question.qualifying_answers
    return True


def is_qualified(sets: Iterable[QuestionSet], answers: Mapping[int, Any]) -> bool:
    """True when at least one question is needed to qualify and each has a qualifying answer.

    With no such question there is nothing the opportunity was qualified against, so it is not.
    """
    needed = [question for question_set in sets
              if question_set.purpose == QuestionSet.Purpose.QUALIFICATION
              for question in question_set.questions.all() if question.needed_to_qualify]
    return bool(needed) and all(is_qualifying(q, answers.get(q.pk)) for q in needed)


def product_choices() -> list[tuple[str, str]]:
    """The values of the opportunities' `product` attribute (lookup table or choices)."""
    attribute = CustomAttribute.objects.filter(record_type="opportunity",
                                               key=PRODUCT_ATTRIBUTE).first()
    if attribute is None:
        return []
    if attribute.lookup:
        return list(LookupValue.objects.filter(record_type="opportunity", table=attribute.lookup,
                                               active=True).values_list("key", "label"))
    return [(str(choice.get("key")), str(choice.get("label") or choice.get("key")))
            for choice in attribute.choices]

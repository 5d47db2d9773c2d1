"""/api/v1/question-sets and /opportunities/{id}/answers: qualification and profile questions."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from stageflow.api.common import caller, expected_version
from stageflow.core.errors import NotFound
from stageflow.core.models import Via
from stageflow.people.services import ensure_manages_workspace
from stageflow.qualification import selectors, services
from stageflow.qualification.models import Question, QuestionSet
from stageflow.sales.access import access_record_by_id
from stageflow.sales.models import Opportunity

router = Router(tags=["qualification"])


class QuestionIn(Schema):
    key: str | None = None
    text: str
    kind: str
    choices: list[str] = []
    needed_to_qualify: bool = False
    qualifying_answers: list[Any] = []


class QuestionOut(Schema):
    id: int
    key: str
    text: str
    kind: str
    choices: list[str]
    needed_to_qualify: bool
    qualifying_answers: list[Any]


class QuestionSetFields(Schema):
    purpose: str | None = None
    product: str | None = None
    pipeline: str | None = None
    position: int | None = None
    active: bool | None = None
    questions: list[QuestionIn] | None = None


class QuestionSetIn(QuestionSetFields):
    name: str


class QuestionSetUpdateIn(QuestionSetFields):
    name: str | None = None
    version: int | None = None


class QuestionSetOut(Schema):
    id: int
    name: str
    purpose: str
    product: str
    pipeline: str | None
    position: int
    active: bool
    questions: list[QuestionOut]
    version: int

    @staticmethod
    def resolve_pipeline(question_set: QuestionSet) -> str | None:
        return question_set.pipeline.key if question_set.pipeline else None

    @staticmethod
    def resolve_questions(question_set: QuestionSet) -> list[Question]:
        return list(question_set.questions.all())


class AnsweredQuestionOut(QuestionOut):
    answer: Any = None


class AnsweredSetOut(Schema):
    id: int
    name: str
    purpose: str
    questions: list[AnsweredQuestionOut]


class AnswersOut(Schema):
    qualified: bool
    sets: list[AnsweredSetOut]


class AnswersIn(Schema):
    answers: dict[str, Any]


def _set(request: HttpRequest, set_id: int) -> QuestionSet:
    ensure_manages_workspace(caller(request))
    question_set = selectors.question_sets().filter(pk=set_id).first()
    if question_set is None:
        raise NotFound("No such question set.")
    return question_set


def _reloaded(question_set: QuestionSet) -> QuestionSet:
    return selectors.question_sets().get(pk=question_set.pk)


@router.get("/question-sets", response=list[QuestionSetOut], operation_id="list_question_sets")
@paginate(LimitOffsetPagination)
def list_question_sets(request: HttpRequest) -> QuerySet[QuestionSet]:
    """Every set with its questions (workspace managers)."""
    ensure_manages_workspace(caller(request))
    return selectors.question_sets()


@router.post("/question-sets", response={201: QuestionSetOut},
             operation_id="create_question_set")
def create_question_set(request: HttpRequest, payload: QuestionSetIn) -> Status[QuestionSet]:
    question_set = services.question_set_create(actor=caller(request), via=Via.API,
                                                values=payload.model_dump(exclude_unset=True))
    return Status(201, _reloaded(question_set))


@router.get("/question-sets/{set_id}", response=QuestionSetOut,
            operation_id="get_question_set")
def get_question_set(request: HttpRequest, set_id: int) -> QuestionSet:
    return _set(request, set_id)


@router.patch("/question-sets/{set_id}", response=QuestionSetOut,
              operation_id="update_question_set")
def update_question_set(request: HttpRequest, set_id: int,
                        payload: QuestionSetUpdateIn) -> QuestionSet:
    question_set = _set(request, set_id)
    values = payload.model_dump(exclude_unset=True)
    body_version = values.pop("version", None)
    services.question_set_update(actor=caller(request), via=Via.API, question_set=question_set,
                                 values=values,
                                 expected_version=expected_version(request, body_version))
    return _reloaded(question_set)


@router.delete("/question-sets/{set_id}", response={204: None},
               operation_id="delete_question_set")
def delete_question_set(request: HttpRequest, set_id: int) -> Status[None]:
    question_set = _set(request, set_id)
    services.question_set_delete(actor=caller(request), via=Via.API, question_set=question_set,
                                 expected_version=expected_version(request, None))
    return Status(204, None)


def answers_view(opportunity: Opportunity) -> dict[str, Any]:
    """The sets asked of the opportunity, each question with its answer, and `qualified`."""
    answers = selectors.answers_of(opportunity)
    return {
        "qualified": (opportunity.attributes or {}).get(services.QUALIFIED) is True,
        "sets": [{"id": s.pk, "name": s.name, "purpose": s.purpose,
                  "questions": [{**QuestionOut.model_validate(q).model_dump(),
                                 "answer": answers.get(q.pk)} for q in s.questions.all()]}
                 for s in selectors.sets_for(opportunity)],
    }


@router.get("/opportunities/{record_id}/answers", response=AnswersOut,
            operation_id="list_opportunity_answers")
def list_opportunity_answers(request: HttpRequest, record_id: int) -> dict[str, Any]:
    opportunity = access_record_by_id(caller(request), "opportunity", record_id)
    assert isinstance(opportunity, Opportunity)
    return answers_view(opportunity)


@router.put("/opportunities/{record_id}/answers", response=AnswersOut,
            operation_id="update_opportunity_answers")
def update_opportunity_answers(request: HttpRequest, record_id: int,
                               payload: AnswersIn) -> dict[str, Any]:
    """Save the answers sent, by question id or key (null clears one); others stay as they are."""
    user = caller(request)
    opportunity = access_record_by_id(user, "opportunity", record_id, "edit")
    assert isinstance(opportunity, Opportunity)
    services.answers_save(actor=user, via=Via.API, opportunity=opportunity,
                          answers=payload.answers)
    return answers_view(Opportunity.objects.get(pk=opportunity.pk))

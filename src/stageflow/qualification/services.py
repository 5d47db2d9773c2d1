"""Question sets (workspace managers) and the answers given for an opportunity.

"Qualified" is never typed (decision 3): it is worked out from the answers each time they are
saved and stored as the opportunity attribute `qualified`, so a pipeline can require it on a
transition like any other attribute. `register_computed_attribute` makes sure nobody sets it
by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from stageflow.core import clock
from stageflow.core.errors import InvalidInput
from stageflow.core.events import emit
from stageflow.core.history import record_history, snapshot
from stageflow.core.models import HistoryEntry, Via
from stageflow.core.records import (
    assign_values,
    check_version,
    save_created,
    validate_record,
)
from stageflow.people.models import User
from stageflow.people.services import ensure_manages_workspace
from stageflow.pipelines.models import Pipeline
from stageflow.qualification import selectors
from stageflow.qualification.models import Answer, Question, QuestionSet
from stageflow.sales.access import ensure_may_record
from stageflow.sales.models import Opportunity

QUALIFIED = "qualified"
SET_FIELDS = ("name", "purpose", "product", "pipeline", "position", "active")
QUESTION_FIELDS = ("key", "text", "kind", "choices", "needed_to_qualify", "qualifying_answers",
                   "position")
MAX_QUESTIONS = 50
MAX_TEXT_ANSWER = 1000


def _pipeline(value: Any) -> Pipeline | None:
    if value in (None, ""):
        return None
    text = str(value)
    pipeline = (Pipeline.objects.filter(pk=int(text)) if text.isdigit()
                else Pipeline.objects.filter(key=text)).first()
    if pipeline is None or pipeline.record_type != "opportunity":
        raise ValueError(_("Unknown opportunity pipeline."))
    return pipeline


def _product(value: Any) -> str:
    if value in (None, ""):
        return ""
    known = dict(selectors.product_choices())
    if str(value) not in known:
        raise ValueError(_("Not one of the products: %(keys)s.") % {
            "keys": ", ".join(known) or _("none is defined")})
    return str(value)


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(_("Enter true or false."))
    return value


SET_NORMALISERS = {"pipeline": _pipeline, "product": _product, "active": _flag}


def _clean_question(item: Any, place: str, errors: dict[str, str]) -> dict[str, Any] | None:
    if not isinstance(item, Mapping):
        errors[place] = _("A question is an object with at least its text and kind.")
        return None
    unknown = set(item) - {*QUESTION_FIELDS, "id"}
    for name in sorted(unknown):
        errors[f"{place}.{name}"] = _("Unknown field.")
    text = str(item.get("text") or "").strip()
    if not text or len(text) > 300:
        errors[f"{place}.text"] = _("Enter the question (at most 300 characters).")
    kind = item.get("kind")
    if kind not in Question.Kind.values:
        errors[f"{place}.kind"] = _("One of %(kinds)s.") % {
            "kinds": ", ".join(Question.Kind.values)}
    choices = item.get("choices") or []
    if not isinstance(choices, list) or not all(
            isinstance(c, str) and c.strip() and len(c) <= 100 for c in choices):
        errors[f"{place}.choices"] = _("A list of choices of at most 100 characters.")
        choices = []
    choices = list(dict.fromkeys(c.strip() for c in choices))
    if kind == Question.Kind.CHOICE and not choices:
        errors.setdefault(f"{place}.choices", _("A choice question needs its choices."))
    qualifying = item.get("qualifying_answers") or []
    if not isinstance(qualifying, list):
        errors[f"{place}.qualifying_answers"] = _("Send a list.")
        qualifying = []
    elif kind == Question.Kind.YES_NO and not all(isinstance(v, bool) for v in qualifying):
        errors[f"{place}.qualifying_answers"] = _("Yes/no answers are true or false.")
    elif kind == Question.Kind.CHOICE and any(v not in choices for v in qualifying):
        errors[f"{place}.qualifying_answers"] = _("Each must be one of the choices.")
    elif kind in (Question.Kind.NUMBER, Question.Kind.TEXT) and qualifying:
        errors[f"{place}.qualifying_answers"] = _(
            "Any answer to a number or text question qualifies; leave this empty.")
    needed = item.get("needed_to_qualify", False)
    if not isinstance(needed, bool):
        errors[f"{place}.needed_to_qualify"] = _("Enter true or false.")
    key = slugify(str(item.get("key") or text))[:60].replace("-", "_")
    if not key:
        errors[f"{place}.key"] = _("Enter letters or digits.")
    return {"key": key, "text": text, "kind": kind, "choices": choices,
            "needed_to_qualify": needed is True, "qualifying_answers": qualifying}


def _clean_questions(items: Any, errors: dict[str, str]) -> list[dict[str, Any]] | None:
    if items is None:
        return None
    if not isinstance(items, list) or len(items) > MAX_QUESTIONS:
        errors["questions"] = _("Send a list of at most %(n)s questions.") % {"n": MAX_QUESTIONS}
        return None
    cleaned = [_clean_question(item, f"questions.{number}", errors)
               for number, item in enumerate(items, start=1)]
    questions = [question for question in cleaned if question is not None]
    keys = [question["key"] for question in questions]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        errors["questions"] = _("Two questions share the key %(keys)s.") % {
            "keys": ", ".join(duplicates)}
    return questions


def _save_questions(question_set: QuestionSet, questions: list[dict[str, Any]]) -> None:
    """Make the set's questions these, matched by key so that answers to a kept key stay."""
    existing = {question.key: question for question in question_set.questions.all()}
    question_set.questions.exclude(key__in=[q["key"] for q in questions]).delete()
    for position, values in enumerate(questions, start=1):
        question = existing.get(values["key"]) or Question(question_set=question_set)
        for name, value in values.items():
            setattr(question, name, value)
        question.position = position * 10
        question.save()


def _questions_snapshot(question_set: QuestionSet) -> list[str]:
    return [f"{q.key}: {q.text}" for q in question_set.questions.order_by("position", "id")]


@transaction.atomic
def question_set_create(*, actor: User, via: Via, values: Mapping[str, Any]) -> QuestionSet:
    """A new set of questions with its questions (workspace managers)."""
    ensure_manages_workspace(actor)
    errors: dict[str, str] = {}
    question_set = QuestionSet()
    questions = _clean_questions(values.get("questions", []), errors)
    assign_values(question_set, {k: v for k, v in values.items() if k != "questions"},
                  editable=SET_FIELDS, normalisers=SET_NORMALISERS, errors=errors)
    validate_record(question_set, errors, exclude=("pipeline",))
    save_created(question_set, actor=actor, via=via, fields=SET_FIELDS)
    _save_questions(question_set, questions or [])
    return question_set


@transaction.atomic
def question_set_update(*, actor: User, via: Via, question_set: QuestionSet,
                        values: Mapping[str, Any],
                        expected_version: int | None = None) -> QuestionSet:
    """Change a set; `questions`, when sent, replaces the list (answers follow their key)."""
    ensure_manages_workspace(actor)
    question_set = QuestionSet.objects.select_for_update().get(pk=question_set.pk)
    check_version(question_set, expected_version)
    before = {**snapshot(question_set, SET_FIELDS),
              "questions": _questions_snapshot(question_set)}
    errors: dict[str, str] = {}
    questions = _clean_questions(values.get("questions"), errors)
    assign_values(question_set, {k: v for k, v in values.items() if k != "questions"},
                  editable=SET_FIELDS, normalisers=SET_NORMALISERS, errors=errors)
    validate_record(question_set, errors, exclude=("pipeline",))
    if questions is not None:
        _save_questions(question_set, questions)
    after = {**snapshot(question_set, SET_FIELDS),
             "questions": _questions_snapshot(question_set)}
    if after != before:
        question_set.version += 1
        question_set.save()
        changes = [{"field": name, "label": name, "old": before[name], "new": after[name]}
                   for name in after if after[name] != before[name]]
        record_history(record=question_set, actor=actor, via=via,
                       action=HistoryEntry.Action.UPDATED, changes=changes)
    return question_set


@transaction.atomic
def question_set_delete(*, actor: User, via: Via, question_set: QuestionSet,
                        expected_version: int | None = None) -> None:
    """Delete a set and the answers given to it; opportunities already qualified stay so until
    their answers are saved again."""
    ensure_manages_workspace(actor)
    question_set = QuestionSet.objects.select_for_update().get(pk=question_set.pk)
    check_version(question_set, expected_version)
    record_history(record=question_set, actor=actor, via=via, action=HistoryEntry.Action.DELETED)
    question_set.delete()


def _clean_answer(question: Question, value: Any) -> Any:
    """The answer as stored, or ValueError saying what the question expects."""
    if question.kind == Question.Kind.YES_NO:
        if not isinstance(value, bool):
            raise ValueError(_("Answer yes (true) or no (false)."))
        return value
    if question.kind == Question.Kind.CHOICE:
        if value not in question.choices:
            raise ValueError(_("One of: %(choices)s.") % {"choices": ", ".join(question.choices)})
        return value
    if question.kind == Question.Kind.NUMBER:
        if isinstance(value, bool):
            raise ValueError(_("Enter a number."))
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation as error:
            raise ValueError(_("Enter a number.")) from error
        if not number.is_finite() or abs(number) >= Decimal("1e12"):
            raise ValueError(_("Enter a number."))
        return int(number) if number == number.to_integral_value() else str(number)
    if not isinstance(value, str) or len(value) > MAX_TEXT_ANSWER:
        raise ValueError(_("Enter text of at most %(n)s characters.") % {"n": MAX_TEXT_ANSWER})
    return value.strip()


@transaction.atomic
def answers_save(*, actor: User, via: Via, opportunity: Opportunity,
                 answers: Mapping[int, Any] | Mapping[str, Any]) -> bool:
    """Save some answers, by question id or key (None clears one); return whether the
    opportunity is now qualified.

    Only the questions sent change, so a profile answer may be saved on its own (S1 step 13).
    """
    ensure_may_record(actor, "edit", opportunity)
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    sets = selectors.sets_for(opportunity)
    asked = {question.pk: question for question_set in sets
             for question in question_set.questions.all()}
    keys = [question.key for question in asked.values()]
    by_key = {question.key: question for question in asked.values()
              if keys.count(question.key) == 1}
    errors: dict[str, str] = {}
    cleaned: dict[int, Any] = {}
    for question_id, value in answers.items():
        # A question is named by its id, or by its key when no other asked question shares it.
        question = (asked.get(int(question_id)) if str(question_id).isdigit()
                    else by_key.get(str(question_id)))
        if question is None:
            errors[f"answers.{question_id}"] = _("Not a question asked for this opportunity.")
            continue
        if value is None or value == "":
            cleaned[question.pk] = None
            continue
        try:
            cleaned[question.pk] = _clean_answer(question, value)
        except ValueError as error:
            errors[f"answers.{question_id}"] = str(error)
    if errors:
        raise InvalidInput(_("Some answers need attention."), fields=errors)
    current = selectors.answers_of(opportunity)
    changes = []
    now = clock.now()
    for question_id, value in cleaned.items():
        old = current.get(question_id)
        if old == value and (value is not None or question_id not in current):
            continue
        question = asked[question_id]
        if value is None:
            Answer.objects.filter(opportunity=opportunity, question=question).delete()
            current.pop(question_id, None)
        else:
            Answer.objects.update_or_create(
                opportunity=opportunity, question=question,
                defaults={"value": value, "answered_at": now, "answered_by": actor})
            current[question_id] = value
        changes.append({"field": f"answers.{question.key}", "label": question.text,
                        "old": old, "new": value})
    if changes:
        record_history(record=opportunity, actor=actor, via=via,
                       action=HistoryEntry.Action.UPDATED, changes=changes,
                       summary=_("Questions answered"))
    qualified = selectors.is_qualified(sets, current)
    _store_qualified(opportunity, qualified, actor=actor, via=via)
    return qualified


def _store_qualified(opportunity: Opportunity, qualified: bool, *, actor: User,
                     via: Via) -> None:
    attributes = dict(opportunity.attributes or {})
    old = attributes.get(QUALIFIED)
    if old is qualified:
        return
    attributes[QUALIFIED] = qualified
    opportunity.attributes = attributes
    opportunity.version += 1
    opportunity.save(update_fields=["attributes", "version", "updated_at"])
    record_history(record=opportunity, actor=actor, via=via, action=HistoryEntry.Action.UPDATED,
                   changes=[{"field": f"attributes.{QUALIFIED}", "label": QUALIFIED,
                             "old": old, "new": qualified}])
    emit("opportunity.updated", record_id=opportunity.pk, actor_id=actor.pk, via=via,
         fields=[f"attributes.{QUALIFIED}"])

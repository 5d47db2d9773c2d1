"""The Questions tab of an opportunity, and the pages where managers keep question sets."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from stageflow.core.errors import NotFound, StageflowError
from stageflow.core.models import Via
from stageflow.people.models import User
from stageflow.qualification import selectors, services
from stageflow.qualification.models import Question, QuestionSet
from stageflow.sales.access import access_record_by_id, may_record
from stageflow.sales.models import Opportunity
from stageflow.web.forms import show_service_errors
from stageflow.web.qualification.forms import QuestionFormSet, QuestionSetForm, question_initial
from stageflow.web.views import administrator, signed_in_user

ANSWER_PREFIX = "q-"
YES_NO = {"yes": True, "no": False}


def _opportunity(user: User, kind: str, record_id: int, action: str = "view") -> Opportunity:
    if kind != "opportunity":
        raise NotFound(_("Questions are asked on opportunities."))
    opportunity = access_record_by_id(user, kind, record_id, action)
    assert isinstance(opportunity, Opportunity)
    return opportunity


def _posted_answers(request: HttpRequest, sets: list[QuestionSet]) -> dict[int, Any]:
    answers: dict[int, Any] = {}
    for question_set in sets:
        for question in question_set.questions.all():
            raw = request.POST.get(f"{ANSWER_PREFIX}{question.pk}", "").strip()
            if question.kind == Question.Kind.YES_NO:
                answers[question.pk] = YES_NO.get(raw)
            else:
                answers[question.pk] = raw or None
    return answers


@login_required
def panel(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    """GET shows the questions with their answers; POST saves them (Qualified is worked out)."""
    user = signed_in_user(request)
    opportunity = _opportunity(user, kind, record_id)
    sets = selectors.sets_for(opportunity)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        opportunity = _opportunity(user, kind, record_id, "edit")
        try:
            services.answers_save(actor=user, via=Via.WEB, opportunity=opportunity,
                                  answers=_posted_answers(request, sets))
        except StageflowError as error:
            errors = {name.removeprefix("answers."): reason
                      for name, reason in error.fields.items()}
            messages.error(request, error.message)
            status = 422
        else:
            messages.success(request, _("Answers saved."))
            if not getattr(request, "htmx", False):
                return redirect(opportunity.get_absolute_url() + "?tab=questions")
        opportunity.refresh_from_db()
    answers = selectors.answers_of(opportunity)
    if errors:
        answers.update(_posted_answers(request, sets))
    rows = [{"set": question_set,
             "questions": [{"question": q, "answer": answers.get(q.pk),
                            "error": errors.get(str(q.pk), "")}
                           for q in question_set.questions.all()]}
            for question_set in sets]
    template = ("web/qualification/_panel.html" if getattr(request, "htmx", False)
                else "web/qualification/page.html")
    return render(request, template, {
        "record": opportunity, "rows": rows,
        "qualified": (opportunity.attributes or {}).get(services.QUALIFIED) is True,
        "may_edit": may_record(user, "edit", opportunity), "prefix": ANSWER_PREFIX,
    }, status=status)


@login_required
def set_list(request: HttpRequest) -> HttpResponse:
    administrator(request)
    return render(request, "web/qualification/list.html",
                  {"sets": selectors.question_sets()})


def _managed(request: HttpRequest, set_id: int) -> QuestionSet:
    administrator(request)
    question_set = selectors.question_sets().filter(pk=set_id).first()
    if question_set is None:
        raise NotFound(_("No such question set."))
    return question_set


def _form_page(request: HttpRequest, question_set: QuestionSet | None) -> HttpResponse:
    user = administrator(request)
    initial: dict[str, Any] = {}
    questions: list[dict[str, Any]] = []
    if question_set is not None:
        initial = {"name": question_set.name, "purpose": question_set.purpose,
                   "product": question_set.product, "active": question_set.active,
                   "pipeline": question_set.pipeline.key if question_set.pipeline else None}
        questions = [question_initial(q) for q in question_set.questions.all()]
    form = QuestionSetForm(request.POST or None, initial=initial)
    formset = QuestionFormSet(request.POST or None, initial=questions, prefix="questions")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        values = {**form.cleaned_data,
                  "pipeline": form.cleaned_data["pipeline"].key
                  if form.cleaned_data["pipeline"] else None,
                  "questions": [row.values() for row in formset.forms
                                if row.cleaned_data.get("text")
                                and not row.cleaned_data.get("DELETE")]}
        try:
            if question_set is None:
                question_set = services.question_set_create(actor=user, via=Via.WEB,
                                                            values=values)
            else:
                services.question_set_update(actor=user, via=Via.WEB,
                                             question_set=question_set, values=values)
        except StageflowError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("Question set “%(name)s” saved.") % {
                "name": values["name"]})
            return redirect("qualification:list")
    return render(request, "web/qualification/form.html", {
        "form": form, "formset": formset, "question_set": question_set})


def _show_errors(form: QuestionSetForm, error: StageflowError) -> None:
    """Set fields next to their field; each question's problem above the form, by number."""
    questions = {name: reason for name, reason in error.fields.items()
                 if name.startswith("questions")}
    for name, reason in questions.items():
        place = name.removeprefix("questions").strip(".").replace(".", " · ")
        form.add_error(None, _("Question %(place)s: %(reason)s") % {"place": place or "",
                                                                   "reason": reason})
    others = {name: reason for name, reason in error.fields.items() if name not in questions}
    if others or not questions:
        show_service_errors(form, StageflowError(error.message, fields=others))


@login_required
def set_create(request: HttpRequest) -> HttpResponse:
    return _form_page(request, None)


@login_required
def set_edit(request: HttpRequest, set_id: int) -> HttpResponse:
    return _form_page(request, _managed(request, set_id))


@login_required
def set_delete(request: HttpRequest, set_id: int) -> HttpResponse:
    question_set = _managed(request, set_id)
    if request.method == "POST":
        services.question_set_delete(actor=signed_in_user(request), via=Via.WEB,
                                     question_set=question_set)
        messages.success(request, _("“%(name)s” deleted.") % {"name": question_set.name})
        return redirect("qualification:list")
    return render(request, "web/confirm_delete.html", {
        "record": question_set, "kind": _("question set"),
        "cancel_url": reverse("qualification:list")})

"""An opportunity's "Team and competitors" tab: the colleagues working it and the other
bidders (SalesTrack's Develop stage; stakeholders are the Contacts tab)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from stageflow.core.errors import NotFound, StageflowError
from stageflow.core.models import Via
from stageflow.people.models import User
from stageflow.sales import selectors, services
from stageflow.sales.access import access_record_by_id
from stageflow.sales.models import Opportunity
from stageflow.web.records.forms import CompetitorForm, TeamMemberForm
from stageflow.web.records.kinds import kind_named
from stageflow.web.views import signed_in_user


def develop_context(record: Opportunity, **forms: Any) -> dict[str, Any]:
    selectors.develop_of(record)
    return {"team": list(record.team_members.all()), "competitors": list(
        record.competitors.all()), "team_form": forms.get("team_form") or TeamMemberForm(),
        "competitor_form": forms.get("competitor_form") or CompetitorForm()}


def _editable(user: User, record_id: int) -> Opportunity:
    record = access_record_by_id(user, "opportunity", record_id, "edit")
    assert isinstance(record, Opportunity)
    return record


def _answer(request: HttpRequest, record: Opportunity, error: str = "", status: int = 200,
            **forms: Any) -> HttpResponse:
    """The tab again: the partial for htmx, else back to the record page."""
    if not getattr(request, "htmx", None):
        if error:
            messages.error(request, error)
        return redirect(record.get_absolute_url() + "?tab=develop")
    return render(request, "web/records/_develop.html", {
        "kind": kind_named("opportunity"), "record": record, "may_edit": True,
        "error": error, **develop_context(record, **forms)}, status=status)


def _run(request: HttpRequest, record: Opportunity, change: Any, **forms: Any) -> HttpResponse:
    try:
        change()
    except StageflowError as error:
        return _answer(request, record, error.message, error.http_status, **forms)
    return _answer(request, record)


@login_required
@require_POST
def team_add(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    user = signed_in_user(request)
    record = _editable(user, record_id)
    form = TeamMemberForm(request.POST)
    if not form.is_valid():
        return _answer(request, record, status=422, team_form=form)
    return _run(request, record, lambda: services.team_member_set(
        actor=user, via=Via.WEB, opportunity=record, user_id=form.cleaned_data["user"].pk,
        role=form.cleaned_data["role"]), team_form=form)


@login_required
@require_POST
def team_remove(request: HttpRequest, kind: str, record_id: int, user_id: int) -> HttpResponse:
    user = signed_in_user(request)
    record = _editable(user, record_id)
    member = record.team_members.filter(user_id=user_id).first()
    if member is None:
        raise NotFound("No such member of this opportunity's sales team.")
    return _run(request, record, lambda: services.team_member_remove(
        actor=user, via=Via.WEB, member=member))


@login_required
@require_POST
def competitor_add(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    user = signed_in_user(request)
    record = _editable(user, record_id)
    form = CompetitorForm(request.POST)
    if not form.is_valid():
        return _answer(request, record, status=422, competitor_form=form)
    return _run(request, record, lambda: services.competitor_add(
        actor=user, via=Via.WEB, opportunity=record, name=form.cleaned_data["name"],
        notes=form.cleaned_data["notes"]), competitor_form=form)


@login_required
@require_POST
def competitor_remove(request: HttpRequest, kind: str, record_id: int,
                      competitor_id: int) -> HttpResponse:
    user = signed_in_user(request)
    record = _editable(user, record_id)
    competitor = record.competitors.filter(pk=competitor_id).first()
    if competitor is None:
        raise NotFound("No such competitor on this opportunity.")
    return _run(request, record, lambda: services.competitor_remove(
        actor=user, via=Via.WEB, competitor=competitor))

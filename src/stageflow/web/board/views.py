"""The pipeline board: a column per open stage, cards fetched lazily per column, and moves that
take the transition into the target stage through the one transition service.

A move answers in one of three ways, for htmx and for plain forms alike: moved (the card goes
to its new column), refused with the reason (the card goes back), or "this move needs values"
(a dialog, or a page without JavaScript, with an input for each missing value).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from stageflow import engine
from stageflow.core import clock
from stageflow.core.errors import (
    Conflict,
    InvalidInput,
    NotAllowed,
    RuleRefused,
    StaleVersion,
)
from stageflow.core.models import Via
from stageflow.people.models import User
from stageflow.people.selectors import assignable_users
from stageflow.sales import services
from stageflow.sales.access import MODELS, access_record_by_id, kind_of
from stageflow.sales.models import Lead, Opportunity
from stageflow.sales.selectors import attach_definitions
from stageflow.web.board.columns import (
    BoardFilters,
    Column,
    board_definition,
    board_pipelines,
    card_of,
    cards,
    column_page,
    columns,
    filters_for_record,
    filters_from,
)
from stageflow.web.board.forms import MissingValuesForm, missing_keys
from stageflow.web.forms import form_values
from stageflow.web.views import page_language, signed_in_user

WorkflowRecord = Lead | Opportunity




def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _board_url(filters: BoardFilters) -> str:
    return f"{reverse('board:board')}?{filters.query()}"


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None


@login_required
def board(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    pipelines = board_pipelines(user)
    filters = filters_from(request.GET, pipelines)
    context: dict[str, Any] = {
        "filters": filters,
        "lead_pipelines": [p for p in pipelines if p.record_type == "lead"],
        "opportunity_pipelines": [p for p in pipelines if p.record_type == "opportunity"],
        "owners": assignable_users().order_by("first_name", "last_name",
                                                               "username"),
        "views": [("mine", _("My")), ("my_office", _("My office")), ("all", _("All"))],
    }
    if filters is not None:
        open_columns, closing = columns(user, filters, page_language())
        context.update(open_columns=open_columns, closing=closing, query=filters.query(),
                       with_value=filters.kind == "opportunity")
    return render(request, "web/board/board.html", context)


@login_required
def column(request: HttpRequest, pipeline_key: str, stage_key: str) -> HttpResponse:
    """One page of a column's cards: the htmx fragment, or a page of its own without JS."""
    user = signed_in_user(request)
    pipelines = board_pipelines(user)
    pipeline = next((p for p in pipelines if p.key == pipeline_key), None)
    if pipeline is None:
        raise Http404(_("No such pipeline."))
    filters = filters_from(request.GET, pipelines, pipeline=pipeline)
    assert filters is not None
    try:
        stage = engine.get_stage(board_definition(filters), stage_key)
    except engine.UnknownKeyError as error:
        raise Http404(_("No such stage.")) from error
    offset = _int_or_none(request.GET.get("offset")) or 0
    page = column_page(user, filters, stage.key, offset, page_language(), clock.now())
    template = "web/board/_cards.html" if _is_htmx(request) else "web/board/column.html"
    return render(request, template, {
        "page": page, "filters": filters, "query": filters.query(), "stage": stage,
        "stage_label": stage.label(page_language()), "first_page": offset == 0,
        "with_value": filters.kind == "opportunity",
    })


# Moving ------------------------------------------------------------------------------------

def _stage_label(definition: engine.PipelineDefinition, stage_key: str, language: str) -> str:
    try:
        return engine.get_stage(definition, stage_key).label(language)
    except engine.UnknownKeyError:
        return stage_key


def _transition(definition: engine.PipelineDefinition, step: str,
                key: str) -> engine.Transition | None:
    return next((t for t in engine.effective_transitions_from(definition, step) if t.key == key),
                None)


def _outcome(request: HttpRequest, *, user: User, filters: BoardFilters, record_id: int,
             kind: str, message: str, level: str, status: int, trigger: str) -> HttpResponse:
    """The card goes to where the record now is (or leaves the board) and the column heads
    show the new totals; the message goes to the board's status line."""
    language = page_language()
    card = card_of(user, filters, record_id, language, clock.now())
    open_columns, _closing = columns(user, filters, language)
    if card is not None and card.record.stage not in {c.key for c in open_columns}:
        card = None
    response = render(request, "web/board/_outcome.html", {
        "message": message, "level": level, "remove_id": f"card-{kind}-{record_id}",
        "card": card, "heads": open_columns, "filters": filters, "query": filters.query(),
        "with_value": filters.kind == "opportunity",
    }, status=status)
    response["HX-Retarget"] = "#board-status"
    response["HX-Reswap"] = "innerHTML"
    response["HX-Trigger"] = trigger
    return response


def _refused(request: HttpRequest, *, filters: BoardFilters, message: str,
             status: int = 409) -> HttpResponse:
    if not _is_htmx(request):
        messages.error(request, message)
        return redirect(_board_url(filters))
    heads: list[Column] = []
    response = render(request, "web/board/_outcome.html", {
        "message": message, "level": "error", "heads": heads, "filters": filters,
    }, status=status)
    response["HX-Retarget"] = "#board-status"
    response["HX-Reswap"] = "innerHTML"
    response["HX-Trigger"] = "board-refused"
    return response


def _dialog(request: HttpRequest, *, filters: BoardFilters, record: WorkflowRecord,
            from_label: str, target: engine.Stage, transition: engine.Transition,
            form: MissingValuesForm, keys: Sequence[str], version: int | None) -> HttpResponse:
    """Ask for the values the move needs: the dialog's content, or a page without JS."""
    context = {
        "record": record, "form": form, "asked": ",".join(keys), "version": version,
        "target": target, "target_label": target.label(page_language()), "from_label": from_label,
        "transition": transition, "filters": filters, "query": filters.query(),
        "kind": kind_of(record),
    }
    if not _is_htmx(request):
        return render(request, "web/board/move.html", context, status=422)
    response = render(request, "web/board/_move_form.html", context, status=422)
    response["HX-Retarget"] = "#move-dialog"
    response["HX-Reswap"] = "innerHTML"
    response["HX-Trigger"] = "board-refused"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def move(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    """Move a record into the stage posted as `stage` by the transition that leads there."""
    user = signed_in_user(request)
    if kind not in MODELS:
        raise Http404(_("No such record type."))
    record = access_record_by_id(user, kind, record_id, "edit")
    attach_definitions([record])
    definition: engine.PipelineDefinition = record.definition  # type: ignore[union-attr]
    language = page_language()
    source = request.POST if request.method == "POST" else request.GET
    filters = filters_for_record(source.get("filters", ""), record)
    if request.method == "GET":
        return render(request, "web/board/move.html", {
            "record": record, "card": cards([record], kind, language, clock.now())[0],
            "from_label": _stage_label(definition, record.stage, language),
            "filters": filters, "query": filters.query(), "kind": kind,
        })

    title = record.title
    from_label = _stage_label(definition, record.stage, language)
    try:
        target = engine.get_stage(definition, request.POST.get("stage", ""))
    except engine.UnknownKeyError:
        return _refused(request, filters=filters,
                        message=_("Choose the stage to move “%(title)s” to.") % {"title": title})
    if target.key == record.stage:
        return _refused(request, filters=filters,
                        message=_("“%(title)s” is already in %(stage)s.")
                        % {"title": title, "stage": from_label})
    no_transition = _("No transition leads from %(from)s to %(to)s.") % {
        "from": from_label, "to": target.label(language)}
    transition_key = engine.transition_to_stage(definition, record.step, target.key)
    transition = _transition(definition, record.step, transition_key or "")
    if transition is None:
        return _refused(request, filters=filters,
                        message=no_transition)
    required = list(transition.required)
    asked = [key for key in missing_keys(request.POST.get("asked", "")) if key in required]
    version = _int_or_none(request.POST.get("version"))
    dialog: dict[str, Any] = {"filters": filters, "record": record, "from_label": from_label,
                              "target": target, "transition": transition, "version": version}
    values: dict[str, Any] = {}
    if asked:
        form = MissingValuesForm(request.POST, record=record, keys=asked, language=language)
        if not form.is_valid():
            return _dialog(request, form=form, keys=asked, **dialog)
        values = form_values(form)
    try:
        moved = services.record_move_to_stage(actor=user, via=Via.WEB, record=record,
                                              stage=target.key, values=values,
                                              expected_version=version)
    except StaleVersion:
        message = _("“%(title)s” was changed by someone else meanwhile; its card now shows "
                    "the latest. Try the move again if it still applies.") % {"title": title}
        if not _is_htmx(request):
            messages.error(request, message)
            return redirect(_board_url(filters))
        return _outcome(request, user=user, filters=filters, record_id=record.pk, kind=kind,
                        message=message, level="error", status=409, trigger="board-refused")
    except RuleRefused as error:
        fillable = [key for key in required if key in error.fields]
        others = [reason for key, reason in error.fields.items() if key not in required]
        if others or not fillable:
            return _refused(request, filters=filters,
                            message=" ".join(others) or error.message)
        keys = [key for key in required if key in asked or key in fillable]
        form = MissingValuesForm(request.POST if asked else None, record=record, keys=keys,
                                 language=language)
        if asked:
            form.is_valid()
            form.show_service_errors({key: error.fields[key] for key in fillable})
        return _dialog(request, form=form, keys=keys, **dialog)
    except InvalidInput as error:
        form = MissingValuesForm(request.POST, record=record, keys=asked, language=language)
        form.is_valid()
        form.show_service_errors(error.fields or {"": error.message})
        return _dialog(request, form=form, keys=asked, **dialog)
    except Conflict as error:
        message = no_transition if error.code == "no_transition" else error.message
        return _refused(request, filters=filters, message=message)
    except NotAllowed as error:
        return _refused(request, filters=filters,
                        message=error.message, status=403)
    message = _("Moved “%(title)s” to %(stage)s.") % {"title": moved.title,
                                                       "stage": target.label(language)}
    if not _is_htmx(request):
        messages.success(request, message)
        return redirect(_board_url(filters))
    return _outcome(request, user=user, filters=filters, record_id=moved.pk, kind=kind,
                    message=message, level="success", status=200, trigger="board-moved")

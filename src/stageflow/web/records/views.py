"""The record page of a lead or opportunity and its actions: transitions, edit, contacts,
tags, conversion, follow-ons, delete. Views parse input and call the sales services."""

from __future__ import annotations

import contextlib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from stageflow import engine
from stageflow.accounts import selectors as account_selectors
from stageflow.accounts.access import access_contact_by_id
from stageflow.automation.selectors import firings_of
from stageflow.communications.models import MessageTemplate
from stageflow.communications.selectors import templates_by_kind
from stageflow.core.errors import NotFound, StageflowError, StaleVersion
from stageflow.core.history import history_of
from stageflow.core.models import Via
from stageflow.people import permissions
from stageflow.pipelines.selectors import definition_of, lookup_values
from stageflow.sales import selectors, services
from stageflow.sales.access import access_record_by_id, may_record, records_for
from stageflow.sales.fields import record_values
from stageflow.sales.models import Lead, Opportunity, RecordContact, StageChange
from stageflow.web.attribute_display import attribute_rows_by_key
from stageflow.web.extensions import panel_links
from stageflow.web.forms import show_service_errors
from stageflow.web.records.develop import develop_context
from stageflow.web.records.display import (
    decorate,
    definition,
    duration,
    field_label,
    stage_label,
    step_label,
)
from stageflow.web.records.forms import (
    ContactLinkForm,
    ConvertForm,
    FollowOnForm,
    RecordEditForm,
    RoleForm,
    TransitionForm,
    live_pipelines,
    service_values,
)
from stageflow.web.records.kinds import RecordKind, kind_named
from stageflow.web.records.overview import transition_buttons
from stageflow.web.views import change_tag, page_language, signed_in_user, tag_bar

Record = Lead | Opportunity
TABS = ("general", "contacts", "follow-ons", "develop", "history", "workflow")


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", None))


def _go(request: HttpRequest, url: str) -> HttpResponse:
    """Redirect, the way htmx (a full page load) or a plain form (a 302) expects."""
    if _is_htmx(request):
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _loaded(user: Any, kind: str, record_id: int, action: str = "view",
            related: tuple[str, ...] = ()) -> Record:
    """The record with its definition; most records are on their pipeline's live version,
    which comes with the record instead of in a query of its own."""
    record = access_record_by_id(user, kind, record_id, action,
                                 related=("pipeline__live_version", *related))
    live = record.pipeline.live_version
    if live is not None and live.number == record.pipeline_version:
        selectors.remember_definition(record, definition_of(live))
    else:
        selectors.attach_definitions([record])
    decorate([record], page_language())
    return record


def _step_path(record: Record) -> list[dict[str, Any]]:
    """The funnel's stages in order with the current one marked; a closed record's stage is
    added at the end."""
    found = definition(record)
    stages = list(engine.funnel_stages(found))
    keys = [s.key for s in stages]
    if record.stage not in keys:
        with contextlib.suppress(engine.UnknownKeyError):
            stages.append(engine.get_stage(found, record.stage))
        keys = [s.key for s in stages]
    current = keys.index(record.stage) if record.stage in keys else -1
    return [{"label": stage.label(page_language()), "key": stage.key, "status": stage.status,
             "state": "current" if i == current else "done" if i < current else "todo"}
            for i, stage in enumerate(stages)]


def _shown_rows(record: Record, kind: str,
                attribute_rows: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
    """The values the current step shows, each with its label and whether it is empty;
    `attribute_rows` are the record's by key."""
    found = definition(record)
    try:
        keys = engine.shown_attributes(found, record.step)
    except engine.UnknownKeyError:
        keys = ()
    values = record_values(record)
    shown = dict(row for key, row in attribute_rows.items() if key in keys)
    rows = []
    for key in keys:
        label = field_label(found, kind, key, page_language())
        value = shown.get(label, values.get(key))
        rows.append({"label": label, "value": "" if value in (None, "") else value})
    return rows


def _stage_changes(record: Record, kind: str) -> list[dict[str, Any]]:
    found = definition(record)
    changes = StageChange.objects.filter(**{kind: record}).select_related("actor").order_by(
        "-at", "-id")[:200]
    return [{"at": c.at, "actor": c.actor, "forced": c.forced, "transition": c.transition,
             "from": stage_label(found, c.from_stage, page_language()) if c.from_stage else "",
             "from_step": step_label(found, c.from_step) if c.from_step else "",
             "to": stage_label(found, c.to_stage, page_language()),
             "to_step": step_label(found, c.to_step),
             "spent": duration(c.seconds_in_previous)} for c in changes]


def _detail_context(request: HttpRequest, record: Record, tab: str,
                    **extra: Any) -> dict[str, Any]:
    user = signed_in_user(request)
    kind = "lead" if isinstance(record, Lead) else "opportunity"
    found = definition(record)
    may_edit = may_record(user, "edit", record)
    stage = engine.get_stage(found, record.stage) if record.stage in {
        s.key for s in found.stages} else None
    panels = panel_links(kind, record.pk, user)
    context: dict[str, Any] = {
        "kind": kind_named(kind), "record": record,
        "tab": tab if tab in TABS or tab in panels else "general",
        "panels": panels, "panel": panels.get(tab),
        "definition": found, "path": _step_path(record), "stage": stage,
        "instructions": stage.instructions if stage else "",
        "may_edit": may_edit, "may_delete": may_record(user, "delete", record),
        "options": transition_buttons(record, selectors.transition_options(record))
        if may_edit else [],
        "contact_count": RecordContact.objects.filter(**{f"{kind}_id": record.pk}).count(),
        **tag_bar(record, *_tag_urls(kind, record), may_edit=may_edit),
    }
    # Related opportunities are listed only as far as the user's scope reaches; the page
    # shows their titles and states.
    visible = records_for(user, "opportunity").order_by("created_at", "id").only(
        "id", "title", "status")
    if isinstance(record, Lead):
        context["opportunities"] = list(visible.filter(lead=record))
        # Opportunities out of the user's scope count too; that query is asked last, when
        # everything else would allow converting.
        context["may_convert"] = (may_edit and permissions.may_at_all(user, "leads", "convert")
                                  and engine.conversion_end_stage(found) is not None
                                  and record.converted_at is None
                                  and not context["opportunities"]
                                  and not record.opportunities.exists())
    else:
        context["children"] = list(visible.filter(parent=record))
    offered = templates_by_kind(record, (MessageTemplate.Kind.EMAIL,
                                         MessageTemplate.Kind.DOCUMENT))
    for kind_of_template, templates in offered.items():
        context[f"{kind_of_template}_templates"] = [
            {"key": template.key, "name": template.name(page_language())}
            for template in templates]
    tab = context["tab"]
    if tab == "general":
        rows = attribute_rows_by_key(kind, record.attributes or {}, page_language())
        context["shown_rows"] = _shown_rows(record, kind, rows)
        context["attribute_rows"] = list(rows.values())
    elif tab == "contacts":
        context.update(_contacts_context(record, kind))
    elif tab == "develop" and isinstance(record, Opportunity):
        context.update(develop_context(record))
    elif tab == "follow-ons" and isinstance(record, Opportunity):
        context["follow_on_form"] = extra.pop("follow_on_form", None) or (
            FollowOnForm(definition=found) if found.follow_ons else None)
    elif tab == "history":
        context["history"] = history_of(record)[:200]
        context["stage_changes"] = _stage_changes(record, kind)
        context["firings"] = firings_of(kind, record.pk)
    elif tab == "workflow":
        # render_svg XML-escapes every user-supplied text; only its output is marked safe.
        context["svg"] = mark_safe(engine.render_svg(  # noqa: S308
            found, current_step=record.step, values=record_values(record), lang=page_language()))
    context.update(extra)
    return context


def _contacts_context(record: Record, kind: str) -> dict[str, Any]:
    roles = [v.label for v in lookup_values(kind, "contact_role").filter(active=True)]
    return {"links": list(RecordContact.objects.filter(**{kind: record})
                          .select_related("contact").order_by("id")),
            "roles": roles, "contact_form": ContactLinkForm()}


@login_required
def record_detail(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    record = _loaded(signed_in_user(request), kind, record_id, related=("created_by",))
    context = _detail_context(request, record, request.GET.get("tab", "general"))
    return render(request, "web/records/detail.html", context)


@login_required
def record_edit(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    user = signed_in_user(request)
    record = _loaded(user, kind, record_id, "edit")
    form = RecordEditForm(request.POST or None, record=record)
    if request.method == "POST" and form.is_valid():
        version = request.POST.get("version", "")
        try:
            services.record_update(actor=user, via=Via.WEB, record=record,
                                   values=service_values(form),
                                   expected_version=int(version) if version.isdigit() else None)
        except StageflowError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(record.get_absolute_url())
    return render(request, "web/records/edit.html", {
        "kind": kind_named(kind), "record": record, "form": form})


@login_required
def record_delete(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    user = signed_in_user(request)
    record = access_record_by_id(user, kind, record_id, "delete")
    record_kind = kind_named(kind)
    error_message = ""
    if request.method == "POST":
        try:
            services.record_delete(actor=user, via=Via.WEB, record=record)
        except StageflowError as error:
            error_message = error.message
        else:
            messages.success(request, _("“%(title)s” deleted.") % {"title": record.title})
            return redirect(record_kind.url("list"))
    return render(request, "web/confirm_delete.html", {
        "record": record, "kind": record_kind.singular, "error": error_message,
        "cancel_url": record.get_absolute_url()})


# Transitions ---------------------------------------------------------------------------------

def _transition(record: Record, key: str) -> engine.Transition:
    for transition in engine.effective_transitions_from(definition(record), record.step):
        if transition.key == key:
            return transition
    raise NotFound(_("This move is not open from the record's current step."))


@login_required
def record_transition(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    """GET: the form asking for the values a transition requires. POST: take it, with those
    values and the record's version; refusals show the form again with every reason."""
    user = signed_in_user(request)
    record = _loaded(user, kind, record_id, "edit")
    data = request.POST if request.method == "POST" else request.GET
    transition = _transition(record, data.get("transition", ""))
    with_values = request.method == "POST" and data.get("with_values") == "1"
    form = TransitionForm(request.POST if with_values else None, record=record,
                          keys=transition.required)
    status, stale = 200, False
    if request.method == "POST" and (not with_values or form.is_valid()):
        version = data.get("version", "")
        try:
            # A move button carries no values, only the step it was shown at: edits made
            # meanwhile (the user's own quotation changing the value) must not refuse it,
            # a move made meanwhile must.
            if "from_step" in data and data["from_step"] != record.step:
                raise StaleVersion(_("This record was moved by someone else in the meantime."))
            services.record_transition(
                actor=user, via=Via.WEB, record=record, transition=transition.key,
                values=service_values(form) if with_values else {},
                expected_version=int(version) if version.isdigit() else None)
        except StaleVersion:
            stale, status = True, 409
        except StageflowError as error:
            show_service_errors(form, error)
            status = error.http_status
        else:
            messages.success(request, _("“%(title)s”: %(move)s done.")
                             % {"title": record.title, "move": transition.name})
            return _go(request, record.get_absolute_url())
    elif request.method == "POST":
        status = 422
    context = {"kind": kind_named(kind), "record": record, "transition": transition,
               "form": form, "stale": stale,
               "to_step": step_label(definition(record), transition.to_step)}
    template = ("web/records/_transition_form.html" if _is_htmx(request)
                else "web/records/transition.html")
    return render(request, template, context, status=status)


# Conversion and follow-ons -------------------------------------------------------------------

@login_required
def lead_convert(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    user = signed_in_user(request)
    lead = _loaded(user, "lead", record_id, "edit")
    assert isinstance(lead, Lead)
    found = definition(lead)
    end = engine.conversion_end_stage(found)
    key = engine.transition_to_stage(found, lead.step, end.key) if end else None
    keys: tuple[str, ...] = ()
    if key is not None:
        keys = next((t.required for t in engine.effective_transitions_from(found, lead.step)
                     if t.key == key), ())
    pipelines = live_pipelines("opportunity")
    form = ConvertForm(request.POST or None, record=lead, keys=keys, pipelines=pipelines)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                into = None
                if form.cleaned_data.get("into"):
                    into = access_record_by_id(user, "opportunity", form.cleaned_data["into"],
                                               "edit")
                version = request.POST.get("version", "")
                opportunity = services.lead_convert(
                    actor=user, via=Via.WEB, lead=lead, values=service_values(form),
                    into=into if isinstance(into, Opportunity) else None,
                    pipeline_key=form.cleaned_data.get("pipeline") or None,
                    expected_version=int(version) if version.isdigit() else None)
            except StageflowError as error:
                show_service_errors(form, error)
                status = error.http_status
            else:
                messages.success(request, _("Converted into opportunity “%(title)s”.")
                                 % {"title": opportunity.title})
                return _go(request, opportunity.get_absolute_url())
        else:
            status = 422
    return render(request, "web/records/convert.html", {
        "kind": kind_named("lead"), "record": lead, "form": form, "has_keys": bool(keys),
        "possible": end is not None and key is not None}, status=status)


@login_required
@require_POST
def follow_on_start(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    user = signed_in_user(request)
    parent = _loaded(user, "opportunity", record_id)
    assert isinstance(parent, Opportunity)
    form = FollowOnForm(request.POST, definition=definition(parent))
    if form.is_valid():
        try:
            child = services.opportunity_follow_on(
                actor=user, via=Via.WEB, parent=parent,
                follow_on=form.cleaned_data["follow_on"], title=form.cleaned_data["name"])
        except StageflowError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Follow-on “%(title)s” started.")
                             % {"title": child.title})
            return redirect(child.get_absolute_url())
    context = _detail_context(request, parent, "follow-ons", follow_on_form=form)
    return render(request, "web/records/detail.html", context, status=422)


# Tags and contacts ---------------------------------------------------------------------------

def _tag_urls(kind: str, record: Record) -> tuple[str, str]:
    urls = kind_named(kind).urls
    return reverse(urls["tag"], args=[record.pk]), reverse(urls["untag"], args=[record.pk])


@login_required
@require_POST
def record_tag(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    record = access_record_by_id(signed_in_user(request), kind, record_id, "edit")
    tag_url, untag_url = _tag_urls(kind, record)
    return change_tag(request, record, add=True, tag_url=tag_url, untag_url=untag_url)


@login_required
@require_POST
def record_untag(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    record = access_record_by_id(signed_in_user(request), kind, record_id, "edit")
    tag_url, untag_url = _tag_urls(kind, record)
    return change_tag(request, record, add=False, tag_url=tag_url, untag_url=untag_url)


def _contacts_response(request: HttpRequest, record: Record, kind: str,
                       form: ContactLinkForm | None = None, error: str = "",
                       status: int = 200) -> HttpResponse:
    if not _is_htmx(request):
        if error:
            messages.error(request, error)
        return redirect(record.get_absolute_url() + "?tab=contacts")
    context = {"kind": kind_named(kind), "record": record, "may_edit": True,
               **_contacts_context(record, kind), "error": error}
    if form is not None:
        context["contact_form"] = form
    return render(request, "web/records/_contacts.html", context, status=status)


@login_required
@require_POST
def contact_link(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    user = signed_in_user(request)
    record = access_record_by_id(user, kind, record_id, "edit")
    form = ContactLinkForm(request.POST)
    if not form.is_valid():
        return _contacts_response(request, record, kind, form,
                                  _("Choose a contact from the search results first."), 422)
    try:
        contact = access_contact_by_id(user, form.cleaned_data["contact"])
        services.record_contact_link(actor=user, via=Via.WEB, record=record, contact=contact,
                                     role=form.cleaned_data["role"])
    except StageflowError as error:
        return _contacts_response(request, record, kind, form, error.message,
                                  error.http_status)
    return _contacts_response(request, record, kind)


@login_required
@require_POST
def contact_role(request: HttpRequest, kind: str, record_id: int,
                 contact_id: int) -> HttpResponse:
    user = signed_in_user(request)
    record = access_record_by_id(user, kind, record_id, "edit")
    form = RoleForm(request.POST)
    link = RecordContact.objects.filter(**{kind: record}, contact_id=contact_id).first()
    if link is None:
        raise NotFound(_("This contact is not on the record."))
    if not form.is_valid():
        return _contacts_response(request, record, kind, error=_("The role is too long."),
                                  status=422)
    try:
        services.record_contact_link(actor=user, via=Via.WEB, record=record,
                                     contact=link.contact, role=form.cleaned_data["role"])
    except StageflowError as error:
        return _contacts_response(request, record, kind, error=error.message,
                                  status=error.http_status)
    return _contacts_response(request, record, kind)


@login_required
@require_POST
def contact_unlink(request: HttpRequest, kind: str, record_id: int,
                   contact_id: int) -> HttpResponse:
    user = signed_in_user(request)
    record = access_record_by_id(user, kind, record_id, "edit")
    link = RecordContact.objects.filter(**{kind: record}, contact_id=contact_id).select_related(
        "contact").first()
    if link is not None:
        services.record_contact_unlink(actor=user, via=Via.WEB, record=record,
                                       contact=link.contact)
    return _contacts_response(request, record, kind)


# Pickers -------------------------------------------------------------------------------------

@login_required
def contact_lookup(request: HttpRequest) -> HttpResponse:
    """Search results for pickers that choose a contact."""
    query = request.GET.get("contact_search", "").strip()
    results = (account_selectors.contact_list(user=signed_in_user(request), q=query)[:10]
               if query else [])
    return render(request, "web/records/_lookup.html", {
        "results": [(c.pk, str(c), c.email) for c in results], "query": query,
        "target": request.GET.get("target", "contact"), "empty": _("No contact found.")})


@login_required
def record_lookup(request: HttpRequest, kind: str) -> HttpResponse:
    """Search results for pickers that choose a lead or opportunity (convert into one)."""
    record_kind: RecordKind = kind_named(kind)
    query = request.GET.get("record_search", "").strip()
    results = (selectors.record_list(user=signed_in_user(request), kind=kind, q=query,
                                     status="open")[:10] if query else [])
    return render(request, "web/records/_lookup.html", {
        "results": [(r.pk, r.title, r.account.name if r.account else "") for r in results],
        "query": query, "target": request.GET.get("target", "into"),
        "empty": _("No open %(kind)s found.") % {"kind": record_kind.singular}})


def detail_url(kind: str, record_id: int) -> str:
    return reverse(kind_named(kind).url("detail"), kwargs={"record_id": record_id})

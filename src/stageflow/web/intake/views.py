"""Intake pages: the administrator's lead forms and intake sources (under Settings)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stageflow.core.errors import StageflowError
from stageflow.core.models import Via
from stageflow.intake import selectors, services
from stageflow.intake.models import IntakeSource, LeadForm
from stageflow.web.forms import show_service_errors
from stageflow.web.intake.forms import IntakeSourceForm, LeadFormForm
from stageflow.web.views import administrator


@login_required
def intake_home(request: HttpRequest) -> HttpResponse:
    """The lead forms and the intake sources, each with what it received."""
    user = administrator(request)
    labels = dict(selectors.source_choices())
    forms = list(selectors.lead_form_list(user))
    sources = list(selectors.intake_source_list(user))
    targets: list[LeadForm | IntakeSource] = [*forms, *sources]
    for item in targets:
        item.source_label = labels.get(item.source, item.source)  # type: ignore[union-attr]
    return render(request, "web/intake/list.html", {"forms": forms, "sources": sources})


def _show_errors(form: LeadFormForm | IntakeSourceForm, error: StageflowError) -> None:
    show_service_errors(form, error)
    # The list of asked fields is a table of many inputs, so its reason goes above the form.
    if "fields" in error.fields:
        form.add_error(None, error.fields["fields"])


def _form_page(request: HttpRequest, lead_form: LeadForm | None) -> HttpResponse:
    user = administrator(request)
    form = LeadFormForm(request.POST or None, lead_form=lead_form)
    if request.method == "POST" and form.is_valid():
        try:
            if lead_form is None:
                lead_form = services.lead_form_create(actor=user, via=Via.WEB,
                                                      values=form.values())
            else:
                lead_form = services.lead_form_update(
                    actor=user, via=Via.WEB, form=lead_form, values=form.values(),
                    expected_version=int(request.POST.get("version") or lead_form.version))
        except StageflowError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("Form “%(name)s” saved.") % {"name": lead_form.name})
            return redirect(lead_form.get_absolute_url())
    public_url = request.build_absolute_uri(lead_form.public_path()) if lead_form else ""
    return render(request, "web/intake/form_edit.html", {
        "form": form, "lead_form": lead_form, "public_url": public_url,
        "submissions": selectors.recent_submissions(form=lead_form) if lead_form else []})


@login_required
def form_create(request: HttpRequest) -> HttpResponse:
    return _form_page(request, None)


@login_required
def form_edit(request: HttpRequest, form_id: int) -> HttpResponse:
    return _form_page(request, selectors.access_lead_form(administrator(request), form_id))


@login_required
def form_delete(request: HttpRequest, form_id: int) -> HttpResponse:
    user = administrator(request)
    lead_form = selectors.access_lead_form(user, form_id)
    if request.method == "POST":
        services.lead_form_delete(actor=user, via=Via.WEB, form=lead_form)
        messages.success(request, _("“%(name)s” deleted.") % {"name": lead_form.name})
        return redirect("intake:home")
    return render(request, "web/confirm_delete.html", {
        "record": lead_form, "kind": _("lead form"),
        "cancel_url": lead_form.get_absolute_url()})


def _source_page(request: HttpRequest, source: IntakeSource | None) -> HttpResponse:
    user = administrator(request)
    form = IntakeSourceForm(request.POST or None, source=source)
    if request.method == "POST" and form.is_valid():
        try:
            if source is None:
                source, token = services.intake_source_create(actor=user, via=Via.WEB,
                                                              values=form.values())
                # The token is shown in this answer only: it is never stored or shown again.
                return render(request, "web/intake/source_created.html", {
                    "source": source, "token": token,
                    "endpoint": request.build_absolute_uri("/api/v1/intake/leads")})
            source = services.intake_source_update(
                actor=user, via=Via.WEB, source=source, values=form.values(),
                expected_version=int(request.POST.get("version") or source.version))
        except StageflowError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("“%(name)s” saved.") % {"name": source.name})
            return redirect(source.get_absolute_url())
    return render(request, "web/intake/source_edit.html", {
        "form": form, "source": source,
        "endpoint": request.build_absolute_uri("/api/v1/intake/leads"),
        "submissions": selectors.recent_submissions(source=source) if source else []})


@login_required
def source_create(request: HttpRequest) -> HttpResponse:
    return _source_page(request, None)


@login_required
def source_edit(request: HttpRequest, source_id: int) -> HttpResponse:
    return _source_page(request, selectors.access_intake_source(administrator(request),
                                                                source_id))


@login_required
@require_POST
def source_revoke(request: HttpRequest, source_id: int) -> HttpResponse:
    user = administrator(request)
    source = selectors.access_intake_source(user, source_id)
    services.intake_source_revoke(actor=user, via=Via.WEB, source=source)
    messages.success(request, _("The token of “%(name)s” no longer works.")
                     % {"name": source.name})
    return redirect(source.get_absolute_url())


@login_required
def source_delete(request: HttpRequest, source_id: int) -> HttpResponse:
    user = administrator(request)
    source = selectors.access_intake_source(user, source_id)
    if request.method == "POST":
        services.intake_source_delete(actor=user, via=Via.WEB, source=source)
        messages.success(request, _("“%(name)s” deleted.") % {"name": source.name})
        return redirect("intake:home")
    return render(request, "web/confirm_delete.html", {
        "record": source, "kind": _("intake source"), "cancel_url": reverse("intake:home")})

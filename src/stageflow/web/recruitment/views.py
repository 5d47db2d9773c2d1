"""The "Job orders" tab of a lead or opportunity: new, add existing, remove, placements."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stageflow.accounts.access import access_contact_by_id, contacts_for
from stageflow.core.errors import InvalidInput, StageflowError
from stageflow.core.models import Via
from stageflow.packs.recruitment import selectors, services
from stageflow.packs.recruitment.access import access_job_order_by_id, job_orders_for
from stageflow.sales.access import access_record_by_id, may_record
from stageflow.web.views import signed_in_user

PICK_LIMIT = 200


def _panel(request: HttpRequest, kind: str, record_id: int, status: int = 200) -> HttpResponse:
    user = signed_in_user(request)
    record = access_record_by_id(user, kind, record_id)
    template = ("web/recruitment/_panel.html" if getattr(request, "htmx", False)
                else "web/recruitment/page.html")
    return render(request, template, {
        "kind": kind, "record": record,
        "job_orders": selectors.job_orders_of(user, record),
        "placements": selectors.placements_of(user, record),
        "unlinked": job_orders_for(user).filter(**{f"{kind}__isnull": True})[:PICK_LIMIT],
        "candidates": contacts_for(user).order_by("last_name", "first_name")[:PICK_LIMIT],
        "may_edit": may_record(user, "edit", record),
    }, status=status)


def _done(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    if getattr(request, "htmx", False):
        return _panel(request, kind, record_id)
    record = access_record_by_id(signed_in_user(request), kind, record_id)
    return redirect(record.get_absolute_url() + "?tab=job-orders")


@login_required
def panel(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    return _panel(request, kind, record_id)


@login_required
@require_POST
def create(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    user = signed_in_user(request)
    record = access_record_by_id(user, kind, record_id, "edit")
    try:
        services.job_order_create(actor=user, via=Via.WEB, record=record,
                                  values={"title": request.POST.get("title", ""),
                                          "account": record.account_id})
    except StageflowError as error:
        messages.error(request, error.message)
    return _done(request, kind, record_id)


@login_required
@require_POST
def link(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    user = signed_in_user(request)
    record = access_record_by_id(user, kind, record_id, "edit")
    try:
        job_order = access_job_order_by_id(user, _posted_id(request, "job_order"), "edit")
        services.job_order_link(actor=user, via=Via.WEB, job_order=job_order, record=record)
    except StageflowError as error:
        messages.error(request, error.message)
    return _done(request, kind, record_id)


@login_required
@require_POST
def unlink(request: HttpRequest, kind: str, record_id: int, job_order_id: int) -> HttpResponse:
    user = signed_in_user(request)
    record = access_record_by_id(user, kind, record_id, "edit")
    job_order = access_job_order_by_id(user, job_order_id, "edit")
    services.job_order_unlink(actor=user, via=Via.WEB, job_order=job_order, record=record)
    messages.success(request, _("Job order removed from this record."))
    return _done(request, kind, record_id)


@login_required
@require_POST
def place(request: HttpRequest, kind: str, record_id: int, job_order_id: int) -> HttpResponse:
    user = signed_in_user(request)
    access_record_by_id(user, kind, record_id)
    try:
        job_order = access_job_order_by_id(user, job_order_id, "edit")
        candidate = access_contact_by_id(user, _posted_id(request, "candidate"))
        services.placement_create(actor=user, via=Via.WEB, job_order=job_order,
                                  candidate=candidate,
                                  values={"starts_on": request.POST.get("starts_on") or None})
    except StageflowError as error:
        messages.error(request, error.message)
    return _done(request, kind, record_id)


def _posted_id(request: HttpRequest, name: str) -> int:
    value = request.POST.get(name, "")
    if not value.isdigit():
        raise InvalidInput(_("Choose one from the list."), fields={name: _("Required.")})
    return int(value)

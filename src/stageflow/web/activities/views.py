"""The activities-and-files panel shown on every record page, and "My activities"."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stageflow.activities import selectors, services
from stageflow.activities.access import (
    access_activity_by_id,
    access_attachment_by_id,
    access_parent,
)
from stageflow.core.errors import StageflowError
from stageflow.core.models import Via
from stageflow.web.activities.forms import ActivityForm, UploadForm
from stageflow.web.forms import show_service_errors
from stageflow.web.records import export
from stageflow.web.views import signed_in_user


def _panel(request: HttpRequest, kind: str, record_id: int, *,
           activity_form: ActivityForm | None = None,
           upload_form: UploadForm | None = None, status: int = 200) -> HttpResponse:
    user = signed_in_user(request)
    parent = access_parent(user, kind, record_id)
    template = ("web/activities/_panel.html" if getattr(request, "htmx", False)
                else "web/activities/page.html")
    return render(request, template, {
        "kind": kind, "record": parent,
        "activities": selectors.activities_of(user, kind, record_id),
        "attachments": selectors.attachments_of(user, kind, record_id),
        "activity_form": activity_form or ActivityForm(),
        "upload_form": upload_form or UploadForm(),
        "panel_url": reverse("activities:panel", args=[kind, record_id]),
    }, status=status)


def _back(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    if getattr(request, "htmx", False):
        return _panel(request, kind, record_id)
    return redirect(request.POST.get("next") or access_parent(
        signed_in_user(request), kind, record_id).get_absolute_url())


@login_required
def panel(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    return _panel(request, kind, record_id)


@login_required
@require_POST
def add_activity(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    user = signed_in_user(request)
    parent = access_parent(user, kind, record_id)
    form = ActivityForm(request.POST)
    if form.is_valid():
        try:
            services.activity_create(actor=user, via=Via.WEB, parent=parent,
                                     values=form.cleaned_data)
        except StageflowError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Activity added."))
            return _back(request, kind, record_id)
    return _panel(request, kind, record_id, activity_form=form, status=422)


@login_required
@require_POST
def upload(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    user = signed_in_user(request)
    parent = access_parent(user, kind, record_id)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_upload(actor=user, via=Via.WEB, parent=parent,
                                       upload=form.cleaned_data["file"])
        except StageflowError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("File attached."))
            return _back(request, kind, record_id)
    return _panel(request, kind, record_id, upload_form=form, status=422)


def _parent_of(item: Any) -> tuple[str, int]:
    parent = item.parent
    return str(parent._meta.model_name), int(parent.pk)


@login_required
@require_POST
def toggle_done(request: HttpRequest, activity_id: int) -> HttpResponse:
    user = signed_in_user(request)
    activity = access_activity_by_id(user, activity_id)
    services.activity_update(actor=user, via=Via.WEB, activity=activity,
                             values={"done": activity.done_at is None})
    if request.POST.get("next") == "mine":
        return redirect("activities:mine")
    return _back(request, *_parent_of(activity))


@login_required
@require_POST
def delete_activity(request: HttpRequest, activity_id: int) -> HttpResponse:
    user = signed_in_user(request)
    activity = access_activity_by_id(user, activity_id)
    kind, record_id = _parent_of(activity)
    try:
        services.activity_delete(actor=user, via=Via.WEB, activity=activity)
    except StageflowError as error:
        messages.error(request, error.message)
    return _back(request, kind, record_id)


@login_required
def download(request: HttpRequest, attachment_id: int) -> FileResponse:
    attachment = access_attachment_by_id(signed_in_user(request), attachment_id)
    response = FileResponse(attachment.file.open("rb"), as_attachment=True,
                            filename=attachment.name, content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def delete_attachment(request: HttpRequest, attachment_id: int) -> HttpResponse:
    user = signed_in_user(request)
    attachment = access_attachment_by_id(user, attachment_id)
    kind, record_id = _parent_of(attachment)
    try:
        services.attachment_delete(actor=user, via=Via.WEB, attachment=attachment)
    except StageflowError as error:
        messages.error(request, error.message)
    return _back(request, kind, record_id)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    show_done = request.GET.get("done") == "1"
    return render(request, "web/activities/mine.html", {
        "activities": selectors.my_activities(user, include_done=show_done)[:200],
        "due": selectors.reminders(user), "show_done": show_done,
        "notifications": selectors.recent_notifications(user)[:20],
        "unread": selectors.unread_notifications(user).count()})


@login_required
def export_mine(request: HttpRequest, fmt: str) -> HttpResponse:
    """The activities "My activities" lists (every one, not only the first 200)."""
    user = signed_in_user(request)
    activities = selectors.my_activities(user, include_done=request.GET.get("done") == "1")
    return export.download(fmt, export.activity_table(activities))


@login_required
@require_POST
def read_notifications(request: HttpRequest) -> HttpResponse:
    services.notifications_read(user=signed_in_user(request))
    return redirect("activities:mine")

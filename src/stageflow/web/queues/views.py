"""Work queue pages: the queues with their counts, one queue's entries, and managers' editing."""

from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from stageflow.core.errors import NotFound, StageflowError
from stageflow.core.models import Via
from stageflow.people import permissions
from stageflow.queues import selectors, services
from stageflow.queues.models import WorkQueue
from stageflow.web.forms import show_service_errors
from stageflow.web.queues.forms import WorkQueueForm
from stageflow.web.records.export import account_table, download, record_table
from stageflow.web.views import administrator, signed_in_user

PAGE_SIZE = 50


def _counted(request: HttpRequest) -> list[selectors.QueueCount]:
    user = signed_in_user(request)
    return selectors.queue_counts(user, list(selectors.visible_queues(user)))


@login_required
def queue_list(request: HttpRequest) -> HttpResponse:
    """Every queue the user may see with its counts; managers also add, edit and delete."""
    return render(request, "web/queues/list.html", {
        "counted": _counted(request),
        "may_manage": permissions.manages_workspace(signed_in_user(request))})


@login_required
def queue_menu(request: HttpRequest) -> HttpResponse:
    """The navigation's Queues menu, loaded when it is opened."""
    return render(request, "web/queues/_menu.html", {"counted": _counted(request)})


@login_required
def queue_detail(request: HttpRequest, queue_id: int) -> HttpResponse:
    user = signed_in_user(request)
    queue = selectors.access_queue(user, queue_id)
    records = selectors.queue_entries(user, queue).prefetch_related("tags")
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/queues/detail.html", {
        "queue": queue, "page": page, "entries": selectors.entries_of(queue, page.object_list),
        "may_manage": permissions.manages_workspace(user)})


@login_required
def queue_export(request: HttpRequest, queue_id: int, fmt: str) -> HttpResponse:
    """Every entry of the queue the user may see, oldest first, as CSV or XLSX."""
    user = signed_in_user(request)
    queue = selectors.access_queue(user, queue_id)
    records = selectors.queue_entries(user, queue)
    table = (account_table(records) if queue.record_type == WorkQueue.RecordType.ACCOUNT
             else record_table(queue.record_type, records, get_language() or "en"))
    return download(fmt, replace(table, name=f"queue-{queue.slug}"))


def _form_page(request: HttpRequest, queue: WorkQueue | None) -> HttpResponse:
    user = administrator(request)
    form = WorkQueueForm(request.POST or None, queue=queue)
    if request.method == "POST" and form.is_valid():
        try:
            if queue is None:
                queue = services.queue_create(actor=user, via=Via.WEB, values=form.values())
            else:
                queue = services.queue_update(
                    actor=user, via=Via.WEB, queue=queue, values=form.values(),
                    expected_version=int(request.POST.get("version") or queue.version))
        except StageflowError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Queue “%(name)s” saved.") % {"name": queue.name})
            return redirect("queues:detail", queue_id=queue.pk)
    return render(request, "web/queues/form.html", {"form": form, "queue": queue})


def _managed(request: HttpRequest, queue_id: int) -> WorkQueue:
    administrator(request)
    queue = WorkQueue.objects.filter(pk=queue_id).first()
    if queue is None:
        raise NotFound(_("No such work queue."))
    return queue


@login_required
def queue_create(request: HttpRequest) -> HttpResponse:
    return _form_page(request, None)


@login_required
def queue_edit(request: HttpRequest, queue_id: int) -> HttpResponse:
    return _form_page(request, _managed(request, queue_id))


@login_required
def queue_delete(request: HttpRequest, queue_id: int) -> HttpResponse:
    queue = _managed(request, queue_id)
    if request.method == "POST":
        services.queue_delete(actor=signed_in_user(request), via=Via.WEB, queue=queue)
        messages.success(request, _("“%(name)s” deleted.") % {"name": queue.name})
        return redirect("queues:list")
    return render(request, "web/confirm_delete.html", {
        "record": queue, "kind": _("work queue"), "cancel_url": reverse("queues:list")})

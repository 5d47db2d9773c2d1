"""Pages for message templates, the company details, the outbox and sending a message.

Templates and company details are settings (workspace managers). The outbox lists what the
user may see (see communications.access); retrying and cancelling are for managers.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stageflow.accounts.models import Account, Contact
from stageflow.activities.access import access_parent
from stageflow.communications import selectors, services
from stageflow.communications.access import access_message_by_id
from stageflow.communications.models import MessageTemplate, OutboxMessage
from stageflow.communications.recipients import (
    CONTACT_SPECS,
    Recipient,
    record_kind,
    resolve_recipient,
)
from stageflow.communications.templating import Rendered, cheat_sheet, merge_context, render_text
from stageflow.core import workspace
from stageflow.core.errors import Conflict, InvalidInput, NotFound, StageflowError
from stageflow.core.models import Via
from stageflow.people import permissions
from stageflow.people.models import User
from stageflow.pipelines.models import Pipeline
from stageflow.pipelines.selectors import definition_of
from stageflow.sales.models import Lead, Opportunity
from stageflow.web.communications.forms import (
    CompanyForm,
    ComposeForm,
    OutboxFilterForm,
    PreviewForm,
    TemplateForm,
)
from stageflow.web.forms import show_service_errors
from stageflow.web.views import administrator, page_language, signed_in_user

PAGE_SIZE = 25
# Shown in the merge-field help as written (Jinja2 syntax, never Django's).
EXAMPLES = {"value": "{{ record.title }}",
            "condition": "{% if contact.first_name %}…{% endif %}",
            "filters": "|date, |money(record.currency), |default(\"…\")"}
RECORD_MODELS: dict[str, Any] = {"lead": Lead, "opportunity": Opportunity, "account": Account,
                                 "contact": Contact}






# --- templates -------------------------------------------------------------------------------

def _stage_choices() -> list[tuple[str, str]]:
    """Every stage of the live lead and opportunity pipelines, labelled with its pipeline."""
    lang = page_language()
    labels: dict[str, list[str]] = defaultdict(list)
    names: dict[str, str] = {}
    pipelines = Pipeline.objects.filter(live_version__isnull=False).select_related(
        "live_version").order_by("record_type", "name")
    for pipeline in pipelines:
        assert pipeline.live_version is not None
        for stage in definition_of(pipeline.live_version).stages:
            names.setdefault(stage.key, stage.label(lang))
            labels[stage.key].append(pipeline.name)
    return [(key, f"{names[key]} · {', '.join(labels[key])}") for key in names]


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    administrator(request)
    stage_names = dict(_stage_choices())
    rows = [{"template": template, "name": template.name(page_language()),
             "stages": [stage_names.get(key, key).split(" · ")[0]
                        for key in template.visible_at_stages]}
            for template in selectors.template_list()]
    return render(request, "web/communications/templates.html", {"rows": rows})


def _preview(request: HttpRequest, user: User, form: TemplateForm,
             preview_form: PreviewForm) -> Rendered | None:
    """The form's unsaved text filled in from the chosen record; errors go on the fields."""
    if preview_form.is_valid() and not preview_form.cleaned_data["preview_record_id"]:
        preview_form.add_error("preview_record_id", _("Enter the number of a record."))
    if not (form.is_valid() and preview_form.is_valid()):
        return None
    data = form.cleaned_data
    try:
        record = access_parent(user, preview_form.cleaned_data["preview_record_type"],
                               preview_form.cleaned_data["preview_record_id"])
        return render_text(kind=data["kind"],
                           subject=data["subject"] if data["kind"] == "email" else "",
                           body=data["body"], context=merge_context(record, page_language()))
    except NotFound:
        preview_form.add_error("preview_record_id", _("No such record, or you may not see it."))
    except StageflowError as error:
        show_service_errors(form, error)
    return None


@login_required
def template_edit(request: HttpRequest, key: str | None = None) -> HttpResponse:
    user = administrator(request)
    template = None
    if key is not None:
        template = MessageTemplate.objects.filter(key=key).first()
        if template is None:
            raise NotFound(_("No template “%(key)s”.") % {"key": key})
    posted = request.POST if request.method == "POST" else None
    form = TemplateForm(posted, template=template, stages=_stage_choices())
    preview_form = PreviewForm(posted if posted and posted.get("action") == "preview" else None,
                               initial={"preview_record_type": template.record_type
                                        if template and template.record_type
                                        else "opportunity"})
    preview = None
    if posted is not None and posted.get("action") == "preview":
        # Trying out the text needs no key or name yet.
        for name in ("key", "name_en"):
            form.fields[name].required = False
        preview = _preview(request, user, form, preview_form)
    elif posted is not None and form.is_valid():
        version = form.cleaned_data.get("version")
        try:
            saved = services.template_save(actor=user, values=form.values(), template=template,
                                           expected_version=version, via=Via.WEB)
        except StageflowError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Template “%(name)s” saved.") % {
                "name": saved.name(page_language())})
            return redirect("communications:templates")
    record_type = (form.data.get("record_type") if form.is_bound
                   else (template.record_type if template else "")) or ""
    return render(request, "web/communications/template_form.html", {
        "form": form, "template": template, "preview_form": preview_form,
        "preview": preview, "cheat_sheet": cheat_sheet(record_type), "examples": EXAMPLES,
    }, status=422 if form.is_bound and form.errors else 200)


@login_required
def template_delete(request: HttpRequest, key: str) -> HttpResponse:
    user = administrator(request)
    template = MessageTemplate.objects.filter(key=key).first()
    if template is None:
        raise NotFound(_("No template “%(key)s”.") % {"key": key})
    error = ""
    if request.method == "POST":
        try:
            services.template_delete(actor=user, template=template, via=Via.WEB)
        except StageflowError as refused:
            error = refused.message
        else:
            messages.success(request, _("Template deleted."))
            return redirect("communications:templates")
    return render(request, "web/confirm_delete.html", {
        "record": template.name(page_language()), "kind": _("template"), "error": error,
        "cancel_url": reverse("communications:template_edit", args=[template.key])})


# --- company details -------------------------------------------------------------------------

@login_required
def company(request: HttpRequest) -> HttpResponse:
    user = administrator(request)
    form = CompanyForm(request.POST or None, instance=workspace.current(), user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.workspace_settings_save(actor=user, values=form.settings_values(),
                                             via=Via.WEB)
        except StageflowError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Company details saved."))
            return redirect("communications:company")
    return render(request, "web/communications/company.html", {"form": form})


# --- the outbox ------------------------------------------------------------------------------

def _record_url(record_type: str, record_id: int) -> str:
    names = {"lead": "records:lead_detail", "opportunity": "records:opportunity_detail",
             "account": "web:account_detail", "contact": "web:contact_detail"}
    if record_type in ("account", "contact"):
        return reverse(names[record_type], kwargs={f"{record_type}_id": record_id})
    return reverse(names[record_type], kwargs={"record_id": record_id})


def _record_labels(items: Iterable[OutboxMessage]) -> dict[tuple[str, int], dict[str, str]]:
    """Name and link of each message's record: one query per record type on the page."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for message in items:
        if message.record_type in RECORD_MODELS and message.record_id is not None:
            wanted[message.record_type].add(message.record_id)
    labels = {}
    for record_type, ids in wanted.items():
        for record in RECORD_MODELS[record_type].objects.filter(pk__in=ids):
            labels[(record_type, record.pk)] = {"name": str(record),
                                                "url": _record_url(record_type, record.pk)}
    return labels


def _with_records(items: list[OutboxMessage]) -> list[dict[str, Any]]:
    labels = _record_labels(items)
    return [{"message": message,
             "record": labels.get((message.record_type, message.record_id or 0))}
            for message in items]


@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    filters = OutboxFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    page = Paginator(selectors.outbox_list(chosen, user=user), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "web/communications/outbox.html", {
        "filters": filters, "page": page, "rows": _with_records(list(page.object_list)),
        "filtered": any(chosen.values()), "may_manage": permissions.manages_workspace(user)})


@login_required
def outbox_detail(request: HttpRequest, message_id: int) -> HttpResponse:
    user = signed_in_user(request)
    message = access_message_by_id(user, message_id)
    [row] = _with_records([message])
    return render(request, "web/communications/outbox_detail.html", {
        **row, "may_manage": permissions.manages_workspace(user)})


def _outbox_action(request: HttpRequest, message_id: int, action: str) -> HttpResponse:
    user = signed_in_user(request)
    message = access_message_by_id(user, message_id)
    change = services.outbox_retry if action == "retry" else services.outbox_cancel
    try:
        change(actor=user, message=message)
    except Conflict as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The message will be sent again.") if action == "retry"
                         else _("The message was cancelled."))
    back = request.POST.get("next", "")
    if back == "list":
        return redirect("communications:outbox")
    return redirect("communications:outbox_detail", message_id=message.pk)


@login_required
@require_POST
def outbox_retry(request: HttpRequest, message_id: int) -> HttpResponse:
    return _outbox_action(request, message_id, "retry")


@login_required
@require_POST
def outbox_cancel(request: HttpRequest, message_id: int) -> HttpResponse:
    return _outbox_action(request, message_id, "cancel")


# --- sending a message from a record ---------------------------------------------------------

def _recipient_choices(record: Any, channel: str) -> list[tuple[str, str]]:
    """The people a message from this record can go to, each with the address found."""
    specs = [("primary_contact", _("Main contact")), ("account", _("Account")),
             ("owner", _("Owner")), ("office", _("The office"))]
    choices = []
    for spec, label in specs:
        found: Recipient = resolve_recipient(record, spec, channel)
        if found.address:
            shown = f"{found.name} <{found.address}>" if found.name and \
                found.name != found.address else found.address
            choices.append((spec, f"{label}: {shown}"))
        elif spec in CONTACT_SPECS:
            choices.append((spec, f"{label}: {found.problem}"))
    return choices


@login_required
def compose(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    source = request.POST if request.method == "POST" else request.GET
    record_type = source.get("record_type", "")
    record_id = source.get("record_id", "")
    if not record_id.isdigit():
        raise NotFound(_("Choose the record to send from."))
    record = access_parent(user, record_type, int(record_id), "edit")
    channel = source.get("channel") or OutboxMessage.Channel.EMAIL
    if channel not in (OutboxMessage.Channel.EMAIL, OutboxMessage.Channel.SMS):
        channel = OutboxMessage.Channel.EMAIL
    kind = MessageTemplate.Kind.SMS if channel == OutboxMessage.Channel.SMS \
        else MessageTemplate.Kind.EMAIL
    offered = selectors.templates_for(record, kind)
    template = next((t for t in offered if t.key == source.get("template")), None)
    recipients = _recipient_choices(record, channel)
    if request.method == "POST":
        form = ComposeForm(request.POST, recipients=recipients, channel=channel)
        if form.is_valid():
            try:
                message = services.message_compose(
                    actor=user, record=record, channel=form.cleaned_data["channel"],
                    to=form.recipient(), subject=form.cleaned_data.get("subject", ""),
                    body=form.cleaned_data["body"], template=template, via=Via.WEB,
                    idempotency_key=f"manual:{user.pk}:{form.cleaned_data['token']}")
            except StageflowError as error:
                show_service_errors(form, error)
            else:
                messages.success(request, _("Message queued to %(to)s.") % {"to": message.to})
                return redirect(record.get_absolute_url())
    else:
        initial = {"channel": channel, "token": uuid.uuid4().hex,
                   "template": template.key if template else "",
                   "to": recipients[0][0] if recipients else ComposeForm.OTHER}
        if template is not None:
            try:
                rendered = render_text(kind=template.kind, subject=template.subject,
                                       body=template.body,
                                       context=merge_context(record, page_language()))
                initial.update({"subject": rendered.subject, "body": rendered.body})
            except InvalidInput as error:
                messages.error(request, _("The template cannot be filled in: %(why)s") % {
                    "why": "; ".join(error.fields.values())})
        form = ComposeForm(initial=initial, recipients=recipients, channel=channel)
    return render(request, "web/communications/compose.html", {
        "form": form, "record": record, "record_type": record_kind(record),
        "offered": offered, "template": template, "channel": channel,
    }, status=422 if form.is_bound and form.errors else 200)


@login_required
def document(request: HttpRequest, key: str) -> HttpResponse:
    """A document template filled in from a record, as a page to read or print."""
    user = signed_in_user(request)
    record_id = request.GET.get("record_id", "")
    if not record_id.isdigit():
        raise NotFound(_("Choose the record the document is for."))
    record = access_parent(user, request.GET.get("record_type", ""), int(record_id))
    template = next((item for item in selectors.templates_for(record, MessageTemplate.Kind.DOCUMENT)
                     if item.key == key), None)
    if template is None:
        raise NotFound(_("This document is not offered for this record."))
    try:
        rendered = render_text(kind=template.kind, subject=template.subject,
                               body=template.body,
                               context=merge_context(record, page_language()))
    except InvalidInput as error:
        return render(request, "web/communications/document.html", {
            "template": template, "record": record, "problems": error.fields}, status=422)
    # The sandbox escaped every merged value; the markup is the administrator's template.
    return render(request, "web/communications/document.html", {
        "template": template, "record": record,
        "body": mark_safe(rendered.body)})  # noqa: S308

"""/api/v1/templates, /outbox and /messages: message templates and what was (or will be) sent.

Anyone signed in reads templates and previews them against records they can see. Changing
templates and retrying or cancelling messages is for workspace managers. The outbox lists every
message to managers and, to everyone else, the messages of records they can see.
"""

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from stageflow.activities.access import access_parent
from stageflow.api.common import Ref, caller, expected_version, ref
from stageflow.communications import selectors, services
from stageflow.communications.access import access_message_by_id
from stageflow.communications.models import MessageTemplate, OutboxMessage
from stageflow.communications.templating import merge_context, render_text
from stageflow.core.errors import InvalidInput, NotFound
from stageflow.core.models import Via

router = Router(tags=["communications"])


class TemplateOut(Schema):
    key: str
    kind: str
    name: str
    names: dict[str, str]
    subject: str
    body: str
    record_type: str
    visible_at_stages: list[str]
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_name(template: MessageTemplate) -> str:
        return template.name("en")


class TemplateIn(Schema):
    key: str
    kind: str = MessageTemplate.Kind.EMAIL
    names: dict[str, str] | None = None
    name: str | None = None
    subject: str = ""
    body: str = ""
    record_type: str = ""
    visible_at_stages: list[str] = []
    active: bool = True


class TemplateUpdateIn(Schema):
    kind: str | None = None
    names: dict[str, str] | None = None
    name: str | None = None
    subject: str | None = None
    body: str | None = None
    record_type: str | None = None
    visible_at_stages: list[str] | None = None
    active: bool | None = None
    version: int | None = None


class TemplateFilters(Schema):
    kind: str | None = None
    record_type: str | None = None
    active: bool | None = None


class PreviewIn(Schema):
    record_type: str
    record_id: int
    # Unsaved text to try out instead of the template's own.
    subject: str | None = None
    body: str | None = None
    language: str | None = None


class RenderedOut(Schema):
    subject: str
    body: str


class RecordRef(Schema):
    type: str
    id: int


class OutboxOut(Schema):
    id: int
    channel: str
    status: str
    to: str
    subject: str
    body: str
    template: str | None
    record: RecordRef | None
    idempotency_key: str
    source: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str
    skip_reason: str
    created_at: datetime
    sent_at: datetime | None
    created_by: Ref | None

    @staticmethod
    def resolve_template(message: OutboxMessage) -> str | None:
        return message.template.key if message.template else None

    @staticmethod
    def resolve_record(message: OutboxMessage) -> dict[str, Any] | None:
        if not message.record_type or message.record_id is None:
            return None
        return {"type": message.record_type, "id": message.record_id}

    @staticmethod
    def resolve_created_by(message: OutboxMessage) -> dict[str, Any] | None:
        return ref(message.created_by)


class OutboxFilters(Schema):
    status: str | None = None
    channel: str | None = None
    record_type: str | None = None
    record_id: int | None = None


class ComposeIn(Schema):
    record_type: str
    record_id: int
    template: str | None = None
    channel: str = OutboxMessage.Channel.EMAIL
    to: str = "primary_contact"
    subject: str = ""
    body: str = ""
    language: str | None = None


def _template(key: str) -> MessageTemplate:
    template = MessageTemplate.objects.filter(key=key).first()
    if template is None:
        raise NotFound(f"No template '{key}'.")
    return template


@router.get("/templates", response=list[TemplateOut], operation_id="list_templates")
@paginate(LimitOffsetPagination)
def list_templates(request: HttpRequest,
                   filters: Query[TemplateFilters]) -> QuerySet[MessageTemplate]:
    caller(request)
    return selectors.template_list(filters.model_dump(exclude_none=True))


@router.post("/templates", response={201: TemplateOut}, operation_id="create_template")
def create_template(request: HttpRequest, payload: TemplateIn) -> Status[MessageTemplate]:
    values = payload.model_dump(exclude_none=True)
    template = services.template_save(actor=caller(request), values=values, via=Via.API)
    return Status(201, template)


@router.get("/templates/for/{record_type}/{record_id}", response=list[TemplateOut],
            operation_id="list_templates_for_record")
def list_templates_for_record(request: HttpRequest, record_type: str, record_id: int,
                              kind: str = MessageTemplate.Kind.EMAIL) -> list[MessageTemplate]:
    """The templates offered on this record at its current stage."""
    record = access_parent(caller(request), record_type, record_id)
    return selectors.templates_for(record, kind)


@router.get("/templates/{key}", response=TemplateOut, operation_id="get_template")
def get_template(request: HttpRequest, key: str) -> MessageTemplate:
    caller(request)
    return _template(key)


@router.put("/templates/{key}", response=TemplateOut, operation_id="update_template")
def update_template(request: HttpRequest, key: str,
                    payload: TemplateUpdateIn) -> MessageTemplate:
    user = caller(request)
    template = _template(key)
    values = payload.model_dump(exclude_unset=True)
    version = values.pop("version", None)
    return services.template_save(actor=user, values=values, template=template,
                                  expected_version=expected_version(request, version),
                                  via=Via.API)


@router.delete("/templates/{key}", response={204: None}, operation_id="delete_template")
def delete_template(request: HttpRequest, key: str) -> Status[None]:
    services.template_delete(actor=caller(request), template=_template(key), via=Via.API)
    return Status(204, None)


@router.post("/templates/{key}/preview", response=RenderedOut, operation_id="preview_template")
def preview_template(request: HttpRequest, key: str, payload: PreviewIn) -> dict[str, str]:
    """The template filled in from a record you can see; 422 names subject or body when it
    cannot be filled in."""
    template = _template(key)
    record = access_parent(caller(request), payload.record_type, payload.record_id)
    rendered = render_text(
        kind=template.kind,
        subject=template.subject if payload.subject is None else payload.subject,
        body=template.body if payload.body is None else payload.body,
        context=merge_context(record, payload.language))
    return {"subject": rendered.subject, "body": rendered.body}


@router.get("/outbox", response=list[OutboxOut], operation_id="list_outbox")
@paginate(LimitOffsetPagination)
def list_outbox(request: HttpRequest, filters: Query[OutboxFilters]) -> QuerySet[OutboxMessage]:
    return selectors.outbox_list(filters.model_dump(exclude_none=True), user=caller(request))


@router.get("/outbox/{message_id}", response=OutboxOut, operation_id="get_outbox_message")
def get_outbox_message(request: HttpRequest, message_id: int) -> OutboxMessage:
    return access_message_by_id(caller(request), message_id)


@router.post("/outbox/{message_id}/retry", response=OutboxOut,
             operation_id="retry_outbox_message")
def retry_outbox_message(request: HttpRequest, message_id: int) -> OutboxMessage:
    user = caller(request)
    return services.outbox_retry(actor=user, message=access_message_by_id(user, message_id))


@router.post("/outbox/{message_id}/cancel", response=OutboxOut,
             operation_id="cancel_outbox_message")
def cancel_outbox_message(request: HttpRequest, message_id: int) -> OutboxMessage:
    user = caller(request)
    return services.outbox_cancel(actor=user, message=access_message_by_id(user, message_id))


@router.post("/messages", response={201: OutboxOut}, operation_id="send_message")
def send_message(request: HttpRequest, payload: ComposeIn) -> Status[OutboxMessage]:
    """Send a message from a record you may edit. With `template` and no subject or body, the
    template is filled in; text you send is sent as written. An `Idempotency-Key` header makes
    a repeated request return the first message instead of sending twice."""
    user = caller(request)
    record = access_parent(user, payload.record_type, payload.record_id, "edit")
    template = _template(payload.template) if payload.template else None
    if template is not None and template.record_type not in ("", payload.record_type):
        raise InvalidInput(_("This template is for %(type)s.") % {
            "type": template.get_record_type_display().lower()},
            fields={"template": template.record_type})
    subject, body = payload.subject, payload.body
    if template is not None and not body.strip():
        rendered = render_text(kind=template.kind, subject=template.subject,
                               body=template.body,
                               context=merge_context(record, payload.language))
        subject, body = subject or rendered.subject, rendered.body
    header_key = request.headers.get("Idempotency-Key", "").strip()
    message = services.message_compose(
        actor=user, record=record, channel=payload.channel, to=payload.to, subject=subject,
        body=body, template=template, via=Via.API,
        idempotency_key=f"manual:{user.pk}:{header_key}"[:200] if header_key else None)
    return Status(201, message)

"""Lead intake over HTTP: the public opt-in endpoint, the endpoint other systems send leads to
with their own token, and the administrator's lead forms and intake sources."""

import json
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.security import HttpBearer

from stageflow.api.common import Ref, caller, expected_version, ref
from stageflow.api.sales import LeadOut, record_out
from stageflow.core.errors import MalformedRequest
from stageflow.core.models import Via
from stageflow.intake import selectors, services
from stageflow.intake.models import IntakeSource, LeadForm

router = Router(tags=["intake"])


class SourceTokenAuth(HttpBearer):
    """An intake source's own token; it opens nothing but `POST /intake/leads`."""

    def authenticate(self, request: HttpRequest, token: str) -> IntakeSource | None:
        return selectors.source_for_token(token)


def _body(request: HttpRequest) -> dict[str, Any]:
    """The JSON object sent: its keys are the form's fields, so no fixed schema reads it."""
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as error:
        raise MalformedRequest("Send a JSON object.", fields={"body": "not JSON"}) from error
    if not isinstance(data, dict):
        raise MalformedRequest("Send a JSON object.", fields={"body": "not an object"})
    return data


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


# The public side ------------------------------------------------------------------------------

class PublicLeadOut(Schema):
    """What a stranger learns back: the lead's number, its source, and the thanks to show."""

    id: int | None
    source: str
    source_label: str
    message: str
    redirect_url: str


class PublicLeadIn(Schema):
    """Documentation of the body; the form's fields are read by their keys."""

    form: str | None = None
    name: str | None = None
    contact_name: str | None = None
    email: str | None = None
    phone: str | None = None
    message: str | None = None
    consent: bool | None = None

    model_config = {"extra": "allow"}


class IntakeLeadIn(PublicLeadIn):
    """Documentation of the body a source sends: any field, and its own id for the lead."""

    external_id: str | None = None


@router.post("/public/leads", auth=None, response={201: PublicLeadOut},
             operation_id="create_public_lead", openapi_extra={"requestBody": {
                 "content": {"application/json": {"schema": PublicLeadIn.model_json_schema()}}}})
def create_public_lead(request: HttpRequest) -> Status[dict[str, Any]]:
    """A website opt-in: `form` names the lead form (else the default one); the other keys are
    the form's fields and attributes (`interest`, …). 422 names each field that is wrong,
    429 after too many from one address."""
    data = _body(request)
    slug = data.get("form")
    form = (selectors.public_form(str(slug)) if slug not in (None, "")
            else selectors.default_public_form())
    received = services.form_submit(form=form, data=data, ip_address=_client_ip(request),
                                    via=Via.API)
    return Status(201, {
        "id": received.lead.pk if received.lead else None, "source": form.source,
        "source_label": selectors.source_label(form.source),
        "message": form.confirmation_message, "redirect_url": form.redirect_url})


@router.post("/intake/leads", auth=SourceTokenAuth(), response={200: LeadOut, 201: LeadOut},
             operation_id="receive_lead", openapi_extra={"requestBody": {
                 "content": {"application/json": {"schema": IntakeLeadIn.model_json_schema()}}}})
def receive_lead(request: HttpRequest) -> Status[dict[str, Any]]:
    """A lead from another system, authenticated by its intake source's token. The same
    `external_id` again answers 200 with the lead the first delivery made."""
    source = request.auth  # type: ignore[attr-defined]
    assert isinstance(source, IntakeSource)
    received = services.source_submit(source=source, data=_body(request), via=Via.API)
    lead = received.lead
    assert lead is not None
    return Status(201 if received.created else 200, record_out(lead))


# The administrator's side ---------------------------------------------------------------------

class FormFieldIn(Schema):
    key: str
    label: str = ""
    required: bool = False


class LeadFormFields(Schema):
    slug: str | None = None
    pipeline: str | None = None
    source: str | None = None
    fields: list[FormFieldIn | str] | None = None
    consent_text: str | None = None
    confirmation_message: str | None = None
    redirect_url: str | None = None
    owner: int | None = None
    office: int | None = None
    is_default: bool | None = None
    active: bool | None = None


class LeadFormIn(LeadFormFields):
    name: str


class LeadFormUpdateIn(LeadFormFields):
    name: str | None = None
    version: int | None = None


class FormFieldOut(Schema):
    key: str
    label: str
    required: bool


class LeadFormOut(Schema):
    id: int
    name: str
    slug: str
    url: str
    embed_url: str
    pipeline: str | None
    source: str
    fields: list[FormFieldOut]
    consent_text: str
    confirmation_message: str
    redirect_url: str
    owner: Ref | None
    office: Ref | None
    is_default: bool
    active: bool
    version: int
    created_at: datetime

    @staticmethod
    def resolve_url(form: LeadForm) -> str:
        return form.public_path()

    @staticmethod
    def resolve_embed_url(form: LeadForm) -> str:
        return form.public_path() + "?embed=1"

    @staticmethod
    def resolve_pipeline(form: LeadForm) -> str | None:
        return form.pipeline.key if form.pipeline else None

    @staticmethod
    def resolve_owner(form: LeadForm) -> dict[str, Any] | None:
        return ref(form.owner)

    @staticmethod
    def resolve_office(form: LeadForm) -> dict[str, Any] | None:
        return ref(form.office)


def _form_values(payload: Schema) -> tuple[dict[str, Any], int | None]:
    values = payload.model_dump(exclude_unset=True)
    version = values.pop("version", None)
    return values, version


@router.get("/lead-forms", response=list[LeadFormOut], operation_id="list_lead_forms")
@paginate(LimitOffsetPagination)
def list_lead_forms(request: HttpRequest) -> Any:
    return selectors.lead_form_list(caller(request))


@router.post("/lead-forms", response={201: LeadFormOut}, operation_id="create_lead_form")
def create_lead_form(request: HttpRequest, payload: LeadFormIn) -> Status[LeadForm]:
    values, _version = _form_values(payload)
    form = services.lead_form_create(actor=caller(request), via=Via.API, values=values)
    return Status(201, form)


@router.get("/lead-forms/{form_ref}", response=LeadFormOut, operation_id="get_lead_form")
def get_lead_form(request: HttpRequest, form_ref: str) -> LeadForm:
    """A form by id or by its address name."""
    return selectors.access_lead_form(caller(request), form_ref)


@router.patch("/lead-forms/{form_ref}", response=LeadFormOut, operation_id="update_lead_form")
def update_lead_form(request: HttpRequest, form_ref: str,
                     payload: LeadFormUpdateIn) -> LeadForm:
    user = caller(request)
    form = selectors.access_lead_form(user, form_ref)
    values, version = _form_values(payload)
    return services.lead_form_update(actor=user, via=Via.API, form=form, values=values,
                                     expected_version=expected_version(request, version))


@router.delete("/lead-forms/{form_ref}", response={204: None}, operation_id="delete_lead_form")
def delete_lead_form(request: HttpRequest, form_ref: str) -> Status[None]:
    user = caller(request)
    form = selectors.access_lead_form(user, form_ref)
    services.lead_form_delete(actor=user, via=Via.API, form=form,
                              expected_version=expected_version(request, None))
    return Status(204, None)


class IntakeSourceFields(Schema):
    pipeline: str | None = None
    source: str | None = None
    owner: int | None = None
    office: int | None = None


class IntakeSourceIn(IntakeSourceFields):
    name: str


class IntakeSourceUpdateIn(IntakeSourceFields):
    name: str | None = None
    version: int | None = None


class IntakeSourceOut(Schema):
    id: int
    name: str
    pipeline: str | None
    source: str
    owner: Ref | None
    office: Ref | None
    token_prefix: str
    revoked_at: datetime | None
    last_used_at: datetime | None
    version: int
    created_at: datetime

    @staticmethod
    def resolve_pipeline(source: IntakeSource) -> str | None:
        return source.pipeline.key if source.pipeline else None

    @staticmethod
    def resolve_owner(source: IntakeSource) -> dict[str, Any] | None:
        return ref(source.owner)

    @staticmethod
    def resolve_office(source: IntakeSource) -> dict[str, Any] | None:
        return ref(source.office)


class IntakeSourceCreatedOut(IntakeSourceOut):
    token: str


@router.get("/intake-sources", response=list[IntakeSourceOut],
            operation_id="list_intake_sources")
@paginate(LimitOffsetPagination)
def list_intake_sources(request: HttpRequest) -> Any:
    return selectors.intake_source_list(caller(request))


@router.post("/intake-sources", response={201: IntakeSourceCreatedOut},
             operation_id="create_intake_source")
def create_intake_source(request: HttpRequest,
                         payload: IntakeSourceIn) -> Status[IntakeSource]:
    """A new source; its `token` is in this answer only and never shown again."""
    values, _version = _form_values(payload)
    source, token = services.intake_source_create(actor=caller(request), via=Via.API,
                                                  values=values)
    source.token = token  # type: ignore[attr-defined]
    return Status(201, source)


@router.get("/intake-sources/{source_id}", response=IntakeSourceOut,
            operation_id="get_intake_source")
def get_intake_source(request: HttpRequest, source_id: int) -> IntakeSource:
    return selectors.access_intake_source(caller(request), source_id)


@router.patch("/intake-sources/{source_id}", response=IntakeSourceOut,
              operation_id="update_intake_source")
def update_intake_source(request: HttpRequest, source_id: int,
                         payload: IntakeSourceUpdateIn) -> IntakeSource:
    user = caller(request)
    source = selectors.access_intake_source(user, source_id)
    values, version = _form_values(payload)
    return services.intake_source_update(actor=user, via=Via.API, source=source, values=values,
                                         expected_version=expected_version(request, version))


@router.post("/intake-sources/{source_id}/revoke", response=IntakeSourceOut,
             operation_id="revoke_intake_source")
def revoke_intake_source(request: HttpRequest, source_id: int) -> IntakeSource:
    user = caller(request)
    source = selectors.access_intake_source(user, source_id)
    return services.intake_source_revoke(actor=user, via=Via.API, source=source)


@router.delete("/intake-sources/{source_id}", response={204: None},
               operation_id="delete_intake_source")
def delete_intake_source(request: HttpRequest, source_id: int) -> Status[None]:
    user = caller(request)
    source = selectors.access_intake_source(user, source_id)
    services.intake_source_delete(actor=user, via=Via.API, source=source)
    return Status(204, None)

"""/api/v1/job-orders and /placements: the recruitment pack."""

from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from stageflow.accounts.access import access_contact_by_id
from stageflow.api.common import Ref, caller, ref
from stageflow.core.errors import InvalidInput
from stageflow.core.models import Via
from stageflow.packs.recruitment import selectors, services
from stageflow.packs.recruitment.access import access_job_order_by_id, job_orders_for
from stageflow.packs.recruitment.models import JobOrder, Placement
from stageflow.sales.access import access_record_by_id

router = Router(tags=["recruitment"])


class JobOrderOut(Schema):
    id: int
    title: str
    description: str
    status: str
    account: Ref | None
    related_to: dict[str, Ref | None]
    version: int
    created_at: datetime

    @staticmethod
    def resolve_account(job_order: JobOrder) -> dict[str, Any] | None:
        return ref(job_order.account)

    @staticmethod
    def resolve_related_to(job_order: JobOrder) -> dict[str, Any]:
        return {"lead": ref(job_order.lead), "opportunity": ref(job_order.opportunity)}


class JobOrderIn(Schema):
    title: str
    description: str = ""
    status: str = "open"
    account: int | None = None
    lead: int | None = None
    opportunity: int | None = None


class JobOrderUpdateIn(Schema):
    title: str | None = None
    description: str | None = None
    status: str | None = None
    account: int | None = None


class LinkIn(Schema):
    record_type: str
    record_id: int


class JobOrderFilters(Schema):
    lead: int | None = None
    opportunity: int | None = None
    status: str | None = None


class PlacementOut(Schema):
    id: int
    job_order: Ref
    candidate: Ref
    status: str
    starts_on: date | None
    ends_on: date | None

    @staticmethod
    def resolve_job_order(placement: Placement) -> dict[str, Any] | None:
        return ref(placement.job_order)

    @staticmethod
    def resolve_candidate(placement: Placement) -> dict[str, Any] | None:
        return ref(placement.candidate)


class PlacementIn(Schema):
    candidate: int
    status: str = "proposed"
    starts_on: date | None = None
    ends_on: date | None = None


class PlacementFilters(Schema):
    lead: int | None = None
    opportunity: int | None = None


def _record(request: HttpRequest, record_type: str, record_id: int, action: str = "view") -> Any:
    if record_type not in ("lead", "opportunity"):
        raise InvalidInput("Job orders relate to leads and opportunities.",
                           fields={"record_type": "lead or opportunity"})
    return access_record_by_id(caller(request), record_type, record_id, action)


@router.get("/job-orders", response=list[JobOrderOut], operation_id="list_job_orders")
@paginate(LimitOffsetPagination)
def list_job_orders(request: HttpRequest, filters: Query[JobOrderFilters]) -> QuerySet[JobOrder]:
    user = caller(request)
    for kind in ("lead", "opportunity"):
        record_id = getattr(filters, kind)
        if record_id is not None:
            return selectors.job_orders_of(user, _record(request, kind, record_id))
    job_orders = job_orders_for(user).select_related("lead", "opportunity", "account")
    return job_orders.filter(status=filters.status) if filters.status else job_orders


@router.post("/job-orders", response={201: JobOrderOut}, operation_id="create_job_order")
def create_job_order(request: HttpRequest, payload: JobOrderIn) -> Status[JobOrder]:
    values = payload.model_dump(exclude={"lead", "opportunity"}, exclude_unset=True)
    record = None
    if payload.lead is not None:
        record = _record(request, "lead", payload.lead, "edit")
    elif payload.opportunity is not None:
        record = _record(request, "opportunity", payload.opportunity, "edit")
    job_order = services.job_order_create(actor=caller(request), via=Via.API, values=values,
                                          record=record)
    return Status(201, job_order)


@router.get("/job-orders/{job_order_id}", response=JobOrderOut, operation_id="get_job_order")
def get_job_order(request: HttpRequest, job_order_id: int) -> JobOrder:
    return access_job_order_by_id(caller(request), job_order_id)


@router.patch("/job-orders/{job_order_id}", response=JobOrderOut,
              operation_id="update_job_order")
def update_job_order(request: HttpRequest, job_order_id: int,
                     payload: JobOrderUpdateIn) -> JobOrder:
    user = caller(request)
    job_order = access_job_order_by_id(user, job_order_id, "edit")
    services.job_order_update(actor=user, via=Via.API, job_order=job_order,
                              values=payload.model_dump(exclude_unset=True))
    return access_job_order_by_id(user, job_order_id)


@router.post("/job-orders/{job_order_id}/links", response={201: JobOrderOut},
             operation_id="link_job_order")
def link_job_order(request: HttpRequest, job_order_id: int, payload: LinkIn) -> Status[JobOrder]:
    user = caller(request)
    job_order = access_job_order_by_id(user, job_order_id, "edit")
    record = _record(request, payload.record_type, payload.record_id, "edit")
    services.job_order_link(actor=user, via=Via.API, job_order=job_order, record=record)
    return Status(201, access_job_order_by_id(user, job_order_id))


@router.delete("/job-orders/{job_order_id}/links/{record_type}/{record_id}",
               response={204: None}, operation_id="unlink_job_order")
def unlink_job_order(request: HttpRequest, job_order_id: int, record_type: str,
                     record_id: int) -> Status[None]:
    user = caller(request)
    job_order = access_job_order_by_id(user, job_order_id, "edit")
    services.job_order_unlink(actor=user, via=Via.API, job_order=job_order,
                              record=_record(request, record_type, record_id))
    return Status(204, None)


@router.post("/job-orders/{job_order_id}/placements", response={201: PlacementOut},
             operation_id="create_placement")
def create_placement(request: HttpRequest, job_order_id: int,
                     payload: PlacementIn) -> Status[Placement]:
    user = caller(request)
    job_order = access_job_order_by_id(user, job_order_id, "edit")
    candidate = access_contact_by_id(user, payload.candidate)
    placement = services.placement_create(
        actor=user, via=Via.API, job_order=job_order, candidate=candidate,
        values=payload.model_dump(exclude={"candidate"}, exclude_unset=True))
    return Status(201, placement)


@router.get("/placements", response=list[PlacementOut], operation_id="list_placements")
@paginate(LimitOffsetPagination)
def list_placements(request: HttpRequest, filters: Query[PlacementFilters]) -> Any:
    user = caller(request)
    for kind in ("lead", "opportunity"):
        record_id = getattr(filters, kind)
        if record_id is not None:
            return selectors.placements_of(user, _record(request, kind, record_id))
    return Placement.objects.filter(
        job_order__in=job_orders_for(user).values("pk")).select_related("job_order",
                                                                         "candidate")

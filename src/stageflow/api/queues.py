"""/api/v1/work-queues: saved filters with live counts, and their entries with age and overdue."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from stageflow.api.common import Ref, caller, expected_version, ref
from stageflow.core.models import Via
from stageflow.queues import selectors, services
from stageflow.queues.models import WorkQueue

router = Router(tags=["work queues"])


class WorkQueueFields(Schema):
    slug: str | None = None
    tags: list[str] | None = None
    without_tags: list[str] | None = None
    customer_statuses: list[str] | None = None
    statuses: list[str] | None = None
    pipeline: str | None = None
    stages: list[str] | None = None
    owner_filter: str | None = None
    owner: int | None = None
    office_filter: str | None = None
    office: int | None = None
    age_basis: str | None = None
    max_age_days: int | None = None
    position: int | None = None


class WorkQueueIn(WorkQueueFields):
    name: str
    record_type: str


class WorkQueueUpdateIn(WorkQueueFields):
    name: str | None = None
    record_type: str | None = None
    version: int | None = None


class WorkQueueOut(Schema):
    id: int
    name: str
    slug: str
    record_type: str
    tags: list[str]
    without_tags: list[str]
    customer_statuses: list[str]
    statuses: list[str]
    pipeline: str | None
    stages: list[str]
    owner_filter: str
    owner: Ref | None
    office_filter: str
    office: Ref | None
    age_basis: str
    max_age_days: int | None
    position: int
    version: int

    @staticmethod
    def resolve_pipeline(queue: WorkQueue) -> str | None:
        return queue.pipeline.key if queue.pipeline else None

    @staticmethod
    def resolve_owner(queue: WorkQueue) -> dict[str, Any] | None:
        return ref(queue.owner)

    @staticmethod
    def resolve_office(queue: WorkQueue) -> dict[str, Any] | None:
        return ref(queue.office)


class WorkQueueCountedOut(WorkQueueOut):
    entry_count: int
    overdue_count: int


class EntryOut(Schema):
    id: int
    record_type: str
    name: str
    tags: list[str]
    since: datetime
    age_days: int
    overdue: bool
    url: str


def _entry(row: selectors.QueueEntry) -> dict[str, Any]:
    return {"id": row.record.pk, "record_type": row.kind, "name": row.name, "tags": row.tags,
            "since": row.since, "age_days": row.age_days, "overdue": row.overdue,
            "url": row.record.get_absolute_url()}


@router.get("/work-queues", response=list[WorkQueueCountedOut], operation_id="list_work_queues")
@paginate(LimitOffsetPagination)
def list_work_queues(request: HttpRequest) -> list[WorkQueue]:
    """Every queue the caller may see, each with its live count and overdue count."""
    user = caller(request)
    queues = list(selectors.visible_queues(user).select_related("pipeline", "owner", "office"))
    counted = []
    for row in selectors.queue_counts(user, queues):
        row.queue.entry_count = row.count  # type: ignore[attr-defined]
        row.queue.overdue_count = row.overdue  # type: ignore[attr-defined]
        counted.append(row.queue)
    return counted


@router.post("/work-queues", response={201: WorkQueueOut}, operation_id="create_work_queue")
def create_work_queue(request: HttpRequest, payload: WorkQueueIn) -> Status[WorkQueue]:
    queue = services.queue_create(actor=caller(request), via=Via.API,
                                  values=payload.model_dump(exclude_unset=True))
    return Status(201, queue)


@router.get("/work-queues/{queue_ref}", response=WorkQueueOut, operation_id="get_work_queue")
def get_work_queue(request: HttpRequest, queue_ref: str) -> WorkQueue:
    """A queue by id or by its address name (`sales-followup`)."""
    return selectors.access_queue(caller(request), queue_ref)


@router.patch("/work-queues/{queue_ref}", response=WorkQueueOut,
              operation_id="update_work_queue")
def update_work_queue(request: HttpRequest, queue_ref: str,
                      payload: WorkQueueUpdateIn) -> WorkQueue:
    user = caller(request)
    queue = selectors.access_queue(user, queue_ref)
    values = payload.model_dump(exclude_unset=True)
    body_version = values.pop("version", None)
    return services.queue_update(actor=user, via=Via.API, queue=queue, values=values,
                                 expected_version=expected_version(request, body_version))


@router.delete("/work-queues/{queue_ref}", response={204: None},
               operation_id="delete_work_queue")
def delete_work_queue(request: HttpRequest, queue_ref: str) -> Status[None]:
    user = caller(request)
    queue = selectors.access_queue(user, queue_ref)
    services.queue_delete(actor=user, via=Via.API, queue=queue,
                          expected_version=expected_version(request, None))
    return Status(204, None)


class EntryPageOut(Schema):
    items: list[EntryOut]
    count: int


@router.get("/work-queues/{queue_ref}/entries", response=EntryPageOut,
            operation_id="list_work_queue_entries")
def list_work_queue_entries(request: HttpRequest, queue_ref: str,
                            limit: int = 100, offset: int = 0) -> dict[str, Any]:
    """The records in the queue the caller may see, oldest first, with age and overdue flag."""
    user = caller(request)
    queue = selectors.access_queue(user, queue_ref)
    records = selectors.queue_entries(user, queue).prefetch_related("tags")
    limit = max(1, min(limit, 500))
    offset = max(0, offset)
    page = list(records[offset:offset + limit])
    return {"items": [_entry(row) for row in selectors.entries_of(queue, page)],
            "count": records.count()}

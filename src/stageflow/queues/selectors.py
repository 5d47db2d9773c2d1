"""Reading work queues: which queues a user sees, their entries, ages and counts.

An entry's age runs from the queue's age basis. "Tagged since" is when the most recent of the
queue's tags was added, read from the history row `record_tag` writes for each addition (one
correlated subquery on the indexed history, so a queue is still one query); a record whose tag
predates any history falls back to its creation time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    Max,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from stageflow.accounts.access import accounts_for
from stageflow.accounts.models import Account
from stageflow.core import clock
from stageflow.core.errors import NotFound
from stageflow.core.models import HistoryEntry
from stageflow.people import permissions
from stageflow.people.models import User
from stageflow.queues.models import WorkQueue
from stageflow.sales.access import records_for
from stageflow.sales.models import Lead, Opportunity, Tag

PERMISSION_TYPES = {"account": "accounts", "lead": "leads", "opportunity": "opportunities"}
MODELS: dict[str, type[Model]] = {"account": Account, "lead": Lead, "opportunity": Opportunity}
AGE_FIELDS = {"created": "created_at", "updated": "updated_at", "stage": "stage_entered_at"}


def _tag_links(record_type: str) -> tuple[QuerySet[Any], str]:
    """The tag link table of a record type and the name of its column for the record."""
    if record_type == "account":
        return Tag.accounts.through.objects.all(), "account_id"
    if record_type == "lead":
        return Lead.tags.through.objects.all(), "lead_id"
    return Opportunity.tags.through.objects.all(), "opportunity_id"


def visible_queues(user: User) -> QuerySet[WorkQueue]:
    """Every queue over a record type the user may view (entries are scoped separately)."""
    types = [key for key, name in PERMISSION_TYPES.items()
             if permissions.may_at_all(user, name, "view")]
    return WorkQueue.objects.filter(record_type__in=types)


def access_queue(user: User, reference: str | int) -> WorkQueue:
    """A queue by id or slug, if the user may view its record type (404 otherwise)."""
    queues = visible_queues(user).select_related("pipeline", "owner", "office")
    text = str(reference)
    queue = (queues.filter(pk=int(text)) if text.isdigit() else queues.filter(slug=text)).first()
    if queue is None:
        raise NotFound(_("No such work queue."))
    return queue


def _base(user: User, record_type: str) -> QuerySet[Any]:
    if record_type == "account":
        return accounts_for(user)
    return records_for(user, record_type)


def _age_from(queue: WorkQueue) -> Any:
    if queue.age_basis != WorkQueue.AgeBasis.TAGGED or not queue.tags:
        return F(AGE_FIELDS.get(queue.age_basis, "created_at"))
    tagged = HistoryEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(MODELS[queue.record_type]),
        object_id=OuterRef("pk"), changes__0__field="tags", changes__0__new__in=queue.tags,
    ).values("object_id").annotate(last=Max("at")).values("last")
    return Coalesce(Subquery(tagged, output_field=DateTimeField()), F("created_at"))


def queue_entries(user: User, queue: WorkQueue) -> QuerySet[Any]:
    """The records in the queue that `user` may see, oldest first, annotated with `age_from`."""
    records = _base(user, queue.record_type)
    links, column = _tag_links(queue.record_type)
    for name in queue.tags:
        records = records.filter(Exists(links.filter(**{column: OuterRef("pk")},
                                                     tag__name=name)))
    if queue.without_tags:
        records = records.exclude(Exists(links.filter(**{column: OuterRef("pk")},
                                                      tag__name__in=queue.without_tags)))
    if queue.record_type == WorkQueue.RecordType.ACCOUNT:
        if queue.customer_statuses:
            records = records.filter(customer_status__in=queue.customer_statuses)
    else:
        if queue.statuses:
            records = records.filter(status__in=queue.statuses)
        if queue.pipeline_id:
            records = records.filter(pipeline_id=queue.pipeline_id)
        if queue.stages:
            records = records.filter(stage__in=queue.stages)
    if queue.owner_filter == WorkQueue.OwnerFilter.VIEWER:
        records = records.filter(owner_id=user.pk)
    elif queue.owner_filter == WorkQueue.OwnerFilter.USER:
        records = records.filter(owner_id=queue.owner_id)
    if queue.office_filter == WorkQueue.OfficeFilter.VIEWER:
        records = records.filter(office_id__in=permissions.office_ids(user))
    elif queue.office_filter == WorkQueue.OfficeFilter.OFFICE:
        records = records.filter(office_id=queue.office_id)
    return records.annotate(age_from=_age_from(queue)).order_by("age_from", "pk")


def overdue_cutoff(queue: WorkQueue, now: dt.datetime) -> dt.datetime | None:
    """Entries whose age started at or before this are overdue (more whole days than allowed)."""
    if queue.max_age_days is None:
        return None
    return now - dt.timedelta(days=queue.max_age_days + 1)


def age_days(age_from: dt.datetime, now: dt.datetime) -> int:
    return max((now - age_from).days, 0)


@dataclass(frozen=True, slots=True)
class QueueCount:
    queue: WorkQueue
    count: int
    overdue: int


def queue_counts(user: User, queues: list[WorkQueue]) -> list[QueueCount]:
    """Each queue with its entry count and overdue count: one query per queue."""
    now = clock.now()
    counted = []
    for queue in queues:
        cutoff = overdue_cutoff(queue, now)
        aggregates: dict[str, Count] = {"count": Count("pk")}
        if cutoff is not None:
            aggregates["overdue"] = Count("pk", filter=Q(age_from__lte=cutoff))
        totals = queue_entries(user, queue).order_by().aggregate(**aggregates)
        counted.append(QueueCount(queue=queue, count=totals["count"],
                                  overdue=totals.get("overdue", 0)))
    return counted


@dataclass(frozen=True, slots=True)
class QueueEntry:
    record: Any
    kind: str
    age_days: int
    overdue: bool
    since: dt.datetime

    @property
    def name(self) -> str:
        return str(self.record)

    @property
    def tags(self) -> list[str]:
        return [tag.name for tag in self.record.tags.all()]


def entries_of(queue: WorkQueue, records: Any) -> list[QueueEntry]:
    """Page rows for already-fetched queue records (fetch them with `prefetch_related("tags")`)."""
    now = clock.now()
    limit = queue.max_age_days
    rows = []
    for record in records:
        days = age_days(record.age_from, now)
        rows.append(QueueEntry(record=record, kind=queue.record_type, age_days=days,
                               overdue=limit is not None and days > limit,
                               since=record.age_from))
    return rows

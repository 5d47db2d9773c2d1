"""Changing work queues (workspace managers), and installing the queues a preset ships."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from stageflow.accounts.models import CustomerStatus
from stageflow.core.errors import InvalidInput
from stageflow.core.events import DomainEvent, emit
from stageflow.core.history import record_history, snapshot
from stageflow.core.models import HistoryEntry, Via
from stageflow.core.records import (
    assign_values,
    check_version,
    save_created,
    save_updated,
    validate_record,
)
from stageflow.people.models import User
from stageflow.people.selectors import active_user_value, office_value
from stageflow.people.services import ensure_manages_workspace
from stageflow.pipelines.models import Pipeline
from stageflow.pipelines.selectors import definition_of
from stageflow.presets import load_preset
from stageflow.queues.models import WorkQueue
from stageflow.sales.models import Status

QUEUE_FIELDS = ("name", "slug", "record_type", "tags", "without_tags", "customer_statuses",
                "statuses", "pipeline", "stages", "owner_filter", "owner", "office_filter",
                "office", "age_basis", "max_age_days", "position")
MAX_TAGS = 20
# A queue from a preset lists customers still to work on: inactive ones are done with (S4
# step 7), unless the preset names its own statuses.
PRESET_CUSTOMER_STATUSES = [CustomerStatus.LEAD.value, CustomerStatus.ACTIVE.value]


def _names(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(_("Send a list of names."))
    names = list(dict.fromkeys(item.strip() for item in value if item.strip()))
    if len(names) > MAX_TAGS or any(len(name) > 60 for name in names):
        raise ValueError(_("At most %(n)s names of at most 60 characters.") % {"n": MAX_TAGS})
    return names


def _choices(allowed: list[str]) -> Callable[[Any], list[str]]:
    def clean(value: Any) -> list[str]:
        names = _names(value)
        unknown = [name for name in names if name not in allowed]
        if unknown:
            raise ValueError(_("Not among %(allowed)s: %(unknown)s.") % {
                "allowed": ", ".join(allowed), "unknown": ", ".join(unknown)})
        return names

    return clean


def _pipeline(value: Any) -> Pipeline | None:
    if value in (None, ""):
        return None
    text = str(value)
    pipeline = (Pipeline.objects.filter(pk=int(text)) if text.isdigit()
                else Pipeline.objects.filter(key=text)).first()
    if pipeline is None:
        raise ValueError(_("Unknown pipeline."))
    return pipeline


def _age_limit(value: Any) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not str(value).strip().isdigit():
        raise ValueError(_("Enter a whole number of days."))
    days = int(str(value).strip())
    if not 0 <= days <= 3650:
        raise ValueError(_("Enter between 0 and 3650 days."))
    return days


def _slug(value: Any) -> str:
    """The address name; empty when not given (then it is made from the queue's name)."""
    if value in (None, ""):
        return ""
    slug = slugify(str(value)).replace("_", "-")
    if not slug:
        raise ValueError(_("Enter letters or digits, such as sales-followup."))
    if slug.isdigit():
        raise ValueError(_("Use at least one letter, so it is not taken for a number."))
    return slug


NORMALISERS: dict[str, Callable[[Any], Any]] = {
    "slug": _slug,
    "tags": _names,
    "without_tags": _names,
    "customer_statuses": _choices(list(CustomerStatus.values)),
    "statuses": _choices(list(Status.values)),
    "stages": _names,
    "pipeline": _pipeline,
    "owner": active_user_value,
    "office": office_value,
    "max_age_days": _age_limit,
}


def _check_rules(queue: WorkQueue, errors: dict[str, str]) -> None:
    """What a queue must agree with beyond its single fields."""
    is_account = queue.record_type == WorkQueue.RecordType.ACCOUNT
    if is_account:
        for name in ("statuses", "stages"):
            if getattr(queue, name):
                errors.setdefault(name, _("Only for leads and opportunities."))
        if queue.pipeline_id:
            errors.setdefault("pipeline", _("Only for leads and opportunities."))
        if queue.age_basis == WorkQueue.AgeBasis.STAGE:
            errors.setdefault("age_basis", _("Accounts have no stage."))
    elif queue.customer_statuses:
        errors.setdefault("customer_statuses", _("Only for accounts."))
    if queue.pipeline is not None and "pipeline" not in errors:
        if queue.pipeline.record_type != queue.record_type:
            errors["pipeline"] = _("This pipeline is not for this kind of record.")
        elif queue.stages and "stages" not in errors:
            known = _stage_keys(queue.pipeline)
            unknown = [key for key in queue.stages if key not in known]
            if unknown:
                errors["stages"] = _("Not stages of %(pipeline)s: %(keys)s.") % {
                    "pipeline": queue.pipeline.name, "keys": ", ".join(unknown)}
    elif queue.stages and "stages" not in errors:
        errors["stages"] = _("Choose the pipeline the stages belong to.")
    if queue.owner_filter == WorkQueue.OwnerFilter.USER and queue.owner_id is None:
        errors.setdefault("owner", _("Choose the person."))
    if queue.office_filter == WorkQueue.OfficeFilter.OFFICE and queue.office_id is None:
        errors.setdefault("office", _("Choose the office."))
    if queue.age_basis == WorkQueue.AgeBasis.TAGGED and not queue.tags:
        errors.setdefault("age_basis", _("“Tagged since” needs at least one tag to filter on."))
    overlap = set(queue.tags) & set(queue.without_tags)
    if overlap:
        errors.setdefault("without_tags", _("Also among the required tags: %(names)s.") % {
            "names": ", ".join(sorted(overlap))})
    if queue.slug and "slug" not in errors and WorkQueue.objects.filter(
            slug=queue.slug).exclude(pk=queue.pk).exists():
        errors["slug"] = _("Another queue already uses this address name.")


def _stage_keys(pipeline: Pipeline) -> set[str]:
    if pipeline.live_version is None:
        return set()
    return {stage.key for stage in definition_of(pipeline.live_version).stages}


def _apply(queue: WorkQueue, values: Mapping[str, Any], errors: dict[str, str]) -> None:
    assign_values(queue, values, editable=QUEUE_FIELDS, normalisers=NORMALISERS, errors=errors)
    if not queue.slug and "slug" not in errors and queue.name:
        queue.slug = slugify(queue.name).replace("_", "-")[:60] or "queue"
    if queue.owner_filter != WorkQueue.OwnerFilter.USER:
        queue.owner = None
    if queue.office_filter != WorkQueue.OfficeFilter.OFFICE:
        queue.office = None
    if not errors:
        _check_rules(queue, errors)
    validate_record(queue, errors, exclude=("pipeline", "owner", "office", "created_by"))


@transaction.atomic
def queue_create(*, actor: User, via: Via, values: Mapping[str, Any]) -> WorkQueue:
    """Save a new work queue (workspace managers)."""
    ensure_manages_workspace(actor)
    queue = WorkQueue(created_by=actor)
    errors: dict[str, str] = {}
    _apply(queue, values, errors)
    save_created(queue, actor=actor, via=via, fields=QUEUE_FIELDS)
    emit("work_queue.created", queue_id=queue.pk, actor_id=actor.pk, via=via)
    return queue


@transaction.atomic
def queue_update(*, actor: User, via: Via, queue: WorkQueue, values: Mapping[str, Any],
                 expected_version: int | None = None) -> WorkQueue:
    ensure_manages_workspace(actor)
    queue = WorkQueue.objects.select_for_update().get(pk=queue.pk)
    check_version(queue, expected_version)
    before = snapshot(queue, QUEUE_FIELDS)
    errors: dict[str, str] = {}
    _apply(queue, values, errors)
    if save_updated(queue, before, actor=actor, via=via, fields=QUEUE_FIELDS):
        emit("work_queue.updated", queue_id=queue.pk, actor_id=actor.pk, via=via)
    return queue


@transaction.atomic
def queue_delete(*, actor: User, via: Via, queue: WorkQueue,
                 expected_version: int | None = None) -> None:
    ensure_manages_workspace(actor)
    queue = WorkQueue.objects.select_for_update().get(pk=queue.pk)
    check_version(queue, expected_version)
    record_history(record=queue, actor=actor, via=via, action=HistoryEntry.Action.DELETED)
    emit("work_queue.deleted", queue_id=queue.pk, actor_id=actor.pk, via=via)
    queue.delete()


def preset_queue_values(item: Mapping[str, Any], position: int) -> dict[str, Any]:
    """A preset's `work_queues` entry (`key`, `name`, `tag` or `tags`, …) as queue values."""
    record_type = str(item.get("record_type") or WorkQueue.RecordType.ACCOUNT)
    tags = item.get("tags") or ([item["tag"]] if item.get("tag") else [])
    values: dict[str, Any] = {
        "name": item.get("name"), "slug": str(item.get("key") or item.get("name") or ""),
        "record_type": record_type, "tags": tags, "position": position,
        "age_basis": item.get("age_basis") or (
            WorkQueue.AgeBasis.TAGGED if tags else WorkQueue.AgeBasis.CREATED),
        "max_age_days": item.get("max_age_days"),
    }
    if record_type == WorkQueue.RecordType.ACCOUNT:
        values["customer_statuses"] = item.get("customer_statuses", PRESET_CUSTOMER_STATUSES)
    return values


def on_preset_installed(event: DomainEvent) -> None:
    """Add the work queues a preset ships; a queue whose address name exists is left alone."""
    preset = load_preset(event.payload["key"])
    actor = User.objects.get(pk=event.payload["actor_id"])
    for position, item in enumerate(preset.work_queues, start=1):
        values = preset_queue_values(item, position * 10)
        if WorkQueue.objects.filter(slug=_slug(values["slug"])).exists():
            continue
        try:
            queue_create(actor=actor, via=Via(event.payload.get("via", Via.SYSTEM)),
                         values=values)
        except InvalidInput as error:
            raise InvalidInput(_("The preset's work queue “%(name)s” is not valid.") % {
                "name": item.get("name")}, fields=error.fields) from error

"""Changes to job orders and placements, including the one-lead-one-opportunity link rule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from stageflow.accounts.access import visible_account_value
from stageflow.accounts.models import Contact
from stageflow.core.errors import Conflict, InvalidInput
from stageflow.core.history import record_history, snapshot
from stageflow.core.models import HistoryEntry, Via
from stageflow.core.records import assign_values, save_created, save_updated, validate_record
from stageflow.packs.recruitment.access import ensure_may_job_order
from stageflow.packs.recruitment.models import JobOrder, Placement
from stageflow.people import permissions
from stageflow.people.models import User
from stageflow.people.selectors import active_user_value, office_value
from stageflow.sales.access import ensure_may_record, kind_of
from stageflow.sales.models import Lead, Opportunity

JOB_ORDER_FIELDS = ("title", "description", "status", "account", "owner", "office")
PLACEMENT_FIELDS = ("status", "starts_on", "ends_on")


def _normalisers(actor: User) -> dict[str, Any]:
    return {"account": visible_account_value(actor), "owner": active_user_value,
            "office": office_value}


@transaction.atomic
def job_order_create(*, actor: User, via: Via, values: Mapping[str, Any],
                     record: Lead | Opportunity | None = None) -> JobOrder:
    """Create a job order, linked at once to `record` when given (the tab's "New")."""
    job_order = JobOrder(created_by=actor, owner=actor,
                         office_id=permissions.default_office_id(actor))
    errors: dict[str, str] = {}
    assign_values(job_order, values, editable=JOB_ORDER_FIELDS,
                  normalisers=_normalisers(actor), errors=errors)
    validate_record(job_order, errors, exclude=("account", "owner", "office", "created_by",
                                                "lead", "opportunity"))
    ensure_may_job_order(actor, "create", job_order)
    save_created(job_order, actor=actor, via=via, fields=JOB_ORDER_FIELDS)
    if record is not None:
        job_order_link(actor=actor, via=via, job_order=job_order, record=record)
    return job_order


@transaction.atomic
def job_order_update(*, actor: User, via: Via, job_order: JobOrder,
                     values: Mapping[str, Any]) -> JobOrder:
    job_order = JobOrder.objects.select_for_update().get(pk=job_order.pk)
    ensure_may_job_order(actor, "edit", job_order)
    before = snapshot(job_order, JOB_ORDER_FIELDS)
    errors: dict[str, str] = {}
    assign_values(job_order, values, editable=JOB_ORDER_FIELDS,
                  normalisers=_normalisers(actor), errors=errors)
    validate_record(job_order, errors, exclude=("account", "owner", "office", "created_by",
                                                "lead", "opportunity"))
    save_updated(job_order, before, actor=actor, via=via, fields=JOB_ORDER_FIELDS)
    return job_order


@transaction.atomic
def job_order_link(*, actor: User, via: Via, job_order: JobOrder,
                   record: Lead | Opportunity) -> JobOrder:
    """Relate a job order to a lead or an opportunity; each side holds at most one."""
    job_order = JobOrder.objects.select_for_update().get(pk=job_order.pk)
    ensure_may_job_order(actor, "edit", job_order)
    ensure_may_record(actor, "edit", record)
    kind = kind_of(record)
    current = getattr(job_order, kind)
    if current is not None and current.pk != record.pk:
        raise Conflict(
            _("This job order is already related to %(kind)s “%(title)s” (#%(id)s).")
            % {"kind": _(kind), "title": current.title, "id": current.pk},
            code="already_linked", fields={kind: str(current.pk)})
    if current is None:
        setattr(job_order, kind, record)
        job_order.version += 1
        job_order.save()
        record_history(record=job_order, actor=actor, via=via,
                       action=HistoryEntry.Action.LINKED,
                       summary=_("Related to %(title)s") % {"title": record.title})
        record_history(record=record, actor=actor, via=via, action=HistoryEntry.Action.LINKED,
                       summary=_("Job order %(title)s added") % {"title": job_order.title})
    return job_order


@transaction.atomic
def job_order_unlink(*, actor: User, via: Via, job_order: JobOrder,
                     record: Lead | Opportunity) -> JobOrder:
    job_order = JobOrder.objects.select_for_update().get(pk=job_order.pk)
    ensure_may_job_order(actor, "edit", job_order)
    kind = kind_of(record)
    if getattr(job_order, f"{kind}_id") == record.pk:
        setattr(job_order, kind, None)
        job_order.version += 1
        job_order.save()
        record_history(record=job_order, actor=actor, via=via,
                       action=HistoryEntry.Action.UNLINKED,
                       summary=_("No longer related to %(title)s") % {"title": record.title})
    return job_order


@transaction.atomic
def placement_create(*, actor: User, via: Via, job_order: JobOrder, candidate: Contact,
                     values: Mapping[str, Any]) -> Placement:
    ensure_may_job_order(actor, "edit", job_order)
    placement = Placement(job_order=job_order, candidate=candidate, created_by=actor)
    errors: dict[str, str] = {}
    assign_values(placement, values, editable=PLACEMENT_FIELDS, normalisers={}, errors=errors)
    validate_record(placement, errors, exclude=("job_order", "candidate", "created_by"))
    if placement.starts_on and placement.ends_on and placement.ends_on < placement.starts_on:
        raise InvalidInput(_("The end is before the start."),
                           fields={"ends_on": _("before the start")})
    save_created(placement, actor=actor, via=via, fields=PLACEMENT_FIELDS)
    return placement

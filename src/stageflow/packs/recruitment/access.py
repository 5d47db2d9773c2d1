"""Scope of job orders: like any record, by owner and office."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from stageflow.core.errors import NotAllowed, NotFound
from stageflow.packs.recruitment.models import JobOrder
from stageflow.people import permissions
from stageflow.people.models import User


def job_orders_for(user: User, action: str = "view") -> QuerySet[JobOrder]:
    condition = permissions.scope_filter(user, "job_orders", action)
    if condition is None:
        return JobOrder.objects.none()
    return JobOrder.objects.filter(condition)


def ensure_may_job_order(user: User, action: str, job_order: JobOrder) -> None:
    if not permissions.may(user, "job_orders", action, owner_id=job_order.owner_id,
                           office_id=job_order.office_id):
        raise NotAllowed(permissions.refusal(action))


def access_job_order_by_id(user: User, job_order_id: int, action: str = "view") -> JobOrder:
    job_order = job_orders_for(user).select_related("lead", "opportunity", "account").filter(
        pk=job_order_id).first()
    if job_order is None:
        raise NotFound(_("No such job order."))
    ensure_may_job_order(user, action, job_order)
    return job_order

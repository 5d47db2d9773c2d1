"""Reads of job orders and placements, also as tabs of leads and opportunities."""

from __future__ import annotations

from django.db.models import QuerySet

from stageflow.packs.recruitment.access import job_orders_for
from stageflow.packs.recruitment.models import JobOrder, Placement
from stageflow.people.models import User
from stageflow.sales.access import kind_of
from stageflow.sales.models import Lead, Opportunity


def job_orders_of(user: User, record: Lead | Opportunity) -> QuerySet[JobOrder]:
    return job_orders_for(user).filter(**{kind_of(record): record}).select_related(
        "lead", "opportunity", "account")


def placements_of(user: User, record: Lead | Opportunity) -> QuerySet[Placement]:
    """The placements on the job orders related to a lead or an opportunity."""
    return Placement.objects.filter(
        job_order__in=job_orders_of(user, record).values("pk")).select_related(
        "job_order", "candidate")

"""What the Job tab of an opportunity offers: its estimates, appointments and existing job."""

from __future__ import annotations

from django.db.models import QuerySet

from stageflow.jobs.models import Job
from stageflow.quotes.models import Estimate
from stageflow.sales.models import Opportunity
from stageflow.scheduling.models import Appointment

PICK_LIMIT = 100


def estimates_of(opportunity: Opportunity) -> QuerySet[Estimate]:
    """The opportunity's estimates; related records follow the opportunity's scope."""
    return Estimate.objects.filter(opportunity=opportunity).select_related(
        "account").order_by("-selected", "created_at", "id")[:PICK_LIMIT]


def appointments_of(opportunity: Opportunity) -> QuerySet[Appointment]:
    return Appointment.objects.filter(opportunity=opportunity).select_related(
        "account").order_by("date", "id")[:PICK_LIMIT]


def job_of(opportunity: Opportunity) -> Job | None:
    return Job.objects.select_related("account").filter(opportunity=opportunity).first()

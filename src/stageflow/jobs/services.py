"""Handing a won opportunity over as a job (seed 000, S1 steps 16 to 22, decision 4).

Nothing is created before the sale, and a win creates nothing by itself: the office (or a rule
that says so) calls `job_create`, which makes the sub-account under the customer, moves the
chosen estimates and appointments to it (they stay linked to the opportunity) and makes the
customer active, all in one transaction with a history row for each step.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from stageflow.accounts import services as account_services
from stageflow.accounts.models import Account, CustomerStatus
from stageflow.core import clock
from stageflow.core.errors import Conflict, InvalidInput, RuleRefused
from stageflow.core.events import emit
from stageflow.core.history import record_history
from stageflow.core.models import HistoryEntry, VersionedModel, Via
from stageflow.jobs.models import Job
from stageflow.jobs.naming import job_name
from stageflow.jobs.selectors import job_of
from stageflow.people.models import User
from stageflow.quotes.models import Estimate
from stageflow.sales.access import ensure_may_record
from stageflow.sales.models import Opportunity, Status
from stageflow.scheduling.models import Appointment


def _chosen(model: type[Estimate] | type[Appointment], opportunity: Opportunity,
            ids: Iterable[int], field: str) -> list[Estimate] | list[Appointment]:
    """The opportunity's own estimates or appointments with these ids (422 naming strangers)."""
    wanted = sorted(set(ids))
    found = list(model.objects.select_for_update().filter(opportunity=opportunity,
                                                          pk__in=wanted).order_by("pk"))
    strangers = sorted(set(wanted) - {row.pk for row in found})
    if strangers:
        message = _("Not of this opportunity: %(ids)s.") % {
            "ids": ", ".join(str(pk) for pk in strangers)}
        raise InvalidInput(message, fields={field: message})
    return found  # type: ignore[return-value]


def _move(row: Estimate | Appointment, job: Account, *, actor: User, via: Via) -> None:
    old = row.account
    row.account = job
    assert isinstance(row, VersionedModel)
    row.version += 1
    row.save(update_fields=["account", "version", "updated_at"])
    record_history(record=row, actor=actor, via=via, action=HistoryEntry.Action.UPDATED,
                   changes=[{"field": "account", "label": "customer",
                             "old": str(old) if old else None, "new": str(job)}],
                   summary=_("Moved to the job %(job)s") % {"job": job.name})


@transaction.atomic
def job_create(*, actor: User, via: Via, opportunity: Opportunity, name: str | None = None,
               estimate_ids: Iterable[int] | None = None,
               appointment_ids: Iterable[int] = ()) -> Account:
    """Create the job (sub-account) of a won opportunity and move what was sold to it.

    `name` defaults to the workspace naming template; `estimate_ids` to the selected estimate.
    Needs the `accounts` "create_sub" permission on the customer.
    """
    ensure_may_record(actor, "view", opportunity)
    opportunity = Opportunity.objects.select_for_update(of=("self",)).select_related(
        "account", "contact").get(pk=opportunity.pk)
    customer = opportunity.account
    if customer is None:
        raise RuleRefused(_("The opportunity has no customer account to create the job under."),
                          fields={"account": _("no account")})
    account_services.ensure_may_add_sub_account(actor, customer)
    if opportunity.status != Status.WON:
        raise RuleRefused(_("Only a won opportunity is handed over as a job."),
                          fields={"status": _("is %(status)s, not won") % {
                              "status": opportunity.status}})
    already = job_of(opportunity)
    if already is not None:
        raise Conflict(_("This opportunity was already handed over as the job %(job)s.") % {
            "job": already.account.name}, fields={"job": already.account.name})
    title = job_name(opportunity, name)
    if estimate_ids is None:
        estimate_ids = Estimate.objects.filter(opportunity=opportunity,
                                               selected=True).values_list("pk", flat=True)
    estimates = _chosen(Estimate, opportunity, estimate_ids, "estimate_ids")
    appointments = _chosen(Appointment, opportunity, appointment_ids, "appointment_ids")
    job = account_services.sub_account_create(actor=actor, via=via, parent=customer,
                                              values={"name": title})
    Job.objects.create(opportunity=opportunity, account=job, created_at=clock.now(),
                       created_by=actor)
    for row in [*estimates, *appointments]:
        _move(row, job, actor=actor, via=via)
    record_history(record=opportunity, actor=actor, via=via, action=HistoryEntry.Action.LINKED,
                   summary=_("Handed over as the job %(job)s") % {"job": job.name})
    if customer.customer_status != CustomerStatus.ACTIVE:
        account_services.account_update(actor=actor, via=via, account=customer,
                                        values={"customer_status": CustomerStatus.ACTIVE})
    emit("job.created", record_id=opportunity.pk, opportunity_id=opportunity.pk,
         account_id=job.pk, customer_id=customer.pk,
         estimate_ids=[row.pk for row in estimates],
         appointment_ids=[row.pk for row in appointments], actor_id=actor.pk, via=via)
    return job

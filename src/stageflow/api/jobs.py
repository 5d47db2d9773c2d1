"""/api/v1/opportunities/{id}/job: handing a won opportunity over as a job (sub-account)."""

from django.http import HttpRequest
from ninja import Router, Schema, Status

from stageflow.accounts.models import Account
from stageflow.api.accounts import AccountOut
from stageflow.api.common import caller
from stageflow.core.models import Via
from stageflow.jobs.services import job_create
from stageflow.sales.access import access_record_by_id
from stageflow.sales.models import Opportunity

router = Router(tags=["jobs"])


class JobIn(Schema):
    name: str | None = None
    estimate_ids: list[int] | None = None
    appointment_ids: list[int] = []


@router.post("/opportunities/{record_id}/job", response={201: AccountOut},
             operation_id="create_job")
def create_job(request: HttpRequest, record_id: int, payload: JobIn) -> Status[Account]:
    """Create the job of a won opportunity: the sub-account, with the chosen estimates (default:
    the selected one) and appointments moved to it. The name defaults to the naming template."""
    user = caller(request)
    opportunity = access_record_by_id(user, "opportunity", record_id)
    assert isinstance(opportunity, Opportunity)
    job = job_create(actor=user, via=Via.API, opportunity=opportunity, name=payload.name,
                     estimate_ids=payload.estimate_ids, appointment_ids=payload.appointment_ids)
    return Status(201, job)

"""The rule action "create_sub_account": a rule that says so hands a won opportunity over."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stageflow.automation.actions import ActionContext, ActionScope, register_action
from stageflow.core.models import Via
from stageflow.jobs.naming import check_template, render_name
from stageflow.jobs.selectors import job_of
from stageflow.jobs.services import job_create
from stageflow.quotes.models import Estimate
from stageflow.sales.models import Opportunity
from stageflow.scheduling.models import Appointment

FLAGS = ("move_selected_estimate", "move_appointments")


def _flag(params: Mapping[str, Any], name: str, default: bool) -> bool:
    value = params.get(name, default)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def check_create_sub_account(params: Mapping[str, Any], scope: ActionScope) -> dict[str, str]:
    problems: dict[str, str] = {}
    if params.get("name_template"):
        try:
            check_template(params["name_template"])
        except ValueError as error:
            problems["name_template"] = str(error)
    for name in FLAGS:
        value = params.get(name)
        if value is not None and not isinstance(value, bool) and str(value).lower() not in (
                "true", "false", "yes", "no", "1", "0", "on", "off", ""):
            problems[name] = _("Yes or no.")
    return problems


def create_sub_account(context: ActionContext, params: Mapping[str, Any]) -> str:
    opportunity = context.record
    assert isinstance(opportunity, Opportunity)
    already = job_of(opportunity)
    if already is not None:
        return _("already handed over as the job %(job)s") % {"job": already.account.name}
    template = str(params.get("name_template") or "").strip()
    name = render_name(template, opportunity) if template else None
    estimates = (Estimate.objects.filter(opportunity=opportunity, selected=True)
                 if _flag(params, "move_selected_estimate", True) else Estimate.objects.none())
    appointments = (Appointment.objects.filter(opportunity=opportunity)
                    if _flag(params, "move_appointments", False)
                    else Appointment.objects.none())
    job = job_create(actor=context.actor, via=Via.AUTOMATION, opportunity=opportunity, name=name,
                     estimate_ids=list(estimates.values_list("pk", flat=True)),
                     appointment_ids=list(appointments.values_list("pk", flat=True)))
    return _("job %(job)s created") % {"job": job.name}


def register() -> None:
    register_action("create_sub_account", gettext_lazy("Create the job (sub-account)"),
                    create_sub_account, check_create_sub_account,
                    params=("name_template", *FLAGS), record_types=("opportunity",))

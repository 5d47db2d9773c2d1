"""/api/v1/wizards/{kind}: the 3-step creation wizard (account, contact, record) for programs.

`GET …/options` answers what step 3 offers for the account and contact chosen so far; `POST`
runs all three steps in one transaction, as the wizard's last page does.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from stageflow.accounts.access import access_account_by_id, access_contact_by_id
from stageflow.api.common import Ref, caller, ref
from stageflow.api.sales import LeadOut, OpportunityOut, record_out
from stageflow.core.models import Via
from stageflow.sales import selectors, services
from stageflow.sales.access import access_record_by_id

router = Router(tags=["wizards"])
KindPath = Literal["lead", "opportunity"]


class StartOptionOut(Schema):
    key: str
    label: str
    records: list[Ref] = []


class WizardOptionsOut(Schema):
    kind: str
    account_modes: list[str]
    contact_step: bool
    account: Ref | None
    contact: Ref | None
    start_options: list[StartOptionOut]


class AccountChoiceIn(Schema):
    mode: Literal["existing", "new", "none"]
    id: int | None = None
    name: str = ""


class ContactChoiceIn(Schema):
    mode: Literal["existing", "new", "none"] = "none"
    id: int | None = None
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""


class WizardIn(Schema):
    account: AccountChoiceIn
    contact: ContactChoiceIn = ContactChoiceIn()
    copy_of: int | None = None
    values: dict[str, Any] = {}
    pipeline: str | None = None
    entry: str | None = None


@router.get("/wizards/{kind}/options", response=WizardOptionsOut,
            operation_id="wizard_options")
def wizard_options(request: HttpRequest, kind: KindPath, account: int | None = None,
                   contact: int | None = None) -> dict[str, Any]:
    """Step 3's choices: an empty record always; a copy only of the records the chosen
    existing `contact` is already on. Without an account (leads only) step 2 is skipped."""
    user = caller(request)
    chosen_account = access_account_by_id(user, account) if account is not None else None
    chosen_contact = (access_contact_by_id(user, contact)
                      if contact is not None and chosen_account is not None else None)
    options: list[dict[str, Any]] = [{"key": "empty", "label": _("An empty %(kind)s")
                                      % {"kind": _(kind)}}]
    copyable = selectors.copyable_records(user, kind,
                                          chosen_contact.pk if chosen_contact else None)
    if copyable:
        options.append({"key": "copy", "records": [ref(r) for r in copyable],
                        "label": _("Find an existing %(kind)s and make a copy")
                        % {"kind": _(kind)}})
    return {"kind": kind, "account_modes": [m for m in services.ACCOUNT_MODES
                                            if m != "none" or kind == "lead"],
            "contact_step": chosen_account is not None or kind != "lead",
            "account": ref(chosen_account), "contact": ref(chosen_contact),
            "start_options": options}


@router.post("/wizards/{kind}", response={201: LeadOut | OpportunityOut},
             operation_id="run_wizard")
def run_wizard(request: HttpRequest, kind: KindPath, payload: WizardIn) -> Status[Any]:
    """Create the account and contact chosen (or none) and the record, all or nothing."""
    user = caller(request)
    choice = services.WizardChoice(
        account_mode=payload.account.mode, account_id=payload.account.id,
        account_name=payload.account.name, contact_mode=payload.contact.mode,
        contact_id=payload.contact.id,
        contact=payload.contact.model_dump(include=set(services.CONTACT_FIELDS)))
    record = services.record_create_with_wizard(
        actor=user, via=Via.API, kind=kind, choice=choice, values=payload.values,
        copy_of=payload.copy_of, pipeline_key=payload.pipeline, entry=payload.entry)
    return Status(201, record_out(access_record_by_id(user, kind, record.pk)))

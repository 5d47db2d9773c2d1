"""S1's set-up, shared by the jobs, qualification and API tests: the field-service preset,
customer Jane Doe in the north office and her furnace opportunity, open or won."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from stageflow.accounts import services as account_services
from stageflow.accounts.models import Account
from stageflow.core.models import Via
from stageflow.people.models import User
from stageflow.pipelines.services import preset_install
from stageflow.quotes.models import Estimate
from stageflow.sales import services as sales
from stageflow.sales.models import Opportunity
from stageflow.scheduling.models import Appointment


@pytest.fixture
def field_service(admin: User) -> None:
    preset_install(actor=admin, via=Via.CLI, key="field_service")


@pytest.fixture
def jane(field_service: None, office_north: User) -> Account:
    return account_services.account_create(actor=office_north, via=Via.CLI,
                                           values={"name": "Jane Doe"})


@pytest.fixture
def make_deal(jane: Account, sales_north: User) -> Callable[..., Opportunity]:
    def make(*, won: bool = True, account: Account | None = jane, **values: Any) -> Opportunity:
        deal = sales.record_create(actor=sales_north, via=Via.CLI, kind="opportunity", values={
            "title": "New furnace", "account": account.pk if account else None,
            "attributes": {"marketing_source": "google", "product": "furnace_replacement"},
            **values})
        if won:
            deal = sales.record_move_to_stage(actor=sales_north, via=Via.CLI, record=deal,
                                              stage="won")
        return Opportunity.objects.get(pk=deal.pk)

    return make


@pytest.fixture
def deal(make_deal: Callable[..., Opportunity]) -> Opportunity:
    """Jane's furnace opportunity, won."""
    return make_deal()


def make_estimate(opportunity: Opportunity, number: str, *, selected: bool = False) -> Estimate:
    return Estimate.objects.create(number=number, title="Furnace", opportunity=opportunity,
                                   account=opportunity.account, currency="USD",
                                   selected=selected, owner=opportunity.owner,
                                   office=opportunity.office)


def make_appointment(opportunity: Opportunity) -> Appointment:
    return Appointment.objects.create(title="Measure up", opportunity=opportunity,
                                      account=opportunity.account, date=dt.date(2026, 3, 2),
                                      owner=opportunity.owner, office=opportunity.office)


def set_name_template(admin: User, template: str) -> None:
    from stageflow.communications.services import workspace_settings_save

    workspace_settings_save(actor=admin, via=Via.CLI,
                            values={"sub_account_name_template": template})

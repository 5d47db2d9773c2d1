"""Workspaces with the presets whose rules the automation tests replay."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from stageflow.core.models import Via
from stageflow.people.models import User
from stageflow.pipelines.services import preset_install
from stageflow.sales import services as sales
from stageflow.sales.models import Lead, Opportunity


@pytest.fixture
def recruitment(admin: User) -> None:
    """S2: recruitment leads and opportunities with the Carerix triggers T1-T4."""
    preset_install(actor=admin, via=Via.CLI, key="recruitment")


@pytest.fixture
def quotes(admin: User) -> None:
    """S4: the pool-service quote pipeline with the tag rules A1/A2."""
    preset_install(actor=admin, via=Via.CLI, key="quote_schedule")


@pytest.fixture
def new_lead() -> Callable[..., Lead]:
    def make(actor: User, title: str = "Enquiry", **values: Any) -> Lead:
        lead = sales.record_create(actor=actor, via=Via.API, kind="lead",
                                   values={"title": title, **values})
        assert isinstance(lead, Lead)
        return lead

    return make


@pytest.fixture
def new_opportunity() -> Callable[..., Opportunity]:
    def make(actor: User, title: str = "Deal", **values: Any) -> Opportunity:
        record = sales.record_create(actor=actor, via=Via.API, kind="opportunity",
                                     values={"title": title, **values})
        assert isinstance(record, Opportunity)
        return record

    return make

"""Lead forms and intake sources on S5's insurance workspace (which brings the "Website
opt-in" form with it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from stageflow.core.models import Via
from stageflow.intake import services
from stageflow.intake.models import IntakeSource, LeadForm
from stageflow.people.models import User


@pytest.fixture
def opt_in(insurance: None) -> LeadForm:
    return LeadForm.objects.get(slug="website-opt-in")


@pytest.fixture
def make_form(admin: User, insurance: None) -> Callable[..., LeadForm]:
    def make(slug: str = "contact-us", **values: Any) -> LeadForm:
        return services.lead_form_create(actor=admin, via=Via.API, values={
            "name": slug.replace("-", " ").title(), "slug": slug,
            "source": "email_query",
            "fields": [{"key": "contact_name", "required": True},
                       {"key": "email", "required": True}, {"key": "message"}],
            **values})

    return make


@pytest.fixture
def partner(admin: User, insurance: None) -> tuple[IntakeSource, str]:
    return services.intake_source_create(actor=admin, via=Via.API, values={
        "name": "Comparison site", "source": "marketing_campaign"})

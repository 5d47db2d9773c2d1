"""A training opportunity with an account and a main contact, and templates to send from it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from stageflow.communications import services
from stageflow.communications.models import MessageTemplate
from stageflow.core.models import Via

JANE_MOBILE = "+31612345678"


@pytest.fixture(autouse=True)
def sms_to_files(settings: Any, tmp_path: Any) -> None:
    # Nothing in these tests prints text messages or writes them into the data folder.
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_DIR = tmp_path / "sms"


@pytest.fixture
def company(db: None) -> Any:
    from stageflow.core import workspace

    settings_row = workspace.current()
    settings_row.company_name = "Acme Training"
    settings_row.company_email = "hello@acme-training.example"
    settings_row.office_email = "office@acme-training.example"
    settings_row.save()
    return settings_row


@pytest.fixture
def jane(make_contact: Callable[..., Any], sales_north: Any) -> Any:
    return make_contact(sales_north, "Doe", first_name="Jane", email="jane@example.com",
                        mobile=JANE_MOBILE)


@pytest.fixture
def opportunity(training: Any, sales_north: Any, jane: Any, make_account: Callable[..., Any],
                company: Any) -> Any:
    from stageflow.sales.services import record_create

    account = make_account(sales_north, "Globex", email="accounts@globex.example")
    return record_create(actor=sales_north, via=Via.CLI, kind="opportunity",
                         values={"title": "Course for Globex", "account": account.pk,
                                 "contact": jane.pk, "value": "1500",
                                 "attributes": {"po_number": "PO-7"}},
                         start_step="qualified")


@pytest.fixture
def make_template(admin: Any) -> Callable[..., MessageTemplate]:
    def make(key: str = "thanks", **values: Any) -> MessageTemplate:
        defaults = {"key": key, "kind": "email", "names": {"en": "Thanks"},
                    "subject": "Thanks, {{ contact.first_name }}",
                    "body": "Dear {{ contact.first_name }},\nabout {{ record.title }}.",
                    "record_type": "opportunity"}
        return services.template_save(actor=admin, values={**defaults, **values}, via=Via.CLI)

    return make

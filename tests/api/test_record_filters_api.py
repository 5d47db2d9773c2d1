"""Record lists by account and by contact (a company's and a contact's leads), and stage
names in the language asked for."""

from __future__ import annotations

from typing import Any

import pytest

from stageflow.core.models import Via
from stageflow.pipelines.services import preset_install
from stageflow.sales import services


@pytest.fixture
def recruitment(admin: Any) -> None:
    preset_install(actor=admin, via=Via.CLI, key="recruitment")


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200
    return sorted(item["id"] for item in response.json()["items"])


def test_leads_of_an_account_and_of_a_contact(api_as: Any, admin: Any, recruitment: Any,
                                              make_account: Any, make_contact: Any) -> None:
    acme = make_account(admin, "Acme")
    carol, bob = make_contact(admin, "Cole"), make_contact(admin, "Baker")
    main = services.record_create(actor=admin, via=Via.CLI, kind="lead",
                                  values={"title": "B", "account": acme.pk, "contact": bob.pk})
    linked = services.record_create(actor=admin, via=Via.CLI, kind="lead", values={"title": "C"})
    services.record_contact_link(actor=admin, via=Via.CLI, record=linked, contact=carol,
                                 role="Influencer")
    client = api_as(admin)

    assert _ids(client.get("/leads", account=acme.pk)) == [main.pk]
    assert _ids(client.get("/leads", contact=bob.pk)) == [main.pk]
    assert _ids(client.get("/leads", contact=carol.pk)) == [linked.pk]
    services.record_contact_unlink(actor=admin, via=Via.CLI, record=linked, contact=carol)
    assert _ids(client.get("/leads", contact=carol.pk)) == []


def test_the_contact_filter_keeps_one_row_per_record_in_fixed_queries(
        api_as: Any, admin: Any, recruitment: Any, make_contact: Any,
        django_assert_max_num_queries: Any) -> None:
    bob = make_contact(admin, "Baker")
    for number in range(5):
        lead = services.record_create(actor=admin, via=Via.CLI, kind="lead",
                                      values={"title": f"L{number}", "contact": bob.pk})
        services.record_contact_link(actor=admin, via=Via.CLI, record=lead, contact=bob,
                                     role="Main contact")
    client = api_as(admin)
    client.get("/leads", contact=bob.pk)

    with django_assert_max_num_queries(10):
        listed = client.get("/leads", contact=bob.pk, limit=100).json()

    assert listed["count"] == len(listed["items"]) == 5


def test_stage_names_in_the_language_asked_for(api_as: Any, admin: Any,
                                               recruitment: Any) -> None:
    lead = services.record_create(actor=admin, via=Via.CLI, kind="lead", values={"title": "A"})
    client = api_as(admin)

    assert client.get(f"/leads/{lead.pk}", lang="nl").json()["stage_name"] == "Nieuw"
    assert client.get(f"/leads/{lead.pk}").json()["stage_name"] == "New"
    assert client.get(f"/leads/{lead.pk}", lang="xx").json()["stage_name"] == "New"

"""The creation wizard on the API: step 3's options and the all-or-nothing creation."""

from __future__ import annotations

from typing import Any

import pytest

from stageflow.accounts.models import Account, Contact
from stageflow.core.models import Via
from stageflow.pipelines.services import preset_install
from stageflow.sales.models import Lead, RecordContact


@pytest.fixture
def recruitment(admin: Any) -> None:
    preset_install(actor=admin, via=Via.CLI, key="recruitment")


@pytest.fixture
def client(api_as: Any, office_north: Any, recruitment: Any) -> Any:
    return api_as(office_north)


def test_a_lead_without_account_skips_the_contact_step(client: Any) -> None:
    options = client.get("/wizards/lead/options").json()
    untitled = client.post("/wizards/lead", {"account": {"mode": "none"}})
    created = client.post("/wizards/lead", {"account": {"mode": "none"},
                                            "contact": {"mode": "existing", "id": 999},
                                            "values": {"title": "Lead A"}})

    assert options["account_modes"] == ["existing", "new", "none"]
    assert (options["contact_step"], [o["key"] for o in options["start_options"]]) == (
        False, ["empty"])
    assert list(untitled.json()["error"]["fields"]) == ["title"]
    assert created.status_code == 201
    assert (created.json()["account"], created.json()["contact"]) == (None, None)
    assert created.json()["stage"] == "l_new"


def test_an_opportunity_needs_an_account_and_nothing_is_written(client: Any) -> None:
    options = client.get("/wizards/opportunity/options").json()
    refused = client.post("/wizards/opportunity", {
        "account": {"mode": "none"}, "contact": {"mode": "new", "last_name": "Baker"}})
    unnamed = client.post("/wizards/opportunity", {"account": {"mode": "new", "name": " "}})

    assert "none" not in options["account_modes"]
    assert (refused.status_code, list(refused.json()["error"]["fields"])) == (
        422, ["account.mode"])
    assert list(unnamed.json()["error"]["fields"]) == ["account.name"]
    assert (Account.objects.count(), Contact.objects.count()) == (0, 0)


def test_new_account_and_contact_then_a_copy_for_the_existing_contact(client: Any) -> None:
    first = client.post("/wizards/lead", {
        "account": {"mode": "new", "name": "Acme"},
        "contact": {"mode": "new", "first_name": "Bob", "last_name": "Baker"},
        "values": {"title": "Planners", "priority": "high"}}).json()
    account, contact = first["account"]["id"], first["contact"]["id"]

    options = client.get("/wizards/lead/options", account=account, contact=contact).json()
    copy = client.post("/wizards/lead", {
        "account": {"mode": "existing", "id": account},
        "contact": {"mode": "existing", "id": contact}, "copy_of": first["id"],
        "values": {"description": "Second round"}})

    assert options["contact"] == {"id": contact, "name": "Bob Baker"}
    assert options["start_options"][1]["records"] == [{"id": first["id"], "name": "Planners"}]
    assert copy.status_code == 201
    assert (copy.json()["title"], copy.json()["priority"], copy.json()["description"]) == (
        "Planners", "high", "Second round")
    assert RecordContact.objects.get(lead_id=copy.json()["id"]).role == "Main contact"


def test_only_a_record_of_the_chosen_contact_can_be_copied(client: Any, office_north: Any,
                                                           make_contact: Any) -> None:
    other = client.post("/wizards/lead", {"account": {"mode": "none"},
                                          "values": {"title": "Someone else's"}}).json()
    stranger = make_contact(office_north, "Stone")

    refused = client.post("/wizards/lead", {
        "account": {"mode": "new", "name": "Acme"},
        "contact": {"mode": "existing", "id": stranger.pk}, "copy_of": other["id"]})

    assert (refused.status_code, list(refused.json()["error"]["fields"])) == (422, ["copy_of"])
    assert (Lead.objects.count(), Account.objects.count()) == (1, 0)


def test_the_wizard_follows_scope_and_permissions(api_as: Any, recruitment: Any,
                                                  make_user: Any, south: Any, north: Any,
                                                  make_account: Any, admin: Any) -> None:
    hidden = make_account(admin, "Hidden", office=south.pk, owner=admin.pk)
    technician = api_as(make_user("tech", "technician", north))
    reader = api_as(make_user("mkt", "marketing", north))

    assert reader.get("/wizards/lead/options", account=hidden.pk).status_code == 404
    unseen = reader.post("/wizards/lead", {"account": {"mode": "existing", "id": hidden.pk}})
    assert list(unseen.json()["error"]["fields"]) == ["account.id"]
    assert technician.post("/wizards/opportunity", {
        "account": {"mode": "new", "name": "X"}}).status_code == 403
    assert api_as(None).get("/wizards/lead/options").status_code == 401
    assert Lead.objects.count() == 0
    assert not Account.objects.filter(name="X").exists()


def test_options_read_a_fixed_number_of_queries(client: Any, office_north: Any,
                                                make_account: Any,
                                                django_assert_max_num_queries: Any) -> None:
    first = client.post("/wizards/lead", {
        "account": {"mode": "new", "name": "Acme"},
        "contact": {"mode": "new", "last_name": "Baker"}}).json()
    assert first["title"] == "Acme"
    for _ in range(5):
        client.post("/wizards/lead", {"account": {"mode": "existing",
                                                  "id": first["account"]["id"]},
                                      "contact": {"mode": "existing",
                                                  "id": first["contact"]["id"]}})

    with django_assert_max_num_queries(8):
        options = client.get("/wizards/lead/options", account=first["account"]["id"],
                             contact=first["contact"]["id"]).json()

    assert len(options["start_options"][1]["records"]) == 6

"""Custom attribute values: checked by type on write, named by field, recorded per value."""

from __future__ import annotations

import pytest

from stageflow.accounts.models import Account
from stageflow.core.history import history_of
from stageflow.core.models import Via
from stageflow.pipelines.services import attribute_save, lookup_value_save

ATTRIBUTES = {
    "budget": {"type": "money"},
    "employees": {"type": "number"},
    "first_visit": {"type": "date"},
    "call_at": {"type": "datetime"},
    "vip": {"type": "bool"},
    "segment": {"type": "choice", "choices": [{"key": "smb", "label": "Small business"},
                                              {"key": "old", "label": "Old", "active": False}]},
    "interests": {"type": "multi_choice", "choices": [{"key": "pools", "label": "Pools"},
                                                      {"key": "spas", "label": "Spas"}]},
    "billing_email": {"type": "email"},
    "after_hours": {"type": "phone"},
    "portal": {"type": "url"},
    "account_manager": {"type": "user"},
    "referrer": {"type": "account"},
    "product": {"type": "choice", "lookup": "product"},
    "summary": {"type": "text"},
}


@pytest.fixture
def attributes(admin):
    for key, values in ATTRIBUTES.items():
        attribute_save(actor=admin, via=Via.API, record_type="account", key=key,
                       values={"labels": {"en": key.replace("_", " ").capitalize()}, **values})
    lookup_value_save(actor=admin, via=Via.API, record_type="opportunity", table="product",
                      key="furnace", values={"label": "Furnace replacement"})


def test_valid_values_are_normalised(api_as, admin, attributes):
    response = api_as(admin).post("/accounts", {"name": "Acme", "attributes": {
        "budget": "1250.5", "employees": "12", "first_visit": "2026-12-01",
        "call_at": "2026-12-01T10:00", "vip": True, "segment": "smb",
        "interests": ["pools", "spas"], "billing_email": "AP@Acme.EXAMPLE.com",
        "after_hours": "217 555 0101", "portal": "portal.acme.example.com",
        "account_manager": admin.pk, "product": "furnace", "summary": "  Key account "}})

    assert response.status_code == 201
    assert response.json()["attributes"] == {
        "budget": "1250.50", "employees": 12, "first_visit": "2026-12-01",
        "call_at": "2026-12-01T10:00:00+00:00", "vip": True, "segment": "smb",
        "interests": ["pools", "spas"], "billing_email": "AP@acme.example.com",
        "after_hours": "+12175550101", "portal": "https://portal.acme.example.com",
        "account_manager": admin.pk, "product": "furnace", "summary": "Key account"}


def test_every_bad_value_is_named_and_nothing_is_written(api_as, admin, attributes):
    response = api_as(admin).post("/accounts", {"name": "Acme", "attributes": {
        "budget": "lots", "employees": True, "first_visit": "01/12/2026", "vip": "yes",
        "segment": "old", "interests": ["pools", "boats"], "billing_email": "ap@",
        "after_hours": "12", "portal": "not a url", "account_manager": 9999,
        "referrer": "abc", "product": "spaceship", "summary": "x" * 1001, "colour": "red"}})

    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {
        f"attributes.{key}" for key in ["budget", "employees", "first_visit", "vip", "segment",
                                        "interests", "billing_email", "after_hours", "portal",
                                        "account_manager", "referrer", "product", "summary",
                                        "colour"]}
    assert not Account.objects.exists()


def test_required_on_create_is_enforced_only_at_creation(api_as, admin, attributes):
    attribute_save(actor=admin, via=Via.API, record_type="account", key="marketing_source",
                   values={"labels": {"en": "Marketing source"}, "type": "text",
                           "required_on_create": True})
    client = api_as(admin)

    missing = client.post("/accounts", {"name": "Acme"})
    created = client.post("/accounts", {"name": "Acme",
                                        "attributes": {"marketing_source": "Google"}})
    edited = client.patch(f"/accounts/{created.json()['id']}", {"name": "Acme Inc"})

    assert missing.status_code == 422
    assert missing.json()["error"]["fields"] == {
        "attributes.marketing_source": "Marketing source is required."}
    assert created.status_code == 201
    assert edited.status_code == 200


def test_attribute_changes_are_recorded_one_by_one_and_empty_removes(api_as, admin, attributes):
    client = api_as(admin)
    account_id = client.post("/accounts", {"name": "Acme", "attributes": {
        "vip": True, "employees": 3}}).json()["id"]

    client.patch(f"/accounts/{account_id}", {"attributes": {"employees": 4, "vip": None}})

    account = Account.objects.get(pk=account_id)
    assert account.attributes == {"employees": 4}
    assert history_of(account).first().changes == [
        {"field": "attributes.employees", "label": "employees", "old": 3, "new": 4},
        {"field": "attributes.vip", "label": "vip", "old": True, "new": None}]


def test_contacts_carry_their_own_attributes(api_as, admin, attributes):
    attribute_save(actor=admin, via=Via.API, record_type="contact", key="linkedin",
                   values={"labels": {"en": "LinkedIn"}, "type": "url"})
    client = api_as(admin)

    wrong_type = client.post("/contacts", {"last_name": "Stone", "attributes": {"vip": True}})
    right = client.post("/contacts", {"last_name": "Stone",
                                      "attributes": {"linkedin": "linkedin.com/in/bob"}})

    assert wrong_type.status_code == 422
    assert right.json()["attributes"] == {"linkedin": "https://linkedin.com/in/bob"}

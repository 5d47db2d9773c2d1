"""/api/v1/accounts: envelope, filters, versions, errors, scope and history."""

from __future__ import annotations

import pytest

from stageflow.accounts.models import Account
from stageflow.core.models import HistoryEntry


def test_create_returns_201_with_the_record_and_its_version(api_as, office_north, north):
    response = api_as(office_north).post("/accounts", {
        "name": "Jane Doe", "phone": "217-555-0101", "customer_status": "lead"})

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Jane Doe"
    assert body["phone"] == "+12175550101"
    assert body["version"] == 1
    assert body["owner"] == {"id": office_north.pk, "name": "Office_n"}
    assert body["office"] == {"id": north.pk, "name": "North"}
    assert body["possible_duplicates"] == []


def test_create_warns_about_possible_duplicates(api_as, office_north):
    client = api_as(office_north)
    first = client.post("/accounts", {"name": "Jane Doe", "email": "jane@example.com"}).json()

    second = client.post("/accounts", {"name": "J. Doe", "email": "JANE@example.com"})

    assert second.status_code == 201
    assert second.json()["possible_duplicates"] == [{"id": first["id"], "name": "Jane Doe"}]
    found = client.get("/accounts/duplicates", email="jane@example.com").json()
    assert {d["name"] for d in found} == {"Jane Doe", "J. Doe"}


def test_invalid_fields_are_422_naming_each_and_nothing_is_written(api_as, office_north):
    response = api_as(office_north).post("/accounts", {
        "name": "X", "phone": "123", "email": "x@", "parent": 12345})

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"phone", "email", "parent"}
    assert not Account.objects.exists()
    assert not HistoryEntry.objects.exists()


@pytest.mark.parametrize(("body", "field"), [
    ('{"name": ', "body"),
    ('{"name": 5}', "name"),
    ('{"customer_status": "lead"}', "name"),
    ('{"name": "X", "parent": "abc"}', "parent"),
])
def test_malformed_requests_are_400_naming_the_field(api_as, office_north, body, field):
    response = api_as(office_north).post("/accounts", body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "malformed"
    if field != "body":
        assert field in error["fields"]
    assert not Account.objects.exists()


def test_an_unknown_customer_status_is_refused_by_name(api_as, office_north):
    response = api_as(office_north).post("/accounts", {"name": "X",
                                                      "customer_status": "prospect"})

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["customer_status"]
    assert not Account.objects.exists()


def test_oversized_field_is_422(api_as, office_north):
    response = api_as(office_north).post("/accounts", {"name": "A" * 5000})

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["name"]


def test_list_envelope_with_limit_offset_search_and_filters(api_as, office_north, make_account):
    for name, status in [("Acme", "active"), ("Globex", "lead"), ("Initech", "lead")]:
        make_account(office_north, name, customer_status=status)
    client = api_as(office_north)

    page = client.get("/accounts", limit=2, offset=1).json()
    leads = client.get("/accounts", customer_status="lead").json()
    found = client.get("/accounts", q="glob").json()
    newest_first = client.get("/accounts", ordering="-name").json()

    assert page["count"] == 3
    assert [a["name"] for a in page["items"]] == ["Globex", "Initech"]
    assert [a["name"] for a in leads["items"]] == ["Globex", "Initech"]
    assert [a["name"] for a in found["items"]] == ["Globex"]
    assert [a["name"] for a in newest_first["items"]] == ["Initech", "Globex", "Acme"]


def test_patch_with_if_match_and_stale_version(api_as, office_north, make_account):
    account = make_account(office_north, "Acme")
    client = api_as(office_north)

    ok = client.patch(f"/accounts/{account.pk}", {"billing_city": "Springfield"},
                      headers={"If-Match": '"1"'})
    stale = client.patch(f"/accounts/{account.pk}", {"billing_city": "Shelbyville"},
                         headers={"If-Match": "1"})
    stale_body = client.patch(f"/accounts/{account.pk}", {"name": "B", "version": 1})

    assert ok.status_code == 200
    assert ok.json()["version"] == 2
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "stale"
    assert stale_body.status_code == 409
    account.refresh_from_db()
    assert (account.billing_city, account.name, account.version) == ("Springfield", "Acme", 2)


def test_if_match_must_be_a_version_number(api_as, office_north, make_account):
    account = make_account(office_north, "Acme")

    response = api_as(office_north).patch(f"/accounts/{account.pk}", {"name": "B"},
                                          headers={"If-Match": "abc"})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"If-Match": "not a version number"}


def test_parent_cycle_through_the_api_is_422(api_as, admin, make_account):
    top = make_account(admin, "Top")
    sub = make_account(admin, "Sub", parent=top.pk)

    response = api_as(admin).patch(f"/accounts/{top.pk}", {"parent": sub.pk})

    assert response.status_code == 422
    assert "parent" in response.json()["error"]["fields"]


def test_delete_and_then_404(api_as, admin, make_account):
    account = make_account(admin, "Gone")
    client = api_as(admin)

    assert client.delete(f"/accounts/{account.pk}").status_code == 204
    assert client.get(f"/accounts/{account.pk}").status_code == 404


def test_delete_with_sub_accounts_is_409(api_as, admin, make_account):
    top = make_account(admin, "Top")
    make_account(admin, "Sub", parent=top.pk)

    response = api_as(admin).delete(f"/accounts/{top.pk}")

    assert response.status_code == 409
    assert response.json()["error"]["fields"] == {"sub_accounts": "1"}


def test_sub_accounts_are_created_by_office_and_refused_to_salespeople(
        api_as, office_north, sales_north, make_account):
    jane = make_account(office_north, "Jane Doe")

    refused = api_as(sales_north).post(f"/accounts/{jane.pk}/sub-accounts",
                                       {"name": "Doe - Furnace"})
    created = api_as(office_north).post(f"/accounts/{jane.pk}/sub-accounts",
                                        {"name": "Doe - Furnace"})
    listed = api_as(sales_north).get(f"/accounts/{jane.pk}/sub-accounts").json()

    assert refused.status_code == 403
    assert created.status_code == 201
    assert created.json()["parent"] == {"id": jane.pk, "name": "Jane Doe"}
    assert [a["name"] for a in listed["items"]] == ["Doe - Furnace"]


def test_history_lists_who_changed_what_through_which_interface(api_as, office_north,
                                                                make_account):
    account = make_account(office_north, "Acme")
    client = api_as(office_north)
    client.patch(f"/accounts/{account.pk}", {"customer_status": "active"})

    history = client.get(f"/accounts/{account.pk}/history").json()

    assert history["count"] == 2
    latest = history["items"][0]
    assert latest["action"] == "updated"
    assert latest["via"] == "api"
    assert latest["actor"] == {"id": office_north.pk, "name": "Office_n"}
    assert latest["changes"] == [{"field": "customer_status", "label": "customer status",
                                  "old": "lead", "new": "active"}]
    assert history["items"][1]["via"] == "cli"


def test_account_contacts_endpoint_lists_linked_contacts(api_as, office_north, make_account):
    account = make_account(office_north, "Acme")
    client = api_as(office_north)
    client.post("/contacts", {"last_name": "Stone", "first_name": "Bob", "account": account.pk,
                              "job_title": "Buyer"})

    listed = client.get(f"/accounts/{account.pk}/contacts").json()

    assert listed["items"][0]["job_title"] == "Buyer"
    assert listed["items"][0]["contact"]["name"] == "Bob Stone"


@pytest.mark.parametrize("rows", [5, 50])
def test_list_runs_a_fixed_number_of_queries(api_as, admin, make_account, rows,
                                             django_assert_num_queries):
    top = make_account(admin, "Top")
    Account.objects.bulk_create(
        Account(name=f"Customer {i}", owner=admin, parent=top) for i in range(rows))
    client = api_as(admin)
    client.get("/accounts", limit=1)  # warm the token's last-used stamp

    # token look-up, roles, count, page, the page's tags
    with django_assert_num_queries(5):
        response = client.get("/accounts", limit=100)

    assert response.json()["count"] == rows + 1


@pytest.mark.parametrize(("typed", "found"), [
    ("217-555-0101", ["Jane Doe"]),
    ("(217) 555 0101", ["Jane Doe"]),
    ("+1 217 555 0101", ["Jane Doe"]),
    ("2175550", ["Acme", "Jane Doe"]),
    ("0101", ["Jane Doe"]),
    ("555 0199", ["Acme"]),
    ("9999999", []),
])
def test_phone_search_finds_numbers_however_they_are_typed(api_as, office_north, make_account,
                                                          typed, found):
    make_account(office_north, "Jane Doe", phone="+1 217 555 0101")
    make_account(office_north, "Acme", phone_alt="+1 217 555 0199")

    response = api_as(office_north).get("/accounts", q=typed).json()

    assert [a["name"] for a in response["items"]] == found


def test_s4_accounts_carry_tags_that_filter_the_list(api_as, office_north):
    client = api_as(office_north)

    created = client.post("/accounts", {"name": "Pat Lee", "customer_status": "lead",
                                        "tags": ["Quote"]})
    account_id = created.json()["id"]
    client.post("/accounts", {"name": "Untagged"})
    quote_queue = client.get("/accounts?tag=Quote").json()
    client.post(f"/accounts/{account_id}/tags", {"tag": "Sales Followup"})
    moved = client.delete(f"/accounts/{account_id}/tags/Quote").json()
    bad_status = client.post("/accounts", {"name": "X", "customer_status": "prospect"})
    bad_tag = client.post("/accounts", {"name": "Y", "tags": [""]})

    assert created.status_code == 201
    assert created.json()["tags"] == ["Quote"]
    assert [item["name"] for item in quote_queue["items"]] == ["Pat Lee"]
    assert moved["tags"] == ["Sales Followup"]
    assert bad_status.status_code == 422
    assert bad_tag.status_code == 422
    assert client.get("/accounts?tag=Y").json()["count"] == 0

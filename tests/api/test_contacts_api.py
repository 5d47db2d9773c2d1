"""/api/v1/contacts: create with a link, links to accounts, versions, scope and history."""

from __future__ import annotations

import pytest

from stageflow.accounts.models import Contact


def test_create_with_account_link_and_duplicate_warning(api_as, office_north, make_account):
    acme = make_account(office_north, "Acme")
    client = api_as(office_north)

    first = client.post("/contacts", {"first_name": "Bob", "last_name": "Stone",
                                      "email": "bob@acme.example.com", "account": acme.pk,
                                      "job_title": "Buyer"})
    second = client.post("/contacts", {"last_name": "Stone", "email": "BOB@acme.example.com"})

    assert first.status_code == 201
    assert first.json()["accounts"] == [{"account": {"id": acme.pk, "name": "Acme"},
                                        "job_title": "Buyer"}]
    assert second.json()["possible_duplicates"] == [{"id": first.json()["id"],
                                                     "name": "Bob Stone"}]


def test_create_with_an_account_outside_scope_is_404_and_writes_nothing(
        api_as, office_north, sales_south, make_account):
    hidden = make_account(sales_south, "South only")

    response = api_as(office_north).post("/contacts", {"last_name": "Stone",
                                                       "account": hidden.pk})

    assert response.status_code == 404
    assert not Contact.objects.exists()


def test_invalid_phone_is_422_naming_the_field(api_as, office_north):
    response = api_as(office_north).post("/contacts", {"last_name": "Stone", "mobile": "12ab"})

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["mobile"]


def test_link_change_job_title_and_unlink(api_as, office_north, make_account, make_contact):
    acme = make_account(office_north, "Acme")
    bob = make_contact(office_north, "Stone")
    client = api_as(office_north)

    linked = client.put(f"/contacts/{bob.pk}/accounts/{acme.pk}", {"job_title": "Buyer"})
    renamed = client.put(f"/contacts/{bob.pk}/accounts/{acme.pk}", {"job_title": "Head buyer"})
    detail = client.get(f"/contacts/{bob.pk}").json()
    unlinked = client.delete(f"/contacts/{bob.pk}/accounts/{acme.pk}")

    assert linked.status_code == 200
    assert renamed.json()["job_title"] == "Head buyer"
    assert detail["accounts"][0]["job_title"] == "Head buyer"
    assert unlinked.status_code == 204
    assert client.get(f"/contacts/{bob.pk}").json()["accounts"] == []
    assert client.get(f"/contacts/{bob.pk}/history").json()["count"] == 4


def test_filter_contacts_by_account_and_search(api_as, office_north, make_account, make_contact):
    acme = make_account(office_north, "Acme")
    client = api_as(office_north)
    client.post("/contacts", {"first_name": "Bob", "last_name": "Stone", "account": acme.pk})
    make_contact(office_north, "White", first_name="Carol", phone="+1 217 555 0199")

    at_acme = client.get("/contacts", account=acme.pk).json()
    by_full_name = client.get("/contacts", q="bob sto").json()
    by_phone = client.get("/contacts", q="555-0199").json()

    assert [c["name"] for c in at_acme["items"]] == ["Bob Stone"]
    assert [c["name"] for c in by_full_name["items"]] == ["Bob Stone"]
    assert [c["name"] for c in by_phone["items"]] == ["Carol White"]


def test_stale_contact_update_is_409(api_as, office_north, make_contact):
    bob = make_contact(office_north, "Stone")
    client = api_as(office_north)
    client.patch(f"/contacts/{bob.pk}", {"first_name": "Bob", "version": 1})

    response = client.patch(f"/contacts/{bob.pk}", {"first_name": "Robert", "version": 1})

    assert response.status_code == 409
    bob.refresh_from_db()
    assert bob.first_name == "Bob"


@pytest.mark.parametrize("rows", [5, 50])
def test_list_runs_a_fixed_number_of_queries(api_as, admin, rows, django_assert_num_queries):
    Contact.objects.bulk_create(Contact(last_name=f"Person {i}", owner=admin) for i in range(rows))
    client = api_as(admin)
    client.get("/contacts", limit=1)

    with django_assert_num_queries(4):
        response = client.get("/contacts", limit=100)

    assert response.json()["count"] == rows

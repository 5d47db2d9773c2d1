"""POST /opportunities/{id}/job, sub-account naming, cards on file (S1 16-21, S4 step 9)."""
# ruff: noqa: F811 - the shared S1 fixtures are imported, then requested by name

from __future__ import annotations

import pytest

from stageflow.accounts.models import Account, PaymentMethod
from stageflow.quotes.models import Estimate
from tests.jobs.fixtures import (  # noqa: F401
    deal,
    field_service,
    jane,
    make_deal,
    make_estimate,
    set_name_template,
)


def test_no_sub_account_exists_before_the_sale_and_the_win_creates_none(api_as, sales_north,
                                                                        jane, deal):
    listed = api_as(sales_north).get(f"/accounts/{jane.pk}/sub-accounts").json()

    assert listed == {"items": [], "count": 0}


def test_the_salesperson_is_refused_and_the_office_creates_the_job(
        api_as, admin, sales_north, office_north, jane, deal):
    set_name_template(admin, "{last_name} - {product}")
    selected = make_estimate(deal, "E2", selected=True)

    refused = api_as(sales_north).post(f"/opportunities/{deal.pk}/job", {})
    created = api_as(office_north).post(f"/opportunities/{deal.pk}/job", {})
    again = api_as(office_north).post(f"/opportunities/{deal.pk}/job", {"name": "Other"})

    assert refused.status_code == 403
    assert created.status_code == 201
    body = created.json()
    assert (body["name"], body["parent"]) == ("Doe - Furnace Replacement",
                                              {"id": jane.pk, "name": "Jane Doe"})
    assert Estimate.objects.get(pk=selected.pk).account_id == body["id"]
    assert again.status_code == 409
    assert again.json()["error"]["fields"] == {"job": "Doe - Furnace Replacement"}


def test_without_a_template_the_name_is_required(api_as, office_north, jane, deal):
    response = api_as(office_north).post(f"/opportunities/{deal.pk}/job", {})

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["name"]
    assert not Account.objects.filter(parent=jane).exists()


def test_an_open_opportunity_is_refused(api_as, office_north, jane, make_deal):
    open_deal = make_deal(won=False)

    response = api_as(office_north).post(f"/opportunities/{open_deal.pk}/job", {"name": "Doe"})

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["status"]


def test_an_opportunity_out_of_scope_is_not_found(api_as, make_user, south, jane, deal):
    other_office = make_user("office_s", "office", south)

    response = api_as(other_office).post(f"/opportunities/{deal.pk}/job", {"name": "Doe"})

    assert response.status_code == 404


def test_a_stranger_estimate_is_named(api_as, office_north, jane, deal, make_deal):
    stranger = make_estimate(make_deal(title="Other"), "E9")

    response = api_as(office_north).post(f"/opportunities/{deal.pk}/job",
                                         {"name": "Doe", "estimate_ids": [stranger.pk]})

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["estimate_ids"]


def test_sub_account_endpoint_names_from_the_template_when_given_the_opportunity(
        api_as, admin, sales_north, office_north, jane, deal):
    set_name_template(admin, "{last_name} - {product}")

    refused = api_as(sales_north).post(f"/accounts/{jane.pk}/sub-accounts",
                                       {"opportunity": deal.pk})
    created = api_as(office_north).post(f"/accounts/{jane.pk}/sub-accounts",
                                        {"opportunity": deal.pk})
    typed = api_as(office_north).post(f"/accounts/{jane.pk}/sub-accounts",
                                      {"name": "Doe - Furnace Replacement"})

    assert refused.status_code == 403
    assert created.status_code == 201
    assert created.json()["name"] == typed.json()["name"] == "Doe - Furnace Replacement"
    assert created.json()["owner"] == {"id": office_north.pk, "name": str(office_north)}


def test_sub_account_endpoint_refuses_another_customers_opportunity(
        api_as, admin, office_north, jane, make_account, make_deal):
    set_name_template(admin, "{last_name} - {product}")
    other = make_account(office_north, "Bob Smith")
    bobs = make_deal(account=other)

    response = api_as(office_north).post(f"/accounts/{jane.pk}/sub-accounts",
                                         {"opportunity": bobs.pk})

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["opportunity"]


def test_sub_account_without_a_name_or_opportunity_names_the_field(api_as, office_north, jane):
    response = api_as(office_north).post(f"/accounts/{jane.pk}/sub-accounts", {})

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["name"]


# --- cards on file ---------------------------------------------------------------------------

def test_a_card_on_file_shows_only_brand_last_four_and_expiry(api_as, office_north, jane):
    client = api_as(office_north)

    created = client.post(f"/accounts/{jane.pk}/payment-methods", {"token": "tok_visa"})
    listed = client.get(f"/accounts/{jane.pk}/payment-methods").json()

    assert created.status_code == 201
    assert listed["count"] == 1
    [card] = listed["items"]
    assert {k: card[k] for k in ("brand", "last4", "exp_month", "exp_year", "label")} == {
        "brand": "Visa", "last4": "4242", "exp_month": None, "exp_year": None, "label": ""}
    assert "tok_visa" not in created.content.decode() + str(listed)


def test_a_card_number_is_refused_naming_the_field(api_as, office_north, jane):
    response = api_as(office_north).post(f"/accounts/{jane.pk}/payment-methods",
                                         {"token": "4242 4242 4242 4242"})

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["token"]
    assert not PaymentMethod.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("sales_north", 403), ("sales_south", 404),
                                             ("office_north", 201)])
def test_who_may_keep_a_card(api_as, request, jane, who, status):
    user = request.getfixturevalue(who)

    response = api_as(user).post(f"/accounts/{jane.pk}/payment-methods", {"token": "tok_amex"})

    assert response.status_code == status


def test_deleting_a_card(api_as, office_north, sales_north, jane):
    client = api_as(office_north)
    card = client.post(f"/accounts/{jane.pk}/payment-methods", {"token": "tok_visa"}).json()

    refused = api_as(sales_north).delete(f"/accounts/{jane.pk}/payment-methods/{card['id']}")
    deleted = client.delete(f"/accounts/{jane.pk}/payment-methods/{card['id']}")
    missing = client.delete(f"/accounts/{jane.pk}/payment-methods/{card['id']}")

    assert (refused.status_code, deleted.status_code, missing.status_code) == (403, 204, 404)


def test_listing_cards_runs_a_bounded_number_of_queries(api_as, office_north, jane,
                                                       django_assert_max_num_queries):
    client = api_as(office_north)
    for token in ("tok_visa", "tok_amex", "tok_mastercard"):
        client.post(f"/accounts/{jane.pk}/payment-methods", {"token": token})

    with django_assert_max_num_queries(8):
        listed = client.get(f"/accounts/{jane.pk}/payment-methods").json()

    assert [card["brand"] for card in listed["items"]] == ["Visa", "Amex", "Mastercard"]

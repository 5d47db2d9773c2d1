"""Search finds text anywhere in names, emails and cities, and stays current with edits."""

from __future__ import annotations

from stageflow.accounts import selectors, services
from stageflow.accounts.models import Account
from stageflow.core.models import Via


def _names(user, text: str) -> list[str]:
    return [a.name for a in selectors.account_list(user=user, q=text)]


def test_search_matches_inside_words_ignoring_case(admin, make_account):
    make_account(admin, "Joe's Plumbing", email="joe@pipes.example.com", billing_city="Peoria")
    make_account(admin, "Acme", billing_city="Springfield")

    assert _names(admin, "PLUMB") == ["Joe's Plumbing"]
    assert _names(admin, "pipes.example") == ["Joe's Plumbing"]
    assert _names(admin, "eori") == ["Joe's Plumbing"]
    assert _names(admin, "ld") == ["Acme"]
    assert _names(admin, 'joe"s') == []


def test_search_follows_renames_and_deletes(admin, make_account):
    account = make_account(admin, "Old Name Ltd")
    services.account_update(actor=admin, via=Via.API, account=account,
                            values={"name": "Brand New Ltd"})

    assert _names(admin, "old name") == []
    assert _names(admin, "brand") == ["Brand New Ltd"]
    services.account_delete(actor=admin, via=Via.API, account=account)
    assert _names(admin, "brand") == []


def test_search_sees_rows_written_in_bulk(admin):
    Account.objects.bulk_create([Account(name=f"Bulk Customer {i}", owner=admin)
                                 for i in range(3)])

    assert len(_names(admin, "bulk cust")) == 3


def test_search_respects_scope(sales_north, sales_south, make_account):
    make_account(sales_south, "Hidden Plumbing")

    assert _names(sales_north, "plumbing") == []


def test_contacts_are_found_by_any_name_part_or_email(admin, make_contact):
    make_contact(admin, "Stone", first_name="Bob", email_alt="bob@quarry.example.com")

    found = [str(c) for c in selectors.contact_list(user=admin, q="QUARRY")]

    assert found == ["Bob Stone"]

"""Rules of contact changes and of their links to accounts."""

from __future__ import annotations

import pytest

from stageflow.accounts import selectors, services
from stageflow.accounts.models import AccountContact, Contact
from stageflow.core.errors import InvalidInput
from stageflow.core.history import history_of
from stageflow.core.models import HistoryEntry, Via


def test_contact_created_with_an_account_is_linked_with_job_title(office_north, make_account):
    acme = make_account(office_north, "Acme")

    bob = services.contact_create(actor=office_north, via=Via.WEB, account=acme,
                                  job_title="Facilities manager",
                                  values={"first_name": "Bob", "last_name": "Stone",
                                          "mobile": "+44 7911 123456"})

    assert bob.mobile == "+447911123456"
    assert [(link.account, link.job_title) for link in bob.account_links.all()] == [
        (acme, "Facilities manager")]
    assert [e.action for e in history_of(bob)] == ["linked", "created"]


def test_contact_needs_a_last_name_and_valid_emails(office_north):
    with pytest.raises(InvalidInput) as raised:
        services.contact_create(actor=office_north, via=Via.API,
                                values={"first_name": "Bob", "email_alt": "bob@"})

    assert set(raised.value.fields) == {"last_name", "email_alt"}
    assert Contact.objects.count() == 0


def test_contact_links_to_several_accounts_and_changes_job_title(office_north, make_account,
                                                                make_contact):
    acme, globex = make_account(office_north, "Acme"), make_account(office_north, "Globex")
    bob = make_contact(office_north, "Stone")

    services.contact_link_account(actor=office_north, via=Via.WEB, contact=bob, account=acme,
                                  job_title="Buyer")
    services.contact_link_account(actor=office_north, via=Via.WEB, contact=bob, account=globex)
    services.contact_link_account(actor=office_north, via=Via.WEB, contact=bob, account=acme,
                                  job_title="Head buyer")

    links = AccountContact.objects.filter(contact=bob).order_by("account__name")
    assert [(link.account.name, link.job_title) for link in links] == [
        ("Acme", "Head buyer"), ("Globex", "")]
    assert history_of(bob).first().changes == [
        {"field": "job_title", "label": "job title", "old": "Buyer", "new": "Head buyer"}]


def test_unlinking_keeps_both_records(office_north, make_account, make_contact):
    acme = make_account(office_north, "Acme")
    bob = make_contact(office_north, "Stone")
    services.contact_link_account(actor=office_north, via=Via.WEB, contact=bob, account=acme)

    services.contact_unlink_account(actor=office_north, via=Via.WEB, contact=bob, account=acme)

    assert not AccountContact.objects.exists()
    assert Contact.objects.filter(pk=bob.pk).exists()
    assert history_of(acme).first().action == HistoryEntry.Action.UNLINKED


def test_duplicates_are_found_by_email_or_phone_within_scope(office_north, sales_south,
                                                             make_contact):
    make_contact(office_north, "Stone", email="bob@example.com")
    make_contact(office_north, "Other", phone="+12175550101")
    make_contact(sales_south, "Hidden", email="bob@example.com")

    found = selectors.duplicate_contacts_for_values(
        user=office_north, values={"email": "BOB@example.com", "phone": "217 555 0101"})

    assert sorted(c.last_name for c in found) == ["Other", "Stone"]

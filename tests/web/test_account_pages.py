"""Account pages: the tags bar (S4's work queues are account tags) and query counts."""

from __future__ import annotations

import pytest

from stageflow.accounts.models import Account, AccountContact, Contact


def test_an_account_page_adds_and_removes_tags(client, office_north, make_account):
    account = make_account(office_north, "Pat Lee")
    client.force_login(office_north)

    client.post(f"/accounts/{account.pk}/tags/", {"tag": "Quote"})
    client.post(f"/accounts/{account.pk}/tags/", {"tag": "Schedule"})
    client.post(f"/accounts/{account.pk}/tags/remove/", {"tag": "Quote"})
    page = client.get(f"/accounts/{account.pk}/").content.decode()

    assert list(account.tags.values_list("name", flat=True)) == ["Schedule"]
    assert "<span>Schedule</span>" in page
    assert f'action="/accounts/{account.pk}/tags/"' in page



@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize(("path", "queries"), [
    ("/accounts/", 11), ("/accounts/?q=Customer", 11), ("/accounts/{top}/", 11),
    ("/contacts/", 12), ("/contacts/?q=Stone", 12),
])
def test_account_pages_run_a_fixed_number_of_queries(client, sales_north, north, make_account,
                                                      rows, path, queries,
                                                      django_assert_max_num_queries):
    top = make_account(sales_north, "Top")
    accounts = Account.objects.bulk_create(
        Account(name=f"Customer {i}", owner=sales_north, office=north, parent=top,
                phone="+12175550100") for i in range(rows))
    contacts = Contact.objects.bulk_create(
        Contact(last_name="Stone", first_name=f"Ann {i}", office=north) for i in range(rows))
    AccountContact.objects.bulk_create(
        [AccountContact(account=top, contact=contact) for contact in contacts]
        + [AccountContact(account=account, contact=contact)
           for account, contact in zip(accounts, contacts, strict=True)])
    client.force_login(sales_north)
    url = path.format(top=top.pk)
    client.get(url)  # sessions and caches settle on the first request

    # session, user, roles, offices, the page's own reads, the reminders in the header
    with django_assert_max_num_queries(queries):
        response = client.get(url)

    assert response.status_code == 200

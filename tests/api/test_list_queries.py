"""Every list endpoint runs the same number of queries for 5 rows as for 50."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stageflow.accounts import services
from stageflow.accounts.models import Account, AccountContact, Contact
from stageflow.core.models import Via


def _queries(client, path: str) -> int:
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, limit=100)
    assert response.status_code == 200
    return len(captured)


@pytest.fixture
def filled(admin, make_account):
    def fill(rows: int) -> dict[str, int]:
        top = make_account(admin, "Top")
        Account.objects.bulk_create(Account(name=f"Sub {i}", owner=admin, parent=top)
                                    for i in range(rows))
        contacts = Contact.objects.bulk_create(Contact(last_name=f"P{i}", owner=admin)
                                               for i in range(rows))
        AccountContact.objects.bulk_create(AccountContact(account=top, contact=c)
                                           for c in contacts)
        for i in range(rows):
            services.account_update(actor=admin, via=Via.API, account=top,
                                    values={"notes": f"note {i}"})
            services.contact_update(actor=admin, via=Via.API, contact=contacts[0],
                                    values={"notes": f"note {i}"})
        return {"account": top.pk, "contact": contacts[0].pk}

    return fill


PATHS = ["/accounts/{account}/sub-accounts", "/accounts/{account}/contacts",
         "/accounts/{account}/history", "/contacts/{contact}/history", "/contacts",
         "/accounts", "/roles", "/offices", "/me/tokens"]


@pytest.mark.parametrize("path", PATHS)
def test_list_endpoint_query_count_does_not_grow_with_rows(api_as, admin, filled, path):
    ids_small = filled(5)
    small = _queries(api_as(admin), path.format(**ids_small))
    ids_large = filled(50)
    large = _queries(api_as(admin), path.format(**ids_large))

    assert small == large

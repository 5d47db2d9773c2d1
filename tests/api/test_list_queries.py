"""Every list endpoint runs the same number of queries for 5 rows as for 50."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stageflow.accounts import services
from stageflow.accounts.models import Account, AccountContact, Contact
from stageflow.core.models import Via
from stageflow.sales import services as sales_services
from stageflow.sales.models import Opportunity


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


def _fill_records(actor: Any, account: Account, contact: Contact, rows: int) -> None:
    """`rows` leads, each with an opportunity that shows all a list row can: tags, the lead,
    competitors, a sales team and a follow-on (itself listed, with its parent)."""
    for number in range(rows):
        values = {"account": account.pk, "contact": contact.pk}
        lead = sales_services.record_create(actor=actor, via=Via.CLI, kind="lead",
                                            values={"title": f"L{number}", **values})
        deal = sales_services.record_create(actor=actor, via=Via.CLI, kind="opportunity",
                                            values={"title": f"O{number}", **values},
                                            pipeline_key="training-sale")
        assert isinstance(deal, Opportunity)
        Opportunity.objects.filter(pk=deal.pk).update(lead=lead)
        for record in (lead, deal):
            sales_services.record_tag(actor=actor, via=Via.CLI, record=record, tag_name="hot")
        sales_services.competitor_add(actor=actor, via=Via.CLI, opportunity=deal, name="Rival")
        sales_services.team_member_set(actor=actor, via=Via.CLI, opportunity=deal,
                                       user_id=actor.pk, role="Producer")
        sales_services.opportunity_follow_on(actor=actor, via=Via.CLI, parent=deal,
                                             follow_on="upsell", title=f"O{number} upsell")


@pytest.mark.parametrize(("path", "cap"), [("/opportunities", 9), ("/leads", 7)])
def test_record_lists_read_their_links_in_fixed_queries(api_as, admin, insurance, training,
                                                        make_account, make_contact, path, cap):
    account, contact = make_account(admin, "Acme"), make_contact(admin, "Stone")
    _fill_records(admin, account, contact, 2)
    small = _queries(api_as(admin), path)
    _fill_records(admin, account, contact, 6)
    client = api_as(admin)
    large = _queries(client, path)

    assert small == large <= cap
    items = client.get(path).json()["items"]
    firsts = [item for item in items if item.get("parent") is None]
    assert len(firsts) == 8
    assert all(item["tags"] == ["hot"] for item in firsts)
    if path == "/opportunities":
        assert all(item["children"] and item["lead"]["name"].startswith("L")
                   and item["competitors"][0]["name"] == "Rival"
                   and item["sales_team"][0]["user"]["name"] == str(admin) for item in firsts)
        assert all(item["parent"]["name"] + " upsell" == item["title"]
                   for item in items if item not in firsts)
    else:
        assert all(item["opportunities"] and item["contact"]["name"] == "Stone"
                   for item in items)

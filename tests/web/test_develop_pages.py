"""An opportunity's "Team and competitors" tab through Django's test client."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from stageflow.core.models import Via
from stageflow.sales import services
from stageflow.sales.models import Competitor, Opportunity, SalesTeamMember

HTMX = {"HX-Request": "true"}


@pytest.fixture
def browser_as(db: None) -> Any:
    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def deal(insurance: Any, make_user: Any, north: Any, make_account: Any) -> Opportunity:
    agent = make_user("agent1", "salesperson", north)
    record = services.record_create(actor=agent, via=Via.CLI, kind="opportunity", values={
        "title": "Riverside", "account": make_account(agent, "Riverside").pk})
    assert isinstance(record, Opportunity)
    return record


def test_the_tab_lists_team_and_competitors_with_empty_states(browser_as: Any,
                                                              deal: Opportunity) -> None:
    page = browser_as(deal.owner).get(f"/opportunities/{deal.pk}/", {"tab": "develop"})

    assert page.status_code == 200
    assert "No one is on the sales team yet" in page.content.decode()
    assert "No competitors noted yet." in page.content.decode()


def test_adding_and_removing_through_the_tab(browser_as: Any, deal: Opportunity,
                                             make_user: Any, north: Any) -> None:
    csr = make_user("csr1", "office", north)
    client = browser_as(deal.owner)
    base = f"/opportunities/{deal.pk}"

    team = client.post(f"{base}/team/", {"user": csr.pk, "role": "CSR"}, headers=HTMX)
    rival = client.post(f"{base}/competitors/", {"name": "Acme <Insurance>"})
    blank = client.post(f"{base}/competitors/", {"name": ""}, headers=HTMX)

    assert team.status_code == 200
    assert "CSR" in team.content.decode()
    assert rival.status_code == 302
    assert rival["Location"].endswith("?tab=develop")
    assert blank.status_code == 422
    page = client.get(f"{base}/", {"tab": "develop"}).content.decode()
    assert "Acme &lt;Insurance&gt;" in page
    competitor = Competitor.objects.get()
    assert client.post(f"{base}/competitors/{competitor.pk}/remove/",
                       headers=HTMX).status_code == 200
    assert client.post(f"{base}/team/{csr.pk}/remove/", headers=HTMX).status_code == 200
    assert (Competitor.objects.count(), SalesTeamMember.objects.count()) == (0, 0)


def test_readers_see_the_tab_but_cannot_change_it(browser_as: Any, deal: Opportunity,
                                                  make_user: Any, north: Any,
                                                  south: Any) -> None:
    reader = browser_as(make_user("mkt", "marketing", north))
    stranger = browser_as(make_user("far", "salesperson", south))

    page = reader.get(f"/opportunities/{deal.pk}/", {"tab": "develop"}).content.decode()
    refused = reader.post(f"/opportunities/{deal.pk}/competitors/", {"name": "X"})
    hidden = stranger.post(f"/opportunities/{deal.pk}/competitors/", {"name": "X"})

    assert "Add a competitor" not in page
    assert refused.status_code == 403
    assert hidden.status_code == 404
    assert not Competitor.objects.exists()

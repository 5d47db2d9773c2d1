"""SalesTrack's Develop and Close on the API: competitors, the sales team, qualifying a lead
and closing an opportunity as won or lost (the insurance agency preset)."""

from __future__ import annotations

from typing import Any

import pytest

from stageflow.activities.models import Activity
from stageflow.core.models import Via
from stageflow.sales import services
from stageflow.sales.models import Competitor, Opportunity, SalesTeamMember


@pytest.fixture
def agent(make_user: Any, north: Any) -> Any:
    return make_user("agent1", "salesperson", north)


@pytest.fixture
def deal(insurance: Any, agent: Any, make_account: Any) -> Opportunity:
    account = make_account(agent, "Riverside Bakery")
    record = services.record_create(actor=agent, via=Via.CLI, kind="opportunity",
                                    values={"title": "Riverside", "account": account.pk})
    assert isinstance(record, Opportunity)
    return record


def test_competitors_are_added_listed_and_removed(api_as: Any, agent: Any, deal: Any) -> None:
    client = api_as(agent)
    path = f"/opportunities/{deal.pk}/competitors"

    added = client.post(path, {"name": " Acme Insurance ", "notes": "Incumbent"})
    twice = client.post(path, {"name": "acme insurance"})
    nameless = client.post(path, {"name": "  "})

    assert added.status_code == 201
    assert added.json() == {"id": added.json()["id"], "name": "Acme Insurance",
                            "notes": "Incumbent"}
    assert twice.status_code == 409
    assert list(nameless.json()["error"]["fields"]) == ["name"]
    assert [c["name"] for c in client.get(path).json()["items"]] == ["Acme Insurance"]
    assert client.get(f"/opportunities/{deal.pk}").json()["competitors"][0]["name"] == \
        "Acme Insurance"
    assert client.delete(f"{path}/{added.json()['id']}").status_code == 204
    assert client.delete(f"{path}/{added.json()['id']}").status_code == 404
    assert Competitor.objects.count() == 0


def test_the_sales_team_takes_active_users_with_roles(api_as: Any, agent: Any, deal: Any,
                                                      make_user: Any, north: Any) -> None:
    csr = make_user("csr1", "office", north)
    gone = make_user("gone", "office", north)
    gone.is_active = False
    gone.save()
    client = api_as(agent)
    path = f"/opportunities/{deal.pk}/sales-team"

    first = client.put(f"{path}/{csr.pk}", {"role": "CSR"})
    renamed = client.put(f"{path}/{csr.pk}", {"role": "Account CSR"})
    inactive = client.put(f"{path}/{gone.pk}", {"role": "CSR"})

    assert first.status_code == 200
    assert renamed.json() == {"user": {"id": csr.pk, "name": str(csr)}, "role": "Account CSR"}
    assert inactive.status_code == 422
    assert list(inactive.json()["error"]["fields"]) == ["user"]
    assert [m["role"] for m in client.get(path).json()["items"]] == ["Account CSR"]
    assert client.delete(f"{path}/{csr.pk}").status_code == 204
    assert client.delete(f"{path}/{csr.pk}").status_code == 404
    assert SalesTeamMember.objects.count() == 0


def test_develop_lists_need_edit_rights_to_change_and_scope_to_see(
        api_as: Any, deal: Any, make_user: Any, north: Any, south: Any) -> None:
    reader = make_user("reader", "marketing", north)  # sees the office's opportunities only
    stranger = make_user("stranger", "salesperson", south)

    assert api_as(reader).get(f"/opportunities/{deal.pk}/competitors").status_code == 200
    assert api_as(reader).post(f"/opportunities/{deal.pk}/competitors",
                               {"name": "X"}).status_code == 403
    assert api_as(reader).put(f"/opportunities/{deal.pk}/sales-team/{reader.pk}",
                              {}).status_code == 403
    assert api_as(stranger).get(f"/opportunities/{deal.pk}/sales-team").status_code == 404
    assert api_as(stranger).post(f"/opportunities/{deal.pk}/competitors",
                                 {"name": "X"}).status_code == 404
    assert api_as(None).get(f"/opportunities/{deal.pk}/competitors").status_code == 401
    assert Competitor.objects.count() == 0


def test_the_opportunity_list_reads_team_and_competitors_in_fixed_queries(
        api_as: Any, admin: Any, insurance: Any, make_account: Any,
        django_assert_max_num_queries: Any) -> None:
    account = make_account(admin, "Acme")
    for number in range(6):
        record = services.record_create(actor=admin, via=Via.CLI, kind="opportunity",
                                        values={"title": f"O{number}", "account": account.pk})
        assert isinstance(record, Opportunity)
        services.competitor_add(actor=admin, via=Via.CLI, opportunity=record, name="Acme")
        services.team_member_set(actor=admin, via=Via.CLI, opportunity=record,
                                 user_id=admin.pk, role="Producer")
    client = api_as(admin)
    client.get("/opportunities")

    with django_assert_max_num_queries(14):
        listed = client.get("/opportunities", limit=100).json()

    assert listed["count"] == 6
    assert all(item["sales_team"][0]["role"] == "Producer" for item in listed["items"])
    with django_assert_max_num_queries(8):
        assert client.get(f"/opportunities/{record.pk}/sales-team").json()["count"] == 1


def test_qualify_converts_once_and_names_the_missing_criterion(
        api_as: Any, insurance: Any, agent: Any, make_user: Any, north: Any) -> None:
    client = api_as(agent)
    lead = client.post("/leads", {"title": "Riverside Bakery"}).json()
    marketer = api_as(make_user("mkt", "marketing", north))

    missing = client.post(f"/leads/{lead['id']}/qualify",
                          {"values": {"interest_confirmed": True}})
    not_allowed = marketer.post(f"/leads/{lead['id']}/qualify", {"values": {
        "interest_confirmed": True, "purchasing_power": True}})
    qualified = client.post(f"/leads/{lead['id']}/qualify", {"values": {
        "interest_confirmed": True, "purchasing_power": True}})
    again = client.post(f"/leads/{lead['id']}/qualify", {})

    assert list(missing.json()["error"]["fields"]) == ["purchasing_power"]
    assert not_allowed.status_code == 403
    assert (qualified.status_code, qualified.json()["stage"]) == (201, "develop")
    assert again.status_code == 409
    assert Opportunity.objects.count() == 1


def _to_propose(agent: Any, deal: Opportunity) -> Opportunity:
    moved = services.record_transition(actor=agent, via=Via.CLI, record=deal,
                                       transition="develop")
    moved = services.record_transition(actor=agent, via=Via.CLI, record=moved,
                                       transition="propose",
                                       values={"proposed_solution": "BOP"})
    assert isinstance(moved, Opportunity)
    return moved


def test_close_as_won_or_lost_takes_the_closing_transition(api_as: Any, agent: Any,
                                                           deal: Opportunity) -> None:
    client = api_as(agent)
    _to_propose(agent, deal)
    path = f"/opportunities/{deal.pk}/close"

    pending = client.post(path, {"outcome": "pending"})
    reasonless = client.post(path, {"outcome": "lost"})
    lost = client.post(path, {"outcome": "lost", "values": {"lost_reason": "price"}})
    again = client.post(path, {"outcome": "won"})

    assert (pending.status_code, list(pending.json()["error"]["fields"])) == (422, ["outcome"])
    assert (reasonless.status_code,
            list(reasonless.json()["error"]["fields"])) == (422, ["lost_reason"])
    assert (lost.status_code, lost.json()["status"], lost.json()["stage"]) == (
        200, "lost", "lost")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "closed")


def test_a_refused_close_changes_nothing(api_as: Any, agent: Any, deal: Opportunity,
                                         make_user: Any, north: Any) -> None:
    _to_propose(agent, deal)
    reader = api_as(make_user("reader", "marketing", north))

    response = reader.post(f"/opportunities/{deal.pk}/close", {"outcome": "won"})

    deal.refresh_from_db()
    assert response.status_code == 403
    assert (deal.status, deal.stage) == ("open", "propose")
    assert Activity.objects.count() == 0


def test_the_close_suspense_goes_to_whoever_looks_after_the_account(
        agent: Any, deal: Opportunity, make_user: Any, north: Any) -> None:
    csr = make_user("csr1", "office", north)
    deal.account.owner = csr
    deal.account.save()
    proposed = _to_propose(agent, deal)

    services.opportunity_close(actor=agent, via=Via.API, opportunity=proposed, outcome="lost",
                               values={"lost_reason": "price"})

    suspense = Activity.objects.get(opportunity=deal, subject="Review")
    assert (suspense.assignee, suspense.body) == (csr, "Post-close review")

"""S5 — Vertafore SalesTrack (seed 004): a web opt-in lead qualified into an opportunity, then
develop, propose and close as won (order, invoice, welcome message, suspense) or lost; the
customer's timeline, the pipeline dashboard and the system owner's locked settings; replayed
through the API.

Product choices this scenario shows: qualifying is the lead conversion (`/leads/{id}/qualify`);
the proposal is an estimate of the opportunity (coverages are its lines, the cost its total)
and "presented" is its sent state; the suspense is a task for whoever looks after the account
(its owner, the account's CSR); the system owner is the installation's superuser.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from stageflow.communications.models import OutboxMessage
from stageflow.core import clock
from stageflow.sales.models import Opportunity
from tests.acceptance.conftest import Workspace, ok

# SalesTrack's agency activity defaults (OUT-VST-03): what an activity of each kind proposes.
ACTIVITY_DEFAULTS = {"meeting": {"subject": "Appointment", "duration_minutes": 60},
                     "email": {"subject": "E-mail out"},
                     "call": {"subject": "Telephone out", "duration_minutes": 15}}
OPT_IN = {"name": "Riverside Bakery", "email": "orders@riverside.example",
          "interest": "Commercial property"}


def _items(listing: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = listing["items"]
    return items


def _suspense(api: Any, opportunity: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in _items(ok(api.get("/activities", record_type="opportunity",
                                         record_id=opportunity["id"])))
            if a["subject"] == "Review"]


def _position(timeline: list[dict[str, Any]], wanted: Callable[[dict[str, Any]], bool]) -> int:
    found = [index for index, entry in enumerate(timeline) if wanted(entry)]
    assert found, [(e["record_type"], e["action"], e["summary"], e["changes"]) for e in timeline]
    return found[0]


def _changed(entry: dict[str, Any], field: str, new: Any) -> bool:
    return any(c["field"] == field and c["new"] == new for c in entry["changes"])


def test_s5_opt_in_to_qualify_develop_propose_and_close(
        workspace: Workspace, north: Any, make_user: Any, api_as: Any) -> None:
    # Set-up 1 to 3: the agency preset: sources, Qualify → Develop → Propose → Close, the two
    # criteria, the close-won actions and the suspense rule.
    owner = api_as(make_user("owner", "administrator", north, is_superuser=True))
    ok(owner.post("/presets/insurance_agency/install"), 201)
    sources = [v["label"] for v in _items(ok(owner.get("/lookups/lead", table="source")))]
    assert sources == ["Marketing campaign", "Website opt-in", "Email query",
                       "Trade show business card"]
    pipeline = ok(owner.get("/pipelines/insurance_agency_opportunities"))
    stages = [s["key"] for s in pipeline["definition"]["stages"]]
    assert stages == ["qualify", "develop", "propose", "won", "lost"]

    # 4. The producer, the CSR and the agency administrator; the system owner sets the
    # agency's registration number, locks it, and sets the activity defaults.
    agent = workspace.add_user("agent1", "salesperson", [north.pk])
    csr = workspace.add_user("csr1", "office", [north.pk])
    admin1 = workspace.add_user("admin1", "administrator", [north.pk])
    agent1, csr1 = workspace.users["agent1"], workspace.users["csr1"]
    ok(owner.patch("/workspace", {"company_name": "Harbour Insurance Agency",
                                  "registration_number": "AG-2024-117",
                                  "locked_settings": ["registration_number"], "days_out": 2,
                                  "activity_defaults": ACTIVITY_DEFAULTS}))

    # 5. The website's opt-in form: the lead's source is set by the form.
    ok(workspace.anonymous().post("/public/leads", OPT_IN), 201)
    [l1] = _items(ok(admin1.get("/leads", q="Riverside")))
    assert l1["source"] == "website_opt_in"
    # The administrator routes it: the account is looked after by csr1, the lead by agent1.
    riverside = l1["account"] or ok(admin1.post("/accounts", {
        "name": "Riverside Bakery", "email": OPT_IN["email"]}), 201)
    ok(admin1.patch(f"/accounts/{riverside['id']}", {"owner": csr1.pk, "office": north.pk}))
    ok(admin1.patch(f"/leads/{l1['id']}", {"account": riverside["id"], "owner": agent1.pk,
                                           "office": north.pk}))

    # 6. A business card from a trade show.
    harbour = ok(csr.post("/accounts", {"name": "Harbour Café", "owner": csr1.pk}), 201)
    l2 = ok(agent.post("/leads", {"title": "Harbour Café", "account": harbour["id"],
                                  "source": "trade_show_business_card"}), 201)

    # 7. Qualifying needs both criteria: the one missing is named, nothing is converted.
    refused = ok(agent.post(f"/leads/{l1['id']}/qualify",
                            {"values": {"interest_confirmed": True}}), 422)
    assert list(refused["error"]["fields"]) == ["purchasing_power"]
    assert ok(agent.get(f"/leads/{l1['id']}"))["opportunities"] == []

    # 8. Both criteria set: qualified into P1, which starts in Develop; only once.
    ok(agent.patch(f"/leads/{l1['id']}", {"attributes": {"interest_confirmed": True,
                                                         "purchasing_power": True}}))
    p1 = ok(agent.post(f"/leads/{l1['id']}/qualify", {}), 201)
    assert (p1["lead"]["id"], p1["stage"], p1["account"]["id"]) == (
        l1["id"], "develop", riverside["id"])
    lead = ok(agent.get(f"/leads/{l1['id']}"))
    assert (lead["stage"], lead["status"], lead["converted_at"] is not None) == (
        "qualified", "won", True)
    again = ok(agent.post(f"/leads/{l1['id']}/qualify", {}), 409)
    assert again["error"]["code"] == "already_converted"

    # 9. Develop: stakeholders with their roles, a competitor, the sales team, the solution.
    opportunity = f"/opportunities/{p1['id']}"
    for first, last, role in (("Rosa", "Owner", "Decision maker"), ("Carl", "CFO", "Influencer")):
        person = ok(agent.post("/contacts", {
            "first_name": first, "last_name": last, "account": riverside["id"],
            "email": f"{first.lower()}@riverside.example"}), 201)
        ok(agent.put(f"{opportunity}/contacts/{person['id']}", {"role": role}))
    ok(agent.post(f"{opportunity}/competitors", {"name": "Acme Insurance"}), 201)
    ok(agent.put(f"{opportunity}/sales-team/{agent1.pk}", {"role": "Producer"}))
    ok(agent.put(f"{opportunity}/sales-team/{csr1.pk}", {"role": "CSR"}))
    ok(agent.patch(opportunity, {"proposed_solution": "BOP + Commercial Auto"}))
    developed = ok(agent.get(opportunity))
    stakeholders = {link["contact"]["name"]: link["role"]
                    for link in _items(ok(agent.get(f"{opportunity}/contacts")))}
    assert {"Rosa Owner": "Decision maker", "Carl CFO": "Influencer"}.items() <= \
        stakeholders.items()
    assert [c["name"] for c in developed["competitors"]] == ["Acme Insurance"]
    assert [(m["user"]["id"], m["role"]) for m in developed["sales_team"]] == [
        (agent1.pk, "Producer"), (csr1.pk, "CSR")]
    assert developed["proposed_solution"] == "BOP + Commercial Auto"

    # 10. Propose: the proposal (coverages and their yearly cost) presented, then Propose.
    proposal = ok(agent.post("/estimates", {
        "opportunity": p1["id"], "title": "Proposal – BOP and commercial auto",
        "lines": [{"description": "Business owner's policy, $1M limit", "unit": "year",
                   "unit_price": "8400.00", "tax_rate": "0"},
                  {"description": "Commercial auto", "unit": "year",
                   "unit_price": "4000.00", "tax_rate": "0"}]}), 201)
    assert proposal["total"] == "12400.00"
    presented = ok(agent.post(f"/estimates/{proposal['id']}/send",
                              {"to": "rosa@riverside.example"}))["estimate"]
    assert (presented["status"], presented["selected"]) == ("sent", True)
    ok(agent.patch(opportunity, {"attributes": {
        "needs_map": "Premises, stock and two delivery vans."}}))
    proposed = ok(agent.post(f"{opportunity}/transitions", {"transition": "propose"}))
    assert proposed["stage"] == "propose"
    assert [e["id"] for e in _items(ok(agent.get(f"{opportunity}/estimates")))] == [
        proposal["id"]]

    # 11. Closed as won: order, invoice and welcome message; the suspense for the CSR.
    won = ok(agent.post(f"{opportunity}/close", {"outcome": "won"}))
    assert (won["status"], won["stage"]) == ("won", "won")
    assert len(_items(ok(admin1.get("/orders", opportunity=p1["id"])))) == 1
    assert len(_items(ok(admin1.get("/invoices", opportunity=p1["id"])))) == 1
    assert OutboxMessage.objects.filter(subject__startswith="Welcome to").count() == 1
    [suspense] = _suspense(admin1, p1)
    due = dt.datetime.fromisoformat(suspense["due_at"])
    assert suspense["assignee"]["id"] == csr1.pk
    assert abs(due - (clock.now() + dt.timedelta(days=7))) < dt.timedelta(minutes=5)
    assert ok(agent.patch(opportunity, {"stage": "develop"}), 409)
    assert ok(agent.get(opportunity))["status"] == "won"

    # 12. L2 qualified into P2 and lost on price: a suspense, but no order or invoice.
    p2 = ok(agent.post(f"/leads/{l2['id']}/qualify", {"values": {
        "interest_confirmed": True, "purchasing_power": True}}), 201)
    unexplained = ok(agent.post(f"/opportunities/{p2['id']}/close", {"outcome": "lost"}), 422)
    assert list(unexplained["error"]["fields"]) == ["lost_reason"]
    lost = ok(agent.post(f"/opportunities/{p2['id']}/close",
                         {"outcome": "lost", "values": {"lost_reason": "price"}}))
    assert (lost["status"], lost["attributes"]["lost_reason"]) == ("lost", "price")
    assert len(_suspense(admin1, p2)) == 1
    assert _items(ok(admin1.get("/orders", opportunity=p2["id"]))) == []
    assert _items(ok(admin1.get("/invoices", opportunity=p2["id"]))) == []

    # 13. There is no third outcome.
    pending = ok(agent.post(f"/opportunities/{p2['id']}/close", {"outcome": "pending"}), 422)
    assert list(pending["error"]["fields"]) == ["outcome"]

    # 14. Riverside's timeline, in order.
    timeline = _items(ok(csr.get(f"/accounts/{riverside['id']}/timeline", limit=500)))
    created = _position(timeline, lambda e: e["record_type"] == "lead"
                        and e["action"] == "created"
                        and _changed(e, "source", "website_opt_in"))
    qualified = _position(timeline, lambda e: e["record_type"] == "lead"
                          and _changed(e, "stage", "qualified"))
    developing = _position(timeline, lambda e: e["record_type"] == "opportunity"
                           and _changed(e, "proposed_solution", "BOP + Commercial Auto"))
    presented_at = _position(timeline, lambda e: e["record_type"] == "estimate"
                             and e["summary"].startswith("Sent to"))
    closed = _position(timeline, lambda e: e["record_type"] == "opportunity"
                       and _changed(e, "status", "won"))
    suspended = _position(timeline, lambda e: e["record_type"] == "opportunity"
                          and "Review" in e["summary"])
    assert created < qualified < developing < presented_at < closed < suspended

    # 15. The dashboard: opportunities per process stage, one won and one lost.
    report = ok(admin1.get("/reports/pipeline", group_by="stage"))
    counts = {row["stage_key"]: row["count"] for row in report["rows"]}
    assert counts == {"qualify": 0, "develop": 0, "propose": 0, "won": 1, "lost": 1}
    assert (report["totals"]["won"], report["totals"]["lost"]) == (1, 1)

    # 16. The registration number is the system owner's; activity defaults are the agency's.
    locked = ok(admin1.patch("/workspace", {"registration_number": "AG-0000"}), 403)
    assert list(locked["error"]["fields"]) == ["registration_number"]
    ok(admin1.patch("/workspace", {"locked_settings": []}), 403)
    changed = ok(admin1.patch("/workspace", {"activity_defaults": {
        **ACTIVITY_DEFAULTS, "call": {"subject": "Telephone out", "duration_minutes": 10}}}))
    assert changed["activity_defaults"]["call"] == {"subject": "Telephone out",
                                                    "duration_minutes": 10}
    assert changed["registration_number"] == "AG-2024-117"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_s5_in_the_browser_qualify_develop_propose_close_won(
        page: Page, app_url: str, sign_in: Any, workspace: Workspace, north: Any) -> None:
    ok(workspace.admin.post("/presets/insurance_agency/install"), 201)
    agent = workspace.add_user("agent1", "salesperson", [north.pk])
    workspace.add_user("csr1", "office", [north.pk])
    riverside = ok(agent.post("/accounts", {"name": "Riverside Bakery"}), 201)
    lead = ok(agent.post("/leads", {"title": "Riverside Bakery", "account": riverside["id"],
                                    "source": "website_opt_in"}), 201)
    sign_in(page, "agent1")

    # Qualify: the criteria are asked for, and the opportunity starts in Develop.
    page.goto(f"{app_url}/leads/{lead['id']}/")
    page.get_by_role("button", name="+ Opportunity").click()
    page.get_by_label("Interest confirmed").select_option("true")
    page.get_by_label("Purchasing power").select_option("true")
    page.get_by_role("button", name="Convert").click()
    expect(page).to_have_url(re.compile(r"/opportunities/\d+/$"))
    expect(page.locator("[aria-current=step]")).to_have_text("Develop")

    # Develop: a competitor and a colleague on the sales team.
    page.get_by_role("link", name="Team and competitors").click()
    page.get_by_role("textbox", name="Competitor", exact=True).fill("Acme Insurance")
    page.get_by_role("button", name="Add competitor").click()
    expect(page.get_by_text("Acme Insurance", exact=True)).to_be_visible()
    page.get_by_label("Colleague").select_option(label="Csr1")
    page.get_by_label("Role").fill("CSR")
    page.get_by_role("button", name="Add to the team").click()
    expect(page.locator("#develop-tab").get_by_text("CSR", exact=True)).to_be_visible()

    # Propose: the move asks for the proposed solution.
    page.get_by_role("button", name="Propose…").click()
    panel = page.locator("#transition-panel")
    panel.get_by_label("Proposed solution").fill("BOP + Commercial Auto")
    panel.get_by_role("button", name="Propose").click()
    expect(page.locator("[aria-current=step]")).to_have_text("Propose")

    # Close as won.
    page.get_by_role("button", name="Close as won →").click()
    expect(page.locator("[aria-current=step]")).to_have_text("Closed – won")
    opportunity = Opportunity.objects.get()
    assert (opportunity.status, opportunity.proposed_solution) == ("won",
                                                                   "BOP + Commercial Auto")
    assert [c.name for c in opportunity.competitors.all()] == ["Acme Insurance"]
    assert [m.role for m in opportunity.team_members.all()] == ["CSR"]

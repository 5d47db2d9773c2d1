"""S4 — POM (seed 003): a quote-driven customer, tag work queues moved by automation,
days-out scheduling, and the unassigned queue handed to a route; replayed through the API.

In Stageflow each quote belongs to an opportunity of the customer (the quote_schedule preset
models POM that way), so "creates quote Q1 for C1" is an opportunity for C1 with an estimate.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import time_machine

from stageflow.communications.models import OutboxMessage
from stageflow.core import clock
from tests.acceptance.conftest import Workspace, ok

QUEUE = "/work-queues/sales-followup/entries"


def _tags(api: Any, account_id: int) -> list[str]:
    return sorted(ok(api.get(f"/accounts/{account_id}"))["tags"])


def _names(listing: dict[str, Any]) -> list[str]:
    return [item["name"] for item in listing["items"]]


def _link_token(estimate_number: str) -> str:
    """The public link's token, read from the email the client was sent."""
    message = OutboxMessage.objects.get(subject__contains=estimate_number)
    found = re.search(r"/q/([A-Za-z0-9_-]{40,})", message.body)
    assert found, message.body
    return found.group(1)


class Office:
    """What the office and the salesperson do with a customer before the quote is answered."""

    def __init__(self, office: Any, sales: Any) -> None:
        self.office, self.sales = office, sales

    def customer(self, name: str) -> dict[str, Any]:
        email = name.lower().replace(" ", ".") + "@example.com"
        return ok(self.office.post("/accounts", {"name": name, "customer_status": "lead",
                                                 "email": email, "tags": ["Quote"]}), 201)

    def sent_quote(self, customer: dict[str, Any]) -> dict[str, Any]:
        deal = ok(self.sales.post("/opportunities", {
            "title": f"{customer['name']} – weekly service", "account": customer["id"],
            "pipeline": "quote_schedule_opportunities"}), 201)
        quote = ok(self.sales.post("/estimates", {"opportunity": deal["id"], "lines": [
            {"description": "Weekly service", "quantity": "1", "unit": "visit",
             "unit_price": "45.00"}]}), 201)
        sent = ok(self.sales.post(f"/estimates/{quote['id']}/send", {}))
        assert sent["sent_to"] == customer["email"]
        return sent["estimate"]


def test_s4_quote_queues_and_schedule(workspace: Workspace, north: Any) -> None:
    # Set-up 1 to 4: the preset's tags, rules A1/A2 and queues; days out 3; two routes.
    admin = workspace.admin
    ok(admin.post("/presets/quote_schedule/install"), 201)
    ok(admin.patch("/workspace", {"days_out": 3, "terms": "T&C v1",
                                  "office_email": "office@pool.test"}))
    office = workspace.add_user("office1", "office", [north.pk])
    sales = workspace.add_user("sales1", "salesperson", [north.pk])
    manager = workspace.add_user("mgr1", "service_manager", [north.pk])
    route_a = ok(admin.post("/routes", {"name": "Route A"}), 201)
    ok(admin.post("/routes", {"name": "Route B"}), 201)
    desk = Office(office, sales)
    today = clock.now().date()

    # 5. A customer tagged Quote; an unknown status is refused.
    c1 = desk.customer("Pat Lee")
    assert _names(ok(office.get("/accounts", tag="Quote"))) == ["Pat Lee"]
    refused = ok(office.post("/accounts", {"name": "Kim", "customer_status": "prospect"}), 422)
    assert "customer_status" in refused["error"]["fields"]

    # 6. Sending the quote: T&C in the email, Sales Followup replaces Quote (A1).
    q1 = desk.sent_quote(c1)
    assert q1["status"] == "sent"
    email = OutboxMessage.objects.get(subject__contains=q1["number"])
    assert "T&C v1" in email.body
    assert _tags(office, c1["id"]) == ["Sales Followup"]
    assert _names(ok(office.get("/accounts", tag="Sales Followup"))) == ["Pat Lee"]
    assert [item["id"] for item in ok(sales.get("/estimates", status="sent"))["items"]] == [
        q1["id"]]

    # 7. No answer: overdue after 21 days in the queue; gone once the customer is inactive.
    c2 = desk.customer("Sam Ray")
    q2 = desk.sent_quote(c2)
    start = clock.now()
    with time_machine.travel(start + dt.timedelta(days=20)):
        entries = {item["name"]: item for item in ok(office.get(QUEUE))["items"]}
        assert entries["Sam Ray"]["overdue"] is False
    with time_machine.travel(start + dt.timedelta(days=22)):
        entries = {item["name"]: item for item in ok(office.get(QUEUE))["items"]}
        assert entries["Sam Ray"]["overdue"] is True
        assert entries["Sam Ray"]["age_days"] == 22
        ok(sales.patch(f"/estimates/{q2['id']}", {"status": "expired"}))
        ok(office.patch(f"/accounts/{c2['id']}", {"customer_status": "inactive"}))
        assert "Sam Ray" not in _names(ok(office.get(QUEUE)))

    # 8. The client accepts online: signature kept, Schedule added (A2), the office emailed.
    public = workspace.anonymous()
    accepted = ok(public.post(f"/public/quotes/{_link_token(q1['number'])}/accept",
                              {"signature": "Pat Lee", "consent": True}))
    assert accepted["status"] == "accepted"
    q1 = ok(sales.get(f"/estimates/{q1['id']}"))
    assert (q1["status"], q1["accepted_by_name"]) == ("accepted", "Pat Lee")
    assert "Schedule" in _tags(office, c1["id"])
    assert OutboxMessage.objects.filter(to="office@pool.test").count() == 1

    # 9. A card on file is only the provider's reference.
    ok(office.post(f"/accounts/{c1['id']}/payment-methods", {"token": "tok_visa"}), 201)
    cards = ok(office.get(f"/accounts/{c1['id']}/payment-methods"))
    assert [(card["brand"], card["last4"]) for card in cards["items"]] == [("Visa", "4242")]
    assert "tok_visa" not in str(cards)

    # 10. An appointment without a date lands days-out ahead, unassigned, with a private note.
    visit = ok(office.post(f"/accounts/{c1['id']}/appointments", {
        "title": "First service", "private_notes": "Told on 1/3 around 1/10-1/12"}), 201)
    assert visit["date"] == str(today + dt.timedelta(days=3))
    assert (visit["status"], visit["route"], visit["assignee"]) == ("unassigned", None, None)
    assert visit["private_notes"] == "Told on 1/3 around 1/10-1/12"
    unassigned = ok(manager.get("/schedule", unassigned="true"))
    assert visit["id"] in [item["id"] for item in unassigned["unassigned"]]

    # 11. The office clears the pipeline tags and makes the customer active.
    for tag in ("Sales Followup", "Schedule"):
        ok(office.delete(f"/accounts/{c1['id']}/tags/{tag}"))
    ok(office.patch(f"/accounts/{c1['id']}", {"customer_status": "active"}))
    c1 = ok(office.get(f"/accounts/{c1['id']}"))
    assert (c1["tags"], c1["customer_status"]) == ([], "active")

    # 12. The manager's week: counts per day, the visit on day +3.
    summary = ok(manager.get("/schedule/summary", **{
        "from": str(today), "to": str(today + dt.timedelta(days=7))}))
    days = {day["date"]: day for day in summary["days"]}
    assert days[str(today + dt.timedelta(days=3))]["count"] == 1

    # 13. Assigned to Route A, it leaves the unassigned list.
    visit = ok(manager.patch(f"/appointments/{visit['id']}", {"route": "Route A"}))
    assert (visit["route"]["id"], visit["status"]) == (route_a["id"], "scheduled")
    unassigned = ok(manager.get("/schedule", unassigned="true"))
    assert visit["id"] not in [item["id"] for item in unassigned["unassigned"]]

    # 14. The client's notice has the date and never the private note.
    ok(manager.post(f"/appointments/{visit['id']}/notify", {}))
    notice = OutboxMessage.objects.exclude(to="office@pool.test").exclude(
        subject__contains="E-").get()
    assert str(today + dt.timedelta(days=3)) in notice.body or \
        (today + dt.timedelta(days=3)).strftime("%-d") in notice.body
    assert "Told on" not in notice.body + notice.subject

    # 15. Days out 5 for the next appointment without a date.
    ok(admin.patch("/workspace", {"days_out": 5}))
    other = desk.customer("Lou Park")
    later = ok(office.post(f"/accounts/{other['id']}/appointments", {"title": "Visit"}), 201)
    assert later["date"] == str(today + dt.timedelta(days=5))

    # 16. The day passes unfinished: the summary counts it as rolled over and flags it.
    with time_machine.travel(start + dt.timedelta(days=4)):
        summary = ok(manager.get("/schedule/summary"))
        assert summary["rolled_over_count"] >= 1
        assert visit["id"] in summary["rolled_over"]

    # 17. The customer's history: every tag change and status change, by whom and when.
    history = ok(office.get(f"/accounts/{c1['id']}/history", limit=200))["items"]
    changes = [(change["field"], change["old"], change["new"])
               for entry in reversed(history) if entry["action"] == "updated"
               for change in entry["changes"] if change["field"] in ("tags", "customer_status")]
    assert changes == [
        ("tags", None, "Quote"), ("tags", None, "Sales Followup"), ("tags", "Quote", None),
        ("tags", None, "Schedule"), ("tags", "Sales Followup", None), ("tags", "Schedule", None),
        ("customer_status", "lead", "active")]
    assert all(entry["at"] and entry["actor"] for entry in history)

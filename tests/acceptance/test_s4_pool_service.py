"""S4 — POM (seed 003): a quote-driven customer, tag work queues moved by automation,
days-out scheduling, and the unassigned queue handed to a route; replayed through the API.

In Stageflow each quote belongs to an opportunity of the customer (the quote_schedule preset
models POM that way), so "creates quote Q1 for C1" is an opportunity for C1 with an estimate.
The main path (quote sent, accepted online, the Schedule queue, the visit put on a route) is
replayed again in the browser.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from playwright.sync_api import Browser, Page, expect

from stageflow.communications.models import OutboxMessage
from stageflow.core import clock
from stageflow.quotes.models import Estimate
from stageflow.scheduling.models import Appointment
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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_s4_main_path_in_the_browser(workspace: Workspace, north: Any, page: Page,
                                     browser: Browser, app_url: str, sign_in: Any,
                                     settings: Any) -> None:
    settings.STAGEFLOW_BASE_URL = app_url
    admin = workspace.admin
    ok(admin.post("/presets/quote_schedule/install"), 201)
    ok(admin.patch("/workspace", {"days_out": 3, "terms": "T&C v1",
                                  "office_email": "office@pool.test"}))
    office = workspace.add_user("office1", "office", [north.pk])
    sales = workspace.add_user("sales1", "salesperson", [north.pk])
    workspace.add_user("mgr1", "service_manager", [north.pk])
    route_a = ok(admin.post("/routes", {"name": "Route A"}), 201)
    c1 = Office(office, sales).customer("Pat Lee")
    ok(sales.post("/opportunities", {"title": "Pat Lee – weekly service", "account": c1["id"],
                                     "pipeline": "quote_schedule_opportunities"}), 201)

    # 6. sales1 writes the quote and sends it: the customer moves to Sales Followup.
    sign_in(page, "sales1")
    page.goto(f"{app_url}/opportunities/")
    page.get_by_role("link", name="Pat Lee – weekly service", exact=True).click()
    page.get_by_role("link", name="Estimates").click()
    page.get_by_role("button", name="New estimate").click()
    page.get_by_text("Type a line yourself").click()
    page.get_by_label("Description").fill("Weekly service")
    page.get_by_label("Unit", exact=True).fill("visit")
    page.get_by_label("Unit price").fill("45.00")
    page.get_by_role("button", name="Add line").click()
    expect(page.locator(".estimate-totals")).to_contain_text("45.00")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_label("Send to")).to_have_value("pat.lee@example.com")
    page.get_by_role("button", name="Send the estimate").click()
    link = page.get_by_label("The client’s link").input_value()
    assert _tags(office, c1["id"]) == ["Sales Followup"]

    # 8. The client accepts it on the public page, with no sign-in.
    client = browser.new_context()
    client_page = client.new_page()
    client_page.goto(link)
    expect(client_page.get_by_text("T&C v1")).to_be_visible()
    client_page.get_by_label("Your full name").fill("Pat Lee")
    client_page.get_by_label("I accept estimate").check()
    client_page.get_by_role("button", name="Accept the estimate").click()
    expect(client_page.get_by_text("You accepted this estimate as Pat Lee")).to_be_visible()
    client.close()
    assert Estimate.objects.get().status == "accepted"

    # 8, 10. The office finds Pat in the Schedule queue and books a visit with no date.
    page.context.clear_cookies()
    sign_in(page, "office1")
    page.goto(f"{app_url}/queues/")
    page.get_by_role("main").get_by_role("link", name="Schedule", exact=True).click()
    page.get_by_role("link", name="Pat Lee", exact=True).click()
    page.get_by_role("navigation", name="Sections").get_by_role(
        "link", name="Appointments").click()
    page.get_by_text("New appointment").click()
    page.get_by_label("What").fill("First service")
    expect(page.get_by_role("combobox", name="Person")).to_have_value("")
    page.get_by_label("Private notes").fill("Told on 1/3 around 1/10-1/12")
    page.get_by_role("button", name="Book appointment").click()
    expect(page.get_by_text("not assigned yet")).to_be_visible()
    visit = Appointment.objects.get()
    assert (visit.date, visit.route) == (clock.now().date() + dt.timedelta(days=3), None)

    # 13. The service manager opens it from the unassigned list and puts it on Route A.
    page.context.clear_cookies()
    sign_in(page, "mgr1")
    page.goto(f"{app_url}/schedule/?date={visit.date.isoformat()}")
    page.locator(".unassigned-list").get_by_role("link", name="First service").click()
    page.get_by_role("combobox", name="Route").select_option(label="Route A")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1 .badge")).to_have_text("Scheduled")
    page.get_by_role("link", name="Schedule", exact=True).first.click()
    expect(page.locator(".unassigned-list").get_by_text("First service")).to_have_count(0)
    visit.refresh_from_db()
    assert (visit.route_id, visit.status) == (route_a["id"], "scheduled")

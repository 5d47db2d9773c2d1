"""S1 — Aptora (seed 000): a phone enquiry taken by the office, assigned to a salesperson,
an appointment, qualification questions, several estimates from the flat-rate book, the sale,
and the job (sub-customer) created by the office afterwards; replayed through the API.

The main path (intake, appointment, estimate, sale, job) is replayed again in the browser.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from stageflow.accounts.models import Account
from stageflow.core import clock
from stageflow.quotes.models import Estimate
from stageflow.sales.models import Opportunity
from stageflow.scheduling.models import Appointment
from tests.acceptance.conftest import Workspace, ok

FURNACE = {"product": "furnace_replacement"}


def _opportunity(api: Any, customer: dict[str, Any], owner: Any, **attributes: Any) -> Any:
    return api.post("/opportunities", {
        "title": f"{customer['name']} – furnace", "account": customer["id"], "owner": owner.pk,
        "pipeline": "field_service_opportunities", "attributes": {**FURNACE, **attributes}})


def _ids(listing: Any) -> list[int]:
    items = listing["items"] if isinstance(listing, dict) else listing
    return [item["id"] for item in items]


def test_s1_enquiry_to_sale_to_job(workspace: Workspace, north: Any) -> None:
    admin = workspace.admin
    # 1. Users with their built-in roles (CSR and Office are the office role).
    csr = workspace.add_user("csr1", "office", [north.pk])
    sales = workspace.add_user("sales1", "salesperson", [north.pk])
    tech = workspace.add_user("tech1", "technician", [north.pk])
    office = workspace.add_user("office1", "office", [north.pk])
    sales1 = workspace.users["sales1"]

    # 2, 3. The field-service workflow: its fields, marketing source and product required.
    ok(admin.post("/presets/field_service/install"), 201)
    fields = {item["key"]: item for item in ok(admin.get("/attributes/opportunity"))["items"]}
    assert {"marketing_source", "product", "employee_lead", "follow_up_date",
            "financing_activity", "qualified"} <= set(fields)

    # 4. Qualification and profile questions for Furnace Replacement.
    ok(admin.post("/question-sets", {
        "name": "Furnace qualification", "purpose": "qualification",
        "product": "furnace_replacement", "questions": [
            {"key": "q1", "text": "Homeowner is decision maker?", "kind": "yes_no",
             "needed_to_qualify": True, "qualifying_answers": [True]},
            {"key": "q2", "text": "Budget confirmed?", "kind": "yes_no",
             "needed_to_qualify": True, "qualifying_answers": [True]}]}), 201)
    ok(admin.post("/question-sets", {
        "name": "Furnace profile", "purpose": "profile", "product": "furnace_replacement",
        "questions": [{"key": "p1", "text": "Age of current system", "kind": "text"}]}), 201)

    # 5. The flat-rate book.
    furnace = ok(admin.post("/price-book", {
        "code": "FR-FURN-60K", "name": "Install 60k BTU furnace",
        "description": "Remove the old unit; install and commission a 60k BTU furnace.",
        "unit_price": "4200.00", "category": "Residential HVAC"}), 201)

    # 6. A new estimate is not selected by itself in this scenario.
    ok(admin.patch("/workspace", {"select_new_estimate": False}))

    # 7. The prospect.
    jane = ok(csr.post("/accounts", {"name": "Jane Doe"}), 201)

    # 8, 9. The CSR's intake: the marketing source is required.
    refused = ok(_opportunity(csr, jane, sales1), 422)
    assert list(refused["error"]["fields"]) == ["attributes.marketing_source"]
    job = ok(_opportunity(csr, jane, sales1, marketing_source="google"), 201)
    assert (job["stage"], job["owner"]["id"]) == ("new", sales1.pk)

    # 10. The salesperson sees it among theirs; the technician does not.
    assert job["id"] in _ids(ok(sales.get("/opportunities", view="mine")))
    assert job["id"] not in _ids(ok(tech.get("/opportunities", view="all")))

    # 11. Reassigned by the office: history shows each assignment.
    bob = ok(csr.post("/accounts", {"name": "Bob Smith"}), 201)
    csr1 = workspace.users["csr1"]
    heater = ok(csr.post("/opportunities", {
        "title": "Bob – water heater", "account": bob["id"], "owner": csr1.pk,
        "pipeline": "field_service_opportunities",
        "attributes": {"product": "water_heater", "marketing_source": "referral",
                       "employee_lead": workspace.users["tech1"].pk}}), 201)
    ok(csr.patch(f"/opportunities/{heater['id']}", {"owner": sales1.pk}))
    assert heater["id"] in _ids(ok(sales.get("/opportunities", view="mine")))
    assert heater["id"] not in _ids(ok(csr.get("/opportunities", view="mine")))
    history = ok(csr.get(f"/opportunities/{heater['id']}/history", limit=200))["items"]
    owners = [change["new"] for entry in history
              for change in entry["changes"] if change["field"] == "owner"]
    assert len(owners) == 2

    # 12. An appointment from the opportunity: the customer and the salesperson come along.
    start = (clock.now() + dt.timedelta(days=2)).replace(hour=10, minute=0, second=0,
                                                         microsecond=0)
    visit = ok(sales.post(f"/opportunities/{job['id']}/appointments",
                          {"start": start.isoformat(), "duration": 60}), 201)
    assert (visit["account"]["id"], visit["opportunity"]["id"], visit["assignee"]["id"]) == (
        jane["id"], job["id"], sales1.pk)
    ok(csr.post(f"/opportunities/{job['id']}/appointments",
                {"start": start.isoformat(), "duration": 60}), 201)

    # 13. Qualified is worked out from the answers.
    answers = f"/opportunities/{job['id']}/answers"
    assert ok(sales.put(answers, {"answers": {"q1": True, "q2": False}}))["qualified"] is False
    assert ok(sales.put(answers, {"answers": {"q2": True}}))["qualified"] is True
    assert ok(sales.put(answers, {"answers": {"p1": "15 years"}}))["qualified"] is True
    assert ok(sales.get(f"/opportunities/{job['id']}"))["attributes"]["qualified"] is True

    # 14. E1 from the flat-rate book; not selected while the setting is off.
    e1 = ok(sales.post("/estimates", {"opportunity": job["id"],
                                      "lines": [{"item": furnace["id"]}]}), 201)
    line = e1["lines"][0]
    assert (line["unit_price"], line["code"]) == ("4200.00", "FR-FURN-60K")
    assert "60k BTU furnace" in line["description"]
    assert (e1["opportunity"]["id"], e1["account"]["id"], e1["selected"]) == (
        job["id"], jane["id"], False)

    # 15. With the setting on, E2 becomes the selected one; E1 can be chosen by hand.
    ok(admin.patch("/workspace", {"select_new_estimate": True}))
    e2 = ok(sales.post("/estimates", {"opportunity": job["id"],
                                      "lines": [{"item": furnace["id"], "quantity": "1"}]}), 201)
    assert e2["selected"] is True
    listed = ok(sales.get(f"/opportunities/{job['id']}/estimates"))
    assert sorted(_ids(listed)) == [e1["id"], e2["id"]]
    ok(sales.post(f"/estimates/{e1['id']}/select", {}))
    listed = ok(sales.get(f"/opportunities/{job['id']}/estimates"))["items"]
    selected = [item["id"] for item in listed if item["selected"]]
    assert selected == [e1["id"]]
    assert Decimal(ok(sales.get(f"/opportunities/{job['id']}"))["value"]) == Decimal("4200.00")
    ok(sales.post(f"/estimates/{e2['id']}/select", {}))

    # 16, 17. No job before the sale, and none made by the sale itself.
    assert ok(office.get(f"/accounts/{jane['id']}/sub-accounts"))["items"] == []
    won = ok(sales.patch(f"/opportunities/{job['id']}", {"stage": "won"}))
    assert won["status"] == "won"
    assert ok(office.get(f"/accounts/{jane['id']}/sub-accounts"))["items"] == []

    # 18. Creating the job is the office's right.
    refused = sales.post(f"/accounts/{jane['id']}/sub-accounts",
                         {"name": "Doe - Furnace Replacement"})
    assert refused.status_code == 403

    # 19. The office creates it, by hand or named by the workspace's template.
    ok(admin.patch("/workspace", {"sub_account_name_template": "{last_name} - {product}"}))
    sub = ok(office.post(f"/accounts/{jane['id']}/sub-accounts",
                         {"opportunity": job["id"]}), 201)
    assert (sub["name"], sub["parent"]["id"]) == ("Doe - Furnace Replacement", jane["id"])

    # 20. E2 moves to the job and stays on the opportunity.
    moved = ok(office.patch(f"/estimates/{e2['id']}", {"account": sub["id"]}))
    assert (moved["account"]["id"], moved["opportunity"]["id"]) == (sub["id"], job["id"])
    assert e2["id"] in _ids(ok(office.get(f"/accounts/{sub['id']}/estimates")))
    assert e2["id"] not in _ids(ok(office.get(f"/accounts/{jane['id']}/estimates")))

    # 21. The appointment may follow it (or stay with Jane).
    moved_visit = ok(office.patch(f"/appointments/{visit['id']}", {"account": sub["id"]}))
    assert moved_visit["account"]["id"] == sub["id"]

    # 22. The hand-off to ordering: a work order for the job from the selected estimate.
    order = ok(office.post("/orders", {"estimate": e2["id"], "account": sub["id"]}), 201)
    assert (order["account"]["id"], order["total"]) == (sub["id"], e2["total"])

    # 23. The sales report: a row per salesperson and marketing source; sales1's two
    # opportunities (Google, won; Referral, open) make a close rate of 50 %.
    report = ok(admin.get("/reports/opportunities", group_by="sales_rep,marketing_source"))
    mine = [row for row in report["rows"] if row["sales_rep_key"] == sales1.pk]
    assert sorted(row["marketing_source_key"] for row in mine) == ["google", "referral"]
    assert {row["marketing_source"] for row in mine} == {"Google", "Referral"}
    assert (sum(row["opportunities"] for row in mine), sum(row["won"] for row in mine)) == (2, 1)
    per_rep = ok(admin.get("/reports/opportunities", group_by="sales_rep"))["rows"]
    assert [(row["opportunities"], row["won"], row["close_rate"]) for row in per_rep
            if row["sales_rep_key"] == sales1.pk] == [(2, 1, 50.0)]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_s1_main_path_in_the_browser(workspace: Workspace, north: Any, page: Page,
                                     app_url: str, sign_in: Any) -> None:
    admin = workspace.admin
    csr = workspace.add_user("csr1", "office", [north.pk])
    workspace.add_user("sales1", "salesperson", [north.pk])
    workspace.add_user("office1", "office", [north.pk])
    ok(admin.post("/presets/field_service/install"), 201)
    ok(admin.post("/price-book", {"code": "FR-FURN-60K", "name": "Install 60k BTU furnace",
                                  "unit_price": "4200.00", "category": "Residential HVAC"}), 201)
    ok(admin.patch("/workspace", {"sub_account_name_template": "{last_name} - {product}"}))
    ok(csr.post("/accounts", {"name": "Jane Doe"}), 201)

    # 8, 9. The CSR takes the call and assigns it to sales1; the marketing source is required.
    sign_in(page, "csr1")
    page.goto(f"{app_url}/opportunities/")
    page.get_by_role("link", name="New opportunity").click()
    page.get_by_label("Title").fill("Jane Doe – furnace")
    page.get_by_role("searchbox", name="Account").fill("Jane")
    page.get_by_role("button", name="Jane Doe").click()
    page.get_by_label("Owner").select_option(label="Sales1")
    page.get_by_label("Product").select_option(label="Furnace Replacement")
    page.get_by_role("button", name="Create opportunity").click()
    expect(page.locator("#id_attr_marketing_source-error")).to_have_text(
        "This field is required.")
    assert not Opportunity.objects.exists()
    page.get_by_label("Marketing source").select_option(label="Google")
    page.get_by_role("button", name="Create opportunity").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jane Doe – furnace")
    job = Opportunity.objects.get()

    # 10, 12. The salesperson finds it among theirs and books the appointment.
    page.context.clear_cookies()
    sign_in(page, "sales1")
    page.goto(f"{app_url}/opportunities/?view=mine")
    page.get_by_role("link", name="Jane Doe – furnace", exact=True).click()
    page.get_by_role("link", name="Appointments").click()
    page.get_by_text("New appointment").click()
    visit_day = clock.now().date() + dt.timedelta(days=2)
    page.get_by_label("Date", exact=True).fill(visit_day.isoformat())
    page.get_by_label("From", exact=True).fill("10:00")
    page.get_by_role("button", name="Book appointment").click()
    expect(page.get_by_text("Appointment booked")).to_be_visible()
    visit = Appointment.objects.get()
    assert (visit.opportunity_id, visit.account_id, visit.assignee) == (
        job.pk, job.account_id, workspace.users["sales1"])

    # 14. The estimate from the flat-rate book.
    page.get_by_role("link", name="Estimates").click()
    page.get_by_role("button", name="New estimate").click()
    page.get_by_role("searchbox", name="Search the price book").fill("FR-FURN")
    page.get_by_role("button", name="FR-FURN-60K").click()
    expect(page.locator(".estimate-totals")).to_contain_text("4200.00")

    # 17. The sale.
    page.get_by_role("link", name="Jane Doe – furnace", exact=True).first.click()
    page.get_by_role("button", name="Won →").click()
    expect(page.locator("hgroup .badge")).to_have_text("Won")
    job.refresh_from_db()
    assert job.status == "won"
    assert not Account.objects.filter(parent=job.account).exists()

    # 19, 20. The office creates the job, named by the template, with the selected estimate.
    page.context.clear_cookies()
    sign_in(page, "office1")
    page.goto(f"{app_url}/opportunities/")
    page.get_by_role("link", name="All", exact=True).click()
    page.get_by_role("link", name="Jane Doe – furnace", exact=True).click()
    page.get_by_role("link", name="Job", exact=True).click()
    expect(page.get_by_label("Job name")).to_have_value("Doe - Furnace Replacement")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Create the job").click()
    page.get_by_role("link", name="Doe - Furnace Replacement").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Doe - Furnace Replacement")
    sub = Account.objects.get(parent=job.account)
    assert Estimate.objects.get().account == sub

"""S1 — Aptora (seed 000): a phone enquiry taken by the office, assigned to a salesperson,
an appointment, qualification questions, several estimates from the flat-rate book, the sale,
and the job (sub-customer) created by the office afterwards; replayed through the API.

The sales report (step 23) belongs to the reports work and is tested there.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from stageflow.core import clock
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

"""S3 — a training sale (seed 002, Administrate): steps and transitions with required
attributes, entity-creating triggers, entries and a follow-on, replayed through the API.

The funnel (steps 14 and 16) is read from `/reports/funnel/opportunity`. The main path (the
steps with their required values, a refused move explained, the sale and what it creates) is
replayed again in the browser.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from stageflow.accounts.models import Account, Contact
from stageflow.billing.models import Invoice
from stageflow.communications.models import OutboxMessage
from stageflow.packs.training.models import Registration
from stageflow.sales.models import Opportunity
from tests.acceptance.conftest import Workspace, ok

TRAINING_FILE = Path(__file__).parent.parent / "engine/fixtures/training_opportunity.yaml"
PERSON = {"first_name": "Ann", "last_name": "Lee", "email": "ann@acme.test",
          "company_name": "Acme Training"}


def _transition(api: Any, record: dict[str, Any], key: str, status: int = 200,
                **values: Any) -> dict[str, Any]:
    return ok(api.post(f"/opportunities/{record['id']}/transitions",
                       {"transition": key, "values": values}), status)


def _set_up(workspace: Workspace) -> Any:
    """Steps 1 to 6: the workflow is a draft until published, then live; Thanks-Accepted exists."""
    admin = workspace.admin
    ok(admin.post("/pipelines/import", TRAINING_FILE.read_text(),
                  content_type="application/yaml"), 201)
    assert ok(admin.get("/pipelines/training-sale"))["live_version"] is None
    ok(admin.post("/pipelines/training-sale/publish", {}))
    live = ok(admin.get("/pipelines/training-sale", version="live"))
    assert [stage["key"] for stage in live["definition"]["stages"]] == [
        "enquiry", "proposed", "won", "lost", "archived"]
    ok(admin.post("/templates", {
        "key": "thanks-accepted", "kind": "email", "name": "Thanks-Accepted",
        "record_type": "opportunity", "subject": "Thank you, {{ contact.first_name }}",
        "body": "We have your acceptance of “{{ record.title }}”."}), 201)
    return workspace.add_user("rep1", "salesperson")


def _funnel(api: Any) -> list[tuple[str, int]]:
    report = ok(api.get("/reports/funnel/opportunity"))
    return [(row["stage_key"], row["count"]) for row in report["rows"]]


def _reorder_open_stages(admin: Any, order: list[str]) -> None:
    """Step 16: the open stages in a new order, through a draft that is then published."""
    definition = ok(admin.get("/pipelines/training-sale/export", format="json"))
    positions = sorted(stage["position"] for stage in definition["stages"]
                       if stage["key"] in order)
    for stage in definition["stages"]:
        if stage["key"] in order:
            stage["position"] = positions[order.index(stage["key"])]
    ok(admin.post("/pipelines/import", json.dumps(definition)), 201)
    ok(admin.post("/pipelines/training-sale/publish", {}))


def _qualified(rep: Any, title: str, **person: Any) -> dict[str, Any]:
    record = ok(rep.post("/opportunities", {"title": title, "pipeline": "training-sale"}), 201)
    return _transition(rep, record, "T1", **{**PERSON, **person})


def test_s3_training_sale_through_the_api(workspace: Workspace) -> None:
    rep = _set_up(workspace)

    # 7. A new opportunity without an account starts at New Enquiry; only T1 leads on.
    o1 = ok(rep.post("/opportunities", {"title": "Acme – 3 seats", "pipeline": "training-sale"}),
            201)
    assert (o1["step"], o1["stage"], o1["account"]) == ("new_enquiry", "enquiry", None)
    assert [(t["key"], t["allowed"]) for t in o1["transitions"]] == [("T1", False)]
    assert set(o1["transitions"][0]["missing"]) == {"first_name", "last_name", "email"}

    # 8. Refused: nothing sent with the request is kept.
    refused = _transition(rep, o1, "T1", 422, **{**PERSON, "first_name": ""})
    assert list(refused["error"]["fields"]) == ["first_name"]
    o1 = ok(rep.get(f"/opportunities/{o1['id']}"))
    assert o1["step"] == "new_enquiry"
    assert "last_name" not in o1["attributes"]

    # 9. Complete: exactly one account and one contact are created and linked.
    o1 = _transition(rep, o1, "T1", **PERSON)
    assert o1["step"] == "qualified"
    assert list(Account.objects.values_list("name", flat=True)) == ["Acme Training"]
    contact = Contact.objects.get()
    assert (contact.first_name, contact.last_name, contact.email) == ("Ann", "Lee",
                                                                        "ann@acme.test")
    assert o1["account"]["name"] == "Acme Training"
    assert o1["contact"]["id"] == contact.pk

    # 10. A transition that does not start at the current step is a conflict.
    _transition(rep, o1, "T5", 409)

    # 11. Interests in two courses with their students; a quotation made from them.
    admin = workspace.admin
    course_a = ok(admin.post("/courses", {"code": "A", "name": "Course A", "price": "500.00"}),
                  201)
    course_b = ok(admin.post("/courses", {"code": "B", "name": "Course B", "price": "800.00"}),
                  201)
    students = [ok(rep.post("/contacts", {"first_name": name, "last_name": "Student"}), 201)["id"]
                for name in ("Bo", "Cy", "Di")]
    interests = f"/opportunities/{o1['id']}/interests"
    ok(rep.post(interests, {"course": course_a["id"], "number_of_students": 2,
                            "students": students[:2]}), 201)
    ok(rep.post(interests, {"course": course_b["id"], "number_of_students": 1,
                            "students": students[2:]}), 201)
    quotation = ok(rep.post(f"{interests}/estimate"), 201)
    prices = [Decimal(item["price"]) for item in ok(rep.get(interests))["items"]]
    assert Decimal(quotation["total"]) == sum(prices) == Decimal("1800.00")

    # 12. T3's communication trigger writes exactly one email to the main contact.
    o1 = _transition(rep, _transition(rep, o1, "T2"), "T3")
    thanks = OutboxMessage.objects.filter(template__key="thanks-accepted")
    assert [(message.to, message.subject, message.status) for message in thanks] == [
        ("ann@acme.test", "Thank you, Ann", OutboxMessage.Status.PENDING)]

    # 13. T4 requires the PO number.
    refused = _transition(rep, o1, "T4", 422)
    assert list(refused["error"]["fields"]) == ["po_number"]
    o1 = _transition(rep, o1, "T4", po_number="PO-778")
    assert o1["step"] == "payment_details_confirmed"

    # 14. The funnel: the open stages only, in their order, O1 under Proposed.
    assert _funnel(rep) == [("enquiry", 0), ("proposed", 1)]

    # 15. Won: a registration per student and course, one invoice, a token issue.
    o1 = _transition(rep, o1, "T5")
    assert (o1["stage"], o1["status"]) == ("won", "won")
    registrations = ok(rep.get("/registrations", opportunity=o1["id"]))["items"]
    assert Counter(item["course"]["id"] for item in registrations) == {course_a["id"]: 2,
                                                                      course_b["id"]: 1}
    assert len(ok(rep.get(f"/opportunities/{o1['id']}/invoices"))["items"]) == 1
    tokens = ok(rep.get(f"/accounts/{o1['account']['id']}/training-tokens"))
    assert [issue["opportunity"]["id"] for issue in tokens["issues"]] == [o1["id"]]
    assert _funnel(rep) == [("enquiry", 0), ("proposed", 0)]

    # 16. Reordered and published, the funnel follows the new order.
    _reorder_open_stages(admin, ["proposed", "enquiry"])
    assert _funnel(rep) == [("proposed", 0), ("enquiry", 0)]

    # 17. The existing-account entry starts at Qualified and creates no account.
    o2 = ok(rep.post("/opportunities", {
        "title": "Acme – refresher", "pipeline": "training-sale",
        "entry": "new_opportunity_existing_account", "account": o1["account"]["id"]}), 201)
    assert (o2["step"], o2["account"]["id"]) == ("qualified", o1["account"]["id"])
    assert Account.objects.count() == 1

    # 18. Lost needs a reason; archived can be revisited.
    o3 = _transition(rep, _qualified(rep, "Beta – 1 seat", company_name="Beta"), "T2")
    assert list(_transition(rep, o3, "T6", 422)["error"]["fields"]) == ["lost_reason"]
    o3 = _transition(rep, o3, "T6", lost_reason="price")
    assert (o3["stage"], o3["status"]) == ("lost", "lost")
    o4 = _transition(rep, _qualified(rep, "Gamma – 2 seats", company_name="Gamma"), "T2")
    o4 = _transition(rep, o4, "T7")
    assert (o4["stage"], o4["status"]) == ("archived", "archived")
    assert _transition(rep, o4, "T8")["step"] == "qualified"

    # 19. A named follow-on starts at Proposal Sent under its parent; a name is required.
    refused = ok(rep.post(f"/opportunities/{o1['id']}/follow-ons", {"follow_on": "upsell"}),
                 422)
    assert "name" in refused["error"]["fields"]
    o5 = ok(rep.post(f"/opportunities/{o1['id']}/follow-ons",
                     {"follow_on": "upsell", "name": "Acme – 3 more seats"}), 201)
    assert (o5["step"], o5["parent"]["id"]) == ("proposal_sent", o1["id"])
    assert [child["id"] for child in ok(rep.get(f"/opportunities/{o1['id']}"))["children"]] == [
        o5["id"]]


def test_s3_no_email_address_means_no_message_and_a_recorded_reason(
        workspace: Workspace) -> None:
    rep = _set_up(workspace)
    record = _transition(rep, _qualified(rep, "Delta – 1 seat", company_name="Delta"), "T2")
    ok(rep.patch(f"/contacts/{record['contact']['id']}", {"email": ""}))

    _transition(rep, record, "T3")

    message = OutboxMessage.objects.get(template__key="thanks-accepted")
    assert message.status == OutboxMessage.Status.SKIPPED
    assert "email address" in message.skip_reason


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_s3_main_path_in_the_browser(workspace: Workspace, page: Page, app_url: str,
                                     sign_in: Any) -> None:
    _set_up(workspace)
    ok(workspace.admin.post("/courses", {"code": "A", "name": "Course A", "price": "500.00"}),
       201)

    # 7. rep1 takes the enquiry: it starts at New Enquiry and says what Qualify needs.
    sign_in(page, "rep1")
    page.goto(f"{app_url}/opportunities/")
    page.get_by_role("link", name="New opportunity").click()
    page.get_by_label("Title").fill("Acme – 3 seats")
    page.get_by_role("button", name="Create opportunity").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme – 3 seats")
    expect(page.get_by_text("Needs: First name, Last name, Email")).to_be_visible()

    # 8. Refused without the first name: the reason is shown and nothing is kept.
    page.get_by_role("button", name="Qualify…").click()
    panel = page.locator("#transition-panel")
    panel.get_by_label("Last name").fill("Lee")
    panel.get_by_label("Email").fill("ann@acme.test")
    panel.get_by_role("button", name="Qualify").click()
    expect(panel.get_by_text('"First name" is required for "Qualify".')).to_be_visible()
    o1 = Opportunity.objects.get()
    assert (o1.step, o1.attributes.get("last_name")) == ("new_enquiry", None)

    # 9. Complete, it moves on and creates the contact.
    panel.get_by_label("First name").fill("Ann")
    panel.get_by_role("button", name="Qualify").click()
    expect(page.get_by_role("button", name="Send proposal →")).to_be_visible()

    # 11. A course of interest with Ann as its student, and the quotation from it.
    page.get_by_role("link", name="Interests").click()
    page.locator("#interest-course").select_option(label="A Course A – 500.00")
    page.get_by_label("Ann Lee").check()
    page.get_by_role("button", name="Add course").click()
    expect(page.locator(".interest-price")).to_have_text("USD 500.00")
    page.get_by_role("button", name="Create quotation from the interests").click()
    expect(page.get_by_text("created from the interests")).to_be_visible()
    # The quotation changed the opportunity (its value) since the page loaded; the move
    # buttons still work without opening the page afresh.

    # 12, 13. On through the proposal; payment details need the PO number.
    page.get_by_role("button", name="Send proposal →").click()
    page.get_by_role("button", name="Accept proposal →").click()
    expect(page.get_by_text("Needs: PO number")).to_be_visible()
    page.get_by_role("button", name="Confirm payment details…").click()
    panel.get_by_label("PO number").fill("PO-778")
    panel.get_by_role("button", name="Confirm payment details").click()

    # 15. Won: the registration and the invoice are there to see.
    page.get_by_role("button", name="Win →").click()
    expect(page.locator("hgroup .badge")).to_have_text("Won")
    sections = page.get_by_role("navigation", name="Sections")
    sections.get_by_role("link", name="Invoices").click()
    expect(page.locator("#invoice-panel .billing-table tbody tr")).to_have_count(1)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Courses").click()
    page.get_by_role("button", name="Registrations").click()
    expect(page.get_by_text("Ann Lee")).to_be_visible()
    o1.refresh_from_db()
    assert (o1.step, o1.status) == ("won", "won")
    assert Registration.objects.filter(opportunity=o1).count() == 1
    assert Invoice.objects.filter(opportunity=o1).count() == 1

"""S2 — Carerix (seed 001): a marketing lead through the creation wizard, stage-scoped
templates and triggers, contact roles and job-order cardinality, and the "+ Opportunity"
conversion by an account manager; replayed through the API.

Carerix "groups" are tags; "company" is an account. Step 16's control (conversion refused
when L-CONV loses its default-endstage flag) is caught one step earlier: a lead pipeline without
a conversion end-stage cannot be imported or published. The wizard's step 3 offers an empty record,
and a copy only of the records the chosen existing contact is on; the options answer also
names the account and contact chosen (what Carerix shows in its context bar).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

from stageflow.automation.scheduler import run_scans
from stageflow.core import clock
from stageflow.sales.models import Lead, Opportunity
from tests.acceptance.conftest import Workspace, ok

ALL = ("view", "create", "edit", "delete")


def _grants(**per_type: tuple[str, ...]) -> list[dict[str, str]]:
    """Office-wide grants: per record type, the actions allowed."""
    return [{"record_type": record_type, "action": action, "scope": "office"}
            for record_type, actions in per_type.items() for action in actions]


def _ids(listing: dict[str, Any]) -> list[int]:
    return [item["id"] for item in listing["items"]]


def _template_names(api: Any, kind: str, record_id: int, template_kind: str) -> list[str]:
    return [t["name"] for t in ok(api.get(f"/templates/for/{kind}/{record_id}",
                                          kind=template_kind))]


def _docx() -> bytes:
    """The smallest file that is a Word document by its content."""
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return data.getvalue()


def _without_default_endstage(admin: Any) -> Any:
    """The administrator takes the default-endstage flag off L-CONV and publishes."""
    exported = admin.get("/pipelines/recruitment_leads/export", format="json")
    definition = json.loads(exported.content)
    for stage in definition["stages"]:
        if stage["key"] == "l_conv":
            stage.pop("is_conversion_end_stage", None)
    return admin.request("POST", "/pipelines/import?publish=true", json.dumps(definition))


def test_s2_marketing_lead_to_opportunity(workspace: Workspace) -> None:
    admin = workspace.admin
    # 1. The recruitment preset: independent lead and opportunity pipelines.
    ok(admin.post("/presets/recruitment/install"), 201)

    # 2. Roles and users in two offices.
    amsterdam = ok(admin.post("/offices", {"name": "Amsterdam"}), 201)
    utrecht = ok(admin.post("/offices", {"name": "Utrecht"}), 201)
    ok(admin.put("/roles/marketing_s2", {"name": "Marketing", "permissions": _grants(
        leads=("view", "create", "edit"), opportunities=("view",),
        accounts=("view", "create", "edit"), contacts=("view", "create", "edit"))}))
    ok(admin.put("/roles/account_manager", {"name": "AccountManager", "permissions": _grants(
        opportunities=ALL, leads=("view", "edit", "convert"), accounts=("view",),
        contacts=("view", "create", "edit"), job_orders=("view", "create", "edit"))}))
    mkt1 = workspace.add_user("mkt1", "marketing_s2", [amsterdam["id"]])
    am1 = workspace.add_user("am1", "account_manager", [amsterdam["id"]])
    mkt2 = workspace.add_user("mkt2", "marketing_s2", [utrecht["id"]])

    # 3. Tables per record type: a lead value is not offered on opportunities.
    ok(admin.put("/lookups/lead/source/mailing", {"label": "Mailing"}))
    groups = {kind: [v["label"] for v in ok(admin.get(f"/lookups/{kind}", table="group"))[
        "items"]] for kind in ("lead", "opportunity")}
    assert groups == {"lead": ["New leads", "Nurture"], "opportunity": ["Won this quarter"]}
    refused = ok(admin.post("/opportunities", {"title": "Probe", "source": "mailing"}), 422)
    assert list(refused["error"]["fields"]) == ["source"]

    # 4-6. Stages, stage templates and triggers come with the preset.
    stages = {s["key"]: s for s in ok(admin.get("/pipelines/recruitment_leads"))[
        "definition"]["stages"]}
    new = stages["l_new"]
    assert (new["names"], new["position"], new["is_default"], new["colour"], new["group"],
            new["code"], new["instructions"]) == (
        {"en": "New", "nl": "Nieuw"}, 10, True, "#CCE5FF", "open", "NEW", "Call within 24h")
    assert stages["l_conv"]["is_conversion_end_stage"] is True
    assert stages["l_old"]["active"] is False
    rules = {r["key"] for r in ok(admin.get("/rules"))["items"]}
    assert {"t1_new_leads_group", "t2_won_this_quarter", "t3_dormant_after_14_days",
            "t4_closed_leave_new_leads"} <= rules

    # 7. The lead wizard with no company: step 2 is skipped; New, its instructions, T1.
    options = ok(mkt1.get("/wizards/lead/options"))
    assert ("none" in options["account_modes"], options["contact_step"]) == (True, False)
    lead_a = ok(mkt1.post("/wizards/lead", {"account": {"mode": "none"},
                                            "values": {"title": "Lead A"}}), 201)
    assert (lead_a["account"], lead_a["contact"], lead_a["stage"]) == (None, None, "l_new")
    assert lead_a["instructions"] == "Call within 24h"
    assert "New leads" in lead_a["tags"]
    assert ok(mkt1.get(f"/leads/{lead_a['id']}", lang="nl"))["stage_name"] == "Nieuw"

    # 8. "None" is for leads only.
    assert "none" not in ok(am1.get("/wizards/opportunity/options"))["account_modes"]
    refused = ok(am1.post("/wizards/opportunity", {"account": {"mode": "none"}}), 422)
    assert list(refused["error"]["fields"]) == ["account.mode"]

    # 9. New company Acme and new contact Bob: nothing to copy yet.
    assert [o["key"] for o in ok(mkt1.get("/wizards/lead/options"))["start_options"]] == [
        "empty"]
    lead_b = ok(mkt1.post("/wizards/lead", {
        "account": {"mode": "new", "name": "Acme"},
        "contact": {"mode": "new", "first_name": "Bob", "last_name": "Baker",
                    "email": "bob@acme.example"},
        "values": {"title": "Acme – interim staff", "description": "Three planners",
                   "source": "website", "priority": "high", "category": "interim"}}), 201)
    acme, bob = lead_b["account"], lead_b["contact"]
    assert (acme["name"], bob["name"]) == ("Acme", "Bob Baker")

    # 10. Existing Acme and Bob: the copy is offered, listing B; the copy is a new lead.
    options = ok(mkt1.get("/wizards/lead/options", account=acme["id"], contact=bob["id"]))
    assert (options["account"], options["contact"]) == (acme, bob)
    copy = {o["key"]: o for o in options["start_options"]}["copy"]
    assert copy["records"] == [{"id": lead_b["id"], "name": "Acme – interim staff"}]
    lead_c = ok(mkt1.post("/wizards/lead", {
        "account": {"mode": "existing", "id": acme["id"]},
        "contact": {"mode": "existing", "id": bob["id"]}, "copy_of": lead_b["id"]}), 201)
    assert lead_c["id"] != lead_b["id"]
    copied = ("title", "description", "source", "priority", "category")
    assert {k: lead_c[k] for k in copied} == {k: lead_b[k] for k in copied}

    # 11. Overviews.
    abc = sorted([lead_a["id"], lead_b["id"], lead_c["id"]])
    assert sorted(_ids(ok(mkt1.get("/leads", stage_group="Open")))) == abc
    assert sorted(_ids(ok(mkt1.get("/leads", view="mine")))) == abc
    assert _ids(ok(mkt2.get("/leads", view="my_office"))) == []
    assert sorted(_ids(ok(admin.get("/leads", view="all")))) == abc
    assert sorted(_ids(ok(mkt1.get("/leads", q="Acme")))) == sorted([lead_b["id"],
                                                                      lead_c["id"]])

    # 12. Stage-scoped templates; an inactive stage is refused.
    b = f"/leads/{lead_b['id']}"
    assert _template_names(mkt1, "lead", lead_b["id"], "email") == ["Intro"]
    ok(mkt1.patch(b, {"stage": "l_cont"}))
    assert _template_names(mkt1, "lead", lead_b["id"], "email") == []
    ok(mkt1.patch(b, {"stage": "l_old"}), 422)
    assert ok(mkt1.get(b))["stage"] == "l_cont"

    # 13. Contact roles: a role is changed from the list, except the main contact's.
    carol = ok(mkt1.post("/contacts", {"first_name": "Carol", "last_name": "Cole",
                                       "account": acme["id"]}), 201)
    ok(mkt1.put(f"{b}/contacts/{carol['id']}", {"role": "Decision maker"}))
    assert ok(mkt1.put(f"{b}/contacts/{carol['id']}", {"role": "Influencer"}))["role"] == \
        "Influencer"
    roles = {c["contact"]["id"]: c["role"] for c in ok(mkt1.get(f"{b}/contacts"))["items"]}
    assert roles[bob["id"]] == "Main contact"
    ok(mkt1.put(f"{b}/contacts/{bob['id']}", {"role": "Influencer"}), 409)

    # 14. Job orders: one lead and one opportunity each at most.
    jo1 = ok(am1.post("/job-orders", {"title": "JO1", "lead": lead_b["id"]}), 201)
    jo2 = ok(am1.post("/job-orders", {"title": "JO2"}), 201)
    ok(am1.post(f"/job-orders/{jo2['id']}/links",
                {"record_type": "lead", "record_id": lead_b["id"]}), 201)
    assert ok(am1.get(f"/job-orders/{jo2['id']}"))["related_to"]["lead"]["id"] == lead_b["id"]
    taken = ok(am1.post(f"/job-orders/{jo2['id']}/links",
                        {"record_type": "lead", "record_id": lead_c["id"]}), 409)
    assert "Acme – interim staff" in taken["error"]["message"]

    # 15. Marketing cannot create opportunities.
    ok(mkt1.post(f"{b}/convert", {}), 403)
    assert ok(mkt1.get(b))["opportunities"] == []

    # 16. "+ Opportunity" by the account manager: X in O-INTAKE, B closed and out of the group.
    x = ok(am1.post(f"{b}/convert", {}), 201)
    assert (x["lead"]["id"], x["stage"]) == (lead_b["id"], "o_intake")
    converted = ok(am1.get(b))
    assert (converted["stage"], converted["status"]) == ("l_conv", "won")
    assert "New leads" not in converted["tags"]
    assert lead_b["id"] in _ids(ok(am1.get("/leads", stage_group="Closed")))
    # The control: Stageflow refuses a lead pipeline with no default endstage when it is
    # imported, so no live lead can be stranded without one; the live pipeline keeps its flag.
    refused = ok(_without_default_endstage(admin), 422)
    assert refused["error"]["fields"] == {
        "stages": "a lead pipeline needs a conversion end-stage"}
    live = ok(admin.get("/pipelines/recruitment_leads"))["definition"]["stages"]
    assert [s["key"] for s in live if s.get("is_conversion_end_stage")] == ["l_conv"]

    # 17. JO2 also on X (one lead and one opportunity).
    ok(am1.post(f"/job-orders/{jo2['id']}/links",
                {"record_type": "opportunity", "record_id": x["id"]}), 201)
    assert [j["title"] for j in ok(am1.get("/job-orders", opportunity=x["id"]))["items"]] == [
        "JO2"]

    # 18. A task from X's activities, then X to O-PROP: the Proposal template is offered.
    task = ok(am1.post("/activities", {"record_type": "opportunity", "record_id": x["id"],
                                       "subject": "Draft the proposal"}), 201)
    assert (task["record"]["type"], task["record"]["id"]) == ("opportunity", x["id"])
    assert ok(am1.patch(f"/opportunities/{x['id']}", {"stage": "o_prop"}))["stage"] == "o_prop"
    assert _template_names(am1, "opportunity", x["id"], "document") == ["Proposal"]

    # 19. Placements show on the lead their job order is linked to.
    candidate = ok(am1.post("/contacts", {"first_name": "Dana", "last_name": "Dekker"}), 201)
    p1 = ok(am1.post(f"/job-orders/{jo1['id']}/placements", {"candidate": candidate["id"]}),
            201)
    jo3 = ok(am1.post("/job-orders", {"title": "JO3"}), 201)
    ok(am1.post(f"/job-orders/{jo3['id']}/placements", {"candidate": candidate["id"]}), 201)
    assert _ids(ok(am1.get("/placements", lead=lead_b["id"]))) == [p1["id"]]

    # 20. A contact's and a company's leads; removing Carol keeps the lead.
    assert _ids(ok(mkt1.get("/leads", contact=carol["id"]))) == [lead_b["id"]]
    ok(mkt1.delete(f"{b}/contacts/{carol['id']}"), 204)
    assert _ids(ok(mkt1.get("/leads", contact=carol["id"]))) == []
    assert ok(mkt1.get(b))["id"] == lead_b["id"]
    assert sorted(_ids(ok(mkt1.get("/leads", account=acme["id"])))) == sorted(
        [lead_b["id"], lead_c["id"]])

    # 21. Won: T2 adds X to "Won this quarter"; X is in the Closed group.
    won = ok(am1.patch(f"/opportunities/{x['id']}", {"stage": "o_won"}))
    assert "Won this quarter" in won["tags"]
    assert x["id"] in _ids(ok(am1.get("/opportunities", stage_group="Closed")))

    # 22. T3: a lead left alone for 14 days goes dormant once; an edited one stays.
    start = clock.now()
    lead_d = ok(mkt1.post("/leads", {"title": "Lead D"}), 201)
    lead_e = ok(mkt1.post("/leads", {"title": "Lead E"}), 201)
    with time_machine.travel(start + dt.timedelta(days=10)):
        ok(mkt1.patch(f"/leads/{lead_e['id']}", {"description": "Called back"}))
    with time_machine.travel(start + dt.timedelta(days=15)):
        run_scans()
        run_scans()
        dormant = ok(mkt1.get(f"/leads/{lead_d['id']}"))
        kept = ok(mkt1.get(f"/leads/{lead_e['id']}"))
        moves = ok(mkt1.get(f"/leads/{lead_d['id']}/stage-changes"))["items"]
    assert (dormant["stage"], kept["stage"]) == ("l_dorm", "l_new")
    assert [m["to_stage"] for m in moves] == ["l_new", "l_dorm"]

    # 23. Attachments on X, listed with their types.
    for name, content_type, data in (
            ("cv.pdf", "application/pdf", b"%PDF-1.4\n%%EOF\n"),
            ("proposal.docx", "application/vnd.openxmlformats-officedocument."
             "wordprocessingml.document", _docx())):
        upload = SimpleUploadedFile(name, data, content_type=content_type)
        response = am1.client.post("/api/v1/attachments", {
            "record_type": "opportunity", "record_id": x["id"], "file": upload},
            headers=am1.headers)
        ok(response, 201)
    files = ok(am1.get("/attachments", record_type="opportunity", record_id=x["id"]))["items"]
    assert sorted((f["name"], f["content_type"]) for f in files) == [
        ("cv.pdf", "application/pdf"),
        ("proposal.docx",
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document")]

    # 24. Marketing sees opportunities but has no opportunity:delete.
    ok(mkt1.delete(f"/opportunities/{x['id']}"), 403)
    assert ok(admin.get(f"/opportunities/{x['id']}"))["id"] == x["id"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_s2_in_the_browser_wizard_lead_then_opportunity(
        page: Page, app_url: str, sign_in: Any, workspace: Workspace, north: Any) -> None:
    ok(workspace.admin.post("/presets/recruitment/install"), 201)
    workspace.add_user("mkt1", "marketing", [north.pk])
    workspace.add_user("am1", "sales_manager", [north.pk])

    # Marketing takes the lead through the wizard: a new company and a new contact.
    sign_in(page, "mkt1")
    page.goto(f"{app_url}/leads/")
    page.get_by_role("button", name="Creation wizard").click()
    page.get_by_role("radio", name="Create a new account").check()
    page.get_by_label("Name of the new account").fill("Acme")
    page.get_by_role("button", name="Next →").click()
    page.get_by_role("radio", name="Create a new contact").check()
    page.get_by_label("First name").fill("Bob")
    page.get_by_label("Last name").fill("Baker")
    page.get_by_role("button", name="Next →").click()
    expect(page.get_by_role("radio", name=re.compile("copy"))).to_have_count(0)
    page.get_by_label("Title").fill("Acme – interim staff")
    page.get_by_role("button", name="Create lead").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme – interim staff")
    expect(page.get_by_text("Call within 24h")).to_be_visible()
    expect(page.get_by_text("New leads")).to_be_visible()
    lead = Lead.objects.get()

    # The account manager converts it with "+ Opportunity".
    page.context.clear_cookies()
    sign_in(page, "am1")
    page.goto(f"{app_url}/leads/{lead.pk}/")
    page.get_by_role("button", name="+ Opportunity").click()
    page.get_by_role("button", name="Convert").click()
    expect(page).to_have_url(re.compile(r"/opportunities/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme – interim staff")
    opportunity = Opportunity.objects.get()
    lead.refresh_from_db()
    assert (opportunity.lead_id, opportunity.stage, lead.stage) == (lead.pk, "o_intake",
                                                                    "l_conv")

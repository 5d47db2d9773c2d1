"""Lead and opportunity screens through Django's test client: overviews, bulk actions, intake,
the wizard, the record page and its actions, scope and query counts."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from stageflow.accounts.models import Account, Contact
from stageflow.core.models import Via
from stageflow.pipelines.models import CustomAttribute
from stageflow.sales import services
from stageflow.sales.models import Lead, Opportunity, RecordContact, Tag


@pytest.fixture
def browser_as(db):
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def rep(make_user, north):
    return make_user("rep1", "salesperson", north)


@pytest.fixture
def office(make_user, north):
    return make_user("office1", "office", north)


def opportunity(actor, title: str = "O1", **values: Any) -> Opportunity:
    record = services.record_create(actor=actor, via=Via.CLI, kind="opportunity",
                                    values={"title": title, **values})
    assert isinstance(record, Opportunity)
    return record


def lead(actor, title: str = "L1", **values: Any) -> Lead:
    record = services.record_create(actor=actor, via=Via.CLI, kind="lead",
                                    values={"title": title, **values})
    assert isinstance(record, Lead)
    return record


def qualified(actor, title: str = "O1") -> Opportunity:
    record = opportunity(actor, title)
    services.record_transition(actor=actor, via=Via.CLI, record=record, transition="T1",
                               values={"first_name": "Ann", "last_name": "Lee",
                                       "email": "ann@example.com"})
    record.refresh_from_db()
    return record


def at_proposal_accepted(actor, title: str) -> Opportunity:
    record = qualified(actor, title)
    for key in ("T2", "T3"):
        services.record_transition(actor=actor, via=Via.CLI, record=record, transition=key)
        record.refresh_from_db()
    return record


# Overviews -----------------------------------------------------------------------------------

def test_overview_lists_records_with_stage_names_and_list_columns(browser_as, training, rep):
    opportunity(rep, "Acme seats", attributes={"first_name": "Ann"})

    page = browser_as(rep).get("/opportunities/").content.decode()

    assert "Acme seats" in page
    assert "Enquiry" in page
    assert "New Enquiry" in page
    assert "First name" in page
    assert "Ann" in page
    assert 'href="?view=mine"' in page


def test_overview_stage_group_tab_and_view_tabs_filter_and_keep_the_query(
        browser_as, training, rep, make_user, north):
    colleague = make_user("rep2", "sales_manager", north)
    opportunity(rep, "Still open")
    archived = qualified(rep, "Archived one")
    for key in ("T2", "T7"):
        services.record_transition(actor=rep, via=Via.CLI, record=archived, transition=key)
    theirs = opportunity(colleague, "Colleague's", owner=colleague.pk)
    client = browser_as(colleague)

    closed = client.get("/opportunities/", {"stage_group": "closed", "view": "all"})
    pipeline = client.get("/opportunities/", {"stage_group": "pipeline", "view": "all"})
    mine = client.get("/opportunities/", {"view": "mine", "stage_group": "pipeline"})

    assert [r.title for r in closed.context["rows"]] == ["Archived one"]
    assert {r.title for r in pipeline.context["rows"]} == {"Still open", "Colleague's"}
    assert [r.title for r in mine.context["rows"]] == [theirs.title]
    # the view tab links keep the chosen stage group, and the other way round
    assert 'href="?stage_group=pipeline&amp;view=all"' in mine.content.decode()
    assert "view=mine&amp;stage_group=closed" in mine.content.decode()


def test_overview_my_office_and_submitted_by_me_views(browser_as, insurance, make_user, north,
                                                      south):
    technician = make_user("tech1", "technician", north)
    manager = make_user("boss", "sales_manager", north)
    mine = lead(technician, "From the field")
    other = lead(manager, "South lead", office=south.pk)

    submitted = browser_as(technician).get("/leads/", {"view": "created_by_me"})
    office_view = browser_as(manager).get("/leads/", {"view": "my_office"})

    assert [r.title for r in submitted.context["rows"]] == [mine.title]
    assert mine.title in [r.title for r in office_view.context["rows"]]
    assert other.title not in [r.title for r in office_view.context["rows"]]


def test_overview_search_is_live_and_filters_narrow(browser_as, training, admin, make_account):
    acme = make_account(admin, "Acme Training")
    opportunity(admin, "First deal", account=acme.pk)
    opportunity(admin, "Second deal", source="")
    tagged = opportunity(admin, "Tagged deal")
    services.record_tag(actor=admin, via=Via.CLI, record=tagged, tag_name="hot")
    client = browser_as(admin)

    search = client.get("/opportunities/", {"q": "acme"}, headers={"HX-Request": "true",
                                                                   "HX-Target": "results"})
    by_tag = client.get("/opportunities/", {"tag": "hot"})
    by_stage = client.get("/opportunities/", {"stage": "proposed"})
    by_attribute = client.get("/opportunities/", {"attr_first_name": "zed"})

    assert next(t.name for t in search.templates) == "web/records/_results.html"
    assert [r.title for r in search.context["rows"]] == ["First deal"]
    assert "<html" not in search.content.decode()
    assert [r.title for r in by_tag.context["rows"]] == ["Tagged deal"]
    assert by_stage.context["rows"] == []
    assert by_attribute.context["rows"] == []
    assert "Nothing matches these filters." in by_stage.content.decode()


def test_overview_sorts_and_pages_by_25(browser_as, training, admin):
    for number in range(27):
        opportunity(admin, f"Deal {number:02d}")
    client = browser_as(admin)

    first = client.get("/opportunities/", {"sort": "title"})
    second = client.get("/opportunities/", {"sort": "title", "page": 2})
    reverse = client.get("/opportunities/", {"sort": "-title"})

    assert len(first.context["rows"]) == 25
    assert first.context["rows"][0].title == "Deal 00"
    assert [r.title for r in second.context["rows"]] == ["Deal 25", "Deal 26"]
    assert reverse.context["rows"][0].title == "Deal 26"


def test_another_offices_record_is_404_and_not_listed(browser_as, training, rep, make_user,
                                                      south):
    southerner = make_user("rep_s", "salesperson", south)
    theirs = opportunity(southerner, "Southern deal")
    client = browser_as(rep)

    detail = client.get(f"/opportunities/{theirs.pk}/")
    preview = client.get(f"/opportunities/{theirs.pk}/preview/", headers={"HX-Request": "true"})
    listed = client.get("/opportunities/", {"view": "all"})

    assert detail.status_code == 404
    assert preview.status_code == 404
    assert "Southern deal" not in detail.content.decode()
    assert "Southern deal" not in listed.content.decode()


def test_preview_panel_shows_key_fields_and_transition_buttons(browser_as, training, rep):
    record = opportunity(rep, "Preview me")

    response = browser_as(rep).get(f"/opportunities/{record.pk}/preview/",
                                   headers={"HX-Request": "true"})

    page = response.content.decode()
    assert "<html" not in page
    assert "Preview me" in page
    assert "Call within 24h" in page
    assert "Qualify…" in page
    assert "Needs: First name, Last name, Email" in page


def test_overview_query_count_does_not_grow_with_rows(browser_as, training, admin,
                                                      make_account):
    acme = make_account(admin, "Acme")

    def count(total: int) -> int:
        Opportunity.objects.all().delete()
        for number in range(total):
            record = opportunity(admin, f"Deal {number}", account=acme.pk)
            services.record_tag(actor=admin, via=Via.CLI, record=record, tag_name="hot")
        client = browser_as(admin)
        client.get("/opportunities/")
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/opportunities/")
        assert len(response.context["rows"]) == min(total, 25)
        return len(queries)

    assert count(3) == count(30)


# Bulk actions and export -------------------------------------------------------------------

def test_bulk_move_reports_each_refused_record(browser_as, training, admin):
    ready = [at_proposal_accepted(admin, f"Ready {n}") for n in range(3)]
    for record in ready:
        services.record_update(actor=admin, via=Via.CLI, record=record,
                               values={"attributes": {"po_number": "PO-1"}})
    missing = at_proposal_accepted(admin, "No PO")
    client = browser_as(admin)

    response = client.post("/opportunities/bulk/", {
        "action": "move", "transition": "T4", "next": "/opportunities/?view=all",
        "ids": [r.pk for r in [*ready, missing]]}, follow=True)

    [message] = [str(m) for m in response.context["messages"]]
    assert message == "3 moved, 1 refused: No PO — missing PO number"
    assert response.redirect_chain[-1][0] == "/opportunities/?view=all"
    assert sorted(Opportunity.objects.filter(step="payment_details_confirmed")
                  .values_list("title", flat=True)) == ["Ready 0", "Ready 1", "Ready 2"]
    missing.refresh_from_db()
    assert missing.step == "proposal_accepted"


def test_bulk_assign_and_tag_and_untag(browser_as, training, admin, rep):
    records = [opportunity(admin, f"Deal {n}") for n in range(2)]
    client = browser_as(admin)
    ids = [r.pk for r in records]

    client.post("/opportunities/bulk/", {"action": "assign", "owner": rep.pk, "ids": ids})
    client.post("/opportunities/bulk/", {"action": "tag", "tag": "Schedule", "ids": ids})
    client.post("/opportunities/bulk/", {"action": "untag", "tag": "Schedule",
                                         "ids": ids[:1]})

    assert set(Opportunity.objects.values_list("owner_id", flat=True)) == {rep.pk}
    assert list(Tag.objects.get(name="Schedule").opportunities.values_list(
        "pk", flat=True)) == ids[1:]


def test_bulk_delete_asks_first_then_deletes(browser_as, training, admin):
    records = [opportunity(admin, f"Deal {n}") for n in range(2)]
    client = browser_as(admin)
    ids = [r.pk for r in records]

    confirm = client.post("/opportunities/bulk/", {"action": "delete", "ids": ids})
    assert Opportunity.objects.count() == 2
    assert "Yes, delete them" in confirm.content.decode()

    client.post("/opportunities/bulk/", {"action": "delete", "confirm": "yes", "ids": ids})
    assert Opportunity.objects.count() == 0


def test_bulk_delete_without_permission_is_refused_per_record(browser_as, training, rep):
    record = opportunity(rep, "Keep me")

    response = browser_as(rep).post("/opportunities/bulk/", {
        "action": "delete", "confirm": "yes", "ids": [record.pk]}, follow=True)

    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith("0 deleted, 1 refused: Keep me — ")
    assert Opportunity.objects.filter(pk=record.pk).exists()


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_bulk_export_neutralises_formula_cells(browser_as, training, admin):
    evil = opportunity(admin, "=HYPERLINK(\"http://x\")", attributes={"first_name": "+1 555"})
    opportunity(admin, "Not selected")

    response = browser_as(admin).post("/opportunities/bulk/", {"action": "export",
                                                               "ids": [evil.pk]})

    rows = _csv(response)
    assert response["Content-Type"].startswith("text/csv")
    assert len(rows) == 2
    header, row = rows
    assert row[header.index("title")] == "'=HYPERLINK(\"http://x\")"
    assert row[header.index("first_name")] == "'+1 555"
    assert row[header.index("stage")] == "Enquiry"


def test_export_of_the_filtered_overview(browser_as, training, admin):
    opportunity(admin, "Alpha")
    opportunity(admin, "Beta")

    rows = _csv(browser_as(admin).get("/opportunities/export.csv", {"q": "alp"}))

    assert [row[1] for row in rows[1:]] == ["Alpha"]


# Intake ----------------------------------------------------------------------------------------

def test_quick_create_shows_a_required_attribute_error_inline(browser_as, training, rep):
    CustomAttribute.objects.filter(record_type="opportunity", key="email").update(
        required_on_create=True)
    client = browser_as(rep)

    form = client.get("/opportunities/new/").content.decode()
    response = client.post("/opportunities/new/", {"title": "Needs email",
                                                   "owner": rep.pk})

    assert 'name="attr_email"' in form
    assert 'name="attr_po_number"' not in form  # only the required-when-created attributes
    assert response.status_code == 200
    assert 'id="id_attr_email-error"' in response.content.decode()
    assert not Opportunity.objects.exists()

    done = client.post("/opportunities/new/", {"title": "Has email", "owner": rep.pk,
                                               "attr_email": "a@example.com", "value": "950"})
    record = Opportunity.objects.get()
    assert done.status_code == 302
    assert done["Location"] == f"/opportunities/{record.pk}/"
    assert (record.attributes, record.value) == ({"email": "a@example.com"}, 950)


def test_quick_create_with_account_contact_source_and_entry(browser_as, insurance, admin,
                                                            make_account, make_contact):
    acme = make_account(admin, "Acme")
    bob = make_contact(admin, "Builder", first_name="Bob")
    client = browser_as(admin)

    page = client.get("/leads/new/").content.decode()
    response = client.post("/leads/new/", {"title": "", "account": acme.pk,
                                           "contact": bob.pk, "owner": admin.pk,
                                           "source": "trade_show_business_card"})

    assert "Trade show business card" in page
    record = Lead.objects.get()
    assert response.status_code == 302
    assert (record.title, record.account, record.contact, record.source) == (
        "Acme", acme, bob, "trade_show_business_card")
    assert list(RecordContact.objects.filter(lead=record).values_list("role", flat=True)) == [
        "Main contact"]


def test_quick_create_offers_entries_and_an_unknown_source_is_refused(browser_as, insurance,
                                                                     training, admin):
    client = browser_as(admin)

    page = client.get("/opportunities/new/").content.decode()
    client.post("/opportunities/new/", {"title": "X", "owner": admin.pk,
                                                   "pipeline": "training-sale",
                                                   "entry": "new_opportunity_existing_account"})

    assert "★New Opportunity – Existing Account" in page
    assert 'name="pipeline"' in page
    record = Opportunity.objects.get()
    assert (record.pipeline.key, record.step) == ("training-sale", "qualified")


# The wizard ------------------------------------------------------------------------------------

def test_wizard_lead_with_no_account_skips_the_contact_step(browser_as, insurance, office):
    client = browser_as(office)

    start = client.get("/leads/wizard/")
    step1 = client.post("/leads/wizard/1/", {"mode": "none"})
    step3 = client.get(step1["Location"])
    done = client.post("/leads/wizard/3/", {"start": "empty", "title": "Walk-in",
                                            "owner": office.pk})

    assert "None: the lead has no account yet" in start.content.decode()
    assert step1["Location"] == "/leads/wizard/3/"
    assert "A copy of" not in step3.content.decode()
    record = Lead.objects.get()
    assert done["Location"] == f"/leads/{record.pk}/"
    assert (record.title, record.account, record.contact, record.stage) == (
        "Walk-in", None, None, "new")


def test_wizard_opportunity_does_not_offer_none(browser_as, training, rep):
    client = browser_as(rep)

    page = client.get("/opportunities/wizard/").content.decode()
    refused = client.post("/opportunities/wizard/1/", {"mode": "none"})

    assert 'value="none"' not in page
    assert refused.status_code == 422
    assert "Select a valid choice" in refused.content.decode()


def test_wizard_new_account_and_new_contact_then_copy_for_the_next(browser_as, insurance,
                                                                   office):
    client = browser_as(office)

    client.get("/leads/wizard/")
    client.post("/leads/wizard/1/", {"mode": "new", "name": "Acme"})
    client.post("/leads/wizard/2/", {"mode": "new", "first_name": "Bob",
                                     "last_name": "Builder", "email": "bob@example.com"})
    step3 = client.get("/leads/wizard/3/")
    client.post("/leads/wizard/3/", {"start": "empty", "title": "Lead B",
                                     "owner": office.pk, "source": "email_query"})

    b = Lead.objects.get()
    acme, bob = Account.objects.get(), Contact.objects.get()
    assert "A copy of" not in step3.content.decode()
    assert (b.account, b.contact, acme.name, bob.last_name) == (acme, bob, "Acme", "Builder")
    assert list(bob.account_links.values_list("account__name", flat=True)) == ["Acme"]
    assert [(link.contact, link.role) for link in RecordContact.objects.filter(lead=b)] == [
        (bob, "Main contact")]

    # Acme and Bob exist now: the copy option is offered and copying gives a new lead.
    client.get(f"/leads/wizard/?account={acme.pk}")
    client.post("/leads/wizard/1/", {"mode": "current"})
    contact_step = client.get("/leads/wizard/2/").content.decode()
    client.post("/leads/wizard/2/", {"mode": "existing", "contact": bob.pk})
    offered = client.get("/leads/wizard/3/").content.decode()
    done = client.post("/leads/wizard/3/", {"start": "copy", "copy_of": b.pk,
                                            "owner": office.pk})

    assert "Bob Builder" in contact_step  # the account's contacts to pick from
    assert "A copy of an existing lead of this contact" in offered
    assert "Lead B" in offered
    c = Lead.objects.exclude(pk=b.pk).get()
    assert done["Location"] == f"/leads/{c.pk}/"
    assert (c.title, c.source, c.account, c.contact) == ("Lead B", "email_query", acme, bob)
    assert Account.objects.count() == 1
    assert Contact.objects.count() == 1


def test_wizard_back_keeps_the_choices(browser_as, insurance, office):
    client = browser_as(office)
    client.get("/leads/wizard/")
    client.post("/leads/wizard/1/", {"mode": "new", "name": "Kept Name"})

    back = client.get("/leads/wizard/1/").content.decode()

    assert 'value="Kept Name"' in back
    assert 'href="/leads/wizard/1/"' in client.get("/leads/wizard/2/").content.decode()


def test_wizard_failure_at_the_end_writes_nothing(browser_as, insurance, office):
    CustomAttribute.objects.filter(record_type="lead", key="interest").update(
        required_on_create=True)
    client = browser_as(office)
    client.get("/leads/wizard/")
    client.post("/leads/wizard/1/", {"mode": "new", "name": "Half Written"})
    client.post("/leads/wizard/2/", {"mode": "new", "last_name": "Nobody"})

    response = client.post("/leads/wizard/3/", {"start": "empty", "owner": office.pk})

    assert response.status_code == 422
    assert "id_attr_interest-error" in response.content.decode()
    assert not Account.objects.exists()
    assert not Contact.objects.exists()
    assert not Lead.objects.exists()


# The record page ---------------------------------------------------------------------------

def test_record_page_header_path_buttons_and_instructions(browser_as, training, rep):
    record = opportunity(rep, "O1")

    page = browser_as(rep).get(f"/opportunities/{record.pk}/").content.decode()

    assert "<h1>O1</h1>" in page
    assert 'aria-current="step">Enquiry</li>' in page
    assert "<li class=\"step-todo path-open\" >Proposed</li>" in page
    assert "Call within 24h" in page
    assert "Qualify…" in page
    assert "Needs: First name, Last name, Email" in page
    # the General tab shows the attributes of the current step first
    assert page.index("At this step (New Enquiry)") < page.index("Company name")


def test_transition_form_refused_then_completed(browser_as, training, rep):
    record = opportunity(rep, "O1")
    client = browser_as(rep)
    url = f"/opportunities/{record.pk}/transition/"
    htmx = {"HX-Request": "true"}

    form = client.get(url, {"transition": "T1"}, headers=htmx)
    refused = client.post(url, {"transition": "T1", "version": 1, "with_values": "1",
                                "attr_first_name": "", "attr_last_name": "Lee",
                                "attr_email": "lee@example.com"}, headers=htmx)

    assert ['name="attr_first_name"' in form.content.decode(),
            'name="attr_po_number"' in form.content.decode()] == [True, False]
    assert refused.status_code == 422
    assert "&quot;First name&quot; is required for &quot;Qualify&quot;." in \
        refused.content.decode()
    record.refresh_from_db()
    assert (record.step, record.attributes, record.version) == ("new_enquiry", {}, 1)

    done = client.post(url, {"transition": "T1", "version": 1, "with_values": "1",
                             "attr_first_name": "Ann", "attr_last_name": "Lee",
                             "attr_email": "lee@example.com"}, headers=htmx)

    assert done.status_code == 200
    assert done["HX-Redirect"] == f"/opportunities/{record.pk}/"
    record.refresh_from_db()
    assert record.step == "qualified"  # (T1 also made the account and contact: version 4)


def test_transition_without_values_is_one_click(browser_as, training, rep):
    record = qualified(rep)

    response = browser_as(rep).post(f"/opportunities/{record.pk}/transition/",
                                    {"transition": "T2", "version": record.version})

    assert response.status_code == 302
    record.refresh_from_db()
    assert record.step == "proposal_sent"


def test_a_stale_version_says_reload(browser_as, training, rep):
    record = qualified(rep)

    response = browser_as(rep).post(f"/opportunities/{record.pk}/transition/",
                                    {"transition": "T2", "version": record.version - 1},
                                    headers={"HX-Request": "true"})

    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    assert "Reload it" in response.content.decode()
    record.refresh_from_db()
    assert record.step == "qualified"


def test_a_move_button_survives_edits_made_meanwhile_but_not_moves(browser_as, training, rep):
    record = qualified(rep)
    client = browser_as(rep)
    page = client.get(record.get_absolute_url()).content.decode()
    assert 'name="from_step" value="qualified"' in page

    moved_meanwhile = client.post(f"/opportunities/{record.pk}/transition/",
                                  {"transition": "T2", "from_step": "new_enquiry"},
                                  headers={"HX-Request": "true"})
    # The user's own change since the page loaded (a quotation setting the value) bumps the
    # version; the button, shown at this very step, still works.
    services.record_update(actor=rep, via=Via.CLI, record=record, values={"value": "120.00"})
    edited_meanwhile = client.post(f"/opportunities/{record.pk}/transition/",
                                   {"transition": "T2", "from_step": "qualified"})

    assert moved_meanwhile.status_code == 409
    assert edited_meanwhile.status_code == 302
    record.refresh_from_db()
    assert record.step == "proposal_sent"


def test_a_user_who_may_not_edit_sees_no_buttons_and_gets_403(browser_as, insurance,
                                                              make_user, north):
    marketing = make_user("mkt1", "marketing", north)
    manager = make_user("boss", "sales_manager", north)
    record = services.record_create(actor=manager, via=Via.CLI, kind="opportunity",
                                    values={"title": "Read only"})

    page = browser_as(marketing).get(f"/opportunities/{record.pk}/").content.decode()
    post = browser_as(marketing).post(f"/opportunities/{record.pk}/transition/",
                                      {"transition": "develop"})

    assert "Read only" in page
    assert "Develop →" not in page
    assert ">Edit<" not in page
    assert post.status_code == 403


def test_edit_saves_with_a_version_check(browser_as, training, rep):
    record = opportunity(rep, "Old title")
    client = browser_as(rep)
    form = {"title": "New title", "owner": rep.pk, "currency": "USD", "value": "10",
            "version": record.version}

    stale = client.post(f"/opportunities/{record.pk}/edit/", {**form, "version": 0})
    saved = client.post(f"/opportunities/{record.pk}/edit/", form)

    assert "changed by someone else" in stale.content.decode()
    assert saved.status_code == 302
    record.refresh_from_db()
    assert (record.title, record.value, record.version) == ("New title", 10, 2)


def test_convert_asks_for_the_values_then_links_both_ways(browser_as, insurance, admin,
                                                          make_account):
    acme = make_account(admin, "Riverside Bakery")
    record = lead(admin, "Riverside", account=acme.pk)
    client = browser_as(admin)
    url = f"/leads/{record.pk}/convert/"

    form = client.get(url).content.decode()
    refused = client.post(url, {"attr_interest_confirmed": "true", "version": 1})
    done = client.post(url, {"attr_interest_confirmed": "true", "attr_purchasing_power": "true",
                             "version": 1})

    assert 'name="attr_interest_confirmed"' in form
    assert 'name="attr_purchasing_power"' in form
    assert refused.status_code == 422
    assert "&quot;Purchasing power&quot; is required" in refused.content.decode()
    made = Opportunity.objects.get()
    assert done["Location"] == f"/opportunities/{made.pk}/"
    assert (made.lead_id, made.account, made.stage) == (record.pk, acme, "develop")
    lead_page = client.get(f"/leads/{record.pk}/").content.decode()
    assert f'href="/opportunities/{made.pk}/"' in lead_page
    assert "Converted into" in lead_page
    assert "+ Opportunity" not in lead_page
    opportunity_page = client.get(f"/opportunities/{made.pk}/").content.decode()
    assert f'href="/leads/{record.pk}/"' in opportunity_page


def test_convert_into_an_existing_opportunity(browser_as, insurance, admin):
    record = lead(admin, "Lead", attributes={"interest_confirmed": True,
                                             "purchasing_power": True})
    target = opportunity(admin, "Existing deal")

    form = browser_as(admin).get(f"/leads/{record.pk}/convert/").content.decode()
    response = browser_as(admin).post(f"/leads/{record.pk}/convert/", {
        "into": target.pk, "attr_interest_confirmed": "true", "attr_purchasing_power": "true"})

    assert '<option value="true" selected>Yes</option>' in form  # filled from the lead

    assert response["Location"] == f"/opportunities/{target.pk}/"
    target.refresh_from_db()
    assert target.lead_id == record.pk
    assert Opportunity.objects.count() == 1


def test_follow_on_needs_a_name_and_both_show_each_other(browser_as, training, rep):
    parent = qualified(rep, "Acme")
    client = browser_as(rep)
    url = f"/opportunities/{parent.pk}/follow-ons/"

    unnamed = client.post(url, {"follow_on": "upsell", "name": ""})
    named = client.post(url, {"follow_on": "upsell", "name": "Acme – 3 more seats"})

    assert unnamed.status_code == 422
    assert "Required." in unnamed.content.decode()
    child = Opportunity.objects.get(parent=parent)
    assert named["Location"] == f"/opportunities/{child.pk}/"
    assert (child.title, child.step) == ("Acme – 3 more seats", "proposal_sent")
    parent_tab = client.get(f"/opportunities/{parent.pk}/", {"tab": "follow-ons"}).content
    child_tab = client.get(f"/opportunities/{child.pk}/", {"tab": "follow-ons"}).content
    assert "Acme – 3 more seats" in parent_tab.decode()
    assert f'Follow-on of <a href="/opportunities/{parent.pk}/">Acme</a>' in child_tab.decode()


def test_tags_are_added_and_removed_with_htmx(browser_as, training, rep):
    record = opportunity(rep)
    client = browser_as(rep)
    htmx = {"HX-Request": "true"}

    added = client.post(f"/opportunities/{record.pk}/tags/", {"tag": "Quote"}, headers=htmx)
    removed = client.post(f"/opportunities/{record.pk}/tags/remove/", {"tag": "Quote"},
                          headers=htmx)

    assert 'id="tags"' in added.content.decode()
    assert "Remove tag Quote" in added.content.decode()
    assert "Remove tag Quote" not in removed.content.decode()
    assert not record.tags.exists()


def test_contacts_tab_adds_changes_role_and_removes(browser_as, training, admin, make_contact):
    record = opportunity(admin)
    carol = make_contact(admin, "Carol")
    client = browser_as(admin)
    htmx = {"HX-Request": "true"}
    base = f"/opportunities/{record.pk}/contacts/"

    client.post(base, {"contact": carol.pk, "role": "Decision maker"}, headers=htmx)
    changed = client.post(f"{base}{carol.pk}/role/", {"role": "Influencer"}, headers=htmx)
    tab = client.get(f"/opportunities/{record.pk}/", {"tab": "contacts"}).content.decode()

    assert 'value="Influencer"' in changed.content.decode()
    assert RecordContact.objects.get(opportunity=record).role == "Influencer"
    assert "Carol" in tab
    assert "Add an existing contact" in tab

    client.post(f"{base}{carol.pk}/remove/", headers=htmx)
    assert not RecordContact.objects.filter(opportunity=record).exists()
    assert Contact.objects.filter(pk=carol.pk).exists()


def test_contact_lookup_lists_visible_contacts(browser_as, training, rep, make_user, south,
                                               make_contact):
    make_contact(rep, "Visible")
    make_contact(make_user("other", "office", south), "Hidden")

    page = browser_as(rep).get("/records/contacts/lookup/", {"contact_search": "i",
                                                             "target": "contact"})

    assert "Visible" in page.content.decode()
    assert "Hidden" not in page.content.decode()


def test_history_tab_shows_changes_and_time_in_previous_stage(browser_as, training, rep):
    record = qualified(rep)
    services.record_transition(actor=rep, via=Via.CLI, record=record, transition="T2")

    page = browser_as(rep).get(f"/opportunities/{record.pk}/",
                               {"tab": "history"}).content.decode()

    assert "Stage changes" in page
    assert "Time in previous stage" in page
    assert "Proposed · Proposal Sent" in page
    assert " s</td>" in page  # seconds spent in Enquiry
    assert "All changes" in page
    assert "Created" in page
    # T1's triggers ran as automation, and the tab says what they did.
    assert "Automation" in page
    assert "account O1 created" in page
    assert "contact Ann Lee created" in page


def test_workflow_tab_draws_the_svg_with_the_current_step(browser_as, training, rep):
    record = opportunity(rep, "<script>alert(1)</script>")

    page = browser_as(rep).get(f"/opportunities/{record.pk}/",
                               {"tab": "workflow"}).content.decode()

    assert '<div class="graph-scroll"' in page
    assert "<svg" in page
    assert "<script>alert(1)</script>" not in page


def test_delete_asks_first(browser_as, training, admin):
    record = opportunity(admin)
    client = browser_as(admin)

    confirm = client.get(f"/opportunities/{record.pk}/delete/")
    done = client.post(f"/opportunities/{record.pk}/delete/")

    assert "Yes, delete it" in confirm.content.decode()
    assert done["Location"] == "/opportunities/"
    assert not Opportunity.objects.exists()


@pytest.mark.parametrize("tab", ["general", "contacts", "follow-ons", "history", "workflow"])
def test_record_page_queries_do_not_grow_with_related_rows(browser_as, training, admin,
                                                          make_contact, tab):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from stageflow.core.models import Via
    from stageflow.sales import services

    def queries_with(related: int) -> int:
        record = services.record_create(actor=admin, via=Via.CLI, kind="opportunity",
                                        values={"title": f"With {related}"})
        for i in range(related):
            contact = make_contact(admin, f"Person {related}-{i}")
            services.record_contact_link(actor=admin, via=Via.CLI, record=record,
                                         contact=contact, role="Stakeholder")
            services.opportunity_follow_on(actor=admin, via=Via.CLI, parent=record,
                                           follow_on="upsell", title=f"Child {i}")
            services.record_tag(actor=admin, via=Via.CLI, record=record, tag_name=f"T{i}")
        client = browser_as(admin)
        client.get(f"/opportunities/{record.pk}/", {"tab": tab})
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/opportunities/{record.pk}/", {"tab": tab})
        assert response.status_code == 200
        return len(captured)

    assert queries_with(2) == queries_with(12)


@pytest.mark.parametrize("kind", ["lead", "opportunity"])
def test_record_page_reads_in_a_fixed_number_of_queries(browser_as, insurance, admin, kind,
                                                        django_assert_max_num_queries):
    # Session, user, roles, the record with its relations and pipeline version, contact count,
    # tags, related records, templates, the navigation's two counts, and a lead's check for
    # any opportunity made from it or an opportunity's for a course catalogue (a tab).
    record = services.record_create(actor=admin, via=Via.CLI, kind=kind,
                                    values={"title": "Counted"})
    client = browser_as(admin)
    client.get(record.get_absolute_url())
    with django_assert_max_num_queries(11):
        response = client.get(record.get_absolute_url())
    assert response.status_code == 200


def test_the_record_page_offers_the_templates_of_its_stage_and_prints_a_document(
        browser_as, admin, make_user, north):
    from stageflow.pipelines.services import preset_install

    preset_install(actor=admin, via=Via.CLI, key="recruitment")
    manager = make_user("am1", "sales_manager", north)
    lead = services.record_create(actor=manager, via=Via.API, kind="lead",
                                  values={"title": "Acme <hiring>"})
    deal = services.record_create(actor=manager, via=Via.API, kind="opportunity",
                                  values={"title": "Acme <deal>"})
    services.record_move_to_stage(actor=manager, via=Via.API, record=deal, stage="o_prop")
    client = browser_as(manager)

    lead_page = client.get(f"/leads/{lead.pk}/").content.decode()
    deal_page = client.get(f"/opportunities/{deal.pk}/").content.decode()
    document = client.get("/communications/documents/proposal/",
                          {"record_type": "opportunity", "record_id": deal.pk})
    not_offered = client.get("/communications/documents/proposal/",
                             {"record_type": "lead", "record_id": lead.pk})

    assert "Email “Intro”" in lead_page
    assert "template=intro" in lead_page
    assert "Document “Proposal”" in deal_page
    assert "Email “Intro”" not in deal_page
    assert document.status_code == 200
    assert "<p>Acme &lt;deal&gt;</p>" in document.content.decode()
    assert not_offered.status_code == 404

"""The pipeline board with Django's test client: columns, lazy cards, moves and refusals."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stageflow.core.history import history_of
from stageflow.core.models import Via
from stageflow.pipelines.services import pipeline_import
from stageflow.sales import services
from stageflow.sales.models import Opportunity, StageChange
from tests.conftest import PASSWORD

HTMX = {"HX-Request": "true"}

# A small fit-out workflow: moving from Survey to Quote needs three values at once.
FIT_OUT = """
key: fit-out
record_type: opportunity
name: Fit-out
stages:
- {key: survey, names: {en: Survey}, position: 10, is_default: true, colour: '#CCE5FF'}
- {key: quote, names: {en: Quote}, position: 20}
- {key: won, names: {en: Won}, position: 30, status: won, is_end_stage: true}
- {key: lost, names: {en: Lost}, position: 40, status: lost, is_end_stage: true}
transitions:
- {key: to_quote, name: Send quote, from: survey, to: quote,
   required: [site_contact, budget, expected_close_date]}
- {key: win, name: Win, from: quote, to: won}
- {key: lose, name: Lose, from: quote, to: lost, required: [lost_reason]}
attributes:
- {key: site_contact, type: text, labels: {en: Site contact}}
- {key: budget, type: money, labels: {en: Budget}}
- {key: lost_reason, type: choice, labels: {en: Lost reason}, lookup: lost_reasons}
lookups:
  lost_reasons:
  - {key: price, label: Price}
  - {key: timing, label: Timing}
"""


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _new(actor, title: str = "Acme training", **values):
    return services.record_create(actor=actor, via=Via.CLI, kind="opportunity",
                                  values={"title": title, **values})


def _qualified(actor, title: str = "Acme training", **values):
    """A training opportunity at step `qualified` (stage enquiry)."""
    record = _new(actor, title, **values)
    if record.step == "qualified":  # created for an existing account
        return record
    return services.record_transition(
        actor=actor, via=Via.CLI, record=record, transition="T1",
        values={"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com"})


def _proposed(actor, title: str = "Acme training", **values):
    """A training opportunity at step `proposal_sent` (stage proposed)."""
    return services.record_transition(actor=actor, via=Via.CLI,
                                      record=_qualified(actor, title, **values),
                                      transition="T2")


def _move_url(record) -> str:
    return reverse("board:move", args=["opportunity", record.pk])


def _column_url(pipeline_key: str, stage: str) -> str:
    return reverse("board:column", args=[pipeline_key, stage])


@pytest.fixture
def fit_out(admin):
    return pipeline_import(actor=admin, via=Via.CLI, text=FIT_OUT, file_format="yaml",
                           publish=True).pipeline


# Columns -----------------------------------------------------------------------------------

def test_the_board_shows_the_open_stages_in_funnel_order_with_counts_and_value_sums(
        training, office_north):
    _new(office_north, "One", value="100")
    _new(office_north, "Two", value="250.50")
    _new(office_north, "Euro deal", value="80", currency="EUR")
    _proposed(office_north, "Three", value="1000")

    response = _client(office_north).get(reverse("board:board"))

    assert response.status_code == 200
    open_columns = response.context["open_columns"]
    assert [(c.key, c.count, c.totals) for c in open_columns] == [
        ("enquiry", 3, (("EUR", Decimal("80.00")), ("USD", Decimal("350.50")))),
        ("proposed", 1, (("USD", Decimal("1000.00")),)),
    ]
    assert [c.key for c in response.context["closing"]] == ["won", "lost", "archived"]
    html = response.content.decode()
    assert html.index('id="column-title-enquiry"') < html.index('id="column-title-proposed"')
    assert "3 records" in html
    assert "USD 350.50" in html
    assert "USD 1,000" in html
    # Cards are not on the page itself: each column fetches its own when it comes into view.
    assert 'hx-trigger="intersect once"' in html
    assert "One" not in re.sub(r"<option.*?</option>", "", html)


def test_column_heads_count_a_record_with_several_tags_once_and_search_account_names(
        training, office_north, make_account):
    acme = make_account(office_north, "Acme Ltd")
    tagged = _new(office_north, "Tagged", value="100", account=acme.pk)
    for name in ("hot", "vip"):
        services.record_tag(actor=office_north, via=Via.CLI, record=tagged, tag_name=name)
    _new(office_north, "Other", value="50")
    client = _client(office_north)

    def heads(**params):
        response = client.get(reverse("board:board"), params)
        return [(c.key, c.count, c.totals) for c in response.context["open_columns"]]

    assert heads()[0] == ("enquiry", 2, (("USD", Decimal("150.00")),))
    assert heads(q="acme l")[0] == ("enquiry", 1, (("USD", Decimal("100.00")),))
    cards = client.get(_column_url("training-sale", "enquiry"), {"q": "ACME"},
                       headers=HTMX).content.decode()
    assert cards.count('class="card"') == 1
    assert f'data-move-url="{_move_url(tagged)}"' in cards


def test_a_lead_pipeline_shows_counts_without_values(insurance, office_north):
    services.record_create(actor=office_north, via=Via.CLI, kind="lead",
                           values={"title": "Walk-in"})

    response = _client(office_north).get(reverse("board:board"),
                                         {"pipeline": "insurance_agency_leads"})

    assert response.status_code == 200
    assert response.context["filters"].kind == "lead"
    assert sum(c.count for c in response.context["open_columns"]) == 1
    assert response.context["with_value"] is False


def test_the_board_filters_by_view_owner_and_search(training, office_north, make_user, north):
    colleague = make_user("colleague", "office", north)
    _new(office_north, "Mine alpha")
    _new(colleague, "Theirs beta")
    client = _client(office_north)

    def enquiry_count(**params) -> int:
        response = client.get(reverse("board:board"), params)
        return response.context["open_columns"][0].count

    assert enquiry_count() == 2
    assert enquiry_count(view="mine") == 1
    assert enquiry_count(view="my_office") == 2
    assert enquiry_count(owner=colleague.pk) == 1
    assert enquiry_count(q="beta") == 1


def test_a_column_lists_its_cards_with_their_key_fields(training, office_north, make_account):
    account = make_account(office_north, "Acme Ltd")
    record = _proposed(office_north, "Course for Acme", value="1200", account=account.pk,
                       expected_close_date="2031-03-04")
    services.record_tag(actor=office_north, via=Via.CLI, record=record, tag_name="hot")

    response = _client(office_north).get(_column_url("training-sale", "proposed"),
                                         headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="card-opportunity-{record.pk}"' in html
    assert f'href="{record.get_absolute_url()}"' in html
    for text in ("Course for Acme", "Acme Ltd", "Office_n", "USD 1,200", "hot", "0 days"):
        assert text in html
    # The "Move to…" menu offers the stages the open transitions lead to.
    options = re.findall(r'<option value="(\w+)">([^<]*)</option>', html)
    assert options == [("lost", "Lost (asks for Lost reason)"), ("archived", "Archived")]


def test_the_column_endpoint_paginates_by_25_with_show_more(training, office_north):
    for number in range(28):
        _new(office_north, f"Deal {number:02}")
    client = _client(office_north)
    url = _column_url("training-sale", "enquiry")

    first = client.get(url, headers=HTMX).content.decode()
    second = client.get(url, {"offset": 25}, headers=HTMX).content.decode()

    assert first.count('class="card"') == 25
    assert "Show more" in first
    assert "offset=25" in first
    assert second.count('class="card"') == 3
    assert "Show more" not in second
    assert "Deal 27" in first
    assert "Deal 00" in second


def test_a_column_runs_the_same_number_of_queries_for_3_and_25_cards(training, office_north,
                                                                     make_account):
    account = make_account(office_north, "Acme Ltd")
    client = _client(office_north)
    url = _column_url("training-sale", "enquiry")

    def queries_for(count: int) -> int:
        Opportunity.objects.all().delete()
        for number in range(count):
            record = _new(office_north, f"Deal {number}", account=account.pk)
            services.record_tag(actor=office_north, via=Via.CLI, record=record, tag_name="t")
        client.get(url, headers=HTMX)  # warm the session and the compiled definitions
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, headers=HTMX)
        assert response.content.decode().count('class="card"') == count
        return len(captured)

    assert queries_for(3) == queries_for(25)


def test_a_column_without_javascript_is_a_page_of_its_own(training, office_north):
    _new(office_north, "Plain page deal")

    response = _client(office_north).get(_column_url("training-sale", "enquiry"))

    assert response.status_code == 200
    assert "<h1>Enquiry</h1>" in response.content.decode()
    assert "Plain page deal" in response.content.decode()


def test_an_unknown_stage_or_pipeline_column_is_404(training, office_north):
    client = _client(office_north)

    assert client.get(_column_url("training-sale", "nowhere"), headers=HTMX).status_code == 404
    assert client.get(_column_url("no-such", "enquiry"), headers=HTMX).status_code == 404


# Moves -------------------------------------------------------------------------------------

def test_a_drop_that_needs_values_returns_the_dialog_listing_exactly_the_missing_fields(
        fit_out, office_north):
    record = _new(office_north, "Shop fit-out", attributes={"site_contact": "Bo"})

    response = _client(office_north).post(_move_url(record),
                                          {"stage": "quote", "version": record.version},
                                          headers=HTMX)

    assert response.status_code == 422
    assert response["HX-Retarget"] == "#move-dialog"
    form = response.context["form"]
    assert list(form.fields) == ["attr_budget", "expected_close_date"]
    html = response.content.decode()
    assert "Move “Shop fit-out” to Quote" in html
    assert 'name="values-attr_budget"' in html
    assert 'name="values-expected_close_date"' in html
    assert "values-attr_site_contact" not in html
    record.refresh_from_db()
    assert (record.stage, record.version) == ("survey", 1)


def test_submitting_the_missing_values_completes_the_move(fit_out, office_north):
    record = _new(office_north, "Shop fit-out", attributes={"site_contact": "Bo"})
    changes_before = StageChange.objects.filter(opportunity=record).count()

    response = _client(office_north).post(_move_url(record), {
        "stage": "quote", "version": record.version,
        "asked": "budget,expected_close_date",
        "values-attr_budget": "4500", "values-expected_close_date": "2031-05-01",
        "filters": "pipeline=fit-out&view=all",
    }, headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Trigger"] == "board-moved"
    record.refresh_from_db()
    assert (record.stage, record.step, record.version) == ("quote", "quote", 2)
    assert record.attributes == {"site_contact": "Bo", "budget": "4500.00"}
    assert str(record.expected_close_date) == "2031-05-01"
    change = StageChange.objects.filter(opportunity=record).last()
    assert StageChange.objects.filter(opportunity=record).count() == changes_before + 1
    assert (change.from_stage, change.to_stage, change.transition, change.actor_id) == (
        "survey", "quote", "to_quote", office_north.pk)
    entry = history_of(record).first()
    assert entry.via == Via.WEB
    assert {"field": "stage", "old": "survey", "new": "quote"} in [
        {k: c[k] for k in ("field", "old", "new")} for c in entry.changes]
    html = response.content.decode()
    assert "Moved “Shop fit-out” to Quote." in html
    # The old card leaves its column, the new one lands on top of Quote, and heads update.
    assert f'hx-swap-oob="delete:#card-opportunity-{record.pk}"' in html
    assert 'hx-swap-oob="afterbegin:#cards-quote"' in html
    assert 'id="column-head-quote" hx-swap-oob="true"' in html


def test_a_partly_filled_dialog_asks_again_for_what_is_still_missing(fit_out, office_north):
    record = _new(office_north, "Shop fit-out", attributes={"site_contact": "Bo"})

    response = _client(office_north).post(_move_url(record), {
        "stage": "quote", "version": record.version, "asked": "budget,expected_close_date",
        "values-attr_budget": "4500", "values-expected_close_date": "",
    }, headers=HTMX)

    assert response.status_code == 422
    form = response.context["form"]
    assert list(form.errors) == ["expected_close_date"]
    assert "Expected close date" in form.errors["expected_close_date"][0]
    assert 'value="4500"' in response.content.decode()
    record.refresh_from_db()
    assert (record.stage, record.attributes) == ("survey", {"site_contact": "Bo"})


def test_a_builtin_field_required_by_a_transition_is_asked_for(insurance, office_north):
    record = services.record_create(actor=office_north, via=Via.CLI, kind="opportunity",
                                    values={"title": "Home cover"}, entry="from_lead")

    client = _client(office_north)
    refused = client.post(_move_url(record), {"stage": "propose"}, headers=HTMX)
    moved = client.post(_move_url(record), {
        "stage": "propose", "asked": "proposed_solution",
        "values-proposed_solution": "Home and contents bundle"}, headers=HTMX)

    assert refused.status_code == 422
    assert list(refused.context["form"].fields) == ["proposed_solution"]
    assert moved.status_code == 200
    record.refresh_from_db()
    assert (record.stage, record.proposed_solution) == ("propose", "Home and contents bundle")


def test_dropping_on_lost_closes_the_record_after_asking_for_the_lost_reason(
        training, office_north):
    record = _proposed(office_north, "Lost cause")
    client = _client(office_north)

    asked = client.post(_move_url(record), {"stage": "lost"}, headers=HTMX)
    closed = client.post(_move_url(record), {"stage": "lost", "asked": "lost_reason",
                                              "values-attr_lost_reason": "price"},
                         headers=HTMX)

    assert asked.status_code == 422
    assert list(asked.context["form"].fields) == ["attr_lost_reason"]
    assert closed.status_code == 200
    record.refresh_from_db()
    assert (record.stage, record.status, record.attributes["lost_reason"]) == (
        "lost", "lost", "price")
    assert record.closed_at is not None
    # A closed record leaves the board: no card is inserted anywhere.
    assert "afterbegin" not in closed.content.decode()


def test_a_drop_with_no_transition_is_explained_and_changes_nothing(training, office_north):
    record = _new(office_north, "Fresh enquiry")
    changes_before = StageChange.objects.count()

    response = _client(office_north).post(_move_url(record),
                                          {"stage": "proposed", "version": 1}, headers=HTMX)

    assert response.status_code == 409
    assert response["HX-Trigger"] == "board-refused"
    assert response["HX-Retarget"] == "#board-status"
    assert "No transition leads from Enquiry to Proposed." in response.content.decode()
    record.refresh_from_db()
    assert (record.stage, record.step, record.version) == ("enquiry", "new_enquiry", 1)
    assert StageChange.objects.count() == changes_before


def test_a_refused_drop_without_javascript_returns_to_the_board_with_the_reason(
        training, office_north):
    record = _new(office_north, "Fresh enquiry")

    response = _client(office_north).post(_move_url(record), {"stage": "won"}, follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("board:board"))
    assert "No transition leads from Enquiry to Won." in response.content.decode()
    record.refresh_from_db()
    assert record.stage == "enquiry"


def test_a_move_without_javascript_shows_the_values_page_then_moves(fit_out, office_north):
    record = _new(office_north, "Shop fit-out")
    client = _client(office_north)

    page = client.post(_move_url(record), {"stage": "quote"})
    moved = client.post(_move_url(record), {
        "stage": "quote", "asked": "site_contact,budget,expected_close_date",
        "values-attr_site_contact": "Bo", "values-attr_budget": "10",
        "values-expected_close_date": "2031-01-01"}, follow=True)

    assert page.status_code == 422
    assert "<html" in page.content.decode()
    assert list(page.context["form"].fields) == ["attr_site_contact", "attr_budget",
                                                 "expected_close_date"]
    assert "Moved “Shop fit-out” to Quote." in moved.content.decode()
    record.refresh_from_db()
    assert record.stage == "quote"


def test_a_stale_version_is_explained_and_the_card_refreshed(training, office_north):
    record = _proposed(office_north, "Busy deal")
    stale = record.version - 1

    response = _client(office_north).post(_move_url(record),
                                          {"stage": "archived", "version": stale},
                                          headers=HTMX)

    assert response.status_code == 409
    html = response.content.decode()
    assert "was changed by someone else" in html
    assert f'data-version="{record.version}"' in html
    record.refresh_from_db()
    assert record.stage == "proposed"


def test_the_move_to_menu_takes_an_allowed_transition(training, office_north):
    record = _qualified(office_north, "Ready deal")

    response = _client(office_north).post(_move_url(record), {
        "stage": "proposed", "version": record.version,
        "filters": "pipeline=training-sale&view=mine"}, headers=HTMX)

    assert response.status_code == 200
    record.refresh_from_db()
    assert (record.stage, record.step) == ("proposed", "proposal_sent")
    assert response.context["filters"].view == "mine"


# Scope -------------------------------------------------------------------------------------

def test_another_offices_records_are_not_on_the_board(training, office_north, make_user,
                                                      south):
    office_south = make_user("office_s", "office", south)
    _new(office_north, "North deal")
    theirs = _new(office_south, "South deal")
    client = _client(office_north)

    board = client.get(reverse("board:board"))
    cards = client.get(_column_url("training-sale", "enquiry"), headers=HTMX)

    assert board.context["open_columns"][0].count == 1
    assert "North deal" in cards.content.decode()
    assert "South deal" not in cards.content.decode()
    moved = client.post(_move_url(theirs), {"stage": "lost"}, headers=HTMX)
    assert moved.status_code == 404
    theirs.refresh_from_db()
    assert theirs.stage == "enquiry"


def test_a_user_who_may_only_view_cannot_move(training, office_north, make_user, north):
    marketing = make_user("marketing", "marketing", north)
    record = _proposed(office_north, "Viewable deal")

    response = _client(marketing).post(_move_url(record), {"stage": "archived"},
                                       headers=HTMX)

    assert response.status_code == 403
    record.refresh_from_db()
    assert record.stage == "proposed"


def test_the_board_needs_signing_in(training):
    response = Client().get(reverse("board:board"))

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_an_unknown_record_type_is_404(training, office_north):
    response = _client(office_north).post("/board/move/account/1/", {"stage": "won"})

    assert response.status_code == 404

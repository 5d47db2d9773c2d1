"""Quotes screens: the list, the Estimates tab, the estimate page and its line editor, the price
book, and the client's public page with its security rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.template.loader import render_to_string
from django.test import Client

from stageflow.core.models import Via
from stageflow.quotes import pdf, services
from stageflow.quotes.models import Estimate, EstimateLink, PriceBookItem
from tests.quotes import fixtures

pytestmark = pytest.mark.django_db

# The quote fixtures shared with tests/quotes: pytest finds fixtures among module attributes.
company = fixtures.company
furnace = fixtures.furnace
jane = fixtures.jane
jane_account = fixtures.jane_account
line = fixtures.line
make_estimate = fixtures.make_estimate
make_opportunity = fixtures.make_opportunity
opportunity = fixtures.opportunity

HTMX = {"HX-Request": "true"}


@pytest.fixture
def estimate(sales_north: Any, opportunity: Any, make_estimate: Callable[..., Any]) -> Any:
    return make_estimate(sales_north, opportunity=opportunity, title="New furnace")


def _page(response: Any) -> str:
    return str(response.content.decode())


# --- lists and tabs --------------------------------------------------------------------------

def test_the_quotes_list_filters_by_status_and_search_in_bounded_queries(
        client: Client, sales_north: Any, opportunity: Any, make_estimate: Callable[..., Any],
        django_assert_max_num_queries: Any) -> None:
    estimates = [make_estimate(sales_north, opportunity=opportunity, title=f"Option {n}")
                 for n in range(12)]
    services.estimate_send(actor=sales_north, via=Via.WEB, estimate=estimates[0])
    client.force_login(sales_north)

    with django_assert_max_num_queries(14):
        everything = _page(client.get("/estimates/"))
    sent = _page(client.get("/estimates/", {"status": "sent"}))
    searched = _page(client.get("/estimates/", {"q": "Option 11"}))

    assert everything.count('class="badge estimate-status') == 12
    assert "Sent <small class=\"count-pill\">1</small>" in everything
    assert sent.count('class="badge estimate-status') == 1
    assert estimates[11].number in searched
    assert estimates[1].number not in searched


def test_the_quotes_list_has_an_empty_state(client: Client, sales_north: Any) -> None:
    client.force_login(sales_north)

    assert "There are no quotes yet" in _page(client.get("/estimates/"))


def test_the_quotes_link_is_in_the_navigation(client: Client, sales_north: Any) -> None:
    client.force_login(sales_north)

    assert 'href="/estimates/"' in _page(client.get("/"))


def test_the_estimates_tab_of_an_opportunity(client: Client, sales_north: Any,
                                             opportunity: Any, make_estimate: Callable[..., Any],
                                             django_assert_max_num_queries: Any) -> None:
    for _ in range(8):
        make_estimate(sales_north, opportunity=opportunity)
    client.force_login(sales_north)

    record_page = _page(client.get(f"/opportunities/{opportunity.pk}/?tab=estimates"))
    with django_assert_max_num_queries(10):
        tab = _page(client.get(f"/estimates/tab/opportunity/{opportunity.pk}/", headers=HTMX))
    full = _page(client.get(f"/estimates/tab/opportunity/{opportunity.pk}/"))

    assert f"/estimates/tab/opportunity/{opportunity.pk}/" in record_page
    assert tab.count('<li class="estimate-card') == 8
    assert tab.count("★ Selected") == 1
    assert "New estimate" in tab
    assert "<html" not in tab
    assert "<html" in full


def test_the_estimates_tab_of_an_account_lists_its_own_estimates(
        client: Client, office_north: Any, jane_account: Any, company: Any,
        make_estimate: Callable[..., Any]) -> None:
    client.force_login(office_north)
    empty = _page(client.get(f"/estimates/tab/account/{jane_account.pk}/", headers=HTMX))
    made = make_estimate(office_north, account=jane_account)

    tab = _page(client.get(f"/estimates/tab/account/{jane_account.pk}/", headers=HTMX))

    assert "No estimates are made out to this customer yet." in empty
    assert made.number in tab


def test_the_tab_is_404_outside_the_scope(client: Client, sales_south: Any,
                                          opportunity: Any) -> None:
    client.force_login(sales_south)

    assert client.get(f"/estimates/tab/opportunity/{opportunity.pk}/").status_code == 404
    assert client.get("/estimates/tab/lead/1/").status_code == 404


def test_new_estimate_from_the_tab_opens_its_page(client: Client, sales_north: Any,
                                                  opportunity: Any) -> None:
    client.force_login(sales_north)

    response = client.post("/estimates/new/", {"kind": "opportunity",
                                                "record_id": opportunity.pk})

    estimate = Estimate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/estimates/{estimate.pk}/"
    assert estimate.opportunity == opportunity


# --- the estimate page -----------------------------------------------------------------------

def test_the_line_editor_adds_from_the_picker_changes_and_removes_lines(
        client: Client, sales_north: Any, estimate: Any, furnace: Any) -> None:
    client.force_login(sales_north)
    url = f"/estimates/{estimate.pk}"

    picked = _page(client.get(f"{url}/picker/", {"q": "FR-FURN"}, headers=HTMX))
    added = _page(client.post(f"{url}/lines/add/", {"item": furnace.pk}, headers=HTMX))
    changed = client.post(f"{url}/lines/1/", {
        "line-1-description": "Install 60k BTU furnace", "line-1-quantity": "2",
        "line-1-unit_price": "4200.00", "line-1-discount_percent": "10",
        "line-1-tax_rate": "8.25"}, headers=HTMX)
    removed = _page(client.post(f"{url}/lines/0/remove/", headers=HTMX))

    assert "FR-FURN-60K" in picked
    assert 'name="item"' in picked
    assert "USD 4300.00" in added  # 100.00 of labour + 4200.00
    assert changed.status_code == 200
    assert "USD 7660.00" in _page(changed)  # 100 + 2 x 4200 less 10%
    assert [entry.description for entry in Estimate.objects.get().lines.all()] == [
        "Install 60k BTU furnace"]
    assert "USD 7560.00" in removed
    assert 'id="estimate-lines"' in removed
    assert "<html" not in removed


def test_a_free_line_with_a_bad_value_is_refused_with_the_reason(
        client: Client, sales_north: Any, estimate: Any) -> None:
    client.force_login(sales_north)

    response = client.post(f"/estimates/{estimate.pk}/lines/add/", {
        "new-description": "Filter", "new-quantity": "1", "new-unit_price": "5",
        "new-tax_rate": "150"}, headers=HTMX)

    assert response.status_code == 422
    assert "Line 2, tax rate: the tax rate must be between 0 and 100" in _page(response)
    assert Estimate.objects.get().lines.count() == 1


def test_a_stale_line_change_is_refused(client: Client, sales_north: Any,
                                        estimate: Any) -> None:
    client.force_login(sales_north)
    client.post(f"/estimates/{estimate.pk}/edit/", {"title": "Changed", "currency": "USD"})

    response = client.post(f"/estimates/{estimate.pk}/lines/0/remove/", {"version": "1"},
                           headers=HTMX)

    assert response.status_code == 422
    assert "changed by someone else" in _page(response)
    assert Estimate.objects.get().lines.count() == 1


def test_details_are_saved_and_a_sent_estimate_keeps_its_terms(
        client: Client, sales_north: Any, estimate: Any) -> None:
    client.force_login(sales_north)
    client.post(f"/estimates/{estimate.pk}/edit/", {
        "title": "Furnace, option A", "currency": "USD", "terms": "Cash only",
        "valid_until": "2099-01-31", "private_notes": "Dog in the yard"})
    services.estimate_send(actor=sales_north, via=Via.WEB, estimate=estimate)

    client.post(f"/estimates/{estimate.pk}/edit/", {
        "title": "Furnace, option A", "currency": "EUR", "terms": "Changed later",
        "private_notes": "Dog is friendly"})

    saved = Estimate.objects.get()
    assert (saved.terms, saved.currency, saved.private_notes) == (
        "Cash only", "USD", "Dog is friendly")
    assert saved.valid_until == dt.date(2099, 1, 31)


def test_send_shows_the_recipient_then_the_link_once(client: Client, sales_north: Any,
                                                     estimate: Any) -> None:
    client.force_login(sales_north)

    asking = _page(client.get(f"/estimates/{estimate.pk}/send/"))
    sent = _page(client.post(f"/estimates/{estimate.pk}/send/", {"to": "jane@example.com"}))
    later = _page(client.get(f"/estimates/{estimate.pk}/"))

    assert 'value="jane@example.com"' in asking
    assert "Jane Doe" in asking
    assert "Sent to jane@example.com" in sent
    assert "/q/" in sent
    assert "/q/" not in later
    assert "Revoke link" in later


def test_a_send_that_cannot_go_out_explains_why(client: Client, sales_north: Any,
                                                opportunity: Any,
                                                make_estimate: Callable[..., Any]) -> None:
    empty = make_estimate(sales_north, opportunity=opportunity, lines=[])
    client.force_login(sales_north)

    response = client.post(f"/estimates/{empty.pk}/send/", {"to": "jane@example.com"})

    assert response.status_code == 422
    assert "Add at least one line before sending." in _page(response)


def test_actions_duplicate_select_reopen_revoke_and_delete(
        client: Client, sales_north: Any, estimate: Any, opportunity: Any,
        make_estimate: Callable[..., Any]) -> None:
    other = make_estimate(sales_north, opportunity=opportunity)
    client.force_login(sales_north)
    sent = services.estimate_send(actor=sales_north, via=Via.WEB, estimate=estimate)

    client.post(f"/estimates/{estimate.pk}/select/")
    copy_response = client.post(f"/estimates/{estimate.pk}/duplicate/")
    client.post(f"/estimates/{estimate.pk}/links/{sent.link.pk}/revoke/")
    client.post(f"/estimates/{estimate.pk}/reopen/")
    confirm = _page(client.get(f"/estimates/{other.pk}/delete/"))
    deleted = client.post(f"/estimates/{other.pk}/delete/")

    copy = Estimate.objects.exclude(pk__in=[estimate.pk, other.pk]).get()
    assert copy_response["Location"] == f"/estimates/{copy.pk}/"
    assert Estimate.objects.get(pk=estimate.pk).selected is True
    assert Estimate.objects.get(pk=estimate.pk).status == "draft"
    assert EstimateLink.objects.get().revoked_at is not None
    assert "Yes, delete it" in confirm
    assert deleted["Location"] == f"/opportunities/{opportunity.pk}/?tab=estimates"
    assert not Estimate.objects.filter(pk=other.pk).exists()


def test_the_office_records_a_paper_acceptance(client: Client, sales_north: Any,
                                               estimate: Any) -> None:
    services.estimate_send(actor=sales_north, via=Via.WEB, estimate=estimate)
    client.force_login(sales_north)
    page = _page(client.get(f"/estimates/{estimate.pk}/"))

    client.post(f"/estimates/{estimate.pk}/mark/", {"status": "accepted"})

    assert "The client answered another way?" in page
    assert Estimate.objects.get().status == "accepted"


def test_others_cannot_open_or_change_the_estimate(client: Client, sales_south: Any,
                                                   make_user: Any, north: Any,
                                                   estimate: Any) -> None:
    marketing = make_user("marketer", "marketing", north)
    client.force_login(sales_south)
    hidden = client.get(f"/estimates/{estimate.pk}/")
    client.force_login(marketing)
    read_only = _page(client.get(f"/estimates/{estimate.pk}/"))
    refused = client.post(f"/estimates/{estimate.pk}/lines/0/remove/")

    assert hidden.status_code == 404
    assert "Add from the price book" not in read_only
    assert "Duplicate" not in read_only
    assert refused.status_code == 403


def test_the_print_page_and_the_pdf(client: Client, sales_north: Any, estimate: Any) -> None:
    client.force_login(sales_north)

    preview = _page(client.get(f"/estimates/{estimate.pk}/print/"))
    document = client.get(f"/estimates/{estimate.pk}/pdf/")

    assert "Cool Air HVAC" in preview
    assert "Payment within 14 days." in preview
    assert document["Content-Type"] == "application/pdf"
    assert document.content.startswith(b"%PDF")


def test_typed_text_is_escaped_in_the_document_and_the_introduction_is_sandboxed(
        sales_north: Any, opportunity: Any, make_estimate: Callable[..., Any],
        admin: Any) -> None:
    from stageflow.communications.services import template_save

    template_save(actor=admin, via=Via.CLI, values={
        "key": "estimate", "kind": "document", "names": {"en": "Estimate intro"},
        "body": "<p>Dear {{ account.name }}, thank you.</p>"})
    opportunity.account.name = "<b>Doe</b>"
    opportunity.account.save()
    estimate = make_estimate(sales_north, opportunity=opportunity,
                             title="<script>alert(1)</script>")

    html = render_to_string("web/quotes/estimate_pdf.html", pdf.document_context(estimate))

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<p>Dear &lt;b&gt;Doe&lt;/b&gt;, thank you.</p>" in html


# --- the price book --------------------------------------------------------------------------

def test_the_price_book_page_searches_and_administrators_manage_it(
        client: Client, admin: Any, furnace: Any,
        django_assert_max_num_queries: Any) -> None:
    client.force_login(admin)

    with django_assert_max_num_queries(10):
        listed = _page(client.get("/price-book/", {"q": "furnace"}))
    created = client.post("/price-book/new/", {"code": "FR-TUNE", "name": "Tune-up",
                                               "unit_price": "89.00", "tax_rate": "0",
                                               "active": "on"})
    edited = client.post(f"/price-book/{furnace.pk}/", {
        "code": "FR-FURN-60K", "name": "Install 60k BTU furnace", "unit_price": "4400.00",
        "tax_rate": "8.25", "active": "on", "version": "1"})
    client.post(f"/price-book/{furnace.pk}/active/", {"active": "0"})
    duplicate = client.post("/price-book/new/", {"code": "FR-TUNE", "name": "Again",
                                                 "unit_price": "1", "tax_rate": "0"})

    assert "FR-FURN-60K" in listed
    assert "Deactivate" in listed
    assert created.status_code == 302
    assert edited.status_code == 302
    furnace.refresh_from_db()
    assert (str(furnace.unit_price), furnace.active) == ("4400.00", False)
    assert duplicate.status_code == 422
    assert "Another item already has this code." in _page(duplicate)


def test_a_salesperson_reads_the_price_book_only(client: Client, sales_north: Any,
                                                 furnace: Any) -> None:
    client.force_login(sales_north)

    page = _page(client.get("/price-book/"))

    assert "FR-FURN-60K" in page
    assert "Add item" not in page
    assert client.get("/price-book/new/").status_code == 403
    assert client.post(f"/price-book/{furnace.pk}/active/", {"active": "0"}).status_code == 403


def test_the_csv_import_previews_then_applies(client: Client, admin: Any) -> None:
    client.force_login(admin)
    rows = "code,name,unit_price\nFR-A,Alpha,10.00\nFR-B,Beta,20.00\n"

    preview = _page(client.post("/price-book/import/", {"text": rows}))
    assert PriceBookItem.objects.count() == 0
    applied = client.post("/price-book/import/", {"text": rows, "apply": "1"})
    broken = client.post("/price-book/import/", {"text": "code,name,unit_price\nX,Y,abc\n"})

    assert "2 new, 0 updated" in preview
    assert applied.status_code == 302
    assert sorted(PriceBookItem.objects.values_list("code", flat=True)) == ["FR-A", "FR-B"]
    assert broken.status_code == 422
    assert "2.unit_price" in _page(broken)


# --- the client's page -----------------------------------------------------------------------

@pytest.fixture
def sent(sales_north: Any, opportunity: Any, make_estimate: Callable[..., Any]) -> Any:
    estimate = make_estimate(sales_north, opportunity=opportunity, title="<i>Furnace</i>")
    Estimate.objects.filter(pk=estimate.pk).update(private_notes="Margin is thin",
                                                   notes="We can start Monday.")
    return services.estimate_send(actor=sales_north, via=Via.WEB, estimate=estimate)


def test_the_public_page_shows_that_estimate_and_nothing_else(
        sent: Any, sales_north: Any, opportunity: Any,
        make_estimate: Callable[..., Any]) -> None:
    sibling = make_estimate(sales_north, opportunity=opportunity, title="Sibling option")
    response = Client().get(f"/q/{sent.token}")

    page = _page(response)
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    assert sent.estimate.number in page
    assert "We can start Monday." in page
    assert "&lt;i&gt;Furnace&lt;/i&gt;" in page
    assert "Jane Doe" in page
    assert "Cool Air HVAC" in page
    for private in ("Margin is thin", "sales_n", "sales_n@example.com", sibling.number,
                    "Sibling option", "Furnace replacement", "<a "):
        assert private not in page
    assert len(sent.token) >= 43


def test_the_client_accepts_with_name_and_consent(sent: Any) -> None:
    # A page sent with no-referrer posts its forms with the origin "null".
    browser = Client(enforce_csrf_checks=True, REMOTE_ADDR="198.51.100.7", HTTP_ORIGIN="null")
    page = _page(browser.get(f"/q/{sent.token}"))
    token = browser.cookies["csrftoken"].value

    forged = browser.post(f"/q/{sent.token}/accept",
                          {"signature": "Pat Lee", "consent": "yes"})
    missing = browser.post(f"/q/{sent.token}/accept",
                           {"signature": "Pat Lee", "csrfmiddlewaretoken": token})
    accepted = browser.post(f"/q/{sent.token}/accept", {
        "signature": "Pat Lee", "consent": "yes", "csrfmiddlewaretoken": token})
    shown = _page(browser.get(f"/q/{sent.token}"))

    assert "Accept the estimate" in page
    assert forged.status_code == 403
    assert missing.status_code == 422
    assert "Tick the box" in _page(missing)
    assert accepted.status_code == 302
    estimate = Estimate.objects.get()
    assert (estimate.status, estimate.accepted_by_name, estimate.answered_from_ip) == (
        "accepted", "Pat Lee", "198.51.100.7")
    assert "You accepted this estimate as Pat Lee" in shown
    assert "Accept the estimate" not in shown


def test_the_client_declines_with_a_reason(sent: Any) -> None:
    browser = Client()

    browser.post(f"/q/{sent.token}/decline", {"reason": "Too expensive"})

    assert Estimate.objects.get().decline_reason == "Too expensive"
    assert "You declined this estimate" in _page(browser.get(f"/q/{sent.token}"))


def test_wrong_expired_revoked_and_withdrawn_links_get_the_same_404(
        sent: Any, sales_north: Any, opportunity: Any,
        make_estimate: Callable[..., Any]) -> None:
    revoked = services.estimate_send(actor=sales_north, via=Via.WEB, estimate=sent.estimate)
    services.estimate_link_revoke(actor=sales_north, via=Via.WEB, link=revoked.link)
    withdrawn_estimate = make_estimate(sales_north, opportunity=opportunity)
    withdrawn = services.estimate_send(actor=sales_north, via=Via.WEB,
                                       estimate=withdrawn_estimate)
    services.estimate_reopen(actor=sales_north, via=Via.WEB, estimate=withdrawn_estimate)
    browser = Client()

    answers = [browser.get(f"/q/{token}") for token in
               ("A" * 43, revoked.token, withdrawn.token, "x")]
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=400)):
        answers.append(browser.get(f"/q/{sent.token}"))
    posted = browser.post(f"/q/{revoked.token}/accept", {"signature": "A B", "consent": "yes"})

    assert {answer.status_code for answer in answers} == {404}
    assert len({answer.content for answer in answers}) == 1
    assert posted.status_code == 404
    assert posted.content == answers[0].content
    assert Estimate.objects.get(pk=sent.estimate.pk).status == "sent"

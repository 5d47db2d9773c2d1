"""/api/v1/price-book, /estimates and /public/quotes: behaviour, roles, scopes and 4xx paths."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from stageflow.core import workspace
from stageflow.core.models import Via
from stageflow.quotes import services
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


def _select_new(value: bool) -> None:
    settings_row = workspace.current()
    settings_row.select_new_estimate = value
    settings_row.save()


# --- the price book --------------------------------------------------------------------------

def test_the_book_is_listed_with_filters_and_exact_prices(api_as: Any, sales_north: Any,
                                                          furnace: Any, admin: Any) -> None:
    services.price_book_item_create(actor=admin, via=Via.API, values={
        "code": "OLD", "name": "Old", "unit_price": "1", "active": False})

    body = api_as(sales_north).get("/price-book", q="furnace", active="true").json()

    assert body["count"] == 1
    assert body["items"][0]["unit_price"] == "4200.00"
    assert body["items"][0]["code"] == "FR-FURN-60K"


def test_administrators_manage_the_book(api_as: Any, admin: Any) -> None:
    client = api_as(admin)

    created = client.post("/price-book", {"code": "FR-TUNE", "name": "Tune-up",
                                          "unit_price": "89.00", "category": "Maintenance"})
    item_id = created.json()["id"]
    patched = client.patch(f"/price-book/{item_id}", {"unit_price": "95.50", "version": 1})
    stale = client.patch(f"/price-book/{item_id}", {"name": "x"}, headers={"If-Match": "1"})
    deleted = client.delete(f"/price-book/{item_id}")

    assert created.status_code == 201
    assert (patched.status_code, patched.json()["unit_price"]) == (200, "95.50")
    assert stale.status_code == 409
    assert deleted.status_code == 204
    assert PriceBookItem.objects.count() == 0


def test_a_salesperson_reads_but_does_not_change_the_book(api_as: Any, sales_north: Any,
                                                          furnace: Any) -> None:
    client = api_as(sales_north)

    assert client.get(f"/price-book/{furnace.pk}").status_code == 200
    assert client.post("/price-book", {"code": "X", "name": "X",
                                       "unit_price": "1"}).status_code == 403
    assert client.patch(f"/price-book/{furnace.pk}", {"name": "Cheap"}).status_code == 403
    assert client.delete(f"/price-book/{furnace.pk}").status_code == 403
    assert PriceBookItem.objects.get().name == "Install 60k BTU furnace"


def test_price_book_errors(api_as: Any, admin: Any, furnace: Any) -> None:
    client = api_as(admin)

    duplicate = client.post("/price-book", {"code": "FR-FURN-60K", "name": "Again",
                                            "unit_price": "1.001"})
    missing = client.get("/price-book/999999")
    anonymous = api_as(None).get("/price-book")

    assert duplicate.status_code == 422
    assert set(duplicate.json()["error"]["fields"]) == {"code", "unit_price"}
    assert missing.status_code == 404
    assert anonymous.status_code == 401


def test_import_a_csv_body_with_a_dry_run_first(api_as: Any, admin: Any, furnace: Any) -> None:
    client = api_as(admin)
    csv_body = ("code,name,unit_price,tax_rate,category\n"
                "FR-FURN-60K,Install 60k BTU furnace,4300.00,8.25,Residential HVAC\n"
                "FR-TUNE,Tune-up,89.00,0,Maintenance\n")

    preview = client.post("/price-book/import?dry_run=true", csv_body, content_type="text/csv")
    untouched = PriceBookItem.objects.count()
    applied = client.post("/price-book/import", csv_body, content_type="text/csv")

    assert preview.status_code == 200
    assert (preview.json()["created"], preview.json()["updated"]) == (1, 1)
    assert untouched == 1
    assert applied.json()["dry_run"] is False
    assert PriceBookItem.objects.get(code="FR-FURN-60K").unit_price == Decimal("4300.00")


def test_import_names_the_row_and_column_and_needs_an_administrator(
        api_as: Any, admin: Any, sales_north: Any) -> None:
    bad = api_as(admin).post("/price-book/import", "code,name,unit_price\nA,Alpha,abc\n",
                             content_type="text/csv")
    refused = api_as(sales_north).post("/price-book/import", "code,name,unit_price\n",
                                       content_type="text/csv")

    assert bad.status_code == 422
    assert bad.json()["error"]["fields"] == {"rows.2.unit_price": "the price “abc” is not "
                                                                  "a number"}
    assert refused.status_code == 403
    assert PriceBookItem.objects.count() == 0


# --- estimates -------------------------------------------------------------------------------

def test_create_from_the_book_and_free_lines(api_as: Any, sales_north: Any, opportunity: Any,
                                             furnace: Any) -> None:
    _select_new(False)

    response = api_as(sales_north).post("/estimates", {
        "opportunity": opportunity.pk, "title": "Furnace",
        "lines": [{"item": furnace.pk}, {"description": "Haul away", "quantity": "1",
                                         "unit_price": "150.00", "discount_percent": "10"}]})

    body = response.json()
    assert response.status_code == 201
    assert [line["unit_price"] for line in body["lines"]] == ["4200.00", "150.00"]
    assert body["lines"][0]["description"].startswith("Install 60k BTU furnace")
    assert (body["net_total"], body["tax_total"], body["total"]) == ("4335.00", "346.50",
                                                                    "4681.50")
    assert body["tax_by_rate"] == [{"rate": "8.25", "amount": "346.50"}]
    assert body["account"]["id"] == opportunity.account_id
    assert body["selected"] is False


def test_scenario_selection_through_the_api(api_as: Any, sales_north: Any, opportunity: Any,
                                            furnace: Any) -> None:
    client = api_as(sales_north)
    _select_new(False)
    first = client.post("/estimates", {"opportunity": opportunity.pk,
                                       "lines": [{"item": furnace.pk}]}).json()
    _select_new(True)
    second = client.post("/estimates", {"opportunity": opportunity.pk, "lines": []}).json()

    listed = client.get(f"/opportunities/{opportunity.pk}/estimates").json()
    selected = client.post(f"/estimates/{first['id']}/select")

    assert [item["id"] for item in listed["items"]] == [first["id"], second["id"]]
    assert [item["selected"] for item in listed["items"]] == [False, True]
    assert selected.json()["selected"] is True
    assert Estimate.objects.get(pk=second["id"]).selected is False


def test_line_errors_are_named_by_position(api_as: Any, sales_north: Any,
                                           opportunity: Any) -> None:
    response = api_as(sales_north).post("/estimates", {
        "opportunity": opportunity.pk,
        "lines": [{"description": "", "quantity": "-1", "unit_price": "5"},
                  {"item": 999999}]})

    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"lines.1.item"}
    assert Estimate.objects.count() == 0


def test_malformed_numbers_are_400(api_as: Any, sales_north: Any, opportunity: Any) -> None:
    response = api_as(sales_north).post("/estimates", {
        "opportunity": opportunity.pk, "lines": [{"description": "X", "unit_price": "ten"}]})

    assert response.status_code == 400
    assert "lines.0.unit_price" in response.json()["error"]["fields"]


def test_patch_fields_and_lines_while_draft_then_409_and_422(
        api_as: Any, sales_north: Any, opportunity: Any,
        make_estimate: Callable[..., Any]) -> None:
    estimate = make_estimate(sales_north, opportunity=opportunity)
    client = api_as(sales_north)

    patched = client.patch(f"/estimates/{estimate.pk}", {
        "title": "Revised", "lines": [{"description": "Labour", "quantity": "3",
                                       "unit_price": "80.00"}], "version": 1})
    stale = client.patch(f"/estimates/{estimate.pk}", {"title": "x"},
                         headers={"If-Match": "1"})
    client.post(f"/estimates/{estimate.pk}/send", {})
    locked = client.patch(f"/estimates/{estimate.pk}", {"lines": []})
    moved_notes = client.patch(f"/estimates/{estimate.pk}", {"private_notes": "Call first"})

    assert (patched.status_code, patched.json()["total"]) == (200, "240.00")
    assert stale.status_code == 409
    assert locked.status_code == 422
    assert locked.json()["error"]["fields"] == {"lines": "the estimate is Sent"}
    assert moved_notes.status_code == 200


def test_filters_of_the_list(api_as: Any, sales_north: Any, opportunity: Any,
                             make_estimate: Callable[..., Any],
                             django_assert_max_num_queries: Any) -> None:
    first = make_estimate(sales_north, opportunity=opportunity, title="Heat pump")
    for _ in range(5):
        make_estimate(sales_north, opportunity=opportunity)
    services.estimate_send(actor=sales_north, via=Via.API, estimate=first)
    client = api_as(sales_north)

    with django_assert_max_num_queries(8):
        everything = client.get("/estimates").json()
    sent = client.get("/estimates", status="sent").json()
    searched = client.get("/estimates", q="heat").json()
    bad = client.get("/estimates", status="won")

    assert everything["count"] == 6
    assert [item["id"] for item in sent["items"]] == [first.pk]
    assert [item["id"] for item in searched["items"]] == [first.pk]
    assert bad.status_code == 422


def test_status_is_marked_by_hand_through_patch(api_as: Any, sales_north: Any,
                                                opportunity: Any,
                                                make_estimate: Callable[..., Any]) -> None:
    estimate = make_estimate(sales_north, opportunity=opportunity)
    client = api_as(sales_north)

    too_early = client.patch(f"/estimates/{estimate.pk}", {"status": "expired",
                                                           "title": "Not kept"})
    client.post(f"/estimates/{estimate.pk}/send", {})
    expired = client.patch(f"/estimates/{estimate.pk}", {"status": "expired"})
    unknown = client.patch(f"/estimates/{estimate.pk}", {"status": "won"})

    assert too_early.status_code == 422
    assert Estimate.objects.get(pk=estimate.pk).title == ""
    assert (expired.status_code, expired.json()["status"]) == (200, "expired")
    assert unknown.status_code == 422


def test_duplicate_reopen_delete(api_as: Any, sales_north: Any, opportunity: Any,
                                 make_estimate: Callable[..., Any]) -> None:
    estimate = make_estimate(sales_north, opportunity=opportunity)
    client = api_as(sales_north)
    client.post(f"/estimates/{estimate.pk}/send", {})

    copy = client.post(f"/estimates/{estimate.pk}/duplicate")
    refused = client.delete(f"/estimates/{estimate.pk}")
    reopened = client.post(f"/estimates/{estimate.pk}/reopen")
    deleted = client.delete(f"/estimates/{estimate.pk}")

    assert (copy.status_code, copy.json()["status"]) == (201, "draft")
    assert refused.status_code == 422
    assert reopened.json()["status"] == "draft"
    assert deleted.status_code == 204
    assert list(Estimate.objects.values_list("pk", flat=True)) == [copy.json()["id"]]


def test_send_returns_the_link_once_and_links_can_be_revoked(
        api_as: Any, sales_north: Any, opportunity: Any,
        make_estimate: Callable[..., Any], settings: Any) -> None:
    settings.STAGEFLOW_BASE_URL = "https://crm.example"
    estimate = make_estimate(sales_north, opportunity=opportunity)
    client = api_as(sales_north)

    sent = client.post(f"/estimates/{estimate.pk}/send", {"to": "boss@example.com"}).json()
    detail = client.get(f"/estimates/{estimate.pk}").json()
    revoked = client.delete(f"/estimates/{estimate.pk}/links/{sent['link']['id']}")
    unknown_link = client.delete(f"/estimates/{estimate.pk}/links/999999")

    assert sent["url"].startswith("https://crm.example/q/")
    assert sent["sent_to"] == "boss@example.com"
    assert sent["url"].rsplit("/", 1)[1] not in str(detail)
    assert detail["links"][0]["sent_to"] == "boss@example.com"
    assert revoked.status_code == 204
    assert unknown_link.status_code == 404
    assert EstimateLink.objects.get().revoked_at is not None


def test_send_without_an_address_is_422(api_as: Any, sales_north: Any,
                                        make_opportunity: Callable[..., Any],
                                        make_estimate: Callable[..., Any]) -> None:
    estimate = make_estimate(sales_north, opportunity=make_opportunity(sales_north))

    response = api_as(sales_north).post(f"/estimates/{estimate.pk}/send", {})

    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"to"}


def test_the_pdf(api_as: Any, sales_north: Any, opportunity: Any,
                 make_estimate: Callable[..., Any]) -> None:
    estimate = make_estimate(sales_north, opportunity=opportunity)

    response = api_as(sales_north).get(f"/estimates/{estimate.pk}/pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f'filename="estimate-{estimate.number}.pdf"' in response["Content-Disposition"]


def test_scope_follows_the_opportunity(api_as: Any, sales_north: Any, sales_south: Any,
                                       office_north: Any, opportunity: Any,
                                       make_estimate: Callable[..., Any], make_user: Any,
                                       north: Any) -> None:
    estimate = make_estimate(sales_north, opportunity=opportunity)
    marketing = make_user("marketer", "marketing", north)

    assert api_as(sales_south).get(f"/estimates/{estimate.pk}").status_code == 404
    assert api_as(sales_south).get("/estimates").json()["count"] == 0
    assert api_as(sales_south).post(f"/estimates/{estimate.pk}/select").status_code == 404
    assert api_as(sales_south).get(
        f"/opportunities/{opportunity.pk}/estimates").status_code == 404
    assert api_as(office_north).get(f"/estimates/{estimate.pk}").status_code == 200
    assert api_as(office_north).patch(f"/estimates/{estimate.pk}",
                                      {"title": "By the office"}).status_code == 200
    # Marketing reads the office's opportunities but may not change them, nor their estimates.
    assert api_as(marketing).get(f"/estimates/{estimate.pk}").status_code == 200
    assert api_as(marketing).patch(f"/estimates/{estimate.pk}",
                                   {"title": "x"}).status_code == 403
    assert api_as(marketing).delete(f"/estimates/{estimate.pk}").status_code == 403
    assert api_as(marketing).post("/estimates", {"opportunity": opportunity.pk}).status_code \
        == 403
    assert api_as(None).get(f"/estimates/{estimate.pk}").status_code == 401
    assert Estimate.objects.get(pk=estimate.pk).title == "By the office"


def test_direct_estimates_follow_the_account(api_as: Any, office_north: Any, sales_south: Any,
                                             make_account: Callable[..., Any],
                                             company: Any) -> None:
    account = make_account(office_north, "Walk-in")
    client = api_as(office_north)

    created = client.post("/estimates", {"account": account.pk, "lines": [
        {"description": "Service call", "unit_price": "95.00"}]})
    listed = client.get(f"/accounts/{account.pk}/estimates").json()

    assert created.status_code == 201
    assert created.json()["opportunity"] is None
    assert [item["id"] for item in listed["items"]] == [created.json()["id"]]
    assert api_as(sales_south).get(f"/estimates/{created.json()['id']}").status_code == 404
    assert api_as(sales_south).get(f"/accounts/{account.pk}/estimates").status_code == 404
    assert client.post("/estimates", {"lines": []}).status_code == 422


def test_moving_to_the_job_sub_account(api_as: Any, office_north: Any, sales_north: Any,
                                       opportunity: Any, jane_account: Any,
                                       make_estimate: Callable[..., Any]) -> None:
    estimate = make_estimate(sales_north, opportunity=opportunity)
    client = api_as(office_north)
    sub = client.post(f"/accounts/{jane_account.pk}/sub-accounts",
                      {"name": "Doe - Furnace Replacement"}).json()

    moved = client.patch(f"/estimates/{estimate.pk}", {"account": sub["id"]})

    assert moved.status_code == 200
    assert (moved.json()["account"]["id"], moved.json()["opportunity"]["id"]) == (
        sub["id"], opportunity.pk)
    assert [item["id"] for item in client.get(f"/accounts/{sub['id']}/estimates")
            .json()["items"]] == [estimate.pk]
    assert client.get(f"/accounts/{jane_account.pk}/estimates").json()["items"] == []


# --- the client's side -----------------------------------------------------------------------

@pytest.fixture
def sent(sales_north: Any, opportunity: Any, make_estimate: Callable[..., Any]) -> Any:
    estimate = make_estimate(sales_north, opportunity=opportunity, title="Furnace")
    Estimate.objects.filter(pk=estimate.pk).update(private_notes="Margin is thin")
    return services.estimate_send(actor=sales_north, via=Via.WEB, estimate=estimate)


def test_the_public_quote_shows_only_that_estimate(api_as: Any, sent: Any) -> None:
    response = api_as(None).get(f"/public/quotes/{sent.token}")

    body = response.json()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    assert set(body) == {"number", "title", "status", "company", "customer", "currency",
                         "lines", "net_total", "tax_by_rate", "tax_total", "total",
                         "valid_until", "terms", "notes", "answered_at", "accepted_by_name"}
    assert body["customer"] == "Jane Doe"
    assert "Margin is thin" not in response.content.decode()
    assert "sales_n" not in response.content.decode()
    assert "id" not in body["lines"][0]


def test_accept_and_decline_through_the_public_api(api_as: Any, sent: Any) -> None:
    client = api_as(None)

    missing_consent = client.post(f"/public/quotes/{sent.token}/accept",
                                  {"signature": "Pat Lee", "consent": False})
    accepted = client.post(f"/public/quotes/{sent.token}/accept",
                           {"signature": "Pat Lee", "consent": True})
    again = client.post(f"/public/quotes/{sent.token}/decline", {"reason": "Changed mind"})
    shown = client.get(f"/public/quotes/{sent.token}")

    assert missing_consent.status_code == 422
    assert (accepted.status_code, accepted.json()["status"]) == (200, "accepted")
    assert again.status_code == 422
    assert shown.json()["accepted_by_name"] == "Pat Lee"
    assert Estimate.objects.get().answered_from_ip == "127.0.0.1"


def test_bad_tokens_all_get_the_same_404(api_as: Any, sent: Any, sales_north: Any) -> None:
    client = api_as(None)
    revoked = services.estimate_send(actor=sales_north, via=Via.WEB, estimate=sent.estimate)
    services.estimate_link_revoke(actor=sales_north, via=Via.WEB, link=revoked.link)

    answers = [client.get(f"/public/quotes/{token}") for token in
               ("x" * 43, revoked.token, "short")]
    posted = client.post(f"/public/quotes/{revoked.token}/accept",
                         {"signature": "Pat Lee", "consent": True})

    assert {answer.status_code for answer in answers} == {404}
    assert len({answer.content for answer in answers}) == 1
    assert posted.status_code == 404
    assert Estimate.objects.get().status == "sent"

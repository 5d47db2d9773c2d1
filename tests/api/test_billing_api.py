"""/api/v1/orders and /invoices: create, read, change, status actions, PDF; scopes and 4xx."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import requests

from stageflow.accounts import services as account_services
from stageflow.billing.models import Invoice, Order
from stageflow.core.models import Via
from stageflow.people.services import api_token_create
from stageflow.quotes.services import LineInput, estimate_create
from stageflow.sales import services as sales
from stageflow.sales.models import Opportunity

FURNACE = LineInput(description="Install 60k BTU furnace", quantity=Decimal(1),
                    unit_price=Decimal("4200.00"), tax_rate=Decimal("8.25"),
                    code="FR-FURN-60K", unit="each")


@pytest.fixture
def customer(make_account, sales_north):
    return make_account(sales_north, "Jane Doe")


@pytest.fixture
def deal(training, sales_north, customer) -> Opportunity:
    record = sales.record_create(actor=sales_north, via=Via.API, kind="opportunity",
                                 values={"title": "Furnace", "account": customer.pk})
    assert isinstance(record, Opportunity)
    return record


@pytest.fixture
def estimate(deal, sales_north):
    return estimate_create(actor=sales_north, via=Via.API, opportunity=deal, lines=[FURNACE])


@pytest.fixture
def order(api_as, office_north, deal, estimate) -> dict:
    response = api_as(office_north).post("/orders", {"opportunity": deal.pk})
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.fixture
def invoice(api_as, office_north, deal, estimate) -> dict:
    response = api_as(office_north).post("/invoices", {"opportunity": deal.pk})
    assert response.status_code == 201, response.json()
    return response.json()


# Orders ------------------------------------------------------------------------------------------

def test_create_an_order_from_the_opportunitys_selected_estimate(order, deal, estimate,
                                                                 customer):
    assert order["number"] == "SO-00001"
    assert order["status"] == "draft"
    assert order["account"] == {"id": customer.pk, "name": "Jane Doe"}
    assert order["opportunity"] == {"id": deal.pk, "name": "Furnace"}
    assert order["estimate"]["id"] == estimate.pk
    assert (order["net_total"], order["tax_total"], order["total"]) == (
        "4200.00", "346.50", "4546.50")
    assert order["lines"][0]["code"] == "FR-FURN-60K"
    assert order["tax_by_rate"] == [{"rate": "8.25", "amount": "346.50"}]


def test_create_an_order_for_the_job_sub_account(api_as, office_north, customer, estimate):
    """S1 step 22."""
    job = account_services.account_create(actor=office_north, via=Via.API, values={
        "name": "Doe - Furnace Replacement", "parent": customer.pk})

    response = api_as(office_north).post("/orders", {"estimate": estimate.pk,
                                                     "account": job.pk})

    assert response.status_code == 201
    assert response.json()["account"]["id"] == job.pk
    listed = api_as(office_north).get(f"/accounts/{job.pk}/orders").json()
    assert [item["id"] for item in listed["items"]] == [response.json()["id"]]


def test_typed_lines_and_their_errors(api_as, office_north, customer):
    client = api_as(office_north)

    bad = client.post("/orders", {"account": customer.pk, "lines": [
        {"description": "Call-out", "unit_price": 89.5}]})
    good = client.post("/orders", {"account": customer.pk, "lines": [
        {"description": "Call-out", "unit_price": "89.50", "tax_rate": "20"}]})

    assert bad.status_code == 422
    assert list(bad.json()["error"]["fields"]) == ["lines.1.unit_price"]
    assert good.status_code == 201
    assert good.json()["total"] == "107.40"
    assert Order.objects.count() == 1


def test_an_opportunity_without_a_selected_estimate_is_a_422(api_as, office_north, deal):
    response = api_as(office_north).post("/orders", {"opportunity": deal.pk})

    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"estimate": "no selected estimate"}


def test_order_status_actions_with_versions(api_as, office_north, order):
    client = api_as(office_north)
    url = f"/orders/{order['id']}"

    stale = client.post(url + "/confirm", headers={"If-Match": "9"})
    confirmed = client.post(url + "/confirm", {"version": 1})
    wrong = client.post(url + "/confirm")
    completed = client.post(url + "/complete")

    assert stale.status_code == 409
    assert (confirmed.status_code, confirmed.json()["status"]) == (200, "confirmed")
    assert wrong.status_code == 409
    assert (completed.json()["status"], completed.json()["version"]) == ("completed", 3)


def test_order_lines_are_edited_while_draft(api_as, office_north, order):
    client = api_as(office_north)

    edited = client.patch(f"/orders/{order['id']}", {
        "notes": "Side gate", "lines": [{"description": "Smaller", "unit_price": "10"}]})

    assert edited.status_code == 200
    assert (edited.json()["notes"], edited.json()["total"]) == ("Side gate", "10.00")


def test_orders_lists_and_filters(api_as, office_north, order, deal, django_assert_max_num_queries):
    client = api_as(office_north)
    client.post("/orders", {"opportunity": deal.pk})

    with django_assert_max_num_queries(12):
        listed = client.get("/orders", status="draft", limit=1)
    by_opportunity = client.get(f"/opportunities/{deal.pk}/orders")

    assert (listed.json()["count"], len(listed.json()["items"])) == (2, 1)
    assert by_opportunity.json()["count"] == 2
    assert client.get("/orders", status="completed").json()["count"] == 0


def test_orders_follow_scope(api_as, sales_south, sales_north, order, deal, make_user, south):
    outsider = api_as(sales_south)
    south_office = api_as(make_user("office_s", "office", south))

    assert outsider.get(f"/orders/{order['id']}").status_code == 404
    assert outsider.get("/orders").json()["count"] == 0
    assert south_office.get(f"/orders/{order['id']}").status_code == 404
    assert outsider.post("/orders", {"opportunity": deal.pk}).status_code == 404
    assert api_as(sales_north).get(f"/orders/{order['id']}").status_code == 200
    assert api_as(None).get("/orders").status_code == 401


def test_a_reader_may_see_but_not_change(api_as, make_user, north, order):
    reader = api_as(make_user("mark", "marketing", north))

    assert reader.get(f"/orders/{order['id']}").status_code == 200
    assert reader.post(f"/orders/{order['id']}/confirm").status_code == 403
    assert Order.objects.get().status == "draft"


def test_unknown_records_are_404(api_as, office_north, customer):
    client = api_as(office_north)

    assert client.get("/orders/999").status_code == 404
    assert client.post("/orders", {"estimate": 999}).status_code == 404
    assert client.post("/invoices", {"order": 999}).status_code == 404
    assert client.get("/opportunities/999/invoices").status_code == 404


# Invoices ----------------------------------------------------------------------------------------

def test_an_invoice_is_drafted_issued_and_paid(api_as, office_north, invoice):
    client = api_as(office_north)
    url = f"/invoices/{invoice['id']}"

    assert (invoice["number"], invoice["status"], invoice["due_date"]) == ("", "draft", None)
    issued = client.post(url + "/issue").json()
    paid = client.post(url + "/pay").json()

    assert issued["number"].startswith("INV-")
    assert issued["status"] == "issued"
    assert issued["due_date"] is not None
    assert (paid["status"], paid["paid_at"] is not None) == ("paid", True)
    assert client.patch(url, {"notes": "late"}).status_code == 409
    assert client.post(url + "/pay").status_code == 409


def test_an_invoice_from_an_order(api_as, office_north, order):
    response = api_as(office_north).post("/invoices", {"order": order["id"]})

    assert response.status_code == 201
    assert response.json()["order"]["id"] == order["id"]
    assert response.json()["total"] == order["total"]


def test_the_invoice_pdf(api_as, office_north, invoice, customer):
    customer.name = "Jane <script>alert(1)</script> Doe"
    customer.save()

    response = api_as(office_north).get(f"/invoices/{invoice['id']}/pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f'invoice-draft-{invoice["id"]}.pdf' in response["Content-Disposition"]


def test_invoices_of_an_account_include_its_jobs(api_as, office_north, customer, invoice):
    job = account_services.account_create(actor=office_north, via=Via.API, values={
        "name": "Job", "parent": customer.pk})
    api_as(office_north).post("/invoices", {"account": job.pk, "lines": [
        {"description": "Extra", "unit_price": "5"}]})

    listed = api_as(office_north).get(f"/accounts/{customer.pk}/invoices").json()

    assert listed["count"] == 2


def test_invoices_follow_scope(api_as, sales_south, invoice):
    outsider = api_as(sales_south)

    assert outsider.get(f"/invoices/{invoice['id']}").status_code == 404
    assert outsider.post(f"/invoices/{invoice['id']}/issue").status_code == 404
    assert outsider.get(f"/invoices/{invoice['id']}/pdf").status_code == 404
    assert Invoice.objects.get().status == "draft"


@pytest.mark.django_db(transaction=True)
def test_invoices_issued_at_once_get_distinct_consecutive_numbers(live_server, admin,
                                                                  make_account):
    customer = make_account(admin, "Busy")
    from stageflow.billing.services import invoice_create

    drafts = [invoice_create(actor=admin, via=Via.API, account=customer,
                             lines=[{"description": f"Job {n}", "unit_price": "10"}]).pk
              for n in range(8)]
    _token, secret = api_token_create(user=admin, name="load")

    def issue(invoice_id: int) -> str:
        response = requests.post(f"{live_server.url}/api/v1/invoices/{invoice_id}/issue",
                                 headers={"Authorization": f"Bearer {secret}"}, timeout=60)
        return str(response.json()["number"])

    with ThreadPoolExecutor(max_workers=4) as pool:
        numbers = sorted(pool.map(issue, drafts))

    year = numbers[0].split("-")[1]
    assert numbers == [f"INV-{year}-{n:04d}" for n in range(1, 9)]

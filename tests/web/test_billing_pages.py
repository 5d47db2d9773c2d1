"""The Orders and Invoices tabs, the invoice list, and each document's page and actions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from stageflow.accounts import services as account_services
from stageflow.billing import services as billing
from stageflow.billing.models import Invoice, Order
from stageflow.core.models import Via
from stageflow.quotes.services import LineInput, estimate_create
from stageflow.sales import services as sales
from stageflow.sales.models import Opportunity

HTMX = {"HX-Request": "true"}
FURNACE = LineInput(description="Install <b>furnace</b>", quantity=Decimal(1),
                    unit_price=Decimal("4200.00"), tax_rate=Decimal("8.25"), code="FR-60K")


@pytest.fixture
def customer(make_account, sales_north):
    return make_account(sales_north, "Jane <i>Doe</i>")


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
def office(office_north) -> Client:
    client = Client()
    client.force_login(office_north)
    return client


def test_the_opportunity_shows_orders_and_invoices_tabs(office, deal):
    page = office.get(f"/opportunities/{deal.pk}/?tab=orders").content.decode()

    assert f'href="/orders/tab/opportunity/{deal.pk}/"' in page
    assert "?tab=invoices" in page


def test_the_orders_tab_offers_the_selected_estimate_and_the_customers_jobs(
        office, deal, estimate, office_north, customer):
    job = account_services.account_create(actor=office_north, via=Via.API, values={
        "name": "Doe - Furnace", "parent": customer.pk})

    page = office.get(f"/orders/tab/opportunity/{deal.pk}/", headers=HTMX).content.decode()

    assert "No orders yet." in page
    assert "Create order from the selected estimate" in page
    assert f'value="{job.pk}"' in page
    assert "Jane &lt;i&gt;Doe&lt;/i&gt;" in page


def test_without_a_selected_estimate_the_tab_says_what_to_do(office, deal):
    page = office.get(f"/orders/tab/opportunity/{deal.pk}/", headers=HTMX).content.decode()

    assert "select one of this opportunity" in page


def test_creating_an_order_for_the_job_opens_it(office, deal, estimate, office_north,
                                                customer):
    """S1 step 22 in the browser's forms."""
    job = account_services.account_create(actor=office_north, via=Via.API, values={
        "name": "Doe - Furnace", "parent": customer.pk})

    response = office.post(f"/orders/tab/opportunity/{deal.pk}/new/", {"account": job.pk})

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.pk}/"
    assert order.account == job


def test_a_refused_order_says_why_and_writes_nothing(office, deal):
    response = office.post(f"/orders/tab/opportunity/{deal.pk}/new/", follow=True)

    assert "has no selected estimate" in response.content.decode()
    assert not Order.objects.exists()


def test_the_order_page_moves_it_through_its_statuses(office, deal, estimate, office_north):
    order = billing.order_create(actor=office_north, via=Via.API, opportunity=deal)

    page = office.get(f"/orders/{order.pk}/").content.decode()
    office.post(f"/orders/{order.pk}/confirm/", {"version": 1})
    stale = office.post(f"/orders/{order.pk}/complete/", {"version": 1}, follow=True)
    office.post(f"/orders/{order.pk}/complete/", {"version": 2})

    assert "Confirm order" in page
    assert "Install &lt;b&gt;furnace&lt;/b&gt;" in page
    assert "changed by someone else" in stale.content.decode()
    order.refresh_from_db()
    assert order.status == "completed"
    assert "Cancel order" not in office.get(f"/orders/{order.pk}/").content.decode()


def test_draft_lines_are_edited_on_the_page(office, deal, estimate, office_north):
    invoice = billing.invoice_create(actor=office_north, via=Via.API, opportunity=deal)

    office.post(f"/invoices/{invoice.pk}/edit/", {
        "version": 1, "line_count": 3, "notes": "Thanks",
        "line-0-description": "Furnace", "line-0-quantity": "1", "line-0-unit_price": "4000",
        "line-1-description": "", "line-2-description": "Filter",
        "line-2-unit_price": "20.50", "line-2-quantity": "2"})
    bad = office.post(f"/invoices/{invoice.pk}/edit/", {
        "version": 2, "line_count": 1, "line-0-description": "X",
        "line-0-unit_price": "abc"}, follow=True)

    invoice.refresh_from_db()
    assert (invoice.total, invoice.notes, invoice.version) == (Decimal("4041.00"), "Thanks", 2)
    assert "line 1.unit_price" in bad.content.decode()


def test_issuing_and_paying_from_the_invoice_page(office, deal, estimate, office_north):
    invoice = billing.invoice_create(actor=office_north, via=Via.API, opportunity=deal)

    page = office.get(f"/invoices/{invoice.pk}/").content.decode()
    office.post(f"/invoices/{invoice.pk}/issue/", {"version": 1})
    issued_page = office.get(f"/invoices/{invoice.pk}/").content.decode()
    office.post(f"/invoices/{invoice.pk}/pay/", {"version": 2})

    assert "Issue this invoice?" in page
    invoice.refresh_from_db()
    assert invoice.number in issued_page
    assert "Mark this invoice as paid?" in issued_page
    assert (invoice.status, invoice.paid_at is not None) == ("paid", True)


def test_print_page_and_pdf(office, deal, estimate, office_north):
    invoice = billing.invoice_create(actor=office_north, via=Via.API, opportunity=deal,
                                     notes="<script>alert(1)</script>")

    printed = office.get(f"/invoices/{invoice.pk}/print/").content.decode()
    document = office.get(f"/invoices/{invoice.pk}/pdf/")
    order = billing.order_create(actor=office_north, via=Via.API, opportunity=deal)

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in printed
    assert "<script>alert" not in printed
    assert document.content.startswith(b"%PDF")
    assert office.get(f"/orders/{order.pk}/pdf/").content.startswith(b"%PDF")


def test_the_invoice_list_filters_by_status_in_bounded_queries(
        office, deal, estimate, office_north, django_assert_max_num_queries):
    for _ in range(3):
        billing.invoice_create(actor=office_north, via=Via.API, opportunity=deal)
    billing.invoice_issue(actor=office_north, via=Via.API, invoice=Invoice.objects.first())

    with django_assert_max_num_queries(20):
        everything = office.get("/invoices/").content.decode()
    with django_assert_max_num_queries(20):
        issued = office.get("/invoices/?status=issued").content.decode()

    assert everything.count("billing-draft") == 2
    assert issued.count("billing-issued") == 1
    assert "billing-draft" not in issued
    assert 'href="/invoices/"' in everything


def test_the_account_tab_lists_the_jobs_documents(office, deal, estimate, office_north,
                                                  customer, django_assert_max_num_queries):
    billing.invoice_create(actor=office_north, via=Via.API, opportunity=deal)

    with django_assert_max_num_queries(12):
        page = office.get(f"/invoices/tab/account/{customer.pk}/", headers=HTMX)

    assert page.content.decode().count("billing-draft") == 1
    assert "Create invoice" not in page.content.decode()


def test_outside_the_scope_is_404(deal, estimate, office_north, sales_south):
    invoice = billing.invoice_create(actor=office_north, via=Via.API, opportunity=deal)
    client = Client()
    client.force_login(sales_south)

    assert client.get(f"/invoices/{invoice.pk}/").status_code == 404
    assert client.post(f"/invoices/{invoice.pk}/issue/").status_code == 404
    assert client.get(f"/invoices/tab/opportunity/{deal.pk}/").status_code == 404
    assert "Draft invoice" not in client.get("/invoices/").content.decode()
    invoice.refresh_from_db()
    assert invoice.status == "draft"


def test_signed_out_goes_to_the_login(client):
    assert client.get("/invoices/")["Location"].startswith("/login/")

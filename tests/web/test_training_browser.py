"""S3 steps 11 and 15 by hand in headless chromium at phone width: the salesperson adds a
course of interest with a student, makes the quotation from the interests, invoices it and
issues the invoice after confirming."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from stageflow.billing.models import Invoice
from stageflow.core.models import Via
from stageflow.packs.training import services
from stageflow.quotes.models import Estimate
from stageflow.sales import services as sales

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_interests_to_quotation_to_issued_invoice(page: Page, app_url, sign_in, admin,
                                                  training, sales_north, make_account,
                                                  make_contact):
    services.course_create(actor=admin, via=Via.CLI, values={
        "code": "A-101", "name": "Course A", "price": "450.00"})
    acme = make_account(sales_north, "Acme Training")
    deal = sales.record_create(actor=sales_north, via=Via.CLI, kind="opportunity",
                               values={"title": "Acme onboarding", "account": acme.pk})
    ann = make_contact(sales_north, "Lee", first_name="Ann")
    sales.record_contact_link(actor=sales_north, via=Via.CLI, record=deal, contact=ann,
                              role="Student")
    page.set_viewport_size({"width": 375, "height": 800})
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, "sales_n")

    page.goto(f"{app_url}/opportunities/{deal.pk}/?tab=interests")
    page.locator("#interest-course").select_option(label="A-101 Course A – 450.00")
    page.get_by_label("Number of students").fill("2")
    page.get_by_label("Ann Lee").check()
    page.get_by_role("button", name="Add course").click()
    expect(page.locator(".interest-price")).to_have_text("USD 900.00")
    page.get_by_role("button", name="Create quotation from the interests").click()
    expect(page.get_by_text(re.compile("created from the interests, total USD 900.00"))) \
        .to_be_visible()

    page.goto(f"{app_url}/opportunities/{deal.pk}/?tab=invoices")
    page.get_by_role("button", name="Create invoice").click()
    expect(page.locator("hgroup h1")).to_have_text("Draft invoice")
    page.get_by_role("button", name="Issue invoice").click()

    expect(page.locator("hgroup h1")).to_have_text(re.compile(r"^Invoice INV-\d{4}-0001$"))
    invoice = Invoice.objects.get()
    assert (invoice.status, invoice.total, invoice.estimate) == (
        "issued", 900, Estimate.objects.get())

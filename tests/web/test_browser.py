"""The main screens in headless chromium: sign in, create, search, and scope."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from stageflow.accounts.models import Account

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_shows_the_start_page_and_a_wrong_password_is_explained(
        page: Page, app_url, sales_north):
    page.goto(f"{app_url}/login/")
    page.get_by_label("User name").fill("sales_n")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct")

    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_label("User name").fill("sales_n")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def test_create_an_account_then_find_it_by_search(page: Page, app_url, sign_in, office_north,
                                                  make_account):
    make_account(office_north, "Globex Corporation")
    sign_in(page, "office_n")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Accounts").click()
    page.get_by_role("button", name="New account").click()
    page.get_by_label("Name").fill("Riverside Bakery")
    page.get_by_label("Phone", exact=True).fill("217 555 0177")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Riverside Bakery")
    expect(page.get_by_role("status")).to_contain_text("created")
    expect(page.get_by_text("+1 217-555-0177")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Accounts").click()
    page.get_by_role("searchbox", name="Search accounts").fill("river")
    results = page.locator("#results")
    expect(results.get_by_role("link", name="Riverside Bakery")).to_be_visible()
    expect(results.get_by_role("link", name="Globex Corporation")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"q=river"))


def test_invalid_input_is_shown_next_to_the_field(page: Page, app_url, sign_in, office_north):
    sign_in(page, "office_n")
    page.goto(f"{app_url}/accounts/new/")
    page.get_by_label("Name").fill("Bad phone")
    page.get_by_label("Phone", exact=True).fill("12")
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_text("Enter a valid phone number")).to_be_visible()
    assert not Account.objects.filter(name="Bad phone").exists()


def test_a_user_of_another_office_cannot_open_the_account(page: Page, app_url, sign_in,
                                                          sales_north, sales_south, make_account):
    theirs = make_account(sales_south, "South Side Pools")
    sign_in(page, "sales_n")

    response = page.goto(f"{app_url}/accounts/{theirs.pk}/")

    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(page.get_by_text("South Side Pools")).to_have_count(0)
    page.goto(f"{app_url}/accounts/")
    expect(page.get_by_text("South Side Pools")).to_have_count(0)


def test_delete_asks_for_confirmation(page: Page, app_url, sign_in, admin, make_account):
    account = make_account(admin, "Old Customer")
    sign_in(page, "admin")
    page.goto(f"{app_url}/accounts/{account.pk}/")

    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Delete account")
    page.get_by_role("button", name="Yes, delete it").click()

    expect(page.get_by_role("status")).to_contain_text("deleted")
    assert not Account.objects.filter(pk=account.pk).exists()


def test_account_list_fits_a_phone_screen(page: Page, app_url, sign_in, office_north,
                                          make_account):
    for name in ("Acme Property Management", "Riverside Bakery", "Blue Lagoon Pools"):
        make_account(office_north, name, phone="+1 217 555 0101", billing_city="Springfield")
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, "office_n")

    page.goto(f"{app_url}/accounts/")

    expect(page.get_by_role("link", name="Riverside Bakery")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0

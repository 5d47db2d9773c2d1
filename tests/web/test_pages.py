"""The web pages through Django's test client: forms, errors, scope and query counts."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client, override_settings

from stageflow.accounts.models import Account, AccountContact, Contact
from tests.conftest import PASSWORD


@pytest.fixture
def browser_as(db):
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def test_pages_need_a_signed_in_user(client, db):
    response = client.get("/accounts/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_sign_in_page_signs_in_and_names_the_problem(client, sales_north):
    wrong = client.post("/login/", {"username": "sales_n", "password": "nope"})
    right = client.post("/login/", {"username": "sales_n", "password": PASSWORD})

    assert "Please enter a correct" in wrong.content.decode()
    assert right.status_code == 302
    assert client.get("/").status_code == 200


@override_settings(STAGEFLOW_SIGNIN_MAX_FAILURES=2)
def test_sign_in_page_says_when_a_user_name_is_locked(client, sales_north):
    for _attempt in range(2):
        client.post("/login/", {"username": "sales_n", "password": "nope"})

    response = client.post("/login/", {"username": "sales_n", "password": PASSWORD})

    assert "locked" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_an_email_with_a_working_link(client, sales_north):
    client.post("/password/reset/", {"email": "sales_n@example.com"})

    [message] = mail.outbox
    link = next(line for line in message.body.splitlines() if "/password/reset/" in line)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    done = client.post(form_page.redirect_chain[-1][0], {
        "new_password1": "a new long passphrase", "new_password2": "a new long passphrase"})

    assert done.status_code == 302
    sales_north.refresh_from_db()
    assert sales_north.check_password("a new long passphrase")


def test_create_account_shows_field_errors_inline_and_writes_nothing(browser_as, office_north):
    response = browser_as(office_north).post("/accounts/new/", {
        "name": "Jane", "customer_status": "lead", "phone": "12", "owner": office_north.pk})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter a valid phone number" in page
    assert not Account.objects.exists()


def test_create_account_warns_about_a_duplicate_until_confirmed(browser_as, office_north,
                                                               make_account):
    make_account(office_north, "Jane Doe", email="jane@example.com")
    client = browser_as(office_north)
    form = {"name": "J. Doe", "customer_status": "lead", "email": "jane@example.com",
            "owner": office_north.pk}

    warned = client.post("/accounts/new/", form)
    created = client.post("/accounts/new/", {**form, "confirm_duplicate": "on"})

    assert "This may be a duplicate" in warned.content.decode()
    assert created.status_code == 302
    assert Account.objects.filter(name="J. Doe").count() == 1


def test_edit_account_with_a_stale_version_explains_and_keeps_the_newer_data(
        browser_as, office_north, make_account):
    account = make_account(office_north, "Acme")
    client = browser_as(office_north)
    form = {"name": "Acme Inc", "customer_status": "lead", "version": "1",
            "owner": office_north.pk, "office": account.office_id}
    client.post(f"/accounts/{account.pk}/edit/", form)

    stale = client.post(f"/accounts/{account.pk}/edit/", {**form, "name": "Acme Ltd"})

    assert "changed by someone else" in stale.content.decode()
    account.refresh_from_db()
    assert account.name == "Acme Inc"


def test_delete_asks_for_confirmation_first(browser_as, admin, make_account):
    account = make_account(admin, "Gone")
    client = browser_as(admin)

    confirm_page = client.get(f"/accounts/{account.pk}/delete/")
    assert "cannot be undone" in confirm_page.content.decode()
    assert Account.objects.filter(pk=account.pk).exists()

    client.post(f"/accounts/{account.pk}/delete/")
    assert not Account.objects.filter(pk=account.pk).exists()


def test_other_office_account_page_is_not_found(browser_as, sales_north, sales_south,
                                                make_account):
    theirs = make_account(sales_south, "South customer")

    response = browser_as(sales_north).get(f"/accounts/{theirs.pk}/")

    assert response.status_code == 404
    assert "South customer" not in response.content.decode()


def test_visible_but_not_editable_account_is_forbidden(browser_as, make_user, north,
                                                       make_account):
    owner = make_user("owner", "salesperson", north)
    colleague = make_user("colleague", "salesperson", north)
    account = make_account(owner, "Acme")

    response = browser_as(colleague).get(f"/accounts/{account.pk}/edit/")

    assert response.status_code == 403


def test_search_results_come_back_as_a_partial_for_htmx(browser_as, office_north, make_account):
    make_account(office_north, "Acme")
    make_account(office_north, "Globex")

    response = browser_as(office_north).get("/accounts/", {"q": "glob"},
                                            headers={"HX-Request": "true", "HX-Target": "results"})

    page = response.content.decode()
    assert "Globex" in page
    assert "Acme" not in page
    assert "<html" not in page


def test_account_page_tabs_show_contacts_sub_accounts_and_history(browser_as, office_north,
                                                                 make_account, make_contact):
    acme = make_account(office_north, "Acme")
    make_account(office_north, "Acme - Site 1", parent=acme.pk)
    bob = make_contact(office_north, "Stone", first_name="Bob")
    AccountContact.objects.create(account=acme, contact=bob, job_title="Buyer")
    client = browser_as(office_north)

    assert "Bob Stone" in client.get(f"/accounts/{acme.pk}/?tab=contacts").content.decode()
    assert "Acme - Site 1" in client.get(
        f"/accounts/{acme.pk}/?tab=sub-accounts").content.decode()
    assert "Created" in client.get(f"/accounts/{acme.pk}/?tab=history").content.decode()


def test_user_typed_text_is_escaped(browser_as, office_north, make_account):
    account = make_account(office_north, "<script>alert(1)</script>")

    page = browser_as(office_north).get(f"/accounts/{account.pk}/").content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_contact_is_created_from_the_account_page_and_linked(browser_as, office_north,
                                                             make_account):
    acme = make_account(office_north, "Acme")

    response = browser_as(office_north).post(f"/contacts/new/?account={acme.pk}", {
        "account": acme.pk, "job_title": "Owner", "first_name": "Rita", "last_name": "Baker",
        "owner": office_north.pk})

    assert response.status_code == 302
    rita = Contact.objects.get(last_name="Baker")
    assert list(rita.account_links.values_list("account__name", "job_title")) == [
        ("Acme", "Owner")]


def test_contact_link_and_unlink_from_its_page(browser_as, office_north, make_account,
                                               make_contact):
    acme = make_account(office_north, "Acme")
    bob = make_contact(office_north, "Stone")
    client = browser_as(office_north)

    client.post(f"/contacts/{bob.pk}/accounts/", {"account": acme.pk, "job_title": "Buyer"})
    assert AccountContact.objects.filter(contact=bob, account=acme, job_title="Buyer").exists()
    client.post(f"/contacts/{bob.pk}/accounts/{acme.pk}/unlink/")
    assert not AccountContact.objects.exists()


def test_profile_creates_a_token_shown_once_and_revokes_it(browser_as, sales_north):
    client = browser_as(sales_north)

    created = client.post("/profile/", {"name": "Accounting export"}).content.decode()
    token = sales_north.api_tokens.get()
    secret = created.split('id="new-token">', 1)[1].split("<", 1)[0]
    assert "It will not be shown again" in created
    assert secret.startswith(token.prefix)
    client.post(f"/profile/tokens/{token.pk}/revoke/")

    token.refresh_from_db()
    assert token.revoked_at is not None
    assert secret not in client.get("/profile/").content.decode()


def test_pages_render_in_dutch(browser_as, sales_north):
    client = browser_as(sales_north)
    client.post("/i18n/setlang/", {"language": "nl", "next": "/"})

    page = client.get("/accounts/").content.decode()

    assert "Klanten" in page


@pytest.mark.parametrize("rows", [5, 50])
def test_account_list_page_runs_a_fixed_number_of_queries(browser_as, admin, rows,
                                                          django_assert_num_queries):
    top = Account.objects.create(name="Top", owner=admin)
    Account.objects.bulk_create(Account(name=f"C{i}", owner=admin, parent=top)
                                for i in range(rows))
    client = browser_as(admin)
    client.get("/accounts/")

    # session, user, savepoint pair, reminders, notifications, count, page, offices, owners
    with django_assert_num_queries(9):
        client.get("/accounts/")


@pytest.mark.parametrize("rows", [5, 50])
def test_contact_list_page_runs_a_fixed_number_of_queries(browser_as, admin, rows,
                                                          django_assert_num_queries):
    acme = Account.objects.create(name="Acme", owner=admin)
    contacts = Contact.objects.bulk_create(Contact(last_name=f"P{i}", owner=admin)
                                           for i in range(rows))
    AccountContact.objects.bulk_create(AccountContact(account=acme, contact=c) for c in contacts)
    client = browser_as(admin)
    client.get("/contacts/")

    with django_assert_num_queries(10):
        client.get("/contacts/")


def test_custom_attributes_are_edited_on_the_form_and_shown_on_the_page(browser_as, admin):
    from stageflow.core.models import Via
    from stageflow.pipelines.services import attribute_save

    attribute_save(actor=admin, via=Via.API, record_type="account", key="segment",
                   values={"labels": {"en": "Segment"}, "type": "choice",
                           "choices": [{"key": "smb", "label": "Small business"}]})
    attribute_save(actor=admin, via=Via.API, record_type="account", key="budget",
                   values={"labels": {"en": "Budget"}, "type": "money"})
    client = browser_as(admin)
    assert "Segment" in client.get("/accounts/new/").content.decode()

    client.post("/accounts/new/", {"name": "Acme", "customer_status": "lead", "owner": admin.pk,
                                   "attr_segment": "smb", "attr_budget": "900"})

    account = Account.objects.get(name="Acme")
    assert account.attributes == {"segment": "smb", "budget": "900.00"}
    page = client.get(f"/accounts/{account.pk}/").content.decode()
    assert "Small business" in page
    assert "900.00" in page

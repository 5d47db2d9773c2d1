"""CSV and XLSX downloads of the overviews: what the overview shows over all its pages (filters,
search, sort), within the user's scope, with formula-looking text neutralised and XLSX typed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook
from playwright.sync_api import expect

from stageflow.core.models import Via
from stageflow.sales import services
from stageflow.sales.models import Opportunity


@pytest.fixture
def browser_as(db):
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def opportunity(actor, title: str, **values: Any) -> Opportunity:
    record = services.record_create(actor=actor, via=Via.CLI, kind="opportunity",
                                    values={"title": title, **values})
    assert isinstance(record, Opportunity)
    return record


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def xlsx_rows(response) -> list[tuple[Any, ...]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))


def column(rows: list[Any], name: str) -> list[Any]:
    index = list(rows[0]).index(name)
    return [row[index] for row in rows[1:]]


def test_export_has_every_page_of_the_search_in_the_chosen_order(browser_as, training, admin):
    for number in range(27):  # more than one overview page of 25
        opportunity(admin, f"Deal {number:02}")
    opportunity(admin, "Unrelated")

    rows = csv_rows(browser_as(admin).get("/opportunities/export.csv",
                                          {"q": "deal", "sort": "-title", "page": "2"}))

    assert column(rows, "title") == [f"Deal {n:02}" for n in reversed(range(27))]


def test_export_follows_the_overview_filters(browser_as, training, admin, sales_north):
    opportunity(admin, "Mine", owner=sales_north.pk, value="900")
    opportunity(admin, "Cheap", owner=sales_north.pk, value="10")
    opportunity(admin, "Someone else's", owner=admin.pk, value="900")

    rows = csv_rows(browser_as(admin).get("/opportunities/export.csv", {
        "owner": sales_north.pk, "value_min": "100"}))

    assert column(rows, "title") == ["Mine"]
    assert column(rows, "owner") == [str(sales_north)]


def test_a_salesperson_never_gets_other_peoples_records(browser_as, training, admin,
                                                        sales_north, sales_south):
    opportunity(sales_north, "North deal")
    opportunity(sales_south, "South deal")

    csv_titles = column(csv_rows(browser_as(sales_north).get(
        "/opportunities/export.csv", {"view": "all"})), "title")
    xlsx_titles = column(xlsx_rows(browser_as(sales_north).get(
        "/opportunities/export.xlsx")), "title")
    chosen = browser_as(sales_north).post("/opportunities/bulk/", {
        "action": "export", "ids": list(Opportunity.objects.values_list("pk", flat=True))})

    assert csv_titles == xlsx_titles == ["North deal"]
    assert column(csv_rows(chosen), "title") == ["North deal"]


def test_xlsx_keeps_numbers_and_dates_typed_and_neutralises_formulas(browser_as, training,
                                                                     admin):
    opportunity(admin, '=HYPERLINK("http://x")', value="1234.50",
                expected_close_date="2026-03-31", attributes={"first_name": "+1 555"})

    rows = xlsx_rows(browser_as(admin).get("/opportunities/export.xlsx"))

    assert column(rows, "title") == ["'=HYPERLINK(\"http://x\")"]
    assert column(rows, "first_name") == ["'+1 555"]
    assert column(rows, "value") == [1234.5]
    assert column(rows, "expected_close_date") == [dt.datetime(2026, 3, 31)]
    assert isinstance(column(rows, "created_at")[0], dt.datetime)
    assert isinstance(column(rows, "id")[0], int)


def test_bulk_export_as_xlsx_has_only_the_selected_records(browser_as, training, admin):
    chosen = opportunity(admin, "Chosen", value="5")
    opportunity(admin, "Left out")

    rows = xlsx_rows(browser_as(admin).post("/opportunities/bulk/", {
        "action": "export_xlsx", "ids": [chosen.pk]}))

    assert column(rows, "title") == ["Chosen"]


def test_account_export_follows_search_filters_and_scope(browser_as, admin, sales_north,
                                                         south, make_account):
    make_account(admin, "=Acme north", customer_status="active", office=sales_north.offices
                 .get().pk, billing_city="Leeds")
    make_account(admin, "Acme prospect", customer_status="lead",
                 office=sales_north.offices.get().pk)
    make_account(admin, "Acme south", customer_status="active", office=south.pk)

    rows = csv_rows(browser_as(sales_north).get("/accounts/export.csv",
                                                {"q": "acme", "status": "active"}))
    everything = xlsx_rows(browser_as(admin).get("/accounts/export.xlsx", {"sort": "name"}))

    assert column(rows, "name") == ["'=Acme north"]
    assert column(rows, "billing_city") == ["Leeds"]
    assert column(rows, "customer_status") == ["Active"]
    assert column(everything, "name") == ["'=Acme north", "Acme prospect", "Acme south"]


def test_contact_export_lists_visible_account_links(browser_as, admin, office_north, north,
                                                   south, make_account, make_contact):
    seen = make_account(admin, "Seen Ltd", office=north.pk)
    hidden = make_account(admin, "Hidden Ltd", office=south.pk)
    ann = make_contact(admin, "Lee", first_name="Ann", office=north.pk)
    make_contact(admin, "Stone", first_name="Bob", office=south.pk)
    from stageflow.accounts.services import contact_link_account
    for account in (seen, hidden):
        contact_link_account(actor=admin, via=Via.CLI, contact=ann, account=account)

    rows = csv_rows(browser_as(office_north).get("/contacts/export.csv"))
    searched = csv_rows(browser_as(admin).get("/contacts/export.csv", {"q": "bob"}))

    assert column(rows, "last_name") == ["Lee"]
    assert column(rows, "accounts") == ["Seen Ltd"]
    assert column(searched, "last_name") == ["Stone"]


def test_overviews_link_their_downloads_with_the_current_filters(browser_as, training, admin,
                                                                 make_account, make_contact):
    opportunity(admin, "Alpha")
    make_account(admin, "Acme")
    make_contact(admin, "Lee")
    client = browser_as(admin)

    records = client.get("/opportunities/", {"q": "alp", "page": "1"}).content.decode()
    accounts = client.get("/accounts/", {"q": "acme"}, headers={"HX-Request": "true",
                                                                "HX-Target": "results"})
    contacts = client.get("/contacts/").content.decode()

    assert 'href="/opportunities/export.xlsx?q=alp"' in records
    assert 'href="/opportunities/export.csv?q=alp"' in records
    assert 'href="/accounts/export.csv?q=acme"' in accounts.content.decode()
    assert 'href="/contacts/export.xlsx"' in contacts


def test_export_refuses_unknown_formats_and_anonymous_users(browser_as, admin):
    assert browser_as(admin).get("/accounts/export.pdf").status_code == 404
    assert browser_as(admin).get("/leads/export.json").status_code == 404
    response = Client().get("/contacts/export.csv")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_export_query_count_does_not_grow_with_rows(browser_as, training, admin,
                                                   make_account, django_assert_max_num_queries,
                                                   monkeypatch):
    from stageflow.web.records import export

    monkeypatch.setattr(export, "CHUNK", 4)  # several chunks from a handful of rows
    for number in range(10):
        record = opportunity(admin, f"Deal {number}")
        if number % 2:
            services.record_tag(actor=admin, via=Via.CLI, record=record, tag_name="hot",
                                add=True)
        make_account(admin, f"Account {number}")
    client = browser_as(admin)

    # six to start (session, user, scopes, attributes twice, the ids), then per chunk of four
    # the rows, their tags and, for records, their pipeline versions
    with django_assert_max_num_queries(6 + 3 * 3):
        rows = csv_rows(client.get("/opportunities/export.csv"))
    with django_assert_max_num_queries(5 + 2 * 3):
        accounts = xlsx_rows(client.get("/accounts/export.xlsx"))

    assert len(rows) == len(accounts) == 11
    assert sorted(column(rows, "tags")) == [""] * 5 + ["hot"] * 5


def test_exported_values_match_the_record(browser_as, training, admin):
    record = opportunity(admin, "Typed", value="99.99")  # the stage sets the probability

    rows = xlsx_rows(browser_as(admin).get("/opportunities/export.xlsx"))

    assert column(rows, "id") == [record.pk]
    assert Decimal(str(column(rows, "value")[0])) == Decimal("99.99")
    assert column(rows, "probability") == [record.probability] == [10]
    assert column(rows, "stage") == ["Enquiry"]


def test_a_work_queue_exports_the_entries_its_viewer_may_see(browser_as, admin, office_north,
                                                            north, south, make_account,
                                                            django_assert_max_num_queries):
    from stageflow.pipelines.services import preset_install
    from stageflow.queues.models import WorkQueue

    preset_install(actor=admin, via=Via.CLI, key="quote_schedule")
    for name, office in (("North one", north), ("North two", north), ("South one", south)):
        account = make_account(admin, name, office=office.pk)
        services.record_tag(actor=admin, via=Via.CLI, record=account,
                            tag_name="Sales Followup", add=True)
    make_account(admin, "North untagged", office=north.pk)
    queue = WorkQueue.objects.get(slug="sales-followup")
    client = browser_as(office_north)

    with django_assert_max_num_queries(12):
        rows = csv_rows(client.get(f"/queues/{queue.pk}/export.csv"))
    page = client.get(f"/queues/{queue.pk}/").content.decode()

    assert column(rows, "name") == ["North one", "North two"]
    assert f'href="/queues/{queue.pk}/export.xlsx"' in page


def test_my_activities_export_holds_only_mine(browser_as, admin, sales_north, make_account):
    from stageflow.activities.services import activity_create

    account = make_account(admin, "Acme")
    activity_create(actor=sales_north, via=Via.CLI, parent=account,
                    values={"subject": "+Call back", "kind": "call"})
    activity_create(actor=admin, via=Via.CLI, parent=account, values={"subject": "Admin's"})
    client = browser_as(sales_north)

    rows = xlsx_rows(client.get("/activities/export.xlsx"))

    assert column(rows, "subject") == ["'+Call back"]
    assert column(rows, "record") == ["Acme"]
    assert 'href="/activities/export.csv"' in client.get("/activities/").content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_download_link_follows_a_search_typed_in_the_browser(page, app_url, sign_in,
                                                                 make_user, north,
                                                                 make_account):
    office = make_user("office1", "office", north)
    make_account(office, "Acme Pools", office=north.pk)
    make_account(office, "Bright Windows", office=north.pk)
    sign_in(page, "office1")
    page.goto(f"{app_url}/accounts/")

    page.get_by_role("searchbox", name="Search accounts").fill("acme")
    expect(page.locator("#results")).not_to_contain_text("Bright Windows")
    with page.expect_download() as started:
        page.get_by_role("link", name=re.compile("Excel workbook")).click()

    download = started.value
    assert download.suggested_filename == "accounts.xlsx"
    with open(download.path(), "rb") as file:
        rows = list(load_workbook(io.BytesIO(file.read())).active.iter_rows(values_only=True))
    assert column(rows, "name") == ["Acme Pools"]

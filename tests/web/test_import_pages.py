"""Import pages: upload → map → preview → dry run → import → undo, in the server and a browser."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from stageflow.accounts.models import Account
from stageflow.imports.models import ImportBatch
from stageflow.sales.models import Lead
from tests.imports.conftest import csv_file

ROWS = [["Name", "Email"], ["Acme", "info@acme.example"], ["<b>Beta</b>", "broken"]]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_pages_walk_through_an_import_and_its_undo(admin):
    client = _client(admin)

    uploaded = client.post("/imports/", {"kind": "account", "file": csv_file(ROWS)})
    batch = ImportBatch.objects.get()
    assert uploaded.url == f"/imports/{batch.pk}/mapping/"
    mapping = client.get(uploaded.url)
    assert mapping.status_code == 200
    assert b'<option value="name" selected>Name *</option>' in mapping.content
    assert b"&lt;b&gt;Beta&lt;/b&gt;" in mapping.content

    saved = client.post(uploaded.url, {"column_0": "name", "column_1": "email",
                                       "duplicates": "skip", "good_rows_only": "on"})
    assert saved.url == f"/imports/{batch.pk}/preview/"
    preview = client.get(saved.url).content.decode()
    assert "Email: Enter a valid email address." in preview

    client.post(f"/imports/{batch.pk}/start/", {"dry_run": "1"})
    checked = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "Dry run: nothing was written." in checked
    assert Account.objects.count() == 0

    client.post(f"/imports/{batch.pk}/start/")
    assert list(Account.objects.values_list("name", flat=True)) == ["Acme"]
    problems = client.get(f"/imports/{batch.pk}/problems.csv")
    assert b"3,Email,Enter a valid email address." in b"".join(problems.streaming_content)

    confirm = client.get(f"/imports/{batch.pk}/undo/")
    assert "Yes, undo the import" in confirm.content.decode()
    client.post(f"/imports/{batch.pk}/undo/")
    assert Account.objects.count() == 0


def test_a_bad_file_is_explained_on_the_upload_page(admin):
    response = _client(admin).post("/imports/", {"kind": "account",
                                                 "file": csv_file([["Name"]])})

    assert "The file has a header row but no data rows." in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_others_imports_are_not_found_and_the_list_is_bounded(
        admin, sales_north, django_assert_max_num_queries):
    client = _client(admin)
    for _number in range(4):
        client.post("/imports/", {"kind": "account", "file": csv_file(ROWS)})
    batch = ImportBatch.objects.first()

    assert _client(sales_north).get(f"/imports/{batch.pk}/").status_code == 404
    with django_assert_max_num_queries(12):
        listed = client.get("/imports/")
    assert listed.content.decode().count("import.csv</a>") == 4


def test_the_progress_bar_polls_until_the_import_is_done(admin):
    client = _client(admin)
    client.post("/imports/", {"kind": "account", "file": csv_file(ROWS)})
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(state="checking", processed_rows=1)

    polling = client.get(f"/imports/{batch.pk}/progress/")
    assert 'hx-trigger="every 1s"' in polling.content.decode()
    assert "HX-Refresh" not in polling

    ImportBatch.objects.filter(pk=batch.pk).update(state="checked")
    assert client.get(f"/imports/{batch.pk}/progress/")["HX-Refresh"] == "true"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_upload_map_dry_run_import_and_undo_in_the_browser(page: Page, app_url, sign_in, admin,
                                                           insurance, tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text("Lead,Owner,Source\nRoof repair,admin,Email query\n"
                    "Pool cover,ghost,\n", encoding="utf-8")
    sign_in(page, "admin")
    page.goto(f"{app_url}/imports/")
    page.get_by_label("The file holds").select_option("lead")
    page.get_by_label("CSV (UTF-8) or XLSX file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and map columns").click()

    expect(page.get_by_label("Owner", exact=True)).to_have_value("owner")
    page.get_by_label("Import the good rows").check()
    page.get_by_role("button", name="Save and preview").click()
    expect(page.get_by_text("Owner: No user “ghost”")).to_be_visible()
    page.get_by_role("button", name="Dry run: check every row").click()
    expect(page.get_by_text("Dry run: nothing was written.")).to_be_visible()

    page.get_by_role("button", name=re.compile(r"^Import \d+ rows")).click()
    expect(page.get_by_text("Imported; the 1 rows with errors were left out.")).to_be_visible()
    assert list(Lead.objects.values_list("title", flat=True)) == ["Roof repair"]

    page.get_by_role("button", name="Undo this import").click()
    page.get_by_role("button", name="Yes, undo the import").click()
    expect(page.get_by_text("Undone.", exact=True).first).to_be_visible()
    assert Lead.objects.count() == 0

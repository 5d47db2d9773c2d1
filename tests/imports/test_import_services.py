"""Imports through the service layer: checks, dry runs, migrated history, duplicates, undo."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings

from stageflow.accounts.models import Account, AccountContact, Contact
from stageflow.core.errors import Conflict, InvalidInput, NotAllowed
from stageflow.core.history import history_of
from stageflow.core.models import HistoryEntry, Via
from stageflow.imports import services
from stageflow.imports.models import ImportBatch, RememberedMapping
from stageflow.sales.models import Lead, Opportunity, StageChange
from stageflow.sales.services import record_create
from tests.imports.conftest import csv_file, xlsx_file

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
UTC = dt.UTC


def _run(actor, kind, upload, *, dry_run=False, **choices):
    batch = services.batch_create(actor=actor, kind=kind, upload=upload)
    if choices:
        batch = services.batch_set_mapping(actor=actor, batch=batch, **choices)
    return services.batch_start(actor=actor, batch=batch, dry_run=dry_run)


def test_a_dry_run_of_1000_rows_reports_exactly_the_37_bad_rows_and_writes_nothing(
        admin, insurance):
    header = ["Title", "Owner", "Source", "Created"]
    bad_rows = set(range(5, 1002, 27))  # row numbers as a spreadsheet shows them
    assert len(bad_rows) == 37
    rows = []
    for number in range(2, 1002):
        owner, source, created = "admin", "Email query", "2025-01-02"
        if number in bad_rows:
            kind = number % 3
            owner = "nobody" if kind == 0 else owner
            source = "Carrier pigeon" if kind == 1 else source
            created = "02/01/2025" if kind == 2 else created
        rows.append([f"Lead {number}", owner, source, created])

    batch = _run(admin, "lead", csv_file([header, *rows]), dry_run=True)

    assert batch.state == ImportBatch.State.CHECKED
    assert {problem["row"] for problem in batch.problems} == bad_rows
    assert (batch.created_count, batch.failed_count, batch.skipped_count) == (963, 37, 0)
    first = next(p for p in batch.problems if p["row"] == 5)
    assert first == {"row": 5, "column": "Created",
                     "message": "Enter a date as YYYY-MM-DD (a time may follow)."}
    assert Lead.objects.count() == 0
    assert HistoryEntry.objects.filter(via=Via.IMPORT).count() == 0


def test_one_bad_row_stops_the_import_unless_the_good_rows_are_chosen(admin, insurance):
    rows = [["Title", "Owner"], ["Good", "admin"], ["Bad", "ghost"]]

    refused = _run(admin, "lead", csv_file(rows))
    assert refused.state == ImportBatch.State.FAILED
    assert "nothing was imported" in refused.message
    assert Lead.objects.count() == 0

    imported = _run(admin, "lead", csv_file(rows), good_rows_only=True)
    assert imported.state == ImportBatch.State.DONE
    assert [lead.title for lead in Lead.objects.all()] == ["Good"]
    assert imported.problems == [{"row": 3, "column": "Owner", "message":
                                  "No user “ghost” (give a user name, email or full name)."}]


def test_a_migrated_opportunity_keeps_its_stage_owner_dates_value_and_history(
        admin, sales_north, insurance, make_account):
    make_account(admin, "Acme Ltd")
    rows = [["Deal", "Company", "Salesperson", "Stage", "Created", "Stage entered", "Closed",
             "Amount", "Lost reason"],
            ["Fleet cover", "acme ltd", "Sales_n", "Propose", "2025-01-10", "2025-02-01", "",
             "1500.50", ""],
            ["Old deal", "Acme Ltd", "sales_n@example.com", "won", "2024-03-01", "",
             "2024-06-30", "900", ""]]

    batch = _run(admin, "opportunity", csv_file(rows))

    assert batch.state == ImportBatch.State.DONE, batch.problems
    open_one = Opportunity.objects.get(title="Fleet cover")
    assert (open_one.stage, open_one.status, open_one.owner, open_one.account.name) == (
        "propose", "open", sales_north, "Acme Ltd")
    assert open_one.value == Decimal("1500.50")
    assert open_one.created_at == dt.datetime(2025, 1, 10, tzinfo=UTC)
    assert open_one.stage_entered_at == dt.datetime(2025, 2, 1, tzinfo=UTC)
    assert open_one.probability == 60
    moves = list(open_one.stage_changes.values_list("from_stage", "to_stage", "to_status", "at",
                                                    "seconds_in_previous"))
    assert moves == [("", "qualify", "open", dt.datetime(2025, 1, 10, tzinfo=UTC), None),
                     ("qualify", "propose", "open", dt.datetime(2025, 2, 1, tzinfo=UTC),
                      22 * 86400)]
    won = Opportunity.objects.get(title="Old deal")
    assert (won.status, won.closed_at, won.close_date) == (
        "won", dt.datetime(2024, 6, 30, tzinfo=UTC), dt.date(2024, 6, 30))
    assert won.stage_changes.last().to_status == "won"
    entry = history_of(won).get()
    assert (entry.via, entry.action, entry.actor) == (Via.IMPORT, "created", admin)


def test_names_that_match_nothing_are_errors_naming_row_and_column(admin, insurance):
    rows = [["Title", "Company", "Stage", "Pipeline"],
            ["A", "Unknown Co", "", ""], ["B", "", "nowhere", ""], ["C", "", "", "nope"]]

    batch = _run(admin, "opportunity", csv_file(rows), dry_run=True)

    assert [(p["row"], p["column"], p["message"]) for p in batch.problems] == [
        (2, "Company", "No account “Unknown Co” that you can see."),
        (3, "Stage", "No stage “nowhere” in pipeline Opportunities."),
        (4, "Pipeline", "No live pipeline “nope” for this record type.")]


def test_duplicates_are_found_by_email_phone_and_name_in_the_database_and_the_file(
        admin, make_account):
    make_account(admin, "Acme", email="info@acme.example")
    make_account(admin, "Beta", phone="+1 415 555 0100")
    make_account(admin, "Gamma")
    rows = [["Name", "Email", "Phone"],
            ["Acme Inc", "INFO@acme.example", ""],
            ["Beta Two", "", "(415) 555-0100"],
            ["gamma", "", ""],
            ["Delta", "delta@example.com", ""],
            ["Delta again", "delta@example.com", ""]]

    batch = _run(admin, "account", csv_file(rows), dry_run=True)

    assert (batch.created_count, batch.skipped_count) == (1, 4)
    assert [(p["row"], p["message"]) for p in batch.problems] == [
        (2, "A record with the same email exists."),
        (3, "A record with the same phone exists."),
        (4, "A record with the same name exists."),
        (6, "Same email as row 5.")]


def test_update_then_undo_restores_the_old_values_and_removes_what_was_created(
        admin, make_account):
    acme = make_account(admin, "Acme", email="info@acme.example", website="acme.example")
    rows = [["Name", "Email", "Website"], ["Acme", "info@acme.example", "new.example"],
            ["Zeta", "zeta@example.com", ""]]

    batch = _run(admin, "account", csv_file(rows), duplicates="update")

    acme.refresh_from_db()
    assert (batch.created_count, batch.updated_count) == (1, 1)
    assert (acme.website, acme.version) == ("https://new.example", 2)

    undone = services.batch_undo(actor=admin, batch=batch)

    acme.refresh_from_db()
    assert undone.state == ImportBatch.State.UNDONE
    assert acme.website == "https://acme.example"
    assert list(Account.objects.values_list("name", flat=True)) == ["Acme"]


def test_undo_refuses_naming_records_changed_since_and_can_keep_them(admin, insurance):
    batch = _run(admin, "lead", csv_file([["Title"], ["Kept"], ["Gone"]]))
    from stageflow.sales.services import record_update

    kept = Lead.objects.get(title="Kept")
    record_update(actor=admin, via=Via.WEB, record=kept, values={"description": "worked on"})

    with pytest.raises(Conflict) as refused:
        services.batch_undo(actor=admin, batch=batch)
    assert "Kept" in refused.value.message
    assert Lead.objects.count() == 2

    services.batch_undo(actor=admin, batch=batch, keep_changed=True)
    assert list(Lead.objects.values_list("title", flat=True)) == ["Kept"]
    batch.refresh_from_db()
    assert batch.message == "Undone, except 1 records that changed since: Kept."


def test_xlsx_contacts_link_to_their_account_and_the_mapping_is_remembered(
        admin, make_account):
    acme = make_account(admin, "Acme")
    rows = [["First name", "Surname", "E-mail", "Company", "Job title"],
            ["Jane", "Stone", "jane@acme.example", "Acme", "Buyer"]]

    batch = _run(admin, "contact", xlsx_file(rows))

    jane = Contact.objects.get()
    assert (jane.first_name, jane.last_name, jane.email) == ("Jane", "Stone",
                                                             "jane@acme.example")
    assert AccountContact.objects.get().account == acme
    assert batch.mapping == ["first_name", "last_name", "email", "account", "job_title"]
    second = services.batch_create(actor=admin, kind="contact", upload=xlsx_file(rows))
    services.batch_set_mapping(actor=admin, batch=second,
                               mapping=["first_name", "last_name", "email", "", ""])
    third = services.batch_create(actor=admin, kind="contact", upload=xlsx_file(rows))
    assert third.mapping == ["first_name", "last_name", "email", "", ""]
    assert RememberedMapping.objects.count() == 1


def test_semicolon_csv_with_a_bom_is_read(admin):
    batch = _run(admin, "account", csv_file([["Name", "City"], ["Ölmühle", "Köln"]],
                                            delimiter=";", bom=True),
                 mapping=["name", "billing_city"])

    assert batch.headers == ["Name", "City"]
    assert Account.objects.get().billing_city == "Köln"


def test_a_mapping_must_name_the_required_fields_once(admin):
    batch = services.batch_create(actor=admin, kind="account",
                                  upload=csv_file([["A", "B"], ["x", "y"]]))

    with pytest.raises(InvalidInput) as missing:
        services.batch_set_mapping(actor=admin, batch=batch, mapping=["email", "email"])

    assert missing.value.fields == {"B": "Email is already taken by column “A”.",
                                    "Name": "Choose the column that holds this field."}


def test_importing_needs_the_create_right(make_user, north):
    viewer = make_user("viewer", "technician", north)

    with pytest.raises(NotAllowed):
        services.batch_create(actor=viewer, kind="account",
                              upload=csv_file([["Name"], ["x"]]))
    assert ImportBatch.objects.count() == 0


def test_imported_records_fire_no_created_rules_unless_asked(admin, insurance, monkeypatch):
    from stageflow.core import events

    seen: list[str] = []
    monkeypatch.setitem(events.IMMEDIATE_HANDLERS, "lead.created", [
        lambda event: seen.append(event.name)])

    _run(admin, "lead", csv_file([["Title"], ["Quiet"]]))
    assert seen == []
    _run(admin, "lead", csv_file([["Title"], ["Loud"]]), run_rules=True)
    assert seen == ["lead.created"]


def test_a_large_file_runs_in_the_background_with_progress(
        admin, insurance, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "INLINE_ROWS", 2)
    monkeypatch.setattr(services, "CHUNK_ROWS", 2)
    upload = csv_file([["Title"], ["One"], ["Two"], ["Three"]])
    batch = services.batch_create(actor=admin, kind="lead", upload=upload)

    with override_settings(TASKS=IMMEDIATE), \
            django_capture_on_commit_callbacks(execute=True) as callbacks:
        queued = services.batch_start(actor=admin, batch=batch, dry_run=False)

    assert queued.state == ImportBatch.State.QUEUED
    assert len(callbacks) == 1
    batch.refresh_from_db()
    assert (batch.state, batch.processed_rows, batch.created_count) == ("done", 3, 3)
    assert Lead.objects.count() == 3


def test_a_record_created_after_the_import_keeps_an_account_from_undo(admin, insurance):
    batch = _run(admin, "account", csv_file([["Name"], ["Acme"]]))
    record_create(actor=admin, via=Via.WEB, kind="lead",
                  values={"title": "New", "account": Account.objects.get().pk})

    with pytest.raises(Conflict) as refused:
        services.batch_undo(actor=admin, batch=batch)

    assert refused.value.fields == {"records": "Acme"}
    assert StageChange.objects.count() == 1


def test_a_chunk_that_fails_to_write_takes_back_the_chunks_before_it(admin, insurance,
                                                                     monkeypatch):
    monkeypatch.setattr(services, "CHUNK_ROWS", 2)
    original = services._Writer.write
    calls = []

    def fail_on_second_chunk(writer, plans):
        calls.append(len(plans))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        original(writer, plans)

    monkeypatch.setattr(services._Writer, "write", fail_on_second_chunk)

    batch = _run(admin, "lead", csv_file([["Title"], ["One"], ["Two"], ["Three"]]))

    assert calls == [2, 1]
    assert (batch.state, batch.message) == (
        "failed", "The import failed unexpectedly; nothing was imported.")
    assert Lead.objects.count() == 0
    assert StageChange.objects.count() == 0
    assert not batch.records.exists()


def test_checking_and_writing_cost_a_few_queries_per_chunk_not_per_row(
        admin, sales_north, insurance, make_account, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_account(admin, "Acme")
    monkeypatch.setattr(services, "CHUNK_ROWS", 50)

    def queries(rows: int) -> int:
        lines = [["Title", "Company", "Owner", "Source", "Stage", "Created"]]
        lines += [[f"Lead {rows}-{n}", "Acme", "sales_n", "Email query", "working",
                   "2025-01-01"] for n in range(rows)]
        batch = services.batch_create(actor=admin, kind="lead", upload=csv_file(lines))
        with CaptureQueriesContext(connection) as captured:
            done = services.batch_start(actor=admin, batch=batch, dry_run=False)
        assert done.created_count == rows
        return len(captured)

    fifty, two_hundred = queries(50), queries(200)

    # Each further chunk of 50 rows: about 4 queries to check it and 6 to write it.
    assert fifty <= 35
    assert two_hundred - fifty <= 3 * 12

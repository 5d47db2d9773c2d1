"""`stageflow export`: the overview and report tables from the command line, with the
overviews' filters, in a user's scope or the whole workspace's."""

from __future__ import annotations

import csv
import datetime as dt
import io
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from stageflow.core.models import Via
from stageflow.people.models import User
from stageflow.reports.base import REPORTS, Column, Report, ReportFilters, ReportSpec
from stageflow.sales import services


def export(*args: str) -> list[list[str]]:
    out = StringIO()
    call_command("export", *args, stdout=out, stderr=StringIO())
    return list(csv.reader(io.StringIO(out.getvalue())))


def column(rows: list[Any], name: str) -> list[Any]:
    index = list(rows[0]).index(name)
    return [row[index] for row in rows[1:]]


def opportunity(actor: User, title: str, **values: Any) -> None:
    services.record_create(actor=actor, via=Via.CLI, kind="opportunity",
                           values={"title": title, **values})


def test_exports_the_filtered_overview_of_the_whole_workspace(training, admin, sales_north,
                                                              sales_south):
    opportunity(sales_north, "Alpha north", value="500")
    opportunity(sales_south, "Alpha south", value="50")
    opportunity(sales_south, "Beta")

    everything = export("opportunities", "--filter", "q=alpha", "--filter", "sort=title")
    big = export("opportunities", "--filter", "value_min=100", "--filter", "owner=sales_n")

    assert column(everything, "title") == ["Alpha north", "Alpha south"]
    assert column(big, "title") == ["Alpha north"]


def test_a_users_export_holds_only_what_they_may_see(training, admin, sales_north,
                                                     sales_south):
    opportunity(sales_north, "North deal")
    opportunity(sales_south, "South deal")

    rows = export("opportunities", "--user", "sales_n")

    assert column(rows, "title") == ["North deal"]


def test_xlsx_file_is_typed_and_neutralised(tmp_path: Path, admin, make_account, north, south):
    make_account(admin, "@SUM(A1)", customer_status="active", office=north.pk)
    make_account(admin, "Quiet", customer_status="lead", office=south.pk)
    target = tmp_path / "accounts.xlsx"

    call_command("export", "accounts", "--output", str(target), "--filter", "office=north",
                 stdout=StringIO(), stderr=StringIO())

    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert column(rows, "name") == ["'@SUM(A1)"]
    assert isinstance(column(rows, "created_at")[0], dt.datetime)


def test_csv_file_starts_with_a_byte_order_mark(tmp_path: Path, admin, make_contact):
    make_contact(admin, "Lee", first_name="Ann")
    target = tmp_path / "contacts.csv"

    call_command("export", "contacts", "-o", str(target), "--filter", "q=ann",
                 stdout=StringIO(), stderr=StringIO())

    text = target.read_text(encoding="utf-8")
    assert text.startswith("\ufeffid,")
    assert column(list(csv.reader(io.StringIO(text.lstrip("\ufeff")))), "last_name") == ["Lee"]


def test_report_branch_builds_the_registered_report_with_parsed_filters(monkeypatch, admin,
                                                                        north):
    seen: list[tuple[User, ReportFilters]] = []

    def build(user: User, filters: ReportFilters) -> Report:
        seen.append((user, filters))
        return Report(key="sample", title="Sample", columns=[
            Column("stage", "Stage"), Column("count", "Records", "count")],
            rows=[{"stage": "=New", "count": 3}, {"stage": "Won", "count": 1}])

    monkeypatch.setitem(REPORTS, "sample", ReportSpec(
        key="sample", title="Sample", description="", build=build))

    rows = export("report", "sample", "--user", "admin", "--filter", "owner=admin",
                  "--filter", f"office={north.pk}", "--filter", "as_of=2026-01-31")

    assert rows == [["Stage", "Records"], ["'=New", "3"], ["Won", "1"]]
    user, filters = seen[0]
    assert user == admin
    assert (filters.owner, filters.office, filters.as_of) == (admin.pk, north.pk,
                                                              dt.date(2026, 1, 31))


@pytest.mark.parametrize(("args", "message"), [
    (["leads", "--filter", "colour=red"], "--filter colour: unknown filter"),
    (["leads", "--filter", "q"], "KEY=VALUE"),
    (["accounts", "--format", "xlsx"], "--output"),
    (["leads", "--user", "nobody"], "no active user named 'nobody'"),
    (["leads", "--filter", "owner=nobody"], "no user named 'nobody'"),
    (["opportunities", "--filter", "value_min=lots"], "not a number"),
    (["report"], "Name the report's key"),
    (["report", "no_such_report"], "No report 'no_such_report'"),
    (["report", "no_such_report", "--filter", "date_from=31/01/2026"], "not a date"),
])
def test_bad_arguments_get_a_clear_error(db, args: list[str], message: str):
    with pytest.raises(CommandError, match=message):
        export(*args)

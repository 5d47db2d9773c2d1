"""`stageflow export`: an overview or a report as CSV or XLSX from the command line.

The tables are the ones the overview pages download, built from the same query-string filters
(`--filter q=acme --filter status=active`), so a file made here matches what a user would get
from the page. With `--user` the user's scope applies; without it, the whole workspace.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.utils.translation import get_language

from stageflow.accounts import selectors as account_selectors
from stageflow.core.errors import StageflowError
from stageflow.core.tabular import FORMATS, csv_lines, xlsx_bytes
from stageflow.people.models import Office, User
from stageflow.reports.base import REPORTS, ReportFilters
from stageflow.web.records.export import (
    Table,
    account_table,
    contact_table,
    record_table,
    report_table,
)
from stageflow.web.records.overview import overview_records
from stageflow.web.views import account_filters, contact_filters

TABLES: Final = ("leads", "opportunities", "accounts", "contacts", "report")
# The query-string names each overview understands (its page's filters, search and sort).
FILTER_KEYS: Final[dict[str, frozenset[str]]] = {
    "records": frozenset({"q", "view", "stage_group", "stage", "status", "owner", "office",
                          "pipeline", "tag", "source", "priority", "value_min", "value_max",
                          "sort"}),
    "accounts": frozenset({"q", "status", "office", "owner", "top", "sort"}),
    "contacts": frozenset({"q", "office", "owner", "sort"}),
    "report": frozenset(f.name for f in dataclasses.fields(ReportFilters)),
}
REPORT_DATES: Final = ("date_from", "date_to", "as_of")


def _workspace_reader() -> User:
    """An unsaved superuser: scope "all" on every record type, for exports without --user."""
    reader = User(username="stageflow-export", is_superuser=True, is_active=True)
    reader._stageflow_office_ids = frozenset()  # type: ignore[attr-defined]
    return reader


class Command(BaseCommand):
    help = ("Export leads, opportunities, accounts, contacts or a report as CSV or XLSX, with "
            "the overview's filters (--filter key=value).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("table", choices=TABLES)
        parser.add_argument("report", nargs="?", help="The report's key (with `report`).")
        parser.add_argument("--format", choices=FORMATS,
                            help="csv or xlsx (default: from the output file's extension, "
                                 "else csv).")
        parser.add_argument("-o", "--output", type=Path,
                            help="File to write (default: CSV to standard output).")
        parser.add_argument("--filter", dest="filters", action="append", default=[],
                            metavar="KEY=VALUE",
                            help="A filter as the overview's query string names it, e.g. "
                                 "q=acme, status=open, owner=USERNAME, office=NAME, "
                                 "sort=-value, attr_budget=high; reports: pipeline, owner, "
                                 "office, source, date_from, date_to, as_of (YYYY-MM-DD), "
                                 "group_by, record_type. Repeat for several.")
        parser.add_argument("--user", help="Export what this user may see (default: "
                                           "everything).")

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path | None = options["output"]
        fmt = options["format"] or ("xlsx" if output and output.suffix.lower() == ".xlsx"
                                    else "csv")
        if fmt == "xlsx" and output is None:
            raise CommandError("XLSX is a binary file: name it with --output FILE.")
        user = self._user(options["user"])
        name = options["table"]
        if (name == "report") != bool(options["report"]):
            raise CommandError("Name the report's key after `report` (and only there): "
                               f"{', '.join(sorted(REPORTS)) or 'none registered'}.")
        filters = self._filters(name, options["filters"])
        try:
            table = self._table(name, options["report"], user, filters)
            written = self._write(table, fmt, output)
        except StageflowError as error:
            details = "".join(f"\n  {field}: {why}" for field, why in error.fields.items())
            raise CommandError(f"{error.message}{details}") from error
        where = output or "standard output"
        self.stderr.write(f"{written} rows written to {where}.")

    def _user(self, username: str | None) -> User:
        if username is None:
            return _workspace_reader()
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"--user: no active user named {username!r}.")
        return user

    def _filters(self, name: str, pairs: Sequence[str]) -> dict[str, str]:
        group = name if name in FILTER_KEYS else "records"
        known = FILTER_KEYS[group]
        filters: dict[str, str] = {}
        for pair in pairs:
            key, sep, value = pair.partition("=")
            key = key.strip()
            if not sep or not key:
                raise CommandError(f"--filter {pair!r}: write it as KEY=VALUE.")
            if key not in known and not (group == "records" and key.startswith("attr_")):
                raise CommandError(f"--filter {key}: unknown filter for {name}; use one of "
                                   f"{', '.join(sorted(known))}.")
            filters[key] = self._value(key, value.strip())
        return filters

    def _value(self, key: str, value: str) -> str:
        """The value as the overview's query string carries it: people and offices as ids,
        numbers and dates checked."""
        if key == "owner" and not value.isdigit():
            found = User.objects.filter(username=value).values_list("pk", flat=True).first()
            if found is None:
                raise CommandError(f"--filter owner: no user named {value!r}.")
            return str(found)
        if key == "office" and not value.isdigit():
            office = Office.objects.filter(Q(name__iexact=value) | Q(code__iexact=value)).first()
            if office is None:
                raise CommandError(f"--filter office: no office named {value!r}.")
            return str(office.pk)
        if key in ("value_min", "value_max"):
            try:
                Decimal(value)
            except InvalidOperation:
                raise CommandError(f"--filter {key}: {value!r} is not a number.") from None
        if key in REPORT_DATES:
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                raise CommandError(f"--filter {key}: {value!r} is not a date "
                                   "(YYYY-MM-DD).") from None
        return value

    def _table(self, name: str, report: str | None, user: User,
               filters: dict[str, str]) -> Table:
        lang = get_language() or settings.LANGUAGE_CODE
        if name in ("leads", "opportunities"):
            kind = "lead" if name == "leads" else "opportunity"
            return record_table(kind, overview_records(user, kind, filters), lang)
        if name == "accounts":
            return account_table(account_selectors.account_list(
                user=user, **account_filters(filters)))
        if name == "contacts":
            return contact_table(account_selectors.contact_list(
                user=user, **contact_filters(filters)), user)
        spec = REPORTS.get(report or "")
        if spec is None:
            raise CommandError(f"No report {report!r}; the reports are: "
                               f"{', '.join(sorted(REPORTS)) or 'none registered'}.")
        return report_table(spec.build(user, _report_filters(filters)))

    def _write(self, table: Table, fmt: str, output: Path | None) -> int:
        counted = _Counted(table.rows)
        if fmt == "xlsx":
            assert output is not None
            output.write_bytes(xlsx_bytes(table.header, counted, table.title))
            return counted.count
        if output is None:
            for line in csv_lines(table.header, counted):
                self.stdout.write(line, ending="")
            return counted.count
        with output.open("w", encoding="utf-8", newline="") as file:
            file.write("\ufeff")  # spreadsheet programs need it to read accents right
            file.writelines(csv_lines(table.header, counted))
        return counted.count


class _Counted:
    """Rows passed through, counted."""

    def __init__(self, rows: Iterable[Sequence[Any]]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[Sequence[Any]]:
        for row in self.rows:
            self.count += 1
            yield row


def _report_filters(filters: dict[str, str]) -> ReportFilters:
    values: dict[str, Any] = dict(filters)
    for key in ("owner", "office"):
        if key in values:
            values[key] = int(values[key])
    for key in REPORT_DATES:
        if key in values:
            values[key] = dt.date.fromisoformat(values[key])
    return ReportFilters(**values)

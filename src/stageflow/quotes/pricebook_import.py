"""Loading the price book from a CSV file: previewed first, then all rows or none.

Columns: code, name, description, unit, unit_price, tax_rate, category, active (code, name
and unit_price are required; the others may be left out). A row whose code exists updates that
item; any other row adds one. Every problem is reported as "row N, column X" where N is the
line of the file (the header is line 1).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from stageflow.core.errors import InvalidInput
from stageflow.core.models import Via
from stageflow.people.models import User
from stageflow.quotes.access import ensure_may_manage_price_book
from stageflow.quotes.models import PriceBookItem
from stageflow.quotes.services import (
    PRICE_BOOK_FIELDS,
    price_book_item_create,
    price_book_item_update,
)

COLUMNS = PRICE_BOOK_FIELDS
REQUIRED_COLUMNS = ("code", "name", "unit_price")
MAX_ROWS = 5000
MAX_BYTES = 1_000_000
MAX_REPORTED_PROBLEMS = 50


@dataclass(frozen=True)
class ImportRow:
    line: int
    code: str
    name: str
    unit_price: Decimal
    action: str  # "create", "update" or "unchanged"


@dataclass(frozen=True)
class ImportResult:
    rows: list[ImportRow]
    dry_run: bool

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def created(self) -> int:
        return self.count("create")

    @property
    def updated(self) -> int:
        return self.count("update")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")


def _text(data: str | bytes) -> str:
    if isinstance(data, str):
        return data
    if len(data) > MAX_BYTES:
        raise InvalidInput(_("The file is too large (at most 1 MB)."),
                           fields={"file": _("too large")})
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(_("Save the file as CSV in UTF-8."),
                           fields={"file": _("not UTF-8 text")}) from None


def _records(text: str) -> list[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if not header or not any(cell.strip() for cell in header):
        raise InvalidInput(_("The file is empty."), fields={"file": _("no header row")})
    columns = [cell.strip().lower() for cell in header]
    problems = {}
    for column in columns:
        if column not in COLUMNS:
            problems[f"columns.{column}"] = _("Unknown column; use %(columns)s.") % {
                "columns": ", ".join(COLUMNS)}
    for column in REQUIRED_COLUMNS:
        if column not in columns:
            problems[f"columns.{column}"] = _("This column is required.")
    duplicates = {column for column in columns if columns.count(column) > 1}
    for column in duplicates:
        problems[f"columns.{column}"] = _("This column appears twice.")
    if problems:
        raise InvalidInput(_("The header row needs attention."), fields=problems)
    rows: list[tuple[int, dict[str, str]]] = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise InvalidInput(_("At most %(count)s rows per file.") % {"count": MAX_ROWS},
                               fields={"file": _("too many rows")})
        if len(cells) > len(columns):
            raise InvalidInput(
                _("Row %(line)s has more cells than the header.") % {"line": reader.line_num},
                fields={f"rows.{reader.line_num}": _("more cells than columns")})
        rows.append((reader.line_num, dict(zip(columns, cells, strict=False))))
    return rows


def _values(cells: dict[str, str]) -> dict[str, str]:
    values = {column: cell.strip() for column, cell in cells.items()}
    if values.get("active") == "":
        values["active"] = "yes"  # an empty cell keeps the usual: the item is offered
    if values.get("tax_rate") == "":
        values["tax_rate"] = "0"
    return values


def price_book_import(*, actor: User, via: Via, data: str | bytes,
                      dry_run: bool) -> ImportResult:
    """Check every row and apply them all, or none when any has a problem.

    With `dry_run` nothing is kept; the result says what each row would do.
    InvalidInput names each problem as `rows.<line>.<column>`.
    """
    ensure_may_manage_price_book(actor)
    records = _records(_text(data))
    if not records:
        raise InvalidInput(_("The file has no rows under its header."),
                           fields={"file": _("no rows")})
    seen: dict[str, int] = {}
    with transaction.atomic():
        existing = {item.code: item for item in PriceBookItem.objects.filter(
            code__in=[cells.get("code", "").strip() for _line, cells in records])}
        results: list[ImportRow] = []
        problems: dict[str, str] = {}
        for line, cells in records:
            values = _values(cells)
            code = values.get("code", "")
            if code in seen:
                problems[f"rows.{line}.code"] = _("The code is also on row %(line)s.") % {
                    "line": seen[code]}
                continue
            seen[code] = line
            item = existing.get(code)
            try:
                # A savepoint per row: a refused row must not poison the file's transaction.
                with transaction.atomic():
                    if item is None:
                        saved = price_book_item_create(actor=actor, via=via, values=values)
                        action = "create"
                    else:
                        before = item.version
                        saved = price_book_item_update(actor=actor, via=via, item=item,
                                                       values=values)
                        action = "update" if saved.version != before else "unchanged"
            except InvalidInput as error:
                for column, why in error.fields.items():
                    problems[f"rows.{line}.{column}"] = why
                continue
            results.append(ImportRow(line=line, code=saved.code, name=saved.name,
                                     unit_price=saved.unit_price, action=action))
        if problems:
            raise InvalidInput(_describe(problems), fields=problems)
        if dry_run:
            transaction.set_rollback(True)
    return ImportResult(rows=results, dry_run=dry_run)


def _describe(problems: dict[str, str]) -> str:
    """"Row 3, column unit_price: …" for the first problems, so a person can fix the file."""
    lines = []
    for key, why in list(problems.items())[:MAX_REPORTED_PROBLEMS]:
        parts = key.split(".")
        if parts[0] == "rows" and len(parts) == 3:
            lines.append(_("Row %(line)s, column %(column)s: %(why)s")
                         % {"line": parts[1], "column": parts[2], "why": why})
        else:
            lines.append(f"{key}: {why}")
    more = len(problems) - MAX_REPORTED_PROBLEMS
    if more > 0:
        lines.append(_("… and %(count)s more.") % {"count": more})
    return _("Nothing was imported. ") + " ".join(lines)

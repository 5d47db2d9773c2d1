"""Tables out of Stageflow as CSV or XLSX: overviews, reports, `stageflow export`.

Whatever users typed is data: a text cell that a spreadsheet would read as a formula is
prefixed with a single quote, in CSV and in XLSX alike. Numbers, dates and booleans stay typed
in XLSX so a spreadsheet can add them up.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.text import get_valid_filename

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
FORMATS: Final = ("csv", "xlsx")
CONTENT_TYPES: Final = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_TYPED: Final = (int, float, Decimal, date, datetime, bool)


class UnknownFormat(ValueError):
    def __init__(self, fmt: str) -> None:
        super().__init__(f"Unknown format {fmt!r}: use one of {', '.join(FORMATS)}.")
        self.fmt = fmt


def neutralise(value: Any) -> str:
    """The cell text, with a leading quote when it starts like a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell_text(value: Any) -> str:
    """A value as one CSV cell: lists joined with commas, dates in ISO form, None empty."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return neutralise(", ".join(str(item) for item in value))
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return neutralise(value)


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # openpyxl cannot store an aware datetime
    if isinstance(value, _TYPED):
        return value
    return cell_text(value)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The CSV text, a line at a time, so a large table streams."""
    writer = csv.writer(_Echo())
    yield writer.writerow([cell_text(label) for label in header])
    for row in rows:
        yield writer.writerow([cell_text(value) for value in row])


def xlsx_bytes(header: Sequence[Any], rows: Iterable[Sequence[Any]],
               title: str = "Export") -> bytes:
    """One worksheet with a bold header row, written in openpyxl's streaming mode."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=neutralise(title)[:31].replace("'", "") or "Export")
    bold = Font(bold=True)
    header_cells = []
    for label in header:
        cell = WriteOnlyCell(sheet, value=cell_text(label))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_xlsx_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_table(fmt: str, header: Sequence[Any], rows: Iterable[Sequence[Any]],
                title: str = "Export") -> bytes:
    """The whole table in `fmt` ("csv" or "xlsx") as bytes (CSV in UTF-8 with a BOM, which
    spreadsheet programs need to read accented letters right)."""
    if fmt == "csv":
        return ("\ufeff" + "".join(csv_lines(header, rows))).encode("utf-8")
    if fmt == "xlsx":
        return xlsx_bytes(header, rows, title)
    raise UnknownFormat(fmt)


def table_response(fmt: str, filename: str, header: Sequence[Any],
                   rows: Iterable[Sequence[Any]], title: str = "Export") -> HttpResponse:
    """A download of the table; CSV streams, XLSX is built whole (the format needs it)."""
    if fmt not in FORMATS:
        raise UnknownFormat(fmt)
    name = f"{get_valid_filename(filename) or 'export'}.{fmt}"
    response: HttpResponse
    if fmt == "csv":
        response = StreamingHttpResponse(  # type: ignore[assignment]
            csv_lines(header, rows), content_type=CONTENT_TYPES["csv"])
    else:
        response = HttpResponse(xlsx_bytes(header, rows, title),
                                content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

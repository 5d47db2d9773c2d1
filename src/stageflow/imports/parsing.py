"""Reading an uploaded CSV or XLSX file as a header and rows of text, with clear refusals.

Row numbers are those a spreadsheet shows: the header is usually row 1, the first data row
row 2. Entirely blank rows are passed over, and keep their number for the rows after them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.utils.translation import gettext as _

from stageflow.core.errors import InvalidInput

MAX_BYTES = 25 * 2**20
MAX_COLUMNS = 200
_SNIFF_BYTES = 64 * 1024
_DELIMITERS = ",;\t|"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"

Row = tuple[int, list[str]]


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message, fields={"file": message})


@dataclass(frozen=True, slots=True)
class FileShape:
    file_format: str
    delimiter: str
    headers: list[str]
    total_rows: int


def check_size(size: int | None) -> None:
    """Refuse an empty or too large file from its size alone, before reading it."""
    if not size:
        raise _refuse(_("The file is empty."))
    if size > MAX_BYTES:
        raise _refuse(_("The file is larger than %(mb)s MB; split it into smaller files.")
                      % {"mb": MAX_BYTES // 2**20})


def detect_format(head: bytes, name: str) -> str:
    """"xlsx" or "csv" from the first bytes of the file (the name only breaks no ties)."""
    if head.startswith(_ZIP_MAGIC):
        return "xlsx"
    if head.startswith(_OLE_MAGIC) or name.lower().endswith(".xls"):
        raise _refuse(_("This is an old Excel (.xls) file: save it as .xlsx or CSV first."))
    if name.lower().endswith(".xlsx"):
        raise _refuse(_("This file is not a valid XLSX workbook."))
    if b"\x00" in head:
        raise _refuse(_("This is not a text file: upload a CSV (UTF-8) or an XLSX workbook."))
    return "csv"


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise _refuse(_("The file is not UTF-8 text (line %(line)s): save it as “CSV UTF-8” "
                        "and upload it again.") % {"line": line}) from error


def _sniff_delimiter(text: str) -> str:
    sample = text[:_SNIFF_BYTES]
    # Only whole lines: a cut-off quoted field confuses the sniffer.
    if len(text) > _SNIFF_BYTES and "\n" in sample:
        sample = sample[:sample.rindex("\n")]
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        return ","


def _csv_rows(text: str, delimiter: str) -> Iterator[list[str]]:
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as error:
        raise _refuse(_("The CSV file cannot be read: %(why)s.") % {"why": error}) from error


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise _refuse(_("This file is not a valid XLSX workbook.")) from error
    try:
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_cell_text(value) for value in values]
    finally:
        workbook.close()


class Table:
    """The header and the data rows of one file."""

    def __init__(self, data: bytes, file_format: str, delimiter: str = "") -> None:
        self.file_format = file_format
        if file_format == "xlsx":
            self.delimiter = ""
            self._text = ""
            self._data = data
        else:
            self._text = _decode(data)
            self.delimiter = delimiter or _sniff_delimiter(self._text)
            self._data = b""
        self.headers = self._read_headers()

    def _raw(self) -> Iterator[list[str]]:
        if self.file_format == "xlsx":
            return _xlsx_rows(self._data)
        return _csv_rows(self._text, self.delimiter)

    def _read_headers(self) -> list[str]:
        raw = self._raw()
        for cells in raw:
            headers = [cell.strip() for cell in cells]
            if any(headers):
                while headers and not headers[-1]:
                    headers.pop()
                if len(headers) > MAX_COLUMNS:
                    raise _refuse(_("The file has more than %(n)s columns.") % {"n": MAX_COLUMNS})
                return headers
        raise _refuse(_("The file is empty."))

    def rows(self) -> Iterator[Row]:
        """Every non-blank data row with its row number, cells padded to the header's width."""
        width = len(self.headers)
        seen_header = False
        for number, cells in enumerate(self._raw(), start=1):
            if not any(cell.strip() for cell in cells):
                continue
            if not seen_header:
                seen_header = True
                continue
            cells = [cell.strip() for cell in cells[:width]]
            yield number, cells + [""] * (width - len(cells))


def read_table(stream: IO[bytes], name: str, size: int | None, delimiter: str = "") -> Table:
    check_size(size)
    head = stream.read(8192)
    file_format = detect_format(head, name)
    data = head + stream.read(MAX_BYTES + 1 - len(head))
    if len(data) > MAX_BYTES:
        raise _refuse(_("The file is larger than %(mb)s MB; split it into smaller files.")
                      % {"mb": MAX_BYTES // 2**20})
    return Table(data, file_format, delimiter)


def shape_of(table: Table) -> FileShape:
    """The file's format, delimiter, header and number of data rows; refuses a file with none."""
    total = sum(1 for _row in table.rows())
    if not total:
        raise _refuse(_("The file has a header row but no data rows."))
    return FileShape(file_format=table.file_format, delimiter=table.delimiter,
                     headers=table.headers, total_rows=total)

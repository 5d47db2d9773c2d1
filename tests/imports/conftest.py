"""Building import files in memory."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from django.core.files.uploadedfile import SimpleUploadedFile


def csv_file(rows: Sequence[Sequence[object]], *, name: str = "import.csv",
             delimiter: str = ",", bom: bool = False) -> SimpleUploadedFile:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter).writerows(rows)
    data = text.getvalue().encode("utf-8")
    return SimpleUploadedFile(name, (b"\xef\xbb\xbf" if bom else b"") + data, "text/csv")


def xlsx_file(rows: Sequence[Sequence[object]], *, name: str = "import.xlsx") -> SimpleUploadedFile:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile(name, out.getvalue(),
                              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

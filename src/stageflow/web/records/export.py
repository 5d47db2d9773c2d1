"""CSV export of leads and opportunities. Whatever users typed is data: a cell that a
spreadsheet would read as a formula is prefixed with a single quote."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any, Final

from django.db.models import QuerySet

from stageflow.pipelines.selectors import attributes_of
from stageflow.sales.selectors import attach_definitions
from stageflow.web.records.display import definition, stage_label, step_label

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
CHUNK: Final = 500


def neutralise(value: Any) -> str:
    """The cell text, with a leading quote when it starts like a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_rows(kind: str, records: QuerySet[Any], lang: str) -> Iterator[str]:
    """The CSV text of the records, row by row, loading them in chunks."""
    attribute_keys = list(attributes_of(kind).filter(active=True).values_list("key", flat=True))
    header = ["id", "title", "pipeline", "stage", "step", "status", "owner", "office",
              "account", "contact", "source", "category", "priority"]
    if kind == "opportunity":
        header += ["value", "currency", "expected_close_date", "probability"]
    header += ["tags", "created_at", *attribute_keys]
    writer = csv.writer(_Echo())
    yield writer.writerow([neutralise(h) for h in header])
    offset = 0
    while True:
        chunk = list(records[offset:offset + CHUNK])
        if not chunk:
            return
        attach_definitions(chunk)
        for record in chunk:
            found = definition(record)
            row: list[Any] = [
                record.pk, record.title, record.pipeline.key,
                stage_label(found, record.stage, lang), step_label(found, record.step),
                record.status, record.owner or "", record.office or "", record.account or "",
                record.contact or "", record.source, record.category, record.priority]
            if kind == "opportunity":
                row += [record.value, record.currency, record.expected_close_date or "",
                        record.probability if record.probability is not None else ""]
            row += [", ".join(t.name for t in record.tags.all()), record.created_at.isoformat()]
            attributes = record.attributes or {}
            row += [_cell(attributes.get(key)) for key in attribute_keys]
            yield writer.writerow([neutralise(value) for value in row])
        offset += CHUNK


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)

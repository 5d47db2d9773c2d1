"""/api/v1/imports: upload a CSV/XLSX file, map its columns, dry-run, run and undo (see
stageflow.imports)."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Schema, Status, UploadedFile

from stageflow.api.common import Ref, caller, ref
from stageflow.core.tabular import table_response
from stageflow.imports import selectors, services
from stageflow.imports.fields import field_options
from stageflow.imports.models import ImportBatch

router = Router(tags=["imports"])


class CountsOut(Schema):
    created: int
    updated: int
    skipped: int
    failed: int


class ProblemOut(Schema):
    row: int
    column: str
    message: str


class FieldOptionOut(Schema):
    key: str
    label: str
    required: bool


class BatchOut(Schema):
    id: int
    kind: str
    state: str
    file_name: str
    file_format: str
    headers: list[str]
    mapping: list[str]
    duplicates: str
    good_rows_only: bool
    run_rules: bool
    dry_run: bool
    total_rows: int
    processed_rows: int
    percent: int
    counts: CountsOut
    message: str
    created_by: Ref | None
    created_at: datetime
    finished_at: datetime | None
    undone_at: datetime | None

    @staticmethod
    def resolve_counts(batch: ImportBatch) -> dict[str, int]:
        return {"created": batch.created_count, "updated": batch.updated_count,
                "skipped": batch.skipped_count, "failed": batch.failed_count}

    @staticmethod
    def resolve_created_by(batch: ImportBatch) -> dict[str, Any] | None:
        return ref(batch.created_by)


class BatchDetailOut(BatchOut):
    problems: list[ProblemOut]
    fields: list[FieldOptionOut]

    @staticmethod
    def resolve_fields(batch: ImportBatch) -> list[dict[str, Any]]:
        return [{"key": option.key, "label": str(option.label), "required": option.required}
                for option in field_options(batch.kind)]


class BatchPageOut(Schema):
    items: list[BatchOut]
    count: int


class MappingIn(Schema):
    mapping: list[str] | dict[str, str] | None = None
    duplicates: str | None = None
    good_rows_only: bool | None = None
    run_rules: bool | None = None


class UndoIn(Schema):
    keep_changed: bool = False


def _status(batch: ImportBatch) -> int:
    """202 while a worker still has the batch, 200 once its outcome is known."""
    return 202 if batch.busy else 200


@router.post("/imports", response={201: BatchDetailOut}, operation_id="create_import")
def create_import(request: HttpRequest, kind: Form[str],
                  file: File[UploadedFile]) -> Status[ImportBatch]:
    """Upload a CSV (UTF-8) or XLSX file of `kind` (account, contact, lead, opportunity)."""
    batch = services.batch_create(actor=caller(request), kind=kind, upload=file)
    return Status(201, batch)


@router.get("/imports", response=BatchPageOut, operation_id="list_imports")
def list_imports(request: HttpRequest, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """Imports, newest first: all for administrators, one's own for everyone else."""
    batches = selectors.batches_for(caller(request))
    limit = max(1, min(limit, 500))
    offset = max(0, offset)
    return {"items": list(batches[offset:offset + limit]), "count": batches.count()}


@router.get("/imports/{batch_id}", response=BatchDetailOut, operation_id="get_import")
def get_import(request: HttpRequest, batch_id: int) -> ImportBatch:
    """State, progress, counts and per-row problems (row number, column, why)."""
    return selectors.access_batch(caller(request), batch_id)


@router.get("/imports/{batch_id}/problems.csv", operation_id="download_import_problems",
            response={200: bytes})
def download_import_problems(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = selectors.access_batch(caller(request), batch_id)
    return table_response("csv", f"import-{batch.pk}-problems", selectors.PROBLEM_HEADER,
                          selectors.problem_rows(batch))


@router.put("/imports/{batch_id}/mapping", response=BatchDetailOut,
            operation_id="set_import_mapping")
def set_import_mapping(request: HttpRequest, batch_id: int, payload: MappingIn) -> ImportBatch:
    """`mapping`: a field key per column (a list in column order, or header: field; "" or
    missing ignores the column), and the choices for duplicates and bad rows."""
    user = caller(request)
    batch = selectors.access_batch(user, batch_id)
    return services.batch_set_mapping(actor=user, batch=batch, **payload.model_dump(
        exclude_unset=True))


def _start(request: HttpRequest, batch_id: int, *, dry_run: bool) -> Status[ImportBatch]:
    user = caller(request)
    batch = services.batch_start(actor=user, batch=selectors.access_batch(user, batch_id),
                                 dry_run=dry_run)
    return Status(_status(batch), batch)


@router.post("/imports/{batch_id}/dry-run", response={200: BatchDetailOut, 202: BatchDetailOut},
             operation_id="dry_run_import")
def dry_run_import(request: HttpRequest, batch_id: int) -> Status[ImportBatch]:
    """Check every row and write nothing; 202 when a worker checks a large file."""
    return _start(request, batch_id, dry_run=True)


@router.post("/imports/{batch_id}/run", response={200: BatchDetailOut, 202: BatchDetailOut},
             operation_id="run_import")
def run_import(request: HttpRequest, batch_id: int) -> Status[ImportBatch]:
    """Import the file; 202 when a worker imports a large file (poll the import)."""
    return _start(request, batch_id, dry_run=False)


@router.post("/imports/{batch_id}/undo", response=BatchDetailOut, operation_id="undo_import")
def undo_import(request: HttpRequest, batch_id: int, payload: UndoIn | None = None) -> ImportBatch:
    """Remove what the import created and restore what it updated; 409 naming the records
    that changed since, unless `keep_changed`."""
    user = caller(request)
    return services.batch_undo(actor=user, batch=selectors.access_batch(user, batch_id),
                               keep_changed=bool(payload and payload.keep_changed))

"""Background work of imports: large files are checked and written by a worker."""

from __future__ import annotations

from django_tasks import task

from stageflow.imports import services


@task()
def process_import(batch_id: int) -> None:
    """Check (and unless a dry run, write) one import batch; progress is kept on the batch."""
    services.process(batch_id)

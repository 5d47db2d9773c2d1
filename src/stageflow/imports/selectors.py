"""Reading import batches: who sees which, and a batch's problems as a table."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from stageflow.core.errors import NotFound
from stageflow.imports.models import ImportBatch
from stageflow.people import permissions
from stageflow.people.models import User

PROBLEM_HEADER = ("row", "column", "problem")


def batches_for(user: User) -> QuerySet[ImportBatch]:
    """Administrators see every import; others the imports they uploaded themselves."""
    batches = ImportBatch.objects.select_related("created_by")
    if permissions.manages_workspace(user):
        return batches
    return batches.filter(created_by=user)


def access_batch(user: User, batch_id: int) -> ImportBatch:
    batch = batches_for(user).filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(_("No such import."))
    return batch


def problem_rows(batch: ImportBatch) -> Iterator[tuple[int, str, str]]:
    for problem in batch.problems:
        yield problem["row"], problem["column"], problem["message"]

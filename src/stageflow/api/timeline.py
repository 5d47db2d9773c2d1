"""/api/v1/accounts/{id}/timeline: what happened to a customer, across its records."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router
from ninja.pagination import LimitOffsetPagination, paginate

from stageflow.accounts.access import access_account_by_id
from stageflow.api.common import HistoryOut, Ref, caller
from stageflow.core.models import HistoryEntry
from stageflow.sales.timeline import account_timeline

router = Router(tags=["accounts"])


class TimelineEntryOut(HistoryOut):
    record_type: str
    record: Ref

    @staticmethod
    def resolve_record_type(entry: HistoryEntry) -> str:
        return entry.content_type.model

    @staticmethod
    def resolve_record(entry: HistoryEntry) -> dict[str, Any]:
        return {"id": entry.object_id, "name": entry.record_label}


@router.get("/accounts/{account_id}/timeline", response=list[TimelineEntryOut],
            operation_id="account_timeline")
@paginate(LimitOffsetPagination)
def timeline(request: HttpRequest, account_id: int) -> QuerySet[HistoryEntry]:
    """The account's history and that of its leads, opportunities and estimates (those the
    caller may see), oldest first."""
    user = caller(request)
    return account_timeline(user, access_account_by_id(user, account_id))

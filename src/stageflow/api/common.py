"""Pieces every API module shares: references, expected versions, the calling user."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Schema
from pydantic import BaseModel

from stageflow.core.errors import MalformedRequest
from stageflow.core.models import HistoryEntry
from stageflow.people.models import User


class Ref(BaseModel):
    """Another record by id and display name, as `ref` makes it (a plain pydantic model: lists
    nest several per row, and ninja's attribute-by-attribute reading is not needed)."""

    id: int
    name: str


def ref(obj: Any) -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "name": str(obj)}


def caller(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def expected_version(request: HttpRequest, body_version: int | None) -> int | None:
    """The version the caller edits from: `If-Match` header or `version` in the body."""
    header = request.headers.get("If-Match", "").strip()
    if header:
        header = header.removeprefix("W/").strip('"')
        if not header.isdigit():
            raise MalformedRequest("If-Match must hold the record's version number.",
                                   fields={"If-Match": "not a version number"})
        return int(header)
    return body_version


class FieldChangeOut(Schema):
    field: str
    label: str
    old: Any = None
    new: Any = None


class HistoryOut(Schema):
    id: int
    at: datetime
    actor: Ref | None
    via: str
    action: str
    summary: str
    changes: list[FieldChangeOut]

    @staticmethod
    def resolve_actor(entry: HistoryEntry) -> dict[str, Any] | None:
        if entry.actor is None:
            return {"id": 0, "name": entry.actor_name} if entry.actor_name else None
        return ref(entry.actor)

"""Scope for leads and opportunities: the one place that decides who sees and changes which."""

from __future__ import annotations

from typing import Literal

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from stageflow.core.errors import NotAllowed, NotFound
from stageflow.people import permissions
from stageflow.people.models import User
from stageflow.sales.models import Lead, Opportunity

Kind = Literal["lead", "opportunity"]
PERMISSION_TYPES: dict[str, str] = {"lead": "leads", "opportunity": "opportunities"}
MODELS: dict[str, type[Lead] | type[Opportunity]] = {"lead": Lead, "opportunity": Opportunity}


def kind_of(record: Lead | Opportunity) -> Kind:
    return "lead" if isinstance(record, Lead) else "opportunity"


def records_for(user: User, kind: str, action: str = "view") -> QuerySet[Lead | Opportunity]:
    model = MODELS.get(kind)
    if model is None:
        raise NotFound(_("No such kind of record."))
    condition = permissions.scope_filter(user, PERMISSION_TYPES[kind], action)
    if condition is None:
        return model.objects.none()
    return model.objects.filter(condition)


def access_record_by_id(user: User, kind: str, record_id: int, action: str = "view",
                        related: tuple[str, ...] = ()) -> Lead | Opportunity:
    """The record if `user` may see it and perform `action`: 404 when unseen, 403 when seen.
    `related` names more relations to read with it."""
    # `get` rather than `first`: ordering by the model's default would cost more to compile
    # than the query takes to run.
    try:
        record = records_for(user, kind).select_related(
            "owner", "office", "account", "contact", "pipeline", *related).get(pk=record_id)
    except ObjectDoesNotExist:
        raise NotFound(_("No such %(kind)s.") % {"kind": _(kind)}) from None
    ensure_may_record(user, action, record)
    return record


def may_record(user: User, action: str, record: Lead | Opportunity) -> bool:
    return permissions.may(user, PERMISSION_TYPES[kind_of(record)], action,
                           owner_id=record.owner_id, office_id=record.office_id)


def ensure_may_record(user: User, action: str, record: Lead | Opportunity) -> None:
    if not may_record(user, action, record):
        raise NotAllowed(permissions.refusal(action))

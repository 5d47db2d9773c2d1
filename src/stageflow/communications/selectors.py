"""Reads of templates and the outbox shared by the API and the pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.db.models import QuerySet

from stageflow import engine
from stageflow.communications.access import outbox_for
from stageflow.communications.models import MessageTemplate, OutboxMessage
from stageflow.communications.recipients import record_kind
from stageflow.people.models import User
from stageflow.pipelines.models import PipelineVersion
from stageflow.pipelines.selectors import definition_of
from stageflow.sales.models import Lead, Opportunity

OUTBOX_FILTERS = ("status", "channel", "record_type", "record_id")


def _stage_offers(record: Lead | Opportunity) -> set[tuple[str, str]]:
    """(kind, key) of the templates the record's pipeline lists on its current stage (the
    `templates:` of a stage in the workflow file)."""
    definition = getattr(record, "definition", None)
    if not isinstance(definition, engine.PipelineDefinition):
        version = PipelineVersion.objects.filter(pipeline_id=record.pipeline_id,
                                                 number=record.pipeline_version).first()
        if version is None:
            return set()
        definition = definition_of(version)
    stage = next((s for s in definition.stages if s.key == record.stage), None)
    return {(ref.kind, ref.key) for ref in stage.templates} if stage else set()


def templates_for(record: models.Model, kind: str) -> list[MessageTemplate]:
    """Active templates of `kind` offered on `record` at its current stage.

    A template is offered when it is for the record's type (or any type) and either names
    the record's stage in `visible_at_stages` (empty = every stage) or the stage lists it
    in the workflow definition. Lists with the record's pipeline version one more query.
    """
    return templates_by_kind(record, (kind,))[kind]


def templates_by_kind(record: models.Model,
                      kinds: tuple[str, ...]) -> dict[str, list[MessageTemplate]]:
    """`templates_for` each of `kinds`, read in one query."""
    record_type = record_kind(record)
    candidates = MessageTemplate.objects.filter(
        active=True, kind__in=kinds, record_type__in=("", record_type)).order_by("key")
    offered: dict[str, list[MessageTemplate]] = {kind: [] for kind in kinds}
    # Accounts and contacts have no stage: only templates shown at every stage apply.
    staged = record if isinstance(record, Lead | Opportunity) else None
    offered_by_stage = _stage_offers(staged) if staged is not None else set()
    for template in candidates:
        at_stage = staged is not None and (staged.stage in template.visible_at_stages
                                           or (template.kind, template.key) in offered_by_stage)
        if not template.visible_at_stages or at_stage:
            offered[template.kind].append(template)
    return offered


def template_list(filters: Mapping[str, Any] | None = None) -> QuerySet[MessageTemplate]:
    """Templates by key; filters: kind, record_type (exactly; "" = for any type), active."""
    filters = filters or {}
    templates = MessageTemplate.objects.order_by("key")
    if filters.get("kind"):
        templates = templates.filter(kind=filters["kind"])
    if filters.get("record_type") is not None:
        templates = templates.filter(record_type=filters["record_type"])
    if filters.get("active") is not None:
        templates = templates.filter(active=bool(filters["active"]))
    return templates


def outbox_list(filters: Mapping[str, Any] | None = None, *,
                user: User | None = None) -> QuerySet[OutboxMessage]:
    """Outbox messages, newest first; filters: status, channel, record_type, record_id.

    With `user`, only the messages that user may see (see `access.outbox_for`).
    """
    filters = filters or {}
    messages = outbox_for(user) if user is not None else OutboxMessage.objects.all()
    for name in OUTBOX_FILTERS:
        value = filters.get(name)
        if value not in (None, ""):
            messages = messages.filter(**{name: value})
    return messages.select_related("template", "created_by").order_by("-created_at", "-id")

"""Reads of leads and opportunities shared by the API, pages and exports."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from stageflow import engine
from stageflow.people import permissions
from stageflow.people.models import User
from stageflow.pipelines.models import PipelineVersion
from stageflow.pipelines.selectors import definition_of
from stageflow.sales.access import records_for
from stageflow.sales.fields import field_labels, record_values
from stageflow.sales.models import Lead, Opportunity

VIEWS = ("all", "mine", "my_office", "created_by_me")


def record_list(*, user: User, kind: str, q: str = "", view: str = "all", stage: str = "",
                status: str = "", owner_id: int | None = None, office_id: int | None = None,
                pipeline: str = "", tag: str = "", stage_group: str = "",
                ordering: str = "-created") -> QuerySet[Lead | Opportunity]:
    records = records_for(user, kind).select_related(
        "owner", "office", "account", "contact", "pipeline").prefetch_related("tags")
    if kind == "opportunity":
        records = records.select_related("lead", "parent").prefetch_related("children")
    else:
        records = records.prefetch_related("opportunities")
    if view == "mine":
        records = records.filter(owner=user)
    elif view == "my_office":
        records = records.filter(office_id__in=permissions.office_ids(user))
    elif view == "created_by_me":
        records = records.filter(created_by=user)
    if q.strip():
        text = q.strip()
        records = records.filter(Q(title__icontains=text) | Q(account__name__icontains=text)
                                 | Q(contact__last_name__icontains=text))
    if stage:
        records = records.filter(stage=stage)
    if status:
        records = records.filter(status=status)
    if owner_id is not None:
        records = records.filter(owner_id=owner_id)
    if office_id is not None:
        records = records.filter(office_id=office_id)
    if pipeline:
        records = records.filter(pipeline__key=pipeline)
    if tag:
        records = records.filter(tags__name=tag)
    if stage_group:
        records = records.filter(stage__in=_stages_in_group(kind, stage_group))
    orderings = {"-created": ("-created_at", "-id"), "created": ("created_at", "id"),
                 "title": ("title", "id"), "-updated": ("-updated_at", "-id"),
                 "stage": ("stage", "id")}
    return records.order_by(*orderings.get(ordering, orderings["-created"])).distinct()


def _stages_in_group(kind: str, group: str) -> list[str]:
    """Stage keys in a stage group (by key or by name) over the live pipelines of a kind."""
    stages: list[str] = []
    versions = PipelineVersion.objects.filter(pipeline__record_type=kind,
                                              state=PipelineVersion.State.PUBLISHED)
    for version in versions:
        definition = definition_of(version)
        keys = {g.key for g in definition.stage_groups
                if group in (g.key, g.label("en")) or group.lower() == g.label("en").lower()}
        stages += [s.key for s in definition.stages if s.group in keys]
    return stages


def attach_definitions(records: Iterable[Lead | Opportunity]) -> None:
    """Load the pipeline version of every record in one query, as `record.definition`."""
    records = list(records)
    wanted = {(r.pipeline_id, r.pipeline_version) for r in records}
    condition = Q(pk__in=[])
    for pipeline_id, number in wanted:
        condition |= Q(pipeline_id=pipeline_id, number=number)
    versions = {(v.pipeline_id, v.number): v for v in PipelineVersion.objects.filter(condition)}
    for record in records:
        version = versions[(record.pipeline_id, record.pipeline_version)]
        record.definition = definition_of(version)  # type: ignore[union-attr]


def transition_options(record: Lead | Opportunity) -> list[engine.TransitionOption]:
    """The transitions defined from the record's step, each allowed or not and what it lacks
    (needs `attach_definitions` first)."""
    definition: engine.PipelineDefinition = record.definition  # type: ignore[union-attr]
    kind = "lead" if isinstance(record, Lead) else "opportunity"
    return engine.available_transitions(definition, record.step, record_values(record),
                                        labels=field_labels(kind))

"""Reading pipelines: the live definition of each, their versions, attributes and lookups."""

from __future__ import annotations

from django.db.models import QuerySet

from stageflow import engine
from stageflow.core.errors import NotFound
from stageflow.pipelines.fields import BUILTIN_FIELDS
from stageflow.pipelines.models import CustomAttribute, LookupValue, Pipeline, PipelineVersion

# Published versions never change, so each is compiled once per process. The key includes the
# publication time so that a reused id (a test database, a restored backup) is never confused.
_COMPILED: dict[tuple[int, str], engine.PipelineDefinition] = {}
_COMPILED_LIMIT = 256


def definition_of(version: PipelineVersion) -> engine.PipelineDefinition:
    if version.state == PipelineVersion.State.DRAFT or version.published_at is None:
        return engine.from_dict(version.definition)
    key = (version.pk, version.published_at.isoformat())
    compiled = _COMPILED.get(key)
    if compiled is None:
        if len(_COMPILED) >= _COMPILED_LIMIT:
            _COMPILED.clear()
        compiled = _COMPILED[key] = engine.from_dict(version.definition)
    return compiled


def pipeline_list() -> QuerySet[Pipeline]:
    return Pipeline.objects.select_related("live_version").order_by("record_type", "name")


def pipeline_by_key(key: str) -> Pipeline:
    pipeline = pipeline_list().filter(key=key).first()
    if pipeline is None:
        raise NotFound(f"No pipeline '{key}'.")
    return pipeline


def draft_of(pipeline: Pipeline) -> PipelineVersion | None:
    return pipeline.versions.filter(state=PipelineVersion.State.DRAFT).first()


def version_of(pipeline: Pipeline, which: str | int | None) -> PipelineVersion:
    """`None` or "live" for the live version, "draft" for the draft, or a version number."""
    if which in (None, "", "live"):
        version = pipeline.live_version or draft_of(pipeline)
    elif which == "draft":
        version = draft_of(pipeline)
    else:
        number = int(which) if str(which).isdigit() else -1
        version = pipeline.versions.filter(number=number).first()
    if version is None:
        raise NotFound(f"Pipeline '{pipeline.key}' has no version '{which}'.")
    return version


def known_fields(record_type: str) -> tuple[str, ...]:
    custom = CustomAttribute.objects.filter(record_type=record_type).values_list("key", flat=True)
    return (*BUILTIN_FIELDS.get(record_type, ()), *custom)


def attributes_of(record_type: str) -> QuerySet[CustomAttribute]:
    return CustomAttribute.objects.filter(record_type=record_type).order_by("position", "key")


def lookup_values(record_type: str, table: str | None = None) -> QuerySet[LookupValue]:
    values = LookupValue.objects.filter(record_type=record_type)
    return values.filter(table=table) if table else values

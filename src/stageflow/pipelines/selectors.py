"""Reading pipelines: the live definition of each, their versions, attributes and lookups."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from stageflow import engine
from stageflow.core.errors import NotFound
from stageflow.pipelines.fields import BUILTIN_FIELDS
from stageflow.pipelines.models import CustomAttribute, LookupValue, Pipeline, PipelineVersion

# Published versions never change, so each is compiled once per process. The key includes the
# publication time so that a reused id (a test database, a restored backup) is never confused.
_COMPILED: dict[tuple[int, str], engine.PipelineDefinition] = {}
_COMPILED_LIMIT = 256


def _compiled_key(pk: int, state: str, published_at: dt.datetime | None
                  ) -> tuple[int, str] | None:
    if state == PipelineVersion.State.DRAFT or published_at is None:
        return None
    return pk, published_at.isoformat()


def definition_of(version: PipelineVersion) -> engine.PipelineDefinition:
    key = _compiled_key(version.pk, version.state, version.published_at)
    if key is None:
        return engine.from_dict(version.definition)
    compiled = _COMPILED.get(key)
    if compiled is None:
        if len(_COMPILED) >= _COMPILED_LIMIT:
            _COMPILED.clear()
        compiled = _COMPILED[key] = engine.from_dict(version.definition)
    return compiled


# Every move reads a version's identity, so that query is built once.
_IDENTITIES = PipelineVersion.objects.values_list("pk", "state", "published_at")


def definition_by_number(pipeline_id: int, number: int) -> engine.PipelineDefinition:
    """The definition of a pipeline's version by its number. Once it is compiled, only the
    version's identity is read, not its (large) definition."""
    pk, state, published_at = _IDENTITIES.get(pipeline_id=pipeline_id, number=number)
    key = _compiled_key(pk, state, published_at)
    compiled = _COMPILED.get(key) if key is not None else None
    return compiled if compiled is not None else definition_of(PipelineVersion.objects.get(pk=pk))


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

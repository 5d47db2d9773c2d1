"""/api/v1/pipelines, /presets, /attributes and /lookups: the workflow configuration."""

from datetime import datetime
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from stageflow import engine
from stageflow.api.common import caller
from stageflow.core.errors import MalformedRequest
from stageflow.core.models import Via
from stageflow.pipelines import selectors, services
from stageflow.pipelines.models import CustomAttribute, LookupValue, Pipeline, PipelineVersion
from stageflow.presets import preset_keys, read_preset_meta

router = Router(tags=["pipelines"])

YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain")


class VersionOut(Schema):
    number: int
    state: str
    note: str
    created_at: datetime
    published_at: datetime | None


class PipelineOut(Schema):
    key: str
    record_type: str
    name: str
    is_default: bool
    live_version: int | None
    draft_version: int | None

    @staticmethod
    def resolve_live_version(pipeline: Pipeline) -> int | None:
        return pipeline.live_version.number if pipeline.live_version else None

    @staticmethod
    def resolve_draft_version(pipeline: Pipeline) -> int | None:
        drafts = [v.number for v in pipeline.versions.all()
                  if v.state == PipelineVersion.State.DRAFT]
        return drafts[0] if drafts else None


class ProblemOut(Schema):
    severity: str
    path: str
    code: str
    message: str


class PipelineDetailOut(Schema):
    key: str
    record_type: str
    name: str
    is_default: bool
    live_version: int | None
    draft_version: int | None
    versions: list[VersionOut]
    definition: dict[str, Any]
    problems: list[ProblemOut]


class ImportOut(Schema):
    pipeline: str
    version: int
    state: str
    warnings: list[ProblemOut]


class PublishIn(Schema):
    step_mapping: dict[str, str] = {}


class VersionQuery(Schema):
    version: str = "live"


class ExportQuery(VersionQuery):
    format: str = "yaml"


def _detail(pipeline: Pipeline, which: str) -> dict[str, Any]:
    version = selectors.version_of(pipeline, which)
    definition = selectors.definition_of(version)
    problems = engine.validate(definition,
                               known_fields=selectors.known_fields(definition.record_type))
    return {
        "key": pipeline.key, "record_type": pipeline.record_type, "name": pipeline.name,
        "is_default": pipeline.is_default,
        "live_version": pipeline.live_version.number if pipeline.live_version else None,
        "draft_version": getattr(selectors.draft_of(pipeline), "number", None),
        "versions": list(pipeline.versions.all()),
        "definition": version.definition,
        "problems": problems,
    }


def _request_format(request: HttpRequest, explicit: str | None) -> str:
    if explicit:
        return explicit
    content_type = request.content_type or ""
    return "json" if content_type == "application/json" else "yaml"


def _body(request: HttpRequest) -> bytes:
    try:
        return request.body
    except RequestDataTooBig as error:
        raise MalformedRequest("The file is too large (at most 1 MB).",
                               fields={"file": "too large"}, code="too_large") from error


@router.get("/pipelines", response=list[PipelineOut], operation_id="list_pipelines")
@paginate(LimitOffsetPagination)
def list_pipelines(request: HttpRequest, record_type: str | None = None) -> QuerySet[Pipeline]:
    pipelines = selectors.pipeline_list().prefetch_related("versions")
    return pipelines.filter(record_type=record_type) if record_type else pipelines


@router.post("/pipelines/import", response={201: ImportOut}, operation_id="import_pipeline",
             openapi_extra={"requestBody": {"content": {
                 "application/yaml": {"schema": {"type": "string"}},
                 "application/json": {"schema": {"type": "object"}}}}})
def import_pipeline(request: HttpRequest, format: str | None = None,
                    publish: bool = False) -> Status[dict[str, Any]]:
    """Import a workflow file (YAML or JSON) as the draft of its pipeline; `publish=true`
    also makes it live."""
    version = services.pipeline_import(actor=caller(request), via=Via.API, text=_body(request),
                                       file_format=_request_format(request, format),
                                       publish=publish)
    definition = selectors.definition_of(version)
    warnings = [p for p in engine.validate(
        definition, known_fields=selectors.known_fields(definition.record_type))
        if p.severity == "warning"]
    return Status(201, {"pipeline": version.pipeline.key, "version": version.number,
                        "state": version.state, "warnings": warnings})


@router.get("/pipelines/{key}", response=PipelineDetailOut, operation_id="get_pipeline")
def get_pipeline(request: HttpRequest, key: str,
                 query: Query[VersionQuery]) -> dict[str, Any]:
    return _detail(selectors.pipeline_by_key(key), query.version)


@router.get("/pipelines/{key}/export", operation_id="export_pipeline",
            response={200: str})
def export_pipeline(request: HttpRequest, key: str, query: Query[ExportQuery]) -> HttpResponse:
    pipeline = selectors.pipeline_by_key(key)
    version = selectors.version_of(pipeline, query.version)
    if query.format not in services.FORMATS:
        raise MalformedRequest("Export as yaml or json.", fields={"format": "yaml or json"})
    text = engine.dumps(selectors.definition_of(version), format=query.format)  # type: ignore[arg-type]
    content_type = "application/json" if query.format == "json" else "application/yaml"
    response = HttpResponse(text, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{pipeline.key}-v{version.number}.{query.format}"')
    return response


@router.get("/pipelines/{key}/graph.svg", operation_id="pipeline_graph", response={200: str})
def pipeline_graph(request: HttpRequest, key: str, query: Query[VersionQuery],
                   step: str | None = None, lang: str = "en") -> HttpResponse:
    pipeline = selectors.pipeline_by_key(key)
    definition = selectors.definition_of(selectors.version_of(pipeline, query.version))
    if step is not None and step not in {s.key for s in engine.effective_steps(definition)}:
        raise MalformedRequest("Unknown step.", fields={"step": step})
    svg = engine.render_svg(definition, current_step=step, lang=lang)
    return HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")


@router.post("/pipelines/{key}/publish", response=PipelineDetailOut,
             operation_id="publish_pipeline")
def publish_pipeline(request: HttpRequest, key: str, payload: PublishIn) -> dict[str, Any]:
    pipeline = selectors.pipeline_by_key(key)
    services.pipeline_publish(actor=caller(request), via=Via.API, pipeline=pipeline,
                              step_mapping=payload.step_mapping)
    return _detail(selectors.pipeline_by_key(key), "live")


@router.delete("/pipelines/{key}/draft", response={204: None}, operation_id="discard_draft")
def discard_draft(request: HttpRequest, key: str) -> Status[None]:
    services.pipeline_draft_discard(actor=caller(request), via=Via.API,
                                    pipeline=selectors.pipeline_by_key(key))
    return Status(204, None)


@router.post("/pipelines/{key}/default", response=PipelineOut, operation_id="make_default")
def make_default(request: HttpRequest, key: str) -> Pipeline:
    return services.pipeline_make_default(actor=caller(request), via=Via.API,
                                          pipeline=selectors.pipeline_by_key(key))


class AttributeOut(Schema):
    record_type: str
    key: str
    labels: dict[str, str]
    type: str
    choices: list[dict[str, Any]]
    lookup: str
    help: dict[str, str]
    required_on_create: bool
    shown_in_lists: bool
    position: int
    active: bool


class AttributeIn(Schema):
    labels: dict[str, str] | None = None
    type: str | None = None
    choices: list[dict[str, Any]] | None = None
    lookup: str | None = None
    help: dict[str, str] | None = None
    required_on_create: bool | None = None
    shown_in_lists: bool | None = None
    position: int | None = None
    active: bool | None = None


@router.get("/attributes/{record_type}", response=list[AttributeOut],
            operation_id="list_attributes")
@paginate(LimitOffsetPagination)
def list_attributes(request: HttpRequest, record_type: str) -> QuerySet[CustomAttribute]:
    return selectors.attributes_of(record_type)


@router.put("/attributes/{record_type}/{key}", response=AttributeOut,
            operation_id="save_attribute")
def save_attribute(request: HttpRequest, record_type: str, key: str,
                   payload: AttributeIn) -> CustomAttribute:
    return services.attribute_save(actor=caller(request), via=Via.API, record_type=record_type,
                                   key=key, values=payload.model_dump(exclude_unset=True))


class LookupOut(Schema):
    record_type: str
    table: str
    key: str
    label: str
    active: bool
    position: int


class LookupIn(Schema):
    label: str | None = None
    active: bool | None = None
    position: int | None = None


@router.get("/lookups/{record_type}", response=list[LookupOut], operation_id="list_lookups")
@paginate(LimitOffsetPagination)
def list_lookups(request: HttpRequest, record_type: str,
                 table: str | None = None) -> QuerySet[LookupValue]:
    return selectors.lookup_values(record_type, table)


@router.put("/lookups/{record_type}/{table}/{key}", response=LookupOut,
            operation_id="save_lookup_value")
def save_lookup_value(request: HttpRequest, record_type: str, table: str, key: str,
                      payload: LookupIn) -> LookupValue:
    return services.lookup_value_save(actor=caller(request), via=Via.API,
                                      record_type=record_type, table=table, key=key,
                                      values=payload.model_dump(exclude_unset=True))


class PresetOut(Schema):
    key: str
    name: str
    description: str
    industry: str


class InstalledOut(Schema):
    pipeline: str
    version: int


@router.get("/presets", response=list[PresetOut], operation_id="list_presets")
def list_presets(request: HttpRequest) -> list[dict[str, Any]]:
    """The ready-made workflows for an industry that an administrator can install."""
    return [{"key": key, **{name: str(read_preset_meta(key)[name])
                            for name in ("name", "description", "industry")}}
            for key in preset_keys()]


@router.post("/presets/{key}/install", response={201: list[InstalledOut]},
             operation_id="install_preset")
def install_preset(request: HttpRequest, key: str) -> Status[list[dict[str, Any]]]:
    """Publish the preset's pipelines with their rules, templates and work queues; pipelines
    already live are left alone."""
    versions = services.preset_install(actor=caller(request), via=Via.API, key=key)
    return Status(201, [{"pipeline": version.pipeline.key, "version": version.number}
                        for version in versions])

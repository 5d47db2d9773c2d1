"""Changing workflows: drafts, validation, publishing versions, attributes and lookup tables.

Every change needs an administrator (a role that manages the workspace). Nothing is live until
it is published, and publishing never strands a record on a step that no longer exists.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from stageflow import engine
from stageflow.core import clock, events
from stageflow.core.errors import Conflict, InvalidInput, MalformedRequest, NotFound, RuleRefused
from stageflow.core.history import record_history
from stageflow.core.models import HistoryEntry, Via
from stageflow.people.models import User
from stageflow.people.services import ensure_manages_workspace
from stageflow.pipelines.models import (
    AttributeOwner,
    CustomAttribute,
    LookupValue,
    Pipeline,
    PipelineVersion,
)
from stageflow.pipelines.registry import RECORD_STORES
from stageflow.pipelines.selectors import definition_of, draft_of, known_fields
from stageflow.presets import PresetError, load_preset

FORMATS = ("yaml", "json")


def parse_definition(text: str | bytes, *, file_format: str) -> engine.PipelineDefinition:
    """Read a workflow file; every problem is reported at once, by path (or line and column)."""
    if file_format not in FORMATS:
        raise MalformedRequest(_("Send YAML or JSON."), fields={"format": "yaml or json"})
    try:
        return engine.loads(text, format=file_format)  # type: ignore[arg-type]
    except engine.DefinitionError as error:
        raise MalformedRequest(
            _("The workflow file cannot be read."),
            fields={problem.path or "file": problem.message for problem in error.problems},
            code="unreadable_definition") from error


def check_definition(definition: engine.PipelineDefinition) -> list[engine.Problem]:
    """Validate against the record type's fields; errors refuse, warnings are returned."""
    problems = engine.validate(definition, known_fields=known_fields(definition.record_type))
    errors = [problem for problem in problems if problem.severity == "error"]
    if errors:
        raise RuleRefused(
            _("The workflow has %(count)s error(s).") % {"count": len(errors)},
            fields={problem.path or problem.code: problem.message for problem in errors},
            code="invalid_definition")
    return problems


@transaction.atomic
def pipeline_draft_save(*, actor: User, via: Via, definition: engine.PipelineDefinition,
                        note: str = "", allow_errors: bool = False) -> PipelineVersion:
    """Store `definition` as the draft of its pipeline (creating the pipeline if new).

    Imports refuse a definition with errors; the editor may keep an unfinished draft
    (`allow_errors`), which cannot be published until it is clean.
    """
    ensure_manages_workspace(actor)
    if not allow_errors:
        check_definition(definition)
    pipeline, created = Pipeline.objects.select_for_update().get_or_create(
        key=definition.key,
        defaults={"record_type": definition.record_type, "name": definition.name})
    if pipeline.record_type != definition.record_type:
        raise InvalidInput(
            _("Pipeline '%(key)s' is for %(type)s; a new version cannot change that.")
            % {"key": pipeline.key, "type": pipeline.get_record_type_display()},
            fields={"record_type": _("must stay %(type)s") % {"type": pipeline.record_type}})
    draft = draft_of(pipeline)
    if draft is None:
        highest = pipeline.versions.aggregate(highest=Max("number"))["highest"] or 0
        draft = PipelineVersion(pipeline=pipeline, number=highest + 1,
                                state=PipelineVersion.State.DRAFT, created_by=actor)
    numbered = dataclasses.replace(definition, version=draft.number)
    draft.definition = engine.to_dict(numbered)
    draft.note = note[:300]
    draft.save()
    record_history(record=pipeline, actor=actor, via=via,
                   action=HistoryEntry.Action.CREATED if created else HistoryEntry.Action.UPDATED,
                   summary=_("Draft version %(number)s saved") % {"number": draft.number})
    return draft


def pipeline_import(*, actor: User, via: Via, text: str | bytes, file_format: str,
                    publish: bool = False,
                    step_mapping: Mapping[str, str] | None = None) -> PipelineVersion:
    definition = parse_definition(text, file_format=file_format)
    with transaction.atomic():
        draft = pipeline_draft_save(actor=actor, via=via, definition=definition)
        if publish:
            return pipeline_publish(actor=actor, via=via, pipeline=draft.pipeline,
                                    step_mapping=step_mapping)
    return draft


def _step_keys(definition: engine.PipelineDefinition) -> set[str]:
    return {step.key for step in engine.effective_steps(definition)}


def _check_mapping(pipeline: Pipeline, old: engine.PipelineDefinition | None,
                   new: engine.PipelineDefinition, mapping: Mapping[str, str]) -> dict[str, str]:
    """The moves to make for records on removed steps; refuses when one would be stranded."""
    new_steps = _step_keys(new)
    removed = _step_keys(old) - new_steps if old is not None else set()
    errors = {f"step_mapping.{source}": _("Unknown step '%(step)s' in the new version.")
              % {"step": target} for source, target in mapping.items() if target not in new_steps}
    occupied: dict[str, int] = {}
    for store in RECORD_STORES:
        for step, count in store.count_on_steps(pipeline_key=pipeline.key, steps=removed).items():
            occupied[step] = occupied.get(step, 0) + count
    for step, count in sorted(occupied.items()):
        if count and step not in mapping:
            errors[f"step_mapping.{step}"] = _(
                "%(count)s record(s) are on step '%(step)s', which this version removes: "
                "map it to a step of the new version.") % {"count": count, "step": step}
    if errors:
        raise RuleRefused(_("Publishing would strand records."), fields=errors,
                          code="records_stranded")
    return {step: mapping[step] for step in occupied if occupied[step]}


@transaction.atomic
def pipeline_publish(*, actor: User, via: Via, pipeline: Pipeline,
                     step_mapping: Mapping[str, str] | None = None) -> PipelineVersion:
    """Make the draft live; records on removed steps move along `step_mapping`."""
    ensure_manages_workspace(actor)
    pipeline = (Pipeline.objects.select_for_update(of=("self",))
                .select_related("live_version").get(pk=pipeline.pk))
    draft = draft_of(pipeline)
    if draft is None:
        raise Conflict(_("There is no draft to publish."), code="no_draft")
    new = definition_of(draft)
    check_definition(new)
    old = definition_of(pipeline.live_version) if pipeline.live_version else None
    moves = _check_mapping(pipeline, old, new, step_mapping or {})
    if pipeline.live_version is not None:
        pipeline.live_version.state = PipelineVersion.State.RETIRED
        pipeline.live_version.save(update_fields=["state"])
    draft.state = PipelineVersion.State.PUBLISHED
    draft.published_at = clock.now()
    draft.published_by = actor
    draft.save()
    pipeline.live_version = draft
    pipeline.name = new.name
    if not Pipeline.objects.filter(record_type=pipeline.record_type, is_default=True).exists():
        pipeline.is_default = True
    pipeline.save()
    for store in RECORD_STORES:
        store.adopt_version(pipeline_key=pipeline.key, mapping=moves, version=draft.number,
                            actor=actor, via=via)
    _sync_attributes(new)
    _sync_lookups(new)
    record_history(record=pipeline, actor=actor, via=via, action=HistoryEntry.Action.UPDATED,
                   summary=_("Version %(number)s published") % {"number": draft.number})
    events.emit("pipeline.published", pipeline_id=pipeline.pk, version=draft.number,
                actor_id=actor.pk, via=via)
    return draft


@transaction.atomic
def pipeline_draft_discard(*, actor: User, via: Via, pipeline: Pipeline) -> None:
    ensure_manages_workspace(actor)
    deleted, _rows = pipeline.versions.filter(state=PipelineVersion.State.DRAFT).delete()
    if not deleted:
        raise Conflict(_("There is no draft to discard."), code="no_draft")
    if pipeline.live_version_id is None:
        pipeline.delete()
        return
    record_history(record=pipeline, actor=actor, via=via, action=HistoryEntry.Action.UPDATED,
                   summary=_("Draft discarded"))


@transaction.atomic
def pipeline_make_default(*, actor: User, via: Via, pipeline: Pipeline) -> Pipeline:
    ensure_manages_workspace(actor)
    if pipeline.live_version_id is None:
        raise Conflict(_("Publish the pipeline before making it the default."),
                       code="not_published")
    Pipeline.objects.filter(record_type=pipeline.record_type, is_default=True).exclude(
        pk=pipeline.pk).update(is_default=False)
    pipeline.is_default = True
    pipeline.save(update_fields=["is_default", "updated_at"])
    record_history(record=pipeline, actor=actor, via=via, action=HistoryEntry.Action.UPDATED,
                   summary=_("Made the default pipeline"))
    return pipeline


def _sync_attributes(definition: engine.PipelineDefinition) -> None:
    """Add the file's attributes the workspace lacks; an administrator's later edits win."""
    for position, attribute in enumerate(definition.attributes):
        CustomAttribute.objects.get_or_create(
            record_type=definition.record_type, key=attribute.key,
            defaults={
                "labels": dict(attribute.labels), "type": attribute.type,
                "choices": [dataclasses.asdict(choice) for choice in attribute.choices],
                "lookup": attribute.lookup or "", "help": dict(attribute.help),
                "required_on_create": attribute.required_on_create,
                "shown_in_lists": attribute.shown_in_lists, "position": position,
            })


def _sync_lookups(definition: engine.PipelineDefinition) -> None:
    """Add the file's lookup values the workspace lacks, keeping edited ones as they are."""
    for table, choices in definition.lookups.items():
        for position, choice in enumerate(choices):
            LookupValue.objects.get_or_create(
                record_type=definition.record_type, table=table, key=choice.key,
                defaults={"label": choice.label, "active": choice.active,
                          "position": position})


ATTRIBUTE_FIELDS = ("labels", "type", "choices", "lookup", "help", "required_on_create",
                    "shown_in_lists", "position", "active")


@transaction.atomic
def attribute_save(*, actor: User, via: Via, record_type: str, key: str,
                   values: Mapping[str, Any]) -> CustomAttribute:
    """Create or change a custom attribute of a record type; its type cannot change later."""
    ensure_manages_workspace(actor)
    errors: dict[str, str] = {}
    if record_type not in AttributeOwner.values:
        raise InvalidInput(_("Unknown record type."), fields={"record_type": ", ".join(
            AttributeOwner.values)})
    attribute = CustomAttribute.objects.filter(record_type=record_type, key=key).first()
    created = attribute is None
    if attribute is None:
        if not key.replace("_", "").isalnum() or not key[:1].isalpha() or key != key.lower():
            errors["key"] = _("Use lowercase letters, digits and _, starting with a letter.")
        if key in known_fields(record_type):
            errors["key"] = _("This name is a built-in field.")
        attribute = CustomAttribute(record_type=record_type, key=key)
    elif "type" in values and values["type"] != attribute.type:
        errors["type"] = _("The type of an attribute in use cannot change.")
    for name in ATTRIBUTE_FIELDS:
        if name in values:
            setattr(attribute, name, values[name])
    if attribute.type not in CustomAttribute.Type.values:
        errors["type"] = _("One of: %(types)s.") % {"types": ", ".join(
            CustomAttribute.Type.values)}
    if not isinstance(attribute.labels, dict) or not attribute.labels.get("en"):
        errors["labels"] = _("Give at least an English label: {\"en\": \"…\"}.")
    if attribute.type in ("choice", "multi_choice") and not (attribute.choices
                                                             or attribute.lookup):
        errors["choices"] = _("A choice attribute needs choices or a lookup table.")
    if errors:
        raise InvalidInput(_("Some fields need attention."), fields=errors)
    attribute.save()
    record_history(record=attribute, actor=actor, via=via,
                   action=HistoryEntry.Action.CREATED if created else HistoryEntry.Action.UPDATED)
    return attribute


@transaction.atomic
def lookup_value_save(*, actor: User, via: Via, record_type: str, table: str, key: str,
                      values: Mapping[str, Any]) -> LookupValue:
    ensure_manages_workspace(actor)
    if record_type not in ("lead", "opportunity"):
        raise InvalidInput(_("Lookup tables belong to leads or to opportunities."),
                           fields={"record_type": "lead or opportunity"})
    if not table.replace("_", "").isalnum() or table != table.lower():
        raise InvalidInput(_("Name tables with lowercase letters, digits and _, such as %(s)s.")
                           % {"s": ", ".join(LookupValue.Table.values)}, fields={"table": table})
    if not key or not key.replace("_", "").replace("-", "").isalnum():
        raise InvalidInput(_("Use letters, digits, - and _ in keys."), fields={"key": key})
    value = LookupValue.objects.filter(record_type=record_type, table=table, key=key).first()
    created = value is None
    if value is None:
        value = LookupValue(record_type=record_type, table=table, key=key,
                            label=str(values.get("label") or key))
    for name in ("label", "labels", "active", "position"):
        if name in values and values[name] is not None:
            setattr(value, name, values[name])
    if not str(value.label).strip():
        raise InvalidInput(_("Give the value a label."), fields={"label": _("Required.")})
    value.save()
    record_history(record=value, actor=actor, via=via,
                   action=HistoryEntry.Action.CREATED if created else HistoryEntry.Action.UPDATED)
    return value


@transaction.atomic
def preset_install(*, actor: User, via: Via, key: str) -> list[PipelineVersion]:
    """Publish every pipeline of a ready-made preset; pipelines already live are left alone."""
    ensure_manages_workspace(actor)
    try:
        preset = load_preset(key)
    except PresetError as error:
        raise NotFound(_("No preset '%(key)s'.") % {"key": key}) from error
    installed = []
    for definition in preset.pipelines.values():
        existing = Pipeline.objects.filter(key=definition.key, live_version__isnull=False).first()
        if existing is not None:
            continue
        draft = pipeline_draft_save(actor=actor, via=via, definition=definition,
                                    note=_("From the %(name)s preset") % {"name": preset.name})
        installed.append(pipeline_publish(actor=actor, via=via, pipeline=draft.pipeline))
    events.emit("preset.installed", key=key, actor_id=actor.pk, via=via)
    return installed

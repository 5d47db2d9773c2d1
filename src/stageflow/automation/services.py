"""Changing automation rules: saving one (checked against what exists), the rules a pipeline's
file carries (replaced on publish), and re-checking every rule after the configuration moved.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from stageflow import engine
from stageflow.automation import catalogue, conditions
from stageflow.automation.actions import ActionScope, check_actions
from stageflow.automation.models import Rule
from stageflow.automation.preview import Preview, rule_preview
from stageflow.communications.models import MessageTemplate
from stageflow.communications.services import template_save
from stageflow.core.errors import InvalidInput, NotAllowed
from stageflow.core.events import DomainEvent
from stageflow.core.records import check_version
from stageflow.people import permissions
from stageflow.people.models import User
from stageflow.pipelines.models import Pipeline
from stageflow.pipelines.selectors import definition_of, known_fields
from stageflow.presets import load_preset

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
RULE_FIELDS = ("key", "name", "active", "event", "pipeline", "conditions", "actions", "position")


def _ensure_manager(actor: User) -> None:
    if not permissions.manages_workspace(actor):
        raise NotAllowed(_("Only administrators may change automation rules."))


def _definitions(record_type: str, pipeline: Pipeline | None) -> list[engine.PipelineDefinition]:
    pipelines = [pipeline] if pipeline is not None else list(
        Pipeline.objects.filter(record_type=record_type, live_version__isnull=False)
        .select_related("live_version"))
    return [definition_of(item.live_version) for item in pipelines
            if item.live_version is not None]


def _transition_keys(definitions: list[engine.PipelineDefinition]) -> set[str]:
    """Declared transitions, and the stage moves of pipelines that allow any move."""
    keys = {transition.key for item in definitions for transition in item.transitions}
    keys.update(engine.stage_move_key(stage.key) for item in definitions
                if engine.has_free_moves(item) for stage in item.stages)
    return keys


def scopes_for(record_type: str,
               pipeline: Pipeline | None) -> tuple[conditions.Scope, ActionScope]:
    """What rules on this record type (and pipeline) may name."""
    definitions = _definitions(record_type, pipeline)
    fields = {*known_fields(record_type)}
    for definition in definitions:
        fields.update(attribute.key for attribute in definition.attributes)
    stages = {stage.key for item in definitions for stage in item.stages}
    condition_scope = conditions.Scope(
        stages=stages,
        stage_groups={group.key for item in definitions for group in item.stage_groups}
        | {stage.group for item in definitions for stage in item.stages if stage.group},
        fields=fields,
        pipelines=set(Pipeline.objects.filter(record_type=record_type)
                      .values_list("key", flat=True)))
    action_scope = ActionScope(
        record_type=record_type, stages=frozenset(stages),
        transitions=frozenset(_transition_keys(definitions)),
        fields=frozenset(fields),
        follow_ons=frozenset(follow_on.key for item in definitions
                             for follow_on in item.follow_ons),
        templates=frozenset(MessageTemplate.objects.values_list("key", flat=True)))
    return condition_scope, action_scope


def rule_problems(rule: Rule) -> dict[str, str]:
    """Everything wrong with a rule, keyed by where it is; empty when it can run."""
    event = catalogue.EVENT_TYPES.get(rule.event)
    if event is None:
        return {"event": _("Unknown event “%(name)s”.") % {"name": rule.event}}
    if rule.pipeline is not None and rule.pipeline.record_type != event.record_type:
        return {"pipeline": _("This pipeline is not for %(type)s records.") % {
            "type": event.record_type}}
    condition_scope, action_scope = scopes_for(event.record_type, rule.pipeline)
    return {**conditions.check(rule.conditions, condition_scope,
                             needs_days="days" in event.facts),
            **check_actions(rule.actions, action_scope)}


def _apply(rule: Rule, values: Mapping[str, Any], errors: dict[str, str]) -> None:
    for name in values:
        if name not in RULE_FIELDS:
            errors[name] = _("Unknown field.")
    if "key" in values:
        rule.key = str(values["key"] or "").strip()
    if not KEY_PATTERN.match(rule.key):
        errors["key"] = _("Lower-case letters, digits, - and _, at most 80.")
    if "name" in values:
        rule.name = str(values["name"] or "").strip()[:200]
    if not rule.name:
        errors["name"] = _("Required.")
    if "active" in values:
        rule.active = bool(values["active"])
    if "event" in values:
        rule.event = str(values["event"] or "")
    if "position" in values:
        try:
            rule.position = max(0, int(values["position"]))
        except (TypeError, ValueError):
            errors["position"] = _("A whole number.")
    if "pipeline" in values:
        key = values["pipeline"]
        rule.pipeline = Pipeline.objects.filter(key=key).first() if key else None
        if key and rule.pipeline is None:
            errors["pipeline"] = _("No pipeline “%(key)s”.") % {"key": key}
    for name in ("conditions", "actions"):
        if name in values:
            setattr(rule, name, values[name] if values[name] is not None else
                    ({} if name == "conditions" else []))


@transaction.atomic
def rule_save(*, actor: User, values: Mapping[str, Any], rule: Rule | None = None,
              expected_version: int | None = None) -> Rule:
    """Create or change a rule; InvalidInput names every problem (`actions.2.stage`)."""
    _ensure_manager(actor)
    if rule is None:
        rule = Rule()
    else:
        rule = Rule.objects.select_for_update().get(pk=rule.pk)
        check_version(rule, expected_version)
    errors: dict[str, str] = {}
    _apply(rule, values, errors)
    if not errors:
        errors.update(rule_problems(rule))
    clash = Rule.objects.filter(key=rule.key, pipeline=rule.pipeline).exclude(pk=rule.pk)
    if rule.key and clash.exists():
        errors["key"] = _("Another rule has this key.")
    if errors:
        raise InvalidInput(_("The rule cannot be saved."), fields=errors)
    event = catalogue.EVENT_TYPES[rule.event]
    rule.record_type = event.record_type
    rule.problem = ""
    if rule.pk:
        rule.version += 1
    rule.save()
    return rule


def rule_dry_run(*, actor: User, values: Mapping[str, Any], rule: Rule | None = None,
                 days: int = 30) -> Preview:
    """What a rule, as saved or with these changes, would have done lately; nothing is saved."""
    _ensure_manager(actor)
    draft = Rule(pk=rule.pk, key=rule.key, name=rule.name, event=rule.event,
                 pipeline=rule.pipeline, conditions=rule.conditions, actions=rule.actions,
                 record_type=rule.record_type) if rule else Rule()
    errors: dict[str, str] = {}
    _apply(draft, {"key": draft.key or "dry-run", "name": draft.name or "dry run", **values},
           errors)
    if not errors:
        errors.update(rule_problems(draft))
    if errors:
        raise InvalidInput(_("The rule cannot be tried."), fields=errors)
    draft.record_type = catalogue.EVENT_TYPES[draft.event].record_type
    return rule_preview(draft, days=max(1, min(days, 365)))


@transaction.atomic
def rule_delete(*, actor: User, rule: Rule, expected_version: int | None = None) -> None:
    _ensure_manager(actor)
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    check_version(rule, expected_version)
    rule.delete()


def sync_pipeline_rules(pipeline: Pipeline) -> list[Rule]:
    """Make the pipeline's file rules those of its live version (keyed by `key`)."""
    if pipeline.live_version is None:
        return []
    definition = definition_of(pipeline.live_version)
    kept: list[int] = []
    seen: set[str] = set()
    for position, item in enumerate(definition.rules):
        key = str(item.get("key") or f"rule-{position + 1}")
        if key in seen:
            key = f"{key}-{position + 1}"
        seen.add(key)
        rule = Rule.objects.filter(pipeline=pipeline, key=key).first() \
            or Rule(pipeline=pipeline, key=key)
        rule.from_file = True
        rule.name = str(item.get("name") or rule.key)[:200]
        rule.event = str(item.get("event") or "")
        event = catalogue.EVENT_TYPES.get(rule.event)
        rule.record_type = event.record_type if event else pipeline.record_type
        rule.conditions = item.get("conditions") or {}
        rule.actions = item.get("actions") or []
        rule.position = position
        rule.active = bool(item.get("active", True))
        rule.save()
        kept.append(rule.pk)
    Rule.objects.filter(pipeline=pipeline, from_file=True).exclude(pk__in=kept).delete()
    return list(Rule.objects.filter(pk__in=kept))


def recheck_rules() -> list[Rule]:
    """Switch off rules the configuration broke, naming why; switch back on the ones it mended.

    Only rules the system switched off come back on: a rule an administrator switched off
    stays off.
    """
    changed = []
    for rule in Rule.objects.select_related("pipeline"):
        problems = rule_problems(rule)
        problem = "; ".join(f"{key}: {value}" for key, value in problems.items())[:500]
        if problem and (rule.active or rule.problem != problem):
            rule.active, rule.problem = False, problem
        elif not problem and rule.problem:
            rule.active, rule.problem = True, ""
        else:
            continue
        rule.save(update_fields=["active", "problem", "updated_at"])
        changed.append(rule)
    return changed


def on_pipeline_published(event: DomainEvent) -> None:
    pipeline = Pipeline.objects.select_related("live_version").get(pk=event.payload["pipeline_id"])
    sync_pipeline_rules(pipeline)
    recheck_rules()


def on_preset_installed(event: DomainEvent) -> None:
    """Add the message templates a preset's rules send (existing keys are left alone)."""
    preset = load_preset(event.payload["key"])
    actor = User.objects.get(pk=event.payload["actor_id"])
    for item in preset.templates:
        if not MessageTemplate.objects.filter(key=item.get("key")).exists():
            template_save(actor=actor, values=item)
    recheck_rules()

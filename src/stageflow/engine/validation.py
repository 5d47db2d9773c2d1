"""Consistency checks (lint) of a pipeline definition.

Errors make a definition unusable (publishing must refuse it); warnings point at likely mistakes
such as steps nothing can reach or open steps from which a record can never be closed. Each
problem carries the path of the offending value in the file, e.g. `transitions[3].to`.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Collection, Iterable
from typing import Final

from .definitions import (
    ANY_STEP,
    ATTRIBUTE_TYPES,
    CHANNELS,
    RECORD_TYPES,
    STAGE_STATUSES,
    TEMPLATE_KINDS,
    Choice,
    PipelineDefinition,
)
from .problems import Problem, Severity
from .workflow import PipelineIndex, index_of

# Keys are stable identifiers used in URLs, files and history rows; ':' is reserved for the
# synthetic `to:<stage>` moves and '*' for "any step".
KEY_PATTERN: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}")
COLOUR_PATTERN: Final = re.compile(r"#[0-9A-Fa-f]{6}")
CHOICE_TYPES: Final = frozenset({"choice", "multi_choice"})

# Marks a step whose successors are "the first step of every other active stage".
_ANY: Final = None


class _Findings:
    def __init__(self) -> None:
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def add(self, severity: Severity, path: str, code: str, message: str) -> None:
        target = self.errors if severity == "error" else self.warnings
        target.append(Problem(severity, path, code, message))

    def error(self, path: str, code: str, message: str) -> None:
        self.add("error", path, code, message)

    def warning(self, path: str, code: str, message: str) -> None:
        self.add("warning", path, code, message)


def validate(
    definition: PipelineDefinition, *, known_fields: Collection[str] = ()
) -> list[Problem]:
    """Every error, then every warning, found in `definition`.

    `known_fields` are the built-in field names of the record type; together with the custom
    attributes they are what steps may show and transitions may require.
    """
    found = _Findings()
    index = index_of(definition)
    fields = set(known_fields) | {attribute.key for attribute in definition.attributes}
    _check_header(definition, found)
    _check_stages(definition, found)
    _check_steps(definition, index, fields, found)
    _check_transitions(definition, index, fields, found)
    _check_starts(definition, index, found)
    _check_attributes(definition, found)
    if not found.errors:
        # Graph warnings on a broken definition would only repeat its errors.
        _check_graph(definition, index, found)
    return found.errors + found.warnings


def _check_key(path: str, key: str, found: _Findings) -> None:
    if not KEY_PATTERN.fullmatch(key):
        found.error(
            path,
            "invalid_key",
            f"'{key}' is not a valid key: use up to 100 letters, digits, '_', '-' or '.',"
            " starting with a letter or digit",
        )


def _check_unique(section: str, keys: Iterable[str], what: str, found: _Findings) -> None:
    first_at: dict[str, int] = {}
    for number, key in enumerate(keys):
        path = f"{section}[{number}].key"
        _check_key(path, key, found)
        if key in first_at:
            found.error(
                path,
                "duplicate_key",
                f"duplicate {what} key '{key}' (first at {section}[{first_at[key]}])",
            )
        else:
            first_at[key] = number


def _check_one_of(path: str, value: str, options: tuple[str, ...], found: _Findings) -> None:
    if value not in options:
        found.error(path, "invalid_choice", f"must be one of {', '.join(options)}")


def _check_header(definition: PipelineDefinition, found: _Findings) -> None:
    _check_key("key", definition.key, found)
    _check_one_of("record_type", definition.record_type, RECORD_TYPES, found)
    if not definition.name.strip():
        found.error("name", "required", "is required")
    if definition.version < 1:
        found.error("version", "invalid_version", "must be 1 or more")


def _check_stages(definition: PipelineDefinition, found: _Findings) -> None:
    stages = definition.stages
    _check_unique(
        "stage_groups", (group.key for group in definition.stage_groups), "stage group", found
    )
    _check_unique("stages", (stage.key for stage in stages), "stage", found)
    if not stages:
        found.error("stages", "no_stages", "a pipeline needs at least one stage")
        return
    group_keys = {group.key for group in definition.stage_groups}
    stage_keys = {stage.key for stage in stages}
    for number, stage in enumerate(stages):
        path = f"stages[{number}]"
        _check_one_of(f"{path}.status", stage.status, STAGE_STATUSES, found)
        if stage.group is not None and stage.group not in group_keys:
            found.error(
                f"{path}.group", "unknown_stage_group", f"unknown stage group '{stage.group}'"
            )
        for position, target in enumerate(stage.allowed_next):
            if target not in stage_keys:
                found.error(
                    f"{path}.allowed_next[{position}]", "unknown_stage", f"unknown stage '{target}'"
                )
        if stage.probability is not None and not 0 <= stage.probability <= 100:
            found.error(
                f"{path}.probability", "probability_out_of_range", "must be between 0 and 100"
            )
        if stage.colour is not None and not COLOUR_PATTERN.fullmatch(stage.colour):
            found.error(f"{path}.colour", "invalid_colour", "must look like #1A2B3C")
        for position, template in enumerate(stage.templates):
            _check_one_of(
                f"{path}.templates[{position}].kind", template.kind, TEMPLATE_KINDS, found
            )
    _check_special_stages(definition, found)


def _check_special_stages(definition: PipelineDefinition, found: _Findings) -> None:
    stages = definition.stages
    defaults = [number for number, stage in enumerate(stages) if stage.is_default]
    if not defaults:
        found.error("stages", "no_default_stage", "exactly one stage must be the default")
    for number in defaults[1:]:
        found.error(
            f"stages[{number}].is_default",
            "several_default_stages",
            f"'{stages[defaults[0]].key}' is already the default stage",
        )
    if defaults and not stages[defaults[0]].active:
        found.warning(
            f"stages[{defaults[0]}].active",
            "inactive_default_stage",
            "the default stage is inactive",
        )
    statuses = {stage.status for stage in stages}
    conversions = [n for n, stage in enumerate(stages) if stage.is_conversion_end_stage]
    if definition.record_type == "opportunity":
        if "won" not in statuses:
            found.error("stages", "no_won_stage", "an opportunity pipeline needs a won stage")
        if "lost" not in statuses:
            found.error("stages", "no_lost_stage", "an opportunity pipeline needs a lost stage")
        for number in conversions:
            found.warning(
                f"stages[{number}].is_conversion_end_stage",
                "conversion_end_stage_unused",
                "only lead pipelines convert; this flag has no effect",
            )
        return
    if definition.record_type == "lead":
        if not conversions:
            found.error(
                "stages", "no_conversion_end_stage", "a lead pipeline needs a conversion end-stage"
            )
        for number in conversions[1:]:
            found.error(
                f"stages[{number}].is_conversion_end_stage",
                "several_conversion_end_stages",
                f"'{stages[conversions[0]].key}' is already the conversion end-stage",
            )
        for number in conversions[:1]:
            stage = stages[number]
            if not stage.is_end_stage:
                found.warning(
                    f"stages[{number}].is_end_stage",
                    "conversion_stage_not_end_stage",
                    "the conversion end-stage should also be an end stage",
                )
            if not stage.active:
                found.warning(
                    f"stages[{number}].active",
                    "inactive_conversion_end_stage",
                    "the conversion end-stage is inactive",
                )


def _check_steps(
    definition: PipelineDefinition, index: PipelineIndex, fields: set[str], found: _Findings
) -> None:
    _check_unique("steps", (step.key for step in definition.steps), "step", found)
    for number, step in enumerate(definition.steps):
        path = f"steps[{number}]"
        if not step.stage:
            found.error(f"{path}.stage", "step_without_stage", "a step must belong to a stage")
        elif step.stage not in index.stages:
            found.error(f"{path}.stage", "unknown_stage", f"unknown stage '{step.stage}'")
        for position, key in enumerate(step.attributes):
            if key not in fields:
                found.error(
                    f"{path}.attributes[{position}]",
                    "unknown_attribute",
                    f"unknown attribute '{key}'",
                )
    if definition.steps:
        for number, stage in enumerate(definition.stages):
            if stage.active and stage.key not in index.steps_of_stage:
                found.warning(
                    f"stages[{number}]",
                    "stage_without_steps",
                    f"stage '{stage.key}' has no steps, so no record can be in it",
                )


def _check_transitions(
    definition: PipelineDefinition, index: PipelineIndex, fields: set[str], found: _Findings
) -> None:
    _check_unique("transitions", (t.key for t in definition.transitions), "transition", found)
    for number, transition in enumerate(definition.transitions):
        path = f"transitions[{number}]"
        if transition.from_step != ANY_STEP and transition.from_step not in index.steps:
            found.error(f"{path}.from", "unknown_step", f"unknown step '{transition.from_step}'")
        if transition.to_step not in index.steps:
            found.error(f"{path}.to", "unknown_step", f"unknown step '{transition.to_step}'")
        for position, key in enumerate(transition.required):
            if key not in fields:
                found.error(
                    f"{path}.required[{position}]",
                    "unknown_attribute",
                    f"unknown attribute '{key}'",
                )
        for position, trigger in enumerate(transition.triggers):
            if not trigger.action.strip():
                found.error(f"{path}.triggers[{position}].action", "required", "is required")
        for position, message in enumerate(transition.communications):
            _check_one_of(
                f"{path}.communications[{position}].channel", message.channel, CHANNELS, found
            )
        _check_transition_route(index, path, transition.from_step, transition.to_step, found)


def _check_transition_route(
    index: PipelineIndex, path: str, from_step: str, to_step: str, found: _Findings
) -> None:
    source = index.steps.get(from_step)
    target = index.steps.get(to_step)
    if target is None:
        return
    target_stage = index.stages.get(target.stage)
    if target_stage is not None and not target_stage.active:
        found.warning(
            f"{path}.to",
            "transition_to_inactive_stage",
            f"step '{to_step}' is in inactive stage '{target_stage.key}'",
        )
    source_stage = index.stages.get(source.stage) if source is not None else None
    if (
        source_stage is not None
        and source_stage.allowed_next
        and target.stage != source_stage.key
        and target.stage not in source_stage.allowed_next
        and target.stage in index.stages
    ):
        found.warning(
            f"{path}.to",
            "blocked_by_allowed_next",
            f"stage '{source_stage.key}' does not list '{target.stage}' in allowed_next",
        )


def _check_starts(definition: PipelineDefinition, index: PipelineIndex, found: _Findings) -> None:
    sections = (
        ("entries", "entry", [(entry.key, entry.step) for entry in definition.entries]),
        ("follow_ons", "follow-on", [(item.key, item.step) for item in definition.follow_ons]),
    )
    for section, what, items in sections:
        _check_unique(section, (key for key, _ in items), what, found)
        for number, (_, step) in enumerate(items):
            if step not in index.steps:
                found.error(f"{section}[{number}].step", "unknown_step", f"unknown step '{step}'")


def _check_choices(path: str, choices: tuple[Choice, ...], found: _Findings) -> None:
    seen: set[str] = set()
    for number, choice in enumerate(choices):
        if choice.key in seen:
            found.error(
                f"{path}[{number}].key", "duplicate_key", f"duplicate value key '{choice.key}'"
            )
        seen.add(choice.key)


def _check_attributes(definition: PipelineDefinition, found: _Findings) -> None:
    _check_unique("attributes", (a.key for a in definition.attributes), "attribute", found)
    for number, attribute in enumerate(definition.attributes):
        path = f"attributes[{number}]"
        _check_one_of(f"{path}.type", attribute.type, ATTRIBUTE_TYPES, found)
        if attribute.lookup is not None and attribute.lookup not in definition.lookups:
            found.error(
                f"{path}.lookup", "unknown_lookup", f"unknown lookup table '{attribute.lookup}'"
            )
        if attribute.type in CHOICE_TYPES and not attribute.choices and attribute.lookup is None:
            found.error(
                f"{path}.choices",
                "choices_missing",
                "a choice attribute needs choices or a lookup table",
            )
        _check_choices(f"{path}.choices", attribute.choices, found)
    for name, values in definition.lookups.items():
        _check_choices(f"lookups.{name}", values, found)


def _step_paths(definition: PipelineDefinition) -> dict[str, str]:
    if definition.steps:
        items = enumerate(step.key for step in definition.steps)
        return {key: f"steps[{number}]" for number, key in reversed(list(items))}
    return {stage.key: f"stages[{number}]" for number, stage in enumerate(definition.stages)}


def _successors(index: PipelineIndex, step_key: str) -> tuple[str, ...] | None:
    """Structurally open successors of a step, or _ANY for an unrestricted free move."""
    step = index.steps[step_key]
    stage = index.stages.get(step.stage)
    if index.free_moves:
        if stage is None or not stage.allowed_next:
            return _ANY
        targets = (index.stages.get(key) for key in stage.allowed_next)
        return tuple(
            index.first_step_of_stage[target.key]
            for target in targets
            if target is not None
            and target.active
            and target.key != stage.key
            and target.key in index.first_step_of_stage
        )
    result: list[str] = []
    for transition in index.outgoing(step_key):
        target = index.steps.get(transition.to_step)
        target_stage = index.stages.get(target.stage) if target is not None else None
        if target is None or target_stage is None or not target_stage.active:
            continue
        if (
            stage is not None
            and stage.allowed_next
            and target.stage != stage.key
            and target.stage not in stage.allowed_next
        ):
            continue
        result.append(target.key)
    return tuple(result)


def _active_first_steps(index: PipelineIndex) -> dict[str, str]:
    """Stage key -> entry step, for active stages (where an unrestricted free move may go)."""
    return {
        stage.key: index.first_step_of_stage[stage.key]
        for stage in index.stage_order
        if stage.active and stage.key in index.first_step_of_stage
    }


def _start_steps(definition: PipelineDefinition, index: PipelineIndex) -> list[str]:
    starts = [entry.step for entry in definition.entries]
    if not starts:
        default = next((stage for stage in definition.stages if stage.is_default), None)
        if default is not None and default.key in index.first_step_of_stage:
            starts.append(index.first_step_of_stage[default.key])
    starts.extend(follow_on.step for follow_on in definition.follow_ons)
    return [step for step in starts if step in index.steps]


def _forward_reachable(
    index: PipelineIndex, starts: list[str], successors: dict[str, tuple[str, ...] | None]
) -> set[str]:
    first_steps = _active_first_steps(index)
    seen = set(starts)
    queue = deque(starts)
    any_from_stages: set[str] = set()
    while queue:
        key = queue.popleft()
        following = successors[key]
        if following is _ANY:
            own = index.steps[key].stage
            # After unrestricted moves from two different stages every stage is reached.
            if len(any_from_stages) >= 2 or own in any_from_stages:
                continue
            any_from_stages.add(own)
            following = tuple(step for stage, step in first_steps.items() if stage != own)
        for target in following:
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def _can_close(index: PipelineIndex, successors: dict[str, tuple[str, ...] | None]) -> set[str]:
    """Steps from which a step of a won, lost or archived stage can be reached."""
    predecessors: dict[str, list[str]] = {}
    free_movers: list[str] = []
    for key, following in successors.items():
        if following is _ANY:
            free_movers.append(key)
            continue
        for target in following:
            predecessors.setdefault(target, []).append(key)
    first_steps = _active_first_steps(index)
    entry_stage = {step: stage for stage, step in first_steps.items()}
    good_entry_stages: set[str] = set()
    good: set[str] = set()
    queue: deque[str] = deque()

    def mark(key: str) -> None:
        if key in good:
            return
        good.add(key)
        queue.append(key)
        stage = entry_stage.get(key)
        if stage is None or len(good_entry_stages) >= 2:
            return
        good_entry_stages.add(stage)
        # A free mover closes if it can move to a good stage other than its own.
        for mover in free_movers:
            if good_entry_stages - {index.steps[mover].stage}:
                mark(mover)

    for step in index.step_order:
        stage = index.stages.get(step.stage)
        if stage is not None and stage.status != "open":
            mark(step.key)
    while queue:
        key = queue.popleft()
        for source in predecessors.get(key, ()):
            mark(source)
    return good


def _check_graph(definition: PipelineDefinition, index: PipelineIndex, found: _Findings) -> None:
    paths = _step_paths(definition)
    successors = {key: _successors(index, key) for key in index.steps}
    reachable = _forward_reachable(index, _start_steps(definition, index), successors)
    closable = _can_close(index, successors)
    for step in index.step_order:
        stage = index.stages[step.stage]
        if not stage.active:
            continue  # retired stages are expected to be out of reach
        path = paths[step.key]
        if step.key not in reachable:
            found.warning(
                path, "unreachable_step", f"no entry or start can reach step '{step.key}'"
            )
        if stage.status == "open" and step.key not in closable:
            found.warning(
                path,
                "dead_end",
                f"no won, lost or archived step can be reached from step '{step.key}'",
            )

"""The effective view of a definition: which steps and transitions really exist.

A definition may leave out steps (then every stage is one step whose key is the stage key) and
transitions (then a record may move to the first step of any other active stage, limited by the
current stage's `allowed_next`; such moves have synthetic keys `to:<stage key>`). Everything
above this module asks here instead of reading `definition.steps`/`transitions` directly, so
both modes behave identically everywhere.
"""

from __future__ import annotations

from typing import Final

from .definitions import (
    ANY_STEP,
    AttributeDefinition,
    PipelineDefinition,
    Stage,
    StageStatus,
    Step,
    Transition,
)

STAGE_MOVE_PREFIX: Final = "to:"


class UnknownKeyError(LookupError):
    """A key given by the caller (entry, follow-on, step, stage) is not in the definition."""

    def __init__(self, code: str, key: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.key = key
        self.message = message


def stage_move_key(stage_key: str) -> str:
    """Return the synthetic transition key for moving to `stage_key` in a free-move pipeline."""
    return f"{STAGE_MOVE_PREFIX}{stage_key}"


class PipelineIndex:
    """Lookups precomputed once per definition; first occurrence wins for duplicate keys
    (validation reports duplicates, the index must simply not crash on them)."""

    __slots__ = (
        "_free_cache",
        "attributes",
        "first_step_of_stage",
        "free_moves",
        "simple_steps",
        "stage_order",
        "stages",
        "step_order",
        "steps",
        "steps_of_stage",
        "transition_keys_from",
        "transitions",
        "transitions_from",
    )

    def __init__(self, definition: PipelineDefinition) -> None:
        self.simple_steps = not definition.steps
        self.free_moves = not definition.transitions
        self.stages: dict[str, Stage] = {}
        for stage in definition.stages:
            self.stages.setdefault(stage.key, stage)
        declared = {stage.key: number for number, stage in enumerate(definition.stages)}
        self.stage_order: tuple[Stage, ...] = tuple(
            sorted(self.stages.values(), key=lambda stage: (stage.position, declared[stage.key]))
        )
        step_list: tuple[Step, ...] = definition.steps
        if self.simple_steps:
            step_list = tuple(
                Step(key=stage.key, name=stage.label(), stage=stage.key)
                for stage in self.stage_order
            )
        self.steps: dict[str, Step] = {}
        for step in step_list:
            self.steps.setdefault(step.key, step)
        self.step_order: tuple[Step, ...] = tuple(self.steps.values())
        grouped: dict[str, list[str]] = {}
        for step in self.step_order:
            grouped.setdefault(step.stage, []).append(step.key)
        self.steps_of_stage: dict[str, tuple[str, ...]] = {
            stage: tuple(keys) for stage, keys in grouped.items()
        }
        self.first_step_of_stage: dict[str, str] = {
            stage: keys[0] for stage, keys in grouped.items()
        }
        self.transitions: dict[str, Transition] = {}
        for transition in definition.transitions:
            self.transitions.setdefault(transition.key, transition)
        self.transitions_from: dict[str, tuple[Transition, ...]] = {}
        self.transition_keys_from: dict[str, frozenset[str]] = {}
        if not self.free_moves:
            self._index_explicit_transitions()
        self.attributes: dict[str, AttributeDefinition] = {}
        for attribute in definition.attributes:
            self.attributes.setdefault(attribute.key, attribute)
        self._free_cache: dict[str, tuple[Transition, ...]] = {}

    def _index_explicit_transitions(self) -> None:
        from_step: dict[str, list[Transition]] = {key: [] for key in self.steps}
        wildcards = [t for t in self.transitions.values() if t.from_step == ANY_STEP]
        for transition in self.transitions.values():
            if transition.from_step in from_step:
                from_step[transition.from_step].append(transition)
        for key, found in from_step.items():
            # A wildcard never offers a move from its own target to itself.
            found.extend(t for t in wildcards if t.to_step != key)
            self.transitions_from[key] = tuple(found)
            self.transition_keys_from[key] = frozenset(t.key for t in found)

    def outgoing(self, step_key: str) -> tuple[Transition, ...]:
        """Effective transitions from a known step (empty for an unknown one)."""
        if not self.free_moves:
            return self.transitions_from.get(step_key, ())
        cached = self._free_cache.get(step_key)
        if cached is None:
            cached = self._free_moves_from(step_key)
            self._free_cache[step_key] = cached
        return cached

    def _free_moves_from(self, step_key: str) -> tuple[Transition, ...]:
        step = self.steps.get(step_key)
        if step is None:
            return ()
        current = self.stages.get(step.stage)
        allowed_next = set(current.allowed_next) if current is not None else set()
        moves = []
        for target in self.stage_order:
            if target.key == step.stage or not target.active:
                continue
            if allowed_next and target.key not in allowed_next:
                continue
            first = self.first_step_of_stage.get(target.key)
            if first is not None:
                moves.append(self.synthetic_move(step_key, target))
        return tuple(moves)

    def synthetic_move(self, from_step: str, target: Stage) -> Transition:
        return Transition(
            key=stage_move_key(target.key),
            name=target.label(),
            from_step=from_step,
            to_step=self.first_step_of_stage.get(target.key, target.key),
        )

    def resolve(self, transition_key: str, current_step: str) -> Transition | None:
        """The transition a key names, whether or not it leaves `current_step`."""
        if not self.free_moves:
            return self.transitions.get(transition_key)
        if not transition_key.startswith(STAGE_MOVE_PREFIX):
            return None
        target = self.stages.get(transition_key.removeprefix(STAGE_MOVE_PREFIX))
        if target is None or target.key not in self.first_step_of_stage:
            return None
        return self.synthetic_move(current_step, target)


def index_of(definition: PipelineDefinition) -> PipelineIndex:
    """Return the definition's index, building it on first use (definitions are immutable)."""
    index = definition._index
    if isinstance(index, PipelineIndex):
        return index
    built = PipelineIndex(definition)
    object.__setattr__(definition, "_index", built)
    return built


def is_simple_mode(definition: PipelineDefinition) -> bool:
    """True when the definition declares no steps, so each stage acts as one step."""
    return index_of(definition).simple_steps


def has_free_moves(definition: PipelineDefinition) -> bool:
    """True when the definition declares no transitions, so moves go between active stages."""
    return index_of(definition).free_moves


def effective_steps(definition: PipelineDefinition) -> tuple[Step, ...]:
    """Every step a record can be at; one per stage (in stage order) when none are declared."""
    return index_of(definition).step_order


def get_step(definition: PipelineDefinition, step_key: str) -> Step:
    """Return the effective step, or raise UnknownKeyError('unknown_step')."""
    step = index_of(definition).steps.get(step_key)
    if step is None:
        raise UnknownKeyError("unknown_step", step_key, f"unknown step '{step_key}'")
    return step


def effective_transitions_from(
    definition: PipelineDefinition, step_key: str
) -> tuple[Transition, ...]:
    """Every transition that leaves `step_key`, declared (incl. wildcards) or synthetic."""
    return index_of(definition).outgoing(step_key)


def get_stage(definition: PipelineDefinition, stage_key: str) -> Stage:
    """Return the stage, or raise UnknownKeyError('unknown_stage')."""
    stage = index_of(definition).stages.get(stage_key)
    if stage is None:
        raise UnknownKeyError("unknown_stage", stage_key, f"unknown stage '{stage_key}'")
    return stage


def stage_of(definition: PipelineDefinition, step_key: str) -> Stage:
    """Return the stage a step belongs to; UnknownKeyError for an unknown step or stage."""
    return get_stage(definition, get_step(definition, step_key).stage)


def status_of(definition: PipelineDefinition, step_key: str) -> StageStatus:
    """Return the status (open, won, lost, archived) of the step's stage."""
    return stage_of(definition, step_key).status


def ordered_stages(definition: PipelineDefinition) -> tuple[Stage, ...]:
    """All stages by position (ties keep the declared order)."""
    return index_of(definition).stage_order


def funnel_stages(definition: PipelineDefinition) -> tuple[Stage, ...]:
    """The active open stages in funnel order (by position)."""
    return tuple(
        stage
        for stage in index_of(definition).stage_order
        if stage.active and stage.status == "open"
    )


def default_stage(definition: PipelineDefinition) -> Stage | None:
    """The stage flagged default (the first one, should validation have let several through)."""
    return next((stage for stage in definition.stages if stage.is_default), None)


def conversion_end_stage(definition: PipelineDefinition) -> Stage | None:
    """The stage a lead moves to when it is converted; None when none is configured."""
    return next((stage for stage in definition.stages if stage.is_conversion_end_stage), None)


def first_step_of_stage(definition: PipelineDefinition, stage_key: str) -> str:
    """The step a record enters a stage at; UnknownKeyError when the stage has no step."""
    step = index_of(definition).first_step_of_stage.get(stage_key)
    if step is None:
        raise UnknownKeyError("unknown_stage", stage_key, f"stage '{stage_key}' has no step")
    return step


def steps_of_stage(definition: PipelineDefinition, stage_key: str) -> tuple[str, ...]:
    """The keys of the effective steps inside a stage, in declared order."""
    return index_of(definition).steps_of_stage.get(stage_key, ())


def get_attribute(definition: PipelineDefinition, key: str) -> AttributeDefinition | None:
    """The custom attribute with this key, or None for built-in or unknown fields."""
    return index_of(definition).attributes.get(key)


def shown_attributes(definition: PipelineDefinition, step_key: str) -> tuple[str, ...]:
    """The attribute keys shown on a record at this step."""
    return get_step(definition, step_key).attributes


def start_step(
    definition: PipelineDefinition,
    entry_key: str | None = None,
    *,
    existing_account: bool = False,
) -> str:
    """The step a new record starts at: the named entry, else the first entry matching
    `existing_account` (else the first entry), else the default stage's first step."""
    if entry_key is not None:
        entry = next((e for e in definition.entries if e.key == entry_key), None)
        if entry is None:
            raise UnknownKeyError("unknown_entry", entry_key, f"unknown entry '{entry_key}'")
        return entry.step
    if definition.entries:
        matching = (e for e in definition.entries if e.for_existing_account == existing_account)
        return next(matching, definition.entries[0]).step
    stage = default_stage(definition)
    if stage is None:
        raise UnknownKeyError("no_default_stage", "", "the pipeline has no default stage")
    return first_step_of_stage(definition, stage.key)


def follow_on_start(definition: PipelineDefinition, follow_on_key: str) -> str:
    """The step a follow-on child record starts at; UnknownKeyError('unknown_follow_on')."""
    follow_on = next((f for f in definition.follow_ons if f.key == follow_on_key), None)
    if follow_on is None:
        raise UnknownKeyError(
            "unknown_follow_on", follow_on_key, f"unknown follow-on '{follow_on_key}'"
        )
    return follow_on.step


def transition_to_stage(
    definition: PipelineDefinition, current_step: str, stage_key: str
) -> str | None:
    """The key of the first transition from `current_step` into `stage_key` (for board drags),
    or None when no transition goes there."""
    index = index_of(definition)
    if index.free_moves:
        return stage_move_key(stage_key) if stage_key in index.stages else None
    for transition in index.outgoing(current_step):
        target = index.steps.get(transition.to_step)
        if target is not None and target.stage == stage_key:
            return transition.key
    return None


def _structurally_open(index: PipelineIndex, current_step: str, transition: Transition) -> bool:
    """Whether a transition could ever be taken from here, whatever the record's values."""
    target = index.steps.get(transition.to_step)
    if target is None:
        return False
    target_stage = index.stages.get(target.stage)
    if target_stage is None or not target_stage.active:
        return False
    current = index.steps.get(current_step)
    current_stage = index.stages.get(current.stage) if current is not None else None
    return not (
        current_stage is not None
        and current_stage.allowed_next
        and target.stage != current_stage.key
        and target.stage not in current_stage.allowed_next
    )


def reachable_steps(definition: PipelineDefinition, from_step: str) -> tuple[str, ...]:
    """Steps one transition away from `from_step` that are not structurally blocked (target
    stage active and permitted by `allowed_next`); required values are not considered."""
    index = index_of(definition)
    seen: dict[str, None] = {}
    for transition in index.outgoing(from_step):
        if _structurally_open(index, from_step, transition):
            seen.setdefault(transition.to_step, None)
    return tuple(seen)


def unreachable_steps(definition: PipelineDefinition, from_step: str) -> tuple[str, ...]:
    """Every other step not in `reachable_steps` (what a graph greys out), in step order."""
    reachable = set(reachable_steps(definition, from_step))
    return tuple(
        step.key
        for step in index_of(definition).step_order
        if step.key != from_step and step.key not in reachable
    )

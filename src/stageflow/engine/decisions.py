"""The decision "may a record at step S take transition T, and if not, exactly why".

Every refusal reason is collected, never only the first, so the caller can show them all at
once (the API lists each missing attribute in `fields`). The engine decides; it never saves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from .definitions import DEFAULT_LANGUAGE, PipelineDefinition, Transition
from .workflow import PipelineIndex, index_of

# Stable refusal codes; the API maps them to status codes once.
UNKNOWN_STEP: Final = "unknown_step"
UNKNOWN_TRANSITION: Final = "unknown_transition"
NOT_FROM_CURRENT_STEP: Final = "not_from_current_step"
SAME_STAGE: Final = "same_stage"
NOT_IN_ALLOWED_NEXT: Final = "not_in_allowed_next"
INACTIVE_TARGET: Final = "inactive_target"
UNKNOWN_TARGET: Final = "unknown_target"
MISSING_ATTRIBUTE: Final = "missing_attribute"

# Codes meaning "this move does not exist from here" (HTTP 409) rather than "fill these in"
# (HTTP 422). A decision with any of them is a conflict whatever else is missing.
CONFLICT_CODES: Final = frozenset(
    {UNKNOWN_STEP, UNKNOWN_TRANSITION, NOT_FROM_CURRENT_STEP, UNKNOWN_TARGET}
)

EmptyCheck = Callable[[str, object], bool]


@dataclass(frozen=True, slots=True)
class Refusal:
    """One reason a transition may not be taken; `field` is the attribute key when relevant."""

    code: str
    message: str
    field: str | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """Allowed, or every reason not; `missing` lists the empty required attribute keys."""

    allowed: bool
    reasons: tuple[Refusal, ...] = ()
    missing: tuple[str, ...] = ()
    transition: Transition | None = None

    @property
    def is_conflict(self) -> bool:
        """True when the move does not exist from here (as opposed to data being missing)."""
        return any(reason.code in CONFLICT_CODES for reason in self.reasons)


@dataclass(frozen=True, slots=True)
class TransitionOption:
    """A transition leaving the current step as a button: whether it can be taken now."""

    key: str
    name: str
    to_step: str
    allowed: bool
    missing: tuple[str, ...] = ()
    reasons: tuple[Refusal, ...] = ()


def is_empty_value(value: object, attribute_type: str | None = None) -> bool:
    """Whether a required attribute counts as not filled in.

    Empty: None, a blank or whitespace-only string, an empty list/tuple/set/dict. For `bool`
    attributes False is empty too: a required flag such as `payment_details_confirmed` must be
    true to pass. Zero is a real number and never empty.
    """
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set | frozenset | dict):
        return not value
    return attribute_type == "bool" and value is False


def _default_empty_check(index: PipelineIndex) -> EmptyCheck:
    def check(key: str, value: object) -> bool:
        attribute = index.attributes.get(key)
        return is_empty_value(value, attribute.type if attribute is not None else None)

    return check


def _field_label(
    index: PipelineIndex, key: str, lang: str, labels: Mapping[str, str] | None
) -> str:
    attribute = index.attributes.get(key)
    if attribute is not None:
        return attribute.label(lang)
    if labels is not None and key in labels:
        return labels[key]
    return key


def check_transition(
    definition: PipelineDefinition,
    current_step: str,
    transition_key: str,
    values: Mapping[str, object],
    *,
    is_required_empty: EmptyCheck | None = None,
    labels: Mapping[str, str] | None = None,
    lang: str = DEFAULT_LANGUAGE,
) -> Decision:
    """Decide whether a record at `current_step` holding `values` may take `transition_key`.

    `labels` names built-in fields in messages; custom attributes use their own labels.
    """
    index = index_of(definition)
    if current_step not in index.steps:
        refusal = Refusal(UNKNOWN_STEP, f"The record is at unknown step '{current_step}'.")
        return Decision(allowed=False, reasons=(refusal,))
    transition = index.resolve(transition_key, current_step)
    if transition is None:
        refusal = Refusal(UNKNOWN_TRANSITION, f"There is no transition '{transition_key}'.")
        return Decision(allowed=False, reasons=(refusal,))
    reasons = _route_refusals(index, current_step, transition, lang)
    empty = is_required_empty or _default_empty_check(index)
    missing: list[str] = []
    for key in transition.required:
        if empty(key, values.get(key)):
            missing.append(key)
            label = _field_label(index, key, lang, labels)
            reasons.append(
                Refusal(
                    MISSING_ATTRIBUTE,
                    f'"{label}" is required for "{transition.name}".',
                    field=key,
                )
            )
    return Decision(
        allowed=not reasons,
        reasons=tuple(reasons),
        missing=tuple(missing),
        transition=transition,
    )


def _route_refusals(
    index: PipelineIndex, current_step: str, transition: Transition, lang: str
) -> list[Refusal]:
    """Reasons the move itself is impossible from here, independent of the record's values."""
    reasons: list[Refusal] = []
    leaves_here = transition.key in index.transition_keys_from.get(current_step, frozenset())
    if not index.free_moves and not leaves_here:
        reasons.append(
            Refusal(
                NOT_FROM_CURRENT_STEP,
                f'"{transition.name}" cannot be taken from step '
                f'"{index.steps[current_step].name}".',
            )
        )
    target = index.steps.get(transition.to_step)
    target_stage = index.stages.get(target.stage) if target is not None else None
    if target is None or target_stage is None:
        reasons.append(
            Refusal(
                UNKNOWN_TARGET,
                f"\"{transition.name}\" leads to unknown step '{transition.to_step}'.",
            )
        )
        return reasons
    current_stage = index.stages.get(index.steps[current_step].stage)
    if index.free_moves and current_stage is not None and current_stage.key == target_stage.key:
        reasons.append(
            Refusal(SAME_STAGE, f'The record is already in stage "{target_stage.label(lang)}".')
        )
    elif (
        current_stage is not None
        and current_stage.allowed_next
        and target_stage.key != current_stage.key
        and target_stage.key not in current_stage.allowed_next
    ):
        reasons.append(
            Refusal(
                NOT_IN_ALLOWED_NEXT,
                f'Stage "{current_stage.label(lang)}" may not move on to stage '
                f'"{target_stage.label(lang)}".',
            )
        )
    if not target_stage.active:
        reasons.append(Refusal(INACTIVE_TARGET, f'Stage "{target_stage.label(lang)}" is inactive.'))
    return reasons


def available_transitions(
    definition: PipelineDefinition,
    current_step: str,
    values: Mapping[str, object],
    *,
    is_required_empty: EmptyCheck | None = None,
    labels: Mapping[str, str] | None = None,
    lang: str = DEFAULT_LANGUAGE,
) -> list[TransitionOption]:
    """Every transition leaving `current_step`, each with whether it can be taken now."""
    options: list[TransitionOption] = []
    for transition in index_of(definition).outgoing(current_step):
        decision = check_transition(
            definition,
            current_step,
            transition.key,
            values,
            is_required_empty=is_required_empty,
            labels=labels,
            lang=lang,
        )
        options.append(
            TransitionOption(
                key=transition.key,
                name=transition.name,
                to_step=transition.to_step,
                allowed=decision.allowed,
                missing=decision.missing,
                reasons=decision.reasons,
            )
        )
    return options

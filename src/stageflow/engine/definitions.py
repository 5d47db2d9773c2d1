"""The pipeline definition model: frozen, typed descriptions of a workflow.

These classes are plain data. They say nothing about whether a definition is consistent
(see `validation.validate`) or how a record moves through it (see `workflow` and `decisions`).
Names per language are `Mapping[str, str]` (language code -> text); use `label_for` to pick one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal, get_args

RecordType = Literal["lead", "opportunity"]
StageStatus = Literal["open", "won", "lost", "archived"]
AttributeType = Literal[
    "text",
    "long_text",
    "number",
    "money",
    "date",
    "datetime",
    "bool",
    "choice",
    "multi_choice",
    "user",
    "contact",
    "account",
    "email",
    "phone",
    "url",
]
TemplateKind = Literal["email", "document"]
Channel = Literal["email", "sms"]

RECORD_TYPES: Final[tuple[str, ...]] = get_args(RecordType)
STAGE_STATUSES: Final[tuple[str, ...]] = get_args(StageStatus)
ATTRIBUTE_TYPES: Final[tuple[str, ...]] = get_args(AttributeType)
TEMPLATE_KINDS: Final[tuple[str, ...]] = get_args(TemplateKind)
CHANNELS: Final[tuple[str, ...]] = get_args(Channel)

# Marks a transition that may be taken from any step.
ANY_STEP: Final = "*"
DEFAULT_LANGUAGE: Final = "en"


def label_for(names: Mapping[str, str], lang: str, fallback: str) -> str:
    """Return the text for `lang`, else the English text, else `fallback` (usually the key)."""
    text = names.get(lang) or names.get(DEFAULT_LANGUAGE)
    return text if text else fallback


@dataclass(frozen=True, slots=True)
class Choice:
    """One value of a lookup table or of a choice attribute."""

    key: str
    label: str
    active: bool = True


@dataclass(frozen=True, slots=True)
class TemplateRef:
    """An email or document template offered on records in a stage."""

    kind: TemplateKind
    key: str


@dataclass(frozen=True, slots=True)
class StageGroup:
    key: str
    names: Mapping[str, str] = field(default_factory=dict)

    def label(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return label_for(self.names, lang, self.key)


@dataclass(frozen=True, slots=True)
class Stage:
    key: str
    names: Mapping[str, str] = field(default_factory=dict)
    position: int = 0
    status: StageStatus = "open"
    active: bool = True
    is_default: bool = False
    is_end_stage: bool = False
    is_conversion_end_stage: bool = False
    colour: str | None = None
    code: str | None = None
    group: str | None = None
    probability: int | None = None
    procedure: str | None = None
    instructions: str = ""
    # Stage keys a record may move to next; empty means any active stage.
    allowed_next: tuple[str, ...] = ()
    templates: tuple[TemplateRef, ...] = ()

    def label(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return label_for(self.names, lang, self.key)


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    name: str
    stage: str
    # Attribute keys shown on a record while it is at this step.
    attributes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Trigger:
    """An entity-creating or other action run when a transition is taken (opaque params)."""

    action: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Communication:
    """A message sent when a transition is taken: a template through a channel to a role."""

    channel: Channel
    template: str
    to: str


@dataclass(frozen=True, slots=True)
class Transition:
    key: str
    name: str
    from_step: str  # a step key or ANY_STEP
    to_step: str
    required: tuple[str, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    communications: tuple[Communication, ...] = ()


@dataclass(frozen=True, slots=True)
class Entry:
    """A named starting step for a new record."""

    key: str
    name: str
    step: str
    for_existing_account: bool = False


@dataclass(frozen=True, slots=True)
class FollowOn:
    """A named way to start a child record from a parent, at the given step."""

    key: str
    name: str
    step: str


@dataclass(frozen=True, slots=True)
class AttributeDefinition:
    """A custom attribute (field) records of this pipeline carry."""

    key: str
    type: AttributeType
    labels: Mapping[str, str] = field(default_factory=dict)
    choices: tuple[Choice, ...] = ()
    # Name of a lookup table supplying the choices instead of `choices`.
    lookup: str | None = None
    help: Mapping[str, str] = field(default_factory=dict)
    required_on_create: bool = False
    shown_in_lists: bool = False

    def label(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return label_for(self.labels, lang, self.key)


@dataclass(frozen=True, slots=True)
class PipelineDefinition:
    """One version of a workflow for one record type. Compare with ==; never hash it."""

    key: str
    record_type: RecordType
    name: str
    version: int = 1
    stage_groups: tuple[StageGroup, ...] = ()
    stages: tuple[Stage, ...] = ()
    steps: tuple[Step, ...] = ()
    transitions: tuple[Transition, ...] = ()
    entries: tuple[Entry, ...] = ()
    follow_ons: tuple[FollowOn, ...] = ()
    attributes: tuple[AttributeDefinition, ...] = ()
    lookups: Mapping[str, tuple[Choice, ...]] = field(default_factory=dict)
    # Automation rules, kept opaque for the automation layer and round-tripped untouched.
    rules: tuple[Mapping[str, object], ...] = ()
    # Indexes built on first use by `workflow.index_of`; not part of the value.
    _index: object = field(default=None, init=False, repr=False, compare=False)

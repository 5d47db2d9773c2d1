"""Hypothesis strategies that build pipeline definitions (valid by construction)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from stageflow.engine import (
    ATTRIBUTE_TYPES,
    AttributeDefinition,
    Choice,
    Communication,
    Entry,
    FollowOn,
    PipelineDefinition,
    Stage,
    StageGroup,
    Step,
    TemplateRef,
    Transition,
    Trigger,
)

keys = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
texts = st.text(max_size=10)
names = st.dictionaries(st.sampled_from(["en", "nl", "de"]), texts, max_size=3)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts
)
json_data = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=5,
)
json_mappings = st.dictionaries(keys, json_data, max_size=3)


def _unique(draw: st.DrawFn, count_min: int, count_max: int) -> list[str]:
    return draw(st.lists(keys, min_size=count_min, max_size=count_max, unique=True))


def _some(draw: st.DrawFn, options: list[str], most: int) -> list[str]:
    if not options:
        return []
    return draw(st.lists(st.sampled_from(options), max_size=most, unique=True))


@st.composite
def definitions(draw: st.DrawFn) -> PipelineDefinition:
    record_type = draw(st.sampled_from(["lead", "opportunity"]))
    group_keys = _unique(draw, 0, 3)
    stage_keys = _unique(draw, 4, 6)
    statuses = ["open", "won", "lost", "archived"]
    stages = []
    for number, key in enumerate(stage_keys):
        # The first four stages give the statuses every pipeline needs; the rest are random.
        status = statuses[number] if number < 4 else draw(st.sampled_from(statuses))
        stages.append(
            Stage(
                key=key,
                names=draw(names),
                position=draw(st.integers(-5, 100)),
                status=status,  # type: ignore[arg-type]
                active=number < 4 or draw(st.booleans()),
                is_default=number == 0,
                is_end_stage=status != "open",
                is_conversion_end_stage=record_type == "lead" and number == 1,
                colour=draw(st.none() | st.sampled_from(["#CCE5FF", "#00aa00"])),
                code=draw(st.none() | keys),
                group=draw(st.none() | st.sampled_from(group_keys)) if group_keys else None,
                probability=draw(st.none() | st.integers(0, 100)),
                procedure=draw(st.none() | keys),
                instructions=draw(texts),
                allowed_next=tuple(
                    draw(st.lists(st.sampled_from(stage_keys), max_size=2, unique=True))
                ),
                templates=tuple(
                    draw(
                        st.lists(
                            st.builds(TemplateRef, st.sampled_from(["email", "document"]), keys),
                            max_size=2,
                        )
                    )
                ),
            )
        )
    lookup_names = _unique(draw, 0, 2)
    lookups = {
        name: tuple(Choice(key, draw(texts), draw(st.booleans())) for key in _unique(draw, 0, 3))
        for name in lookup_names
    }
    attribute_keys = _unique(draw, 0, 5)
    attributes = []
    for key in attribute_keys:
        kind = draw(st.sampled_from(ATTRIBUTE_TYPES))
        choices: tuple[Choice, ...] = ()
        lookup = None
        if kind in ("choice", "multi_choice"):
            if draw(st.booleans()) and lookup_names:
                lookup = draw(st.sampled_from(lookup_names))
            else:
                choices = tuple(Choice(c, draw(texts)) for c in _unique(draw, 1, 3))
        attributes.append(
            AttributeDefinition(
                key=key,
                type=kind,  # type: ignore[arg-type]
                labels=draw(names),
                choices=choices,
                lookup=lookup,
                help=draw(names),
                required_on_create=draw(st.booleans()),
                shown_in_lists=draw(st.booleans()),
            )
        )
    steps: list[Step] = []
    if draw(st.booleans()):
        for stage in stage_keys:
            for key in _unique(draw, 1, 2):
                if key not in {step.key for step in steps}:
                    shown = _some(draw, attribute_keys, 2)
                    steps.append(Step(key, draw(texts), stage, tuple(shown)))
    step_keys = [step.key for step in steps] or stage_keys
    transitions = []
    if draw(st.booleans()):
        for key in _unique(draw, 1, 8):
            required = _some(draw, attribute_keys, 2)
            transitions.append(
                Transition(
                    key=key,
                    name=draw(texts),
                    from_step=draw(st.sampled_from([*step_keys, "*"])),
                    to_step=draw(st.sampled_from(step_keys)),
                    required=tuple(required),
                    triggers=tuple(
                        draw(st.lists(st.builds(Trigger, keys, json_mappings), max_size=2))
                    ),
                    communications=tuple(
                        draw(
                            st.lists(
                                st.builds(
                                    Communication, st.sampled_from(["email", "sms"]), keys, keys
                                ),
                                max_size=1,
                            )
                        )
                    ),
                )
            )
    entries = [
        Entry(key, draw(texts), draw(st.sampled_from(step_keys)), draw(st.booleans()))
        for key in _unique(draw, 0, 2)
    ]
    follow_ons = [
        FollowOn(key, draw(texts), draw(st.sampled_from(step_keys))) for key in _unique(draw, 0, 2)
    ]
    return PipelineDefinition(
        key=draw(keys),
        record_type=record_type,  # type: ignore[arg-type]
        name=draw(texts.filter(str.strip)),
        version=draw(st.integers(1, 50)),
        stage_groups=tuple(StageGroup(key, draw(names)) for key in group_keys),
        stages=tuple(stages),
        steps=tuple(steps),
        transitions=tuple(transitions),
        entries=tuple(entries),
        follow_ons=tuple(follow_ons),
        attributes=tuple(attributes),
        lookups=lookups,
        rules=tuple(draw(st.lists(json_mappings, max_size=2))),
    )


# Field names of the file format, so random documents often look almost like a pipeline.
FILE_WORDS = [
    "key",
    "record_type",
    "name",
    "version",
    "stages",
    "steps",
    "transitions",
    "entries",
    "follow_ons",
    "attributes",
    "lookups",
    "rules",
    "status",
    "names",
    "position",
    "from",
    "to",
    "required",
    "stage",
    "step",
    "type",
    "is_default",
    "allowed_next",
    "active",
    "lead",
    "opportunity",
    "open",
    "won",
    "lost",
    "*",
]
words = st.sampled_from(FILE_WORDS) | keys
documents: st.SearchStrategy[Any] = st.recursive(
    json_scalars | words,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(words, inner, max_size=5),
    max_leaves=30,
)

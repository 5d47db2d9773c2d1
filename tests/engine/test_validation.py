"""Validation: every error and warning, each with its path and code."""

from __future__ import annotations

from typing import Any

import pytest

from stageflow.engine import (
    AttributeDefinition,
    PipelineDefinition,
    Problem,
    Stage,
    Step,
    Transition,
    Trigger,
    from_dict,
    has_errors,
    to_dict,
    validate,
)


def _validate(data: dict[str, Any], **kwargs: Any) -> list[Problem]:
    return validate(from_dict(data), **kwargs)


def _training(training: PipelineDefinition) -> dict[str, Any]:
    return to_dict(training)


def test_the_simple_pipeline_is_valid(simple_data: dict[str, Any]) -> None:
    assert _validate(simple_data) == []


@pytest.mark.parametrize(
    ("section", "index", "path", "what"),
    [
        ("stages", 1, "stages[1].key", "stage"),
        ("steps", 1, "steps[1].key", "step"),
        ("transitions", 1, "transitions[1].key", "transition"),
        ("entries", 1, "entries[1].key", "entry"),
        ("follow_ons", 0, "follow_ons[1].key", "follow-on"),
        ("attributes", 1, "attributes[1].key", "attribute"),
        ("stage_groups", 1, "stage_groups[1].key", "stage group"),
    ],
)
def test_duplicate_keys_are_errors(
    training: PipelineDefinition, section: str, index: int, path: str, what: str
) -> None:
    data = _training(training)
    items = data[section]
    if section == "follow_ons":
        items.append(dict(items[0]))
    first = items[0]["key"]
    items[index]["key"] = first

    problems = [p for p in _validate(data) if p.code == "duplicate_key"]

    position = 0
    assert problems == [
        Problem(
            "error",
            path,
            "duplicate_key",
            f"duplicate {what} key '{first}' (first at {section}[{position}])",
        )
    ]


def test_a_pipeline_without_a_default_stage_is_an_error(simple_data: dict[str, Any]) -> None:
    del simple_data["stages"][0]["is_default"]

    assert _validate(simple_data) == [
        Problem("error", "stages", "no_default_stage", "exactly one stage must be the default")
    ]


def test_several_default_stages_are_an_error(simple_data: dict[str, Any]) -> None:
    simple_data["stages"][1]["is_default"] = True

    assert _validate(simple_data) == [
        Problem(
            "error",
            "stages[1].is_default",
            "several_default_stages",
            "'new' is already the default stage",
        )
    ]


def test_an_opportunity_pipeline_needs_a_won_and_a_lost_stage(
    simple_data: dict[str, Any],
) -> None:
    simple_data["stages"][2]["status"] = "archived"
    simple_data["stages"][3]["status"] = "archived"

    assert _validate(simple_data) == [
        Problem("error", "stages", "no_won_stage", "an opportunity pipeline needs a won stage"),
        Problem("error", "stages", "no_lost_stage", "an opportunity pipeline needs a lost stage"),
    ]


def test_a_lead_pipeline_needs_a_conversion_end_stage(simple_data: dict[str, Any]) -> None:
    simple_data["record_type"] = "lead"

    assert _validate(simple_data) == [
        Problem(
            "error",
            "stages",
            "no_conversion_end_stage",
            "a lead pipeline needs a conversion end-stage",
        )
    ]


def test_a_lead_pipeline_with_two_conversion_end_stages_is_an_error(
    simple_data: dict[str, Any],
) -> None:
    simple_data["record_type"] = "lead"
    for stage in simple_data["stages"][2:]:
        stage["is_conversion_end_stage"] = True
        stage["is_end_stage"] = True

    assert _validate(simple_data) == [
        Problem(
            "error",
            "stages[3].is_conversion_end_stage",
            "several_conversion_end_stages",
            "'won' is already the conversion end-stage",
        )
    ]


def test_a_conversion_end_stage_that_is_not_an_end_stage_is_a_warning(
    simple_data: dict[str, Any],
) -> None:
    simple_data["record_type"] = "lead"
    simple_data["stages"][2]["is_conversion_end_stage"] = True

    assert _validate(simple_data) == [
        Problem(
            "warning",
            "stages[2].is_end_stage",
            "conversion_stage_not_end_stage",
            "the conversion end-stage should also be an end stage",
        )
    ]


def test_a_conversion_flag_on_an_opportunity_pipeline_is_a_warning(
    simple_data: dict[str, Any],
) -> None:
    simple_data["stages"][2]["is_conversion_end_stage"] = True

    assert [(p.severity, p.path, p.code) for p in _validate(simple_data)] == [
        ("warning", "stages[2].is_conversion_end_stage", "conversion_end_stage_unused")
    ]


def test_unknown_step_references_in_transitions_name_the_step(
    training: PipelineDefinition,
) -> None:
    data = _training(training)
    data["transitions"][3]["to"] = "qoute_sent"
    data["transitions"][2]["from"] = "nowhere"

    assert [str(p) for p in _validate(data)] == [
        "transitions[2].from: unknown step 'nowhere'",
        "transitions[3].to: unknown step 'qoute_sent'",
    ]


def test_unknown_stage_and_group_references_are_errors(training: PipelineDefinition) -> None:
    data = _training(training)
    data["steps"][2]["stage"] = "propsed"
    data["stages"][0]["group"] = "open"
    data["stages"][0]["allowed_next"] = ["proposed", "wonn"]

    assert [(p.path, p.code, p.message) for p in _validate(data)] == [
        ("stages[0].group", "unknown_stage_group", "unknown stage group 'open'"),
        ("stages[0].allowed_next[1]", "unknown_stage", "unknown stage 'wonn'"),
        ("steps[2].stage", "unknown_stage", "unknown stage 'propsed'"),
    ]


def test_a_step_without_a_stage_is_an_error(training: PipelineDefinition) -> None:
    data = _training(training)
    data["steps"][1]["stage"] = ""

    assert [(p.path, p.code, p.message) for p in _validate(data)] == [
        ("steps[1].stage", "step_without_stage", "a step must belong to a stage")
    ]


def test_required_and_shown_attributes_must_be_known_fields(training: PipelineDefinition) -> None:
    data = _training(training)
    data["transitions"][1]["required"] = ["expected_close_date", "po_numbr"]
    data["steps"][1]["attributes"] = ["value"]

    unknown = _validate(data)
    with_builtins = _validate(data, known_fields={"expected_close_date", "value"})

    assert [str(p) for p in unknown] == [
        "steps[1].attributes[0]: unknown attribute 'value'",
        "transitions[1].required[0]: unknown attribute 'expected_close_date'",
        "transitions[1].required[1]: unknown attribute 'po_numbr'",
    ]
    assert [str(p) for p in with_builtins] == [
        "transitions[1].required[1]: unknown attribute 'po_numbr'"
    ]


def test_entries_and_follow_ons_must_point_to_known_steps(training: PipelineDefinition) -> None:
    data = _training(training)
    data["entries"][1]["step"] = "qualifyed"
    data["follow_ons"][0]["step"] = "sent"

    assert [str(p) for p in _validate(data)] == [
        "entries[1].step: unknown step 'qualifyed'",
        "follow_ons[0].step: unknown step 'sent'",
    ]


def test_probability_outside_0_to_100_is_an_error(simple_data: dict[str, Any]) -> None:
    simple_data["stages"][1]["probability"] = 120
    simple_data["stages"][2]["probability"] = -1

    assert [str(p) for p in _validate(simple_data)] == [
        "stages[1].probability: must be between 0 and 100",
        "stages[2].probability: must be between 0 and 100",
    ]


def test_invalid_values_in_definitions_built_in_code_are_errors() -> None:
    definition = PipelineDefinition(
        key="bad key",
        record_type="deal",  # type: ignore[arg-type]
        name="Bad",
        version=0,
        stages=(
            Stage("a", status="pending", is_default=True, colour="red"),  # type: ignore[arg-type]
        ),
        attributes=(AttributeDefinition("x", "colour"),),  # type: ignore[arg-type]
    )

    assert [str(p) for p in validate(definition)] == [
        "key: 'bad key' is not a valid key: use up to 100 letters, digits, '_', '-' or '.', "
        "starting with a letter or digit",
        "record_type: must be one of lead, opportunity",
        "version: must be 1 or more",
        "stages[0].status: must be one of open, won, lost, archived",
        "stages[0].colour: must look like #1A2B3C",
        "attributes[0].type: must be one of text, long_text, number, money, date, datetime, "
        "bool, choice, multi_choice, user, contact, account, email, phone, url",
    ]


def test_keys_may_not_use_the_reserved_characters(simple_data: dict[str, Any]) -> None:
    simple_data["stages"][1]["key"] = "to:won"
    simple_data["stages"][2]["key"] = "*"

    assert [p.path for p in _validate(simple_data) if p.code == "invalid_key"] == [
        "stages[1].key",
        "stages[2].key",
    ]


def test_choice_attributes_need_choices_or_a_known_lookup(training: PipelineDefinition) -> None:
    data = _training(training)
    data["attributes"][5]["lookup"] = "reasons"
    data["attributes"][4]["type"] = "multi_choice"

    assert [str(p) for p in _validate(data)] == [
        "attributes[4].choices: a choice attribute needs choices or a lookup table",
        "attributes[5].lookup: unknown lookup table 'reasons'",
    ]


def test_duplicate_lookup_values_are_errors(training: PipelineDefinition) -> None:
    data = _training(training)
    data["lookups"]["lost_reasons"][1]["key"] = "price"

    assert [str(p) for p in _validate(data)] == [
        "lookups.lost_reasons[1].key: duplicate value key 'price'"
    ]


def test_steps_no_entry_can_reach_are_warnings(training: PipelineDefinition) -> None:
    data = _training(training)
    del data["transitions"][1]  # T2 Qualified -> Proposal Sent
    del data["follow_ons"]

    assert [(p.severity, p.path, p.code) for p in _validate(data)] == [
        ("warning", "steps[0]", "dead_end"),
        ("warning", "steps[1]", "dead_end"),
        ("warning", "steps[2]", "unreachable_step"),
        ("warning", "steps[3]", "unreachable_step"),
        ("warning", "steps[4]", "unreachable_step"),
        ("warning", "steps[5]", "unreachable_step"),
        ("warning", "steps[6]", "unreachable_step"),
        ("warning", "steps[7]", "unreachable_step"),
    ]


def test_a_follow_on_counts_as_a_start(training: PipelineDefinition) -> None:
    data = _training(training)
    del data["transitions"][1]

    assert [(p.path, p.code) for p in _validate(data)] == [
        ("steps[0]", "dead_end"),
        ("steps[1]", "dead_end"),
    ]


def test_an_open_step_with_no_way_to_a_closed_step_is_a_dead_end(
    training: PipelineDefinition,
) -> None:
    data = _training(training)
    del data["transitions"][4]  # T5 Payment Details Confirmed -> Won

    problems = _validate(data)

    assert problems == [
        Problem(
            "warning",
            "steps[3]",
            "dead_end",
            "no won, lost or archived step can be reached from step 'proposal_accepted'",
        ),
        Problem(
            "warning",
            "steps[4]",
            "dead_end",
            "no won, lost or archived step can be reached from step 'payment_details_confirmed'",
        ),
        Problem(
            "warning", "steps[5]", "unreachable_step", "no entry or start can reach step 'won'"
        ),
    ]
    assert has_errors(problems) is False


def test_an_inactive_default_stage_is_a_warning(simple_data: dict[str, Any]) -> None:
    simple_data["stages"][0]["active"] = False
    simple_data["stages"][1]["is_default"] = False

    assert [(p.severity, p.path, p.code) for p in _validate(simple_data)] == [
        ("warning", "stages[0].active", "inactive_default_stage")
    ]


def test_stages_without_steps_and_transitions_into_inactive_stages_are_warnings(
    training: PipelineDefinition,
) -> None:
    data = _training(training)
    data["stages"].append({"key": "on_hold", "position": 25})
    data["stages"][4]["active"] = False

    assert [(p.path, p.code) for p in _validate(data)] == [
        ("stages[5]", "stage_without_steps"),
        ("transitions[6].to", "transition_to_inactive_stage"),
    ]


def test_a_transition_blocked_by_allowed_next_is_a_warning(training: PipelineDefinition) -> None:
    data = _training(training)
    data["stages"][1]["allowed_next"] = ["won", "lost"]

    assert [str(p) for p in _validate(data)] == [
        "transitions[6].to: stage 'proposed' does not list 'archived' in allowed_next",
        "steps[7]: no entry or start can reach step 'archived'",
    ]


def test_free_move_dead_ends_follow_allowed_next(simple_data: dict[str, Any]) -> None:
    simple_data["stages"][0]["allowed_next"] = ["proposal"]
    simple_data["stages"][1]["allowed_next"] = ["new"]

    assert [(p.path, p.code) for p in _validate(simple_data)] == [
        ("stages[0]", "dead_end"),
        ("stages[1]", "dead_end"),
        ("stages[2]", "unreachable_step"),
        ("stages[3]", "unreachable_step"),
    ]


def test_a_free_mover_reaching_only_its_own_closed_stage_is_checked_per_stage() -> None:
    definition = PipelineDefinition(
        key="p",
        record_type="opportunity",
        name="P",
        stages=(
            Stage("a", is_default=True),
            Stage("b"),
            Stage("won", status="won"),
            Stage("lost", status="lost", allowed_next=("a",)),
        ),
        steps=(
            Step("a1", "A", "a"),
            Step("b1", "B", "b"),
            Step("w", "W", "won"),
            Step("l", "L", "lost"),
        ),
    )

    assert validate(definition) == []


def test_graph_warnings_are_skipped_while_there_are_errors(training: PipelineDefinition) -> None:
    data = _training(training)
    del data["transitions"][1]
    data["stages"][0]["probability"] = 101

    assert [p.code for p in _validate(data)] == ["probability_out_of_range"]


def test_transitions_may_use_stage_keys_in_simple_mode(simple_data: dict[str, Any]) -> None:
    simple_data["transitions"] = [
        {"key": "propose", "name": "Propose", "from": "new", "to": "proposal"},
        {"key": "win", "name": "Win", "from": "proposal", "to": "won"},
        {"key": "lose", "name": "Lose", "from": "*", "to": "lost"},
    ]

    assert _validate(simple_data) == []


def test_an_empty_trigger_action_is_an_error() -> None:
    definition = PipelineDefinition(
        key="p",
        record_type="opportunity",
        name="P",
        stages=(Stage("a", is_default=True), Stage("w", status="won"), Stage("l", status="lost")),
        transitions=(Transition("t", "T", "a", "w", triggers=(Trigger(" "),)),),
    )

    assert [str(p) for p in validate(definition)] == [
        "transitions[0].triggers[0].action: is required"
    ]

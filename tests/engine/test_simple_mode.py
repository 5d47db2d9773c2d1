"""A pipeline without steps or transitions: each stage is a step; moves go between active stages."""

from __future__ import annotations

from typing import Any

from stageflow.engine import (
    Refusal,
    Step,
    available_transitions,
    check_transition,
    effective_steps,
    effective_transitions_from,
    from_dict,
    has_free_moves,
    is_simple_mode,
    reachable_steps,
    stage_move_key,
    start_step,
    transition_to_stage,
    unreachable_steps,
)


def test_each_stage_is_one_step_keyed_like_the_stage(simple_data: dict[str, Any]) -> None:
    definition = from_dict(simple_data)

    assert is_simple_mode(definition) is True
    assert has_free_moves(definition) is True
    assert effective_steps(definition) == (
        Step("new", "New", "new"),
        Step("proposal", "Proposal", "proposal"),
        Step("won", "Won", "won"),
        Step("lost", "Lost", "lost"),
    )


def test_any_move_to_another_active_stage_is_offered(simple_data: dict[str, Any]) -> None:
    definition = from_dict(simple_data)

    moves = effective_transitions_from(definition, "new")

    assert [(t.key, t.name, t.from_step, t.to_step) for t in moves] == [
        ("to:proposal", "Proposal", "new", "proposal"),
        ("to:won", "Won", "new", "won"),
        ("to:lost", "Lost", "new", "lost"),
    ]
    assert stage_move_key("won") == "to:won"


def test_a_move_to_the_same_stage_is_refused(simple_data: dict[str, Any]) -> None:
    definition = from_dict(simple_data)

    decision = check_transition(definition, "new", "to:new", {})

    assert decision.reasons == (Refusal("same_stage", 'The record is already in stage "New".'),)


def test_a_move_to_an_inactive_stage_is_refused_and_not_offered(
    simple_data: dict[str, Any],
) -> None:
    simple_data["stages"].append({"key": "old", "position": 15, "active": False})
    definition = from_dict(simple_data)

    decision = check_transition(definition, "new", "to:old", {})

    assert decision.reasons == (Refusal("inactive_target", 'Stage "old" is inactive.'),)
    assert "to:old" not in [t.key for t in effective_transitions_from(definition, "new")]
    assert "old" in unreachable_steps(definition, "new")


def test_allowed_next_limits_the_moves_to_those_stages(simple_data: dict[str, Any]) -> None:
    simple_data["stages"][0]["allowed_next"] = ["proposal", "lost"]
    definition = from_dict(simple_data)

    refused = check_transition(definition, "new", "to:won", {})

    assert [o.key for o in available_transitions(definition, "new", {})] == [
        "to:proposal",
        "to:lost",
    ]
    assert refused.reasons == (
        Refusal("not_in_allowed_next", 'Stage "New" may not move on to stage "Won".'),
    )
    assert check_transition(definition, "new", "to:lost", {}).allowed is True


def test_empty_allowed_next_means_any_active_stage(simple_data: dict[str, Any]) -> None:
    definition = from_dict(simple_data)

    assert reachable_steps(definition, "won") == ("new", "proposal", "lost")


def test_unknown_stage_and_non_move_keys_are_unknown_transitions(
    simple_data: dict[str, Any],
) -> None:
    definition = from_dict(simple_data)

    assert [r.code for r in check_transition(definition, "new", "to:nowhere", {}).reasons] == [
        "unknown_transition"
    ]
    assert [r.code for r in check_transition(definition, "new", "T1", {}).reasons] == [
        "unknown_transition"
    ]


def test_a_new_record_starts_at_the_default_stage(simple_data: dict[str, Any]) -> None:
    assert start_step(from_dict(simple_data)) == "new"


def test_board_drag_finds_the_move_into_a_stage(simple_data: dict[str, Any]) -> None:
    definition = from_dict(simple_data)

    assert transition_to_stage(definition, "new", "won") == "to:won"
    assert transition_to_stage(definition, "new", "nowhere") is None


def test_declared_steps_without_transitions_move_to_each_stages_first_step(
    simple_data: dict[str, Any],
) -> None:
    simple_data["steps"] = [
        {"key": "call", "name": "Call", "stage": "new"},
        {"key": "draft", "name": "Draft", "stage": "proposal"},
        {"key": "sent", "name": "Sent", "stage": "proposal"},
        {"key": "won", "name": "Won", "stage": "won"},
        {"key": "lost", "name": "Lost", "stage": "lost"},
    ]
    definition = from_dict(simple_data)

    moves = effective_transitions_from(definition, "sent")

    assert is_simple_mode(definition) is False
    assert [(t.key, t.to_step) for t in moves] == [
        ("to:new", "call"),
        ("to:won", "won"),
        ("to:lost", "lost"),
    ]
    assert start_step(definition) == "call"

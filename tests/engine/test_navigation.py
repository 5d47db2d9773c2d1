"""Starting steps, follow-ons, stage lookups and reachability on S3's training workflow."""

from __future__ import annotations

import pytest

from stageflow.engine import (
    PipelineDefinition,
    UnknownKeyError,
    conversion_end_stage,
    default_stage,
    follow_on_start,
    from_dict,
    funnel_stages,
    label_for,
    ordered_stages,
    reachable_steps,
    shown_attributes,
    stage_of,
    start_step,
    status_of,
    steps_of_stage,
    to_dict,
    transition_to_stage,
    unreachable_steps,
)


def test_a_new_opportunity_starts_at_new_enquiry(training: PipelineDefinition) -> None:
    assert start_step(training) == "new_enquiry"


def test_an_opportunity_for_an_existing_account_starts_at_qualified(
    training: PipelineDefinition,
) -> None:
    assert start_step(training, existing_account=True) == "qualified"


def test_an_entry_can_be_chosen_by_key(training: PipelineDefinition) -> None:
    assert start_step(training, "new_opportunity_existing_account") == "qualified"


def test_an_unknown_entry_is_an_error_with_a_code(training: PipelineDefinition) -> None:
    with pytest.raises(UnknownKeyError) as caught:
        start_step(training, "nope")

    assert (caught.value.code, caught.value.key) == ("unknown_entry", "nope")


def test_without_entries_the_default_stages_first_step_is_the_start(
    training: PipelineDefinition,
) -> None:
    data = to_dict(training)
    del data["entries"]

    assert start_step(from_dict(data), existing_account=True) == "new_enquiry"


def test_follow_on_upsell_starts_at_proposal_sent(training: PipelineDefinition) -> None:
    assert follow_on_start(training, "upsell") == "proposal_sent"


def test_an_unknown_follow_on_is_an_error(training: PipelineDefinition) -> None:
    with pytest.raises(UnknownKeyError) as caught:
        follow_on_start(training, "downsell")

    assert caught.value.code == "unknown_follow_on"


def test_stage_and_status_of_steps(training: PipelineDefinition) -> None:
    assert stage_of(training, "payment_details_confirmed").key == "proposed"
    assert status_of(training, "won") == "won"
    assert status_of(training, "archived") == "archived"
    assert steps_of_stage(training, "enquiry") == ("new_enquiry", "qualified")
    with pytest.raises(UnknownKeyError):
        stage_of(training, "nowhere")


def test_funnel_holds_the_open_stages_in_position_order(training: PipelineDefinition) -> None:
    assert [stage.key for stage in funnel_stages(training)] == ["enquiry", "proposed"]


def test_reordering_positions_changes_the_funnel(training: PipelineDefinition) -> None:
    data = to_dict(training)
    data["stages"][0]["position"] = 25

    reordered = from_dict(data)

    assert [stage.key for stage in funnel_stages(reordered)] == ["proposed", "enquiry"]
    assert [stage.key for stage in ordered_stages(reordered)][:2] == ["proposed", "enquiry"]


def test_default_and_conversion_end_stage(training: PipelineDefinition) -> None:
    default = default_stage(training)

    assert default is not None
    assert default.key == "enquiry"
    assert conversion_end_stage(training) is None


def test_reachable_and_greyed_steps_at_new_enquiry(training: PipelineDefinition) -> None:
    assert reachable_steps(training, "new_enquiry") == ("qualified",)
    assert unreachable_steps(training, "new_enquiry") == (
        "proposal_sent",
        "proposal_accepted",
        "payment_details_confirmed",
        "won",
        "lost",
        "archived",
    )


def test_reachable_steps_from_proposal_sent(training: PipelineDefinition) -> None:
    assert reachable_steps(training, "proposal_sent") == ("proposal_accepted", "lost", "archived")


def test_shown_attributes_per_step(training: PipelineDefinition) -> None:
    assert shown_attributes(training, "new_enquiry") == (
        "first_name",
        "last_name",
        "email",
        "company_name",
    )
    assert shown_attributes(training, "lost") == ("lost_reason",)


def test_board_drag_picks_the_declared_transition_into_the_stage(
    training: PipelineDefinition,
) -> None:
    assert transition_to_stage(training, "proposal_sent", "lost") == "T6"
    assert transition_to_stage(training, "qualified", "won") is None


def test_labels_fall_back_to_english_then_the_key(training: PipelineDefinition) -> None:
    enquiry = training.stages[0]

    assert enquiry.label("nl") == "Aanvraag"
    assert training.stages[1].label("nl") == "Proposed"
    assert label_for({}, "de", "fallback-key") == "fallback-key"
    assert label_for({"de": "Angebot"}, "fr", "k") == "k"
    assert training.attributes[0].label("nl") == "Voornaam"
    assert training.stage_groups[1].label("nl") == "Gesloten"

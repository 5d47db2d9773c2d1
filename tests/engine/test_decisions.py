"""The transition decision on S3's training workflow: every reason, never only the first."""

from __future__ import annotations

from stageflow.engine import (
    Decision,
    PipelineDefinition,
    Refusal,
    TransitionOption,
    available_transitions,
    check_transition,
    from_dict,
    is_empty_value,
    to_dict,
)

COMPLETE = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}


def test_t1_with_every_required_attribute_empty_lists_each_with_its_label(
    training: PipelineDefinition,
) -> None:
    decision = check_transition(training, "new_enquiry", "T1", {"first_name": "  ", "email": ""})

    assert decision.allowed is False
    assert decision.missing == ("first_name", "last_name", "email")
    assert decision.reasons == (
        Refusal("missing_attribute", '"First name" is required for "Qualify".', "first_name"),
        Refusal("missing_attribute", '"Last name" is required for "Qualify".', "last_name"),
        Refusal("missing_attribute", '"Email" is required for "Qualify".', "email"),
    )
    assert decision.is_conflict is False


def test_t1_with_only_first_name_empty_names_only_first_name(training: PipelineDefinition) -> None:
    values = {**COMPLETE, "first_name": ""}

    decision = check_transition(training, "new_enquiry", "T1", values)

    assert decision.missing == ("first_name",)
    assert [reason.field for reason in decision.reasons] == ["first_name"]


def test_messages_use_the_requested_language(training: PipelineDefinition) -> None:
    decision = check_transition(
        training, "new_enquiry", "T1", COMPLETE | {"last_name": None}, lang="nl"
    )

    assert decision.reasons[0].message == '"Achternaam" is required for "Qualify".'


def test_t1_with_complete_data_is_allowed_and_carries_the_transition(
    training: PipelineDefinition,
) -> None:
    decision = check_transition(training, "new_enquiry", "T1", COMPLETE)

    assert decision.allowed is True
    assert decision.reasons == ()
    assert decision.missing == ()
    assert decision.transition is not None
    assert decision.transition.to_step == "qualified"
    assert [t.action for t in decision.transition.triggers] == ["create_account", "create_contact"]


def test_t5_from_qualified_is_refused_as_not_from_current_step(
    training: PipelineDefinition,
) -> None:
    decision = check_transition(training, "qualified", "T5", {})

    assert decision.allowed is False
    assert decision.reasons == (
        Refusal("not_from_current_step", '"Win" cannot be taken from step "Qualified".'),
    )
    assert decision.is_conflict is True


def test_wrong_step_and_missing_values_are_both_reported(training: PipelineDefinition) -> None:
    decision = check_transition(training, "qualified", "T4", {})

    assert [reason.code for reason in decision.reasons] == [
        "not_from_current_step",
        "missing_attribute",
    ]
    assert decision.missing == ("po_number",)


def test_unknown_transition_is_refused(training: PipelineDefinition) -> None:
    decision = check_transition(training, "qualified", "T99", COMPLETE)

    assert decision == Decision(
        allowed=False, reasons=(Refusal("unknown_transition", "There is no transition 'T99'."),)
    )


def test_a_record_at_an_unknown_step_cannot_move(training: PipelineDefinition) -> None:
    decision = check_transition(training, "gone", "T2", {})

    assert decision.reasons == (Refusal("unknown_step", "The record is at unknown step 'gone'."),)


def test_transition_into_an_inactive_stage_is_refused(training: PipelineDefinition) -> None:
    data = to_dict(training)
    data["stages"][4]["active"] = False
    definition = from_dict(data)

    decision = check_transition(definition, "proposal_sent", "T7", {})

    assert decision.reasons == (Refusal("inactive_target", 'Stage "Archived" is inactive.'),)


def test_required_false_bool_counts_as_missing(training: PipelineDefinition) -> None:
    data = to_dict(training)
    data["transitions"][4]["required"] = ["payment_details_confirmed"]
    definition = from_dict(data)

    refused = check_transition(
        definition, "payment_details_confirmed", "T5", {"payment_details_confirmed": False}
    )
    allowed = check_transition(
        definition, "payment_details_confirmed", "T5", {"payment_details_confirmed": True}
    )

    assert refused.missing == ("payment_details_confirmed",)
    assert allowed.allowed is True


def test_empty_values() -> None:
    assert is_empty_value(None) is True
    assert is_empty_value("") is True
    assert is_empty_value(" \t\n") is True
    assert is_empty_value([]) is True
    assert is_empty_value({}) is True
    assert is_empty_value(False, "bool") is True
    assert is_empty_value(False) is False
    assert is_empty_value(0) is False
    assert is_empty_value(0, "number") is False
    assert is_empty_value("x") is False
    assert is_empty_value(["a"]) is False


def test_a_custom_emptiness_check_replaces_the_default(training: PipelineDefinition) -> None:
    def empty(key: str, value: object) -> bool:
        return value == "n/a"

    decision = check_transition(
        training, "proposal_accepted", "T4", {"po_number": "n/a"}, is_required_empty=empty
    )

    assert decision.missing == ("po_number",)


def test_built_in_fields_are_named_by_the_labels_given(training: PipelineDefinition) -> None:
    data = to_dict(training)
    data["transitions"][1]["required"] = ["expected_close_date"]
    definition = from_dict(data)

    named = check_transition(
        definition, "qualified", "T2", {}, labels={"expected_close_date": "Expected close date"}
    )
    unnamed = check_transition(definition, "qualified", "T2", {})

    assert named.reasons[0].message == '"Expected close date" is required for "Send proposal".'
    assert unnamed.reasons[0].message == '"expected_close_date" is required for "Send proposal".'


def test_available_transitions_lists_every_transition_from_the_step(
    training: PipelineDefinition,
) -> None:
    options = available_transitions(training, "proposal_sent", {})

    assert options == [
        TransitionOption("T3", "Accept proposal", "proposal_accepted", True),
        TransitionOption(
            "T6",
            "Lose",
            "lost",
            False,
            ("lost_reason",),
            (Refusal("missing_attribute", '"Lost reason" is required for "Lose".', "lost_reason"),),
        ),
        TransitionOption("T7", "Archive", "archived", True),
    ]


def test_available_transitions_at_new_enquiry_is_only_t1(training: PipelineDefinition) -> None:
    options = available_transitions(training, "new_enquiry", COMPLETE)

    assert [(o.key, o.allowed) for o in options] == [("T1", True)]


def test_available_transitions_from_a_step_with_none_is_empty(
    training: PipelineDefinition,
) -> None:
    assert available_transitions(training, "won", {}) == []


def test_revisit_from_archived_back_to_qualified_is_allowed(training: PipelineDefinition) -> None:
    assert check_transition(training, "archived", "T8", {}).allowed is True


def test_a_wildcard_transition_leaves_every_step_but_its_target(
    training: PipelineDefinition,
) -> None:
    data = to_dict(training)
    data["transitions"].append({"key": "drop", "name": "Drop", "from": "*", "to": "archived"})
    definition = from_dict(data)

    from_new = check_transition(definition, "new_enquiry", "drop", {})
    from_archived = check_transition(definition, "archived", "drop", {})

    assert from_new.allowed is True
    assert [o.key for o in available_transitions(definition, "archived", {})] == ["T8"]
    assert [r.code for r in from_archived.reasons] == ["not_from_current_step"]


def test_allowed_next_on_the_current_stage_also_limits_declared_transitions(
    training: PipelineDefinition,
) -> None:
    data = to_dict(training)
    data["stages"][1]["allowed_next"] = ["won", "lost"]
    definition = from_dict(data)

    decision = check_transition(definition, "proposal_sent", "T7", {})
    inside_stage = check_transition(definition, "proposal_sent", "T3", {})

    assert decision.reasons == (
        Refusal("not_in_allowed_next", 'Stage "Proposed" may not move on to stage "Archived".'),
    )
    assert inside_stage.allowed is True

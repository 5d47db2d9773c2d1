"""The ready-made presets: every pipeline file loads, is validation-clean and round-trips; each
preset.yaml names files that exist; and each preset behaves as its seed document describes.

Pure Python like the engine: no Django here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from stageflow.engine import (
    PipelineDefinition,
    check_transition,
    conversion_end_stage,
    default_stage,
    dumps,
    follow_on_start,
    funnel_stages,
    get_stage,
    loads,
    ordered_stages,
    start_step,
    to_dict,
    transition_to_stage,
    validate,
)
from stageflow.presets import (
    PRESETS_DIR,
    PresetError,
    load_preset,
    preset_keys,
    read_preset_meta,
)

# The built-in record fields a transition may require without declaring them.
BUILTIN_LEAD_FIELDS = (
    "title",
    "description",
    "owner",
    "office",
    "account",
    "contact",
    "source",
    "category",
    "priority",
    "created_by",
)
BUILTIN_OPPORTUNITY_FIELDS = (
    *BUILTIN_LEAD_FIELDS,
    "value",
    "currency",
    "expected_close_date",
    "probability",
    "lead",
    "parent",
    "close_reason",
    "close_date",
    "proposed_solution",
    "sales_team",
    "competitors",
)
BUILTIN = {"lead": BUILTIN_LEAD_FIELDS, "opportunity": BUILTIN_OPPORTUNITY_FIELDS}

# Preset key -> (seed file number, pipeline files).
EXPECTED_PRESETS = {
    "field_service": ("000", ("opportunities.yaml",)),
    "recruitment": ("001", ("leads.yaml", "opportunities.yaml")),
    "training": ("002", ("opportunities.yaml",)),
    "quote_schedule": ("003", ("leads.yaml", "opportunities.yaml")),
    "insurance_agency": ("004", ("leads.yaml", "opportunities.yaml")),
}
PIPELINE_FILES = sorted(path for path in PRESETS_DIR.glob("*/*.yaml") if path.name != "preset.yaml")
SNAKE_KEY = re.compile(r"[a-z][a-z0-9_]*")


def _file_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def _pipeline(preset: str, file_name: str) -> PipelineDefinition:
    return loads((PRESETS_DIR / preset / file_name).read_text(encoding="utf-8"))


def _rules(definition: PipelineDefinition) -> dict[str, Any]:
    """The rules (opaque JSON-like data to the engine) by key."""
    return {str(rule["key"]): rule for rule in definition.rules}


def _keys(definition: PipelineDefinition) -> list[str]:
    keys = [definition.key]
    keys += [group.key for group in definition.stage_groups]
    keys += [stage.key for stage in definition.stages]
    keys += [step.key for step in definition.steps]
    keys += [transition.key for transition in definition.transitions]
    keys += [entry.key for entry in definition.entries]
    keys += [follow_on.key for follow_on in definition.follow_ons]
    keys += [attribute.key for attribute in definition.attributes]
    keys += [choice.key for attribute in definition.attributes for choice in attribute.choices]
    keys += list(definition.lookups)
    keys += [choice.key for values in definition.lookups.values() for choice in values]
    keys += [str(rule["key"]) for rule in definition.rules]
    return keys


# --- every preset and every pipeline file -------------------------------------------------


def test_there_is_exactly_one_preset_per_seed_document() -> None:
    assert preset_keys() == tuple(sorted(EXPECTED_PRESETS))
    assert {path.parent.name for path in PIPELINE_FILES} == set(EXPECTED_PRESETS)


@pytest.mark.parametrize("key", sorted(EXPECTED_PRESETS))
def test_preset_yaml_has_the_first_run_texts_and_lists_its_existing_pipeline_files(
    key: str,
) -> None:
    seed_number, files = EXPECTED_PRESETS[key]
    meta = yaml.safe_load((PRESETS_DIR / key / "preset.yaml").read_text(encoding="utf-8"))

    for name in ("key", "name", "description", "seed", "industry", "pipelines"):
        assert meta.get(name), f"{key}/preset.yaml lacks {name}"
    assert meta["key"] == key
    assert re.fullmatch(rf"{seed_number}_[0-9a-f]{{16}}\.txt", meta["seed"])
    assert SNAKE_KEY.fullmatch(meta["industry"])
    sentences = re.findall(r"[.!?](?:\s|$)", meta["description"].strip())
    assert 2 <= len(sentences) <= 3, meta["description"]
    assert tuple(meta["pipelines"]) == files
    assert all((PRESETS_DIR / key / name).is_file() for name in files)
    # No pipeline file in the folder is left out of the preset.
    on_disk = {path.name for path in (PRESETS_DIR / key).glob("*.yaml")} - {"preset.yaml"}
    assert on_disk == set(files)
    assert read_preset_meta(key) == meta


@pytest.mark.parametrize("path", PIPELINE_FILES, ids=_file_id)
def test_pipeline_file_loads_validates_clean_and_round_trips(path: Path) -> None:
    text = path.read_text(encoding="utf-8")

    definition = loads(text)

    assert validate(definition, known_fields=BUILTIN[definition.record_type]) == []
    assert loads(dumps(definition)) == definition
    assert loads(dumps(definition, "json"), format="json") == definition
    # Canonical form: exporting gives back exactly the data written in the file.
    assert to_dict(definition) == yaml.safe_load(text)


@pytest.mark.parametrize("path", PIPELINE_FILES, ids=_file_id)
def test_pipeline_file_starts_with_a_comment_naming_its_seed(path: Path) -> None:
    seed_number, _ = EXPECTED_PRESETS[path.parent.name]
    header = path.read_text(encoding="utf-8").splitlines()[0]

    assert header.startswith(f"# Mirrors seed {seed_number} ")


@pytest.mark.parametrize("path", PIPELINE_FILES, ids=_file_id)
def test_pipeline_has_its_record_types_special_stages_and_one_default(path: Path) -> None:
    definition = loads(path.read_text(encoding="utf-8"))
    statuses = {stage.status for stage in definition.stages}

    assert sum(stage.is_default for stage in definition.stages) == 1
    assert path.stem == {"lead": "leads", "opportunity": "opportunities"}[definition.record_type]
    if definition.record_type == "opportunity":
        assert {"won", "lost"} <= statuses
    else:
        conversion = conversion_end_stage(definition)
        assert conversion is not None
        assert conversion.is_end_stage
        assert conversion.active


@pytest.mark.parametrize("path", PIPELINE_FILES, ids=_file_id)
def test_every_required_attribute_is_declared_or_built_in(path: Path) -> None:
    definition = loads(path.read_text(encoding="utf-8"))
    known = set(BUILTIN[definition.record_type]) | {a.key for a in definition.attributes}

    required = {key for transition in definition.transitions for key in transition.required}

    assert required <= known


@pytest.mark.parametrize("path", PIPELINE_FILES, ids=_file_id)
def test_keys_are_lowercase_snake_case_and_labels_are_in_english(path: Path) -> None:
    definition = loads(path.read_text(encoding="utf-8"))

    assert [key for key in _keys(definition) if not SNAKE_KEY.fullmatch(key)] == []
    assert definition.key.startswith(f"{path.parent.name}_")
    assert all(stage.names.get("en") for stage in definition.stages)
    assert all(group.names.get("en") for group in definition.stage_groups)
    assert all(attribute.labels.get("en") for attribute in definition.attributes)


def test_pipeline_keys_are_unique_across_presets() -> None:
    keys = [loads(path.read_text(encoding="utf-8")).key for path in PIPELINE_FILES]

    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("key", sorted(EXPECTED_PRESETS))
def test_load_preset_reads_the_listed_pipelines_in_order(key: str) -> None:
    preset = load_preset(key)

    assert preset.key == key
    assert tuple(preset.pipelines) == EXPECTED_PRESETS[key][1]
    assert preset.pipelines == {name: _pipeline(key, name) for name in preset.pipelines}


def test_reading_presets_loads_neither_django_nor_other_stageflow_packages() -> None:
    code = (
        "import sys, stageflow.presets\n"
        "stageflow.presets.load_preset('training')\n"
        "print(sorted(m.split('.')[0] for m in sys.modules if m.startswith('django')),\n"
        "      sorted(m for m in sys.modules if m.startswith('stageflow.')\n"
        "             and not m.startswith(('stageflow.engine', 'stageflow.presets'))))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(PRESETS_DIR.parents[1])}
    env.pop("DJANGO_SETTINGS_MODULE", None)

    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[] []"


@pytest.mark.parametrize("key", ["nope", "../engine", "", "training/../recruitment"])
def test_an_unknown_preset_is_refused_without_touching_other_paths(key: str) -> None:
    with pytest.raises(PresetError) as caught:
        load_preset(key)

    assert caught.value.problems == ["unknown preset"]


# --- field_service (seed 000, S1) ---------------------------------------------------------


def test_field_service_requires_marketing_source_and_product_on_create() -> None:
    pipeline = _pipeline("field_service", "opportunities.yaml")

    required = [a.key for a in pipeline.attributes if a.required_on_create]

    assert required == ["marketing_source", "product"]


def test_field_service_has_the_s1_custom_fields_with_aptoras_values() -> None:
    pipeline = _pipeline("field_service", "opportunities.yaml")
    attributes = {attribute.key: attribute for attribute in pipeline.attributes}

    assert {
        "marketing_source": "choice",
        "marketing_campaign": "choice",
        "employee_lead": "user",
        "product": "choice",
        "financing_activity": "choice",
        "follow_up_date": "date",
        "department": "choice",
        "address_kind": "choice",
    }.items() <= {key: a.type for key, a in attributes.items()}.items()
    assert [c.label for c in pipeline.lookups["marketing_source"]] == [
        "Google",
        "Billboard",
        "Referral",
    ]
    assert [c.label for c in attributes["financing_activity"].choices] == [
        "Financing Offered and Bank Approved",
        "Financing Offered. Bank Declined. Paid Cash",
        "Financing Offered. Bank Declined. Sale Lost",
        "Client Declined Financing (Paid Cash)",
        "No Financing Was Offered",
    ]
    assert [c.key for c in attributes["address_kind"].choices] == ["bill_to", "work"]
    assert attributes["product"].lookup == "product"


def test_field_service_starts_new_and_lets_each_business_choose_its_order() -> None:
    pipeline = _pipeline("field_service", "opportunities.yaml")

    assert start_step(pipeline) == "new"
    assert [stage.key for stage in ordered_stages(pipeline)] == [
        "new",
        "appointment_set",
        "estimate_sent",
        "won",
        "lost",
    ]
    # Simple mode: a sale may be marked won straight from New (APT-02).
    assert check_transition(pipeline, "new", "to:won", {}).allowed is True
    assert check_transition(pipeline, "estimate_sent", "to:appointment_set", {}).allowed is True


# --- recruitment (seed 001, S2) -----------------------------------------------------------


def test_recruitment_lead_pipeline_converts_into_l_conv_in_stage_group_closed() -> None:
    leads = _pipeline("recruitment", "leads.yaml")

    conversion = conversion_end_stage(leads)

    assert conversion is not None
    assert conversion.key == "l_conv"
    assert (conversion.position, conversion.code, conversion.group) == (90, "CONV", "closed")


def test_recruitment_new_leads_get_the_standard_stage_with_its_texts_in_two_languages() -> None:
    leads = _pipeline("recruitment", "leads.yaml")
    stage = get_stage(leads, start_step(leads))

    assert stage.key == "l_new"
    assert default_stage(leads) == stage
    assert (stage.position, stage.colour, stage.code, stage.group) == (
        10,
        "#CCE5FF",
        "NEW",
        "open",
    )
    assert stage.instructions == "Call within 24h"
    assert [(t.kind, t.key) for t in stage.templates] == [("email", "intro")]
    assert (stage.label("nl"), stage.label("en")) == ("Nieuw", "New")
    assert all(s.names.get("nl") for s in leads.stages)
    assert all(g.names.get("nl") for g in leads.stage_groups)


def test_recruitment_inactive_stage_l_old_is_refused_as_a_target() -> None:
    leads = _pipeline("recruitment", "leads.yaml")

    decision = check_transition(leads, "l_cont", "to:l_old", {})

    assert get_stage(leads, "l_old").active is False
    assert decision.allowed is False
    assert [reason.code for reason in decision.reasons] == ["inactive_target"]
    assert decision.is_conflict is False
    assert check_transition(leads, "l_new", "to:l_cont", {}).allowed is True


def test_recruitment_opportunities_start_at_intake_and_offer_the_proposal_at_o_prop() -> None:
    opportunities = _pipeline("recruitment", "opportunities.yaml")

    assert start_step(opportunities) == "o_intake"
    assert [(t.kind, t.key) for t in get_stage(opportunities, "o_prop").templates] == [
        ("document", "proposal")
    ]
    assert [s.key for s in funnel_stages(opportunities)] == ["o_intake", "o_prop"]
    assert {s.key: s.status for s in opportunities.stages if s.status != "open"} == {
        "o_won": "won",
        "o_lost": "lost",
    }
    assert all(s.names.get("nl") for s in opportunities.stages)


def test_recruitment_lead_and_opportunity_tables_are_separate() -> None:
    leads = _pipeline("recruitment", "leads.yaml")
    opportunities = _pipeline("recruitment", "opportunities.yaml")
    tables = {"source", "role", "priority", "category", "procedure", "stage_group", "group"}

    assert tables | {"attribute"} <= set(leads.lookups)
    assert tables | {"attribute", "lost_reason"} <= set(opportunities.lookups)
    assert [c.key for c in leads.lookups["group"]] == ["new_leads", "nurture"]
    assert [c.key for c in opportunities.lookups["group"]] == ["won_this_quarter"]
    assert [c.key for c in leads.lookups["stage_group"]] == [g.key for g in leads.stage_groups]
    assert [c.label for c in leads.lookups["role"]] == [
        "Main contact",
        "Sign authority",
        "Decision maker",
        "Influencer",
    ]


def test_recruitment_triggers_are_rules_on_their_own_pipeline() -> None:
    leads = _pipeline("recruitment", "leads.yaml")
    opportunities = _pipeline("recruitment", "opportunities.yaml")

    assert [rule["event"] for rule in leads.rules] == [
        "lead.created",
        "lead.last_modified_older_than",
        "lead.stage_group_changed_to",
    ]
    assert leads.rules[1]["actions"] == [{"action": "set_stage", "params": {"stage": "l_dorm"}}]
    assert opportunities.rules[0]["conditions"] == {"stage": "o_won"}


# --- training (seed 002, S3) --------------------------------------------------------------

COMPLETE_PERSON = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}


def test_training_qualify_without_first_name_is_refused_listing_first_name() -> None:
    training = _pipeline("training", "opportunities.yaml")

    decision = check_transition(
        training, "new_enquiry", "qualify", {**COMPLETE_PERSON, "first_name": ""}
    )

    assert decision.allowed is False
    assert decision.missing == ("first_name",)
    assert decision.is_conflict is False
    assert check_transition(training, "new_enquiry", "qualify", COMPLETE_PERSON).allowed


def test_training_entries_start_new_at_new_enquiry_and_existing_accounts_at_qualified() -> None:
    training = _pipeline("training", "opportunities.yaml")

    assert start_step(training) == "new_enquiry"
    assert start_step(training, existing_account=True) == "qualified"
    assert start_step(training, "new_opportunity_existing_account") == "qualified"
    assert follow_on_start(training, "upsell") == "proposal_sent"


def test_training_triggers_and_communication_sit_on_s3s_transitions() -> None:
    training = _pipeline("training", "opportunities.yaml")
    transitions = {t.key: t for t in training.transitions}

    assert [t.action for t in transitions["qualify"].triggers] == [
        "create_account",
        "create_contact",
    ]
    assert [t.action for t in transitions["win"].triggers] == [
        "create_registration",
        "create_invoice",
        "create_token_issue",
    ]
    (message,) = transitions["accept_proposal"].communications
    assert (message.channel, message.template, message.to) == (
        "email",
        "thanks_accepted",
        "primary_contact",
    )
    assert [(t.from_step, t.to_step) for t in training.transitions] == [
        ("new_enquiry", "qualified"),
        ("qualified", "proposal_sent"),
        ("proposal_sent", "proposal_accepted"),
        ("proposal_accepted", "payment_details_confirmed"),
        ("payment_details_confirmed", "won"),
        ("proposal_sent", "lost"),
        ("proposal_sent", "archived"),
        ("archived", "qualified"),
    ]


def test_training_refusals_po_number_lost_reason_and_no_win_from_qualified() -> None:
    training = _pipeline("training", "opportunities.yaml")

    payment = check_transition(training, "proposal_accepted", "confirm_payment_details", {})
    lose = check_transition(training, "proposal_sent", "lose", {"lost_reason": None})
    win_too_early = check_transition(training, "qualified", "win", {})

    assert payment.missing == ("po_number",)
    assert lose.missing == ("lost_reason",)
    assert win_too_early.is_conflict is True
    assert check_transition(training, "archived", "revisit", {}).allowed is True


def test_training_funnel_is_the_open_stages_in_order() -> None:
    training = _pipeline("training", "opportunities.yaml")

    assert [stage.key for stage in funnel_stages(training)] == ["enquiry", "proposed"]
    assert {s.key: s.status for s in training.stages} == {
        "enquiry": "open",
        "proposed": "open",
        "won": "won",
        "lost": "lost",
        "archived": "archived",
    }


# --- quote_schedule (seed 003, S4) --------------------------------------------------------


def test_quote_schedule_rules_a1_and_a2_mirror_s4() -> None:
    quotes = _pipeline("quote_schedule", "opportunities.yaml")
    rules = _rules(quotes)

    assert rules["a1"]["event"] == "quote.sent"
    assert rules["a1"]["actions"] == [
        {"action": "add_tag", "params": {"tag": "Sales Followup", "target": "account"}},
        {"action": "remove_tag", "params": {"tag": "Quote", "target": "account"}},
    ]
    assert rules["a2"]["event"] == "quote.accepted"
    assert [action["action"] for action in rules["a2"]["actions"]] == ["add_tag", "send_email"]
    assert rules["a2"]["actions"][0]["params"] == {"tag": "Schedule", "target": "account"}
    # Decision 10: accepting does not remove Sales Followup.
    assert "remove_tag" not in [action["action"] for action in rules["a2"]["actions"]]


def test_quote_schedule_moves_quote_to_followup_to_schedule_but_not_skipping_ahead() -> None:
    quotes = _pipeline("quote_schedule", "opportunities.yaml")

    assert start_step(quotes) == "quote"
    assert [stage.key for stage in funnel_stages(quotes)] == ["quote", "sales_followup"]
    assert check_transition(quotes, "quote", "to:sales_followup", {}).allowed is True
    assert check_transition(quotes, "sales_followup", "to:schedule", {}).allowed is True
    skip = check_transition(quotes, "quote", "to:scheduled", {})
    assert [reason.code for reason in skip.reasons] == ["not_in_allowed_next"]


def test_quote_schedule_leads_convert_into_quote_requested() -> None:
    leads = _pipeline("quote_schedule", "leads.yaml")

    conversion = conversion_end_stage(leads)

    assert conversion is not None
    assert conversion.key == "converted"
    assert start_step(leads) == "new"


def test_quote_schedule_preset_carries_the_work_queues_and_days_out() -> None:
    preset = load_preset("quote_schedule")

    assert preset.tags == ("Quote", "Sales Followup", "Schedule")
    queues = {queue["key"]: queue for queue in preset.work_queues}
    assert queues["sales_followup"] == {
        "key": "sales_followup",
        "name": "Sales Followup",
        "tag": "Sales Followup",
        "max_age_days": 21,
    }
    assert preset.settings == {"days_out": 3}


# --- insurance_agency (seed 004, S5) ------------------------------------------------------

CRITERIA = {"interest_confirmed": True, "purchasing_power": True}


def test_insurance_qualifying_without_purchasing_power_is_refused() -> None:
    leads = _pipeline("insurance_agency", "leads.yaml")

    unset = check_transition(leads, "new", "qualify", {"interest_confirmed": True})
    false = check_transition(leads, "new", "qualify", {**CRITERIA, "purchasing_power": False})

    assert unset.missing == ("purchasing_power",)
    assert false.missing == ("purchasing_power",)
    assert unset.is_conflict is False
    assert check_transition(leads, "new", "qualify", CRITERIA).allowed is True


def test_insurance_every_way_into_the_conversion_stage_needs_both_criteria() -> None:
    leads = _pipeline("insurance_agency", "leads.yaml")
    conversion = conversion_end_stage(leads)
    assert conversion is not None

    into_conversion = [t for t in leads.transitions if t.to_step == conversion.key]

    assert conversion.key == "qualified"
    assert [t.key for t in into_conversion] == ["qualify", "qualify_working"]
    assert all(t.required == ("interest_confirmed", "purchasing_power") for t in into_conversion)
    assert transition_to_stage(leads, "working", "qualified") == "qualify_working"
    assert [a.type for a in leads.attributes if a.key in CRITERIA] == ["bool", "bool"]
    assert [c.label for c in leads.lookups["source"]] == [
        "Marketing campaign",
        "Website opt-in",
        "Email query",
        "Trade show business card",
    ]


def test_insurance_opportunities_qualify_develop_propose_close() -> None:
    opportunities = _pipeline("insurance_agency", "opportunities.yaml")

    assert [stage.key for stage in ordered_stages(opportunities)] == [
        "qualify",
        "develop",
        "propose",
        "won",
        "lost",
    ]
    assert start_step(opportunities) == "qualify"
    assert start_step(opportunities, existing_account=True) == "qualify"
    # A qualified (converted) lead has completed Qualify.
    assert start_step(opportunities, "from_lead") == "develop"


def test_insurance_close_rules_and_refusals() -> None:
    opportunities = _pipeline("insurance_agency", "opportunities.yaml")
    rules = _rules(opportunities)

    lost_without_reason = check_transition(opportunities, "develop", "close_lost_in_develop", {})
    propose_without_solution = check_transition(opportunities, "develop", "propose", {})
    won_from_develop = check_transition(opportunities, "develop", "close_won", {})

    assert lost_without_reason.missing == ("lost_reason",)
    assert propose_without_solution.missing == ("proposed_solution",)
    assert won_from_develop.is_conflict is True
    assert all(
        t.required == ("lost_reason",) for t in opportunities.transitions if t.to_step == "lost"
    )
    assert rules["close_won_actions"]["conditions"] == {"status": "won"}
    assert [a["action"] for a in rules["close_won_actions"]["actions"]] == [
        "create_order",
        "create_invoice",
        "send_email",
    ]
    assert rules["close_won_actions"]["actions"][2]["params"]["template"] == "welcome_aboard"
    assert rules["close_suspense"]["conditions"] == {"status": ["won", "lost"]}
    assert rules["close_suspense"]["actions"] == [
        {
            "action": "create_task",
            "params": {
                "kind": "suspense",
                "assign_to": "account_csr",
                "action": "Review",
                "due_in_days": 7,
                "priority": "normal",
                "description": "Post-close review",
            },
        }
    ]

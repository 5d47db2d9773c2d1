"""Reading and writing definition files: round trips, limits, and every problem with its path."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from stageflow.engine import (
    MAX_INPUT_BYTES,
    DefinitionError,
    PipelineDefinition,
    Problem,
    dumps,
    from_dict,
    loads,
    to_dict,
    validate,
)


def _problems(text: str | bytes, **kwargs: Any) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        loads(text, **kwargs)
    return [str(problem) for problem in caught.value.problems]


def test_the_training_fixture_exports_exactly_what_it_imports(training_text: str) -> None:
    assert to_dict(loads(training_text)) == yaml.safe_load(training_text)


def test_the_training_fixture_is_valid(training: PipelineDefinition) -> None:
    assert validate(training) == []


def test_yaml_and_json_dumps_read_back_to_the_same_definition(
    training: PipelineDefinition,
) -> None:
    assert loads(dumps(training)) == training
    assert loads(dumps(training, "json"), format="json") == training
    assert json.loads(dumps(training, "json")) == to_dict(training)


def test_rules_are_kept_untouched(training: PipelineDefinition) -> None:
    assert to_dict(training)["rules"] == [
        {
            "name": "Tag wins",
            "when": {"event": "stage_changed_to", "stage": "won"},
            "then": [{"action": "add_tag", "tag": "won-this-quarter"}],
        }
    ]


def test_defaults_are_left_out_of_the_export(simple_data: dict[str, Any]) -> None:
    exported = to_dict(from_dict(simple_data))

    assert exported == simple_data
    assert "active" not in exported["stages"][0]


def test_yaml_syntax_error_reports_line_and_column() -> None:
    text = "key: p\nrecord_type: lead\nstages: [\n  {key: a\nname: x\n"

    problems = _problems(text)

    assert len(problems) == 1
    assert problems[0].startswith("line 5, column 5: ")


def test_json_syntax_error_reports_line_and_column() -> None:
    assert _problems('{\n  "key": "p",\n  oops\n}', format="json") == [
        "line 3, column 3: Expecting property name enclosed in double quotes"
    ]


def test_every_wrong_type_is_reported_with_its_path() -> None:
    text = """
key: p
record_type: deal
name: [not, text]
version: "2"
stages:
  - key: a
    status: pending
    position: 1.5
    active: "yes"
    names: {en: A, nl: 3}
  - just text
steps:
  - key: s
    stage: a
transitions: {}
"""

    assert _problems(text) == [
        "record_type: must be one of lead, opportunity",
        "name: must be text, not a list",
        "version: must be a whole number, not text",
        "stages[0].names.nl: must map a language code to text",
        "stages[0].position: must be a whole number, not a decimal number",
        "stages[0].status: must be one of open, won, lost, archived",
        "stages[0].active: must be true or false, not text",
        "stages[1]: must be a mapping, not text",
        "steps[0].name: is required",
        "transitions: must be a list, not a mapping",
    ]


def test_unknown_fields_are_refused_so_typos_do_not_vanish() -> None:
    text = "key: p\nrecord_type: lead\nname: P\ncolr: red\nstages: [{key: a, colr: red}]\n"

    problems = _problems(text)

    assert problems[0].startswith("colr: unknown field; expected one of key, record_type,")
    assert problems[1].startswith("stages[0].colr: unknown field; expected one of key, names,")


def test_the_top_level_must_be_a_mapping() -> None:
    assert _problems("- a\n- b\n") == ["the file must hold a mapping, not a list"]
    assert _problems("") == ["the file must hold a mapping, not nothing"]


def test_a_file_over_one_megabyte_is_refused_unread() -> None:
    text = "key: p\n# " + "x" * MAX_INPUT_BYTES + "\n"

    assert _problems(text) == [f"the file is larger than {MAX_INPUT_BYTES} bytes"]
    assert _problems(text.encode()) == [f"the file is larger than {MAX_INPUT_BYTES} bytes"]


def test_multibyte_text_is_measured_in_bytes() -> None:
    text = "key: p\n# " + "é" * (MAX_INPUT_BYTES // 2 + 1) + "\n"

    assert _problems(text) == [f"the file is larger than {MAX_INPUT_BYTES} bytes"]


def test_deeply_nested_data_is_refused() -> None:
    nested = "x"
    for _ in range(30):
        nested = "[" + nested + "]"

    assert _problems(f"key: p\nrules: [{{when: {nested}}}]\n") == [
        "values are nested more than 20 levels deep"
    ]


def test_nesting_too_deep_for_the_parser_is_refused() -> None:
    text = "[" * 100_000 + "]" * 100_000

    assert _problems(text) == ["values are nested more than 20 levels deep"]
    assert _problems(text, format="json") == ["values are nested more than 20 levels deep"]


def test_an_alias_bomb_is_refused_without_expanding_it() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    text = "\n".join(["rules:", "- {}"] + [f"  {line}" for line in lines]).replace(
        "- {}\n  a0", "- a0"
    )

    assert _problems(text) == ["the file holds more than 200000 values"]


def test_a_python_tag_is_never_executed() -> None:
    text = "key: !!python/object/apply:os.system ['echo hacked']\n"

    problems = _problems(text)

    assert len(problems) == 1
    assert "could not determine a constructor for the tag" in problems[0]
    assert problems[0].startswith("line 1, column 6: ")


def test_values_that_are_not_plain_data_are_refused_in_rules() -> None:
    text = "key: p\nrecord_type: lead\nname: P\nrules:\n- when: 2024-01-01\n- 7\n"

    assert _problems(text) == [
        "rules[0].when: must be plain data (text, number, list, mapping), not date",
        "rules[1]: must be a mapping, not a whole number",
    ]


def test_invalid_utf8_bytes_are_refused() -> None:
    assert _problems(b"key: \xff\n") == ["the file is not UTF-8 (byte 5)"]


def test_too_many_steps_are_refused() -> None:
    data = {
        "key": "p",
        "record_type": "lead",
        "name": "P",
        "steps": [{"key": f"s{n}", "name": "S", "stage": "a"} for n in range(2001)],
    }

    with pytest.raises(DefinitionError) as caught:
        from_dict(data)

    assert caught.value.problems == (
        Problem("error", "steps", "too_many", "at most 2000 allowed, got 2001"),
    )


def test_problems_carry_codes(simple_data: dict[str, Any]) -> None:
    simple_data["stages"][0]["status"] = "pending"

    with pytest.raises(DefinitionError) as caught:
        from_dict(simple_data)

    assert caught.value.problems == (
        Problem(
            "error",
            "stages[0].status",
            "invalid_choice",
            "must be one of open, won, lost, archived",
        ),
    )
    assert str(caught.value) == "stages[0].status: must be one of open, won, lost, archived"

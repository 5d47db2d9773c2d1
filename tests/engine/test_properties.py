"""Properties over generated definitions and arbitrary files."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from stageflow.engine import (
    DefinitionError,
    PipelineDefinition,
    Problem,
    available_transitions,
    dumps,
    effective_steps,
    from_dict,
    graph,
    has_errors,
    loads,
    render_svg,
    start_step,
    to_dict,
    validate,
)
from tests.engine.strategies import definitions, documents

# Each generated definition takes hundreds of draws; 50 per test keeps the suite quick.
DEFINITION_EXAMPLES = 50


@settings(deadline=None, max_examples=DEFINITION_EXAMPLES)
@given(definitions())
def test_any_definition_survives_export_and_import(definition: PipelineDefinition) -> None:
    data = to_dict(definition)

    assert from_dict(data) == definition
    assert to_dict(from_dict(data)) == data
    assert loads(dumps(definition, "yaml")) == definition
    assert loads(dumps(definition, "json"), format="json") == definition


@settings(deadline=None, max_examples=DEFINITION_EXAMPLES)
@given(definitions())
def test_generated_definitions_have_no_errors(definition: PipelineDefinition) -> None:
    problems = validate(definition)

    assert not has_errors(problems), problems


def _check_any_file(text: str, file_format: str) -> None:
    problems: tuple[Problem, ...] = ()
    try:
        definition = loads(text, format=file_format)  # type: ignore[arg-type]
    except DefinitionError as error:
        problems = error.problems
    else:
        assert all(isinstance(problem, Problem) for problem in validate(definition))
        graph(definition)
        render_svg(definition)
        for step in effective_steps(definition):
            available_transitions(definition, step.key, {})
        return

    assert problems
    assert all(isinstance(problem, Problem) for problem in problems)


@settings(deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_is_refused_or_validated_never_crashes(text: str) -> None:
    _check_any_file(text, "yaml")
    _check_any_file(text, "json")


@settings(max_examples=300, deadline=None)
@given(documents)
def test_arbitrary_yaml_documents_are_refused_or_validated(document: Any) -> None:
    _check_any_file(yaml.safe_dump(document), "yaml")


@settings(deadline=None, max_examples=DEFINITION_EXAMPLES)
@given(definitions(), st.data())
def test_allowed_transitions_always_lead_to_defined_steps(
    definition: PipelineDefinition, data: st.DataObject
) -> None:
    step_keys = {step.key for step in effective_steps(definition)}
    values = {
        attribute.key: data.draw(st.sampled_from([None, "", "x", 0, True, False, ["a"]]))
        for attribute in definition.attributes
    }
    step = start_step(definition, existing_account=data.draw(st.booleans()))
    assert step in step_keys
    for _ in range(10):
        allowed = [o for o in available_transitions(definition, step, values) if o.allowed]
        if not allowed:
            break
        option = data.draw(st.sampled_from(allowed))
        step = option.to_step
        assert step in step_keys

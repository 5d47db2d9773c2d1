"""Large pipelines load and validate correctly (timings live in the benchmarks, not here)."""

from __future__ import annotations

from typing import Any

from stageflow.engine import check_transition, from_dict, validate


def _chain(steps: int, per_stage: int = 10) -> dict[str, Any]:
    """Open steps in a line, each with a way to lost; the last one wins."""
    stages: list[dict[str, Any]] = [
        {"key": f"s{n}", "position": n, "is_default": n == 0} for n in range(steps // per_stage)
    ]
    stages += [
        {"key": "won", "position": 9999, "status": "won"},
        {"key": "lost", "position": 10000, "status": "lost"},
    ]
    open_steps = steps - 2
    step_list: list[dict[str, Any]] = [
        {"key": f"p{n}", "name": f"P{n}", "stage": f"s{n // per_stage}"} for n in range(open_steps)
    ]
    step_list += [
        {"key": "w", "name": "W", "stage": "won"},
        {"key": "l", "name": "L", "stage": "lost"},
    ]
    transitions: list[dict[str, Any]] = [
        {"key": f"t{n}", "name": f"T{n}", "from": f"p{n}", "to": f"p{n + 1}", "required": ["a"]}
        for n in range(open_steps - 1)
    ]
    transitions += [{"key": "lose", "name": "Lose", "from": "*", "to": "l"}]
    transitions += [{"key": "win", "name": "Win", "from": f"p{open_steps - 1}", "to": "w"}]
    return {
        "key": "big",
        "record_type": "opportunity",
        "name": "Big",
        "stages": stages,
        "steps": step_list,
        "transitions": transitions,
        "attributes": [{"key": "a", "type": "text"}],
    }


def test_a_pipeline_with_the_maximum_of_2000_steps_validates_clean() -> None:
    definition = from_dict(_chain(2000))

    assert validate(definition) == []
    assert check_transition(definition, "p1000", "t1000", {"a": "x"}).allowed is True
    assert check_transition(definition, "p1000", "t1001", {}).missing == ("a",)


def test_a_break_in_a_long_chain_makes_everything_after_it_unreachable() -> None:
    data = _chain(500)
    del data["transitions"][250]  # p250 -> p251

    problems = validate(from_dict(data))

    assert [p.path for p in problems] == [f"steps[{n}]" for n in range(251, 498)] + ["steps[498]"]
    assert {p.code for p in problems} == {"unreachable_step"}


def test_a_simple_pipeline_with_500_stages_validates_clean() -> None:
    stages = [{"key": f"s{n}", "position": n, "is_default": n == 0} for n in range(498)] + [
        {"key": "won", "position": 998, "status": "won"},
        {"key": "lost", "position": 999, "status": "lost"},
    ]

    assert (
        validate(
            from_dict({"key": "s", "record_type": "opportunity", "name": "S", "stages": stages})
        )
        == []
    )

"""The pure workflow engine: transition decisions per second and validation time of big pipelines.

The pipelines are built in code: open stages of ten steps each in a line, forward transitions
that require attributes, a way back every fifth step, "lose" from any step and "win" at the end.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from timing import Result

from stageflow.engine import PipelineDefinition, check_transition, from_dict, validate

STEPS_PER_STAGE = 10
REQUIRED_ROTATION: tuple[tuple[str, ...], ...] = (
    (), ("budget",), ("decision_maker",), ("budget", "site_visit_done"), ("source",),
)
FILLED_VALUES: dict[str, object] = {
    "budget": 12_500, "decision_maker": "Pat Owner", "site_visit_done": True, "source": "web",
}


def pipeline_data(steps: int) -> dict[str, Any]:
    """An opportunity pipeline in the file format with exactly `steps` steps (two closed)."""
    open_steps = steps - 2
    open_stages = -(-open_steps // STEPS_PER_STAGE)
    stages: list[dict[str, Any]] = [
        {"key": f"stage_{n}", "names": {"en": f"Stage {n}", "nl": f"Fase {n}"},
         "position": 10 * n, "is_default": n == 0, "group": "pipeline",
         "probability": min(90, 10 + n)}
        for n in range(open_stages)
    ]
    stages += [
        {"key": "won", "names": {"en": "Won"}, "position": 10 * open_stages + 10,
         "status": "won", "is_end_stage": True, "group": "closed", "probability": 100},
        {"key": "lost", "names": {"en": "Lost"}, "position": 10 * open_stages + 20,
         "status": "lost", "is_end_stage": True, "group": "closed", "probability": 0},
    ]
    step_list: list[dict[str, Any]] = [
        {"key": f"step_{n}", "name": f"Step {n}", "stage": f"stage_{n // STEPS_PER_STAGE}"}
        for n in range(open_steps)
    ]
    step_list += [{"key": "won", "name": "Won", "stage": "won"},
                  {"key": "lost", "name": "Lost", "stage": "lost"}]
    transitions: list[dict[str, Any]] = []
    for n in range(open_steps - 1):
        transitions.append({"key": f"forward_{n}", "name": f"Forward {n}", "from": f"step_{n}",
                            "to": f"step_{n + 1}",
                            "required": list(REQUIRED_ROTATION[n % len(REQUIRED_ROTATION)])})
        if n % 5 == 4:
            transitions.append({"key": f"back_{n + 1}", "name": f"Back {n + 1}",
                                "from": f"step_{n + 1}", "to": f"step_{n}"})
    transitions += [
        {"key": "win", "name": "Win", "from": f"step_{open_steps - 1}", "to": "won",
         "required": ["budget", "decision_maker"]},
        {"key": "lose", "name": "Lose", "from": "*", "to": "lost"},
    ]
    return {
        "key": f"bench_{steps}",
        "record_type": "opportunity",
        "name": f"Benchmark pipeline with {steps} steps",
        "stage_groups": [{"key": "pipeline", "names": {"en": "Pipeline"}},
                         {"key": "closed", "names": {"en": "Closed"}}],
        "stages": stages,
        "steps": step_list,
        "transitions": transitions,
        "attributes": [
            {"key": "budget", "type": "money", "labels": {"en": "Budget"}},
            {"key": "decision_maker", "type": "text", "labels": {"en": "Decision maker"}},
            {"key": "site_visit_done", "type": "bool", "labels": {"en": "Site visit done"}},
            {"key": "source", "type": "choice", "labels": {"en": "Source"},
             "choices": [{"key": "web", "label": "Website"}, {"key": "phone", "label": "Phone"},
                         {"key": "referral", "label": "Referral"}]},
        ],
    }


def _checked_definition(steps: int) -> PipelineDefinition:
    definition = from_dict(pipeline_data(steps))
    problems = validate(definition)
    if problems:
        raise RuntimeError(f"The generated {steps}-step pipeline is not clean: {problems[:3]}")
    return definition


def _transition_cases(open_steps: int) -> list[tuple[str, str, dict[str, object]]]:
    """A mix of decisions: allowed, missing attributes, wrong step, from any step, unknown."""
    cases: list[tuple[str, str, dict[str, object]]] = []
    for n in range(open_steps - 1):
        cases.append((f"step_{n}", f"forward_{n}", FILLED_VALUES))
        cases.append((f"step_{n}", f"forward_{n}", {}))
        cases.append((f"step_{n}", f"forward_{(n + 7) % (open_steps - 1)}", FILLED_VALUES))
        cases.append((f"step_{n}", "lose", {}))
    cases.append(("step_0", "no_such_transition", {}))
    return cases


def transition_checks_per_second(steps: int = 200, calls: int = 300_000,
                                 rounds: int = 5) -> Result:
    definition = _checked_definition(steps)
    cases = _transition_cases(steps - 2)
    check_transition(definition, *cases[0])  # builds the definition's index once
    per_round = calls // rounds
    rates = []
    for _ in range(rounds):
        started = time.perf_counter()
        for n in range(per_round):
            step, transition, values = cases[n % len(cases)]
            check_transition(definition, step, transition, values)
        rates.append(per_round / (time.perf_counter() - started))
    rate = statistics.median(rates)
    return Result(
        name=f"check_transition, {steps}-step pipeline (median of {rounds} × {per_round:,})",
        value=f"{rate:,.0f} checks/s", target="> 100,000 checks/s", met=rate > 100_000)


def validation_milliseconds(steps: int = 500, rounds: int = 30) -> Result:
    """validate() of a freshly read definition each round, so the index is built every time."""
    data = pipeline_data(steps)
    _checked_definition(steps)
    timings = []
    for _ in range(rounds):
        definition = from_dict(data)
        started = time.perf_counter()
        validate(definition)
        timings.append((time.perf_counter() - started) * 1000)
    median = statistics.median(timings)
    return Result(
        name=f"validate, {steps}-step pipeline ({rounds} fresh definitions)",
        value=f"median {median:.1f} ms, max {max(timings):.1f} ms", target="< 100 ms",
        met=max(timings) < 100)


def run_engine_benchmarks() -> list[Result]:
    return [transition_checks_per_second(), validation_milliseconds()]

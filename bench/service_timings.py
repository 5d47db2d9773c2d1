"""In-process timings of the service layer on the largest database: the periodic scan for timed
rules, moves through the pipeline per second, and what automation rules add to each move.

These change data (rules, firings, moved records), so they run last, once the pages are timed.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from dataset import refresh_statistics
from django.db import connection
from django.test.utils import CaptureQueriesContext
from sales_dataset import PRESET, add_past_firings
from timing import Result, percentile

from stageflow import engine
from stageflow.automation import scheduler
from stageflow.automation.models import Rule
from stageflow.automation.services import rule_save
from stageflow.core import clock
from stageflow.core.models import Via
from stageflow.people.models import User
from stageflow.pipelines.models import Pipeline
from stageflow.pipelines.selectors import definition_of
from stageflow.sales.models import Opportunity
from stageflow.sales.services import record_transition

IDLE_RULE: dict[str, Any] = {
    "key": "idle", "name": "Idle", "event": "opportunity.last_modified_older_than",
    "conditions": {"days": 14, "status": "open"},
    "actions": [{"action": "add_tag", "params": {"tag": "Idle"}}],
}
DUE = 300  # records that crossed the idle threshold since the last (daily) scan
QUERY_ROUNDS = 3
SCAN_TARGET_MS = 1000.0

FROM_STAGE, TO_STAGE = "quote", "sales_followup"
TRANSITIONS = 1500  # at most, per arm: without and with the rules
BLOCK = 100  # transitions in a row with the rules on, or off (ABBA, so drift cancels out)
BUDGET_SECONDS = 60.0  # after which no new ABBA round starts (but two always run)
WARM_UP = 20
RULES = 50
# Rules listen for the events a move raises; their stage conditions name every stage but the
# one the move goes to, so each is evaluated and none fires.
RULE_EVENTS = ("opportunity.stage_changed_to", "opportunity.transition_taken")
RULE_STAGES = ("quote", "schedule", "scheduled", "inactive")
TRANSITIONS_TARGET = 300.0  # per second
RULE_COST_TARGET_MS = 2.0


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


# The idle scan --------------------------------------------------------------------------------

@contextmanager
def _timed_due_queries() -> Iterator[list[float]]:
    """Time each rule's query inside run_scans(): due_records() evaluated to a list, so the
    rest of the scan's time is the firing."""
    original = scheduler.due_records
    spent: list[float] = []

    def timed(rule: Rule, now: Any) -> Any:
        started = time.perf_counter()
        records = list(original(rule, now))
        spent.append(_ms_since(started))
        return records

    scheduler.due_records = timed
    try:
        yield spent
    finally:
        scheduler.due_records = original


@dataclass
class _Scan:
    total_ms: float
    query_ms: float
    rules: int
    fired: int

    @property
    def firing_ms(self) -> float:
        return self.total_ms - self.query_ms


def _run_scans() -> _Scan:
    with _timed_due_queries() as spent:
        started = time.perf_counter()
        report = scheduler.run_scans()
        total = _ms_since(started)
    return _Scan(total_ms=total, query_ms=sum(spent), rules=report.rules, fired=report.fired)


def idle_scan(administrator: User, rng: random.Random) -> list[Result]:
    """The idle rule over every opportunity: its query alone, a scan that fires for the due
    records, and the scan right after, when nothing is due."""
    rule = rule_save(actor=administrator, values=IDLE_RULE)
    history = add_past_firings(rule, leave_due=DUE, rng=rng)
    refresh_statistics()  # as the worker does nightly; the log just grew like an import
    total = Opportunity.objects.count()
    now = clock.now()
    timings, found = [], 0
    for _ in range(QUERY_ROUNDS):
        started = time.perf_counter()
        found = len(list(scheduler.due_records(rule, now)))
        timings.append(_ms_since(started))
    query_ms = statistics.median(timings)
    first, second = _run_scans(), _run_scans()
    per_firing = first.firing_ms / first.fired if first.fired else 0.0
    return [
        Result(name=f"idle rule query `list(due_records(rule, now))` over {total:,} "
               f"opportunities ({history.watched:,} open, {history.past_threshold:,} "
               f"unchanged for 14 days, {history.due:,} not yet fired for)",
               value=f"median {query_ms:.0f} ms of {QUERY_ROUNDS} ({found:,} records due)",
               target="< 1 s", met=query_ms < SCAN_TARGET_MS),
        Result(name=f"`run_scans()`, {first.rules} timed rules (the preset's and the idle "
               f"rule), firing the due ones",
               value=f"queries {first.query_ms:.0f} ms; firing {first.fired:,} records "
               f"{first.firing_ms / 1000:.1f} s ({per_firing:.1f} ms each); "
               f"total {first.total_ms / 1000:.1f} s",
               target="queries < 1 s", met=first.query_ms < SCAN_TARGET_MS),
        Result(name="`run_scans()` right after, nothing due",
               value=f"total {second.total_ms:.0f} ms (queries {second.query_ms:.0f} ms), "
               f"{second.fired} fired",
               target="< 1 s", met=second.total_ms < SCAN_TARGET_MS),
    ]


# Transitions ------------------------------------------------------------------------------

@dataclass
class _Arm:
    label: str
    timings_ms: list[float] = field(default_factory=list)
    queries: int = 0

    @property
    def per_second(self) -> float:
        return len(self.timings_ms) / (sum(self.timings_ms) / 1000)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.timings_ms)

    @property
    def mean_ms(self) -> float:
        return statistics.fmean(self.timings_ms)

    def summary(self) -> str:
        return (f"{self.per_second:,.0f} transitions/s (median {self.median_ms:.1f} ms, "
                f"p95 {percentile(self.timings_ms, 95):.1f} ms, {self.queries} queries each)")


def _non_matching_rules(administrator: User) -> list[int]:
    ids = []
    for n in range(RULES):
        rule = rule_save(actor=administrator, values={
            "key": f"bench-rule-{n}", "name": f"Bench rule {n}",
            "event": RULE_EVENTS[n % len(RULE_EVENTS)],
            "conditions": {"stage": RULE_STAGES[n % len(RULE_STAGES)]},
            "actions": [{"action": "add_tag", "params": {"tag": "Never"}}]})
        ids.append(rule.pk)
    return ids


def transition_costs(administrator: User, rng: random.Random) -> list[Result]:
    """Moves quote → sales_followup through `record_transition`, in blocks with and without
    the rules, each block on records of its own."""
    pipeline = Pipeline.objects.select_related("live_version").get(key=f"{PRESET}_opportunities")
    assert pipeline.live_version is not None
    definition = definition_of(pipeline.live_version)
    transition = engine.transition_to_stage(
        definition, engine.first_step_of_stage(definition, FROM_STAGE), TO_STAGE)
    assert transition is not None
    rule_ids = _non_matching_rules(administrator)
    rules = Rule.objects.filter(pk__in=rule_ids)
    candidates = list(Opportunity.objects.filter(stage=FROM_STAGE).values_list("pk", flat=True))
    wanted = min(len(candidates), 2 * TRANSITIONS + WARM_UP + 2)
    records = iter(Opportunity.objects.in_bulk(rng.sample(candidates, wanted)).values())

    def move() -> None:
        record_transition(actor=administrator, via=Via.SYSTEM, record=next(records),
                          transition=transition)

    without, with_rules = _Arm("no rules"), _Arm(f"{RULES} rules")
    for arm, active in ((without, False), (with_rules, True)):
        rules.update(active=active)
        with CaptureQueriesContext(connection) as queries:
            move()
        arm.queries = len(queries)
    for _ in range(WARM_UP):
        move()
    timed = wanted - WARM_UP - 2
    block = max(1, min(BLOCK, timed // 8))  # smaller blocks on a small database
    blocks = timed // block // 4 * 4
    if blocks < 8:
        raise RuntimeError(f"Too few opportunities in {FROM_STAGE} to time moves: {wanted}")
    deadline = time.monotonic() + BUDGET_SECONDS
    for number in range(blocks):
        if number % 4 == 0 and number >= 8 and time.monotonic() > deadline:
            break
        arm = with_rules if number % 4 in (1, 2) else without
        rules.update(active=arm is with_rules)
        _time_block(move, arm, block)
    rules.update(active=False)
    added = with_rules.median_ms - without.median_ms
    return [
        Result(name=f"`record_transition` {FROM_STAGE} → {TO_STAGE}, no rules on its events "
               f"({len(without.timings_ms):,} records)", value=without.summary(),
               target="≥ 300 transitions/s", met=without.per_second >= TRANSITIONS_TARGET),
        Result(name=f"the same with {RULES} active rules on its events whose conditions do not "
               f"match ({len(with_rules.timings_ms):,} records)", value=with_rules.summary(),
               target="≥ 300 transitions/s", met=with_rules.per_second >= TRANSITIONS_TARGET),
        Result(name=f"rule evaluation added per transition by {RULES} non-matching rules",
               value=f"{added:+.2f} ms (difference of medians; of means "
               f"{with_rules.mean_ms - without.mean_ms:+.2f} ms)",
               target=f"< {RULE_COST_TARGET_MS:.0f} ms", met=added < RULE_COST_TARGET_MS),
    ]


def _time_block(move: Callable[[], None], arm: _Arm, size: int) -> None:
    for _ in range(size):
        started = time.perf_counter()
        move()
        arm.timings_ms.append(_ms_since(started))


def run_service_benchmarks(administrator: User, rng: random.Random) -> list[Result]:
    print("   idle scan …", flush=True)
    results = idle_scan(administrator, rng)
    print("   transitions …", flush=True)
    return results + transition_costs(administrator, rng)

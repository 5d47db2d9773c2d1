"""bench/results.md: the machine, then one table per data size and one for the engine."""

from __future__ import annotations

import os
import platform
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import django
from engine_timings import EngineResult
from http_timings import Measurement, Plan

if TYPE_CHECKING:
    from dataset import Growth


@dataclass(frozen=True)
class SizeResult:
    size: int
    growth: Growth
    measurements: list[Measurement]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                kib = int(line.split()[1])
                return f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return "unknown"


def machine_lines() -> list[str]:
    return [
        f"- Platform: {platform.platform()}",
        f"- CPU: {_cpu_model()}, {os.cpu_count()} cores",
        f"- Memory: {_memory()}",
        f"- Python {platform.python_version()}, Django {django.get_version()}",
        f"- Database: SQLite {sqlite3.sqlite_version} in WAL mode (a fresh temporary file)",
        "- Server: `stageflow serve` (waitress, 8 threads) on 127.0.0.1, requests one at a time",
        "- Load average (1/5/15 min) at the end of the run: "
        + ", ".join(f"{load:.2f}" for load in os.getloadavg())
        + " (the benchmark keeps about one core busy; more is other work on the machine)",
    ]


def _target_text(measurement: Measurement) -> str:
    target = measurement.endpoint.target_ms
    if target is None:
        return "–"
    return f"< {target:.0f} ms {'✓' if measurement.meets_target else '✗ missed'}"


def size_table(result: SizeResult) -> list[str]:
    growth = result.growth
    lines = [
        f"## {result.size:,} accounts",
        "",
        f"{growth.accounts:,} accounts, {growth.contacts:,} contacts, {growth.links:,} "
        f"account–contact links; {growth.accounts_added:,} accounts and "
        f"{growth.contacts_added:,} contacts generated in {growth.seconds:.1f} s.",
        "",
        "| endpoint | who | median ms | p95 ms | client p95 ms | target | n |",
        "|---|---|---:|---:|---:|---|---:|",
    ]
    for m in result.measurements:
        lines.append(f"| {m.endpoint.name} | {m.who} | {m.median_ms:.1f} | {m.p95_ms:.1f} | "
                     f"{m.client_p95_ms:.1f} | {_target_text(m)} | {len(m.server_ms)} |")
    return lines


def engine_table(results: list[EngineResult]) -> list[str]:
    lines = ["## Workflow engine (pure Python, no database)", "",
             "| measurement | result | target |", "|---|---|---|"]
    for r in results:
        lines.append(f"| {r.name} | {r.value} | {r.target} {'✓' if r.met else '✗ missed'} |")
    return lines


def render(sizes: list[SizeResult], engine: list[EngineResult], plan: Plan,
           total_seconds: float) -> str:
    lines = [
        "# Stageflow benchmark results",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `bench/run.py` (`make bench`) "
        f"in {total_seconds / 60:.1f} minutes.",
        "",
        *machine_lines(),
        "",
        "Times in milliseconds. *median* and *p95* are the server's own time per request "
        "(`Server-Timing: app;dur=`, all middleware included); *client p95* is the wall time "
        f"seen by the client over HTTP. Each row: {plan.warm_up} warm-up requests, then "
        f"{plan.requests} timed ones, or fewer (at least {plan.min_requests}, see *n*) once "
        f"{plan.budget_seconds:.0f} s are spent. *admin* is a superuser (scope: all records); "
        "*sales* is a salesperson (scope: their office's records, half of them). Targets, "
        "from the issue, are for 100,000 accounts: lists and search p95 < 50 ms, "
        "detail p95 < 30 ms. They are reported, not enforced.",
        "",
    ]
    for result in sizes:
        lines += [*size_table(result), ""]
    lines += engine_table(engine)
    return "\n".join(lines) + "\n"

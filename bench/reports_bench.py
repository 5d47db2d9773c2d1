"""The sales funnel over many opportunities: 100k on SQLite (target p95 under 200 ms) and,
when `BENCH_POSTGRES_URL` names a PostgreSQL server, 1M there (target under 1.5 s).

`results()` needs Django set up on a throw-away database (as bench/run.py does); importing
this module does nothing. The records are written with plain SQL (a number series, then one
INSERT … SELECT per stage reached) so that a million rows take seconds, not minutes; then
the database's statistics are refreshed (`stageflow optimize`, what the worker does daily)
and the funnel is built through the report registry as a manager would ask for it.

For PostgreSQL a scratch database is created on that server, migrated and dropped again; the
measuring runs in a child process (`python bench/reports_bench.py --here N`) whose settings
point at it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from timing import Result, percentile

SQLITE_RECORDS = 100_000
SQLITE_TARGET = 0.200
POSTGRES_RECORDS = 1_000_000
POSTGRES_TARGET = 1.5
RUNS = 20
PIPELINE_KEY = "bench-funnel"
PIPELINE = f"""
key: {PIPELINE_KEY}
record_type: opportunity
name: Bench funnel
stages:
- {{key: new, names: {{en: New}}, position: 10, is_default: true, probability: 10}}
- {{key: qualified, names: {{en: Qualified}}, position: 20, probability: 40}}
- {{key: proposal, names: {{en: Proposal}}, position: 30, probability: 70}}
- {{key: negotiation, names: {{en: Negotiation}}, position: 40, probability: 85}}
- {{key: won, names: {{en: Won}}, position: 50, status: won, is_end_stage: true}}
- {{key: lost, names: {{en: Lost}}, position: 60, status: lost, is_end_stage: true}}
"""
# Where a record ended, by a bucket 0-99 of its number; and each stage reached on the way, with
# the day (after creation) it was reached: 25 % stay new, 20 % reach qualified, 15 %
# proposal, 10 % negotiation, 15 % are won, 15 % lost after qualifying.
PATHS = (
    (range(0, 25), "new", "open", ()),
    (range(25, 45), "qualified", "open", (("qualified", 2),)),
    (range(45, 60), "proposal", "open", (("qualified", 2), ("proposal", 5))),
    (range(60, 70), "negotiation", "open",
     (("qualified", 2), ("proposal", 5), ("negotiation", 7))),
    (range(70, 85), "won", "won",
     (("qualified", 2), ("proposal", 5), ("negotiation", 7), ("won", 9))),
    (range(85, 100), "lost", "lost", (("qualified", 2), ("lost", 6))),
)
CLOSED = {"won": "won", "lost": "lost"}


def _numbers(vendor: str, count: int) -> str:
    if vendor == "postgresql":
        return f"SELECT i FROM generate_series(1, {count}) AS n(i)"
    return (f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) "
            "SELECT i FROM n")


def _days_after(vendor: str, column: str, days: str) -> str:
    if vendor == "postgresql":
        return f"({column} + ({days}) * INTERVAL '1 day')"
    return f"datetime({column}, '+' || ({days}) || ' days')"


def _base(vendor: str) -> str:
    return ("TIMESTAMPTZ '2026-01-01 09:00:00+00'" if vendor == "postgresql"
            else "'2026-01-01 09:00:00'")


def generate(count: int) -> Any:
    """`count` opportunities in the bench pipeline with their stage history; the manager who
    looks at the funnel."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from stageflow.core.models import Via
    from stageflow.people.models import User
    from stageflow.people.services import user_create
    from stageflow.pipelines.services import pipeline_import

    manager = User.objects.filter(username="bench-manager").first() or user_create(
        username="bench-manager", password="bench-manager-pw", role_keys=["administrator"])
    version = pipeline_import(actor=manager, via=Via.CLI, text=PIPELINE, file_format="yaml",
                              publish=True)
    vendor = connection.vendor
    pipeline_id, number = version.pipeline_id, version.number
    ended = "".join(f"WHEN bucket < {buckets.stop} THEN '{{}}' "
                    for buckets, _stage, _status, _steps in PATHS)
    stage_at_end = "CASE " + ended.format(*(stage for _b, stage, _s, _p in PATHS)) + "END"
    status_at_end = "CASE " + ended.format(*(status for _b, _s, status, _p in PATHS)) + "END"
    with transaction.atomic(), connection.cursor() as cursor:
        created = _days_after(vendor, _base(vendor), "i %% 300")
        # Each record's path bucket is kept in `priority` for the moves written below.
        cursor.execute(
            "INSERT INTO sales_opportunity (created_at, updated_at, version, title, description, "
            "source, category, priority, attributes, pipeline_version, stage, step, status, "
            "stage_entered_at, value, currency, proposed_solution, close_reason, pipeline_id, "
            f"owner_id) SELECT {created}, {created}, 1, 'Bench deal ' || i, '', "
            "CASE WHEN i %% 3 = 0 THEN 'web' ELSE 'referral' END, '', "
            f"CAST(bucket AS VARCHAR(60)), '{{}}', %s, {stage_at_end}, {stage_at_end}, "
            f"{status_at_end}, {created}, (i %% 50) * 100 + 500, 'EUR', '', '', %s, %s "
            f"FROM (SELECT i, (i * 79) %% 100 AS bucket FROM ({_numbers(vendor, count)}) "
            "AS numbers) AS bucketed",
            [number, pipeline_id, manager.pk])
        mine = f"pipeline_id = {int(pipeline_id)}"
        cursor.execute(
            "INSERT INTO sales_stagechange (pipeline_version, transition, from_stage, "
            "from_step, to_stage, to_step, to_status, at, forced, opportunity_id, pipeline_id) "
            "SELECT pipeline_version, '', '', '', 'new', 'new', 'open', created_at, %s, id, "
            f"pipeline_id FROM sales_opportunity WHERE {mine}", [False])
        for buckets, _stage, _status, steps in PATHS:
            in_bucket = (f"CAST(priority AS INTEGER) BETWEEN {buckets.start} "
                         f"AND {buckets.stop - 1}")
            previous, previous_day = "new", 0
            for reached, day in steps:
                cursor.execute(
                    "INSERT INTO sales_stagechange (pipeline_version, transition, from_stage, "
                    "from_step, to_stage, to_step, to_status, at, seconds_in_previous, forced, "
                    "opportunity_id, pipeline_id) SELECT pipeline_version, '', %s, %s, %s, %s, "
                    f"%s, {_days_after(vendor, 'created_at', str(day))}, %s, %s, id, "
                    f"pipeline_id FROM sales_opportunity WHERE {mine} AND {in_bucket}",
                    [previous, previous, reached, reached, CLOSED.get(reached, "open"),
                     (day - previous_day) * 86400, False])
                previous, previous_day = reached, day
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            # What autovacuum does soon after a bulk load: lets the funnel read the index only.
            cursor.execute("VACUUM ANALYZE sales_stagechange")
    call_command("optimize", verbosity=0)
    return manager


def time_funnel(manager: Any) -> float:
    """p95 seconds of building the funnel, after one warm-up build."""
    from stageflow.people.permissions import forget_cached_permissions
    from stageflow.reports.base import REPORTS, ReportFilters

    spec, filters = REPORTS["funnel"], ReportFilters(pipeline=PIPELINE_KEY)
    report = spec.build(manager, filters)
    assert sum(row["reached"] for row in report.rows) > 0
    timings = []
    for _run in range(RUNS):
        forget_cached_permissions(manager)  # as in a new request
        started = time.perf_counter()
        spec.build(manager, filters)
        timings.append(time.perf_counter() - started)
    return percentile(timings, 95)


def _scratch_url(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _on_postgres(server_url: str) -> float:
    """Create a scratch database, measure there in a child process, drop it."""
    import psycopg

    name = f"stageflow_bench_reports_{os.getpid()}"
    with psycopg.connect(_scratch_url(server_url, "postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        environment = {**os.environ, "DATABASE_URL": _scratch_url(server_url, name),
                       "DJANGO_SETTINGS_MODULE": "stageflow.settings", "DEBUG": "0"}
        finished = subprocess.run(
            [sys.executable, str(Path(__file__)), "--here", str(POSTGRES_RECORDS)],
            env=environment, capture_output=True, text=True, check=False, timeout=1800)
        if finished.returncode != 0:
            raise RuntimeError(f"the PostgreSQL funnel bench failed:\n{finished.stderr[-3000:]}")
        return float(finished.stdout.strip().splitlines()[-1])
    finally:
        with psycopg.connect(_scratch_url(server_url, "postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def results() -> list[Result]:
    sqlite = time_funnel(generate(SQLITE_RECORDS))
    rows = [Result(f"funnel over {SQLITE_RECORDS:,} opportunities (SQLite, p95 of {RUNS})",
                   f"{sqlite * 1000:.0f} ms", f"< {SQLITE_TARGET * 1000:.0f} ms",
                   sqlite < SQLITE_TARGET)]
    server = os.environ.get("BENCH_POSTGRES_URL", "")
    name = f"funnel over {POSTGRES_RECORDS:,} opportunities (PostgreSQL, p95 of {RUNS})"
    target = f"< {POSTGRES_TARGET:.1f} s"
    if server:
        seconds = _on_postgres(server)
        rows.append(Result(name, f"{seconds:.2f} s", target, seconds < POSTGRES_TARGET))
    else:
        rows.append(Result(name, "skipped (set BENCH_POSTGRES_URL)", target, True))
    return rows


def _measure_here(count: int) -> None:
    """The child process: migrate the database the settings name, fill it, print p95."""
    import django
    from django.core.management import call_command

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    print(time_funnel(generate(count)))


if __name__ == "__main__" and sys.argv[1:2] == ["--here"]:
    _measure_here(int(sys.argv[2]))

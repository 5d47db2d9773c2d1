"""`make bench`: list, search and detail timings at 10k and 100k records, the service layer and
the engine.

Everything happens in a throw-away data directory: the developer's own database is never
touched. Steps: time the pure workflow engine; migrate; create two offices and their people and
install the quote_schedule preset; then for each size generate accounts, contacts, opportunities
and leads, serve them with `stageflow serve` on a free local port, sign in as an administrator
and as a salesperson, and time pages and API calls; at the largest size, time moves, automation
rules and the idle scan in-process; then the estimate PDF, the schedule's week view, the sales
funnel report over 100k opportunities (and 1M on PostgreSQL when `BENCH_POSTGRES_URL` is set)
and an import of 100k leads. The tables go to stdout and to bench/results.md. Slow
numbers never fail the run; errors (a non-200 answer, a server that does not start) do.

    .venv/bin/python bench/run.py [--sizes 10000 100000] [--requests 200] [--output FILE]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import django
from django.core.management import call_command

# None of these reads Django's settings; `dataset` does (it uses the ORM), so it is imported
# only once main() has pointed the settings at the throw-away data directory.
from engine_timings import run_engine_benchmarks
from http_timings import BenchError, Endpoint, Measurement, Plan, Visitor, measure, sign_in
from report import (
    DATA_TITLE,
    DOCUMENTS_TITLE,
    ENGINE_TITLE,
    SizeResult,
    render,
    results_table,
    sales_table,
    services_title,
    size_table,
)
from server import ServerError, running_server
from timing import Result

if TYPE_CHECKING:
    from dataset import Workspace
    from sales_dataset import SalesSetup

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_SIZES = (10_000, 100_000)
LIST_TARGET_MS = 50.0
DETAIL_TARGET_MS = 30.0
BOARD_TARGET_MS = 50.0
RECORD_PAGE_TARGET_MS = 40.0
SEARCHES = (("name fragment", "plumb"), ("city", "Peoria"), ("phone digits", "217-555-01"))
BOARD_STAGE = "quote"  # the largest open column
SEED = 20240601


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES),
                        help="numbers of accounts (and of contacts) to measure, ascending")
    parser.add_argument("--requests", type=int, default=200,
                        help="timed requests per endpoint and person")
    parser.add_argument("--budget", type=float, default=Plan.budget_seconds,
                        help="seconds per endpoint after which it stops early "
                        f"(but never below {Plan.min_requests} requests)")
    parser.add_argument("--output", type=Path, default=BENCH_DIR / "results.md")
    parser.add_argument("--keep-data", action="store_true",
                        help="keep the temporary data directory (its path is printed)")
    return parser.parse_args()


def _use_throwaway_data_dir() -> Path:
    """Point the settings at a fresh directory; must run before Django reads its settings."""
    data_dir = Path(tempfile.mkdtemp(prefix="stageflow-bench-"))
    os.environ["STAGEFLOW_DATA_DIR"] = str(data_dir)  # overrides the Makefile's var/
    os.environ["STAGEFLOW_INSECURE_HTTP"] = "1"  # session cookies over plain http://127.0.0.1
    os.environ["DJANGO_SETTINGS_MODULE"] = "stageflow.settings"
    os.environ["DEBUG"] = "0"  # DEBUG keeps every SQL query in memory and would skew timings
    os.environ.pop("DATABASE_URL", None)  # never a developer's PostgreSQL: SQLite in data_dir
    os.environ.pop("REDIS_URL", None)  # nor their Redis: the in-process cache
    return data_dir


def _endpoints(detail_ids: list[int]) -> tuple[list[Endpoint], list[Endpoint]]:
    """(pages, API calls) to time for one person; details cycle through `detail_ids`."""
    pages = [Endpoint("account list page `/accounts/`", ("/accounts/",), LIST_TARGET_MS)]
    api = [Endpoint("account list API `?limit=50`", ("/api/v1/accounts?limit=50",),
                    LIST_TARGET_MS)]
    for label, query in SEARCHES:
        pages.append(Endpoint(f"account search page, {label} `{query}`",
                              (f"/accounts/?{urlencode({'q': query})}",), LIST_TARGET_MS))
        api.append(Endpoint(f"account search API, {label} `{query}`",
                            (f"/api/v1/accounts?{urlencode({'limit': 50, 'q': query})}",),
                            LIST_TARGET_MS))
    pages.append(Endpoint("account detail page `/accounts/<id>/`",
                          tuple(f"/accounts/{pk}/" for pk in detail_ids), DETAIL_TARGET_MS))
    api.append(Endpoint("account detail API `/api/v1/accounts/<id>`",
                        tuple(f"/api/v1/accounts/{pk}" for pk in detail_ids), DETAIL_TARGET_MS))
    pages.append(Endpoint("contact list page `/contacts/`", ("/contacts/",), LIST_TARGET_MS))
    api.append(Endpoint("contact list API `?limit=50`", ("/api/v1/contacts?limit=50",),
                        LIST_TARGET_MS))
    return pages, api


def _sales_endpoints(pipeline: str, owner: int,
                     record_ids: list[int]) -> tuple[list[Endpoint], list[Endpoint]]:
    """(pages, API calls) on opportunities for one person; record pages cycle through
    `record_ids`; `owner` is the salesperson the owner filter picks."""
    board = urlencode({"pipeline": pipeline, "view": "all"})
    overviews = ((f"stage `{BOARD_STAGE}` + search `heater`", {"stage": BOARD_STAGE,
                                                               "q": "heater"}),
                 ("owner = the salesperson + search `pool`", {"owner": owner, "q": "pool"}))
    pages = [
        Endpoint("board page `/board/` (column heads with counts and totals)", ("/board/",),
                 BOARD_TARGET_MS),
        Endpoint(f"board column `{BOARD_STAGE}`, first 25 cards (htmx)",
                 (f"/board/column/{pipeline}/{BOARD_STAGE}/?{board}",), BOARD_TARGET_MS,
                 headers=(("HX-Request", "true"),)),
        *(Endpoint(f"opportunity overview, {label}", (f"/opportunities/?{urlencode(query)}",),
                   LIST_TARGET_MS) for label, query in overviews),
        Endpoint("opportunity record page `/opportunities/<id>/`",
                 tuple(f"/opportunities/{pk}/" for pk in record_ids), RECORD_PAGE_TARGET_MS),
    ]
    api = [Endpoint("opportunity list API `?limit=50`", ("/api/v1/opportunities?limit=50",),
                    LIST_TARGET_MS)]
    return pages, api


def _grouped(measurements: list[Measurement]) -> list[Measurement]:
    """One row per endpoint and person, the people of one endpoint next to each other."""
    position: dict[str, int] = {}
    for m in measurements:
        position.setdefault(m.endpoint.name, len(position))
    return sorted(measurements, key=lambda m: position[m.endpoint.name])  # stable: admin, sales


def _measure_all(visitor: Visitor, base_url: str, plan: Plan,
                 endpoints: tuple[list[Endpoint], list[Endpoint]]) -> list[Measurement]:
    """Pages with the browser session, API calls with the token; printed as they come."""
    measurements = []
    pages, api = endpoints
    for group, session in ((pages, visitor.browser), (api, visitor.api)):
        for endpoint in group:
            result = measure(session, base_url, endpoint, visitor.who, plan)
            measurements.append(result)
            print(f"   {visitor.who:5} {endpoint.name:62} median {result.median_ms:7.1f}  "
                  f"p95 {result.p95_ms:7.1f} ms  (n={len(result.server_ms)})", flush=True)
    return measurements


def _measure_size(size: int, workspace: Workspace, setup: SalesSetup, rng: random.Random,
                  plan: Plan, data_dir: Path) -> SizeResult:
    from dataset import PASSWORD, grow_to, refresh_statistics, sample_ids
    from sales_dataset import grow_sales_to

    from stageflow.accounts.access import accounts_for
    from stageflow.sales.access import records_for

    print(f"\n== {size:,} records: generating data …", flush=True)
    growth = grow_to(size, workspace, rng)
    print(f"   {growth.accounts:,} accounts, {growth.contacts:,} contacts, {growth.links:,} "
          f"links ({growth.seconds:.1f} s)", flush=True)
    sales = grow_sales_to(size, workspace, setup, rng)
    print(f"   {sales.opportunities:,} opportunities, {sales.leads:,} leads, "
          f"{sales.stage_changes:,} stage changes ({sales.seconds:.1f} s)", flush=True)
    print(f"   statistics refreshed ({refresh_statistics():.1f} s)", flush=True)
    people = [("admin", workspace.administrator), ("sales", workspace.salesperson)]
    measurements: list[Measurement] = []
    sales_measurements: list[Measurement] = []
    wanted = plan.requests + plan.warm_up
    with running_server(os.environ, data_dir / "server.log") as base_url:
        for who, user in people:
            visitor = sign_in(base_url, who, user.username, PASSWORD)
            measurements += _measure_all(visitor, base_url, plan, _endpoints(
                sample_ids(accounts_for(user), wanted, rng)))
            sales_measurements += _measure_all(visitor, base_url, plan, _sales_endpoints(
                setup.opportunities.key, workspace.salesperson.pk,
                sample_ids(records_for(user, "opportunity"), wanted, rng)))
    return SizeResult(size=size, growth=growth, measurements=_grouped(measurements),
                      sales=sales, sales_measurements=_grouped(sales_measurements))


def _document_benchmarks() -> list[Result]:
    from quotes_bench import LINES, bench_estimate_pdf
    from quotes_bench import TARGET_SECONDS as PDF_TARGET
    from schedule_bench import APPOINTMENTS, bench_week_view
    from schedule_bench import TARGET_SECONDS as WEEK_TARGET

    pdf, week = bench_estimate_pdf(), bench_week_view()
    return [
        Result(f"PDF of a {LINES}-line estimate (WeasyPrint, median of 5 after a warm-up)",
               f"{pdf * 1000:.0f} ms", f"< {PDF_TARGET * 1000:.0f} ms", pdf < PDF_TARGET),
        Result(f"schedule week view with {APPOINTMENTS:,} appointments, p95",
               f"{week * 1000:.0f} ms", f"< {WEEK_TARGET * 1000:.0f} ms", week < WEEK_TARGET),
    ]


def _data_benchmarks() -> list[Result]:
    from import_bench import results as import_results
    from reports_bench import results as funnel_results

    return [*funnel_results(), *import_results()]


def main() -> int:
    args = _parse_args()
    started = time.perf_counter()
    data_dir = _use_throwaway_data_dir()
    keep_data = args.keep_data
    print(f"Data directory (temporary): {data_dir}", flush=True)
    try:
        print("== workflow engine …", flush=True)
        engine = run_engine_benchmarks()  # first, while this process is small and quiet

        django.setup()
        from dataset import create_workspace
        from sales_dataset import install_pipelines
        from service_timings import run_service_benchmarks

        call_command("migrate", interactive=False, verbosity=0)
        workspace = create_workspace()
        setup = install_pipelines(workspace)
        plan = Plan(requests=args.requests, budget_seconds=args.budget)
        rng = random.Random(SEED)
        try:
            sizes = [_measure_size(size, workspace, setup, rng, plan, data_dir)
                     for size in sorted(args.sizes)]
        except (BenchError, ServerError) as error:
            print(f"\nbench failed: {error}", file=sys.stderr)
            keep_data = True  # for the server's log
            return 1
        print(f"\n== service layer at {sizes[-1].sales.opportunities:,} opportunities …",
              flush=True)
        services = run_service_benchmarks(workspace.administrator, rng)
        print("\n== estimate PDF and schedule week view …", flush=True)
        documents = _document_benchmarks()
        print("\n== sales funnel report and lead import …", flush=True)
        data = _data_benchmarks()
        text = render(sizes, services, documents, data, engine, plan,
                      time.perf_counter() - started)
        args.output.write_text(text, encoding="utf-8")
        print()
        for result in sizes:
            print("\n".join(size_table(result)), end="\n\n")
            print("\n".join(sales_table(result)), end="\n\n")
        print("\n".join(results_table(services_title(sizes[-1].sales.opportunities),
                                      services)), end="\n\n")
        print("\n".join(results_table(DOCUMENTS_TITLE, documents)), end="\n\n")
        print("\n".join(results_table(DATA_TITLE, data)), end="\n\n")
        print("\n".join(results_table(ENGINE_TITLE, engine)))
        print(f"\nWritten to {args.output} in {(time.perf_counter() - started) / 60:.1f} min.")
        return 0
    finally:
        if keep_data:
            print(f"Data kept in {data_dir} (server log: {data_dir / 'server.log'})")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

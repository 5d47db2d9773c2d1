"""The estimate PDF: `bench_estimate_pdf()` renders a 50-line estimate and returns the seconds.

It needs Django set up on a throw-away database (as bench/run.py does before it times
anything); importing this module does nothing. The estimate is made through the services, as
an office worker would make it, for a direct customer; only the PDF rendering is timed, after
one warm-up render that loads WeasyPrint and its fonts.
"""

from __future__ import annotations

import statistics
import time
from decimal import Decimal
from typing import Any

LINES = 50
TARGET_SECONDS = 1.0
RUNS = 5


def _estimate() -> Any:
    from stageflow.accounts.models import Account
    from stageflow.core.models import Via
    from stageflow.people.models import User
    from stageflow.people.services import user_create
    from stageflow.quotes.services import LineInput, estimate_create

    actor = User.objects.filter(username="bench-quoter").first() or user_create(
        username="bench-quoter", password="bench-quoter-pw", role_keys=["administrator"])
    account = Account.objects.create(name="Bench PDF customer", billing_street="1 Main St",
                                     billing_city="Springfield", owner=actor)
    lines = [LineInput(description=f"Task {number}: replace part and test the system",
                       quantity=Decimal(1 + number % 4), unit_price=Decimal(f"{19 + number}.95"),
                       tax_rate=Decimal("8.25") if number % 3 else Decimal(0),
                       discount_percent=Decimal(5) if number % 7 == 0 else Decimal(0),
                       code=f"FR-{number:03d}", unit="each")
             for number in range(LINES)]
    return estimate_create(actor=actor, via=Via.CLI, account=account, lines=lines,
                           title="Bench estimate")


def bench_estimate_pdf() -> float:
    """Median seconds of five renders of a 50-line estimate's PDF (target under one second)."""
    from stageflow.quotes.pdf import estimate_pdf

    estimate = _estimate()
    estimate_pdf(estimate)  # warm-up: the first render loads WeasyPrint and the fonts
    timings = []
    for _run in range(RUNS):
        started = time.perf_counter()
        document = estimate_pdf(estimate)
        timings.append(time.perf_counter() - started)
        assert document.startswith(b"%PDF")
    return statistics.median(timings)

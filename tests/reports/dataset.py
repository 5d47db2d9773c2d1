"""A fixed sales history for the report tests, built with the services on known days.

Pipeline `deals` (opportunities): New (10 %) → Qualified (40 %) → Proposal (70 %), then Won
or Lost. Day 0 is 2027-03-01 09:00 UTC; "now" is day 10.

| record | owner   | source   | value | history                                              |
|--------|---------|----------|-------|------------------------------------------------------|
| A      | sales_n | web      | 1000  | d0 New, d2 Qualified, d5 Proposal, d9 Won            |
| B      | sales_n | web      | 2000  | d0 New, d3 Qualified, d6 Lost (reason "price")       |
| C      | sales_s | referral | 4000  | d1 New, d4 Proposal (skips Qualified)                |
| D      | sales_s | referral |  500  | d1 New (probability set to 25 %)                     |
| E      | sales_n | —        | 3000  | d7 New, d8 Qualified                                 |

Expected close dates: A 2027-03-20, C 2027-04-15, D 2027-04-30, E 2027-05-10.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import time_machine

DAY_0 = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
NOW = DAY_0 + dt.timedelta(days=10)

DEALS = """
key: deals
record_type: opportunity
name: Deals
stages:
- {key: new, names: {en: New}, position: 10, is_default: true, probability: 10}
- {key: qualified, names: {en: Qualified}, position: 20, probability: 40}
- {key: proposal, names: {en: Proposal}, position: 30, probability: 70}
- {key: won, names: {en: Won}, position: 40, status: won, is_end_stage: true, probability: 100}
- {key: lost, names: {en: Lost}, position: 50, status: lost, is_end_stage: true,
   probability: 0}
"""


def day(n: int) -> dt.datetime:
    return DAY_0 + dt.timedelta(days=n)


@dataclass
class History:
    records: dict[str, Any]
    admin: Any
    sales_north: Any
    sales_south: Any


def import_pipeline(admin: Any, text: str) -> Any:
    from stageflow.core.models import Via
    from stageflow.pipelines.services import pipeline_import

    return pipeline_import(actor=admin, via=Via.CLI, text=text, file_format="yaml",
                           publish=True).pipeline


@contextmanager
def recorded_history(admin: Any, sales_north: Any, sales_south: Any) -> Iterator[History]:
    """The records of the table above (in the `deals` pipeline, which must be live); the
    clock stays at day 10 until the block ends."""
    from stageflow.core.models import Via
    from stageflow.sales import services as sales

    records: dict[str, Any] = {}

    def create(name: str, owner: Any, value: str, source: str, close: str | None) -> None:
        records[name] = sales.record_create(actor=owner, via=Via.API, kind="opportunity",
                                            values={"title": name, "value": value,
                                                    "source": source,
                                                    "expected_close_date": close})

    def move(name: str, stage: str, **values: Any) -> None:
        record = records[name]
        records[name] = sales.record_move_to_stage(
            actor=admin, via=Via.API, record=type(record).objects.get(pk=record.pk),
            stage=stage, values=values or None)

    with time_machine.travel(DAY_0, tick=False) as clock:
        create("A", sales_north, "1000", "web", "2027-03-20")
        create("B", sales_north, "2000", "web", None)
        clock.move_to(day(1))
        create("C", sales_south, "4000", "referral", "2027-04-15")
        create("D", sales_south, "500", "referral", "2027-04-30")
        sales.record_update(actor=sales_south, via=Via.API, record=records["D"],
                            values={"probability": 25})
        clock.move_to(day(2))
        move("A", "qualified")
        clock.move_to(day(3))
        move("B", "qualified")
        clock.move_to(day(4))
        move("C", "proposal")
        clock.move_to(day(5))
        move("A", "proposal")
        clock.move_to(day(6))
        move("B", "lost", close_reason="price")
        clock.move_to(day(7))
        create("E", sales_north, "3000", "", "2027-05-10")
        clock.move_to(day(8))
        move("E", "qualified")
        clock.move_to(day(9))
        move("A", "won")
        clock.move_to(NOW)
        yield History(records, admin, sales_north, sales_south)

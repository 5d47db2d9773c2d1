"""The funnel's conversion: per open stage, how many records reached it and how many of those
later reached a later open stage or were won, read from the stage history.

Asking every record for its first arrival at each stage (a GROUP BY per record) is exact but
too slow over a million changes. Most histories are *regular*: they only move forward through
the open stages and end, at most once, in a closed stage. For those, reaching a stage is
entering it (once) and converting is leaving it forward, so counting the changes by (from,
to, status) — a few dozen rows, read from one index — gives the answer. The records whose
history went back, or left a closed stage, are found from that same count (their pairs are
the backward ones) and are the only ones asked one by one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, F, Max, Min, Q, QuerySet, Value, When

from stageflow.sales.models import StageChange, Status

Moves = list[tuple[str, str, str, int]]  # from stage, to stage, to status, how many


@dataclass
class _Tally:
    keys: list[str]
    reached: list[int] = field(init=False)
    converted: list[int] = field(init=False)

    def __post_init__(self) -> None:
        self.reached = [0] * len(self.keys)
        self.converted = [0] * len(self.keys)


def _rank(keys: list[str]) -> dict[str, int]:
    return {key: index for index, key in enumerate(keys)}


def _moves(changes: QuerySet[StageChange]) -> Moves:
    return [(row["from_stage"], row["to_stage"], row["to_status"], row["moves"])
            for row in changes.order_by().values("from_stage", "to_stage", "to_status")
            .annotate(moves=Count("pk"))]


def _count_regular(tally: _Tally, moves: Iterable[tuple[str, str, str, int]],
                   sign: int) -> None:
    rank = _rank(tally.keys)
    for from_stage, to_stage, to_status, count in moves:
        if from_stage == to_stage:
            continue  # a step inside a stage
        if to_stage in rank:
            tally.reached[rank[to_stage]] += sign * count
        if from_stage in rank and (to_status == Status.WON
                                   or rank.get(to_stage, -1) > rank[from_stage]):
            tally.converted[rank[from_stage]] += sign * count


def _irregular(keys: list[str], moves: Moves) -> list[tuple[str, str]]:
    """The (from, to) pairs no regular history has: a move back to an earlier open stage,
    or out of a closed (or no longer known) stage."""
    rank, top = _rank(keys), len(keys)

    def rank_of(stage: str) -> int:
        return -1 if stage == "" else rank.get(stage, top)

    return [(from_stage, to_stage) for from_stage, to_stage, _status, _count in moves
            if from_stage != to_stage and (rank_of(from_stage) == top
                                           or rank_of(to_stage) < rank_of(from_stage))]


def _count_each(tally: _Tally, changes: QuerySet[StageChange], kind: str) -> None:
    """The exact reading, one record at a time (in SQL): first arrival at each stage against
    the last arrival beyond it."""
    keys = tally.keys
    per_record = changes.values(f"{kind}_id").annotate(
        **{f"first_{i}": Min(Case(When(to_stage=key, then=F("at"))))
           for i, key in enumerate(keys)},
        **{f"beyond_{i}": Max(Case(When(Q(to_stage__in=keys[i + 1:]) | Q(to_status=Status.WON),
                                        then=F("at"))))
           for i in range(len(keys))})
    totals: dict[str, Any] = per_record.aggregate(
        **{f"reached_{i}": Count(f"first_{i}") for i in range(len(keys))},
        **{f"converted_{i}": Count(Case(When(**{f"beyond_{i}__gt": F(f"first_{i}")},
                                             then=Value(1))))
           for i in range(len(keys))})
    for i in range(len(keys)):
        tally.reached[i] += totals[f"reached_{i}"]
        tally.converted[i] += totals[f"converted_{i}"]


def conversions(changes: QuerySet[StageChange], kind: str,
                keys: list[str]) -> list[tuple[int, int]]:
    """(reached, converted) per open stage key, in the order of `keys`, over `changes` (the
    stage history of one pipeline's records, already narrowed to the caller's records)."""
    if not keys:
        return []
    tally = _Tally(keys)
    moves = _moves(changes)
    _count_regular(tally, moves, +1)
    pairs = _irregular(keys, moves)
    if pairs:
        backward = Q(pk__in=[])
        for from_stage, to_stage in pairs:
            backward |= Q(from_stage=from_stage, to_stage=to_stage)
        records = changes.filter(backward).values(f"{kind}_id")
        theirs = changes.filter(**{f"{kind}_id__in": records})
        _count_regular(tally, _moves(theirs), -1)
        _count_each(tally, theirs, kind)
    return list(zip(tally.reached, tally.converted, strict=True))

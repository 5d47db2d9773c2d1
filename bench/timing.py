"""What every kind of measurement shares: the percentile, and one row of a result table."""

from __future__ import annotations

import math
from dataclasses import dataclass


def percentile(values: list[float], percent: float) -> float:
    """Nearest-rank percentile: the smallest value at or above `percent` % of the values."""
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Result:
    """One measured row: what was measured, the number as text, and the target it is held to."""

    name: str
    value: str
    target: str
    met: bool

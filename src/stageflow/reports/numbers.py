"""How report figures are rounded: rates in percent, durations in days, one decimal each."""

from __future__ import annotations

from decimal import Decimal


def rate(part: int | Decimal | None, whole: int | Decimal | None) -> float | None:
    """`part` as a percentage of `whole`; None (shown as empty) when there is no whole."""
    if not whole:
        return None
    return round(float(part or 0) * 100 / float(whole), 1)


def days(seconds: float | int | None) -> float | None:
    return None if seconds is None else round(float(seconds) / 86400, 1)


def money(value: Decimal | None) -> Decimal:
    return (value or Decimal("0")).quantize(Decimal("0.01"))

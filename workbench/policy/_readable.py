"""Thresholds and limits written so a person can read them, deciding exactly what the tuned value did.

A sweep puts a threshold on an observed step value (``0.9234425533666009``), a slider on a float step
(``0.8999999999999999``). Any value between the same two observed values escalates or cuts the same
steps, so the policy file gets the one of those with the fewest significant digits (three at least),
nearest to the tuned value: ``0.923``, ``0.9``. Pure Python: the guard imports this package.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

MIN_DIGITS = 3


def readable(value: float, same: Callable[[float], bool]) -> float:
    """The value with the fewest significant digits (``MIN_DIGITS`` or more) for which ``same`` holds,
    nearest to ``value`` among those; ``value`` itself when it has no more digits than that, or when no
    shorter one decides the same (``same``: the candidate lies between the same observed values)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        return value
    exact = Decimal(repr(float(value)))
    for digits in range(MIN_DIGITS, 17):
        step = Decimal(1).scaleb(exact.adjusted() - digits + 1)
        shorter = {
            float(exact.quantize(step, rounding=r)) for r in (ROUND_HALF_EVEN, ROUND_FLOOR, ROUND_CEILING)
        }
        if float(value) in shorter:  # already this short: written as given
            return value
        for c in sorted(shorter, key=lambda c: abs(c - value)):
            if same(c):
                return c
    return value


def escalating_same(threshold: float, sorted_signed: object, sign: float) -> Callable[[float], bool]:
    """For a HITL threshold over step values ``sign * value`` sorted ascending (``sign`` -1 for a rule
    escalating at or below the threshold): whether a candidate escalates the same steps."""
    from bisect import bisect_left

    s = sign * threshold
    n = len(sorted_signed)  # type: ignore[arg-type]
    i = bisect_left(sorted_signed, s)  # type: ignore[arg-type]
    below = float(sorted_signed[i - 1]) if i > 0 else -math.inf  # type: ignore[index]
    at_or_above = float(sorted_signed[i]) if i < n else math.inf  # type: ignore[index]
    # the same steps are at or past sign * c for any sign * c in (below, at_or_above]
    return lambda c: below < sign * c <= at_or_above


def cutting_same(limit: float, sorted_peaks: object) -> Callable[[float], bool]:
    """For a limit that cuts a value past it (``peak > limit``), over peaks sorted ascending: whether a
    candidate cuts the same runs."""
    from bisect import bisect_right

    n = len(sorted_peaks)  # type: ignore[arg-type]
    i = bisect_right(sorted_peaks, limit)  # type: ignore[arg-type]
    past = float(sorted_peaks[i]) if i < n else math.inf  # type: ignore[index]
    within = float(sorted_peaks[i - 1]) if i > 0 else -math.inf  # type: ignore[index]
    # the same peaks are past c for any c in [within, past)
    return lambda c: within <= c < past

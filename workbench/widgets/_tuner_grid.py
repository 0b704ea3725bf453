"""The threshold tuner's slider grid: round steps whose every position reads as the number shown, the point past
every value where no run is sent to a human, and how the opening position is chosen among its neighbours
(``ThresholdTuner``; ``ReviewLoadView`` shares the grid)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..thresholds import SweepPoint


def _most_caught(curve: Any, budget: float | None) -> float | None:
    """The threshold catching the most failures within ``budget`` (a share of runs; None: any), the fewest runs
    escalated among equals; None when none catches one. Where no run succeeded this, not the cost, chooses."""
    ok = curve if budget is None else curve[curve["escalation_rate"] <= budget]
    ok = ok[ok["failures_caught"] > 0]
    if ok.empty:
        return None
    row = ok.sort_values(["failures_caught", "escalated_runs"], ascending=[False, True], kind="stable").iloc[
        0
    ]
    return float(row["threshold"])


def _no_review_at(extreme: float, step: float, lo: float, direction: str) -> float:
    """The slider's first grid point past ``extreme`` (the highest value, or the lowest with ``direction``
    "below"), strictly: a threshold on the extreme value itself escalates the runs that reach it."""
    way, sign = ("down", -1) if direction == "below" else ("up", 1)
    t = on_grid(extreme, step, lo, way)
    if t == extreme:
        t = on_grid(extreme + sign * step, step, lo, way)
    return t


def _rank(p: SweepPoint, priced: bool, budget: float | None) -> tuple:
    """How a slider position is preferred to its neighbour: within the budget, then cheaper; unpriced, within the
    budget, then more failures caught, then fewer runs escalated. (Priced on cost alone, the tuner opened a grid step
    past the best threshold within a 20 % budget, on one sending 20.8 % of runs to a human, its readout warning "more
    runs than the review budget allows" about the threshold it had just chosen.)"""
    over = budget is not None and p.escalation_rate > budget
    if priced:
        return (over, p.cost)
    return (over, -p.failures_caught, p.escalated_runs)


_COUNTS = frozenset({"tool_calls", "retries", "handoffs", "depth"})


def slider_grid(lo: float, hi: float, count: bool) -> tuple[float, float, float, str]:
    """A threshold slider's ``(min, max, step, readout format)`` over ``[lo, hi]``: 400 to 1,000 positions, the
    step a round number (1, 2 or 5 times a power of ten; a whole number on a count) and the ends on its grid,
    so every position reads exactly as the number its format shows (a step of 2.118 from 166.308 showed
    "166" for 166.308 and "168" for 168.426)."""
    if hi <= lo:
        # one value (every entropy 0.7; one run's confidence 0.3679): a grid of 0 to 1 in steps of 1 could not show
        # it, and the tuner opened at "entropy ≥ 0". Just under a tenth of the value either side (a whole unit on a
        # count) holds it on a grid fine enough to read it, inside the review-load chart's axis (a tenth either side)
        pad = 0.09 * abs(lo) or 0.9
        pad = max(1.0, float(math.ceil(pad))) if count else pad
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / 400
    power = 10.0 ** math.floor(math.log10(raw))
    step = max(m * power for m in (1, 2, 5) if m * power <= raw * (1 + 1e-9))  # 400 to 1,000 positions
    if count:  # tool calls so far, depth: a threshold of 1.337 calls means 2; it read "0.000"
        step = max(1.0, float(math.ceil(step)))
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    step = round(step, decimals)
    low = round(math.floor(lo / step + 1e-9) * step, decimals)
    high = max(round(math.ceil(hi / step - 1e-9) * step, decimals), low + step)
    return low, high, step, f",.{decimals}f"


def on_grid(value: float, step: float, lo: float, way: str) -> float:
    """``value`` moved ``way`` ("up" or "down") onto the slider's grid ``lo + k * step``, at the grid's decimals."""
    k = (value - lo) / step
    k = math.ceil(k - 1e-9) if way == "up" else math.floor(k + 1e-9)
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    return round(lo + k * step, decimals)

"""A threshold slider kept within the values a rule on its signal can hold (a confidence in [0, 1], an entropy 0 or
more: ``policy._model.THRESHOLD_RANGE``). Its grid padded a single value a tenth either side (one run's confidence
0.99: a slider to 1.08) and the exported rule past the range was refused by the policy's own check."""

from __future__ import annotations

import math
from typing import Any

from ..policy._model import THRESHOLD_RANGE, threshold_out_of_range


def signal_range(lo: float, hi: float, signal: str) -> tuple[float, float]:
    """``(lo, hi)`` cut to ``signal``'s range (both ends are on any slider grid: 0 and 1 are multiples of every round
    step under 1); unchanged for a signal with none."""
    low, high = THRESHOLD_RANGE.get(signal, (-math.inf, math.inf))
    lo_given, hi_given = lo, hi
    lo, hi = max(lo, low), min(hi, high)
    return (lo, hi) if hi > lo else (lo_given, hi_given)


def beyond(sweep: Any, value: Any) -> bool:
    """Whether a slider's ``value`` lies outside what a rule on the sweep's signal can hold (its no-review point past
    a confidence of 0: no rule then)."""
    return (
        sweep is not None
        and value is not None
        and threshold_out_of_range(sweep.signal, float(value), sweep.direction) is not None
    )


def point_at(sweep: Any, value: Any) -> Any:
    """``sweep.at(value)``, a value :func:`beyond` the signal's range read as no rule (``None``)."""
    return sweep.at(None if beyond(sweep, value) else value)

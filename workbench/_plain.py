"""Numbers as a person reads them in a sentence: a few significant digits, thousands separated, never
in e-notation (``2.73e+03`` for a mean latency of 2,730 ms read as a typo in the drift findings)."""

from __future__ import annotations

import math


def plain(value: float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant digits in plain decimal notation: ``2,730``, ``0.391``,
    ``1.09``, ``0.000123``; at least the whole part (``45,210`` for 45,213.7)."""
    if (
        not isinstance(value, (int, float))
        or isinstance(value, bool)
        or not math.isfinite(value)
        or value == 0
    ):
        return f"{value:g}" if isinstance(value, (int, float)) else str(value)
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and its noun, singular for one: ``1 run``, ``2 runs``, ``1,204 runs`` (the LimitTuner said "1 runs")."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def p_value(p: float) -> str:
    """A p-value as a reader compares it: ``p < 0.001`` below that, else three decimals."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"

"""The x range a threshold chart shows when a few far values would squash the rest: the bulk of the values,
with the ones past it counted at the edge (the tuner's cost curve ran to 30,000 ms for one 30 s call among
300 ms ones, every other threshold in its first few pixels)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Bulk:
    """``lo``..``hi``: the range shown; ``below`` / ``above``: how many values fall outside it, and
    ``low`` / ``high`` the farthest of them (the full extent when nothing is cut)."""

    lo: float
    hi: float
    below: int = 0
    above: int = 0
    low: float = 0.0
    high: float = 0.0

    @property
    def cut(self) -> bool:
        return bool(self.below or self.above)


def bulk_range(values: np.ndarray, keep: tuple[float, ...] = ()) -> Bulk | None:
    """The values' range without a far tail, the histogram's rule (plots/sql/histogram.sql) on each side:
    the bulk ends at the last value within the larger of a wide Tukey fence (q3 + 3 IQR) and the 90th
    percentile (10 % of the values hidden at most on a side), and is used only when the full range is more
    than twice the bulk's. ``keep``: values the range must hold whatever they are (the marked minimum, the
    current threshold). None for no finite value."""
    x = np.asarray(values, dtype=float)
    x = np.sort(x[np.isfinite(x)])
    if not len(x):
        return None
    top, bottom = float(x[-1]), float(x[0])
    q1, q3, p10, p90 = np.quantile(x, [0.25, 0.75, 0.10, 0.90])
    iqr = q3 - q1
    hi = float(x[x <= max(q3 + 3 * iqr, p90)].max())
    lo = float(x[x >= min(q1 - 3 * iqr, p10)].min())
    kept = [float(k) for k in keep if k is not None and np.isfinite(k)]
    lo, hi = min([lo, *kept]), max([hi, *kept])
    if top - bottom <= 2 * (hi - lo) or hi <= lo:
        return Bulk(bottom, top, low=bottom, high=top)
    return Bulk(lo, hi, below=int((x < lo).sum()), above=int((x > hi).sum()), low=bottom, high=top)

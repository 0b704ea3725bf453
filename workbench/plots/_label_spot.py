"""Where a text label beside a marked point of a line chart stays clear of the line.

A fixed offset (centred 14 px below the point) sat on the cost curve wherever the curve rises or
falls through the point, as it does at the cheapest threshold within a review budget. The chart's
pixel positions are worked out here the way Vega does (a linear scale over the data's extent,
"niced" as d3 does with ten ticks), and the first of a few placements around the point whose text
box keeps clear of the curve and inside the plot is taken.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Vega's default text: 11 px sans-serif; a character is at most about 0.6 em wide on average (measured on the
# labels here in Chromium: "best within budget" draws 95-98 px wide; 0.6 em leaves a margin).
FONT_PX = 11
_CHAR_PX = 0.6 * FONT_PX
_CLEAR_PX = 4.0

# (dx, dy, align) around the point, baseline "middle", nearest first; the first that keeps clear of the
# line is taken (a shallow slope through the point needs the label further above or below it).
_PLACES: list[tuple[float, int, str]] = [
    (dx, dy, align)
    for dy in (15, -15, 26, -26, 38, -38)
    for dx, align in ((0, "center"), (9, "left"), (-9, "right"))
]


# Farther above or below, tried last: where the point sits in a corner by the current threshold's rule, with the
# line rising steeply beside it, no nearer spot was clear (ux44, a CrewAI desk's latency: "minimum" drawn across the
# tuner's red rule at the plot's bottom left corner).
_FAR: list[tuple[float, int, str]] = [
    (dx, dy, align) for dy in (-50, 50, -62, 62) for dx, align in ((9, "left"), (-9, "right"), (0, "center"))
]


@dataclass(frozen=True)
class Spot:
    dx: float
    dy: float
    align: str
    clearance: float


def _tick_increment(start: float, stop: float, count: int) -> float:
    # d3-array's tickIncrement: a positive step, or the negated inverse of a step under 1
    step = (stop - start) / count
    power = math.floor(math.log10(step))
    error = step / 10**power
    factor = (
        10 if error >= math.sqrt(50) else 5 if error >= math.sqrt(10) else 2 if error >= math.sqrt(2) else 1
    )
    return factor * 10**power if power >= 0 else -(10**-power) / factor


def nice(lo: float, hi: float, count: int = 10) -> tuple[float, float]:
    """The domain a Vega linear scale with ``nice: true`` draws for the extent ``lo``..``hi``."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return lo, hi
    previous = None
    for _ in range(10):
        step = _tick_increment(lo, hi, count)
        if step == previous or step == 0:
            break
        if step > 0:
            lo, hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
        else:
            lo, hi = math.ceil(lo * step) / step, math.floor(hi * step) / step
        previous = step
    return lo, hi


def label_spot(
    xs: np.ndarray,
    ys: np.ndarray,
    at: tuple[float, float],
    text: str,
    width: int,
    height: int,
    x_extent: tuple[float, float] | None = None,
    zero_y: bool = True,
    rules_x: tuple[float, ...] = (),
) -> Spot:
    """Where to draw ``text`` beside the point ``at`` of the line through ``(xs, ys)`` (sorted by x) on a
    ``width`` × ``height`` plot: the first placement whose box is at least a few pixels from the line and
    inside the plot, else the one farthest from it. ``x_extent``: the x scale's data extent when other
    layers widen it (a threshold rule); ``rules_x``: vertical rules across the plot the text keeps clear of
    too (the current threshold: near the y axis "minimum" sat on its red dashes)."""
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    ok = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[ok], ys[ok]
    if len(xs) == 0:
        return Spot(*_PLACES[0][:2], _PLACES[0][2], math.inf)
    x_lo, x_hi = (float(xs.min()), float(xs.max())) if x_extent is None else x_extent
    y_lo, y_hi = float(ys.min()), float(ys.max())
    if zero_y:
        y_lo, y_hi = min(0.0, y_lo), max(0.0, y_hi)
    x_lo, x_hi = nice(x_lo, x_hi)
    y_lo, y_hi = nice(y_lo, y_hi)

    def px(v: np.ndarray | float) -> np.ndarray:
        return (np.asarray(v, dtype=float) - x_lo) / ((x_hi - x_lo) or 1.0) * width

    def py(v: np.ndarray | float) -> np.ndarray:
        return height - (np.asarray(v, dtype=float) - y_lo) / ((y_hi - y_lo) or 1.0) * height

    # the line at every pixel column it spans, so a steep stretch between two far points counts too
    lx, ly = px(xs), py(ys)
    cols = np.arange(math.floor(lx.min()), math.ceil(lx.max()) + 1, 0.5)
    line_x = np.concatenate([lx, cols])
    line_y = np.concatenate([ly, np.interp(cols, lx, ly)])
    for rx in rules_x:
        if math.isfinite(rx):
            down = np.arange(0.0, height + 0.5, 0.5)
            line_x = np.concatenate([line_x, np.full(len(down), float(px(rx)))])
            line_y = np.concatenate([line_y, down])
    ax, ay = float(px(at[0])), float(py(at[1]))
    w, h = _CHAR_PX * len(text), FONT_PX + 2
    best: Spot | None = None
    # beside each rule too, when the rule runs through every spot near the point
    beside = [
        (float(px(rx)) + side * (_CLEAR_PX + 2) - ax, dy, align)
        for rx in rules_x
        if math.isfinite(rx)
        for dy in (15, -15, 26, -26)
        for side, align in ((1, "left"), (-1, "right"))
    ]
    for dx, dy, align in [*_PLACES, *beside, *_FAR]:
        left = ax + dx - (w / 2 if align == "center" else w if align == "right" else 0)
        top = ay + dy - h / 2
        if top < 0 or top + h > height or w > width:
            continue
        shift = max(0.0, -left) - max(0.0, left + w - width)  # kept inside the plot sideways
        left, dx = left + shift, dx + shift
        gap_x = np.maximum(np.maximum(left - line_x, line_x - (left + w)), 0)
        gap_y = np.maximum(np.maximum(top - line_y, line_y - (top + h)), 0)
        clearance = float(np.hypot(gap_x, gap_y).min())
        spot = Spot(dx, dy, align, clearance)
        if clearance >= _CLEAR_PX:
            return spot
        if best is None or clearance > best.clearance:
            best = spot
    return best or Spot(*_PLACES[0][:2], _PLACES[0][2], 0.0)

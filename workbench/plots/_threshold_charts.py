"""The threshold charts (pure, as ``_charts``): escalation rate against failures caught, and the cost per threshold
with its minimum, each with the current threshold's mark."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ._bulk import bulk_range
from ._channels import channels
from ._charts import (
    _COST_HEIGHT,
    _check,
    _whole_axis,
)
from ._label_spot import FONT_PX, Spot, label_spot, nice


def sweep_curve(
    table: pd.DataFrame,
    current: float | None = None,
    x: str = "escalation_rate",
    y: str = "recall",
    title: str = "Escalation rate vs failures caught",
    width: int = 360,
    live: bool = False,
    point: tuple[float, float] | None = None,
) -> alt.LayerChart:
    """The trade-off of a threshold sweep (one row per threshold), with the current point.

    ``live=True`` draws the current point from the chart params ``cur_x`` / ``cur_y``, so a widget
    moves it by setting ``JupyterChart.params`` instead of redrawing the chart; ``point``: the ``(x, y)`` they
    open on, where it is no row's (one threshold per agent), else the row nearest ``current``."""
    _check(table, ["threshold", x, y], "sweep_curve")
    line = (
        alt.Chart(table)
        .mark_line(color="#4c78a8")
        .encode(
            **channels(
                # eleven labels from 0% to 100% in 360 px ran into each other ("90%100%"): every other one
                # is left out when they come closer than labelSeparation
                # both shares on 0-100 %: a sweep of one threshold (every run escalated) drew an axis of 100 % alone, and the
                # current point at 0 % escalated, 0 % caught was drawn at its middle, on "100 %, 100 %" (a degenerate scale)
                x=alt.X(
                    f"{x}:Q",
                    title="share of runs escalated",
                    scale=alt.Scale(domain=[0, 1]),
                    axis=alt.Axis(format="%", labelOverlap=True, labelSeparation=8),
                ),
                y=alt.Y(
                    f"{y}:Q",
                    title="share of failures caught",
                    scale=alt.Scale(domain=[0, 1]),
                    axis=alt.Axis(format="%"),
                ),
                order="threshold:Q",
                tooltip=[
                    alt.Tooltip("threshold:Q", format=".3f"),
                    alt.Tooltip(f"{x}:Q", format=".1%"),
                    alt.Tooltip(f"{y}:Q", format=".1%"),
                ],
            )
        )
    )
    layers = [line]
    if live:
        row = _nearest(table, current)
        at = point if point is not None else None if row is None else (float(row[x]), float(row[y]))
        cx = alt.param(name="cur_x", value=None if at is None else float(at[0]))
        cy = alt.param(name="cur_y", value=None if at is None else float(at[1]))
        layers.append(
            alt.Chart(pd.DataFrame({"k": [0]}))
            .transform_calculate(cx="cur_x", cy="cur_y")
            .transform_filter("isValid(datum.cx) && isValid(datum.cy)")
            .mark_point(size=140, filled=True, color="#e15759")
            .encode(**channels(x="cx:Q", y="cy:Q"))
            .add_params(cx, cy)
        )
    elif current is not None:
        layers.append(
            alt.Chart(table.iloc[[_nearest_index(table, current)]])
            .mark_point(size=140, filled=True, color="#e15759")
            .encode(**channels(x=f"{x}:Q", y=f"{y}:Q"))
        )
    return alt.layer(*layers).properties(width=width, height=240, title=title)


def _nearest_index(table: pd.DataFrame, t: float) -> int:
    return int((table["threshold"] - t).abs().to_numpy().argmin())


def _nearest(table: pd.DataFrame, t: float | None) -> pd.Series | None:
    return None if t is None or table.empty else table.iloc[_nearest_index(table, t)]


def _threshold_rule(
    current: float | None, live: bool, color: str, domain: tuple[float, float] | None = None
) -> list:
    """The current threshold as a vertical rule: static, or from the chart param ``cur_t``. ``domain``: the x
    range the chart shows, the rule held at its edge when the threshold is past it (not clipped away)."""
    x = alt.X("t:Q", scale=alt.Scale(domain=list(domain), nice=False)) if domain else alt.X("t:Q")
    if live:
        # Params keep one type: a number, shown only while ``cur_show`` is 1. (Named apart from the
        # data's own ``threshold`` field.)
        p = alt.param(name="cur_t", value=0.0 if current is None else float(current))
        show = alt.param(name="cur_show", value=0.0 if current is None else 1.0)
        at = "cur_t" if domain is None else f"clamp(cur_t, {domain[0]!r}, {domain[1]!r})"
        return [
            alt.Chart(pd.DataFrame({"k": [0]}))
            .transform_calculate(t=at)
            .transform_filter("cur_show > 0")
            .mark_rule(color=color, strokeDash=[4, 3], strokeWidth=2)
            .encode(**channels(x=x))
            .add_params(p, show)
        ]
    if current is None:
        return []
    t = current if domain is None else min(max(current, domain[0]), domain[1])
    return [
        alt.Chart(pd.DataFrame({"t": [t]}))
        .mark_rule(color=color, strokeDash=[4, 3], strokeWidth=2)
        .encode(**channels(x=x))
    ]


def cost_curve(
    table: pd.DataFrame,
    current: float | None = None,
    cost: str = "cost",
    title: str = "Expected cost per threshold",
    width: int = 360,
    live: bool = False,
    best: float | None = None,
    mark_minimum: bool = True,
    whole: bool = False,
    signal: str = "threshold",
) -> alt.LayerChart:
    """Expected cost against the threshold, its minimum marked (``best``: the chosen threshold, e.g.
    the cheapest within a review budget, instead of the curve's own minimum; ``mark_minimum=False``: none,
    where the costs cannot be compared, e.g. no successful run), and the current threshold (a chart param
    ``cur_t`` with ``live=True``).

    A few thresholds far from the rest (one 30 s call among 300 ms ones) do not set the axis: it spans the
    bulk (``_bulk.bulk_range``, always with the minimum and the current threshold), the curve runs off its
    edge, and the farthest threshold past it is a triangle on that edge with its cost, over a note
    "N more thresholds up to 30,000 →". ``whole``: the signal counts (tool calls), its axis has whole ticks.
    ``signal``: the x axis' title (the signal the threshold is on, e.g. ``latency_ms``)."""
    _check(table, ["threshold", cost], "cost_curve")
    label = "minimum" if best is None else "best within budget"
    mark = (
        (table.loc[[table[cost].idxmin()]] if best is None else table.iloc[[_nearest_index(table, best)]])
        if len(table) and mark_minimum
        else table.iloc[:0]
    )
    # a static chart's threshold is part of what it shows; a live one's moves (held at the edge past it)
    keep = ((float(mark["threshold"].iat[0]),) if len(mark) else ()) + (
        (float(current),) if current is not None and not live else ()
    )
    bulk = bulk_range(table["threshold"].to_numpy(dtype=float), keep) if len(table) else None
    domain = nice(bulk.lo, bulk.hi) if bulk is not None and bulk.cut else None
    xs = alt.Scale(domain=list(domain), nice=False) if domain else alt.Undefined
    line = (
        alt.Chart(table)
        .mark_line(color="#4c78a8", clip=True)
        .encode(
            **channels(
                # (a domain set here starts on a tick: its label drawn flush against the next read "220240")
                # (the signal's name as the review load curve's: "threshold" alone, 20 to 220, said neither of what nor in
                # what unit beside a slider on latency_ms)
                x=alt.X(
                    "threshold:Q",
                    title=signal,
                    scale=xs,
                    axis=_whole_axis(**({"labelFlush": False} if domain else {}))
                    if whole
                    else alt.Axis(labelFlush=False)
                    if domain
                    else alt.Undefined,
                ),
                y=alt.Y(f"{cost}:Q", title="expected cost"),
                tooltip=[
                    alt.Tooltip("threshold:Q", format="d" if whole else ".3f"),
                    alt.Tooltip(f"{cost}:Q", format=",.1f"),
                ],
            )
        )
    )
    # the label where the curve is not: a fixed spot below the point sat on the curve wherever it
    # rises or falls through the point (the cheapest threshold within a budget is rarely the minimum)
    if not len(mark):
        layers = [line]
    else:
        spot = _cost_label_spot(table, cost, mark, label, width, current, domain)
        layers = [
            line,
            alt.Chart(mark)
            .mark_point(shape="diamond", size=140, color="#59a14f", filled=True)
            .encode(
                **channels(
                    x=alt.X("threshold:Q", scale=xs),
                    y=f"{cost}:Q",
                    tooltip=[alt.Tooltip("threshold:Q", format=".3f")],
                )
            ),
            alt.Chart(mark)
            .mark_text(
                text=label,
                dx=spot.dx,
                dy=spot.dy,
                align=spot.align,
                baseline="middle",
                fontSize=FONT_PX,
                color="#59a14f",
            )
            .encode(**channels(x=alt.X("threshold:Q", scale=xs), y=f"{cost}:Q")),
        ]
    if domain is not None:
        layers += _beyond_marks(table, cost, domain, xs)
    layers += _threshold_rule(current, live, "#e15759", domain)
    return alt.layer(*layers).properties(width=width, height=_COST_HEIGHT, title=title)


def _beyond_marks(table: pd.DataFrame, cost: str, domain: tuple[float, float], xs: alt.Scale) -> list:
    """The thresholds past the axis on each side: the farthest as a hollow triangle on that edge at its cost
    (its tooltip gives the real threshold), and a note at the top of the plot on that side."""
    from .._plain import plain

    layers = []
    for side in ("below", "above"):
        past = (
            table[table["threshold"] < domain[0]]
            if side == "below"
            else table[table["threshold"] > domain[1]]
        )
        if past.empty:
            continue
        far = past.loc[[past["threshold"].idxmin() if side == "below" else past["threshold"].idxmax()]]
        n, edge = len(past), domain[0] if side == "below" else domain[1]
        word = "threshold" if n == 1 else "thresholds"
        text = (
            f"← {n} more {word} down to {plain(float(far['threshold'].iat[0]))}"
            if side == "below"
            else f"{n} more {word} up to {plain(float(far['threshold'].iat[0]))} →"
        )
        at = pd.DataFrame(
            {
                "x": [edge],
                "y": [float(far[cost].iat[0])],
                "threshold": [float(far["threshold"].iat[0])],
                "text": [text],
            }
        )
        layers.append(
            alt.Chart(at)
            .mark_point(
                shape="triangle-left" if side == "below" else "triangle-right",
                size=110,
                filled=False,
                strokeWidth=2,
                color="#4c78a8",
                clip=False,
            )
            .encode(
                **channels(
                    x=alt.X("x:Q", scale=xs),
                    y=alt.Y("y:Q"),
                    tooltip=[
                        alt.Tooltip("threshold:Q", format=",.3f"),
                        alt.Tooltip("y:Q", title=cost, format=",.1f"),
                    ],
                )
            )
        )
        # above the plot's frame, under the title: at the plot's top it lay over the curve wherever the curve peaked
        # at that side (the real desks' latency costs rose to the axis' top at its right end, ux43)
        layers.append(
            alt.Chart(at)
            .mark_text(
                align="left" if side == "below" else "right",
                baseline="bottom",
                dy=-3,
                fontSize=11,
                color="#333",
                clip=False,
            )
            .encode(**channels(x=alt.X("x:Q", scale=xs), y=alt.value(0), text="text:N"))
        )
    return layers


def _cost_label_spot(
    table: pd.DataFrame,
    cost: str,
    mark: pd.DataFrame,
    label: str,
    width: int,
    current: float | None,
    domain: tuple[float, float] | None = None,
) -> Spot:
    if not len(mark):
        return label_spot([], [], (0.0, 0.0), label, width, _COST_HEIGHT)
    ordered = table.sort_values("threshold")
    xs = ordered["threshold"].to_numpy(dtype=float)
    extent = (
        domain
        if domain is not None
        else (min(xs.min(), current), max(xs.max(), current))
        if current is not None
        else None
    )
    return label_spot(
        xs,
        ordered[cost].to_numpy(dtype=float),
        (float(mark["threshold"].iat[0]), float(mark[cost].iat[0])),
        label,
        width,
        _COST_HEIGHT,
        x_extent=extent,
        rules_x=() if current is None else (float(current),),
    )

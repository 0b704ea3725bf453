"""Pure functions: query results in, altair charts out. No I/O, no workspace access.

Inputs are the frames of :mod:`workbench.plots._data` (or the same columns from anywhere). Text
from logs reaches a chart only as data, which Vega renders as SVG text nodes, never as markup.

This module: what the charts share (colours, the marks limit, the columns check, the whole-number axis) and the
bar charts (blame, detectors); the timeline is ``_timeline``'s, the threshold charts ``_threshold_charts``' and
``_signal_charts``', the drift chart ``_drift_chart``'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from ._channels import channels

KIND_COLORS = {
    "llm": "#4c78a8",
    "tool": "#59a14f",
    "handoff": "#b07aa1",
    "human": "#edc948",
    "retriever": "#76b7b2",
    "agent": "#9c755f",
    "chain": "#bab0ac",
    "other": "#9d9d9d",
}
OUTCOME_COLORS = {"success": "#59a14f", "failure": "#e15759"}
UNKNOWN_COLOR = "#9d9d9d"
MAX_MARKS = 5000
# The timeline's zoomed x domain: a param of the lanes, which the confidence/entropy chart under them follows.
ZOOMED = "zoomed"
_COST_HEIGHT = 240
FIT_X = alt.AutoSizeParams(type="fit-x", contains="padding")


def _check(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{what} needs columns {list(columns)}; missing {missing}")
    if len(df) > MAX_MARKS:
        raise ValueError(f"{what}: {len(df)} rows is more than {MAX_MARKS} marks; aggregate in DuckDB first")


def blame_bars(
    values: pd.DataFrame,
    title: str = "Blame per agent",
    width: int | str = "container",
    player_title: str | None = None,
) -> alt.LayerChart:
    """Blame per player (agent or step) as bars with their confidence interval; as wide as the output it is drawn
    in (``width="container"``; 420 px wide, with its names, it took 652 px of a 1000 px window's 568 px output)."""
    _check(values, ["player", "blame"], "blame_bars")
    data = values.assign(
        blame_low=values.get("blame_low", values["blame"]),
        blame_high=values.get("blame_high", values["blame"]),
    )
    y = alt.Y("player:N", sort="-x", title=player_title)
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            **channels(
                x=alt.X("blame:Q", title="blame (share of the failure it explains)"),
                y=y,
                color=alt.condition("datum.blame > 0", alt.value("#e15759"), alt.value("#9d9d9d")),
                tooltip=[
                    "player:N",
                    alt.Tooltip("blame:Q", format=".3f"),
                    alt.Tooltip("blame_low:Q", format=".3f"),
                    alt.Tooltip("blame_high:Q", format=".3f"),
                ],
            )
        )
    )
    errs = (
        alt.Chart(data)
        .mark_errorbar(ticks=True)
        .encode(
            **channels(
                x=alt.X("blame_low:Q", title="blame (share of the failure it explains)"),
                x2="blame_high:Q",
                y=y,
            )
        )
    )
    return alt.layer(bars, errs).properties(width=width, height=max(60, 24 * len(data)), title=title)


def _whole_axis(channel: str = "x", **kw: Any) -> alt.Axis:
    """An axis of counts (tool calls, retries, depth; steps in a bin): whole-number ticks only. ``tickMinStep``
    alone let d3 halve the step on a short domain (0, 0.5, 1, 1.5 tool calls); so no more ticks than whole units
    either."""
    size = "width" if channel == "x" else "height"
    return alt.Axis(
        format="d",
        tickMinStep=1,
        tickCount=alt.expr(f"min(ceil({size} / 40), max(1, floor(span(domain('{channel}')))))"),
        **kw,
    )


_SEVERITY = {"critical": "#d62728", "warning": "#f28e2b", "info": "#9ecae9"}


def detector_bars(counts: pd.DataFrame, width: int = 420) -> alt.Chart:
    """Runs flagged per detector, stacked by severity; click a bar to select it (param ``detector``)."""
    _check(counts, ["detector", "severity", "runs"], "detector_bars")
    pick = alt.selection_point(name="detector", fields=["detector"], on="click", empty=False)
    # each severity its own colour in every chart, but only the severities drawn in the legend (lab56: "info" listed
    # over bars of none)
    shown = set(counts["severity"])
    sev = {k: v for k, v in _SEVERITY.items() if k in shown} or _SEVERITY
    return (
        alt.Chart(counts)
        .mark_bar()
        .encode(
            **channels(
                # runs are whole: 6 runs flagged drew ticks at every half run (Langfuse/OTLP traces)
                x=alt.X("runs:Q", title="runs flagged", axis=_whole_axis()),
                y=alt.Y("detector:N", sort="-x", title=None),
                # the legend over the bars: at the right it took the chart to 613 px, past a 1000 px window's 568 px output,
                # "warning" cut to "warnin"
                color=alt.Color(
                    "severity:N",
                    scale=alt.Scale(domain=list(sev), range=list(sev.values())),
                    legend=alt.Legend(orient="top"),
                ),
                opacity=alt.condition(pick, alt.value(1.0), alt.value(0.75)),
                tooltip=["detector:N", "severity:N", "runs:Q", "findings:Q"],
            )
        )
        .add_params(pick)
        .properties(
            width=width, height=max(80, 26 * counts["detector"].nunique()), title="Runs flagged per detector"
        )
    )

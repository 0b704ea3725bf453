"""Charts of suggested limits (:class:`~workbench.LimitSuggestions`): how far each system's runs went
per rule, where the limit falls, and which runs, of which outcome, it stops.

The peaks are binned here (at most ``bins`` bars per rule and outcome, whatever the number of runs):
a chart never carries one mark per run.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

import altair as alt
import numpy as np
import pandas as pd

from .._plain import counted
from ._channels import channels

if TYPE_CHECKING:
    from ..policy._limits import LimitSuggestions

OUTCOMES = {"success": "#59a14f", "failure": "#e15759", "unknown": "#9d9d9d"}
OUTCOME_WORDS = {"success": "successful", "failure": "failed", "unknown": "unknown outcome"}
BIN_COLUMNS = ["rule", "outcome", "bin_start", "bin_end", "n"]
# Whole-count rules get one bar per value while their range is this small; wider ones share bars.
_MAX_VALUES = 40
# a bar thinner than this many pixels is not seen (thin_tail)
_MIN_PX = 3.0
# the limit's label: 11 px text (0.6 em a character at most) at the top of its panel, in a strip this
# many pixels tall that no bar reaches
_LABEL_FONT = 11
_LABEL_PX = 0.6 * _LABEL_FONT
_LABEL_STRIP = 18


def limit_bins(limits: LimitSuggestions, system: str, bins: int = 24) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The runs of ``system`` binned by their peak per rule that has a limit, and the limits.

    Returns ``(bins, rules)``: ``bins`` has one row per rule, outcome and bin (``rule``, ``outcome``,
    ``bin_start``, ``bin_end``, ``n``); ``rules`` one row per rule with a limit: ``limit``, ``cut``
    (where a run starts being stopped on the x axis), ``x_max``, ``beyond`` (runs past the last bin,
    counted in it), ``stops_failed``, ``stops_successful``, ``stops_unknown`` and ``label``."""
    from ..policy._propose import _RULES

    table = limits.table[(limits.table["system"] == system) & limits.table["limit"].notna()]
    runs = limits.runs[limits.runs["system"] == system]
    out, meta = [], []
    for row in table.itertuples(index=False):
        integer = _RULES[row.rule][2]
        values = runs[row.rule]
        values = values.fillna(0.0) if integer else values
        part = pd.DataFrame(
            {"v": values.to_numpy(dtype=float), "outcome": runs["outcome"].to_numpy()}
        ).dropna()
        if part.empty:
            continue
        limit = float(row.limit)
        top = float(part["v"].max())
        if integer and top - min(0.0, float(part["v"].min())) <= _MAX_VALUES:
            # one bar per whole count, centred on it; the cut between the limit and the next count
            edges = None
            x_max, cut = max(top, limit + 1) + 0.5, limit + 0.5
            part = part.assign(bin_start=part["v"] - 0.4, bin_end=part["v"] + 0.4)
        else:
            # a long tail (one 30 s step among 2 s ones) would squeeze every bar into the first one:
            # the axis ends a little past the limit or the bulk of the runs, the rest counted in the last bar
            x_max = max(limit * 1.6, float(np.quantile(part["v"], 0.97)))
            x_max = min(x_max, top) if top > limit else max(x_max, limit * 1.1)
            width = (x_max / bins) if x_max > 0 else 1.0
            if integer:
                width = float(max(1, math.ceil(width)))
            edges = np.floor(part["v"].clip(upper=x_max) / width).clip(upper=math.ceil(x_max / width) - 1)
            part = part.assign(bin_start=edges * width, bin_end=(edges + 1) * width)
            cut = limit
        beyond = int((part["v"] > x_max).sum()) if edges is not None else 0
        grouped = (
            part.groupby(["outcome", "bin_start", "bin_end"], as_index=False)
            .size()
            .rename(columns={"size": "n"})
        )
        out.append(grouped.assign(rule=row.rule))
        words = ", ".join(
            f"{n} {OUTCOME_WORDS[o]}"
            for o, n in (
                ("failure", row.stops_failed),
                ("success", row.stops_successful),
                ("unknown", row.stops_unknown),
            )
            if n
        )
        meta.append(
            {
                "rule": row.rule,
                "limit": limit,
                "cut": cut,
                "x_max": x_max,
                "beyond": beyond,
                "stops_failed": int(row.stops_failed),
                "stops_successful": int(row.stops_successful),
                "stops_unknown": int(row.stops_unknown),
                "label": f"stops {words}" if words else "stops no run",
            }
        )
    frame = pd.concat(out, ignore_index=True)[BIN_COLUMNS] if out else pd.DataFrame(columns=BIN_COLUMNS)
    return frame, pd.DataFrame(
        meta,
        columns=[
            "rule",
            "limit",
            "cut",
            "x_max",
            "beyond",
            "stops_failed",
            "stops_successful",
            "stops_unknown",
            "label",
        ],
    )


def thin_tail(bins: pd.DataFrame, rules: pd.DataFrame, height: int = 120) -> bool:
    """Whether a bar of runs a limit stops would be drawn thinner than ``_MIN_PX`` pixels on a linear
    runs axis (its panel's tallest bar ``height`` pixels high): at p99 the runs stopped are a few
    against hundreds, so they vanish unless the axis is logarithmic."""
    for r in rules.itertuples(index=False):
        part = bins[bins["rule"] == r.rule]
        if part.empty:
            continue
        top = float(part.groupby(["bin_start", "bin_end"])["n"].sum().max())
        past = part[(part["bin_end"] > r.cut) & (part["n"] > 0)]
        if len(past) and float(past["n"].min()) / top * height < _MIN_PX:
            return True
    return False


def _stacked(bins: pd.DataFrame) -> pd.DataFrame:
    """Each bar's segment bounds (``y0``, ``y1``), stacked per bin in the legend's order from the
    bottom (unknown, successful, failed): drawn as ranges, so a log axis keeps them stacked (Vega-Lite
    stacks only on linear axes)."""
    if bins.empty:
        return bins.assign(y0=pd.Series(dtype=float), y1=pd.Series(dtype=float))
    order = {"unknown": 0, "success": 1, "failure": 2}
    out = bins.assign(_o=bins["outcome"].map(order)).sort_values(["rule", "bin_start", "_o"], kind="stable")
    out["y1"] = out.groupby(["rule", "bin_start"])["n"].cumsum().astype(float)
    out["y0"] = out["y1"] - out["n"]
    return out.drop(columns="_o")


def _whole_steps(scale: str, length: str, px: int = 40) -> alt.ExprRef:
    """A tick count whose ticks are whole numbers on an axis of counts (Vega-Lite's default, one tick per
    40 px, but never more ticks than whole units in the domain). Vega's ``tickMinStep`` alone does not
    do it: it allows span / step + 1 ticks, and d3 rounds the step that count gives (span / (span + 1),
    under 1) to a half: 0, 0.5, 1, 1.5 on a domain of two. ``scale`` and ``length`` are the names
    Vega-Lite gives a facet cell's scale and size (``child_x``, ``child_width``); ``px``: the room one tick has."""
    return alt.expr(f"min(ceil({length} / {px}), max(1, floor(span(domain('{scale}')))))")


_X_TICK_PX = 60  # room per tick on a panel's "how far" axis (its labels run to "12.5k" and "1,500")
_RUNS_LABEL = "datum.value >= 1000 ? format(datum.value / 1000, '~r') + 'k' : format(datum.value, '~r')"


def limit_peaks(
    bins: pd.DataFrame,
    rules: pd.DataFrame,
    columns: int = 2,
    width: int = 200,
    height: int = 120,
    log: bool = False,
) -> alt.FacetChart | alt.Chart:
    """One small histogram per rule: runs by how far they went (stacked by outcome), the limit as a
    dashed rule and the stretch past it shaded, headed by the runs it stops (from :func:`limit_bins`).
    ``log=True``: the runs axis is logarithmic (symlog: 0 stays 0), so a tail of a few runs past the
    limit shows beside hundreds (:func:`thin_tail` says when a linear axis would hide it).

    One faceted chart over one table (bars and limits apart by ``layer``), not a chart per rule:
    altair builds and validates the spec in a tenth of the time, so the slider stays quick. Two columns of 200 px:
    three of 210 held 842 px in the 568 px output of a 1000 px window (ux37), the third column off its edge."""
    if rules.empty:
        return (
            alt.Chart(pd.DataFrame({"t": ["no rule here has a limit: nothing to draw"]}))
            .mark_text(align="left", fontSize=13)
            .encode(**channels(text="t:N"))
            .properties(width=width * 2, height=30)
        )
    # (a latency limit with its unit: "max_step_latency_ms ≤ 736" over an axis of "0 … 1k 1.2k" said ms only in the
    # rule's name)
    panel = {
        r.rule: f"{r.rule} ≤ {_fmt(r.limit)}{' ms' if r.rule.endswith('_ms') else ''}|{r.label}"
        + (f"|{counted(r.beyond, 'run')} past the axis, in the last bar" if r.beyond else "")
        for r in rules.itertuples(index=False)
    }
    bars = _stacked(bins).assign(layer="bar")
    marks = rules.assign(
        layer="limit",
        text=[f"limit {_fmt(v)}" for v in rules["limit"]],
        top=[
            max(float(x), float(bins.loc[bins["rule"] == r, "bin_end"].max()))
            for r, x in zip(rules["rule"], rules["x_max"], strict=True)
        ],
    )
    low = {r: float(bins.loc[bins["rule"] == r, "bin_start"].min()) for r in rules["rule"]}
    # the label beside the dashed line, on the side with room for it (the right unless it would
    # run past the panel), in a strip above the tallest bar the runs axis leaves free for it
    marks["side"] = [
        "left" if (len(t) * _LABEL_PX + 6) > (1 - (c - low[r]) / ((top - low[r]) or 1)) * width else "right"
        for r, c, top, t in zip(marks["rule"], marks["cut"], marks["top"], marks["text"], strict=True)
    ]
    tallest = bars.groupby("rule")["y1"].max() if len(bars) else pd.Series(dtype=float)
    marks["room"] = [_headroom(float(tallest.get(r, 0.0)), height, log) for r in marks["rule"]]
    data = pd.concat(
        [bars, marks[["rule", "layer", "cut", "top", "text", "side", "room"]]], ignore_index=True
    )
    data["panel"] = data["rule"].map(panel)
    base = alt.Chart()
    band = (
        base.transform_filter("datum.layer == 'limit'")
        .mark_rect(color="#e15759", opacity=0.08)
        .encode(**channels(x="cut:Q", x2="top:Q"))
    )
    # On a symlog axis Vega places its linear ticks (0, 5k, 10k, 15k), all but 0 crowded at the top: a panel
    # read "0" and "15k" only, so a bar of 2 runs and one of 300 could not be told apart. Powers of ten
    # instead (Vega drops those past a panel's own axis).
    decades = [0.0] + [10.0**k for k in range(_decades(float(marks["room"].max()) if len(marks) else 1.0))]

    def runs_y(field: str) -> alt.Y:
        return alt.Y(
            field,
            title="runs (log scale)" if log else "runs",
            scale=alt.Scale(type="symlog") if log else alt.Undefined,
            # (on a symlog axis Vega gives every tick the largest tick's SI prefix: "0k", "0.5k")
            axis=alt.Axis(labelExpr=_RUNS_LABEL, values=decades, labelOverlap="greedy")
            if log
            else alt.Axis(format="~s", tickMinStep=1, tickCount=_whole_steps("child_y", "child_height")),
        )

    hist = (
        base.transform_filter("datum.layer == 'bar'")
        .mark_bar(binSpacing=1)
        .encode(
            **channels(
                x=alt.X(
                    "bin_start:Q",
                    bin="binned",
                    title="how far each run went (its peak)",
                    # (a "~s" format gives every tick the largest tick's prefix: "0k" at the origin of a latency axis)
                    # a label a tick across ("1.2k" is ~24 px at 10 px): at one tick per 40 px a 210 px panel got
                    # 8 (0 … 1.4k by 200) and "1k 1.2k 1.4k" nearly touched; one per 60 px, and Vega drops a label
                    # that would come closer than 6 px to the next
                    axis=alt.Axis(
                        labelExpr=_RUNS_LABEL,
                        tickMinStep=1,
                        labelOverlap="greedy",
                        labelSeparation=6,
                        tickCount=_whole_steps("child_x", "child_width", _X_TICK_PX),
                    ),
                ),
                x2="bin_end:Q",
                y=runs_y("y1:Q"),
                y2="y0:Q",
                color=alt.Color(
                    "outcome:N",
                    title="run outcome",
                    legend=alt.Legend(orient="top"),
                    scale=_outcome_scale(set(bins.loc[bins["n"] > 0, "outcome"])),
                ),
                tooltip=[
                    "outcome:N",
                    alt.Tooltip("bin_start:Q", title="from", format=",.4~r"),
                    alt.Tooltip("bin_end:Q", title="to", format=",.4~r"),
                    alt.Tooltip("n:Q", title="runs"),
                ],
            )
        )
    )
    limits = base.transform_filter("datum.layer == 'limit'")
    line = limits.mark_rule(color="#333", strokeDash=[4, 3], strokeWidth=2).encode(**channels(x="cut:Q"))
    texts = [
        limits.transform_filter(f"datum.side == '{side}'")
        .mark_text(align=side_align, baseline="top", dx=dx, fontSize=_LABEL_FONT, color="#333")
        .encode(**channels(x="cut:Q", y=alt.value(2), text="text:N"))
        for side, side_align, dx in (("right", "left", 4), ("left", "right", -4))
    ]
    # nothing drawn: it only stretches the runs axis so the strip above the tallest bar stays free
    room = limits.mark_point(opacity=0, size=0).encode(**channels(y=runs_y("room:Q")))
    return (
        alt.layer(band, hist, line, *texts, room, data=data)
        .properties(width=width, height=height)
        .facet(
            facet=alt.Facet(
                "panel:N",
                sort=list(panel.values()),
                title=None,
                header=alt.Header(
                    labelFontSize=12,
                    labelLimit=width + 60,
                    labelExpr="split(datum.value, '|')",
                    labelAlign="left",
                    labelAnchor="start",
                ),
            ),
            columns=columns,
            title="Each limit on how far the runs went (dashed: the limit; shaded: runs it stops)",
        )
        .resolve_scale(x="independent", y="independent")
    )


def _outcome_scale(present: set[str] | None) -> alt.Scale:
    """The outcome colours of the outcomes ``present`` only (all three when none is): a legend listing
    "success" and "failure" on a store without either says they are there."""
    shown = {o: c for o, c in OUTCOMES.items() if present is None or o in present} or OUTCOMES
    return alt.Scale(domain=list(shown), range=list(shown.values()))


def limit_stops(
    table: pd.DataFrame, width: int | str = 420, outcomes: Iterable[str] | None = None
) -> alt.Chart:
    """Runs each limit stops, by outcome: failed runs stopped against successful runs cut (what it costs).
    A failed run stopped after the step that caused the failure is not prevented: the backtest says which are.
    ``outcomes``: the outcomes the system's runs have, the legend's entries (by default those of the runs
    stopped)."""
    shown = table[table["limit"].notna()]
    long = shown.melt(
        id_vars=["rule"],
        value_vars=["stops_failed", "stops_successful", "stops_unknown"],
        var_name="outcome",
        value_name="runs",
    )
    long["outcome"] = long["outcome"].map(
        {"stops_failed": "failure", "stops_successful": "success", "stops_unknown": "unknown"}
    )
    long = long[long["runs"] > 0] if (long["runs"] > 0).any() else long.head(0)
    rules = list(shown["rule"])
    base = alt.Chart(long if len(long) else pd.DataFrame({"rule": rules, "outcome": "failure", "runs": 0}))
    present = set(outcomes) if outcomes is not None else set(long["outcome"]) or None
    # the title names the colours the legend has: "failed (red), and successful (green ...)" on a store of
    # unknown outcomes named two colours not drawn
    said = [
        w
        for o, w in (
            ("failure", "failed (red)"),
            ("success", "successful (green: what the limit costs)"),
            ("unknown", "unknown outcome (grey)"),
        )
        if present is None or o in present
    ]
    return (
        base.mark_bar()
        .encode(
            **channels(
                # counts of runs: whole ticks ("0.0, 0.1, ... 1.0" when one run was stopped: Who&When, ux26); "d" alone
                # rounded the half-steps d3 picks on a short domain: "0 1 1" (one run stopped), "0 1 1 2 2" (two)
                x=alt.X(
                    "runs:Q",
                    title="runs the limit stops",
                    stack="zero",
                    axis=alt.Axis(format="d", tickMinStep=1, tickCount=_whole_steps("x", "width")),
                ),
                y=alt.Y("rule:N", sort=rules, title=None, scale=alt.Scale(domain=rules)),
                color=alt.Color("outcome:N", title="run outcome", scale=_outcome_scale(present)),
                tooltip=["rule:N", "outcome:N", "runs:Q"],
            )
        )
        .properties(
            width=width,
            height=max(60, 22 * len(rules)),
            title=alt.TitleParams(
                # the key under the title: on one line (~560 px) it ran past a 1000 px window's output
                "Runs each limit stops",
                anchor="start",
                subtitle=", ".join(said[:-1] + [("and " if len(said) > 1 else "") + said[-1]]),
            ),
        )
    )


def _decades(top: float) -> int:
    """How many powers of ten (1, 10, 100, ...) a runs axis reaching ``top`` holds."""
    return max(1, math.floor(math.log10(max(1.0, top))) + 1)


def _headroom(tallest: float, height: int, log: bool) -> float:
    """The runs value the axis must reach for the tallest bar to end ``_LABEL_STRIP`` pixels under
    the top (on a symlog axis, log1p is what is linear in pixels)."""
    stretch = height / max(1.0, height - _LABEL_STRIP)
    return float(np.expm1(np.log1p(tallest) * stretch)) if log else tallest * stretch


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"

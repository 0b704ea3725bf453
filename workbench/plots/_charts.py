"""Pure functions: query results in, altair charts out. No I/O, no workspace access.

Inputs are the frames of :mod:`workbench.plots._data` (or the same columns from anywhere). Text
from logs reaches a chart only as data, which Vega renders as SVG text nodes, never as markup.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from ._bulk import bulk_range
from ._channels import channels
from ._data import raised
from ._label_spot import _CHAR_PX, FONT_PX, Spot, label_spot, nice
from ._lanes import fixed_axis as _fixed_axis
from ._lanes import lane_names as _lane_names

KIND_COLORS = {"llm": "#4c78a8", "tool": "#59a14f", "handoff": "#b07aa1", "human": "#edc948",
               "retriever": "#76b7b2", "agent": "#9c755f", "chain": "#bab0ac", "other": "#9d9d9d"}
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


def timeline(steps: pd.DataFrame, handoffs: pd.DataFrame | None = None, decisive_step: str | None = None,
             title: str = "", width: int | str = "container", select: bool = True) -> alt.VConcatChart:
    """One lane per agent, a bar per move coloured by kind, hand-offs as arrows between lanes,
    flagged moves outlined red and moves built on a fault hatched amber, the decisive step marked;
    below it confidence and entropy along the run. Clicking a move selects it (param ``step``).

    ``width="container"`` (the default): the whole as wide as the output it is drawn in, both charts one plot width
    (720 px lanes took 826 px of a 1000 px window's 568 px output, the run's end past its edge)."""
    lanes, signals = timeline_parts(steps, handoffs, decisive_step, title, width, select)
    if signals is None:
        chart = alt.vconcat(lanes)
    else:
        # one spec: the signals chart reads the lanes' own ZOOMED param (declared once, on the lanes)
        signals = signals.copy()
        signals.params = alt.Undefined
        chart = alt.vconcat(lanes, signals).resolve_scale(color="independent")
    # Vega-Lite sizes a container-wide chart for a single or layered view only; here both charts read one width
    # signal, which Vega's fit-x sets to what their (fixed-width) lane axes leave of the output
    return chart.properties(autosize=FIT_X) if width == "container" else chart


def timeline_parts(steps: pd.DataFrame, handoffs: pd.DataFrame | None = None, decisive_step: str | None = None,
                   title: str = "", width: int | str = 720,
                   select: bool = True) -> tuple[alt.LayerChart, alt.Chart | None]:
    """:func:`timeline`'s two charts apart: the lanes, and confidence and entropy along the run (None when no move
    carries either). ``width="container"``: each as wide as the output it is drawn in, which Vega-Lite does for
    a single or layered chart only, not for the two stacked in one: at a 1000 px window the explorer's 720 px
    timeline took 876 px of a 568 px output, the end of the run, where its error usually is, past the edge."""
    _check(steps, ["step_id", "agent", "kind", "started_at", "ended_at", "flagged", "built_on_fault"], "timeline")
    data = steps.assign(agent=steps["agent"].fillna("(no agent)"),   # (as the explorer says it; "(none)" read as a name)
                        decisive=steps["step_id"].eq(decisive_step) if decisive_step else False,
                        erred=raised(steps))
    # what it raised, in the tooltip of the move and of its red ✕ (a trace view shows the exception on hover): its
    # first line, cut (a stack trace is read whole in the explorer's step panel); Vega writes it as text
    said = data["error"] if "error" in data.columns else pd.Series(None, index=data.index, dtype=object)
    data = data.assign(raised=said.where(data["erred"]).map(_first_line))
    lanes = list(dict.fromkeys(data["agent"]))
    # A transcript (Who&When, AG2 chats) has no timestamps: its moves are drawn in order instead of
    # at no time at all (every bar dropped, an empty chart).
    untimed = len(data) > 0 and bool(data["started_at"].isna().all())
    clock, since_title = None, ""
    if untimed:
        order = data["seq"] if "seq" in data.columns else pd.Series(range(len(data)), index=data.index)
        data = data.assign(x0=order.astype(float), x1=order.astype(float) + 0.8)
        x = alt.X("x0:Q", title="move, in order (this log has no timestamps)",
                  axis=alt.Axis(format="d", tickMinStep=1, labelFlush=True))
        x2 = "x1:Q"
    else:
        # A tool call of 3 ms beside LLM calls of 300 ms is a hairline nobody can see or click (any-agent's
        # traces): each bar is drawn at least 1/150 of the run long; the tooltip keeps the real latency.
        start, end = pd.to_datetime(data["started_at"]), pd.to_datetime(data["ended_at"])
        least = (end.max() - start.min()) / 150 if len(data) else pd.Timedelta(0)
        data = data.assign(shown_end=end.where(end - start >= least, start + least))
        # ... and drawn last, on top of the longer move that starts as it ends
        data = data.iloc[(end - start).fillna(pd.Timedelta(0)).to_numpy().argsort(kind="stable")[::-1]]
        clock = _short_run_clock(start, end)
        if clock is None:
            x = alt.X("started_at:T", title=None, axis=alt.Axis(format="%H:%M:%S", labelOverlap=True, tickCount=8, labelFlush=True))
            x2 = "shown_end:T"
        else:
            # A run of a second on a clock axis read "10:00:00" once (every tick the same second): a short
            # run is drawn in ms or s from its start instead, its clock time in the axis title.
            origin, per_second, unit = clock
            data = data.assign(x0=_since(data["started_at"], origin, per_second),
                               x1=_since(data["shown_end"], origin, per_second))
            since_title = f"{unit} from the run's start ({origin:%H:%M:%S})"
            x = alt.X("x0:Q", title=since_title, axis=alt.Axis(format=",~f", labelOverlap=True, tickCount=8, labelFlush=True))
            x2 = "x1:Q"
    # Container-wide, the lanes and the confidence/entropy chart are two charts: each one's plot is what its axis
    # and legend leave of the output, and a legend of "move" beside one of "signal" put one chart's 0 s some 20 px
    # left of the other's. Their y axes of one width and their legends under the plot line the two up.
    fit = width == "container"
    # (fixed-width too: a legend beside the 720 px lanes took the chart to 899 px, cut in a 1000 px window)
    legend = alt.Legend(orient="bottom", direction="horizontal")
    y = alt.Y("agent:N", sort=lanes, title=None, axis=_fixed_axis(labels=False) if fit else alt.Undefined)
    pick = alt.selection_point(name="step", fields=["step_id"], on="click", empty=False)
    base = alt.Chart(data)
    # the legend lists the kinds of move drawn, each in its fixed colour: a Who&When chat (agent turns and
    # tool runs) listed eight kinds beside two; a kind the palette does not know is drawn as "other"
    drawn = list(dict.fromkeys(data["kind"].dropna().astype(str))) if len(data) else list(KIND_COLORS)
    kinds = [k for k in KIND_COLORS if k in drawn] + [k for k in drawn if k not in KIND_COLORS]
    bars = base.mark_bar(height=16, cornerRadius=2, clip=True).encode(**channels(
        x=x, x2=x2, y=y,
        color=alt.Color("kind:N", title="move", legend=legend, scale=alt.Scale(domain=kinds or list(KIND_COLORS), range=[
            KIND_COLORS.get(k, KIND_COLORS["other"]) for k in kinds or KIND_COLORS])),
        opacity=alt.condition("datum.built_on_fault", alt.value(0.45), alt.value(1.0)),
        stroke=alt.condition("datum.flagged", alt.value("#d62728"), alt.value(None)),
        strokeWidth=alt.condition(pick, alt.value(4), alt.value(2)),
        tooltip=["step_id:N", "agent:N", "kind:N", "name:N", "status:N",
                 alt.Tooltip("latency_ms:Q", format=",.0f"), "detectors:N", "raised:N"],
    ))
    if select:
        bars = bars.add_params(pick)
    # A long run's moves are a few px each at an output's width: zoom into a stretch of it (shift + scroll), move
    # along it (shift + drag), back to the whole run (double-click), as a trace view's waterfall does. Shift: a
    # plain scroll over the chart still scrolls the notebook, a plain click still picks a move. (Each mark is
    # clipped to the plot: zoomed in, the moves outside it were drawn over the lanes' names.)
    bars = bars.add_params(alt.selection_interval(
        name="zoom", bind="scales", encodings=["x"], zoom="wheel![event.shiftKey]",
        translate="[pointerdown[event.shiftKey], window:pointerup] > window:pointermove!"))
    cascade = base.transform_filter("datum.built_on_fault").mark_tick(
        color="#f28e2b", thickness=3, size=20, clip=True).encode(**channels(x=x, y=y))
    # (the moves the step list marks "✖ error": an error text under a status left unset is an error too)
    errors = base.transform_filter("datum.erred").mark_point(
        shape="cross", color="#d62728", size=60, filled=True, clip=True).encode(**channels(
        x=x, y=y, tooltip=["step_id:N", "agent:N", "name:N", "raised:N"]))
    layers = [bars, cascade, errors]
    if handoffs is not None and len(handoffs):
        if untimed:   # from the end of the source move to the start of the destination, in move order
            at = dict(zip(data["step_id"], data["x0"], strict=True))
            hand = handoffs.assign(t0=handoffs["src_step"].map(at) + 0.8, t1=handoffs["dst_step"].map(at))
            hand, t = hand.dropna(subset=["t0", "t1"]), "Q"
        elif clock is None:
            hand, t = handoffs.assign(t1=handoffs["t1"].fillna(handoffs["t0"])), "T"
        else:
            hand = handoffs.assign(t0=_since(handoffs["t0"], origin, per_second),
                                   t1=_since(handoffs["t1"].fillna(handoffs["t0"]), origin, per_second))
            hand, t = hand.dropna(subset=["t0", "t1"]), "Q"
        arrows = alt.Chart(hand).mark_rule(
            color="#b07aa1", strokeDash=[4, 2], clip=True).encode(**channels(
            x=f"t0:{t}", x2=f"t1:{t}", y=alt.Y("src_agent:N", sort=lanes), y2="dst_agent:N",
            tooltip=["src_step:N", "dst_step:N", "src_agent:N", "dst_agent:N"]))
        heads = alt.Chart(hand).mark_point(
            shape="triangle-down", color="#b07aa1", filled=True, size=40, clip=True).encode(**channels(
            x=f"t1:{t}", y=alt.Y("dst_agent:N", sort=lanes)))
        layers += [arrows, heads]
    if decisive_step and bool(data["decisive"].any()):
        mark = base.transform_filter("datum.decisive")
        layers += [mark.mark_rule(color="#d62728", strokeWidth=2, clip=True).encode(**channels(x=x)),
                   mark.mark_text(text="decisive step", dy=-4, dx=4, align="left", baseline="bottom",
                                  color="#d62728", fontWeight="bold").encode(**channels(x=x, y=alt.value(0)))]
    if fit:   # the lanes' names, whole where they fit in the axis's room, with a tooltip where they do not
        layers.append(_lane_names(lanes, y))
    # the key on two lines: on one (~720 px) it was wider than an output at a 1000 px window
    head = alt.TitleParams(title or "timeline", anchor="start", subtitle=[
        "red outline: a detector points here · faded with amber ticks: built on a fault",
        "red ✕: raised an error · dashed: hand-off · click a move to inspect it",
        "shift + scroll: zoom · shift + drag: pan · double-click: the whole run"])
    # the stretch zoomed into (null: the whole run), for the confidence/entropy chart under the lanes to follow: in
    # one spec it reads the param itself; drawn apart (the explorer) each chart holds a ZOOMED param and the two
    # widgets' params are linked in the page (``link_zoom``)
    field = "x0" if untimed or clock is not None else "started_at"
    lanes_chart = alt.layer(*layers).properties(width=width, height=max(60, 28 * len(lanes)), title=head).add_params(
        alt.param(name=ZOOMED, expr=f"zoom[{json.dumps(field)}] || null"))
    present = [c for c in ("confidence", "entropy") if c in data.columns]
    numeric_x = untimed or clock is not None
    signals = data.melt(id_vars=["step_id", "started_at", "agent", *(["x0"] if numeric_x else [])], value_vars=present,
                        var_name="signal", value_name="value").dropna(subset=["value"])
    if signals.empty:
        return lanes_chart, None
    follow = alt.Scale(domainRaw=alt.ExprRef(ZOOMED))    # the lanes' zoomed stretch, when they are zoomed
    sx = alt.X("x0:Q", title="move", scale=follow, axis=alt.Axis(format="d", tickMinStep=1, labelFlush=True)) \
        if untimed else \
        alt.X("x0:Q", title=since_title, scale=follow, axis=alt.Axis(format=",~f", labelOverlap=True, tickCount=8,
                                                                     labelFlush=True)) \
        if clock is not None else alt.X("started_at:T", title="time", scale=follow, axis=alt.Axis(
            format="%H:%M:%S", labelOverlap=True, tickCount=8, labelFlush=True))
    # the lanes' whole span, drawn unseen, so that this chart's time axis spans what the lanes' does (from the first
    # move's start to the last one's end, not to the last LLM move's start): 06:00 of one sat above 05:59 of the other
    span = pd.DataFrame({"x0": [data["x0"].min(), data["x1"].max()]} if numeric_x else
                        {"started_at": [data["started_at"].min(), data["shown_end"].max()]})
    line = alt.Chart(signals).mark_line(point=True, clip=True).encode(**channels(
        x=sx,
        y=alt.Y("value:Q", title=None, axis=_fixed_axis() if fit else alt.Undefined),
        color=alt.Color("signal:N", legend=legend, scale=alt.Scale(domain=["confidence", "entropy"],
                                                    range=["#4c78a8", "#e15759"])),
        tooltip=["step_id:N", "agent:N", "signal:N", alt.Tooltip("value:Q", format=".3f")]))
    whole = alt.Chart(span).mark_point(opacity=0).encode(**channels(x=sx))
    return lanes_chart, alt.layer(line, whole).properties(width=width, height=90,
                                                         title="confidence and entropy of LLM moves").add_params(
        alt.param(name=ZOOMED, value=None))


def _first_line(text: object, limit: int = 160) -> str | None:
    if not isinstance(text, str) or not text.strip():
        return None
    line = text.strip().splitlines()[0]
    return line if len(line) <= limit else line[:limit - 1] + "…"


# Runs shorter than this are drawn in time from their start (ms under 2 s, else s): a clock axis
# repeats one label across a run of a second, and a few labels a minute apart across a run of a minute.
SHORT_RUN = pd.Timedelta(minutes=2)


def _short_run_clock(start: pd.Series, end: pd.Series) -> tuple[pd.Timestamp, float, str] | None:
    """(the run's start, axis units per second, their name) for a short run, None for a long one."""
    origin = start.min()
    if pd.isna(origin):
        return None
    span = max(end.max(), start.max()) - origin if pd.notna(end.max()) else start.max() - origin
    if span >= SHORT_RUN:
        return None
    return (origin, 1000.0, "ms") if span < pd.Timedelta(seconds=2) else (origin, 1.0, "s")


def _since(t: pd.Series, origin: pd.Timestamp, per_second: float) -> pd.Series:
    return (pd.to_datetime(t) - origin).dt.total_seconds() * per_second


def blame_bars(values: pd.DataFrame, title: str = "Blame per agent", width: int | str = "container",
               player_title: str | None = None) -> alt.LayerChart:
    """Blame per player (agent or step) as bars with their confidence interval; as wide as the output it is drawn
    in (``width="container"``; 420 px wide, with its names, it took 652 px of a 1000 px window's 568 px output)."""
    _check(values, ["player", "blame"], "blame_bars")
    data = values.assign(blame_low=values.get("blame_low", values["blame"]),
                         blame_high=values.get("blame_high", values["blame"]))
    y = alt.Y("player:N", sort="-x", title=player_title)
    bars = alt.Chart(data).mark_bar().encode(**channels(
        x=alt.X("blame:Q", title="blame (share of the failure it explains)"), y=y,
        color=alt.condition("datum.blame > 0", alt.value("#e15759"), alt.value("#9d9d9d")),
        tooltip=["player:N", alt.Tooltip("blame:Q", format=".3f"), alt.Tooltip("blame_low:Q", format=".3f"),
                 alt.Tooltip("blame_high:Q", format=".3f")]))
    errs = alt.Chart(data).mark_errorbar(ticks=True).encode(**channels(
        x=alt.X("blame_low:Q", title="blame (share of the failure it explains)"), x2="blame_high:Q", y=y))
    return alt.layer(bars, errs).properties(width=width, height=max(60, 24 * len(data)), title=title)


def sweep_curve(table: pd.DataFrame, current: float | None = None, x: str = "escalation_rate",
                y: str = "recall", title: str = "Escalation rate vs failures caught",
                width: int = 360, live: bool = False, point: tuple[float, float] | None = None) -> alt.LayerChart:
    """The trade-off of a threshold sweep (one row per threshold), with the current point.

    ``live=True`` draws the current point from the chart params ``cur_x`` / ``cur_y``, so a widget
    moves it by setting ``JupyterChart.params`` instead of redrawing the chart; ``point``: the ``(x, y)`` they
    open on, where it is no row's (one threshold per agent), else the row nearest ``current``."""
    _check(table, ["threshold", x, y], "sweep_curve")
    line = alt.Chart(table).mark_line(color="#4c78a8").encode(**channels(
        # eleven labels from 0% to 100% in 360 px ran into each other ("90%100%"): every other one
        # is left out when they come closer than labelSeparation
        # both shares on 0-100 %: a sweep of one threshold (every run escalated) drew an axis of 100 % alone, and the
        # current point at 0 % escalated, 0 % caught was drawn at its middle, on "100 %, 100 %" (a degenerate scale)
        x=alt.X(f"{x}:Q", title="share of runs escalated", scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%", labelOverlap=True, labelSeparation=8)),
        y=alt.Y(f"{y}:Q", title="share of failures caught", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        order="threshold:Q",
        tooltip=[alt.Tooltip("threshold:Q", format=".3f"), alt.Tooltip(f"{x}:Q", format=".1%"),
                 alt.Tooltip(f"{y}:Q", format=".1%")]))
    layers = [line]
    if live:
        row = _nearest(table, current)
        at = point if point is not None else None if row is None else (float(row[x]), float(row[y]))
        cx = alt.param(name="cur_x", value=None if at is None else float(at[0]))
        cy = alt.param(name="cur_y", value=None if at is None else float(at[1]))
        layers.append(alt.Chart(pd.DataFrame({"k": [0]})).transform_calculate(cx="cur_x", cy="cur_y")
                      .transform_filter("isValid(datum.cx) && isValid(datum.cy)")
                      .mark_point(size=140, filled=True, color="#e15759")
                      .encode(**channels(x="cx:Q", y="cy:Q")).add_params(cx, cy))
    elif current is not None:
        layers.append(alt.Chart(table.iloc[[_nearest_index(table, current)]]).mark_point(
            size=140, filled=True, color="#e15759").encode(**channels(x=f"{x}:Q", y=f"{y}:Q")))
    return alt.layer(*layers).properties(width=width, height=240, title=title)


def _nearest_index(table: pd.DataFrame, t: float) -> int:
    return int((table["threshold"] - t).abs().to_numpy().argmin())


def _nearest(table: pd.DataFrame, t: float | None) -> pd.Series | None:
    return None if t is None or table.empty else table.iloc[_nearest_index(table, t)]


def _threshold_rule(current: float | None, live: bool, color: str, domain: tuple[float, float] | None = None) -> list:
    """The current threshold as a vertical rule: static, or from the chart param ``cur_t``. ``domain``: the x
    range the chart shows, the rule held at its edge when the threshold is past it (not clipped away)."""
    x = alt.X("t:Q", scale=alt.Scale(domain=list(domain), nice=False)) if domain else alt.X("t:Q")
    if live:
        # Params keep one type: a number, shown only while ``cur_show`` is 1. (Named apart from the
        # data's own ``threshold`` field.)
        p = alt.param(name="cur_t", value=0.0 if current is None else float(current))
        show = alt.param(name="cur_show", value=0.0 if current is None else 1.0)
        at = "cur_t" if domain is None else f"clamp(cur_t, {domain[0]!r}, {domain[1]!r})"
        return [alt.Chart(pd.DataFrame({"k": [0]})).transform_calculate(t=at)
                .transform_filter("cur_show > 0").mark_rule(color=color, strokeDash=[4, 3], strokeWidth=2)
                .encode(**channels(x=x)).add_params(p, show)]
    if current is None:
        return []
    t = current if domain is None else min(max(current, domain[0]), domain[1])
    return [alt.Chart(pd.DataFrame({"t": [t]})).mark_rule(color=color, strokeDash=[4, 3], strokeWidth=2)
            .encode(**channels(x=x))]


def _whole_axis(channel: str = "x", **kw: Any) -> alt.Axis:
    """An axis of counts (tool calls, retries, depth; steps in a bin): whole-number ticks only. ``tickMinStep``
    alone let d3 halve the step on a short domain (0, 0.5, 1, 1.5 tool calls); so no more ticks than whole units
    either."""
    size = "width" if channel == "x" else "height"
    return alt.Axis(format="d", tickMinStep=1, tickCount=alt.expr(f"min(ceil({size} / 40), max(1, floor(span("
                                                                  f"domain('{channel}')))))"), **kw)


def cost_curve(table: pd.DataFrame, current: float | None = None, cost: str = "cost",
               title: str = "Expected cost per threshold", width: int = 360, live: bool = False,
               best: float | None = None, mark_minimum: bool = True, whole: bool = False,
               signal: str = "threshold") -> alt.LayerChart:
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
    mark = (table.loc[[table[cost].idxmin()]] if best is None else table.iloc[[_nearest_index(table, best)]]) \
        if len(table) and mark_minimum else table.iloc[:0]
    # a static chart's threshold is part of what it shows; a live one's moves (held at the edge past it)
    keep = ((float(mark["threshold"].iat[0]),) if len(mark) else ()) + \
        ((float(current),) if current is not None and not live else ())
    bulk = bulk_range(table["threshold"].to_numpy(dtype=float), keep) if len(table) else None
    domain = nice(bulk.lo, bulk.hi) if bulk is not None and bulk.cut else None
    xs = alt.Scale(domain=list(domain), nice=False) if domain else alt.Undefined
    line = alt.Chart(table).mark_line(color="#4c78a8", clip=True).encode(**channels(
        # (a domain set here starts on a tick: its label drawn flush against the next read "220240")
        # (the signal's name as the review load curve's: "threshold" alone, 20 to 220, said neither of what nor in
        # what unit beside a slider on latency_ms)
        x=alt.X("threshold:Q", title=signal, scale=xs,
                axis=_whole_axis(**({"labelFlush": False} if domain else {})) if whole
                else alt.Axis(labelFlush=False) if domain else alt.Undefined), y=alt.Y(f"{cost}:Q", title="expected cost"),
        tooltip=[alt.Tooltip("threshold:Q", format="d" if whole else ".3f"), alt.Tooltip(f"{cost}:Q", format=",.1f")]))
    # the label where the curve is not: a fixed spot below the point sat on the curve wherever it
    # rises or falls through the point (the cheapest threshold within a budget is rarely the minimum)
    if not len(mark):
        layers = [line]
    else:
        spot = _cost_label_spot(table, cost, mark, label, width, current, domain)
        layers = [line, alt.Chart(mark).mark_point(shape="diamond", size=140, color="#59a14f", filled=True).encode(**channels(
        x=alt.X("threshold:Q", scale=xs), y=f"{cost}:Q", tooltip=[alt.Tooltip("threshold:Q", format=".3f")])),
            alt.Chart(mark).mark_text(text=label, dx=spot.dx, dy=spot.dy, align=spot.align, baseline="middle",
                                      fontSize=FONT_PX, color="#59a14f").encode(**channels(x=alt.X("threshold:Q", scale=xs),
                                                                                y=f"{cost}:Q"))]
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
        past = table[table["threshold"] < domain[0]] if side == "below" else table[table["threshold"] > domain[1]]
        if past.empty:
            continue
        far = past.loc[[past["threshold"].idxmin() if side == "below" else past["threshold"].idxmax()]]
        n, edge = len(past), domain[0] if side == "below" else domain[1]
        word = "threshold" if n == 1 else "thresholds"
        text = (f"← {n} more {word} down to {plain(float(far['threshold'].iat[0]))}" if side == "below"
                else f"{n} more {word} up to {plain(float(far['threshold'].iat[0]))} →")
        at = pd.DataFrame({"x": [edge], "y": [float(far[cost].iat[0])], "threshold": [float(far["threshold"].iat[0])],
                           "text": [text]})
        layers.append(alt.Chart(at).mark_point(shape="triangle-left" if side == "below" else "triangle-right",
                                               size=110, filled=False, strokeWidth=2, color="#4c78a8",
                                               clip=False).encode(**channels(
            x=alt.X("x:Q", scale=xs), y=alt.Y("y:Q"),
            tooltip=[alt.Tooltip("threshold:Q", format=",.3f"), alt.Tooltip("y:Q", title=cost, format=",.1f")])))
        # above the plot's frame, under the title: at the plot's top it lay over the curve wherever the curve peaked
        # at that side (the real desks' latency costs rose to the axis' top at its right end, ux43)
        layers.append(alt.Chart(at).mark_text(align="left" if side == "below" else "right", baseline="bottom",
                                              dy=-3, fontSize=11, color="#333", clip=False).encode(**channels(
            x=alt.X("x:Q", scale=xs), y=alt.value(0), text="text:N")))
    return layers


def _cost_label_spot(table: pd.DataFrame, cost: str, mark: pd.DataFrame, label: str, width: int,
                     current: float | None, domain: tuple[float, float] | None = None) -> Spot:
    if not len(mark):
        return label_spot([], [], (0.0, 0.0), label, width, _COST_HEIGHT)
    ordered = table.sort_values("threshold")
    xs = ordered["threshold"].to_numpy(dtype=float)
    extent = domain if domain is not None else \
        (min(xs.min(), current), max(xs.max(), current)) if current is not None else None
    return label_spot(xs, ordered[cost].to_numpy(dtype=float),
                      (float(mark["threshold"].iat[0]), float(mark[cost].iat[0])), label, width, _COST_HEIGHT,
                      x_extent=extent, rules_x=() if current is None else (float(current),))


def histogram(bins: pd.DataFrame, signal: str = "value", threshold: float | None = None,
              width: int = 360, live: bool = False) -> alt.LayerChart:
    """Counts per bin by run outcome (from ``histogram_data``), with the threshold as a rule."""
    _check(bins, ["outcome", "bin_start", "bin_end", "n"], "histogram")
    # in the legend only the outcomes drawn: a Langfuse store (every run of unknown outcome) listed "success"
    # and "failure" beside grey bars only; runs of unknown outcome (histogram_data(all_runs=True)) in grey
    drawn = set(bins.loc[bins["n"] > 0, "outcome"])
    colors = {o: c for o, c in {**OUTCOME_COLORS, "unknown": UNKNOWN_COLOR}.items() if o in drawn} or OUTCOME_COLORS
    # Stacked, failed runs' steps at the bottom: overlaid see-through bars mixed red over green into a
    # brown the legend does not have, and hid which bins the failures fill.
    bars = alt.Chart(bins).transform_calculate(
        rank="datum.outcome === 'failure' ? 0 : datum.outcome === 'success' ? 1 : 2",
    ).mark_bar(binSpacing=0).encode(**channels(
        x=alt.X("bin_start:Q", title=signal, bin="binned"), x2="bin_end:Q",
        # (a count: a bin of one step drew ticks at 0.2 steps)
        y=alt.Y("n:Q", title="steps", stack="zero", axis=_whole_axis("y")),
        order=alt.Order("rank:Q"),
        color=alt.Color("outcome:N", title="run outcome", scale=alt.Scale(domain=list(colors),
                                                                          range=list(colors.values()))),
        tooltip=["outcome:N", alt.Tooltip("bin_start:Q", format=".3f"), alt.Tooltip("n:Q", format=",")]))
    layers = [bars, *_above_note(bins), *_threshold_rule(threshold, live, "#333")]
    return alt.layer(*layers).properties(width=width, height=200, title=f"{signal} of steps by run outcome")


def _above_note(bins: pd.DataFrame) -> list:
    """The bin past the last that counts a far tail (``histogram_data``'s ``above`` rows): its bars outlined
    dashed and a note over it, "31 above 3,944 · max 30,039", so that a reader sees the axis does not end
    where the data does."""
    if "above" not in bins.columns or not bins["above"].fillna(False).astype(bool).any():
        return []
    from .._plain import plain

    tail = bins[bins["above"].fillna(False).astype(bool)]
    note = pd.DataFrame({"x": [tail["bin_end"].iat[0]], "n": [int(tail["n"].sum())],
                         "text": [f"{int(tail['n'].sum()):,} above {plain(tail['bin_start'].iat[0])} · "
                                  f"max {plain(tail['top'].max())}"]})
    # a rect, not a bar: a continuous bar layer pads the y scale below zero
    outline = alt.Chart(pd.DataFrame({"x0": [tail["bin_start"].iat[0]], "x1": [tail["bin_end"].iat[0]],
                                      "n": [int(tail["n"].sum())], "y0": [0]})).mark_rect(
        fillOpacity=0, stroke="#333", strokeDash=[3, 2], strokeWidth=1).encode(**channels(
        x="x0:Q", x2="x1:Q", y=alt.Y("n:Q", stack=None), y2="y0:Q"))
    # at the top right of the plot, ending over the tail's bin: over a bar it crossed the bars it sat on
    text = alt.Chart(note).mark_text(align="right", baseline="top", dy=2, fontSize=11, color="#333").encode(**channels(
        x="x:Q", y=alt.value(0), text="text:N"))
    return [outline, text]


def review_load_curve(table: pd.DataFrame, current: float | None = None, signal: str = "threshold",
                      width: int = 360, live: bool = False, whole: bool = False,
                      title: str = "Review load per threshold (runs of any outcome)") -> alt.LayerChart:
    """Share of runs (and of steps) a threshold sends to a human, against the threshold (from
    :class:`~workbench.thresholds.ReviewLoad`'s ``curve``), with the current threshold (a chart param
    ``cur_t`` with ``live=True``). What a store without outcomes can say of a threshold."""
    _check(table, ["threshold", "escalation_rate", "step_escalation_rate"], "review_load_curve")
    long = table.melt(id_vars=["threshold"], value_vars=["escalation_rate", "step_escalation_rate"],
                      var_name="share", value_name="rate")
    long["share"] = long["share"].map({"escalation_rate": "runs", "step_escalation_rate": "steps"})
    domain = _one_value_domain(table["threshold"], current, whole)
    line = alt.Chart(long).mark_line(interpolate="step-after", point=len(table) <= 40).encode(**channels(
        x=alt.X("threshold:Q", title=signal, axis=_whole_axis() if whole else alt.Undefined,
                scale=alt.Scale(domain=list(domain), nice=False) if domain else alt.Undefined),
        y=alt.Y("rate:Q", title="sent to a human", axis=alt.Axis(format="%")),
        color=alt.Color("share:N", title="share of", scale=alt.Scale(domain=["runs", "steps"],
                                                                     range=["#4c78a8", "#f58518"])),
        tooltip=[alt.Tooltip("threshold:Q", format=".4~g"), "share:N", alt.Tooltip("rate:Q", format=".1%")]))
    layers = [line, *_threshold_rule(current, live, "#e15759", domain)]
    return alt.layer(*layers).properties(width=width, height=240, title=title)


def _one_value_domain(thresholds: pd.Series, current: float | None, whole: bool) -> tuple[float, float] | None:
    """An x range around a curve of one threshold (a store of one run, or every run at one value), else None
    (Vega's own). Left to Vega, one point drew an axis of 536.00 to 536.24 with the point at its right edge and
    the current threshold (on the slider's grid, just below it) at its left edge: a range of a tenth of the
    value (one whole unit on a count) either side holds both in the middle."""
    values = [float(v) for v in pd.to_numeric(thresholds, errors="coerce").dropna().unique()]
    if len(values) != 1:
        return None
    if current is not None and math.isfinite(float(current)):
        values.append(float(current))
    lo, hi = min(values), max(values)
    pad = max(hi - lo, 0.1 * max(abs(lo), abs(hi)), 1.0 if whole else 0.0) or 1.0
    if whole:
        pad = float(math.ceil(pad))
    return lo - pad, hi + pad


def calibration(table: pd.DataFrame, width: int = 260) -> alt.LayerChart:
    """Mean confidence against the observed success rate per bin; the diagonal is perfect."""
    _check(table, ["mean_confidence", "success_rate"], "calibration")
    count = next((c for c in ("n", "steps") if c in table.columns), None)
    diag = alt.Chart(pd.DataFrame({"p": [0.0, 1.0]})).mark_line(color="#9d9d9d", strokeDash=[3, 3]).encode(**channels(
        x="p:Q", y="p:Q"))
    pts = alt.Chart(table).mark_line(point=True, color="#4c78a8").encode(**channels(
        x=alt.X("mean_confidence:Q", title="mean step confidence", scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("success_rate:Q", title="runs that succeeded", scale=alt.Scale(domain=[0, 1])),
        tooltip=[alt.Tooltip("mean_confidence:Q", format=".2f"), alt.Tooltip("success_rate:Q", format=".1%"),
                 *([alt.Tooltip(f"{count}:Q", format=",")] if count else [])]))
    return alt.layer(diag, pts).properties(width=width, height=220, title="Calibration of confidence")


def drift_over_time(series: pd.DataFrame, metric: str, changes: pd.DataFrame | None = None,
                    width: int | str = "container") -> alt.LayerChart:
    """One line per agent of ``metric`` over time buckets, with the drift tests' change points: a dashed
    rule each, named in a strip above the plot (in the plot, a name sat on the lines it marks).
    ``width="container"`` (the default; 640 px took 815 px of a 1000 px window's 568 px output): as wide as the
    output it is drawn in (names placed as on a plot of ``NARROW_PLOT_PX``)."""
    _check(series, ["agent", "t", metric], "drift_over_time")
    series, colors, left_out = _drawn_agents(series, changes)
    bridges = _gap_bridges(series, metric)
    series = _broken_at_gaps(series, metric)
    if changes is not None and left_out:
        changes = changes[changes["agent"].isin(set(series["agent"]))]
    # points large enough to read as the agent's colour: on a store of a few runs per agent most buckets
    # stand alone, and 16 px² dots were all the chart showed
    lines = alt.Chart(series).mark_line(point=alt.OverlayMarkDef(size=40)).encode(**channels(
        x=alt.X("t:T", **_clock_axis(series["t"])), y=alt.Y(f"{metric}:Q", title=metric.replace("_", " ")),
        color=alt.Color("agent:N", scale=colors),
        # ",.3~r": three significant digits written out (2,730 ms, not 2.73e+3)
        tooltip=["agent:N", "t:T", alt.Tooltip(f"{metric}:Q", format=",.3~r"), "runs:Q"]))
    layers = [lines]
    if len(bridges):
        # an agent's points across a stretch with no runs of it: joined thin and dotted, so the eye can follow
        # one agent, while the solid line still claims only what consecutive buckets measured
        layers.append(alt.Chart(bridges).mark_line(strokeDash=[1, 3], strokeWidth=1.5, opacity=0.7).encode(**channels(
            x="t:T", y=f"{metric}:Q", color=alt.Color("agent:N", scale=colors), detail="gap:N")))
    if changes is not None and len(changes.dropna(subset=["since"])):
        ch = _change_labels(changes.dropna(subset=["since"]), series["t"],
                            width if isinstance(width, int | float) else NARROW_PLOT_PX)
        layers.append(alt.Chart(ch).mark_rule(strokeDash=[5, 3], strokeWidth=2).encode(**channels(
            x="since:T", color=alt.Color("agent:N", scale=colors),
            tooltip=["agent:N", "since:T", "severity:N", "detail:N"])))
        for align, dx in (("left", 3), ("right", -3)):
            part = ch[ch["align"] == align]
            if len(part):
                layers.append(alt.Chart(part).mark_text(align=align, dx=dx, baseline="bottom", fontWeight="bold",
                                                        fontSize=FONT_PX).encode(**channels(
                    x="since:T", y=alt.Y("label_y:Q", scale=None, axis=None), text="agent:N",
                    color=alt.Color("agent:N", scale=colors))))
    # the title sits above the names: Vega places it outside the bounds of every mark
    # the key under the title, not in it: "latency ms per agent (dashed: change points; dotted: no runs between)"
    # ran past the chart's box at a 1000 px window ("…dotted: no runs betw")
    key = "dashed: change points" + (" · dotted: no runs between" if len(bridges) else "")
    title = alt.TitleParams(f"{metric.replace('_', ' ')} per agent", anchor="start", subtitle=[
        key, *([f"the {MAX_AGENTS} agents with the most runs; {left_out} more not drawn"] if left_out else [])])
    return alt.layer(*layers).properties(width=width, height=220, title=title)


def _clock_axis(t: pd.Series) -> dict[str, Any]:
    """The time axis of runs within a day, as clock times under the day's date. Vega's own labels over a short
    stretch named the smallest unit alone: four AutoGen runs begun within 33 ms drew one tick, ".116", and neither
    the time nor the date (ux39); over an afternoon, "03 PM" and no day. Over a day or more each tick is named by
    its day and month (Vega's own named the month at a month's first tick only: a month of runs from the 3rd began
    "Sat 03", "Mon 05", no month in sight), a tick inside a day by its clock time, under the stretch's dates."""
    t = pd.to_datetime(t).dropna()
    if t.empty:
        return {"title": None}
    if t.max() - t.min() >= pd.Timedelta(days=1):
        day = "%b %Y" if t.max() - t.min() >= pd.Timedelta(days=300) else "%d %b"
        # (an hour tick of a stretch of a few days: its clock time, the first one its day too)
        expr = ("timeFormat(datum.value, hours(datum.value) || minutes(datum.value) ? "
                f"(datum.index == 0 ? '%d %b %H:%M' : '%H:%M') : '{day}')")
        first = f"{t.min():%d %b}" if t.min().year == t.max().year else f"{t.min():%d %b %Y}"
        return {"title": f"{first} – {t.max():%d %b %Y}",
                # (a gap between labels: "03 Jan05 Jan07 Jan" ran together across a month at a 1000 px window)
                "axis": alt.Axis(labelExpr=expr, labelOverlap=True, labelSeparation=10, labelFlush=True)}
    span = (t.max() - t.min()).total_seconds()
    fmt = "%H:%M:%S.%L" if span < 10 else "%H:%M:%S" if span < 600 else "%H:%M"
    return {"title": f"{t.min():%a %d %b %Y}" + ("" if t.min().date() == t.max().date() else f" – {t.max():%a %d %b}"),
            "axis": alt.Axis(format=fmt, labelOverlap=True, labelFlush=True)}


MAX_AGENTS = 20
# the plot's width a container-wide chart's change-point names are placed for: what is left of a 1000 px
# window's output (568 px) beside the axis and the legend
NARROW_PLOT_PX = 380


def _gap_bridges(series: pd.DataFrame, metric: str) -> pd.DataFrame:
    """For each stretch where an agent's buckets skip (``_broken_at_gaps`` breaks its line there), the two
    points on either side (agent, t, metric, gap: one id per stretch)."""
    cols = ["agent", "t", metric, "gap"]
    if len(series) < 2 or "bucket" not in series.columns:
        return pd.DataFrame(columns=cols)
    s = series.dropna(subset=[metric]).assign(t=lambda d: pd.to_datetime(d["t"])).sort_values(
        ["agent", "bucket"], kind="stable").reset_index(drop=True)
    same = s["agent"].eq(s["agent"].shift())
    skipped = same & (s["bucket"].diff() > 1)
    ends = s[skipped].assign(gap=range(int(skipped.sum())))
    starts = s.loc[ends.index - 1].assign(gap=ends["gap"].to_numpy())
    return pd.concat([starts, ends])[cols].reset_index(drop=True)


def _broken_at_gaps(series: pd.DataFrame, metric: str) -> pd.DataFrame:
    """The series with a row of no value wherever an agent's time buckets skip one or more, so its line
    breaks there (Vega leaves a gap at a missing value). A store of several systems' traces has an agent
    run at 10:00 and again at 16:00: the line joined the two across six hours of no runs, a trend nobody
    measured. The buckets' numbers tell a skip (``agent_series``); without them, a gap of more than 1.5
    times the shortest step between any two buckets does."""
    if len(series) < 2:
        return series
    s = series.assign(t=pd.to_datetime(series["t"])).sort_values(["agent", "t"], kind="stable")
    t = s["t"]
    if "bucket" in s.columns:
        skipped = s.groupby("agent", dropna=False)["bucket"].diff() > 1
    else:
        steps = t.drop_duplicates().sort_values().diff().dropna()
        if steps.empty:
            return series
        skipped = t.groupby(s["agent"], dropna=False).diff() > 1.5 * steps.min()
    if not skipped.any():
        return series
    back = t.groupby(s["agent"], dropna=False).diff()[skipped]
    breaks = s[skipped].assign(t=(t[skipped] - back / 2).to_numpy(), **{metric: float("nan")},
                               **({"runs": 0} if "runs" in s.columns else {}))
    return pd.concat([s, breaks]).sort_values(["agent", "t"], kind="stable").reset_index(drop=True)


def _drawn_agents(series: pd.DataFrame, changes: pd.DataFrame | None) -> tuple[pd.DataFrame, alt.Scale, int]:
    """The agents drawn, each in a colour of its own: ten colours for up to ten agents, twenty for up to
    twenty, and past that the twenty with the most runs (those with a change point first). A store of
    several systems' traces has dozens of agents, and ten colours went round two or three times."""
    agents = series["agent"].dropna().unique()
    if len(agents) <= 10:
        return series, alt.Scale(scheme="tableau10"), 0
    runs = series.groupby("agent")["runs"].sum() if "runs" in series else series.groupby("agent").size()
    changed = set(changes["agent"].dropna()) if changes is not None and "agent" in changes else set()
    ranked = sorted(agents, key=lambda a: (a not in changed, -float(runs.get(a, 0)), str(a)))
    keep = ranked[:MAX_AGENTS]
    return series[series["agent"].isin(keep)], alt.Scale(scheme="tableau20", domain=sorted(keep)), len(agents) - len(keep)


_LABEL_ROW_PX = FONT_PX + 3


def _change_labels(ch: pd.DataFrame, t: pd.Series, width: int) -> pd.DataFrame:
    """Each change point's name placed in a row of the strip above the plot: right of its rule, or left
    of it near the right edge, in the first row where it meets no other name (agents that change
    together, a model change and the agents downstream of it, would draw their names over each other)."""
    since = pd.to_datetime(ch["since"])
    times = pd.concat([pd.to_datetime(t), since])
    lo, hi = times.min(), times.max()
    span = (hi - lo).total_seconds() or 1.0
    ch = ch.assign(_x=((since - lo).dt.total_seconds() / span * width).to_numpy()).sort_values("_x")
    ends: list[float] = []   # per row, the right edge of its last name
    rows, aligns = [], []
    for x, name in zip(ch["_x"], ch["agent"].fillna("").astype(str), strict=True):
        w = _CHAR_PX * len(name) + 3
        align = "left" if x + w <= width else "right"
        left = x + 3 if align == "left" else x - 3 - w
        row = next((i for i, end in enumerate(ends) if left > end + 6), len(ends))
        if row == len(ends):
            ends.append(0.0)
        ends[row] = left + w
        rows.append(row)
        aligns.append(align)
    return ch.drop(columns="_x").assign(row=rows, align=aligns,
                                        label_y=[-4.0 - r * _LABEL_ROW_PX for r in rows])


def detector_bars(counts: pd.DataFrame, width: int = 420) -> alt.Chart:
    """Runs flagged per detector, stacked by severity; click a bar to select it (param ``detector``)."""
    _check(counts, ["detector", "severity", "runs"], "detector_bars")
    pick = alt.selection_point(name="detector", fields=["detector"], on="click", empty=False)
    sev = {"critical": "#d62728", "warning": "#f28e2b", "info": "#9ecae9"}
    return alt.Chart(counts).mark_bar().encode(**channels(
        # runs are whole: 6 runs flagged drew ticks at every half run (Langfuse/OTLP traces)
        x=alt.X("runs:Q", title="runs flagged", axis=_whole_axis()), y=alt.Y("detector:N", sort="-x", title=None),
        # the legend over the bars: at the right it took the chart to 613 px, past a 1000 px window's 568 px output,
        # "warning" cut to "warnin"
        color=alt.Color("severity:N", scale=alt.Scale(domain=list(sev), range=list(sev.values())),
                        legend=alt.Legend(orient="top")),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.75)),
        tooltip=["detector:N", "severity:N", "runs:Q", "findings:Q"],
    )).add_params(pick).properties(width=width, height=max(80, 26 * counts["detector"].nunique()),
                                  title="Runs flagged per detector")

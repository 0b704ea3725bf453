"""The run timeline: one lane per agent, its steps as bars in time, hand-offs and the decisive step marked, a short
run drawn in time from its start (pure, as ``_charts``)."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd

from ._channels import channels
from ._charts import (
    FIT_X,
    KIND_COLORS,
    ZOOMED,
    _check,
)
from ._data import raised
from ._lanes import fixed_axis as _fixed_axis
from ._lanes import lane_names as _lane_names
from ._values import inline
from ._windows import elided_spans, since_start, within_stretches

# The columns of a move the lanes' marks read (encodings, filters, the zoom's field), and its real end
_DRAWN = (
    *("step_id", "agent", "kind", "name", "status", "latency_ms", "detectors", "raised"),
    *("flagged", "built_on_fault", "erred", "decisive"),
    *("started_at", "ended_at", "shown_end", "x0", "x1"),
)


def timeline(
    steps: pd.DataFrame,
    handoffs: pd.DataFrame | None = None,
    decisive_step: str | None = None,
    title: str = "",
    width: int | str = "container",
    select: bool = True,
) -> alt.VConcatChart:
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
        signals = signals.copy(deep=False)  # (made here for this chart alone: its rows not copied)
        signals.params = alt.Undefined
        chart = alt.vconcat(lanes, signals).resolve_scale(color="independent")
    # Vega-Lite sizes a container-wide chart for a single or layered view only; here both charts read one width
    # signal, which Vega's fit-x sets to what their (fixed-width) lane axes leave of the output
    return chart.properties(autosize=FIT_X) if width == "container" else chart


def timeline_parts(
    steps: pd.DataFrame,
    handoffs: pd.DataFrame | None = None,
    decisive_step: str | None = None,
    title: str = "",
    width: int | str = 720,
    select: bool = True,
) -> tuple[alt.LayerChart, alt.Chart | None]:
    """:func:`timeline`'s two charts apart: the lanes, and confidence and entropy along the run (None when no move
    carries either). ``width="container"``: each as wide as the output it is drawn in, which Vega-Lite does for
    a single or layered chart only, not for the two stacked in one: at a 1000 px window the explorer's 720 px
    timeline took 876 px of a 568 px output, the end of the run, where its error usually is, past the edge."""
    _check(
        steps, ["step_id", "agent", "kind", "started_at", "ended_at", "flagged", "built_on_fault"], "timeline"
    )
    data = steps.assign(
        agent=steps["agent"].fillna("(no agent)"),  # (as the explorer says it; "(none)" read as a name)
        decisive=steps["step_id"].eq(decisive_step) if decisive_step else False,
        erred=raised(steps),
    )
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
        x = alt.X(
            "x0:Q",
            title="move, in order (this log has no timestamps)",
            axis=alt.Axis(format="d", tickMinStep=1, labelFlush=True),
        )
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
            x = alt.X(
                "started_at:T",
                title=None,
                axis=alt.Axis(format="%H:%M:%S", labelOverlap=True, tickCount=8, labelFlush=True),
            )
            x2 = "shown_end:T"
        else:
            # A run of a second on a clock axis read "10:00:00" once (every tick the same second): a short
            # run is drawn in ms or s from its start instead, its clock time in the axis title.
            origin, per_second, unit = clock
            data = data.assign(
                x0=since_start(data["started_at"], origin, per_second),
                x1=since_start(data["shown_end"], origin, per_second),
            )
            # (its first move's start, not the run's: a CrewAI run's crew span began 3 s before its first move, and
            # "ms from the run's start (01:09:32)" sat under "run totals 3.4 s" of a run begun at 01:09:29, lab56)
            since_title = f"{unit} from the first move ({origin:%H:%M:%S})"
            x = alt.X(
                "x0:Q",
                title=since_title,
                axis=alt.Axis(format=",~f", labelOverlap=True, tickCount=8, labelFlush=True),
            )
            x2 = "x1:Q"
    # Container-wide, the lanes and the confidence/entropy chart are two charts: each one's plot is what its axis
    # and legend leave of the output, and a legend of "move" beside one of "signal" put one chart's 0 s some 20 px
    # left of the other's. Their y axes of one width and their legends under the plot line the two up.
    fit = width == "container"
    # (fixed-width too: a legend beside the 720 px lanes took the chart to 899 px, cut in a 1000 px window)
    legend = alt.Legend(orient="bottom", direction="horizontal")
    y = alt.Y("agent:N", sort=lanes, title=None, axis=_fixed_axis(labels=False) if fit else alt.Undefined)
    pick = alt.selection_point(name="step", fields=["step_id"], on="click", empty=False)
    # the moves as the marks read them, made once and given to the layer, which its layers read (each of them given
    # the frame, altair made its rows again for each); the columns no mark reads (a stack trace's text) left out
    moves = inline(data[[c for c in _DRAWN if c in data.columns]])
    elided = elided_spans(data, untimed, clock)
    base = alt.Chart()
    # the legend lists the kinds of move drawn, each in its fixed colour: a Who&When chat (agent turns and
    # tool runs) listed eight kinds beside two; a kind the palette does not know is drawn as "other"
    drawn = list(dict.fromkeys(data["kind"].dropna().astype(str))) if len(data) else list(KIND_COLORS)
    kinds = [k for k in KIND_COLORS if k in drawn] + [k for k in drawn if k not in KIND_COLORS]
    bars = base.mark_bar(height=16, cornerRadius=2, clip=True).encode(
        **channels(
            x=x,
            x2=x2,
            y=y,
            color=alt.Color(
                "kind:N",
                title="move",
                legend=legend,
                scale=alt.Scale(
                    domain=kinds or list(KIND_COLORS),
                    range=[KIND_COLORS.get(k, KIND_COLORS["other"]) for k in kinds or KIND_COLORS],
                ),
            ),
            opacity=alt.condition("datum.built_on_fault", alt.value(0.45), alt.value(1.0)),
            stroke=alt.condition("datum.flagged", alt.value("#d62728"), alt.value(None)),
            strokeWidth=alt.condition(pick, alt.value(4), alt.value(2)),
            tooltip=[
                "step_id:N",
                "agent:N",
                "kind:N",
                "name:N",
                "status:N",
                alt.Tooltip("latency_ms:Q", format=",.0f"),
                "detectors:N",
                "raised:N",
            ],
        )
    )
    if select:
        bars = bars.add_params(pick)
    # A long run's moves are a few px each at an output's width: zoom into a stretch of it (shift + scroll), move
    # along it (shift + drag), back to the whole run (double-click), as a trace view's waterfall does. Shift: a
    # plain scroll over the chart still scrolls the notebook, a plain click still picks a move. (Each mark is
    # clipped to the plot: zoomed in, the moves outside it were drawn over the lanes' names.)
    bars = bars.add_params(
        alt.selection_interval(
            name="zoom",
            bind="scales",
            encodings=["x"],
            zoom="wheel![event.shiftKey]",
            translate="[pointerdown[event.shiftKey], window:pointerup] > window:pointermove!",
        )
    )
    cascade = (
        base.transform_filter("datum.built_on_fault")
        .mark_tick(color="#f28e2b", thickness=3, size=20, clip=True)
        .encode(**channels(x=x, y=y))
    )
    # (the moves the step list marks "✖ error": an error text under a status left unset is an error too)
    errors = (
        base.transform_filter("datum.erred")
        .mark_point(shape="cross", color="#d62728", size=60, filled=True, clip=True)
        .encode(**channels(x=x, y=y, tooltip=["step_id:N", "agent:N", "name:N", "raised:N"]))
    )
    layers = [bars, cascade, errors]
    if elided is not None:
        # the stretches of a long run not shown, under the moves: shaded, how many moves each holds written in it
        t = "Q" if untimed or clock is not None else "T"
        gaps = alt.Chart(inline(elided))
        layers[:0] = [
            gaps.mark_rect(color="#9e9e9e", opacity=0.15).encode(
                **channels(x=f"gap0:{t}", x2=f"gap1:{t}", tooltip=["said:N"])
            ),
            gaps.mark_text(
                align="left", baseline="top", dx=3, dy=3, color="#616161", fontStyle="italic", clip=True
            ).encode(**channels(x=f"gap0:{t}", y=alt.value(0), text="short:N", tooltip=["said:N"])),
        ]
    if handoffs is not None and len(handoffs) and not untimed and _in_part(steps) and len(data):
        # a run shown in part: the hand-offs outside the stretches shown go too (drawn, a 4,999-step run's stretched
        # the time axis over the whole run, its first 2,000 moves shown in the first 40 % of it)
        handoffs = handoffs[within_stretches(handoffs, data)]
    if handoffs is not None and len(handoffs):
        if untimed:  # from the end of the source move to the start of the destination, in move order
            at = dict(zip(data["step_id"], data["x0"], strict=True))
            hand = handoffs.assign(t0=handoffs["src_step"].map(at) + 0.8, t1=handoffs["dst_step"].map(at))
            hand, t = hand.dropna(subset=["t0", "t1"]), "Q"
        elif clock is None:
            hand, t = handoffs.assign(t1=handoffs["t1"].fillna(handoffs["t0"])), "T"
        else:
            hand = handoffs.assign(
                t0=since_start(handoffs["t0"], origin, per_second),
                t1=since_start(handoffs["t1"].fillna(handoffs["t0"]), origin, per_second),
            )
            hand, t = hand.dropna(subset=["t0", "t1"]), "Q"
        hand = inline(hand)
        arrows = (
            alt.Chart(hand)
            .mark_rule(color="#b07aa1", strokeDash=[4, 2], clip=True)
            .encode(
                **channels(
                    x=f"t0:{t}",
                    x2=f"t1:{t}",
                    y=alt.Y("src_agent:N", sort=lanes),
                    y2="dst_agent:N",
                    tooltip=["src_step:N", "dst_step:N", "src_agent:N", "dst_agent:N"],
                )
            )
        )
        heads = (
            alt.Chart(hand)
            .mark_point(shape="triangle-down", color="#b07aa1", filled=True, size=40, clip=True)
            .encode(**channels(x=f"t1:{t}", y=alt.Y("dst_agent:N", sort=lanes)))
        )
        layers += [arrows, heads]
    if decisive_step and bool(data["decisive"].any()):
        mark = base.transform_filter("datum.decisive")
        layers += [
            mark.mark_rule(color="#d62728", strokeWidth=2, clip=True).encode(**channels(x=x)),
            mark.mark_text(
                text="decisive step",
                dy=-4,
                dx=4,
                align="left",
                baseline="bottom",
                color="#d62728",
                fontWeight="bold",
            ).encode(**channels(x=x, y=alt.value(0))),
        ]
    if fit:  # the lanes' names, whole where they fit in the axis's room, with a tooltip where they do not
        layers.append(_lane_names(lanes, y))
    # the key on two lines: on one (~720 px) it was wider than an output at a 1000 px window
    head = alt.TitleParams(
        title or "timeline",
        anchor="start",
        subtitle=[
            "red outline: a detector points here · faded with amber ticks: built on a fault",
            "red ✕: raised an error · dashed: hand-off · click a move to inspect it",
            "shift + scroll: zoom · shift + drag: pan · double-click: the whole run",
        ],
    )
    # the stretch zoomed into (null: the whole run), for the confidence/entropy chart under the lanes to follow: in
    # one spec it reads the param itself; drawn apart (the explorer) each chart holds a ZOOMED param and the two
    # widgets' params are linked in the page (``link_zoom``)
    field = "x0" if untimed or clock is not None else "started_at"
    lanes_chart = _with_param(
        alt.layer(*layers, data=moves, width=width, height=max(60, 28 * len(lanes)), title=head),
        alt.param(name=ZOOMED, expr=f"zoom[{json.dumps(field)}] || null"),
    )
    present = [c for c in ("confidence", "entropy") if c in data.columns]
    numeric_x = untimed or clock is not None
    apart = (
        elided is not None and "stretch" in data.columns
    )  # (a line across an elided stretch joins moves apart)
    signals = data.melt(
        id_vars=[
            "step_id",
            "started_at",
            "agent",
            *(["x0"] if numeric_x else []),
            *(["stretch"] if apart else []),
        ],
        value_vars=present,
        var_name="signal",
        value_name="value",
    ).dropna(subset=["value"])
    if signals.empty:
        return lanes_chart, None
    follow = alt.Scale(domainRaw=alt.ExprRef(ZOOMED))  # the lanes' zoomed stretch, when they are zoomed
    sx = (
        alt.X("x0:Q", title="move", scale=follow, axis=alt.Axis(format="d", tickMinStep=1, labelFlush=True))
        if untimed
        else alt.X(
            "x0:Q",
            title=since_title,
            scale=follow,
            axis=alt.Axis(format=",~f", labelOverlap=True, tickCount=8, labelFlush=True),
        )
        if clock is not None
        else alt.X(
            "started_at:T",
            title="time",
            scale=follow,
            axis=alt.Axis(format="%H:%M:%S", labelOverlap=True, tickCount=8, labelFlush=True),
        )
    )
    # the lanes' whole span, drawn unseen, so that this chart's time axis spans what the lanes' does (from the first
    # move's start to the last one's end, not to the last LLM move's start): 06:00 of one sat above 05:59 of the other
    span = pd.DataFrame(
        {"x0": [data["x0"].min(), data["x1"].max()]}
        if numeric_x
        else {"started_at": [data["started_at"].min(), data["shown_end"].max()]}
    )
    line = (
        alt.Chart()
        .mark_line(point=True, clip=True)
        .encode(
            **channels(
                x=sx,
                y=alt.Y("value:Q", title=None, axis=_fixed_axis() if fit else alt.Undefined),
                color=alt.Color(
                    "signal:N",
                    legend=legend,
                    scale=alt.Scale(domain=["confidence", "entropy"], range=["#4c78a8", "#e15759"]),
                ),
                tooltip=["step_id:N", "agent:N", "signal:N", alt.Tooltip("value:Q", format=".3f")],
                **({"detail": alt.Detail("stretch:N")} if apart else {}),
            )
        )
    )
    whole = alt.Chart(inline(span)).mark_point(opacity=0).encode(**channels(x=sx))
    return lanes_chart, _with_param(
        alt.layer(
            line,
            whole,
            data=inline(signals),
            width=width,
            height=90,
            title="confidence and entropy of LLM moves",
        ),
        alt.param(name=ZOOMED, value=None),
    )


def _with_param(chart: alt.LayerChart, param: alt.Parameter) -> alt.LayerChart:
    """``chart.add_params(param)`` on a layer chart just made here, changed in place: the same spec (the param on its
    first layer, lifted), without the first of the two deep copies of the whole chart ``LayerChart.add_params`` makes to
    spare a chart others may hold."""
    chart.layer = [chart.layer[0].add_params(param), *chart.layer[1:]]
    # made again from its parts, as add_params' last copy does: that lifts the param to the chart's own ``params``,
    # where JupyterChart reads the params it syncs (the explorer's linked zoom)
    return chart.copy()


def _in_part(steps: pd.DataFrame) -> bool:
    """Whether a :func:`timeline_data` frame holds part of a run's moves only (its ``moves`` counts them all)."""
    return "moves" in steps.columns and len(steps) > 0 and int(steps["moves"].iat[0]) > len(steps)


def _first_line(text: object, limit: int = 160) -> str | None:
    if not isinstance(text, str) or not text.strip():
        return None
    line = text.strip().splitlines()[0]
    return line if len(line) <= limit else line[: limit - 1] + "…"


# Runs shorter than this are drawn in time from their start (ms under 2 s, else s): a clock axis
# repeats one label across a run of a second, and a few labels a minute apart across a run of a minute.
SHORT_RUN = pd.Timedelta(minutes=2)


def _short_run_clock(start: pd.Series, end: pd.Series) -> tuple[pd.Timestamp, float, str] | None:
    """(the first move's start, axis units per second, their name) for a short run, None for a long one."""
    origin = start.min()
    if pd.isna(origin):
        return None
    span = max(end.max(), start.max()) - origin if pd.notna(end.max()) else start.max() - origin
    if span >= SHORT_RUN:
        return None
    return (origin, 1000.0, "ms") if span < pd.Timedelta(seconds=2) else (origin, 1.0, "s")

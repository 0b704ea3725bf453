"""An agent metric over time with the drift tests' change points, named in a strip above the plot (pure, as
``_charts``)."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from .._termtext import clean
from ._channels import channels
from ._charts import (
    _check,
)
from ._label_spot import _CHAR_PX, FONT_PX


def drift_over_time(
    series: pd.DataFrame, metric: str, changes: pd.DataFrame | None = None, width: int | str = "container"
) -> alt.LayerChart:
    """One line per agent of ``metric`` over time buckets, with the drift tests' change points: a dashed
    rule each, named in a strip above the plot (in the plot, a name sat on the lines it marks).
    ``width="container"`` (the default; 640 px took 815 px of a 1000 px window's 568 px output): as wide as the
    output it is drawn in (names placed as on a plot of ``NARROW_PLOT_PX``)."""
    _check(series, ["agent", "t", metric], "drift_over_time")
    # an agent with no value of this metric is left out, not named in the legend beside nothing: on a store of
    # several frameworks' traces, "confidence" listed six agents and drew two (the other four log no confidence)
    measured = _shown_names(series.dropna(subset=[metric]))
    changes = _shown_names(changes)
    series = measured if len(measured) else _shown_names(series)
    series, colors, left_out = _drawn_agents(series, changes)
    bridges = _gap_bridges(series, metric)
    series = _broken_at_gaps(series, metric)
    if changes is not None and left_out:
        changes = changes[changes["agent"].isin(set(series["agent"]))]
    # points large enough to read as the agent's colour: on a store of a few runs per agent most buckets
    # stand alone, and 16 px² dots were all the chart showed
    lines = (
        alt.Chart(series)
        .mark_line(point=alt.OverlayMarkDef(size=40))
        .encode(
            **channels(
                x=alt.X("t:T", **_clock_axis(series["t"])),
                y=alt.Y(f"{metric}:Q", title=metric.replace("_", " ")),
                color=alt.Color("agent:N", scale=colors),
                # ",.3~r": three significant digits written out (2,730 ms, not 2.73e+3)
                tooltip=["agent:N", "t:T", alt.Tooltip(f"{metric}:Q", format=",.3~r"), "runs:Q"],
            )
        )
    )
    layers = [lines]
    if len(bridges):
        # an agent's points across a stretch with no runs of it: joined thin and dotted, so the eye can follow
        # one agent, while the solid line still claims only what consecutive buckets measured
        layers.append(
            alt.Chart(bridges)
            .mark_line(strokeDash=[1, 3], strokeWidth=1.5, opacity=0.7)
            .encode(
                **channels(x="t:T", y=f"{metric}:Q", color=alt.Color("agent:N", scale=colors), detail="gap:N")
            )
        )
    if changes is not None and len(changes.dropna(subset=["since"])):
        ch = _change_labels(
            changes.dropna(subset=["since"]),
            series["t"],
            width if isinstance(width, int | float) else NARROW_PLOT_PX,
        )
        layers.append(
            alt.Chart(ch)
            .mark_rule(strokeDash=[5, 3], strokeWidth=2)
            .encode(
                **channels(
                    x="since:T",
                    color=alt.Color("agent:N", scale=colors),
                    tooltip=["agent:N", "since:T", "severity:N", "detail:N"],
                )
            )
        )
        for align, dx in (("left", 3), ("right", -3)):
            part = ch[ch["align"] == align]
            if len(part):
                layers.append(
                    alt.Chart(part)
                    .mark_text(align=align, dx=dx, baseline="bottom", fontWeight="bold", fontSize=FONT_PX)
                    .encode(
                        **channels(
                            x="since:T",
                            y=alt.Y("label_y:Q", scale=None, axis=None),
                            text="agent:N",
                            color=alt.Color("agent:N", scale=colors),
                        )
                    )
                )
    # the title sits above the names: Vega places it outside the bounds of every mark
    # the key under the title, not in it: "latency ms per agent (dashed: change points; dotted: no runs between)"
    # ran past the chart's box at a 1000 px window ("…dotted: no runs betw")
    key = "dashed: change points" + (" · dotted: no runs between" if len(bridges) else "")
    title = alt.TitleParams(
        f"{metric.replace('_', ' ')} per agent",
        anchor="start",
        subtitle=[
            key,
            *([f"the {MAX_AGENTS} agents with the most runs; {left_out} more not drawn"] if left_out else []),
        ],
    )
    # as tall as its legend: twenty agents' names (a store of several frameworks' traces) ran 100 px below the
    # plot, the last four cut off with the output, no word of them (lab56)
    agents = series["agent"].nunique()
    return alt.layer(*layers).properties(
        width=width, height=max(220, LEGEND_ROW_PX * agents + 20), title=title
    )


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
        # (an hour tick of a stretch of a few days: its clock time, the first one its day too; over two days or more
        # every one its day: in a 1000 px window Vega dropped every other label, the midnights that named the days,
        # and the axis read "01 Mar 12:00, 12:00, 12:00, 12:00", lab56)
        first_only = "datum.index == 0" if t.max() - t.min() < pd.Timedelta(days=2) else "true"
        expr = (
            "timeFormat(datum.value, hours(datum.value) || minutes(datum.value) ? "
            f"({first_only} ? '%d %b %H:%M' : '%H:%M') : '{day}')"
        )
        first = f"{t.min():%d %b}" if t.min().year == t.max().year else f"{t.min():%d %b %Y}"
        return {
            "title": f"{first} – {t.max():%d %b %Y}",
            # (a gap between labels: "03 Jan05 Jan07 Jan" ran together across a month at a 1000 px window)
            "axis": alt.Axis(labelExpr=expr, labelOverlap=True, labelSeparation=10, labelFlush=True),
        }
    span = (t.max() - t.min()).total_seconds()
    fmt = "%H:%M:%S.%L" if span < 10 else "%H:%M:%S" if span < 600 else "%H:%M"
    return {
        "title": f"{t.min():%a %d %b %Y}"
        + ("" if t.min().date() == t.max().date() else f" – {t.max():%a %d %b}"),
        "axis": alt.Axis(format=fmt, labelOverlap=True, labelFlush=True),
    }


MAX_AGENTS = 20
LEGEND_ROW_PX = 16  # (a legend entry's height: Vega's 11 px labels and their padding)
# the plot's width a container-wide chart's change-point names are placed for: what is left of a 1000 px
# window's output (568 px) beside the axis and the legend
NARROW_PLOT_PX = 380


def _shown_names(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """``frame`` with each agent name on one line, control and bidi characters shown as stand-ins (as the timeline's
    lanes): a log's name is untrusted, and a U+202E in it drew the legend's label reversed ("וכיל live", lab56)."""
    if frame is None or "agent" not in frame:
        return frame
    return frame.assign(
        agent=frame["agent"].map(lambda a: clean(a, newlines=False) if isinstance(a, str) else a)
    )


def _gap_bridges(series: pd.DataFrame, metric: str) -> pd.DataFrame:
    """For each stretch where an agent's buckets skip (``_broken_at_gaps`` breaks its line there), the two
    points on either side (agent, t, metric, gap: one id per stretch)."""
    cols = ["agent", "t", metric, "gap"]
    if len(series) < 2 or "bucket" not in series.columns:
        return pd.DataFrame(columns=cols)
    s = (
        series.dropna(subset=[metric])
        .assign(t=lambda d: pd.to_datetime(d["t"]))
        .sort_values(["agent", "bucket"], kind="stable")
        .reset_index(drop=True)
    )
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
    breaks = s[skipped].assign(
        t=(t[skipped] - back / 2).to_numpy(),
        **{metric: float("nan")},
        **({"runs": 0} if "runs" in s.columns else {}),
    )
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
    return (
        series[series["agent"].isin(keep)],
        alt.Scale(scheme="tableau20", domain=sorted(keep)),
        len(agents) - len(keep),
    )


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
    ends: list[float] = []  # per row, the right edge of its last name
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
    return ch.drop(columns="_x").assign(
        row=rows, align=aligns, label_y=[-4.0 - r * _LABEL_ROW_PX for r in rows]
    )

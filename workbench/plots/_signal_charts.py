"""A signal's charts beside the threshold on it (pure, as ``_charts``): its histogram by outcome, the review load per
threshold, and the calibration of confidence."""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

from ._channels import channels
from ._charts import (
    OUTCOME_COLORS,
    UNKNOWN_COLOR,
    _check,
    _whole_axis,
)
from ._threshold_charts import _threshold_rule


def histogram(
    bins: pd.DataFrame,
    signal: str = "value",
    threshold: float | None = None,
    width: int = 360,
    live: bool = False,
) -> alt.LayerChart:
    """Counts per bin by run outcome (from ``histogram_data``), with the threshold as a rule."""
    _check(bins, ["outcome", "bin_start", "bin_end", "n"], "histogram")
    bins, domain = _drawable(bins)
    # in the legend only the outcomes drawn: a Langfuse store (every run of unknown outcome) listed "success"
    # and "failure" beside grey bars only; runs of unknown outcome (histogram_data(all_runs=True)) in grey
    drawn = set(bins.loc[bins["n"] > 0, "outcome"])
    colors = {
        o: c for o, c in {**OUTCOME_COLORS, "unknown": UNKNOWN_COLOR}.items() if o in drawn
    } or OUTCOME_COLORS
    # Stacked, failed runs' steps at the bottom: overlaid see-through bars mixed red over green into a
    # brown the legend does not have, and hid which bins the failures fill.
    bars = (
        alt.Chart(bins)
        .transform_calculate(
            rank="datum.outcome === 'failure' ? 0 : datum.outcome === 'success' ? 1 : 2",
        )
        .mark_bar(binSpacing=0)
        .encode(
            **channels(
                x=alt.X(
                    "bin_start:Q",
                    title=signal,
                    bin="binned",
                    **({"scale": alt.Scale(domain=domain)} if domain else {}),
                ),
                x2="bin_end:Q",
                # (a count: a bin of one step drew ticks at 0.2 steps)
                y=alt.Y("n:Q", title="steps", stack="zero", axis=_whole_axis("y")),
                order=alt.Order("rank:Q"),
                color=alt.Color(
                    "outcome:N",
                    title="run outcome",
                    scale=alt.Scale(domain=list(colors), range=list(colors.values())),
                ),
                tooltip=[
                    "outcome:N",
                    alt.Tooltip("bin_start:Q", format=".3f"),
                    alt.Tooltip("n:Q", format=","),
                ],
            )
        )
    )
    layers = [bars, *_above_note(bins), *_threshold_rule(threshold, live, "#333")]
    return alt.layer(*layers).properties(width=width, height=200, title=f"{signal} of steps by run outcome")


def _drawable(bins: pd.DataFrame) -> tuple[pd.DataFrame, list[float] | None]:
    """Bins of no width (a signal of one value: every step's latency 1,200 ms; ``histogram_data`` gives a bin from
    1,200 to 1,200) drawn a fortieth of the value wide either side of it (0.5 at 0), on an axis of a tenth of it either
    side (the tuner's slider and review-load chart span that): a bar of no width drew nothing, an empty chart under
    the tuner, its axis naming the value and no word why. The axis's domain when it is set so, else None."""
    flat = bins["bin_end"] <= bins["bin_start"]
    if not flat.any():
        return bins, None
    scale = bins["bin_start"].abs().where(bins["bin_start"] != 0, 20.0)
    drawn = bins.assign(
        bin_start=bins["bin_start"].where(~flat, bins["bin_start"] - scale / 40),
        bin_end=bins["bin_end"].where(~flat, bins["bin_end"] + scale / 40),
    )
    if not flat.all():
        return drawn, None
    pad = float((scale / 10).max())
    return drawn, [float(bins["bin_start"].min()) - pad, float(bins["bin_end"].max()) + pad]


def _above_note(bins: pd.DataFrame) -> list:
    """The bin past the last that counts a far tail (``histogram_data``'s ``above`` rows): its bars outlined
    dashed and a note over it, "31 above 3,944 · max 30,039", so that a reader sees the axis does not end
    where the data does."""
    if "above" not in bins.columns or not bins["above"].fillna(False).astype(bool).any():
        return []
    from .._plain import plain

    tail = bins[bins["above"].fillna(False).astype(bool)]
    note = pd.DataFrame(
        {
            "x": [tail["bin_end"].iat[0]],
            "n": [int(tail["n"].sum())],
            "text": [
                f"{int(tail['n'].sum()):,} above {plain(tail['bin_start'].iat[0])} · "
                f"max {plain(tail['top'].max())}"
            ],
        }
    )
    # a rect, not a bar: a continuous bar layer pads the y scale below zero
    outline = (
        alt.Chart(
            pd.DataFrame(
                {
                    "x0": [tail["bin_start"].iat[0]],
                    "x1": [tail["bin_end"].iat[0]],
                    "n": [int(tail["n"].sum())],
                    "y0": [0],
                }
            )
        )
        .mark_rect(fillOpacity=0, stroke="#333", strokeDash=[3, 2], strokeWidth=1)
        .encode(**channels(x="x0:Q", x2="x1:Q", y=alt.Y("n:Q", stack=None), y2="y0:Q"))
    )
    # at the top right of the plot, ending over the tail's bin: over a bar it crossed the bars it sat on
    text = (
        alt.Chart(note)
        .mark_text(align="right", baseline="top", dy=2, fontSize=11, color="#333")
        .encode(**channels(x="x:Q", y=alt.value(0), text="text:N"))
    )
    return [outline, text]


def review_load_curve(
    table: pd.DataFrame,
    current: float | None = None,
    signal: str = "threshold",
    width: int = 360,
    live: bool = False,
    whole: bool = False,
    title: str = "Review load per threshold (runs of any outcome)",
) -> alt.LayerChart:
    """Share of runs (and of steps) a threshold sends to a human, against the threshold (from
    :class:`~workbench.thresholds.ReviewLoad`'s ``curve``), with the current threshold (a chart param
    ``cur_t`` with ``live=True``). What a store without outcomes can say of a threshold."""
    _check(table, ["threshold", "escalation_rate", "step_escalation_rate"], "review_load_curve")
    long = table.melt(
        id_vars=["threshold"],
        value_vars=["escalation_rate", "step_escalation_rate"],
        var_name="share",
        value_name="rate",
    )
    long["share"] = long["share"].map({"escalation_rate": "runs", "step_escalation_rate": "steps"})
    domain = _one_value_domain(table["threshold"], current, whole)
    line = (
        alt.Chart(long)
        .mark_line(interpolate="step-after", point=len(table) <= 40)
        .encode(
            **channels(
                x=alt.X(
                    "threshold:Q",
                    title=signal,
                    axis=_whole_axis() if whole else alt.Undefined,
                    scale=alt.Scale(domain=list(domain), nice=False) if domain else alt.Undefined,
                ),
                y=alt.Y("rate:Q", title="sent to a human", axis=alt.Axis(format="%")),
                color=alt.Color(
                    "share:N",
                    title="share of",
                    scale=alt.Scale(domain=["runs", "steps"], range=["#4c78a8", "#f58518"]),
                ),
                tooltip=[
                    alt.Tooltip("threshold:Q", format=".4~g"),
                    "share:N",
                    alt.Tooltip("rate:Q", format=".1%"),
                ],
            )
        )
    )
    layers = [line, *_threshold_rule(current, live, "#e15759", domain)]
    return alt.layer(*layers).properties(width=width, height=240, title=title)


def _one_value_domain(
    thresholds: pd.Series, current: float | None, whole: bool
) -> tuple[float, float] | None:
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
    diag = (
        alt.Chart(pd.DataFrame({"p": [0.0, 1.0]}))
        .mark_line(color="#9d9d9d", strokeDash=[3, 3])
        .encode(**channels(x="p:Q", y="p:Q"))
    )
    pts = (
        alt.Chart(table)
        .mark_line(point=True, color="#4c78a8")
        .encode(
            **channels(
                x=alt.X("mean_confidence:Q", title="mean step confidence", scale=alt.Scale(domain=[0, 1])),
                y=alt.Y("success_rate:Q", title="runs that succeeded", scale=alt.Scale(domain=[0, 1])),
                tooltip=[
                    alt.Tooltip("mean_confidence:Q", format=".2f"),
                    alt.Tooltip("success_rate:Q", format=".1%"),
                    *([alt.Tooltip(f"{count}:Q", format=",")] if count else []),
                ],
            )
        )
    )
    return alt.layer(diag, pts).properties(width=width, height=220, title="Calibration of confidence")

"""What the threshold tuner shows on a store it cannot price: no run with a known outcome (raw
production traces leave every root span unset), or no run at all.

A threshold is priced by the failures it catches against the reviews it costs; without outcomes only
the second half is known. So this view says what is missing and how to add it, and shows what the
logs do carry: each signal's distribution over every run, and how many runs a threshold would send to
a human. A threshold chosen on review load alone can still be exported (its provenance says so).
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from .. import plots
from ..plots._render import redraw
from ._html import esc, pre
from ._layout import chart_row, control_row

if TYPE_CHECKING:
    from ..policy import Policy
    from ..thresholds import ReviewLoad
    from ..workspace import Workspace

HOW_TO_LABEL = (
    "To add outcomes: <code>ws.label(run_id, outcome='failure')</code> (or <code>'success'</code>) per run, "
    "or <code>ws.label_file('labels.csv')</code> with columns <code>run_id,outcome</code> (CSV, JSON or JSONL; "
    "<code>agent</code> and <code>step_id</code> name a known culprit); or have the system set its root "
    "span's status (ERROR is read as failure, OK as success). Then open the tuner again."
)


def empty_store_html() -> str:
    return (
        "<div class='wb-tuner-missing'><b>This store holds no runs yet</b>: there is nothing to put a "
        "threshold on. Ingest logs first, e.g. <code>ws.ingest('traces.jsonl')</code> (OTLP JSON, "
        "OpenInference, Langfuse, Who&amp;When, native JSONL) or <code>%workbench ingest PATH</code>.</div>"
    )


def missing_outcomes_html(runs: int, known: int, any_signal: bool) -> str:
    """What the store lacks for pricing a threshold, in plain words, and what this panel shows instead."""
    if known:
        head = (
            f"<b>No step of the {known:,} runs with a known outcome carries a signal</b> (of {runs:,} runs): "
            "a threshold cannot be priced against the failures it catches."
        )
    else:
        which = (
            f"None of the {runs:,} runs has a known outcome"
            if runs > 1
            else "The one run of this store has no known outcome"
        )
        head = (
            f"<b>{which}</b> (success or failure): raw traces leave "
            "the root span's status unset. Without outcomes no threshold can be priced: nobody can say "
            "which failures it would catch."
        )
    shown = (
        " What the logs do carry is shown below, over every run: how many runs and steps each threshold "
        "would send to a human, and the signal's distribution."
        if any_signal
        else " No step carries a signal a threshold could be put on either."
    )
    return f"<div class='wb-tuner-missing'>{head}{shown}<br>{HOW_TO_LABEL}</div>"


# The share of runs the view opens on sending to a human (when a threshold sends that few): a load a team can take.
OPENING_SHARE = 0.1


class ReviewLoadView(w.VBox):
    """A signal picker and a threshold slider over every run of a store, whatever its outcome: the
    share of runs and of steps the threshold sends to a human (readout and curve) and the signal's
    histogram; "Export policy" writes the HITL rule at the current threshold."""

    def __init__(
        self, ws: Workspace, signals: list[str], signal: str | None = None, policy_path: str = "policy.yaml"
    ) -> None:
        self.ws = ws
        self.signals = signals
        self.load: ReviewLoad | None = None
        self._fewest_at: float | None = (
            None  # the threshold the view opened on, when no threshold sends few runs
        )
        self.latency_ms: dict[str, float] = {}
        start = (
            signal
            if signal in signals
            else next((s for s in ("entropy", "latency_ms") if s in signals), signals[0])
        )  # the priced tuner's order
        self.signal = w.Dropdown(description="signal", options=signals, value=start)
        self.threshold = w.FloatSlider(
            description="threshold",
            continuous_update=True,
            readout_format=".4g",
            layout=w.Layout(width="560px", max_width="calc(100% - 4px)"),
        )
        # its name is the signal and its direction ("latency_ms ≥"): the default 80 px cut it to "latency_m…"
        self.threshold.style.description_width = "initial"
        self.readout = w.HTML()
        self.readout.add_class("wb-review-readout")
        self.load_chart: Any = None
        self.hist_chart: Any = None
        self.charts = w.HBox(layout=w.Layout(flex_flow="row wrap"))
        self.path = w.Text(description="to file", value=policy_path, layout=w.Layout(width="320px"))
        self.export = w.Button(
            description="Export policy",
            icon="download",
            tooltip="a HITL rule at this threshold, chosen on review load alone",
        )
        self.policy_view = w.HTML()
        self._quiet = False
        self.signal.observe(lambda _: self.recompute(), names="value")
        self.threshold.observe(lambda c: None if self._quiet else self.move(c["new"]), names="value")
        self.export.on_click(lambda _: self.export_policy())
        super().__init__(
            [
                self.signal,
                self.threshold,
                self.readout,
                self.charts,
                control_row([self.path, self.export]),
                self.policy_view,
            ]
        )
        self.add_class("wb-review-load")
        self.recompute()

    def recompute(self) -> None:
        """Read the chosen signal over every run (one DuckDB pass) and redraw both charts."""
        from ..thresholds import review_load
        from ._signal_range import signal_range
        from ._tuner_grid import _COUNTS, on_grid, slider_grid

        t0 = time.perf_counter()
        load = self.load = review_load(self.ws, self.signal.value)
        curve = load.curve
        lo, hi = (
            (float(curve["threshold"].min()), float(curve["threshold"].max())) if len(curve) else (0.0, 1.0)
        )
        # start where a tenth of the runs would go to a human: a load a team can take, on any signal
        start = load.threshold_for(OPENING_SHARE)
        fewest = start is None  # no threshold sends so few (4 runs: one run is 25 %): the one sending fewest
        start = (hi if load.direction == "above" else lo) if start is None else start
        # a round step with its ends on its grid (whole on a count: the slider read "0.000" tool calls), the
        # start on it too, so the slider and the readout show one number
        lo, hi, step, fmt = slider_grid(lo, hi, load.signal in _COUNTS)
        lo, hi = signal_range(lo, hi, load.signal)  # (a pad past one value: entropy -0.9, refused as a rule)
        start = on_grid(start, step, lo, "up" if load.direction == "below" else "down")
        self._quiet = True
        try:
            if lo > self.threshold.max:
                self.threshold.max, self.threshold.min = hi, lo
            else:
                self.threshold.min, self.threshold.max = lo, hi
            self.threshold.step, self.threshold.value = step, start
            self.threshold.readout_format = fmt
        finally:
            self._quiet = False
        self.threshold.description = f"{load.signal} {'≤' if load.direction == 'below' else '≥'}"
        self._fewest_at = start if fewest else None
        charts = [
            plots.review_load_curve(curve, start, signal=load.signal, live=True, whole=load.signal in _COUNTS)
        ]
        if load.signal in plots.SIGNALS:
            charts.append(
                plots.histogram(
                    plots.histogram_data(self.ws, load.signal, all_runs=True), load.signal, start, live=True
                )
            )
        if self.load_chart is None:
            self.load_chart = plots.widget(charts[0], validate=False)
        else:
            redraw(self.load_chart, charts[0], validate=False)
        if len(charts) > 1:
            if self.hist_chart is None:
                self.hist_chart = plots.widget(charts[1], validate=False)
            else:
                redraw(self.hist_chart, charts[1], validate=False)
        chart_row(self.charts, [self.load_chart, *([self.hist_chart] if len(charts) > 1 else [])])
        self.latency_ms["recompute"] = (time.perf_counter() - t0) * 1000
        self.move(self.threshold.value)

    def move(self, _value: Any = None) -> dict[str, float]:
        """Look the current threshold up; update the readout and the charts' threshold rule."""
        load = self.load
        assert load is not None
        t = float(self.threshold.value)
        p = load.at(t)
        self.readout.value = (
            f"<div style='font-size:14px'>At {esc(load.signal)} {'≤' if load.direction == 'below' else '≥'} "
            f"{format(t, self.threshold.readout_format)}: <b class='wb-review-rate'>{p['escalation_rate']:.1%}</b> of runs would go to a human "
            f"({p['escalated_runs']:,} of {load.n_runs:,}; {load.runs_with_signal:,} carry {esc(load.signal)}) · "
            f"{p['step_escalation_rate']:.2%} of steps ({p['escalated_steps']:,} of {load.n_steps:,}) · "
            "failures caught: <i>unknown (no outcomes)</i></div>"
        )
        if self._fewest_at is not None and t == self._fewest_at:
            # it opened on a tenth of the runs elsewhere; here on 25 % or 100 % without a word of why
            self.readout.value += (
                "<div class='wb-review-opening' style='font-size:14px'>The view opens where the fewest runs go to "
                f"a human: no threshold on {esc(load.signal)} sends {OPENING_SHARE:.0%} of the runs or fewer "
                f"(it opens at {OPENING_SHARE:.0%} where one does).</div>"
            )
        for c in (self.load_chart, self.hist_chart):
            if c is not None and c in self.charts.children:
                with c.hold_sync():
                    c.params.cur_show, c.params.cur_t = 1.0, t
        return p

    def export_policy(self, path: str | Path | None = None) -> Policy:
        """Write a policy with the HITL rule at the current threshold (YAML) and show it."""
        from ..policy import HitlRule, Policy
        from ..policy._model import Provenance
        from ..policy._readable import escalating_same, readable

        load = self.load
        assert load is not None
        t = float(self.threshold.value)  # a slider's float step (0.8999999999999999) written as 0.9
        t = readable(t, escalating_same(t, load._steps, load._sign))
        p = load.at(t)
        prov = Provenance(
            created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            created_by="workbench",
            store=str(self.ws.path) if getattr(self.ws, "path", None) is not None else "<memory>",
            runs=load.n_runs,
            failures=None,
            source="review_load",
            sweep={
                "signal": load.signal,
                "direction": load.direction,
                "escalation_rate": round(p["escalation_rate"], 6),
            },
            notes=(
                "no run had a known outcome: the threshold was chosen on review load alone; "
                "the failures it catches are unknown",
            ),
        )
        policy = Policy(hitl=(HitlRule(load.signal, t, load.direction),), provenance=prov)
        target = Path(path if path is not None else self.path.value)
        text = policy.to_yaml(target)
        self.policy_view.value = f"<b>Wrote {esc(target)}</b>" + pre(text)
        return policy

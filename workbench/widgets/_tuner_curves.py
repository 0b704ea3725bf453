"""The threshold tuner's priced panel (``ThresholdTuner``): one sweep's slider, on its grid and opened on the
recommended threshold, the agents' sliders, and the charts drawn again for it."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import ipywidgets as w
import pandas as pd

from .. import plots
from .._plain import counted
from ..plots._bulk import bulk_range
from ..plots._render import redraw
from ._html import esc, label
from ._layout import chart_row
from ._signal_range import point_at, signal_range
from ._tuner_grid import _COUNTS, _most_caught, _no_review_at, _rank, on_grid, slider_grid

# The review budget an unpriced store (no successful run) opens on, when none was given: a load a team can take.
UNPRICED_BUDGET = 0.1


def _drawn(widget: Any, chart: Any) -> Any:
    """``widget`` showing ``chart`` (a new chart widget the first time; its chart swapped, without a redraw of
    the page, after)."""
    if widget is None:
        return plots.widget(chart, validate=False)  # (the package's own chart: see plots.widget)
    redraw(widget, chart, validate=False)
    return widget


class PricedCurves:
    """``ThresholdTuner``'s sweep and its views, computed once per signal and cost (``recompute``)."""

    def _priced(self, sweep_thresholds: Any) -> None:
        t0 = time.perf_counter()
        budget = self.budget.value or None
        sw = sweep_thresholds(
            self.ws,
            self.signal.value,
            per_agent=self.per_agent.value,
            keep_shared=self.per_agent.value and self.keep_shared.value,
            cost_review=self.cost_review.value,
            cost_failure=self.cost_failure.value,
            budget=budget,
            runs=self._runs(),
        )
        # every run failed (Who&When, an incident export): nothing to trade an escalation against, so no cost to
        # minimise (the cheapest was "escalate every run", at a review limit of 0). What can be counted is the
        # review load and the failures caught before their fault: the tuner opens on a budget of a tenth of the
        # runs, at the threshold catching the most failures within it, and draws review load instead of cost
        priced = sw.n_failures < sw.n_runs
        opening, self._opening = self._opening, False
        if not priced and budget is None and opening:
            self.budget.value = UNPRICED_BUDGET  # recomputes at that budget (its observer)
            return
        self.sweep = sw
        curve = sw.curve
        best = sw.best.threshold if isinstance(sw.best.threshold, float) else None
        if not priced:
            best = _most_caught(curve, sw.budget)
        # the slider spans what the cost chart's axis does: with one 30 s call among 300 ms ones a step of
        # 1/400 of the whole range (75 ms) left the slider four positions among the thresholds that matter
        values = curve["threshold"].to_numpy(dtype=float)
        # no threshold pays: the slider must reach past the extreme value, where no run goes to a human
        extreme = float(values.min() if sw.direction == "below" else values.max()) if len(values) else None
        no_rule = priced and best is None
        span = bulk_range(values, (extreme,) if no_rule else (best,) if best is not None else ())
        lo, hi = (
            (span.lo, span.hi)
            if span is not None
            else (float(curve["threshold"].min()), float(curve["threshold"].max()))
        )
        end = lo if sw.direction == "below" else hi  # the span's far end, before the grid rounds it outwards
        lo, hi, step, fmt = slider_grid(lo, hi, sw.signal in _COUNTS)
        lo, hi = signal_range(
            lo, hi, sw.signal
        )  # (a confidence of 1.08, a pad past the one value, was a rule)
        if best is not None:
            # the opening point on the slider's grid: of the grid points either side of the best threshold, the
            # cheaper (one between the best and the next lower value escalates the same steps); the slider read
            # "166" beside a readout of "≥ 166.3" (OTLP latency) when it sat off its own grid
            ends = {on_grid(best, step, lo, "down"), on_grid(best, step, lo, "up")}
            start = min(ends, key=lambda t: _rank(sw.at(t), priced, sw.budget) + (abs(t - best),))
        elif no_rule:
            # the no-review point, one grid step past every value. At the slider's end (the extreme value, which
            # "≥" still escalates) the tuner opened sending 20 of 40 runs to a human, each run's slowest step
            # being that value, beside advice that no threshold pays
            start = _no_review_at(extreme, step, lo, sw.direction) if extreme is not None else lo
            lo, hi = min(lo, start), max(hi, start)
        else:  # unpriced, none catching a failure within the budget: the fewest runs sent, said (_over_budget)
            start = on_grid(end, step, lo, "up" if sw.direction == "below" else "down")
        # where an agent's slider says "no rule" (its steps never escalated), as the no-review point above
        self._past_every = past = (
            _no_review_at(extreme, step, lo, sw.direction) if extreme is not None else None
        )
        if past is not None:
            # and the track ends there, as the notes say ("past every value", "move a slider off that end"): on one
            # value the grid's pad either side (slider_grid) took the track a tenth past it, the "no rule" handles
            # mid-track on a real LangGraph system of one run (ux41)
            lo, hi = (max(lo, past), hi) if sw.direction == "below" else (lo, min(hi, past))
        slider = self.threshold
        self._quiet = True  # one move() at the end, not one per bound
        try:
            if lo > slider.max:
                slider.max, slider.min = hi, lo
            else:
                slider.min, slider.max = lo, hi
            slider.step, slider.value = step, start
            slider.readout_format = fmt
        finally:
            self._quiet = False
        self.threshold.description = f"{sw.signal} {'≤' if sw.direction == 'below' else '≥'}"
        self._agent_controls()
        self.threshold.disabled = bool(self.agent_sliders.children)
        # the costs price nothing without a successful run: their boxes go (the readout says why)
        for box in (self.cost_review, self.cost_failure):
            box.layout.display = None if priced else "none"
        # the trade-off's line reaches the no-review point the slider opened on (0 runs, 0 failures): it ended at
        # the extreme value's runs (50 % of runs escalated), the current point drawn off its axis
        nothing = point_at(sw, start)  # (past a confidence of 0 it is no rule: drawn at start all the same)
        shown = (
            pd.concat(
                [curve, pd.DataFrame([{**dataclasses.asdict(nothing), "threshold": start}])],
                ignore_index=True,
            )
            if no_rule
            else curve
        )
        # the charts open on what the readout says: per agent, the agents' sliders' set, not the one slider's
        # threshold. (A chart's params set from Python before the page draws it are overwritten there by its spec's:
        # the current point sat at the one slider's 50 % escalated beside a readout of 0 %, on real traces.)
        opened = self.current_threshold()
        at = sw.at(opened)
        rule = None if isinstance(opened, dict) else start
        self.sweep_chart = _drawn(
            self.sweep_chart,
            plots.sweep_curve(shown, start, live=True, point=(at.escalation_rate, at.recall)),
        )
        if priced:
            # (and so does the cost curve: without the no-review point its "minimum" sat on the cheapest threshold,
            # dearer than no review, beside a readout of the no-review point's lower cost; ux39, a system of
            # successful runs only: "minimum" at a cost of 1.0, the readout 0.0)
            self.cost_chart = _drawn(
                self.cost_chart,
                plots.cost_curve(
                    shown,
                    rule,
                    live=True,
                    # within a budget no threshold keeps, the best is no review, the point the slider opened on
                    # (lab56: "minimum" marked a threshold sending 83 % of runs beside a 10 % budget)
                    best=(start if no_rule else best) if sw.budget else None,
                    whole=sw.signal in _COUNTS,
                    signal=sw.signal,
                ),
            )
        else:
            self.load_chart = _drawn(
                self.load_chart,
                plots.review_load_curve(
                    curve,
                    rule,
                    signal=sw.signal,
                    live=True,
                    whole=sw.signal in _COUNTS,
                    title="Review load per threshold (no successful run: cost not priced)",
                ),
            )
        hist = sw.signal in plots.SIGNALS
        if hist:  # the sweep's own counting of failed runs
            self.hist_chart = _drawn(
                self.hist_chart,
                plots.histogram(
                    plots.histogram_data(self.ws, sw.signal, silent=sw.silent, system=self.system.value),
                    sw.signal,
                    rule,
                    live=True,
                ),
            )
        trade: Any = self.sweep_chart
        if len(curve) < 2:
            # one threshold to weigh (one run, or every run's extreme the same value): the trade-off chart had one
            # point, drawn as nothing (a real LangGraph system of one failed run), read as a chart that failed to
            # draw. (The cost or review-load chart beside it still shows that threshold and its rule.)
            trade = w.HTML(
                "<div style='font-size:13px;max-width:420px'><i>No trade-off curve to draw: the "
                f"{counted(sw.n_runs, 'run')} of known outcome here give{'s' if sw.n_runs == 1 else ''} "
                f"one threshold on {esc(sw.signal)} to weigh"
                + (f" ({format(float(values[0]), fmt)})" if len(values) else "")
                + ", so there is no line of runs sent against failures caught.</i></div>"
            )
            trade.add_class("wb-tuner-thin")
        curves: list[Any] = [trade, self.cost_chart if priced else self.load_chart]
        chart_row(self.charts, [c for c in (*curves, self.hist_chart if hist else None) if c is not None])
        self.latency_ms["sweep"] = (time.perf_counter() - t0) * 1000
        # where the tuner opened: the threshold it recommends, or (no rule pays) the no-review point
        self.recommended, self.no_rule = (start if best is not None or no_rule else None), no_rule
        self.move(self.threshold.value)

    def _agent_controls(self) -> None:
        sw = self.sweep
        if sw is None or not self.per_agent.value or sw.best_per_agent is None:
            self.agent_sliders.children = ()
            return
        chosen = sw.best_per_agent.threshold if isinstance(sw.best_per_agent.threshold, dict) else {}
        lo, hi, step = self.threshold.min, self.threshold.max, self.threshold.step
        # an agent with no rule opens on the no-review point, past every value (the slider reaches it), not on the
        # slider's end: the highest value, which "≥" escalates, read as a threshold chosen there (ux39)
        off = self._past_every
        if off is not None:
            lo, hi = min(lo, off), max(hi, off)
        sliders = []
        self._slider_agents = list(sw.agents)  # the names themselves; descriptions show them made visible
        for agent in sw.agents:
            t = chosen.get(agent)
            if t is not None:
                at = on_grid(float(t), step, lo, "up" if sw.direction == "below" else "down")
            else:
                at = off if off is not None else (lo if sw.direction == "below" else hi)
            # as wide as the one slider: at the default width its track was 85 px beside a 120 px name (real
            # LangGraph trace, 1000 px window), a handle hard to place and read against the one above
            s = w.FloatSlider(
                description=label(agent),
                min=lo,
                max=hi,
                step=step,
                readout_format=self.threshold.readout_format,
                value=at,
                layout=w.Layout(width="560px", max_width="calc(100% - 4px)"),
            )
            s.style.description_width = "120px"
            s.observe(lambda _: self.move(None), names="value")
            sliders.append(s)
        self.agent_sliders.children = tuple(sliders)
        self._agent_opened = self.current_threshold()  # (what the search chose, on the sliders' grid)

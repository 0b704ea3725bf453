"""ThresholdTuner: move a HITL threshold and see what it costs, live; export it as a policy."""

from __future__ import annotations

import dataclasses
import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import pandas as pd

from .. import plots
from .._plain import counted, plain
from ..exceptions import InvalidParameterError
from ..plots._bulk import bulk_range
from ..plots._render import redraw
from ..store._own_connection import fetch
from ._escalated import EscalatedRuns
from ._html import STYLE, esc, label, pre
from ._layout import chart_row, control_row
from ._review_load import ReviewLoadView, empty_store_html, missing_outcomes_html
from ._signal_range import beyond, point_at, signal_range
from ._systems import system_picker

if TYPE_CHECKING:
    from ..thresholds import SweepPoint, ThresholdSweep
    from ..workspace import Workspace
    from ._explorer import IncidentExplorer


class ThresholdTuner(w.VBox):
    """Tune when runs go to a human: a slider on a step signal (one per agent when chosen), the
    costs of a review and of a missed failure, and live views — escalation rate vs failures caught
    with the current point, the cost curve with its minimum, the signal's histogram by outcome,
    and the calibration of confidence; the runs the threshold sends to a human, each one "Open in explorer" away
    (in ``explorer``, or one opened below the list). "Export policy" writes the rule(s) as YAML and shows it.

    The sweep is computed once per signal and cost (DuckDB); moving a slider is a lookup
    (``ThresholdSweep.at``) and moves the charts' current marks through chart params, without
    redrawing them.
    """

    def __init__(self, ws: Workspace, signal: str | None = None, cost_review: float = 1.0,
                 cost_failure: float = 20.0, budget: float | None = None,
                 policy_path: str = "policy.yaml", system: str | None = None,
                 explorer: IncidentExplorer | None = None) -> None:
        from ..thresholds import available_signals

        self.ws = ws
        # A store of several systems: one system's runs at a time (a system picker, as the LimitTuner's). All at
        # once, one threshold was priced over 17 systems' runs and "one threshold per agent" listed the agents of
        # every system side by side (ux33, the real-fixtures store).
        self.system = system_picker(ws, "systems_priced", system, "runs of known outcome")
        have = available_signals(ws, runs=self._runs())
        self.signals = have.loc[have["steps"] > 0, "signal"].tolist()
        self.review: ReviewLoadView | None = None
        self.sweep: ThresholdSweep | None = None
        self.point: SweepPoint | None = None
        self.latency_ms: dict[str, float] = {}
        self.escalated: EscalatedRuns | None = None
        if not self.signals:    # nothing to price: say what is missing, show what the logs carry
            self._unpriced(have, signal, policy_path)
            return
        if signal is not None and signal not in self.signals:
            raise InvalidParameterError(
                f"signal: no step of this store has {signal!r}; signals here: {', '.join(self.signals)}")
        start = signal or ("entropy" if "entropy" in self.signals else self.signals[0])
        self.signal = w.Dropdown(description="signal", options=self.signals, value=start)
        self.per_agent = w.Checkbox(description="one threshold per agent", value=False)
        # (sweep_thresholds' keep_shared; shown with the per-agent sliders only)
        self.keep_shared = w.Checkbox(description="keep the shared threshold for agents whose steps never meet it",
                                      value=False, indent=False, layout=w.Layout(width="auto", display="none"))
        self.per_agent.observe(lambda c: setattr(self.keep_shared.layout, "display", None if c["new"] else "none"),
                               names="value")
        self.system.observe(lambda _: self._on_system(), names="value")
        self.cost_review = w.BoundedFloatText(description="review cost", value=cost_review, min=0, max=1e9,
                                              layout=w.Layout(width="190px"))
        self.cost_failure = w.BoundedFloatText(description="failure cost", value=cost_failure, min=0, max=1e9,
                                               layout=w.Layout(width="190px"))
        self.budget = w.BoundedFloatText(description="max review", value=budget or 0.0, min=0, max=1, step=0.01,
                                         tooltip="highest share of runs sent to a human (0: no limit)",
                                         layout=w.Layout(width="190px"))
        self.threshold = w.FloatSlider(description="threshold", continuous_update=True, readout_format=".3f",
                                       layout=w.Layout(width="560px", max_width="calc(100% - 4px)"))
        # its name is the signal and its direction ("latency_ms ≥"): the default 80 px cut it to "latency_m…"
        self.threshold.style.description_width = "initial"
        self.agent_sliders = w.VBox()
        self._slider_agents: list[str] = []
        self._agent_opened: dict[str, float | None] = {}
        # the agents whose slider sits on the no-review point (one grid step past every value: none of their steps
        # sent), said in words: a handle at the slider's end read as a threshold chosen there
        self.agent_note = w.HTML()
        self.agent_note.add_class("wb-tuner-agent-note")
        self._past_every: float | None = None
        self.capabilities = w.HTML(_capabilities_html(ws, runs=self._runs()))   # (the system picked's)
        self.capabilities.add_class("wb-tuner-capabilities")
        self.readout = w.HTML()
        self.readout.add_class("wb-tuner-readout")
        # the threshold the tuner opened on, and why: moved away from, the readout said only "(best within the 10%
        # review budget 9,380.0)", a cost, and no way back but finding it again on the slider
        self.recommended: float | None = None
        self.no_rule = False     # no threshold pays: ``recommended`` is the no-review point, exported as no rule
        self.advice = w.HTML()
        self.advice.add_class("wb-tuner-recommended")
        self.to_recommended = w.Button(description="back to the recommended threshold", icon="undo",
                                       layout=w.Layout(width="auto"))
        self.to_recommended.on_click(lambda _: self.recommend())
        # the runs the threshold sends to a human, each one click from the explorer (the readout only counted them)
        self.escalated = EscalatedRuns(ws, explorer)
        self.sweep_chart: Any = None
        self.cost_chart: Any = None
        self.load_chart: Any = None     # instead of the cost chart where no run succeeded (see _priced)
        self.hist_chart: Any = None
        self.charts = w.HBox(layout=w.Layout(flex_flow="row wrap"))
        self.calibration = w.VBox()
        self.path = w.Text(description="to file", value=policy_path, layout=w.Layout(width="320px"))
        self.export = w.Button(description="Export policy", icon="download", button_style="primary")
        self.policy_view = w.HTML()
        self.policy_view.add_class("wb-tuner-policy")
        # the budget's unit beside it: "max review 0" read as "review nothing" (0 is no limit, said only in
        # a tooltip) and "0.1" did not say it is a share of the runs
        self.budget_note = w.Label(_budget_note(self.budget.value))
        self.budget_note.add_class("wb-tuner-budget-note")
        self.budget.observe(lambda c: setattr(self.budget_note, "value", _budget_note(c["new"])), names="value")
        self._quiet_signal = False
        for c in (self.signal, self.per_agent, self.keep_shared, self.cost_review, self.cost_failure, self.budget):
            c.observe(lambda _: None if self._quiet_signal else self.recompute(), names="value")
        self._quiet = False
        self.threshold.observe(lambda c: None if self._quiet else self.move(c["new"]), names="value")
        self.export.on_click(lambda _: self.export_policy())
        super().__init__([
            w.HTML(STYLE + "<b>Threshold tuner</b> — when should a run go to a human?"), self.capabilities,
            control_row([self.system, self.signal, self.per_agent, self.keep_shared]),   # (wraps: past 1000 px)
            control_row([self.cost_review, self.cost_failure, self.budget, self.budget_note]),
            self.threshold, self.agent_sliders, self.agent_note, self.advice, self.to_recommended, self.readout,
            self.escalated, self.charts, self.calibration,
            control_row([self.path, self.export]), self.policy_view])
        self.add_class("wb-threshold-tuner")
        self._calibration()
        self._opening = budget is None    # no budget asked for: an unpriced store opens on one (see _priced)
        self.recompute()

    def _runs(self) -> list[str] | None:
        """The runs of the system picked (None: one system, every run)."""
        if self.system.value is None:
            return None
        return [r for (r,) in fetch(self.ws.con, "SELECT run_id FROM runs WHERE coalesce(system, '') = ?",
                                          [self.system.value])]

    def _on_system(self) -> None:
        """Another system picked: its signals offered, its runs swept."""
        from ..thresholds import available_signals

        have = available_signals(self.ws, runs=self._runs())
        self.signals = have.loc[have["steps"] > 0, "signal"].tolist() or self.signals
        keep = self.signal.value if self.signal.value in self.signals else self.signals[0]
        self._quiet_signal = True
        try:
            self.signal.options, self.signal.value = self.signals, keep
        finally:
            self._quiet_signal = False
        self.capabilities.value = _capabilities_html(self.ws, runs=self._runs())
        self._calibration()
        self.recompute()

    def _unpriced(self, have: Any, signal: str | None, policy_path: str) -> None:
        """The panel of a store with no run of known outcome whose steps carry a signal (or no run)."""
        from ..thresholds import REVIEW_SIGNALS

        runs, known = fetch(
            self.ws.con, "SELECT count(*), count(*) FILTER (WHERE outcome IN ('success', 'failure')) "
            "FROM runs")[0]
        anywhere = set(have.loc[have["all_steps"] > 0, "signal"])
        offered = [s for s in REVIEW_SIGNALS if s in anywhere]
        if signal is not None and signal not in offered:
            raise InvalidParameterError(f"signal: no step of this store has {signal!r}; signals here: "
                                        f"{', '.join(offered) or 'none'}")
        self.missing = w.HTML(empty_store_html() if not runs else missing_outcomes_html(runs, known, bool(offered)))
        self.missing.add_class("wb-tuner-missing-panel")
        self.capabilities = w.HTML(_capabilities_html(self.ws, expanded=False) if runs else "")
        self.capabilities.add_class("wb-tuner-capabilities")
        parts: list[Any] = [w.HTML(STYLE + "<b>Threshold tuner</b> — when should a run go to a human?"),
                            self.missing, self.capabilities]
        if runs and offered:
            self.review = ReviewLoadView(self.ws, offered, signal, policy_path)
            self.signal, self.threshold = self.review.signal, self.review.threshold
            self.readout, self.charts = self.review.readout, self.review.charts
            self.path, self.export, self.policy_view = self.review.path, self.review.export, self.review.policy_view
            parts.append(self.review)
        super().__init__(parts)
        self.add_class("wb-threshold-tuner")

    # -- compute once per signal / cost --------------------------------------------------------
    def recompute(self) -> None:
        """Sweep the chosen signal at the chosen costs (one DuckDB pass) and redraw the curves."""
        from ..thresholds import sweep_thresholds

        if self.review is not None:
            self.review.recompute()
            return
        self._priced(sweep_thresholds)

    def _priced(self, sweep_thresholds: Any) -> None:
        t0 = time.perf_counter()
        budget = self.budget.value or None
        sw = sweep_thresholds(self.ws, self.signal.value, per_agent=self.per_agent.value,
                              keep_shared=self.per_agent.value and self.keep_shared.value,
                              cost_review=self.cost_review.value, cost_failure=self.cost_failure.value,
                              budget=budget, runs=self._runs())
        # every run failed (Who&When, an incident export): nothing to trade an escalation against, so no cost to
        # minimise (the cheapest was "escalate every run", at a review limit of 0). What can be counted is the
        # review load and the failures caught before their fault: the tuner opens on a budget of a tenth of the
        # runs, at the threshold catching the most failures within it, and draws review load instead of cost
        priced = sw.n_failures < sw.n_runs
        opening, self._opening = self._opening, False
        if not priced and budget is None and opening:
            self.budget.value = UNPRICED_BUDGET    # recomputes at that budget (its observer)
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
        lo, hi = (span.lo, span.hi) if span is not None else (float(curve["threshold"].min()),
                                                                float(curve["threshold"].max()))
        end = lo if sw.direction == "below" else hi     # the span's far end, before the grid rounds it outwards
        lo, hi, step, fmt = slider_grid(lo, hi, sw.signal in _COUNTS)
        lo, hi = signal_range(lo, hi, sw.signal)    # (a confidence of 1.08, a pad past the one value, was a rule)
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
        else:   # unpriced, none catching a failure within the budget: the fewest runs sent, said (_over_budget)
            start = on_grid(end, step, lo, "up" if sw.direction == "below" else "down")
        # where an agent's slider says "no rule" (its steps never escalated), as the no-review point above
        self._past_every = past = _no_review_at(extreme, step, lo, sw.direction) if extreme is not None else None
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
        nothing = point_at(sw, start)   # (past a confidence of 0 it is no rule: drawn at start all the same)
        shown = pd.concat([curve, pd.DataFrame([{**dataclasses.asdict(nothing), "threshold": start}])],
                          ignore_index=True) if no_rule else curve
        # the charts open on what the readout says: per agent, the agents' sliders' set, not the one slider's
        # threshold. (A chart's params set from Python before the page draws it are overwritten there by its spec's:
        # the current point sat at the one slider's 50 % escalated beside a readout of 0 %, on real traces.)
        opened = self.current_threshold()
        at = sw.at(opened)
        rule = None if isinstance(opened, dict) else start
        self.sweep_chart = _drawn(self.sweep_chart, plots.sweep_curve(shown, start, live=True,
                                                                      point=(at.escalation_rate, at.recall)))
        if priced:
            # (and so does the cost curve: without the no-review point its "minimum" sat on the cheapest threshold,
            # dearer than no review, beside a readout of the no-review point's lower cost; ux39, a system of
            # successful runs only: "minimum" at a cost of 1.0, the readout 0.0)
            self.cost_chart = _drawn(self.cost_chart, plots.cost_curve(
                shown, rule, live=True, best=best if sw.budget else None, whole=sw.signal in _COUNTS, signal=sw.signal))
        else:
            self.load_chart = _drawn(self.load_chart, plots.review_load_curve(
                curve, rule, signal=sw.signal, live=True, whole=sw.signal in _COUNTS,
                title="Review load per threshold (no successful run: cost not priced)"))
        hist = sw.signal in plots.SIGNALS
        if hist:   # the sweep's own counting of failed runs
            self.hist_chart = _drawn(self.hist_chart, plots.histogram(
                plots.histogram_data(self.ws, sw.signal, silent=sw.silent, system=self.system.value), sw.signal,
                rule, live=True))
        trade: Any = self.sweep_chart
        if len(curve) < 2:
            # one threshold to weigh (one run, or every run's extreme the same value): the trade-off chart had one
            # point, drawn as nothing (a real LangGraph system of one failed run), read as a chart that failed to
            # draw. (The cost or review-load chart beside it still shows that threshold and its rule.)
            trade = w.HTML("<div style='font-size:13px;max-width:420px'><i>No trade-off curve to draw: the "
                           f"{counted(sw.n_runs, 'run')} of known outcome here give{'s' if sw.n_runs == 1 else ''} "
                           f"one threshold on {esc(sw.signal)} to weigh"
                           + (f" ({format(float(values[0]), fmt)})" if len(values) else "")
                           + ", so there is no line of runs sent against failures caught.</i></div>")
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
        self._slider_agents = list(sw.agents)   # the names themselves; descriptions show them made visible
        for agent in sw.agents:
            t = chosen.get(agent)
            if t is not None:
                at = on_grid(float(t), step, lo, "up" if sw.direction == "below" else "down")
            else:
                at = off if off is not None else (lo if sw.direction == "below" else hi)
            # as wide as the one slider: at the default width its track was 85 px beside a 120 px name (real
            # LangGraph trace, 1000 px window), a handle hard to place and read against the one above
            s = w.FloatSlider(description=label(agent), min=lo, max=hi, step=step,
                              readout_format=self.threshold.readout_format, value=at,
                              layout=w.Layout(width="560px", max_width="calc(100% - 4px)"))
            s.style.description_width = "120px"
            s.observe(lambda _: self.move(None), names="value")
            sliders.append(s)
        self.agent_sliders.children = tuple(sliders)
        self._agent_opened = self.current_threshold()    # (what the search chose, on the sliders' grid)

    # -- a lookup per slider move ----------------------------------------------------------------
    def current_threshold(self) -> float | dict[str, float | None] | None:
        if self.per_agent.value and self.agent_sliders.children:
            # a slider on the no-review point is the agent's "no rule" (None), exported as none
            return {a: None if self._off(s.value) else float(s.value)
                    for a, s in zip(self._slider_agents, self.agent_sliders.children, strict=True)}
        # the no-review point past a confidence of 0 (every step at 0: no rule pays) is no threshold a rule can hold
        return None if beyond(self.sweep, self.threshold.value) else float(self.threshold.value)

    def _off(self, value: float) -> bool:
        """An agent's slider at (or, dragged, within half a step of) the no-review point: no rule for that agent.
        (The browser sends a dragged value back as its own float sum, not always the grid's number.)"""
        past, half = self._past_every, self.threshold.step / 2
        if past is None or self.sweep is None:
            return False
        return value <= past + half if self.sweep.direction == "below" else value >= past - half

    def move(self, _value: Any = None) -> SweepPoint:
        """Look the current threshold(s) up and update the readout and the charts' current marks."""
        t0 = time.perf_counter()
        if self.review is not None:
            return self.review.move()    # type: ignore[return-value]
        sw = self.sweep
        if sw is None:
            raise InvalidParameterError("this store has nothing to put a threshold on (see the tuner's panel)")
        t = self.current_threshold()
        p = sw.at(t)
        self.point = p
        # the slider's own number (its format): "≥ 166.3" beside a slider reading "166" said two thresholds
        fmt = self.threshold.readout_format
        where = (", ".join(f"{esc(a)} {'no rule' if v is None else format(v, fmt)}" for a, v in t.items())
                 if isinstance(t, dict) else format(t, fmt) if t is not None else "")
        at = ("With no rule (the slider past every value)" if t is None
              else f"At {esc(sw.signal)} {'≤' if sw.direction == 'below' else '≥'} {where}")
        self.agent_note.value = (_no_rule_note(t, self._past_every, fmt) + (
            _per_agent_why(sw, t, fmt) if t == self._agent_opened else "") if isinstance(t, dict) else "")
        for s in self.agent_sliders.children:     # (a handle on "no rule" drawn apart from one on a threshold)
            (s.add_class if self._off(s.value) else s.remove_class)("wb-no-rule")
        if sw.n_failures >= sw.n_runs:
            # every run failed (Who&When, an incident export): no escalation can be false, so each threshold's
            # precision is 100 % and escalating every run is "cheapest": figures the data cannot give
            priced = ("precision and expected cost not measured: <b>no successful run</b> here, so no escalation "
                      "can be counted as false and escalating every run would look free (label some successful "
                      "runs of the same system)")
        else:
            # the cost's unit: "expected cost 9,380.0" named neither what one unit is nor over how many runs. The
            # best's cost is the recommended slider position's (the advice line's): the sweep's exact best (2,796.3)
            # lies off the slider's grid, and "best 9,380.0" sat beside a recommended 2,800 costing 9,399
            best = point_at(sw, self.recommended).cost if self.recommended is not None else sw.best.cost
            # (no run escalated: no precision to measure; "precision 0.0%" read as every escalation a false one)
            precise = f"precision {p.precision:.1%}" if p.escalated_runs else "precision: no run escalated"
            priced = (f"{precise} · expected cost <b>{p.cost:,.1f}</b> over the {sw.n_runs:,} runs, "
                      f"at {plain(sw.cost_review)} a review and {plain(sw.cost_failure)} a missed failure "
                      f"({'best within the ' + _share(sw.budget) + ' review budget' if sw.budget else 'best'} "
                      f"{best:,.1f})")
        caught = (f"failures caught <b>{p.recall:.1%}</b> ({p.failures_caught:,} of {sw.n_failures:,})" if sw.n_failures
                  else "failures caught: <b>no failed run</b> to catch")
        # a failed run escalated only after its labelled culprit step is not caught (the damage was done): on
        # Who&When "1 of 5 escalated" beside "failures caught 0 of 5", every run failed, read as a miscount
        late = p.escalated_runs - p.false_escalations - p.failures_caught
        if late > 0:
            caught += (f" · <span class='wb-tuner-late'>{counted(late, 'failed run')} escalated too late: only "
                       f"after {'its' if late == 1 else 'their'} labelled culprit step</span>")
        self.readout.value = (
            f"<div style='font-size:14px'>{at}: "
            f"escalation rate <b class='wb-escalation-rate'>{p.escalation_rate:.1%}</b> of runs "
            f"({p.escalated_runs:,} of {sw.n_runs:,}; {p.step_escalation_rate:.2%} of steps) · "
            f"{caught} · {priced}</div>{_over_budget(sw, p, fmt)}{_every_run(sw, p)}")
        if self.escalated is not None:
            self.escalated.show(sw, t, fmt)
        self._say_stale(t)
        self.advice.value = _advice(sw, self.recommended, fmt, per_agent=isinstance(t, dict), no_rule=self.no_rule)
        self.to_recommended.layout.display = (None if self.recommended is not None and not isinstance(t, dict)
                                              and self.threshold.value != self.recommended else "none")
        single = None if isinstance(t, dict) else t
        if self.sweep_chart is not None:
            with self.sweep_chart.hold_sync():
                self.sweep_chart.params.cur_x, self.sweep_chart.params.cur_y = p.escalation_rate, p.recall
            for c in (c for c in (self.cost_chart, self.load_chart, self.hist_chart) if c in self.charts.children):
                with c.hold_sync():
                    c.params.cur_show = 0.0 if single is None else 1.0
                    if single is not None:
                        c.params.cur_t = float(single)
        self.latency_ms["move"] = (time.perf_counter() - t0) * 1000
        return p

    def recommend(self) -> SweepPoint:
        """Put the slider back on the recommended threshold (the one the tuner opened on)."""
        if self.recommended is not None and self.review is None:
            self.threshold.value = self.recommended
        return self.move()

    def _calibration(self) -> None:
        if "confidence" not in self.signals:
            self.calibration.children = (w.HTML("<i>No step carries a confidence: no calibration.</i>"),)
            return
        from ..thresholds import confidence_calibration

        try:
            # the system picked's runs, as the sweep beside it (whole-store, it mixed every system's steps)
            table = confidence_calibration(self.ws, runs=self._runs())
        except ValueError as exc:  # one outcome only, say so instead of drawing nothing
            self.calibration.children = (w.HTML(f"<i>{esc(exc)}</i>"),)
            return
        self.calibration.children = (plots.widget(plots.calibration(table), validate=False),)

    def _say_stale(self, t: Any) -> None:
        """The policy shown was written at other thresholds (or of another system or signal): said so, not left
        reading as the file for the sliders now (its rule at 33.8 stood under sliders moved to "no rule")."""
        was = getattr(self, "_exported", None)
        if was is None or was[:3] == (self.system.value, self.sweep.signal if self.sweep else None, repr(t)):
            return
        self._exported = None
        self.policy_view.value = (f"<div class='wb-stale'><i>{esc(was[3])} holds the rule exported before the last "
                                  "change, not the threshold set now: Export policy again to write it.</i></div>")

    # -- export ----------------------------------------------------------------------------------
    def export_policy(self, path: str | Path | None = None) -> Any:
        """Write a policy with the current HITL rule(s) as YAML to ``path`` (the text box's by
        default) and show it; return the Policy. On a store without outcomes: the rule at the current
        threshold, chosen on review load alone (its provenance says so)."""
        if self.review is not None:
            return self.review.export_policy(path)
        if self.sweep is None:
            raise InvalidParameterError("this store has nothing to put a threshold on (see the tuner's panel)")
        t = self.current_threshold()
        # at the no-review point the policy has no rule (and its provenance says why), not one that never fires
        policy = self.sweep.to_policy(None if t is None or (self.no_rule and t == self.recommended) else t)
        if self.system.value:    # the rule of one system's runs: the file says which
            policy = policy.replace(name=self.system.value)
        target = Path(path if path is not None else self.path.value)
        text = policy.to_yaml(target)
        self.policy_view.value = f"<b>Wrote {esc(target)}</b>" + pre(text)
        self._exported = (self.system.value, self.sweep.signal, repr(t), str(target))
        return policy


def _capabilities_html(ws: Workspace, expanded: bool = True, runs: list[str] | None = None) -> str:
    """What this store (``runs``: these of its runs) cannot tune, and what to do instead (nothing when it can
    tune everything)."""
    from ..thresholds import what_can_be_tuned

    table = what_can_be_tuned(ws, runs=runs)
    missing = table[~table["tunable"] | table["instead"].str.startswith("wb.suggest_limits")]
    if missing.empty:
        return ""
    # the rows saying the same, one item: confidence's and entropy's 40-word reason twice, word for word, filled
    # the top of the tuner on real framework logs (none carries log-probabilities)
    same: dict[tuple[str, str], list[str]] = {}
    for r in missing.itertuples(index=False):
        same.setdefault((r.why, r.instead), []).append(r.what)
    items = "".join(f"<li><b>{esc(_either(whats))}</b>: {esc(why)}" + (f" — {esc(instead)}" if instead else "")
                    + "</li>" for (why, instead), whats in same.items())
    return (f"<details{' open' if expanded else ''}><summary>What these logs do not let you tune</summary>"
            f"<ul>{items}</ul></details>")


def _either(whats: list[str]) -> str:
    """``["HITL on confidence", "HITL on entropy"]`` as "HITL on confidence or entropy" (three or more: "HITL on
    latency_ms, tokens_in or cost")."""
    if len(whats) > 1 and all(w.startswith("HITL on ") for w in whats):
        names = [w.removeprefix("HITL on ") for w in whats]
        return "HITL on " + ", ".join(names[:-1]) + " or " + names[-1]
    return " · ".join(whats)


# The review budget an unpriced store (no successful run) opens on, when none was given: a load a team can take.
UNPRICED_BUDGET = 0.1


def _no_rule_note(t: dict[str, float | None], past: float | None, fmt: str) -> str:
    """What the per-agent sliders on the no-review point mean, in words (none there: nothing)."""
    off = [a for a, v in t.items() if v is None]
    if not off or past is None:
        return ""
    names = ", ".join(f"<b>{esc(a)}</b>" for a in off[:12]) + (f" and {len(off) - 12:,} more" if len(off) > 12 else "")
    one = len(off) == 1
    return (f"<div style='font-size:13px'>No rule for {names}: {'its slider sits' if one else 'their sliders sit'} "
            f"at {format(past, fmt)}, past every value, where none of {'its' if one else 'their'} steps is sent to "
            f"a human, and the policy exported has no rule for {'it' if one else 'them'}. Move a slider off that "
            "end to try a threshold.</div>")


# Fewer failed runs than this carrying a signal: too few to tell one agent's threshold from another's.
FEW_FAILED_RUNS = 5


def _per_agent_why(sw: ThresholdSweep, t: dict[str, float | None], fmt: str) -> str:
    """Why the per-agent thresholds the tuner opened on coincide (several agents on one value) or leave agents with
    no rule: on real traces three agents opened on one threshold with no word of why, read as a defect of the
    search. The search starts every agent on the best single threshold and moves one only where that lowers the
    expected cost; with one failed run every agent slower in it separates it as well, and nothing picks one."""
    if sw.best_per_agent is None:
        return ""
    rules = [v for v in t.values() if v is not None]
    shared = [a for a, v in t.items() if v is not None and rules.count(v) > 1]
    off = [a for a, v in t.items() if v is None]
    if not shared and not off:
        return ""
    runs = sw.agent_runs()
    failed = runs.attrs["failed_runs"]
    parts = []
    if sw.n_failures >= sw.n_runs:
        # every run failed: the note was left out, and three agents sat on "no rule" with no word of why (ux40,
        # the OpenAI Agents desk once its silent failure counts)
        parts.append(_unpriced_agents_why(sw, rules))
    if shared:
        names = ", ".join(f"<b>{esc(a)}</b>" for a in shared[:12]) + (f" and {len(shared) - 12:,} more"
                                                                        if len(shared) > 12 else "")
        parts.append(f"{names} share one threshold, {format(float(t[shared[0]]), fmt)}: the best single threshold, and "
                     "no agent's own threshold lowers the expected cost from there.")
    if failed < FEW_FAILED_RUNS and rules:
        them = "it" if failed == 1 else "them"
        of = f" of the {sw.n_runs:,}" if failed < sw.n_runs else ""    # ("2 failed runs of the 2": every run)
        parts.append(f"Only {counted(failed, 'failed run')}{of} carr{'ies' if failed == 1 else 'y'} "
                     f"{esc(sw.signal)} in time: too few to tell which agent's threshold matters "
                     f"({counted(int((runs['failed_runs'] > 0).sum()), 'agent')} with steps in {them}; any of them "
                     f"slower there separates {them} as well). Label more runs of this system for thresholds that "
                     "differ by agent.")
    return "<div class='wb-tuner-agent-why' style='font-size:13px'>" + " ".join(parts) + "</div>"


def _unpriced_agents_why(sw: ThresholdSweep, rules: list[float]) -> str:
    """Why the agents opened where they did when every run failed: nothing is priced, the search keeps to the review
    budget catching the most failures in time, and a budget no threshold keeps leaves every agent without a rule."""
    why = ("<b>Every run here failed</b>: no escalation can be counted as false, so the agents' thresholds are the set "
           "catching the most failures in time")
    if not sw.budget:
        return why + "."
    why += f" within the {_share(sw.budget)} review budget (max review)"
    fewest = sw.curve["escalated_runs"].min() if len(sw.curve) else 0
    if rules or fewest <= sw.budget * sw.n_runs:
        return why + "."
    share = fewest / sw.n_runs
    return (why + f", and no threshold keeps within it: the fewest runs any sends to a human is {share:.1%} "
            f"({int(fewest):,} of {sw.n_runs:,}), so no agent has a rule. Raise max review to at least {_share(share)} "
            "for thresholds per agent.")


def _most_caught(curve: Any, budget: float | None) -> float | None:
    """The threshold catching the most failures within ``budget`` (a share of runs; None: any), the fewest runs
    escalated among equals; None when none catches one. Where no run succeeded this, not the cost, chooses."""
    ok = curve if budget is None else curve[curve["escalation_rate"] <= budget]
    ok = ok[ok["failures_caught"] > 0]
    if ok.empty:
        return None
    row = ok.sort_values(["failures_caught", "escalated_runs"], ascending=[False, True], kind="stable").iloc[0]
    return float(row["threshold"])


def _no_review_at(extreme: float, step: float, lo: float, direction: str) -> float:
    """The slider's first grid point past ``extreme`` (the highest value, or the lowest with ``direction``
    "below"), strictly: a threshold on the extreme value itself escalates the runs that reach it."""
    way, sign = ("down", -1) if direction == "below" else ("up", 1)
    t = on_grid(extreme, step, lo, way)
    if t == extreme:
        t = on_grid(extreme + sign * step, step, lo, way)
    return t


def _rank(p: SweepPoint, priced: bool, budget: float | None) -> tuple:
    """How a slider position is preferred to its neighbour: within the budget, then cheaper; unpriced, within the
    budget, then more failures caught, then fewer runs escalated. (Priced on cost alone, the tuner opened a grid step
    past the best threshold within a 20 % budget, on one sending 20.8 % of runs to a human, its readout warning "more
    runs than the review budget allows" about the threshold it had just chosen.)"""
    over = budget is not None and p.escalation_rate > budget
    if priced:
        return (over, p.cost)
    return (over, -p.failures_caught, p.escalated_runs)


def _drawn(widget: Any, chart: Any) -> Any:
    """``widget`` showing ``chart`` (a new chart widget the first time; its chart swapped, without a redraw of
    the page, after)."""
    if widget is None:
        return plots.widget(chart, validate=False)   # (the package's own chart: see plots.widget)
    redraw(widget, chart, validate=False)
    return widget


# Signals that count (tool calls, retries, hand-offs so far; chain depth): their thresholds are whole numbers.
_COUNTS = frozenset({"tool_calls", "retries", "handoffs", "depth"})


def slider_grid(lo: float, hi: float, count: bool) -> tuple[float, float, float, str]:
    """A threshold slider's ``(min, max, step, readout format)`` over ``[lo, hi]``: 400 to 1,000 positions, the
    step a round number (1, 2 or 5 times a power of ten; a whole number on a count) and the ends on its grid,
    so every position reads exactly as the number its format shows (a step of 2.118 from 166.308 showed
    "166" for 166.308 and "168" for 168.426)."""
    if hi <= lo:
        # one value (every entropy 0.7; one run's confidence 0.3679): a grid of 0 to 1 in steps of 1 could not show
        # it, and the tuner opened at "entropy ≥ 0". Just under a tenth of the value either side (a whole unit on a
        # count) holds it on a grid fine enough to read it, inside the review-load chart's axis (a tenth either side)
        pad = 0.09 * abs(lo) or 0.9
        pad = max(1.0, float(math.ceil(pad))) if count else pad
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / 400
    power = 10.0 ** math.floor(math.log10(raw))
    step = max(m * power for m in (1, 2, 5) if m * power <= raw * (1 + 1e-9))   # 400 to 1,000 positions
    if count:   # tool calls so far, depth: a threshold of 1.337 calls means 2; it read "0.000"
        step = max(1.0, float(math.ceil(step)))
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    step = round(step, decimals)
    low = round(math.floor(lo / step + 1e-9) * step, decimals)
    high = max(round(math.ceil(hi / step - 1e-9) * step, decimals), low + step)
    return low, high, step, f",.{decimals}f"


def on_grid(value: float, step: float, lo: float, way: str) -> float:
    """``value`` moved ``way`` ("up" or "down") onto the slider's grid ``lo + k * step``, at the grid's decimals."""
    k = (value - lo) / step
    k = math.ceil(k - 1e-9) if way == "up" else math.floor(k + 1e-9)
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    return round(lo + k * step, decimals)


def _advice(sw: ThresholdSweep, recommended: float | None, fmt: str, per_agent: bool = False,
            no_rule: bool = False) -> str:
    """The threshold the tuner recommends, and why (``per_agent``: the agents' sliders' opening set; ``no_rule``:
    no threshold pays, and ``recommended`` is the no-review point the slider opened on)."""
    none = sw.at(None)
    budget = f" sending at most {_share(sw.budget)} of runs to a human (max review)" if sw.budget else ""
    if per_agent and sw.best_per_agent is not None and sw.n_failures < sw.n_runs:
        one = point_at(sw, recommended).cost if recommended is not None else none.cost
        return (f"<b>Recommended per agent: the thresholds the agents' sliders opened on</b> — the cheapest set"
                f"{budget}: expected cost {sw.best_per_agent.cost:,.0f} against {one:,.0f} with one threshold for "
                f"every agent and {none.cost:,.0f} with no review")
    rule = (f"{esc(sw.signal)} {'≤' if sw.direction == 'below' else '≥'} {format(recommended, fmt)}"
            if recommended is not None else "")
    if no_rule or recommended is None:
        why = (f" catches a failure in time{budget}" if sw.n_failures >= sw.n_runs else
               f"{budget} costs less than sending no run to a human (expected cost {none.cost:,.0f})")
        at = "its end" if beyond(sw, recommended) else rule   # (not "confidence ≤ -0.001": no such rule)
        where = (f", so the slider opens past every value, at {at}, where <b>no run is sent to a human</b>; "
                 "move it to see what a threshold would send and cost" if recommended is not None else "")
        return f"<b>Recommended: no review rule</b> — no threshold on this signal{why}{where}"
    p = point_at(sw, recommended)
    if sw.n_failures >= sw.n_runs:    # nothing priced (every run failed): the most failures caught in the budget
        return (f"<b>Recommended: {rule}</b> — of the thresholds{budget}, the one catching the most failures in "
                f"time ({p.failures_caught:,} of {sw.n_failures:,})")
    return (f"<b>Recommended: {rule}</b> — the cheapest threshold{budget}: expected cost {p.cost:,.0f} against "
            f"{none.cost:,.0f} with no review ({plain(sw.cost_review)} a review, {plain(sw.cost_failure)} a "
            "missed failure)")


def _every_run(sw: ThresholdSweep, p: SweepPoint) -> str:
    """What the readout says when the threshold shown escalates every run with no review budget set: at the
    default costs (a review 1, a missed failure 20) on the simulator's seed 11 the cheapest threshold sent all 80
    runs to a human, and the tuner opened there as if that were a recommendation."""
    if sw.budget or sw.n_failures >= sw.n_runs or p.escalated_runs < sw.n_runs:
        return ""
    return ("<div class='wb-tuner-every-run' style='font-size:14px'>⚠ This threshold sends <b>every run</b> to a "
            f"human: at {plain(sw.cost_review)} a review and {plain(sw.cost_failure)} a missed failure that is "
            "cheapest here. Set <i>max review</i> (e.g. 0.1) for the threshold that catches most within that "
            "share of runs, or raise the review cost.</div>")


def _over_budget(sw: ThresholdSweep, p: SweepPoint, fmt: str) -> str:
    """What the readout says when the threshold shown sends more runs to a human than the review budget: on a
    4-run store where every run failed no threshold kept within the 10 % default, and the tuner opened on the
    highest (25 % of runs) without a word of why."""
    if not sw.budget or p.escalation_rate <= sw.budget:
        return ""
    c = sw.curve
    fewest = c.loc[c["escalated_runs"].idxmin()]
    if fewest["escalation_rate"] <= sw.budget:
        why = (f"This threshold sends more runs to a human than the {_share(sw.budget)} review budget (max review) "
               "allows")
    else:
        sign = "≤" if sw.direction == "below" else "≥"
        why = (f"<b>No threshold keeps within the {_share(sw.budget)} review budget</b> (max review): the fewest "
               f"runs any threshold on {esc(sw.signal)} sends to a human is {fewest['escalation_rate']:.1%} "
               f"({int(fewest['escalated_runs']):,} of {sw.n_runs:,}, at {esc(sw.signal)} {sign} "
               f"{format(float(fewest['threshold']), fmt)}), so the tuner opens there. Raise max review to at "
               f"least {_share(float(fewest['escalation_rate']))}, or set it to 0 for no limit")
    return f"<div class='wb-tuner-over-budget' style='font-size:14px'>⚠ {why}.</div>"


def _budget_note(budget: float | None) -> str:
    """What the review budget box says, in words: a share of the runs, or no limit at 0."""
    return f"= at most {_share(budget)} of runs sent to a human" if budget else "= no limit on the runs sent to a human"


def _share(budget: float) -> str:
    """A budget as a percentage of 3 significant digits: '.0%' wrote a budget of 0.004 (a real limit) as '0%',
    which reads as no review at all, and 0.125 as '12%'."""
    return f"{budget * 100:.3g}%"

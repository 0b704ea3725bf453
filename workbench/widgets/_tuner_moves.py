"""The threshold tuner's moves (``ThresholdTuner``): a lookup on the sweep per slider move, and the readout, the
advice and the charts' current marks it updates."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .._plain import counted, plain
from ..exceptions import InvalidParameterError
from ._html import bidi, esc
from ._signal_range import beyond, point_at
from ._tuner_words import _advice, _every_run, _no_rule_note, _over_budget, _per_agent_why, _share

if TYPE_CHECKING:
    from ..thresholds import SweepPoint


class SliderMoves:
    """What ``ThresholdTuner`` shows at the threshold(s) its sliders are on."""

    # -- a lookup per slider move ----------------------------------------------------------------
    def current_threshold(self) -> float | dict[str, float | None] | None:
        if self.per_agent.value and self.agent_sliders.children:
            # a slider on the no-review point is the agent's "no rule" (None), exported as none
            return {
                a: None if self._off(s.value) else float(s.value)
                for a, s in zip(self._slider_agents, self.agent_sliders.children, strict=True)
            }
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
            return self.review.move()  # type: ignore[return-value]
        sw = self.sweep
        if sw is None:
            raise InvalidParameterError(
                "this store has nothing to put a threshold on (see the tuner's panel)"
            )
        t = self.current_threshold()
        p = sw.at(t)
        self.point = p
        # the slider's own number (its format): "≥ 166.3" beside a slider reading "166" said two thresholds
        fmt = self.threshold.readout_format
        where = (
            ", ".join(f"{bidi(a)} {'no rule' if v is None else format(v, fmt)}" for a, v in t.items())
            if isinstance(t, dict)
            else format(t, fmt)
            if t is not None
            else ""
        )
        at = (
            "With no rule (the slider past every value)"
            if t is None
            else f"At {esc(sw.signal)} {'≤' if sw.direction == 'below' else '≥'} {where}"
        )
        self.agent_note.value = (
            _no_rule_note(t, self._past_every, fmt)
            + (_per_agent_why(sw, t, fmt) if t == self._agent_opened else "")
            if isinstance(t, dict)
            else ""
        )
        for s in self.agent_sliders.children:  # (a handle on "no rule" drawn apart from one on a threshold)
            (s.add_class if self._off(s.value) else s.remove_class)("wb-no-rule")
        if sw.n_failures >= sw.n_runs:
            # every run failed (Who&When, an incident export): no escalation can be false, so each threshold's
            # precision is 100 % and escalating every run is "cheapest": figures the data cannot give
            priced = (
                "precision and expected cost not measured: <b>no successful run</b> here, so no escalation "
                "can be counted as false and escalating every run would look free (label some successful "
                "runs of the same system)"
            )
        else:
            # the cost's unit: "expected cost 9,380.0" named neither what one unit is nor over how many runs. The
            # best's cost is the recommended slider position's (the advice line's): the sweep's exact best (2,796.3)
            # lies off the slider's grid, and "best 9,380.0" sat beside a recommended 2,800 costing 9,399
            best = point_at(sw, self.recommended).cost if self.recommended is not None else sw.best.cost
            # (no run escalated: no precision to measure; "precision 0.0%" read as every escalation a false one)
            precise = f"precision {p.precision:.1%}" if p.escalated_runs else "precision: no run escalated"
            priced = (
                f"{precise} · expected cost <b>{p.cost:,.1f}</b> over the {sw.n_runs:,} runs, "
                f"at {plain(sw.cost_review)} a review and {plain(sw.cost_failure)} a missed failure "
                f"({'best within the ' + _share(sw.budget) + ' review budget' if sw.budget else 'best'} "
                f"{best:,.1f})"
            )
        caught = (
            f"failures caught <b>{p.recall:.1%}</b> ({p.failures_caught:,} of {sw.n_failures:,})"
            if sw.n_failures
            else "failures caught: <b>no failed run</b> to catch"
        )
        # a failed run escalated only after its labelled culprit step is not caught (the damage was done): on
        # Who&When "1 of 5 escalated" beside "failures caught 0 of 5", every run failed, read as a miscount
        late = p.escalated_runs - p.false_escalations - p.failures_caught
        if late > 0:
            caught += (
                f" · <span class='wb-tuner-late'>{counted(late, 'failed run')} escalated too late: only "
                f"after {'its' if late == 1 else 'their'} labelled culprit step</span>"
            )
        self.readout.value = (
            f"<div style='font-size:14px'>{at}: "
            f"escalation rate <b class='wb-escalation-rate'>{p.escalation_rate:.1%}</b> of runs "
            f"({p.escalated_runs:,} of {sw.n_runs:,}; {p.step_escalation_rate:.2%} of steps) · "
            f"{caught} · {priced}</div>{_over_budget(sw, p, fmt)}{_every_run(sw, p)}"
        )
        if self.escalated is not None:
            self.escalated.show(sw, t, fmt)
        self._say_stale(t)
        self.advice.value = _advice(
            sw, self.recommended, fmt, per_agent=isinstance(t, dict), no_rule=self.no_rule
        )
        self.to_recommended.layout.display = (
            None
            if self.recommended is not None
            and not isinstance(t, dict)
            and self.threshold.value != self.recommended
            else "none"
        )
        single = None if isinstance(t, dict) else t
        if self.sweep_chart is not None:
            with self.sweep_chart.hold_sync():
                self.sweep_chart.params.cur_x, self.sweep_chart.params.cur_y = p.escalation_rate, p.recall
            for c in (
                c for c in (self.cost_chart, self.load_chart, self.hist_chart) if c in self.charts.children
            ):
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

    def _say_stale(self, t: Any) -> None:
        """The policy shown was written at other thresholds (or of another system or signal): said so, not left
        reading as the file for the sliders now (its rule at 33.8 stood under sliders moved to "no rule")."""
        was = getattr(self, "_exported", None)
        if was is None or was[:3] == (self.system.value, self.sweep.signal if self.sweep else None, repr(t)):
            return
        self._exported = None
        self.policy_view.value = (
            f"<div class='wb-stale'><i>{esc(was[3])} holds the rule exported before the last "
            "change, not the threshold set now: Export policy again to write it.</i></div>"
        )

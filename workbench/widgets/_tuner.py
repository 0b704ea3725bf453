"""ThresholdTuner: move a HITL threshold and see what it costs, live; export it as a policy."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from .. import plots
from ..exceptions import InvalidParameterError
from ..store._own_connection import fetch
from ._escalated import EscalatedRuns
from ._html import STYLE, esc, pre
from ._layout import control_row
from ._review_load import ReviewLoadView, empty_store_html, missing_outcomes_html
from ._systems import system_picker
from ._tuner_curves import PricedCurves
from ._tuner_moves import SliderMoves
from ._tuner_words import (
    _budget_note,
    _capabilities_html,
)

if TYPE_CHECKING:
    from ..thresholds import SweepPoint, ThresholdSweep
    from ..workspace import Workspace
    from ._explorer import IncidentExplorer


class ThresholdTuner(PricedCurves, SliderMoves, w.VBox):
    """Tune when runs go to a human: a slider on a step signal (one per agent when chosen), the
    costs of a review and of a missed failure, and live views — escalation rate vs failures caught
    with the current point, the cost curve with its minimum, the signal's histogram by outcome,
    and the calibration of confidence; the runs the threshold sends to a human, each one "Open in explorer" away
    (in ``explorer``, or one opened below the list). "Export policy" writes the rule(s) as YAML and shows it.

    The sweep is computed once per signal and cost (DuckDB); moving a slider is a lookup
    (``ThresholdSweep.at``) and moves the charts' current marks through chart params, without
    redrawing them.
    """

    def __init__(
        self,
        ws: Workspace,
        signal: str | None = None,
        cost_review: float = 1.0,
        cost_failure: float = 20.0,
        budget: float | None = None,
        policy_path: str = "policy.yaml",
        system: str | None = None,
        explorer: IncidentExplorer | None = None,
    ) -> None:
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
        if not self.signals:  # nothing to price: say what is missing, show what the logs carry
            self._unpriced(have, signal, policy_path)
            return
        if signal is not None and signal not in self.signals:
            raise InvalidParameterError(
                f"signal: no step of this store has {signal!r}; signals here: {', '.join(self.signals)}"
            )
        start = signal or ("entropy" if "entropy" in self.signals else self.signals[0])
        self.signal = w.Dropdown(description="signal", options=self.signals, value=start)
        self.per_agent = w.Checkbox(description="one threshold per agent", value=False)
        # (sweep_thresholds' keep_shared; shown with the per-agent sliders only)
        self.keep_shared = w.Checkbox(
            description="keep the shared threshold for agents whose steps never meet it",
            value=False,
            indent=False,
            layout=w.Layout(width="auto", display="none"),
        )
        self.per_agent.observe(
            lambda c: setattr(self.keep_shared.layout, "display", None if c["new"] else "none"), names="value"
        )
        self.system.observe(lambda _: self._on_system(), names="value")
        self.cost_review = w.BoundedFloatText(
            description="review cost", value=cost_review, min=0, max=1e9, layout=w.Layout(width="190px")
        )
        self.cost_failure = w.BoundedFloatText(
            description="failure cost", value=cost_failure, min=0, max=1e9, layout=w.Layout(width="190px")
        )
        self.budget = w.BoundedFloatText(
            description="max review",
            value=budget or 0.0,
            min=0,
            max=1,
            step=0.01,
            tooltip="highest share of runs sent to a human (0: no limit)",
            layout=w.Layout(width="190px"),
        )
        self.threshold = w.FloatSlider(
            description="threshold",
            continuous_update=True,
            readout_format=".3f",
            layout=w.Layout(width="560px", max_width="calc(100% - 4px)"),
        )
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
        self.capabilities = w.HTML(_capabilities_html(ws, runs=self._runs()))  # (the system picked's)
        self.capabilities.add_class("wb-tuner-capabilities")
        self.readout = w.HTML()
        self.readout.add_class("wb-tuner-readout")
        # the threshold the tuner opened on, and why: moved away from, the readout said only "(best within the 10%
        # review budget 9,380.0)", a cost, and no way back but finding it again on the slider
        self.recommended: float | None = None
        self.no_rule = False  # no threshold pays: ``recommended`` is the no-review point, exported as no rule
        self.advice = w.HTML()
        self.advice.add_class("wb-tuner-recommended")
        self.to_recommended = w.Button(
            description="back to the recommended threshold", icon="undo", layout=w.Layout(width="auto")
        )
        self.to_recommended.on_click(lambda _: self.recommend())
        # the runs the threshold sends to a human, each one click from the explorer (the readout only counted them)
        self.escalated = EscalatedRuns(ws, explorer)
        self.sweep_chart: Any = None
        self.cost_chart: Any = None
        self.load_chart: Any = None  # instead of the cost chart where no run succeeded (see _priced)
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
        self.budget.observe(
            lambda c: setattr(self.budget_note, "value", _budget_note(c["new"])), names="value"
        )
        self._quiet_signal = False
        for c in (
            self.signal,
            self.per_agent,
            self.keep_shared,
            self.cost_review,
            self.cost_failure,
            self.budget,
        ):
            c.observe(lambda _: None if self._quiet_signal else self.recompute(), names="value")
        self._quiet = False
        self.threshold.observe(lambda c: None if self._quiet else self.move(c["new"]), names="value")
        self.export.on_click(lambda _: self.export_policy())
        super().__init__(
            [
                w.HTML(STYLE + "<b>Threshold tuner</b> — when should a run go to a human?"),
                self.capabilities,
                control_row(
                    [self.system, self.signal, self.per_agent, self.keep_shared]
                ),  # (wraps: past 1000 px)
                control_row([self.cost_review, self.cost_failure, self.budget, self.budget_note]),
                self.threshold,
                self.agent_sliders,
                self.agent_note,
                self.advice,
                self.to_recommended,
                self.readout,
                self.escalated,
                self.charts,
                self.calibration,
                control_row([self.path, self.export]),
                self.policy_view,
            ]
        )
        self.add_class("wb-threshold-tuner")
        self._calibration()
        self._opening = budget is None  # no budget asked for: an unpriced store opens on one (see _priced)
        self.recompute()

    def _runs(self) -> list[str] | None:
        """The runs of the system picked (None: one system, every run)."""
        if self.system.value is None:
            return None
        return [
            r
            for (r,) in fetch(
                self.ws.con, "SELECT run_id FROM runs WHERE coalesce(system, '') = ?", [self.system.value]
            )
        ]

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
            self.ws.con,
            "SELECT count(*), count(*) FILTER (WHERE outcome IN ('success', 'failure')) FROM runs",
        )[0]
        anywhere = set(have.loc[have["all_steps"] > 0, "signal"])
        offered = [s for s in REVIEW_SIGNALS if s in anywhere]
        if signal is not None and signal not in offered:
            raise InvalidParameterError(
                f"signal: no step of this store has {signal!r}; signals here: {', '.join(offered) or 'none'}"
            )
        self.missing = w.HTML(
            empty_store_html() if not runs else missing_outcomes_html(runs, known, bool(offered))
        )
        self.missing.add_class("wb-tuner-missing-panel")
        self.capabilities = w.HTML(_capabilities_html(self.ws, expanded=False) if runs else "")
        self.capabilities.add_class("wb-tuner-capabilities")
        parts: list[Any] = [
            w.HTML(STYLE + "<b>Threshold tuner</b> — when should a run go to a human?"),
            self.missing,
            self.capabilities,
        ]
        if runs and offered:
            self.review = ReviewLoadView(self.ws, offered, signal, policy_path)
            self.signal, self.threshold = self.review.signal, self.review.threshold
            self.readout, self.charts = self.review.readout, self.review.charts
            self.path, self.export, self.policy_view = (
                self.review.path,
                self.review.export,
                self.review.policy_view,
            )
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

    # -- export ----------------------------------------------------------------------------------
    def export_policy(self, path: str | Path | None = None) -> Any:
        """Write a policy with the current HITL rule(s) as YAML to ``path`` (the text box's by
        default) and show it; return the Policy. On a store without outcomes: the rule at the current
        threshold, chosen on review load alone (its provenance says so)."""
        if self.review is not None:
            return self.review.export_policy(path)
        if self.sweep is None:
            raise InvalidParameterError(
                "this store has nothing to put a threshold on (see the tuner's panel)"
            )
        t = self.current_threshold()
        # at the no-review point the policy has no rule (and its provenance says why), not one that never fires
        policy = self.sweep.to_policy(None if t is None or (self.no_rule and t == self.recommended) else t)
        if self.system.value:  # the rule of one system's runs: the file says which
            policy = policy.replace(name=self.system.value)
        target = Path(path if path is not None else self.path.value)
        text = policy.to_yaml(target)
        self.policy_view.value = f"<b>Wrote {esc(target)}</b>" + pre(text)
        self._exported = (self.system.value, self.sweep.signal, repr(t), str(target))
        return policy


# Signals that count (tool calls, retries, hand-offs so far; chain depth): their thresholds are whole numbers.

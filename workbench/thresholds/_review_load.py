"""Review load per threshold on runs of any outcome: what a HITL threshold would send to a human.

A sweep prices a threshold by the failures it catches, so it reads only runs labelled success or
failure. Raw production traces have none (every root span unset), yet what a threshold would cost in
reviews is known from the steps alone: this reads every run, with the sweep's own step rule (the same
SQL: a step enclosing others carries no signal) and the same "at or past the threshold" test.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InvalidParameterError
from ..policy._model import SIGNALS, default_direction
from ..store._outcomes import with_run_outcomes
from ._handoff_signal import handoff_signal
from ._threshold_sweep import _threshold

_SQL = resources.files(__package__).joinpath("sql")
# The sweep's step queries, read with $every_run true: the runs of unknown outcome too.
_STEPS_SQL = with_run_outcomes(_SQL.joinpath("signal_steps.sql").read_text("utf-8"))
_COLUMN_SQL = with_run_outcomes(_SQL.joinpath("column_steps.sql").read_text("utf-8"))
_RUNNING = ("tool_calls", "retries")
_SIGNAL_CASE = "CASE $signal " + " ".join(f"WHEN '{s}' THEN {s}" for s in SIGNALS) + " END"
_MAX_POINTS = 400
# every signal a HITL rule reads, handoffs too (a replay of what the steps stated: _handoff_signal.py)
REVIEW_SIGNALS = SIGNALS


class ReviewLoad:
    """How many runs (and steps) a threshold on ``signal`` would send to a human, over every run of
    the store whatever its outcome. ``curve``: one row per candidate threshold (``threshold,
    escalated_runs, escalation_rate, escalated_steps, step_escalation_rate``); :meth:`at` looks any
    threshold up. Nothing here says which failures a threshold catches: that needs outcomes."""

    def __init__(
        self, signal: str, direction: str, runs_x: np.ndarray, steps_x: np.ndarray, n_runs: int, n_steps: int
    ) -> None:
        self.signal, self.direction = signal, direction
        self._sign = -1.0 if direction == "below" else 1.0
        self._runs = np.sort(runs_x)
        self._steps = np.sort(steps_x)
        self.n_runs, self.n_steps = n_runs, n_steps
        self.runs_with_signal = int(np.isfinite(runs_x).sum())
        candidates = np.unique(runs_x[np.isfinite(runs_x)])
        if len(candidates) > _MAX_POINTS:
            candidates = np.unique(np.quantile(candidates, np.linspace(0, 1, _MAX_POINTS), method="nearest"))
        runs = len(self._runs) - np.searchsorted(self._runs, candidates, "left")
        steps = len(self._steps) - np.searchsorted(self._steps, candidates, "left")
        self.curve = pd.DataFrame(
            {
                "threshold": self._sign * candidates,
                "escalated_runs": runs,
                "escalation_rate": runs / max(n_runs, 1),
                "escalated_steps": steps,
                "step_escalation_rate": steps / max(n_steps, 1),
            }
        ).sort_values("threshold", ascending=direction == "above", ignore_index=True)

    def at(self, threshold: float | None) -> dict[str, float]:
        """Runs and steps at or past ``threshold`` (at or below it for direction ``below``; None: no escalation)."""
        # (as ThresholdSweep.at: NaN escalated nothing unseen, True was read as 1)
        t = (
            np.inf
            if threshold is None
            else self._sign * _threshold(threshold, None, self.signal, self.direction)
        )
        runs = len(self._runs) - int(np.searchsorted(self._runs, t, "left"))
        steps = len(self._steps) - int(np.searchsorted(self._steps, t, "left"))
        return {
            "escalated_runs": runs,
            "escalation_rate": runs / self.n_runs if self.n_runs else 0.0,
            "escalated_steps": steps,
            "step_escalation_rate": steps / self.n_steps if self.n_steps else 0.0,
        }

    def threshold_for(self, share: float) -> float | None:
        """The loosest threshold sending at most ``share`` of the runs to a human (``None``: none does)."""
        ok = self.curve[self.curve["escalation_rate"] <= share]
        if ok.empty:
            return None
        return float(ok["threshold"].iloc[-1])

    def __repr__(self) -> str:
        return (
            f"<ReviewLoad {self.signal} ({self.direction}): {self.n_runs} runs, {self.runs_with_signal} "
            f"carry it, {self.n_steps} steps>"
        )


def review_load(ws: Any, signal: str, direction: str | None = None) -> ReviewLoad:
    """The review load of a HITL threshold on ``signal`` over every run of ``ws`` (outcome known or
    not): for each threshold, the runs with a step at or past it (``direction``: ``above`` by default,
    ``below`` for confidence) and the steps past it. For stores without outcomes, where
    :func:`sweep_thresholds` cannot price anything."""
    if signal not in REVIEW_SIGNALS:
        raise InvalidParameterError(f"signal must be one of {', '.join(REVIEW_SIGNALS)} (got {signal!r})")
    direction = direction or default_direction(signal)
    if direction not in ("above", "below"):
        raise InvalidParameterError(f"direction must be 'above' or 'below' (got {direction!r})")
    sign = -1.0 if direction == "below" else 1.0
    con = ws.con.cursor()
    try:
        # one pass over the steps: every step that can carry a signal, its value (NULL: none, or not finite)
        if signal == "handoffs":  # what each step stated decides it: replayed as the guard reads it
            hand = handoff_signal(con, every_run=True)  # noqa: F841 - read by the statement below, by name
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _rl_x AS SELECT run_id, handoffs * $sign AS x FROM hand",
                {"sign": sign},
            )
        else:
            source = _STEPS_SQL if signal in _RUNNING else _COLUMN_SQL
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE _rl_x AS SELECT run_id, CASE WHEN isfinite(v) THEN v * $sign "
                f"END AS x FROM (SELECT run_id, {_SIGNAL_CASE} AS v FROM ({source}) st)",
                {"signal": signal, "sign": sign, "every_run": True, "silent": True},
            )
        steps_x = con.execute("SELECT x FROM _rl_x WHERE x IS NOT NULL").fetchnumpy()["x"]
        runs_x = con.execute(
            "SELECT max(v.x) AS x FROM runs r LEFT JOIN _rl_x v USING (run_id) GROUP BY r.run_id"
        ).df()["x"]
        n_steps = con.execute("SELECT count(*) FROM _rl_x").fetchall()[0][0]
        con.execute("DROP TABLE _rl_x")
    finally:
        con.close()
    runs = runs_x.astype(float).fillna(-np.inf).to_numpy(dtype=float)
    return ReviewLoad(signal, direction, runs, np.asarray(steps_x, dtype=float), len(runs), int(n_steps))

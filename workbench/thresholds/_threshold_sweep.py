"""A threshold sweep's result (``sweep_thresholds``): every candidate threshold's runs sent to a human and failures
caught, looked up by binary search in sorted arrays (:meth:`ThresholdSweep.at`), the best threshold (one, or one per
agent) and the policy holding it."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._params import is_number
from ..exceptions import InvalidParameterError
from ..policy._model import threshold_out_of_range
from ._sweep_policy import SweepPolicy

_MAX_POINTS = 400


@dataclass(frozen=True)
class SweepPoint:
    """The sweep at one threshold (or one threshold per agent)."""

    threshold: float | dict[str, float | None] | None
    escalated_runs: int
    escalation_rate: float
    escalated_steps: int
    step_escalation_rate: float
    failures_caught: int
    false_escalations: int
    precision: float
    recall: float
    cost: float

    def __repr__(self) -> str:
        # the dataclass repr wrote rates as 0.6666666666666666: four significant digits say as much
        def short(v: Any) -> str:
            if isinstance(v, float):
                return format(v, ".4g")
            if isinstance(v, dict):
                return "{" + ", ".join(f"{k!r}: {short(x)}" for k, x in v.items()) + "}"
            return repr(v)

        return (
            "SweepPoint("
            + ", ".join(f"{f}={short(getattr(self, f))}" for f in self.__dataclass_fields__)
            + ")"
        )

    def __str__(self) -> str:
        """One readable line (the repr gives every field and every agent's threshold)."""
        t = self.threshold
        if t is None:
            at = "no escalation"
        elif isinstance(t, dict):
            on = {a: v for a, v in t.items() if v is not None}
            at = (
                "per agent: "
                + ", ".join(f"{a} {v:.4g}" for a, v in sorted(on.items())[:6])
                + (f", … {len(on) - 6} more" if len(on) > 6 else "")
                + (f" ({len(t) - len(on)} agents never)" if len(t) > len(on) else "")
            )
        else:
            at = f"threshold {t:.4g}"
        return (
            f"{at}: escalates {self.escalated_runs:,} runs ({self.escalation_rate:.1%}), "
            f"{self.escalated_steps:,} steps ({self.step_escalation_rate:.1%}); catches {self.failures_caught:,} "
            f"failures (recall {self.recall:.1%}, precision {self.precision:.1%}), "
            f"{self.false_escalations:,} false escalations; cost {self.cost:g}"
        )


class ThresholdSweep(SweepPolicy):
    """A computed sweep. ``curve`` is a tidy DataFrame; :meth:`at` looks any threshold up.

    Attributes
    ----------
    curve : DataFrame
        One row per candidate threshold: ``threshold, escalated_runs, escalation_rate,
        escalated_steps, step_escalation_rate, failures_caught, false_escalations, precision, recall,
        cost``.
    best : SweepPoint
        The cheapest threshold (within ``budget`` when one was given).
    best_per_agent : SweepPoint or None
        With ``per_agent=True``: one threshold per agent, chosen jointly.
    signals_available : DataFrame
        Every signal and how many steps of this store carry it.
    """

    def __init__(
        self,
        *,
        signal: str,
        direction: str,
        cost_review: float,
        cost_failure: float,
        budget: float | None,
        per_run: pd.DataFrame,
        steps_x: np.ndarray,
        n_steps: int,
        per_agent_runs: pd.DataFrame | None,
        signals: pd.DataFrame,
        store: str,
        agent_steps: dict[str, np.ndarray] | None = None,
        silent: bool = True,
        keep_shared: bool = False,
    ) -> None:
        self.signal, self.direction, self.budget = signal, direction, budget
        self.keep_shared = keep_shared  # per agent: agents never meeting the shared threshold keep it
        self.silent = silent  # whether runs taken as failed (silent failures) count as failed
        self.cost_review, self.cost_failure = cost_review, cost_failure
        self.signals_available = signals
        self.store = store
        self._sign = -1.0 if direction == "below" else 1.0
        failed = per_run["failed"].to_numpy(dtype=bool)
        x_all = per_run["x_all"].to_numpy(dtype=float, na_value=-np.inf)
        x_pre = per_run["x_pre"].to_numpy(dtype=float, na_value=-np.inf)
        self.n_runs, self.n_failures = len(per_run), int(failed.sum())
        # per run, for escalated(): which runs a threshold sends to a human (the counts above are searches in the
        # sorted copies; a reviewer asks for the runs themselves)
        self._run_ids = per_run["run_id"].to_numpy(dtype=object)
        self._run_failed, self._run_all, self._run_pre = failed, x_all, x_pre
        self.n_steps = n_steps
        self._all = np.sort(x_all)
        self._fail_all = np.sort(x_all[failed])
        self._fail_pre = np.sort(x_pre[failed])
        self._steps = steps_x
        candidates = np.unique(np.concatenate([x_all[np.isfinite(x_all)], x_pre[np.isfinite(x_pre)]]))
        # The optimum is searched over every candidate; the curve shown keeps at most _MAX_POINTS.
        self.best = self._best(self._curve(candidates))
        if len(candidates) > _MAX_POINTS:
            candidates = np.unique(np.quantile(candidates, np.linspace(0, 1, _MAX_POINTS), method="nearest"))
        self.curve = self._curve(candidates)
        self.best_per_agent = None
        self.agents: list[str] = []
        if per_agent_runs is not None:
            from ._per_agent import optimise_per_agent

            self.agents, self._agent_all, self._agent_pre = _agent_matrix(per_run, per_agent_runs)
            self._failed = failed
            self._agent_steps = agent_steps or {}
        if self.agents:  # a store whose steps name no agent has no per-agent choice to make
            start = None if self.best.threshold is None else self._sign * float(self.best.threshold)
            chosen = optimise_per_agent(
                self._agent_all, self._agent_pre, failed, self._objective, start, keep_shared=keep_shared
            )
            self.best_per_agent = self.at(
                {a: (None if t is None else self._sign * t) for a, t in zip(self.agents, chosen, strict=True)}
            )

    def agent_runs(self) -> pd.DataFrame:
        """Per agent (a sweep made with ``per_agent=True``): in how many failed runs its steps carry the signal in
        time (at or before the run's decisive step), and in how many other runs at all: what its own threshold is
        chosen from (``attrs["failed_runs"]``: failed runs carrying it in time, any agent's steps). One failed run
        cannot tell one agent's threshold from another's."""
        if not self.agents:
            frame = pd.DataFrame({"agent": [], "failed_runs": [], "other_runs": []})
        else:
            has_pre, has_all = np.isfinite(self._agent_pre), np.isfinite(self._agent_all)
            frame = pd.DataFrame(
                {
                    "agent": self.agents,
                    "failed_runs": (has_pre & self._failed[:, None]).sum(axis=0),
                    "other_runs": (has_all & ~self._failed[:, None]).sum(axis=0),
                }
            )
        # (and of any agent or none: the failed runs the signal can catch at all)
        frame.attrs["failed_runs"] = int(np.isfinite(self._run_pre[self._run_failed]).sum())
        return frame

    # -- lookups ------------------------------------------------------------------------------
    def at(self, threshold: float | dict[str, float | None] | None) -> SweepPoint:
        """The sweep at ``threshold`` (``None``: no escalation; a dict: one threshold per agent, for
        a sweep made with ``per_agent=True``). A few binary searches: microseconds."""
        if isinstance(threshold, dict):
            return self._at_agents(threshold)
        if threshold is None:
            esc = caught = steps = fail_esc = 0
        else:
            t = self._sign * self._given(threshold)
            esc = self.n_runs - int(np.searchsorted(self._all, t, "left"))
            fail_esc = len(self._fail_all) - int(np.searchsorted(self._fail_all, t, "left"))
            caught = len(self._fail_pre) - int(np.searchsorted(self._fail_pre, t, "left"))
            steps = len(self._steps) - int(np.searchsorted(self._steps, t, "left"))
        return self._point(threshold, esc, caught, esc - fail_esc, steps)

    def escalated(self, threshold: float | dict[str, float | None] | None) -> pd.DataFrame:
        """The runs ``threshold`` sends to a human (as :meth:`at` counts them): ``run_id``, ``failed``, ``caught``
        (failed, and a step at or before its decisive step crossed), ``value`` (the run's most extreme value of the
        signal: its highest, or its lowest for ``direction="below"``; ``None`` per agent). Caught failures first,
        then failures caught too late, then successful runs (false escalations); within each, the most extreme
        value first."""
        if threshold is None:
            esc = caught = np.zeros(self.n_runs, dtype=bool)
        elif isinstance(threshold, dict):
            self._at_agents(threshold)  # (its checks: a per-agent sweep, known agents)
            t = np.asarray(
                [
                    np.inf if threshold.get(a) is None else self._sign * self._given(threshold[a], a)
                    for a in self.agents
                ]
            )
            esc = (self._agent_all >= t).any(axis=1)
            caught = (self._agent_pre >= t).any(axis=1) & self._run_failed
        else:
            t = self._sign * self._given(threshold)
            esc, caught = self._run_all >= t, (self._run_pre >= t) & self._run_failed
        value = None if isinstance(threshold, dict) else self._sign * self._run_all[esc]
        out = pd.DataFrame(
            {
                "run_id": self._run_ids[esc],
                "failed": self._run_failed[esc],
                "caught": caught[esc],
                "value": value,
            }
        )
        order = np.lexsort((-self._run_all[esc], ~out["failed"].to_numpy(), ~out["caught"].to_numpy()))
        return out.iloc[order].reset_index(drop=True)

    def _given(self, value: Any, agent: str | None = None) -> float:
        """A threshold given on this sweep's signal, checked (a number, finite, in the signal's range)."""
        return _threshold(value, agent, self.signal, self.direction)

    def _point(self, threshold: Any, esc: int, caught: int, false: int, steps: int) -> SweepPoint:
        return SweepPoint(
            threshold=threshold,
            escalated_runs=esc,
            escalation_rate=esc / self.n_runs if self.n_runs else 0.0,
            escalated_steps=steps,
            step_escalation_rate=steps / self.n_steps if self.n_steps else 0.0,
            failures_caught=caught,
            false_escalations=false,
            precision=caught / esc if esc else 0.0,
            recall=caught / self.n_failures if self.n_failures else 0.0,
            cost=self.cost_review * esc + self.cost_failure * (self.n_failures - caught),
        )

    def _at_agents(self, thresholds: dict[str, float | None]) -> SweepPoint:
        if not self.agents:
            raise InvalidParameterError("thresholds per agent need a sweep made with per_agent=True")
        unknown = set(thresholds) - set(self.agents)
        if unknown:
            raise InvalidParameterError(
                f"no agent {sorted(unknown)[0]!r} in this sweep (agents: {', '.join(self.agents)})"
            )
        cols = [
            np.inf if thresholds.get(a) is None else self._sign * self._given(thresholds[a], a)
            for a in self.agents
        ]
        t = np.asarray(cols)
        esc = (self._agent_all >= t).any(axis=1)
        caught = (self._agent_pre >= t).any(axis=1) & self._failed
        steps = sum(
            len(arr) - int(np.searchsorted(arr, t[j], "left"))
            for j, a in enumerate(self.agents)
            if (arr := self._agent_steps.get(a)) is not None
        )
        return self._point(
            dict(thresholds), int(esc.sum()), int(caught.sum()), int((esc & ~self._failed).sum()), steps
        )

    def _objective(self, esc: np.ndarray, caught: np.ndarray) -> np.ndarray:
        cost = self.cost_review * esc + self.cost_failure * (self.n_failures - caught)
        if self.budget is not None:
            cost = np.where(esc <= self.budget * self.n_runs, cost, np.inf)
        return cost

    # -- the curve ----------------------------------------------------------------------------
    def _curve(self, xs: np.ndarray) -> pd.DataFrame:
        def above(sorted_arr: np.ndarray) -> np.ndarray:
            return len(sorted_arr) - np.searchsorted(sorted_arr, xs, "left")

        esc, fail_esc, caught, steps = (
            above(self._all),
            above(self._fail_all),
            above(self._fail_pre),
            above(self._steps),
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            frame = pd.DataFrame(
                {
                    "threshold": self._sign * xs,
                    "escalated_runs": esc,
                    "escalation_rate": esc / max(self.n_runs, 1),
                    "escalated_steps": steps,
                    "step_escalation_rate": steps / max(self.n_steps, 1),
                    "failures_caught": caught,
                    "false_escalations": esc - fail_esc,
                    "precision": np.where(esc > 0, caught / np.maximum(esc, 1), 0.0),
                    "recall": caught / max(self.n_failures, 1),
                    "cost": self.cost_review * esc + self.cost_failure * (self.n_failures - caught),
                }
            )
        return frame.sort_values("threshold", ascending=self.direction == "above", ignore_index=True)

    def _best(self, c: pd.DataFrame) -> SweepPoint:
        ok = c if self.budget is None else c[c["escalation_rate"] <= self.budget]
        none = self.at(None)
        if ok.empty or ok["cost"].min() >= none.cost:
            return none
        return self.at(float(ok.loc[ok["cost"].idxmin(), "threshold"]))

    # -- outputs ------------------------------------------------------------------------------
    def calibration(self, ws: Any, n_bins: int = 10) -> pd.DataFrame:
        """Reliability of ``confidence`` against run outcomes, counted as this sweep counts them
        (see :func:`confidence_calibration`)."""
        from ._calibration import confidence_calibration

        return confidence_calibration(ws, n_bins=n_bins, silent=self.silent)

    def __repr__(self) -> str:
        b = self.best
        at = (
            "no escalation"
            if b.threshold is None
            else f"{self.signal} {'<=' if self._sign < 0 else '>='} {b.threshold:.4g}"
        )
        why = f" ({self._why_no_rule()})" if b.threshold is None else ""
        counted = "" if self.silent else " (as reported, silent failures not counted)"
        return (
            f"<ThresholdSweep {self.signal}: {self.n_runs} runs, {self.n_failures} failed{counted}; best: {at}, "
            f"escalating {b.escalation_rate:.1%} of runs, recall {b.recall:.0%}, cost {b.cost:g}{why}>"
        )

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(repr(self))}</p>"


def _threshold(value: Any, agent: str | None = None, signal: str = "", direction: str = "") -> float:
    """A threshold a caller gives ``at`` / ``escalated`` / ``to_policy``: a finite number, within ``signal``'s range
    (a confidence in [0, 1], an entropy 0 or more). NaN escalated nothing unseen (every comparison with it false),
    ``True`` was read as 1 and ``"high"`` raised float()'s ValueError; a confidence of 1.5 escalated every run, the
    policy file then refused; ``None`` is the way to say no escalation."""
    where = "threshold" if agent is None else f"threshold[{agent!r}]"
    if not is_number(value):
        raise InvalidParameterError(
            f"{where} must be a number, or None for no escalation (got {type(value).__name__} {value!r})"
        )
    if not math.isfinite(value):
        raise InvalidParameterError(
            f"{where} must be a finite number, or None for no escalation (got {value!r})"
        )
    why = threshold_out_of_range(signal, float(value), direction)
    if why is not None:
        raise InvalidParameterError(f"{where}: {why} (None: no escalation)")
    return float(value)


def _agent_matrix(per_run: pd.DataFrame, rows: pd.DataFrame) -> tuple[list[str], np.ndarray, np.ndarray]:
    rows = rows[rows["agent"].notna()]
    agents = sorted(rows["agent"].unique().tolist())
    index = {r: i for i, r in enumerate(per_run["run_id"])}
    col = {a: j for j, a in enumerate(agents)}
    all_m = np.full((len(per_run), len(agents)), -np.inf)
    pre_m = np.full((len(per_run), len(agents)), -np.inf)
    # as integers: a store whose steps name no agent gives empty (float) arrays, which numpy refuses as indices
    ri = rows["run_id"].map(index).to_numpy(dtype=np.intp)
    ci = rows["agent"].map(col).to_numpy(dtype=np.intp)
    all_m[ri, ci] = rows["x_all"].to_numpy(dtype=float, na_value=-np.inf)
    pre_m[ri, ci] = rows["x_pre"].to_numpy(dtype=float, na_value=-np.inf)
    return agents, all_m, pre_m

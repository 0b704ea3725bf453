"""Threshold sweeps: for every threshold on a step signal, who would have gone to a human.

The store is read once (DuckDB computes each step's signal, each run's extreme value before its
decisive step and anywhere, and sorts the step values); after that, moving the threshold is a binary
search in sorted arrays (:meth:`ThresholdSweep.at`), so a slider over millions of steps stays live.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from .._params import is_number
from ..exceptions import InvalidParameterError
from ..policy._model import SIGNALS, HitlRule, Policy, Provenance, default_direction, threshold_out_of_range
from ..policy._readable import escalating_same, readable
from ..store._outcomes import RUN_OUTCOMES_SQL, learn_scope, learning, run_ids, silent_flag, with_run_outcomes
from ..store._own_connection import own_cursor
from ..store._run_scope import run_scope
from ._handoff_signal import handoff_signal
from ._runs_given import refuse_empty

_SQL = resources.files(__package__).joinpath("sql")
# Each reads {run_outcomes} (store/sql/run_outcomes.sql): $silent chooses what counts as failed, and
# $learn_scoped whether only the runs learned from (sweep_thresholds' runs) have a known outcome.
_STEPS_SQL = learning(with_run_outcomes(_SQL.joinpath("signal_steps.sql").read_text("utf-8")))
_COLUMN_SQL = learning(with_run_outcomes(_SQL.joinpath("column_steps.sql").read_text("utf-8")))
_COUNT_SQL = learning(with_run_outcomes(_SQL.joinpath("signal_counts.sql").read_text("utf-8")))
_DECISIVE_SQL = learning(with_run_outcomes(_SQL.joinpath("decisive.sql").read_text("utf-8")))
_RUNNING = ("tool_calls", "retries", "handoffs")    # counts that need the window query (handoffs: a replay)
_SIGNAL_CASE = "CASE $signal " + " ".join(f"WHEN '{s}' THEN {s}" for s in SIGNALS) + " END"
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

        return "SweepPoint(" + ", ".join(f"{f}={short(getattr(self, f))}" for f in self.__dataclass_fields__) + ")"

    def __str__(self) -> str:
        """One readable line (the repr gives every field and every agent's threshold)."""
        t = self.threshold
        if t is None:
            at = "no escalation"
        elif isinstance(t, dict):
            on = {a: v for a, v in t.items() if v is not None}
            at = "per agent: " + ", ".join(f"{a} {v:.4g}" for a, v in sorted(on.items())[:6]) + (
                f", … {len(on) - 6} more" if len(on) > 6 else "") + (
                f" ({len(t) - len(on)} agents never)" if len(t) > len(on) else "")
        else:
            at = f"threshold {t:.4g}"
        return (f"{at}: escalates {self.escalated_runs:,} runs ({self.escalation_rate:.1%}), "
                f"{self.escalated_steps:,} steps ({self.step_escalation_rate:.1%}); catches {self.failures_caught:,} "
                f"failures (recall {self.recall:.1%}, precision {self.precision:.1%}), "
                f"{self.false_escalations:,} false escalations; cost {self.cost:g}")


def available_signals(ws: Any, silent: bool = True, runs: Any = None) -> pd.DataFrame:
    """Which signals this store's steps carry: ``signal``; ``steps`` with a value in runs of known
    outcome (what a sweep can use); ``share`` of those steps; ``all_steps`` with a value in any run;
    ``note``: why a signal a sweep cannot use is missing (no step carries it, or only runs of unknown
    outcome do: most traces leave every root span unset, and a sweep prices a threshold by the
    failures it catches). ``silent``: a run taken as failed (a silent failure) has a known outcome
    whatever its log reported (see :func:`sweep_thresholds`). ``runs``: only these runs' outcomes are known
    (ids, or a frame of ``ws.runs(...)``; see :func:`sweep_thresholds`)."""
    silent = silent_flag(silent, "available_signals")
    runs = run_ids(ws, runs, "available_signals")
    refuse_empty(ws, runs, "available_signals")
    con = ws.con.cursor()
    try:
        scoped = learn_scope(con, runs)
        # Running counts exist wherever steps do: count them as the steps themselves (no window needed).
        known = ", ".join("count(*) FILTER (WHERE known)" if s in _RUNNING else f"count({s}) FILTER (WHERE known)"
                          for s in SIGNALS)
        every = ", ".join("count(*)" if s in _RUNNING else f"count({s})" for s in SIGNALS)
        counts = con.execute(f"SELECT count(*) FILTER (WHERE known), {known}, {every} FROM ({_COUNT_SQL})",
                             {"silent": silent, "learn_scoped": scoped}).fetchall()[0]
    finally:
        con.close()
    total, n = counts[0], len(SIGNALS)
    rows = []
    for signal, steps, anywhere in zip(SIGNALS, counts[1:n + 1], counts[n + 1:], strict=True):
        if steps:
            note = ""
        elif anywhere:
            note = (f"only runs of unknown outcome carry it ({anywhere:,} steps): a sweep weighs reviews against "
                    "failures caught, so it needs runs labelled success or failure (ws.label, ws.label_file)")
        elif signal in ("confidence", "entropy"):
            note = "no step carries it (no token log-probabilities, nor workbench.confidence / workbench.entropy)"
        else:
            note = "no step carries it"
        rows.append((signal, int(steps), steps / total if total else 0.0, int(anywhere), note))
    return pd.DataFrame(rows, columns=["signal", "steps", "share", "all_steps", "note"])


def sweep_thresholds(ws: Any, signal: str = "entropy", per_agent: bool = False, cost_review: float = 1.0,
                     cost_failure: float = 20.0, budget: float | None = None,
                     direction: str | None = None, silent: bool = True, runs: Any = None,
                     keep_shared: bool = False) -> ThresholdSweep:
    """Sweep every threshold on a step signal: escalations, failures caught, cost.

    Parameters
    ----------
    ws : Workspace
    signal : str
        ``confidence``, ``entropy``, ``latency_ms``, ``tokens_in``, ``tokens_out``, ``cost`` (step
        columns) or ``tool_calls``, ``retries``, ``depth`` (counts so far in the run), ``handoffs``
        (hand-offs in a row that brought no new tool result or value: the hand-off breaker's count).
    per_agent : bool
        Also choose one threshold per agent, jointly, under ``budget`` (``sweep.best_per_agent``).
    cost_review, cost_failure : float
        Cost of one human review (an escalated run) and of one failure that goes through.
    budget : float, optional
        Highest share of runs that may be escalated (a review rate, e.g. 0.1); ``best`` respects it.
    keep_shared : bool
        Per agent: an agent none of whose steps here meets the best single threshold keeps that threshold (a rule
        in the policy, enforced on its later steps) instead of getting no rule (the default). The expected cost
        here is the same either way.
    direction : {"above", "below"}, optional
        Escalate when the value is at or above / at or below the threshold (default: below for
        confidence, above for the rest).
    silent : bool
        Count the runs taken as failed (silent failures: reported success, answer detached from the
        data; see :meth:`Workspace.runs`) as failed, as ``workbench investigate`` does (default): an
        escalation of one catches a failure. ``False``: the stored outcome only (labels, then what the
        log reported). The sweep's repr and a policy's provenance say which.
    runs : list of str or DataFrame, optional
        Learn from these runs only (ids, or the frame ``ws.runs(...)`` returns): the others count as runs
        of unknown outcome, so a threshold chosen here can be backtested on them (``wb.backtest(...,
        runs=...)``) in the same store. Every run by default.

    A failed run is *caught* when a step at or before its decisive step (the earliest labelled culprit
    step; anywhere when none is labelled) crosses the threshold. Runs of unknown outcome are left out.
    """
    silent = silent_flag(silent, "sweep_thresholds")
    if not isinstance(keep_shared, (bool, np.bool_)):   # ("false" is a true string: refused, not read)
        raise TypeError(f"sweep_thresholds: keep_shared must be True or False (got {keep_shared!r})")
    runs = run_ids(ws, runs, "sweep_thresholds")
    refuse_empty(ws, runs, "sweep_thresholds")
    if signal not in SIGNALS:
        raise InvalidParameterError(f"signal must be one of {', '.join(SIGNALS)} (got {signal!r})")
    direction = direction or default_direction(signal)
    if direction not in ("above", "below"):
        raise InvalidParameterError(f"direction must be 'above' or 'below' (got {direction!r})")
    for name, value in (("cost_review", cost_review), ("cost_failure", cost_failure)):
        if not value >= 0:
            raise InvalidParameterError(f"{name!r} must be >= 0 (got {value!r})")
    if budget is not None and not 0 < budget <= 1:
        raise InvalidParameterError(f"'budget' must be a share of runs in (0, 1] (got {budget!r})")
    avail = available_signals(ws, silent=silent, runs=runs)
    have = avail[avail["steps"] > 0]
    if have.empty and not _known_runs(ws, silent, runs):
        # Real traces often leave every root span unset: the steps do carry latency and tokens, so
        # "no step has a value for latency_ms" would send the user looking for the wrong thing.
        raise InvalidParameterError(
            "no run of this store has a known outcome (success or failure), so no threshold can be priced: "
            "label outcomes first (ws.label(run_id, outcome=...), ws.label_file(...)), or take limits from "
            "how far the runs went: wb.suggest_limits(ws)")
    if signal not in set(have["signal"]):
        offer = ", ".join(f"{s} ({n:,} steps)" for s, n in have[["signal", "steps"]].itertuples(index=False))
        why = (" (no step carries token log-probabilities, or workbench.confidence / workbench.entropy)"
               if signal in ("confidence", "entropy") else "")
        raise InvalidParameterError(
            f"no step {'of the given runs' if runs is not None else 'in this store'} has a value for {signal!r}{why}; "
            "signals with values here: "
            f"{offer or 'none (the store has no steps of runs with a known outcome)'}. "
            "wb.what_can_be_tuned(ws) says what this store allows and what to do instead")
    sign = -1.0 if direction == "below" else 1.0
    con = ws.con.cursor()
    try:
        scoped = learn_scope(con, runs)
        source = _STEPS_SQL if signal in _RUNNING else _COLUMN_SQL
        if signal == "handoffs":   # what each step stated decides it: replayed as the guard reads it
            hand = handoff_signal(con, silent=silent, runs=runs)    # noqa: F841 - read below, by name
            con.execute("CREATE OR REPLACE TEMP TABLE _sig_x AS SELECT run_id, seq, agent, handoffs * $sign AS x "
                        "FROM hand", {"sign": sign})
        else:
            con.execute(f"CREATE OR REPLACE TEMP TABLE _sig_x AS SELECT run_id, seq, agent, "
                        f"{_SIGNAL_CASE} * $sign AS x FROM ({source}) st WHERE {_SIGNAL_CASE} IS NOT NULL",
                        {"signal": signal, "sign": sign, "every_run": False, "silent": silent,
                         "learn_scoped": scoped})
        steps_x = con.execute("SELECT x FROM _sig_x ORDER BY x").fetchnumpy()["x"]
        run_sql = (f"WITH d AS ({_DECISIVE_SQL}) SELECT d.run_id, d.failed, max(v.x) AS x_all, "
                   "max(v.x) FILTER (WHERE d.decisive_seq IS NULL OR v.seq <= d.decisive_seq) AS x_pre "
                   "{agent} FROM d LEFT JOIN _sig_x v ON v.run_id = d.run_id GROUP BY d.run_id, d.failed "
                   "{group} ORDER BY d.run_id")
        bind = {"silent": silent, "learn_scoped": scoped}
        per_run = con.execute(run_sql.format(agent="", group=""), bind).df()
        per_agent_df = (con.execute(run_sql.format(agent=", v.agent", group=", v.agent"), bind).df()
                        if per_agent else None)
        agent_steps = None
        if per_agent:
            data = con.execute("SELECT agent, x FROM _sig_x WHERE agent IS NOT NULL ORDER BY agent, x"
                               ).fetchnumpy()
            names, xs = np.asarray(data["agent"], dtype=object), np.asarray(data["x"], dtype=float)
            cuts = np.flatnonzero(names[1:] != names[:-1]) + 1 if len(names) else np.array([], int)
            agent_steps = {str(part[0]): arr for part, arr in zip(np.split(names, cuts), np.split(xs, cuts),
                                                                 strict=True) if len(part)}
        n_all_steps = con.execute(f"SELECT count(*) FROM ({source}) st",
                                  {"every_run": False, **bind}).fetchall()[0][0]
        con.execute("DROP TABLE _sig_x")
    finally:
        con.close()
    return ThresholdSweep(signal=signal, direction=direction, cost_review=float(cost_review),
                          cost_failure=float(cost_failure), budget=budget, per_run=per_run,
                          steps_x=np.asarray(steps_x, dtype=float), n_steps=int(n_all_steps),
                          per_agent_runs=per_agent_df, signals=avail, store=_store_name(ws),
                          agent_steps=agent_steps, silent=silent, keep_shared=bool(keep_shared))


def _known_runs(ws: Any, silent: bool = True, runs: list[str] | None = None) -> int:
    with own_cursor(ws.con) as con, run_scope(con, "_known_scope", runs) as scoped:
        return int(con.execute(f"SELECT count(*) FROM ({RUN_OUTCOMES_SQL}) WHERE outcome IN ('success', 'failure') "
                                  "AND (NOT $scoped OR run_id IN (SELECT run_id FROM _known_scope))",
                                  {"silent": silent, "scoped": scoped}).fetchall()[0][0])


def _store_name(ws: Any) -> str:
    return str(ws.path) if getattr(ws, "path", None) is not None else "<memory>"


class ThresholdSweep:
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

    def __init__(self, *, signal: str, direction: str, cost_review: float, cost_failure: float,
                 budget: float | None, per_run: pd.DataFrame, steps_x: np.ndarray, n_steps: int,
                 per_agent_runs: pd.DataFrame | None, signals: pd.DataFrame, store: str,
                 agent_steps: dict[str, np.ndarray] | None = None, silent: bool = True,
                 keep_shared: bool = False) -> None:
        self.signal, self.direction, self.budget = signal, direction, budget
        self.keep_shared = keep_shared   # per agent: agents never meeting the shared threshold keep it
        self.silent = silent     # whether runs taken as failed (silent failures) count as failed
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
        if self.agents:    # a store whose steps name no agent has no per-agent choice to make
            start = None if self.best.threshold is None else self._sign * float(self.best.threshold)
            chosen = optimise_per_agent(self._agent_all, self._agent_pre, failed, self._objective, start,
                                        keep_shared=keep_shared)
            self.best_per_agent = self.at({a: (None if t is None else self._sign * t)
                                           for a, t in zip(self.agents, chosen, strict=True)})

    def agent_runs(self) -> pd.DataFrame:
        """Per agent (a sweep made with ``per_agent=True``): in how many failed runs its steps carry the signal in
        time (at or before the run's decisive step), and in how many other runs at all: what its own threshold is
        chosen from (``attrs["failed_runs"]``: failed runs carrying it in time, any agent's steps). One failed run
        cannot tell one agent's threshold from another's."""
        if not self.agents:
            frame = pd.DataFrame({"agent": [], "failed_runs": [], "other_runs": []})
        else:
            has_pre, has_all = np.isfinite(self._agent_pre), np.isfinite(self._agent_all)
            frame = pd.DataFrame({"agent": self.agents,
                                  "failed_runs": (has_pre & self._failed[:, None]).sum(axis=0),
                                  "other_runs": (has_all & ~self._failed[:, None]).sum(axis=0)})
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
            self._at_agents(threshold)     # (its checks: a per-agent sweep, known agents)
            t = np.asarray([np.inf if threshold.get(a) is None else self._sign * self._given(threshold[a], a)
                            for a in self.agents])
            esc = (self._agent_all >= t).any(axis=1)
            caught = (self._agent_pre >= t).any(axis=1) & self._run_failed
        else:
            t = self._sign * self._given(threshold)
            esc, caught = self._run_all >= t, (self._run_pre >= t) & self._run_failed
        value = None if isinstance(threshold, dict) else self._sign * self._run_all[esc]
        out = pd.DataFrame({"run_id": self._run_ids[esc], "failed": self._run_failed[esc], "caught": caught[esc],
                            "value": value})
        order = np.lexsort((-self._run_all[esc], ~out["failed"].to_numpy(), ~out["caught"].to_numpy()))
        return out.iloc[order].reset_index(drop=True)

    def _given(self, value: Any, agent: str | None = None) -> float:
        """A threshold given on this sweep's signal, checked (a number, finite, in the signal's range)."""
        return _threshold(value, agent, self.signal, self.direction)

    def _point(self, threshold: Any, esc: int, caught: int, false: int, steps: int) -> SweepPoint:
        return SweepPoint(
            threshold=threshold, escalated_runs=esc, escalation_rate=esc / self.n_runs if self.n_runs else 0.0,
            escalated_steps=steps, step_escalation_rate=steps / self.n_steps if self.n_steps else 0.0,
            failures_caught=caught, false_escalations=false,
            precision=caught / esc if esc else 0.0,
            recall=caught / self.n_failures if self.n_failures else 0.0,
            cost=self.cost_review * esc + self.cost_failure * (self.n_failures - caught))

    def _at_agents(self, thresholds: dict[str, float | None]) -> SweepPoint:
        if not self.agents:
            raise InvalidParameterError("thresholds per agent need a sweep made with per_agent=True")
        unknown = set(thresholds) - set(self.agents)
        if unknown:
            raise InvalidParameterError(f"no agent {sorted(unknown)[0]!r} in this sweep "
                                        f"(agents: {', '.join(self.agents)})")
        cols = [np.inf if thresholds.get(a) is None else self._sign * self._given(thresholds[a], a)
                for a in self.agents]
        t = np.asarray(cols)
        esc = (self._agent_all >= t).any(axis=1)
        caught = (self._agent_pre >= t).any(axis=1) & self._failed
        steps = sum(len(arr) - int(np.searchsorted(arr, t[j], "left"))
                    for j, a in enumerate(self.agents) if (arr := self._agent_steps.get(a)) is not None)
        return self._point(dict(thresholds), int(esc.sum()), int(caught.sum()),
                           int((esc & ~self._failed).sum()), steps)

    def _objective(self, esc: np.ndarray, caught: np.ndarray) -> np.ndarray:
        cost = self.cost_review * esc + self.cost_failure * (self.n_failures - caught)
        if self.budget is not None:
            cost = np.where(esc <= self.budget * self.n_runs, cost, np.inf)
        return cost

    # -- the curve ----------------------------------------------------------------------------
    def _curve(self, xs: np.ndarray) -> pd.DataFrame:
        def above(sorted_arr: np.ndarray) -> np.ndarray:
            return len(sorted_arr) - np.searchsorted(sorted_arr, xs, "left")
        esc, fail_esc, caught, steps = above(self._all), above(self._fail_all), above(self._fail_pre), \
            above(self._steps)
        with np.errstate(divide="ignore", invalid="ignore"):
            frame = pd.DataFrame({
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
            })
        return frame.sort_values("threshold", ascending=self.direction == "above", ignore_index=True)

    def _best(self, c: pd.DataFrame) -> SweepPoint:
        ok = c if self.budget is None else c[c["escalation_rate"] <= self.budget]
        none = self.at(None)
        if ok.empty or ok["cost"].min() >= none.cost:
            return none
        return self.at(float(ok.loc[ok["cost"].idxmin(), "threshold"]))

    # -- outputs ------------------------------------------------------------------------------
    def to_policy(self, threshold: float | dict[str, float | None] | None = None, **fields: Any) -> Policy:
        """A policy with this sweep's HITL rule(s): at ``threshold``, else at the best point (one rule
        per agent with ``per_agent=True``). Keyword ``fields`` go to :class:`Policy` (``breakers=`` …)."""
        if threshold is None:
            threshold = (self.best_per_agent.threshold if self.best_per_agent is not None
                         else self.best.threshold)
        # written with few digits (0.923, not 0.9234425533666009; 0.9, not a slider's 0.8999999999999999),
        # each between the same two step values as the tuned one: the same steps escalate
        if threshold is None:
            rules: tuple[HitlRule, ...] = ()
        elif isinstance(threshold, dict):
            # keep_shared: rounded between every agent's steps, so agents on the shared threshold get its one number
            # (by each agent's own steps: 478 for the agent whose steps met it, 479 for those whose steps did not)
            threshold = {a: None if t is None else self._readable(self._given(t, a), None if self.keep_shared else a)
                         for a, t in threshold.items()}
            rules = tuple(HitlRule(self.signal, t, self.direction, a) for a, t in threshold.items() if t is not None)
        else:
            threshold = self._readable(self._given(threshold))
            rules = (HitlRule(self.signal, threshold, self.direction),)
        point = self.at(threshold)
        if not rules:
            notes: tuple[str, ...] = (self._why_no_rule(),)
        elif isinstance(threshold, dict) and None in threshold.values():
            notes = (self._without_rule(threshold),)
        else:
            notes = ()
        if isinstance(threshold, dict) and (unmet := self._unmet(threshold)):
            notes += (unmet,)
        sweep = {"signal": self.signal, "direction": self.direction, "cost_review": self.cost_review,
                 "cost_failure": self.cost_failure, "budget": self.budget,
                 "escalation_rate": round(point.escalation_rate, 6), "recall": round(point.recall, 6),
                 "cost": point.cost, "silent": self.silent}
        if self.keep_shared:
            sweep["keep_shared"] = True
        prov = Provenance(
            created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"), created_by="workbench",
            store=self.store, runs=self.n_runs, failures=self.n_failures, source="sweep_thresholds",
            sweep=sweep, notes=notes)
        fields.setdefault("hitl", rules)
        fields.setdefault("provenance", prov)
        return Policy(**fields)

    def _without_rule(self, threshold: dict[str, float | None]) -> str:
        """The agents a per-agent policy has no rule for (a reader of the file otherwise cannot tell an agent left
        out on purpose from one the sweep never saw)."""
        off = [a for a, t in threshold.items() if t is None]
        names = ", ".join(f"'{a}'" for a in off[:20]) + (f" and {len(off) - 20} more" if len(off) > 20 else "")
        return (f"no {self.signal} rule for {'agent' if len(off) == 1 else 'agents'} {names}: their steps are not "
                "escalated (the sweep's best set: none of their steps met a threshold that lowers the expected cost)")

    def _unmet(self, threshold: dict[str, float | None]) -> str:
        """The agents given a rule none of their steps here meets (``keep_shared``, or set so by hand): a reader of
        the file should know the rule was not learned from them."""
        steps = getattr(self, "_agent_steps", {})
        unmet = [a for a, t in threshold.items() if t is not None
                 and not (steps.get(a, np.array([])) >= self._sign * float(t)).any()]   # (signed units)
        if not unmet:
            return ""
        names = ", ".join(f"'{a}'" for a in unmet[:20]) + (f" and {len(unmet) - 20} more" if len(unmet) > 20 else "")
        return (f"{self.signal} rule for {'agent' if len(unmet) == 1 else 'agents'} {names} met by none of "
                f"{'its' if len(unmet) == 1 else 'their'} steps in these runs"
                + (" (keep_shared: the best single threshold kept)" if self.keep_shared else ""))

    def _why_no_rule(self) -> str:
        """Why the best point escalates nothing: no threshold is cheaper, or none within ``budget``
        (then the cheapest one, whose share of runs escalated the budget forbids)."""
        c = self.curve
        cheaper = c[c["cost"] < self.at(None).cost]
        if self.budget is None or cheaper.empty:
            return "no threshold on this signal costs less than escalating nothing"
        p = cheaper.loc[cheaper["cost"].idxmin()]
        return (f"no threshold escalating at most {self.budget:.0%} of runs (budget) costs less than escalating "
                f"nothing; the cheapest, {self.signal} {'<=' if self._sign < 0 else '>='} {p['threshold']:.4g} "
                f"(cost {p['cost']:g}), escalates {p['escalation_rate']:.0%}")

    def _readable(self, threshold: float, agent: str | None = None) -> float:
        """``threshold`` with the fewest digits that escalates the same steps of this sweep (of ``agent``)."""
        values = self._steps if agent is None else getattr(self, "_agent_steps", {}).get(agent, np.array([]))
        return readable(threshold, escalating_same(threshold, values, self._sign))

    def calibration(self, ws: Any, n_bins: int = 10) -> pd.DataFrame:
        """Reliability of ``confidence`` against run outcomes, counted as this sweep counts them
        (see :func:`confidence_calibration`)."""
        from ._calibration import confidence_calibration

        return confidence_calibration(ws, n_bins=n_bins, silent=self.silent)

    def __repr__(self) -> str:
        b = self.best
        at = "no escalation" if b.threshold is None else f"{self.signal} {'<=' if self._sign < 0 else '>='} " \
            f"{b.threshold:.4g}"
        why = f" ({self._why_no_rule()})" if b.threshold is None else ""
        counted = "" if self.silent else " (as reported, silent failures not counted)"
        return (f"<ThresholdSweep {self.signal}: {self.n_runs} runs, {self.n_failures} failed{counted}; best: {at}, "
                f"escalating {b.escalation_rate:.1%} of runs, recall {b.recall:.0%}, cost {b.cost:g}{why}>")

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(repr(self))}</p>"


def _threshold(value: Any, agent: str | None = None, signal: str = "", direction: str = "") -> float:
    """A threshold a caller gives ``at`` / ``escalated`` / ``to_policy``: a finite number, within ``signal``'s range
    (a confidence in [0, 1], an entropy 0 or more). NaN escalated nothing unseen (every comparison with it false),
    ``True`` was read as 1 and ``"high"`` raised float()'s ValueError; a confidence of 1.5 escalated every run, the
    policy file then refused; ``None`` is the way to say no escalation."""
    where = "threshold" if agent is None else f"threshold[{agent!r}]"
    if not is_number(value):
        raise InvalidParameterError(f"{where} must be a number, or None for no escalation "
                                    f"(got {type(value).__name__} {value!r})")
    if not math.isfinite(value):
        raise InvalidParameterError(f"{where} must be a finite number, or None for no escalation (got {value!r})")
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

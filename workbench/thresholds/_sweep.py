"""Threshold sweeps: for every threshold on a step signal, who would have gone to a human.

The store is read once (DuckDB computes each step's signal, each run's extreme value before its
decisive step and anywhere, and sorts the step values); after that, moving the threshold is a binary
search in sorted arrays (:meth:`ThresholdSweep.at`), so a slider over millions of steps stays live.
This module reads the store; the sweep's result is ``_threshold_sweep``'s, its policy ``_sweep_policy``'s.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InvalidParameterError
from ..policy._model import SIGNALS, default_direction
from ..store._outcomes import RUN_OUTCOMES_SQL, learn_scope, learning, run_ids, silent_flag, with_run_outcomes
from ..store._own_connection import own_cursor
from ..store._run_scope import run_scope
from ._handoff_signal import handoff_signal
from ._runs_given import refuse_empty
from ._threshold_sweep import ThresholdSweep

_SQL = resources.files(__package__).joinpath("sql")
# Each reads {run_outcomes} (store/sql/run_outcomes.sql): $silent chooses what counts as failed, and
# $learn_scoped whether only the runs learned from (sweep_thresholds' runs) have a known outcome.
_STEPS_SQL = learning(with_run_outcomes(_SQL.joinpath("signal_steps.sql").read_text("utf-8")))
_COLUMN_SQL = learning(with_run_outcomes(_SQL.joinpath("column_steps.sql").read_text("utf-8")))
_COUNT_SQL = learning(with_run_outcomes(_SQL.joinpath("signal_counts.sql").read_text("utf-8")))
_DECISIVE_SQL = learning(with_run_outcomes(_SQL.joinpath("decisive.sql").read_text("utf-8")))
_RUNNING = ("tool_calls", "retries", "handoffs")  # counts that need the window query (handoffs: a replay)
_SIGNAL_CASE = "CASE $signal " + " ".join(f"WHEN '{s}' THEN {s}" for s in SIGNALS) + " END"


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
        known = ", ".join(
            "count(*) FILTER (WHERE known)" if s in _RUNNING else f"count({s}) FILTER (WHERE known)"
            for s in SIGNALS
        )
        every = ", ".join("count(*)" if s in _RUNNING else f"count({s})" for s in SIGNALS)
        counts = con.execute(
            f"SELECT count(*) FILTER (WHERE known), {known}, {every} FROM ({_COUNT_SQL})",
            {"silent": silent, "learn_scoped": scoped},
        ).fetchall()[0]
    finally:
        con.close()
    total, n = counts[0], len(SIGNALS)
    rows = []
    for signal, steps, anywhere in zip(SIGNALS, counts[1 : n + 1], counts[n + 1 :], strict=True):
        if steps:
            note = ""
        elif anywhere:
            note = (
                f"only runs of unknown outcome carry it ({anywhere:,} steps): a sweep weighs reviews against "
                "failures caught, so it needs runs labelled success or failure (ws.label, ws.label_file)"
            )
        elif signal in ("confidence", "entropy"):
            note = "no step carries it (no token log-probabilities, nor workbench.confidence / workbench.entropy)"
        else:
            note = "no step carries it"
        rows.append((signal, int(steps), steps / total if total else 0.0, int(anywhere), note))
    return pd.DataFrame(rows, columns=["signal", "steps", "share", "all_steps", "note"])


def sweep_thresholds(
    ws: Any,
    signal: str = "entropy",
    per_agent: bool = False,
    cost_review: float = 1.0,
    cost_failure: float = 20.0,
    budget: float | None = None,
    direction: str | None = None,
    silent: bool = True,
    runs: Any = None,
    keep_shared: bool = False,
) -> ThresholdSweep:
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
    if not isinstance(keep_shared, (bool, np.bool_)):  # ("false" is a true string: refused, not read)
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
            "how far the runs went: wb.suggest_limits(ws)"
        )
    if signal not in set(have["signal"]):
        offer = ", ".join(f"{s} ({n:,} steps)" for s, n in have[["signal", "steps"]].itertuples(index=False))
        why = (
            " (no step carries token log-probabilities, or workbench.confidence / workbench.entropy)"
            if signal in ("confidence", "entropy")
            else ""
        )
        raise InvalidParameterError(
            f"no step {'of the given runs' if runs is not None else 'in this store'} has a value for {signal!r}{why}; "
            "signals with values here: "
            f"{offer or 'none (the store has no steps of runs with a known outcome)'}. "
            "wb.what_can_be_tuned(ws) says what this store allows and what to do instead"
        )
    sign = -1.0 if direction == "below" else 1.0
    con = ws.con.cursor()
    try:
        scoped = learn_scope(con, runs)
        source = _STEPS_SQL if signal in _RUNNING else _COLUMN_SQL
        if signal == "handoffs":  # what each step stated decides it: replayed as the guard reads it
            hand = handoff_signal(con, silent=silent, runs=runs)  # noqa: F841 - read below, by name
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _sig_x AS SELECT run_id, seq, agent, handoffs * $sign AS x "
                "FROM hand",
                {"sign": sign},
            )
        else:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE _sig_x AS SELECT run_id, seq, agent, "
                f"{_SIGNAL_CASE} * $sign AS x FROM ({source}) st WHERE {_SIGNAL_CASE} IS NOT NULL",
                {
                    "signal": signal,
                    "sign": sign,
                    "every_run": False,
                    "silent": silent,
                    "learn_scoped": scoped,
                },
            )
        steps_x = con.execute("SELECT x FROM _sig_x ORDER BY x").fetchnumpy()["x"]
        run_sql = (
            f"WITH d AS ({_DECISIVE_SQL}) SELECT d.run_id, d.failed, max(v.x) AS x_all, "
            "max(v.x) FILTER (WHERE d.decisive_seq IS NULL OR v.seq <= d.decisive_seq) AS x_pre "
            "{agent} FROM d LEFT JOIN _sig_x v ON v.run_id = d.run_id GROUP BY d.run_id, d.failed "
            "{group} ORDER BY d.run_id"
        )
        bind = {"silent": silent, "learn_scoped": scoped}
        per_run = con.execute(run_sql.format(agent="", group=""), bind).df()
        per_agent_df = (
            con.execute(run_sql.format(agent=", v.agent", group=", v.agent"), bind).df()
            if per_agent
            else None
        )
        agent_steps = None
        if per_agent:
            data = con.execute(
                "SELECT agent, x FROM _sig_x WHERE agent IS NOT NULL ORDER BY agent, x"
            ).fetchnumpy()
            names, xs = np.asarray(data["agent"], dtype=object), np.asarray(data["x"], dtype=float)
            cuts = np.flatnonzero(names[1:] != names[:-1]) + 1 if len(names) else np.array([], int)
            agent_steps = {
                str(part[0]): arr
                for part, arr in zip(np.split(names, cuts), np.split(xs, cuts), strict=True)
                if len(part)
            }
        n_all_steps = con.execute(
            f"SELECT count(*) FROM ({source}) st", {"every_run": False, **bind}
        ).fetchall()[0][0]
        con.execute("DROP TABLE _sig_x")
    finally:
        con.close()
    return ThresholdSweep(
        signal=signal,
        direction=direction,
        cost_review=float(cost_review),
        cost_failure=float(cost_failure),
        budget=budget,
        per_run=per_run,
        steps_x=np.asarray(steps_x, dtype=float),
        n_steps=int(n_all_steps),
        per_agent_runs=per_agent_df,
        signals=avail,
        store=_store_name(ws),
        agent_steps=agent_steps,
        silent=silent,
        keep_shared=bool(keep_shared),
    )


def _known_runs(ws: Any, silent: bool = True, runs: list[str] | None = None) -> int:
    with own_cursor(ws.con) as con, run_scope(con, "_known_scope", runs) as scoped:
        return int(
            con.execute(
                f"SELECT count(*) FROM ({RUN_OUTCOMES_SQL}) WHERE outcome IN ('success', 'failure') "
                "AND (NOT $scoped OR run_id IN (SELECT run_id FROM _known_scope))",
                {"silent": silent, "scoped": scoped},
            ).fetchall()[0][0]
        )


def _store_name(ws: Any) -> str:
    return str(ws.path) if getattr(ws, "path", None) is not None else "<memory>"

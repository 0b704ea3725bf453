"""Counterfactual attribution of one failed run: ablation or Shapley over agents or steps."""

from __future__ import annotations

import html
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import pandas as pd

from ..exceptions import WorkbenchError
from ..store._transaction import transaction
from ._decisive import DecisiveStep, decisive_step
from ._runner import ReplayLog, ReplayRunner, kept_game
from ._shapley import AUTO_EXACT_MAX_PLAYERS, shapley
from ._verdict import Verdict, blame_table, make_verdict

# Step kinds that are moves an agent makes (a root 'system' span or an agent's scope span is not).
STEP_KINDS = ("llm", "tool", "handoff", "human", "retriever", "other")
_METHODS = ("shapley", "ablation")
_UNITS = ("agent", "step")


@dataclass(frozen=True)
class Attribution:
    """The credit of one run's failure, with the verdict and what it cost.

    ``values`` has one row per player (agent or step): ``value`` is the Shapley value (or the
    ablation delta) of keeping it as recorded, ``blame`` its negation — how much of the failure
    it explains — with confidence bounds.
    """

    run_id: str
    unit: str
    method: str
    values: pd.DataFrame
    verdict: Verdict
    decisive: DecisiveStep | None
    replays: int
    replayed_steps: int
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    params: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (f"<Attribution {self.run_id} {self.method}/{self.unit}: {self.verdict.explanation}; "
                f"{self.replays} replays>")

    def _repr_html_(self) -> str:
        table = self.values[["player", "blame", "blame_low", "blame_high"]].to_html(index=False, escape=True)
        return (f"<div><b>{html.escape(self.run_id)}</b> — {html.escape(self.verdict.explanation)}"
                f"<br><small>{self.method} over {self.unit}s, {self.replays} replays</small>{table}</div>")


def _players(ws, run_id: str, unit: str, players: Sequence[str] | None) -> tuple[list[str], pd.DataFrame]:  # noqa: ANN001
    steps = ws.steps(run_id)
    if steps.empty:
        raise WorkbenchError(f"no run {run_id!r} in this store (or it has no steps)")
    if players is not None:
        return list(players), steps
    if unit == "agent":
        agents = steps.dropna(subset=["agent"]).sort_values("seq")["agent"].unique().tolist()
        return [str(a) for a in agents], steps
    moves = steps[steps["kind"].isin(STEP_KINDS)].sort_values("seq")
    return moves["step_id"].astype(str).tolist(), steps


def _exact(runner: ReplayRunner, players: list[str], **kw: Any):  # noqa: ANN202
    # Every coalition is known up front: replay them all at once so joblib can spread them.
    everyone = frozenset(players)
    runner.values([everyone - frozenset(c) for k in range(len(players) + 1)
                   for c in combinations(players, k)])
    return shapley(kept_game(runner, players), players, method="exact", **kw)


def _ablation(runner: ReplayRunner, players: list[str]) -> pd.DataFrame:
    # Leave-one-out: replace one unit at a time; its blame is how much that alone restores.
    sets = [frozenset()] + [frozenset([p]) for p in players]
    values = runner.values(sets)
    recorded = values[0]
    rows = [{"player": p, "value": recorded - v, "std_err": 0.0, "ci_low": recorded - v, "ci_high": recorded - v}
            for p, v in zip(players, values[1:], strict=True)]
    return pd.DataFrame(rows, columns=["player", "value", "std_err", "ci_low", "ci_high"])


def attribute(ws, run_id: str, replay: Callable, unit: str = "agent", method: str = "shapley",  # noqa: ANN001
              counterfactual: str = "repair", players: Sequence[str] | None = None,
              shapley_method: str = "auto", n_samples: int | None = None, tol: float | None = 0.05,
              seed: int | None = 0, timeout: float | None = None, n_jobs: int = 1,
              decisive: bool = True, store: bool = True, cache: dict | None = None,
              progress: bool = False) -> Attribution:
    """Attribute a failed run to its agents or steps by replaying it under interventions.

    The game is v(S) = 1 if the run, replayed with the units in S kept as recorded and every
    other unit replaced by the counterfactual, succeeds, else 0. So v(all) is the recorded
    failure and v(none) the repaired run; a unit's Shapley value is its average effect on success
    over all orders of putting units back, and its blame is the negation.

    Parameters
    ----------
    ws : Workspace
        The store holding the run (its steps name the players).
    run_id : str
        The failed run.
    replay : callable
        ``replay(run_id, intervention)`` — see :mod:`workbench.replay`.
    unit : {"agent", "step"}
        Players are the run's agents, or its moves (LLM, tool, hand-off, human steps).
    method : {"shapley", "ablation"}
        Shapley credit, or leave-one-out ablation (one replay per unit).
    counterfactual : {"repair", "baseline"}
        What replaced units are replaced by.
    shapley_method : {"auto", "exact", "permutation"}
        How Shapley values are computed (see :func:`workbench.shapley`).
    n_samples, tol, seed
        Sampling budget, CI half-width to stop at, and seed for permutation sampling.
    timeout : float, optional
        Seconds a single replay may take; one that hangs or raises is recorded and counted as a
        failure, and the rest go on.
    n_jobs : int
        joblib workers for independent replays (exact Shapley, ablation). Under
        ``joblib.parallel_backend("dask")`` they spread over a Dask cluster.
    decisive : bool
        Also binary-search the decisive step (about log2(T) replays).
    store : bool
        Write the credit to the ``attributions`` table.
    cache : dict, optional
        Replay cache to share between calls on the same run.

    Returns
    -------
    Attribution
        ``.values`` per player, ``.verdict``, ``.decisive``, and the replays used.
    """
    if unit not in _UNITS:
        raise WorkbenchError(f"unit must be one of {_UNITS} (got {unit!r})")
    if method not in _METHODS:
        raise WorkbenchError(f"method must be one of {_METHODS} (got {method!r})")
    if counterfactual not in ("repair", "baseline"):
        raise WorkbenchError(f"counterfactual must be 'repair' or 'baseline' (got {counterfactual!r})")
    start = time.perf_counter()
    cache = {} if cache is None else cache
    names, steps = _players(ws, run_id, unit, players)
    runner = ReplayRunner(replay, run_id, mode=counterfactual, unit=unit, timeout=timeout, n_jobs=n_jobs,
                          cache=cache, progress=progress)
    params: dict[str, Any] = {"counterfactual": counterfactual, "players": len(names)}
    try:
        if method == "ablation":
            values = _ablation(runner, names)
        else:
            kw = {"seed": seed}
            if shapley_method == "exact" or (shapley_method == "auto" and len(names) <= AUTO_EXACT_MAX_PLAYERS):
                res = _exact(runner, names, **kw) if names else None
            else:
                res = shapley(kept_game(runner, names), names, method=shapley_method, n_samples=n_samples,
                              tol=tol, **kw)
            values = res.values if res is not None else pd.DataFrame(
                columns=["player", "value", "std_err", "ci_low", "ci_high"])
            params.update(shapley_method=res.method if res is not None else "none", seed=seed,
                          n_permutations=getattr(res, "n_permutations", None), tol=tol)
        found = None
        if decisive:
            step_runner = runner if unit == "step" else ReplayRunner(
                replay, run_id, mode=counterfactual, unit="step", timeout=timeout, cache=cache)
            candidates = steps[steps["kind"].isin(STEP_KINDS)].sort_values("seq")["step_id"].astype(str).tolist()
            found = decisive_step(step_runner, candidates)
            if step_runner is not runner:
                _merge(runner.log, step_runner.log)
    finally:
        runner.close()
    table = blame_table(values)
    decisive_agent = None
    if found is not None and found.step_id is not None:
        match = steps.loc[steps["step_id"] == found.step_id, "agent"]
        decisive_agent = None if match.empty or pd.isna(match.iat[0]) else str(match.iat[0])
    if unit == "agent":
        verdict = make_verdict(table, found.step_id if found else None, decisive_agent)
    else:
        by_agent = _agent_blame_from_steps(table, steps)
        verdict = make_verdict(by_agent, found.step_id if found else None, decisive_agent)
    out = Attribution(run_id=run_id, unit=unit, method=method, values=table, verdict=verdict, decisive=found,
                      replays=runner.log.replays, replayed_steps=runner.log.replayed_steps,
                      errors=list(runner.log.errors), seconds=time.perf_counter() - start, params=params)
    if store:
        save(ws, out)
    return out


def _merge(into: ReplayLog, other: ReplayLog) -> None:
    into.replays += other.replays
    into.cached += other.cached
    into.replayed_steps += other.replayed_steps
    into.errors.extend(other.errors)
    into.seconds += other.seconds


def _agent_blame_from_steps(table: pd.DataFrame, steps: pd.DataFrame) -> pd.DataFrame:
    """Step blame summed per agent (Shapley values are additive over a partition's members)."""
    agents = steps.set_index(steps["step_id"].astype(str))["agent"]
    t = table.assign(agent=table["player"].map(agents))
    t = t.dropna(subset=["agent"])
    grouped = t.groupby("agent", as_index=False).agg(blame=("blame", "sum"), blame_low=("blame_low", "sum"),
                                                     blame_high=("blame_high", "sum"))
    grouped = grouped.rename(columns={"agent": "player"})
    return grouped.sort_values("blame", ascending=False, kind="stable").reset_index(drop=True)


def save(ws, res: Attribution) -> None:  # noqa: ANN001
    """Write an attribution (and its verdict) to the ``attributions`` table, replacing an earlier
    one of the same run, method and unit."""
    method = res.method if res.method == "ablation" else f"shapley-{res.params.get('shapley_method', 'auto')}"
    rows = [(res.run_id, method, res.unit, str(r.player), float(r.blame), float(r.blame_low),
             float(r.blame_high), json.dumps(res.params)) for r in res.values.itertuples()]
    v = res.verdict
    verdict_params = json.dumps({**res.params, "confidence": v.confidence, "ambiguous": v.ambiguous,
                                 "decisive_step": v.decisive_step, "replays": res.replays})
    rows.append((res.run_id, method, "verdict", v.culprit or "", v.confidence, None, None, verdict_params))
    if res.decisive is not None and res.decisive.step_id is not None:
        rows.append((res.run_id, "decisive-step", "step", res.decisive.step_id, 1.0, None, None,
                     json.dumps({"replays": res.decisive.replays, "position": res.decisive.position})))
    con = ws.con
    with transaction(con, "writing attributions"):
        con.execute("DELETE FROM attributions WHERE run_id = ? AND method = ? AND unit IN (?, 'verdict')",
                    [res.run_id, method, res.unit])
        con.execute("DELETE FROM attributions WHERE run_id = ? AND method = 'decisive-step'", [res.run_id])
        con.executemany("INSERT INTO attributions (run_id, method, unit, target, value, ci_low, ci_high, params) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?::JSON)", rows)

"""Accuracy of attribution methods against labelled failed runs: one row per method.

Definitions (a run's *culprits* are the agents and steps of its labels; a failed run may have
several, see :func:`~workbench.attribution._heuristics.culprit_labels`):

- ``agent_acc``: the predicted agent is one of the run's culprit agents.
- ``agent_acc_first``: the predicted agent is the agent of the run's *first* fault (the labelled
  step earliest in the run) — the stricter reading for multi-fault runs.
- ``step_acc`` / ``step_acc_first``: the same for the decisive step, over the runs whose labels
  name a step (``step_runs``).
- ``agent_top{k}`` / ``step_top{k}``: a culprit is among the method's k best-ranked agents / steps.
  Replay methods find one decisive step, so their step top-k equals their step accuracy.
- A run the method gives no answer for counts as a miss.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import GroupKFold
from tqdm.auto import tqdm

from .._params import names_of
from ..exceptions import InvalidParameterError, WorkbenchError
from ..store._own_connection import fetch_df
from ._blame_model import BlameModel
from ._calibration import brier
from ._features import step_features
from ._heuristics import HEURISTICS, culprit_labels, ensure_findings, heuristic_scores, rank_steps

REPLAY_METHODS = ("shapley", "ablation")
METHODS = ("blame_model", *REPLAY_METHODS, *HEURISTICS)


def labelled_failures(
    ws,
    run_ids: Iterable[str] | None = None,
    min_faults: int = 1,  # noqa: ANN001
    max_faults: int | None = None,
) -> list[str]:
    """Failed runs with between ``min_faults`` and ``max_faults`` culprit labels, sorted.

    ``labelled_failures(ws, max_faults=1)`` are the single-fault runs,
    ``labelled_failures(ws, min_faults=2)`` the multi-fault ones.
    """
    n = culprit_labels(ws, run_ids).groupby("run_id").size()
    keep = (n >= min_faults) & (n <= (max_faults if max_faults is not None else np.inf))
    return sorted(n.index[keep])


def cv_folds(
    ws, run_ids: Sequence[str], cv: int, groups: str = "auto"
) -> tuple[list[tuple[list[str], list[str]]], str]:  # noqa: ANN001
    """(train, test) run-id lists of a ``GroupKFold`` over whole runs, and the grouping used.

    ``groups="run"`` keeps each run in one fold; ``"system"`` keeps each system (``runs.system``)
    in one fold, so the model is scored on systems it never saw; ``"auto"`` groups by system when
    the runs span at least ``cv`` systems, else by run.
    """
    if groups not in ("auto", "run", "system"):
        raise InvalidParameterError(f"groups must be 'auto', 'run' or 'system' (got {groups!r})")
    if not isinstance(cv, int) or isinstance(cv, bool) or cv < 2:
        raise InvalidParameterError(f"cv must be None or an int >= 2 (got {cv!r})")
    ids = pd.DataFrame({"run_id": list(run_ids)})
    systems = fetch_df(ws.con, "SELECT run_id, coalesce(system, '') AS system FROM runs")
    ids = ids.merge(systems, on="run_id", how="left").fillna({"system": ""})
    used = groups if groups != "auto" else ("system" if ids["system"].nunique() >= cv else "run")
    key = ids["run_id" if used == "run" else "system"].to_numpy()
    if len(np.unique(key)) < cv:
        raise InvalidParameterError(
            f"cv={cv} folds need at least {cv} distinct {used}s (got {len(np.unique(key))})"
        )
    folds = [
        (ids["run_id"].iloc[tr].tolist(), ids["run_id"].iloc[te].tolist())
        for tr, te in GroupKFold(n_splits=cv).split(ids, groups=key)
    ]
    return folds, used


def _metrics(
    labels: pd.DataFrame, steps: pd.DataFrame, agents: pd.DataFrame, k_steps: int, k_agents: int
) -> dict[str, Any]:
    runs = labels["run_id"].unique()

    def best_rank(ranked: pd.DataFrame, truth: pd.DataFrame, col: str) -> pd.Series:
        hit = (
            truth[["run_id", col]]
            .dropna()
            .drop_duplicates()
            .merge(ranked[["run_id", col, "rank"]], on=["run_id", col], how="left")
        )
        return hit.groupby("run_id")["rank"].min().reindex(runs).fillna(np.inf)

    first = labels[labels["first"]]
    a_any, a_first = best_rank(agents, labels, "agent"), best_rank(agents, first, "agent")
    step_runs = labels.dropna(subset=["step_id"])["run_id"].unique()
    s_any = best_rank(steps, labels, "step_id").loc[step_runs]
    s_first = best_rank(steps, first, "step_id").loc[step_runs]

    def frac(ranks: pd.Series, k: int) -> float:
        return float((ranks <= k).mean()) if len(ranks) else float("nan")

    return {
        "runs": len(runs),
        "agent_acc": frac(a_any, 1),
        "agent_acc_first": frac(a_first, 1),
        f"agent_top{k_agents}": frac(a_any, k_agents),
        "step_runs": len(step_runs),
        "step_acc": frac(s_any, 1),
        "step_acc_first": frac(s_first, 1),
        f"step_top{k_steps}": frac(s_any, k_steps),
    }


def _replay_scores(
    ws,
    runs: list[str],
    replay: Any,
    method: str,
    seed: int,
    progress: bool | None,  # noqa: ANN001
    kwargs: dict[str, Any],
) -> tuple[pd.DataFrame, pd.DataFrame, int, int]:
    from ._attribute import attribute  # needs the Shapley engine; imported only when asked for

    step_rows, agent_rows, replays, replayed = [], [], 0, 0
    for run_id in tqdm(runs, desc=method, disable=progress is False or (progress is None and len(runs) < 50)):
        res = attribute(
            ws, run_id, replay, unit="agent", method=method, decisive=True, store=False, seed=seed, **kwargs
        )
        replays += res.replays
        replayed += res.replayed_steps
        table = res.values.sort_values("blame", ascending=False, kind="stable").reset_index(drop=True)
        agent_rows.append(
            pd.DataFrame(
                {"run_id": run_id, "agent": table["player"].astype(str), "rank": np.arange(1, len(table) + 1)}
            )
        )
        if res.verdict.decisive_step is not None:
            step_rows.append({"run_id": run_id, "step_id": res.verdict.decisive_step, "rank": 1})
    agents = (
        pd.concat(agent_rows, ignore_index=True)
        if agent_rows
        else pd.DataFrame(columns=["run_id", "agent", "rank"])
    )
    return pd.DataFrame(step_rows, columns=["run_id", "step_id", "rank"]), agents, replays, replayed


def _blame_scores(
    X: pd.DataFrame,
    labels: pd.DataFrame,
    model: BlameModel | None,
    cv: int | None,
    ws,  # noqa: ANN001
    groups: str,
    kwargs: dict[str, Any],
) -> tuple[pd.DataFrame, pd.DataFrame, list[dict], str]:
    if cv is None:
        if model is None:
            raise InvalidParameterError(
                "method 'blame_model' needs a fitted model= or cv=k to cross-validate"
            )
        steps, agents = model.rank_frame(X)
        return steps, agents, [], "none"
    template = clone(model).set_params(**kwargs) if model is not None else BlameModel(**kwargs)
    folds, used = cv_folds(ws, sorted(labels["run_id"].unique()), cv, groups)
    step_parts, agent_parts, record = [], [], []
    for train, test in folds:
        m = clone(template).fit_frame(X[X["run_id"].isin(train)], labels[labels["run_id"].isin(train)])
        steps, agents = m.rank_frame(X[X["run_id"].isin(test)])
        step_parts.append(steps)
        agent_parts.append(agents)
        record.append({"train": train, "test": test})
    return (
        rank_steps(pd.concat(step_parts, ignore_index=True)),
        pd.concat(agent_parts, ignore_index=True),
        record,
        used,
    )


def _calibration_metrics(labels: pd.DataFrame, agents: pd.DataFrame) -> dict[str, float]:
    if "confidence" not in agents.columns:
        return {"brier": float("nan")}
    top = agents[agents["rank"] == 1]
    culprits = set(zip(labels["run_id"], labels["agent"].astype(object), strict=True))
    correct = np.array([(r, a) in culprits for r, a in zip(top["run_id"], top["agent"], strict=True)])
    return {"brier": brier(top["confidence"].to_numpy(), correct)}


def evaluate_attribution(
    ws,
    method: str | Sequence[str] = "blame_model",
    replay: Any = None,  # noqa: ANN001
    cv: int | None = None,
    run_ids: Iterable[str] | None = None,
    seed: int = 0,
    *,
    model: BlameModel | None = None,
    groups: str = "auto",
    k_steps: int = 3,
    k_agents: int = 2,
    progress: bool | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """Agent- and step-level accuracy of attribution methods on labelled failed runs.

    Parameters
    ----------
    ws : Workspace
        Store with failed runs and their culprit labels.
    method : str or list of str
        ``"blame_model"``, ``"shapley"``, ``"ablation"`` or a heuristic of :data:`HEURISTICS`.
    replay : callable, optional
        The replay function the replay methods need (``replay(run_id, intervention)``).
    cv : int, optional
        For ``blame_model``: cross-validate over ``cv`` folds of whole runs (grouped by system when
        ``groups`` says so), so no run is scored by a model that saw it. Without ``cv``, ``model``
        (fitted) is scored as it is.
    run_ids : iterable of str, optional
        Runs to evaluate on (default: every failed run with a culprit label).
    seed : int
        Seed of the ``random`` heuristic and of Shapley sampling.
    model : BlameModel, optional
        A fitted model to score (``cv=None``), or an unfitted one whose parameters the folds use.
    groups : {"auto", "run", "system"}
        Cross-validation grouping (see :func:`cv_folds`).
    k_steps, k_agents : int
        The k of the top-k accuracies.
    progress : bool, optional
        Progress bar for the replay methods (default: from 50 runs on).
    **kwargs
        BlameModel parameters (with ``cv``), or extra arguments of
        :func:`~workbench.attribution.attribute` for the replay methods.

    Returns
    -------
    pandas.DataFrame
        One row per method: method, runs, agent_acc, agent_acc_first, agent_top{k}, step_runs,
        step_acc, step_acc_first, step_top{k}, replays, replayed_steps, seconds, cv, groups and
        brier (Brier score of the verdict's calibrated agent confidence, ``blame_model`` only).
        ``.attrs["folds"]`` holds each fold's train and test run ids.

    Examples
    --------
    >>> import workbench as wb
    >>> ws = wb.open()
    >>> _ = ws.ingest(wb.sim.procurement(seed=7, fault_rate=1.0).generate(40))
    >>> table = evaluate_attribution(ws, method=["first_error", "random"])
    >>> table["method"].tolist()
    ['first_error', 'random']
    """
    methods = names_of(method, "method")
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise InvalidParameterError(f"unknown method(s) {unknown}; the methods are {list(METHODS)}")
    labels = culprit_labels(ws, run_ids)
    if labels.empty:
        raise WorkbenchError("no failed run with a culprit label to evaluate on")
    runs = sorted(labels["run_id"].unique())
    bm_params = set(BlameModel().get_params())
    bm_kwargs = {k: v for k, v in kwargs.items() if k in bm_params}
    other = {k: v for k, v in kwargs.items() if k not in bm_params}
    X = None
    if any(m not in REPLAY_METHODS for m in methods):
        if "blame_model" in methods or "most_detector_hits" in methods:  # the others ignore findings
            ensure_findings(ws, runs, bm_kwargs.get("detect", model.detect if model is not None else "auto"))
        X = (
            (model or BlameModel(**bm_kwargs)).frame(ws, runs)
            if "blame_model" in methods
            else step_features(ws, runs)
        )
    rows, folds = [], []
    for m in methods:
        start = time.perf_counter()
        replays = replayed = 0
        used, k, extra = "none", None, {"brier": float("nan")}
        if m in REPLAY_METHODS:
            if replay is None:
                raise InvalidParameterError(f"method {m!r} replays runs: pass replay=")
            steps, agents, replays, replayed = _replay_scores(ws, runs, replay, m, seed, progress, other)
        elif m == "blame_model":
            steps, agents, folds, used = _blame_scores(X, labels, model, cv, ws, groups, bm_kwargs)
            k = cv
            extra = _calibration_metrics(labels, agents)
        else:
            steps, agents = heuristic_scores(X, m, seed)
        row = {
            "method": m,
            **_metrics(labels, steps, agents, k_steps, k_agents),
            "replays": replays,
            "replayed_steps": replayed,
            "seconds": time.perf_counter() - start,
            "cv": k,
            "groups": used,
            **extra,
        }
        rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["folds"] = folds
    return out

"""Rankings shared by the log-only methods, and one-line baselines to compare them against.

Every log-only method scores moves; :func:`rank_steps`, :func:`rank_agents` and :func:`verdicts`
turn scores into rankings and a per-run verdict, and :func:`save_scores` stores them.

Each heuristic scores every move of a run from its features (see :mod:`._features`); the
decisive step is the top-scoring move (ties go to the earlier move) and the culprit agent the
agent of its best move. So every heuristic also ranks steps and agents, which top-k accuracy
needs. Each public function returns the same table as :meth:`BlameModel.predict`.

The Who&When paper (Zhang et al., 2025) notes that a positional one-liner comes close to an
all-at-once GPT-4o judge on agent-level accuracy; ``first_agent_turn`` is that kind of baseline.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .._verdict_rank import STAMPED_PARAMS
from ..detect import DETECTORS
from ..detect import detect as run_detectors
from ..detect._vocab import vocab_changed
from ..exceptions import InvalidParameterError, StoreError
from ..store._own_connection import fetch, own_connection, own_cursor
from ..store._run_scope import run_id_list, run_scope
from ..store._transaction import transaction
from ._features import step_features

PREDICT_COLUMNS = ["run_id", "agent", "step_id", "score", "agent_confidence", "uncertain"]


def _order(df: pd.DataFrame, then: str) -> tuple[list[str], list[bool]]:
    """Sort keys of a ranking: higher score first, then (where known) higher log-odds, then ``then`` ascending.

    A log-odds above ~37 is a score of exactly 1.0 in float64 (a scorer without an intercept, or one fitted
    on separable runs, gives such moves); ranked by score alone they tie and the earliest would win."""
    if "logit" in df.columns:
        return ["run_id", "score", "logit", then], [True, False, False, True]
    return ["run_id", "score", then], [True, False, True]


def rank_steps(steps: pd.DataFrame) -> pd.DataFrame:
    """Add ``rank`` (1 = top) within each run: higher score first, then the earlier move."""
    keys, ascending = _order(steps, "pos")
    steps = steps.sort_values(keys, ascending=ascending, kind="stable")
    steps["rank"] = steps.groupby("run_id", sort=False).cumcount() + 1
    return steps.sort_values(["run_id", "pos"], kind="stable", ignore_index=True)


_SILENT = ("tool", "retriever", "human")


def _logit(steps: pd.DataFrame) -> pd.Series:
    """Each move's log-odds: its ``logit`` column where the scorer gave one (saturated scores keep their order),
    else read back from its ``score``."""
    return steps["logit"] if "logit" in steps.columns else np.log(steps["score"]) - np.log1p(-steps["score"])


def rank_agents(
    steps: pd.DataFrame,
    how: str = "max",
    talkers_only: bool = False,
    credit_tools: bool = False,
    flag_margin: float = 0.25,
) -> pd.DataFrame:
    """Agent scores from step scores (``max``, ``sum``, softmax ``mass``, ``noisy_or``, ``first_flagged``), ranked per run.

    ``mass``: the agent's share of the run's softmax over its moves' log-odds (``logit``): the probability,
    under a run-level reading of the scores, that the decisive move is one of the agent's.

    ``noisy_or``: ``1 - prod(1 - p)`` over the agent's moves' scores, the probability that at least one of its
    moves is a culprit step if each move's score were its own independent chance. Unlike ``max`` a second
    suspicious move adds; unlike ``sum`` and ``mass`` many harmless moves add almost nothing.

    ``first_flagged``: the run's moves within ``flag_margin`` log-odds of its best move are flagged, and the
    agent of the *earliest* flagged move comes first (then the other flagged agents, by their earliest flagged
    move; then the rest, as by ``max``). A failure is decided by its first mistake; the moves after it that
    repeat or build on the mistake look nearly as suspicious and later. Each agent's ``score`` stays its best
    move's, so its share means what it means under ``max``.

    ``talkers_only``: an agent none of whose moves is its own turn (a code executor, whose every move
    is a tool step; the human) is no candidate when its run has an agent that talks. An executor
    runs the code it is given: the agent that wrote the code answers for it.

    ``credit_tools``: a tool or retriever move also counts as a move of the agent whose turn came last
    before it (the author of the code it ran, the caller of the tool), so that agent answers for it.

    Moves with no agent (spans outside every agent span: Microsoft Agent Framework puts an agent's
    chat and tool spans beside its ``invoke_agent`` span, not under it) are scored as moves but are
    no candidate culprit when their run has a named agent: "no agent" is not an answer to "which agent".
    """
    keyed = steps.assign(agent=steps["agent"].fillna("<none>"))
    if how == "mass" and len(keyed):
        logit = _logit(keyed)
        w = np.exp(logit - logit.groupby(keyed["run_id"]).transform("max"))
        keyed["score"] = w / w.groupby(keyed["run_id"]).transform("sum")  # over every move: the run's softmax
    if how == "noisy_or" and len(keyed):
        logit = _logit(keyed)
        # log(1 - p) per move, summed per agent below: the product of many (1 - p) in log space, so agents whose
        # probabilities round to 1.0 still rank by their log-odds
        keyed["_log_miss"] = -np.logaddexp(0.0, logit.to_numpy(dtype=np.float64))
    if credit_tools and len(keyed):
        keyed = keyed.sort_values(["run_id", "pos"], kind="stable")
        talks = ~keyed["kind"].isin(_SILENT) & (keyed["agent"] != "<none>")
        caller = keyed["agent"].where(talks).groupby(keyed["run_id"]).ffill()
        lent = keyed["kind"].isin(("tool", "retriever")) & caller.notna() & (caller != keyed["agent"])
        keyed = pd.concat([keyed, keyed[lent].assign(agent=caller[lent])], ignore_index=True)
    if len(keyed):
        named = keyed["agent"] != "<none>"
        keyed = keyed[named | ~named.groupby(keyed["run_id"]).transform("any")]
    if talkers_only and len(keyed):
        talks = ~keyed["kind"].isin(_SILENT)
        talker = talks.groupby([keyed["run_id"], keyed["agent"]]).transform("any")
        run_has = talks.groupby(keyed["run_id"]).transform("any")
        keyed = keyed[talker | ~run_has]
    if how == "first_flagged":
        return _first_flagged(keyed, flag_margin)
    g = keyed.groupby(["run_id", "agent"], sort=False)
    if how == "max" and "logit" in keyed.columns:  # saturated scores (1.0) tie; their log-odds do not
        A = g.agg(score=("score", how), logit=("logit", "max"), first_pos=("pos", "min")).reset_index()
    elif how == "noisy_or":
        A = g.agg(miss=("_log_miss", "sum"), first_pos=("pos", "min")).reset_index()
        with np.errstate(divide="ignore"):
            A["score"] = -np.expm1(A["miss"])
            A["logit"] = np.log(A["score"]) - A["miss"]
        A = A.drop(columns="miss")
    else:
        A = g.agg(score=("score", "sum" if how == "mass" else how), first_pos=("pos", "min")).reset_index()
    return finish_agents(A)


def steps_of_named_agent(steps: pd.DataFrame, agents: pd.DataFrame) -> pd.DataFrame:
    """``steps`` re-ranked within each run: the moves of its top-ranked agent first, in their order, then the rest.

    The decisive step is then a move of the agent the verdict names (the run's top move may be another agent's
    when agents are ranked by another scorer than steps)."""
    top = agents.loc[agents["rank"] == 1, ["run_id", "agent"]].rename(columns={"agent": "_top"})
    s = steps.assign(_agent=steps["agent"].fillna("<none>").astype(object)).merge(
        top, on="run_id", how="left"
    )
    s["_other"] = (s["_agent"] != s["_top"]).astype(np.int8)
    keys, ascending = _order(s, "pos")
    s = s.sort_values(
        [keys[0], "_other", *keys[1:]], ascending=[ascending[0], True, *ascending[1:]], kind="stable"
    )
    s["rank"] = s.groupby("run_id", sort=False).cumcount() + 1
    return s.drop(columns=["_agent", "_top", "_other"]).sort_values(
        ["run_id", "pos"], kind="stable", ignore_index=True
    )


def _first_flagged(keyed: pd.DataFrame, margin: float) -> pd.DataFrame:
    """:func:`rank_agents`' ``first_flagged`` over its candidate moves ``keyed``."""
    logit = _logit(keyed)
    flagged = logit >= logit.groupby(keyed["run_id"]).transform("max") - margin
    moves = keyed.assign(logit=logit, flag_pos=keyed["pos"].where(flagged))
    A = moves.groupby(["run_id", "agent"], sort=False).agg(
        score=("score", "max"), logit=("logit", "max"), first_pos=("pos", "min"), flag_pos=("flag_pos", "min")
    )
    return finish_agents(A.reset_index(), lead="flag_pos")


def finish_agents(A: pd.DataFrame, lead: str | None = None) -> pd.DataFrame:
    """Add each agent's ``share`` of its run's positive score and its ``rank`` (ties: first to act).

    ``lead``: a column ranked on before the score, smaller first, NaN after every value."""
    total = A["score"].clip(lower=0).groupby(A["run_id"]).transform("sum")
    A["share"] = np.where(total > 0, A["score"].clip(lower=0) / total.where(total > 0, 1.0), 0.0)
    keys, ascending = _order(A, "first_pos")
    if lead is not None:
        A[lead] = A[lead].fillna(np.inf)
        keys, ascending = [keys[0], lead, *keys[1:]], [ascending[0], True, *ascending[1:]]
    A = A.sort_values(keys, ascending=ascending, kind="stable")
    A["rank"] = A.groupby("run_id", sort=False).cumcount() + 1
    return A[["run_id", "agent", "score", "share", "rank"]].reset_index(drop=True)


def verdicts(steps: pd.DataFrame, agents: pd.DataFrame, uncertain_below: float | None = None) -> pd.DataFrame:
    """One row per run from ranked step and agent scores (the table of ``BlameModel.predict``).

    ``agent_confidence`` is the top agent's ``share`` (NaN when the run names no agent, and ``uncertain``
    is then true); ``uncertain`` says it is below ``uncertain_below`` (None: not known, for scores that
    are not probabilities).
    """
    top_s = steps.loc[steps["rank"] == 1, ["run_id", "step_id", "score"]]
    top_a = agents.loc[agents["rank"] == 1, ["run_id", "agent", "share"]].rename(
        columns={"share": "agent_confidence"}
    )
    out = top_a.merge(top_s, on="run_id", how="outer")
    out["agent"] = out["agent"].where(out["agent"] != "<none>", None)
    # A verdict naming no agent (a run none of whose steps has one: autogen's message-passing traces, a bare
    # LLM call) makes no claim a confidence could be about; its "<none>" share read as 65 % sure, not uncertain.
    out["agent_confidence"] = out["agent_confidence"].where(out["agent"].notna())
    out["uncertain"] = (
        (out["agent_confidence"].fillna(0.0) < uncertain_below)
        if uncertain_below is not None
        else pd.Series(pd.NA, index=out.index, dtype="boolean")
    )
    return out[PREDICT_COLUMNS].sort_values("run_id", ignore_index=True)


def step_shares(steps: pd.DataFrame) -> dict[tuple[str, str], float]:
    """Each move's share of its run's positive step scores, by (run_id, step_id)."""
    if not len(steps):
        return {}
    total = steps["score"].clip(lower=0).groupby(steps["run_id"]).transform("sum")
    share = (steps["score"].clip(lower=0) / total.where(total > 0)).fillna(0.0)
    return dict(zip(zip(steps["run_id"], steps["step_id"], strict=True), share, strict=True))


def sole_agent(
    verdict: pd.DataFrame, steps: pd.DataFrame, agents: pd.DataFrame, uncertain_below: float | None = None
) -> pd.DataFrame:
    """``verdict`` with ``only_agent`` (the run had one candidate agent) and ``step_confidence`` (the decisive
    step's share of the run's positive step scores).

    With one agent there is no choice between agents: its confidence of 1.0 says nothing, and a single-agent
    trace (most framework traces) read as a sure verdict. The question left is the step, so on such a run
    ``uncertain`` says whether the step's share is below ``uncertain_below``.
    """
    out = verdict.copy()
    shares = step_shares(steps)
    named = agents[agents["agent"].notna() & (agents["agent"] != "<none>")]
    n = named.groupby("run_id")["agent"].size()
    out["only_agent"] = out["run_id"].map(n).eq(1) & out["agent"].notna()
    out["step_confidence"] = [
        shares.get((r, s), float("nan")) for r, s in zip(out["run_id"], out["step_id"], strict=True)
    ]
    if uncertain_below is not None:
        out.loc[out["only_agent"], "uncertain"] = (
            out.loc[out["only_agent"], "step_confidence"].fillna(0.0) < uncertain_below
        )
    return out


def save_scores(
    ws,
    method: str,
    steps: pd.DataFrame,
    agents: pd.DataFrame,
    verdict: pd.DataFrame,  # noqa: ANN001
    params: dict[str, Any],
) -> None:
    """Write agent, step and verdict rows of ``method`` to ``attributions`` (replacing older ones)."""
    ws._writable()
    p = json.dumps(
        {k: v for k, v in params.items() if isinstance(v, (str, int, float, bool, type(None), list))}
    )
    parts = [
        pd.DataFrame(
            {
                "run_id": agents["run_id"],
                "unit": "agent",
                "target": agents["agent"],
                "value": agents["score"],
                "params": p,
            }
        ),
        pd.DataFrame(
            {
                "run_id": steps["run_id"],
                "unit": "step",
                "target": steps["step_id"],
                "value": steps["score"],
                "params": p,
            }
        ),
        pd.DataFrame(
            {
                "run_id": verdict["run_id"],
                "unit": "verdict",
                "target": verdict["agent"].fillna(""),
                "value": verdict["agent_confidence"],
                "params": [
                    json.dumps(
                        {
                            **json.loads(p),
                            "decisive_step": s,
                            "uncertain": None if pd.isna(u) else bool(u),
                            **extra,
                        }
                    )
                    for s, u, extra in zip(
                        verdict["step_id"], verdict["uncertain"], _verdict_extras(verdict), strict=True
                    )
                ],
            }
        ),
    ]
    rows = pa.Table.from_pandas(
        pd.concat(parts, ignore_index=True).astype(
            {"run_id": str, "unit": str, "target": str, "value": float, "params": str}
        ),
        preserve_index=False,
    )
    # (on a connection of its own: _bm_rows neither replaces nor drops a frame the user registered so on ws.con)
    with (
        own_connection(ws._here(), "writing attributions", StoreError) as con,
        transaction(con, "writing attributions"),
    ):
        con.register("_bm_rows", rows)
        con.execute(
            "DELETE FROM attributions WHERE method = ? AND run_id IN (SELECT DISTINCT run_id FROM _bm_rows)",
            [method],
        )
        con.execute(
            "INSERT INTO attributions (run_id, method, unit, target, value, params, created_at) "
            f"SELECT run_id, ?, unit, target, value, {STAMPED_PARAMS}, timezone('UTC', current_timestamp) "
            "FROM _bm_rows",
            [method],
        )  # (in UTC, as _attribute.py's verdicts, and its params say so)


# what a verdict that weighed the run's own evidence (._evidence.combine) adds to its params
_EXTRAS = (
    "evidence",
    "why",
    "model_agent",
    "model_confidence",
    "model_uncertain",
    "disagrees",
    "only_agent",
    "step_confidence",
    "familiarity",
    "unfamiliar",
)


def _verdict_extras(verdict: pd.DataFrame) -> list[dict[str, Any]]:
    cols = [c for c in _EXTRAS if c in verdict.columns]
    if not cols:
        return [{}] * len(verdict)
    return [
        {
            c: (None if v is None or (isinstance(v, float) and pd.isna(v)) else v)
            for c, v in zip(cols, row, strict=True)
        }
        for row in verdict[cols].itertuples(index=False)
    ]


def failed_runs(ws) -> list[str]:  # noqa: ANN001
    """Ids of the store's failed runs, sorted."""
    return [r for (r,) in fetch(ws.con, "SELECT run_id FROM runs WHERE outcome = 'failure' ORDER BY run_id")]


def culprit_labels(ws, run_ids: Iterable[str] | None = None) -> pd.DataFrame:  # noqa: ANN001
    """Labelled culprits of failed runs: run_id, agent, step_id, kind, seq, first.

    Every label with an agent or a step of a run whose outcome is ``failure`` counts (a run may
    have several). ``first`` marks the run's first labelled fault: the one at the earliest step
    (labels without a step come after those with one).
    """
    with own_cursor(ws.con) as con, run_scope(con, "_bf_label_scope", run_ids) as scoped:
        query = """
            SELECT l.run_id, coalesce(l.agent, s.agent) AS agent, l.step_id, l.kind, s.seq,
                   row_number() OVER (PARTITION BY l.run_id ORDER BY s.seq NULLS LAST, l.step_id, l.agent) = 1 AS first
            FROM labels l JOIN runs r ON r.run_id = l.run_id AND r.outcome = 'failure'
            LEFT JOIN steps s ON s.run_id = l.run_id AND s.step_id = l.step_id
            WHERE (l.agent IS NOT NULL OR l.step_id IS NOT NULL) {scope}
            ORDER BY l.run_id, s.seq NULLS LAST"""
        # The only formatted text is one of two fixed clauses; run ids travel in a temp table.
        clause = "AND l.run_id IN (SELECT run_id FROM _bf_label_scope)" if scoped else ""
        return con.execute(query.format(scope=clause)).df()


def ensure_findings(ws, run_ids: list[str], detect: str | bool) -> None:  # noqa: ANN001
    """Run the detectors on ``run_ids`` (``True``), on those not detected since they last changed (``"auto"``; and
    again where the store's vocabulary changed since the findings were found, detect/_vocab.py), or not.

    "auto" reads the store's ``detected`` marks (schema.sql): a run the detectors found nothing in is detected, where
    it was taken for one never detected by its want of findings, and detected again at every call (every frame, every
    prediction, each explorer build: a fifth of a BlameModel test's CPU). A run marked by some detectors only is
    detected by the others, with the default settings; a user's own settings are kept where they marked a run.
    A read-only store is left as it is: its detector features come from the findings it has.
    """
    if detect is False or ws.read_only or not run_ids:
        return
    per_run = [
        d for d in DETECTORS if d != "drift"
    ]  # drift compares periods of the whole history: no feature
    todo: list[tuple[list[str], list[str]]] = [(per_run, run_ids)]
    stale = False
    if detect == "auto":
        with own_cursor(ws.con) as con:
            # the runs by the detectors they lack a mark of (almost always one group: all of them, or none)
            todo = [
                (list(missing), list(runs))
                for missing, runs in con.execute(
                    "SELECT missing, list(run_id ORDER BY run_id) FROM ("
                    " SELECT i.run_id, list(d.detector ORDER BY d.detector) AS missing"
                    " FROM (SELECT DISTINCT unnest($ids) AS run_id) i CROSS JOIN (SELECT unnest($d) AS detector) d"
                    " ANTI JOIN detected x ON x.run_id = i.run_id AND x.detector = d.detector"
                    " GROUP BY i.run_id) GROUP BY missing ORDER BY missing",
                    {"ids": run_id_list(run_ids), "d": per_run},
                ).fetchall()
            ]
            # the runs detected too, when a later ingest changed the vocabulary their silent_failure and cascade
            # findings read: the detectors compute those again on every run detected before
            stale = not todo and vocab_changed(con)
    for detectors, runs in todo:
        run_detectors(ws, runs, detectors=[d for d in per_run if d in detectors])
    if stale:
        run_detectors(ws, [], detectors=per_run)


Scorer = Callable[[pd.DataFrame, np.random.Generator], np.ndarray]


def _col(X: pd.DataFrame, name: str, missing: float) -> np.ndarray:
    return X[name].fillna(missing).to_numpy(dtype=float)


def _is_model_move(X: pd.DataFrame) -> np.ndarray:
    return _col(X, "is_model", 0.0) > 0


# Every scorer: higher = more to blame. Ties go to the earlier move, so a run in which the heuristic
# has nothing to go on (no error, no confidence) falls back to its first move.
SCORERS: dict[str, Scorer] = {
    # The first failed step; without any error, the first move.
    "first_error": lambda X, rng: _col(X, "is_error", 0.0),
    # The final move that is not a tool call (nor a human).
    "last_agent": lambda X, rng: np.where(
        _is_model_move(X) | (_col(X, "is_handoff", 0) > 0), _col(X, "position", 0.0), -1.0
    ),
    # The first move of an agent that is not a human or a tool.
    "first_agent_turn": lambda X, rng: np.where(_is_model_move(X), -_col(X, "position", 0.0), -np.inf),
    # The move whose output most steps consumed.
    "most_consumers": lambda X, rng: _col(X, "n_consumers", 0.0),
    # The least confident move (moves without a confidence are never picked over one with it).
    "lowest_confidence": lambda X, rng: -_col(X, "confidence", np.inf),
    # The most uncertain move.
    "highest_entropy": lambda X, rng: _col(X, "entropy", -np.inf),
    # The move with the most detector findings (origins, not 'built on' notes).
    "most_detector_hits": lambda X, rng: _col(X, "det_hits", 0.0),
    # A uniformly random move (seeded).
    "random": lambda X, rng: rng.random(len(X)),
}
HEURISTICS = tuple(SCORERS)


def heuristic_scores(X: pd.DataFrame, name: str, seed: int | None = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ranked step and agent scores of heuristic ``name`` over a step-feature table.

    Parameters
    ----------
    X : pandas.DataFrame
        Output of :func:`~workbench.attribution._features.step_features`.
    name : str
        One of :data:`HEURISTICS`.
    seed : int or None
        Seed of ``random``.

    Returns
    -------
    (steps, agents) : tuple of pandas.DataFrame
        Step scores with ``rank`` per run, and agent scores (their best move's) with ``rank``.
    """
    if name not in SCORERS:
        raise InvalidParameterError(f"unknown heuristic {name!r}; the heuristics are {list(HEURISTICS)}")
    rng = np.random.default_rng(seed)
    steps = X[["run_id", "step_id", "agent", "kind", "pos"]].copy()
    steps["score"] = SCORERS[name](X, rng) if len(X) else np.zeros(0)
    steps = rank_steps(steps)
    return steps, rank_agents(steps, how="max")


def predict_heuristic(
    ws,
    name: str,
    run_ids: Iterable[str] | None = None,
    seed: int | None = 0,  # noqa: ANN001
    detect: str | bool = "auto",
) -> pd.DataFrame:
    """Culprit agent and decisive step of each run by heuristic ``name``.

    Parameters
    ----------
    ws : Workspace
        The store.
    name : str
        One of :data:`HEURISTICS`.
    run_ids : iterable of str, optional
        Runs (default: every failed run).
    seed : int or None
        Seed of ``random``.
    detect : {"auto", True, False}
        Whether to run the detectors first (only ``most_detector_hits`` reads them); see
        :class:`BlameModel`.

    Returns
    -------
    pandas.DataFrame
        run_id, agent, step_id, score, agent_confidence (as :meth:`BlameModel.predict`).

    Examples
    --------
    >>> import workbench as wb
    >>> ws = wb.open()
    >>> _ = ws.ingest(wb.sim.procurement(seed=3, fault_rate=1.0).generate(20))
    >>> predict_heuristic(ws, "first_error").columns.tolist()
    ['run_id', 'agent', 'step_id', 'score', 'agent_confidence', 'uncertain']
    """
    ids = failed_runs(ws) if run_ids is None else run_id_list(run_ids)
    if name == "most_detector_hits":
        ensure_findings(ws, ids, detect)
    steps, agents = heuristic_scores(step_features(ws, ids), name, seed)
    return verdicts(steps, agents)

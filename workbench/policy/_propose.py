"""Propose a policy from a store: breaker, budget and loop limits from the runs, HITL from sweeps.

Every limit is measured the way the guard measures it: the store's runs go through the decision core
with no rule set, which records the highest value each rule's quantity reaches in each run (its
``peaks``). Each limit L is placed where it cuts many failed runs for few successful ones: the value
of the peaks maximising (failed runs past L) − ``lost_weight`` × (successful runs past L), and no
limit when that is never positive. The detectors' findings say which of these failure modes the store
shows; their counts are kept in the provenance beside each limit.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

import numpy as np
import pandas as pd

from ..store._outcomes import RUN_OUTCOMES_SQL, run_ids, silent_flag
from ..store._own_connection import fetch, fetch_df
from ..store._run_scope import fill_run_scope
from ..thresholds._runs_given import refuse_empty
from ._backtest import _STEPS_SQL, live_order, runs_of
from ._core import Core
from ._model import SIGNALS, Breakers, Budgets, HitlRule, Loops, Policy, Provenance
from ._readable import cutting_same, readable

# rule -> (group, detector whose findings show the failure mode, integer limit?)
_MIN_SUCCESSES = 5  # successful runs a limit is weighed against, at the least
_RULES = {
    "max_depth": ("breakers", "depth_breach", True),
    "max_handoffs": ("breakers", "handoff_breach", True),
    "max_step_latency_ms": ("breakers", "latency_breach", False),
    "max_run_latency_ms": ("breakers", "latency_breach", False),
    "max_tool_calls_run": ("budgets", "storm", True),
    "max_tool_calls_agent": ("budgets", "storm", True),
    "max_retries": ("budgets", "retry", True),
    "max_repeats": ("loops", "loop", True),
    "max_pingpong": ("loops", "ping_pong", True),
    "max_repeated_replies": ("loops", "repeated_reply", True),
}
# Counts whose peak the core measures only when what they count happens (a retry, a tool call, a hand-off, a
# bounce): a run with none has 0, not "not measured" (as suggest_limits reads them: _limits._COUNTS). Dropped as
# unmeasured, a store whose successful runs mostly never retried had "fewer than 5 successful runs" to weigh
# max_retries against (20 successes, 2 of them retrying: no limit).
_COUNTED = frozenset(
    {
        "max_handoffs",
        "max_tool_calls_run",
        "max_tool_calls_agent",
        "max_retries",
        "max_repeats",
        "max_pingpong",
        "max_repeated_replies",
    }
)
# A stretch of bounces has 2 exchanges or more, a chain of replies 1 reply or more: a limit of 1 cuts
# the first of either (the schema's lowest limit; a limit of 0 there is no valid policy)
_FLOOR = {"max_pingpong": 1, "max_repeated_replies": 1}


def run_peaks(
    ws: Any,
    window: int = 20,
    loops: Loops | None = None,
    unknown: bool = False,
    silent: bool = True,
    runs: Any = None,
) -> pd.DataFrame:
    """Per run with a known outcome (``unknown=True``: every run): its outcome and the peak of every
    rule's quantity, measured by the decision core (what a guard with no limits would have seen; a
    run's last turn judged at its end, as the detectors judge it). ``loops``: the ping-pong and
    repeated-reply thresholds. ``silent``: a run taken as failed (a silent failure) has outcome
    ``failure`` (store/sql/run_outcomes.sql), else its stored outcome. ``runs``: only these runs (ids, or
    a frame of ``ws.runs(...)``)."""
    silent = silent_flag(silent, "run_peaks")
    runs = run_ids(ws, runs, "run_peaks")
    core = Core(
        Policy(
            loops=replace(
                loops or Loops(),
                window=window,
                max_repeats=None,
                max_pingpong=None,
                max_repeated_replies=None,
            )
        ),
        measure=True,
    )
    con = ws.con.cursor()
    try:
        scoped = fill_run_scope(con, "_bt_scope", runs)
        outcomes = {
            r: (o, t)
            for r, o, t in con.execute(
                f"SELECT run_id, coalesce(outcome, 'unknown'), task FROM ({RUN_OUTCOMES_SQL}) "
                "WHERE ($every_run OR outcome IN ('success', 'failure')) "
                "AND (NOT $scoped OR run_id IN (SELECT run_id FROM _bt_scope))",
                {"every_run": unknown, "silent": silent, "scoped": scoped},
            ).fetchall()
        }
        cur = con.execute(_STEPS_SQL, {"scoped": scoped, "every_run": unknown, "silent": silent})
        rows: list[dict[str, Any]] = []

        def measure(steps: list[tuple]) -> None:
            run_id = steps[0][0]
            state = core.new_run()
            core.given(state, outcomes[run_id][1])
            for i, start in live_order(steps):  # as the backtest replays a run
                (
                    _,
                    _sid,
                    _seq,
                    agent,
                    kind,
                    tool,
                    args,
                    depth,
                    t0,
                    t1,
                    latency,
                    status,
                    *_signals,
                    output,
                    encloses,
                ) = steps[i]
                if start:
                    core.before(state, agent, kind, tool, args, depth, t0)
                else:
                    core.after(
                        state, agent, kind, tool, args, status, latency, t1, output=output, encloses=encloses
                    )
            core.finish(state)
            rows.append({"run_id": run_id, "outcome": outcomes[run_id][0], **state.peaks})

        for steps in runs_of(cur):
            measure(steps)
    finally:
        con.close()
    frame = pd.DataFrame(rows)
    for rule in _RULES:
        if rule not in frame:
            frame[rule] = np.nan
    return frame


def policy_from_findings(
    ws: Any,
    lost_weight: float = 3.0,
    review_budget: float = 0.1,
    signals: tuple[str, ...] = ("confidence", "entropy", "latency_ms"),
    cost_review: float = 1.0,
    cost_failure: float = 20.0,
    window: int = 20,
    findings: pd.DataFrame | None = None,
    version: str = "1",
    silent: bool = True,
    runs: Any = None,
) -> Policy:
    """Propose a policy from the store's history.

    Parameters
    ----------
    ws : Workspace
    lost_weight : float
        How many failed runs cut are worth one successful run cut (lost). Higher: looser limits.
    review_budget : float
        Highest share of runs the HITL rule may escalate.
    signals : tuple of str
        Signals to try for the HITL rule (those the store has; the cheapest within budget wins, one
        threshold per agent when that is cheaper).
    findings : DataFrame, optional
        Detector findings; read from the store's ``findings`` table, or computed with
        :func:`workbench.detect` when it is empty.
    silent : bool
        Count the runs taken as failed (silent failures, as ``workbench investigate``) as failed
        (default); ``False``: the stored outcome only. The provenance's ``sweep['silent']`` says which.
    runs : list of str or DataFrame, optional
        Learn from these runs only (ids, or the frame ``ws.runs(...)`` returns, e.g. the older ones): limits
        and HITL thresholds see no other run's outcome, so ``wb.backtest(policy, ws, runs=the_others)``
        tests the policy on runs it never saw, in one store. Every run by default. The provenance's
        ``runs`` counts the runs learned from, and a note says how many of the store's they are.
    """
    silent = silent_flag(silent, "policy_from_findings")
    runs = run_ids(ws, runs, "policy_from_findings")
    refuse_empty(ws, runs, "policy_from_findings")
    from ..exceptions import InvalidParameterError
    from ..thresholds import available_signals, sweep_thresholds

    if not lost_weight > 0:
        raise InvalidParameterError(f"'lost_weight' must be > 0 (got {lost_weight!r})")
    if (
        review_budget is not None and not 0 < review_budget <= 1
    ):  # (sweep_thresholds named it 'budget', a parameter this function has not)
        raise InvalidParameterError(
            f"'review_budget' must be a share of runs in (0, 1] (got {review_budget!r})"
        )
    unknown = [s for s in ([signals] if isinstance(signals, str) else signals) if s not in SIGNALS]
    if unknown or isinstance(
        signals, str
    ):  # an unknown one was a note "no step carries it", as if the logs lacked it
        raise InvalidParameterError(f"signals must be a tuple of {', '.join(SIGNALS)} (got {signals!r})")
    peaks = run_peaks(ws, window, silent=silent, runs=runs)
    if peaks.empty:
        raise InvalidParameterError(
            "no run with a known outcome in this store: no limit can be weighed against failures caught and "
            "successes lost. Label outcomes (ws.label(run_id, outcome=...)), or take limits from how far the "
            "runs went: wb.suggest_limits(ws) (a quantile of each system's runs, with the runs each one stops)"
        )
    ok = peaks[peaks["outcome"] == "success"]
    bad = peaks[peaks["outcome"] == "failure"]
    if findings is None:
        findings = fetch_df(ws.con, "SELECT run_id, detector FROM findings")
        if findings.empty and not getattr(ws, "read_only", False):
            from ..detect import detect

            # Only the families whose failure modes a limit can stop (no text scans, no drift tests).
            findings = detect(
                ws, detectors=["loop", "retry", "storm", "breach", "ping_pong", "repeated_reply"]
            )
    systems = sorted(
        {
            str(s)
            for s in peaks["run_id"].map(dict(fetch(ws.con, "SELECT run_id, coalesce(system, '') FROM runs")))
        }
    )
    failed_ids = set(bad["run_id"])
    notes: list[str] = []
    if runs is not None:
        total = fetch(ws.con, "SELECT count(*) FROM runs")[0][0]
        notes.append(
            f"learned from {len(runs)} of the store's {total} runs ({len(peaks)} of them with a known "
            "outcome): backtest on the others (wb.backtest(policy, ws, runs=...)) for an honest estimate"
        )
    thin: list[str] = []
    limits: dict[str, dict[str, Any]] = {"breakers": {}, "budgets": {}, "loops": {"window": window}}
    for rule, (group, detector, integer) in _RULES.items():
        succ = (ok[rule].fillna(0) if rule in _COUNTED else ok[rule].dropna()).to_numpy(dtype=float)
        fail = (bad[rule].fillna(0) if rule in _COUNTED else bad[rule].dropna()).to_numpy(dtype=float)
        hits = findings[findings["detector"] == detector] if not findings.empty else findings
        n_hit = len(set(hits["run_id"]) & failed_ids) if len(hits) else 0
        if succ.size == 0 or fail.size == 0:
            continue
        if succ.size < _MIN_SUCCESSES:
            # With one or two successes any limit below them "costs nothing", so the cheapest limit cuts
            # every run (max_depth=0 on a store where silent failures leave one success): no basis to weigh.
            thin.append(rule)
            continue
        limit = _best_limit(succ, fail, lost_weight, integer, _FLOOR.get(rule, 0))
        if limit is not None:
            limits[group][rule] = int(limit) if integer else limit
            notes.append(
                f"{rule} {limit:g}: {int((fail > limit).sum())} failed and "
                f"{int((succ > limit).sum())} successful runs past it; {detector} findings in "
                f"{n_hit} failed runs"
            )
    if thin:
        notes.append(
            f"no limit on {', '.join(thin)}: fewer than {_MIN_SUCCESSES} successful runs to weigh it "
            f"against ({len(ok)} in all); wb.suggest_limits(ws) sets limits at a quantile of the runs' "
            "peaks, naming the runs stopped"
        )
    if ok.empty or bad.empty:
        # Real stores are often all failures (only the incidents were exported and labelled): say why
        # the policy has no limit rather than hand back an empty one unexplained.
        which = "successful" if ok.empty else "failed"
        notes.append(
            f"no breaker, budget or loop limit: this store has no {which} run to weigh a limit against "
            "(wb.suggest_limits(ws) sets them at a quantile of the runs' peaks, naming the runs stopped)"
        )
    if len(systems) > 1:
        # Systems differ in length and fan-out: one limit over all of them fits none (Who&When turns
        # beside a procurement pipeline's tool calls)
        notes.append(
            f"limits learned over {len(systems)} systems at once ({', '.join(map(repr, systems[:5]))}"
            f"{', ...' if len(systems) > 5 else ''}): wb.suggest_limits(ws) gives limits per system"
        )
    hitl: tuple[HitlRule, ...] = ()
    have = set(available_signals(ws, silent=silent, runs=runs).query("steps > 0")["signal"])
    best_cost, chosen, swept = math.inf, None, []
    for signal in signals:
        if signal not in have:
            notes.append(f"no HITL rule on {signal}: no step in this store carries it")
            continue
        sweep = sweep_thresholds(
            ws,
            signal,
            per_agent=True,
            cost_review=cost_review,
            cost_failure=cost_failure,
            budget=review_budget,
            silent=silent,
            runs=runs,
        )
        swept.append(signal)
        for point in (sweep.best, sweep.best_per_agent):
            # (a per-agent set with no agent's rule is no rule: it was chosen, and the note read "HITL on latency_ms:
            # 0.0% of runs escalated" over a policy with no HITL rule, on a real smolagents desk)
            if point is not None and _sets_a_rule(point.threshold) and point.cost < best_cost:
                best_cost, chosen = point.cost, (sweep, point)
    if chosen is not None:
        sweep, point = chosen
        hitl = sweep.to_policy(point.threshold).hitl
        notes.append(
            f"HITL on {sweep.signal}: {point.escalation_rate:.1%} of runs escalated, "
            f"{point.failures_caught} of {sweep.n_failures} failures caught in time"
        )
    elif swept:
        within = (
            f" sending at most {review_budget:.0%} of runs to review" if review_budget is not None else ""
        )
        notes.append(
            f"no HITL rule: no threshold on {', '.join(swept)}{within} costs less than reviewing no run "
            f"(a review {cost_review:g}, a missed failure {cost_failure:g})"
        )
    prov = Provenance(
        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        created_by="workbench",
        source="policy_from_findings",
        store=str(ws.path) if getattr(ws, "path", None) is not None else "<memory>",
        runs=len(peaks),
        failures=len(bad),
        notes=tuple(notes),
        sweep={
            "lost_weight": lost_weight,
            "review_budget": review_budget,
            "cost_review": cost_review,
            "cost_failure": cost_failure,
            "silent": silent,
        },
    )
    return Policy(
        version=version,
        breakers=Breakers(**limits["breakers"]),
        budgets=Budgets(**limits["budgets"]),
        loops=Loops(**limits["loops"]),
        hitl=hitl,
        provenance=prov,
    )


def _sets_a_rule(threshold: Any) -> bool:
    """Whether a sweep point's threshold is a rule: a number, or a per-agent set giving some agent one."""
    if isinstance(threshold, dict):
        return any(t is not None for t in threshold.values())
    return threshold is not None


def _best_limit(
    succ: np.ndarray, fail: np.ndarray, lost_weight: float, integer: bool, floor: float = 0
) -> float | None:
    """The limit maximising failed runs past it minus ``lost_weight`` × successful runs past it,
    among the limits the schema allows (``floor`` and above)."""
    cands = np.unique(np.concatenate([succ, fail]))
    if integer:
        cands = np.unique(np.ceil(cands))
    if floor > 0:
        # a limit below the floor is no valid policy (0 bounces): the floor is the tightest one offered
        cands = np.unique(np.append(cands[cands >= floor], floor))
    s_sorted, f_sorted = np.sort(succ), np.sort(fail)
    f_over = len(f_sorted) - np.searchsorted(f_sorted, cands, "right")
    s_over = len(s_sorted) - np.searchsorted(s_sorted, cands, "right")
    score = f_over - lost_weight * s_over
    if score.size == 0 or score.max() <= 0:
        return None
    best = cands[np.flatnonzero(score == score.max())[-1]]  # ties: the loosest limit
    # few digits, cutting the same runs (rounding to 3 decimals could go below a run's peak and cut it)
    return float(best) if integer else readable(float(best), cutting_same(float(best), cands))

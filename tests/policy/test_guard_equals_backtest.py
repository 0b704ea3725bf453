"""The Guard, fed a system's steps as they happen, decides exactly what the backtest says, step for step.

The guard gets what a live system has: the simulator's raw step records (agent, kind, tool, argument
dicts, status, latency, timestamps, nesting depth from the parent chain); the backtest reads the store
the same runs were ingested into. Signals (confidence, entropy, tokens) are handed over as the store
computed them, as a system would pass its own.
"""

from __future__ import annotations

from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.guard import Guard
from workbench.policy import Breakers, Budgets, HitlRule, Loops, Policy, PolicyViolation

AGENTS = [None, "planner", "retriever", "pricer", "executor", "verifier"]


def limit(low: int, high: int) -> st.SearchStrategy:
    return st.one_of(st.none(), st.integers(low, high))


policies = st.builds(
    Policy,
    breakers=st.builds(Breakers, max_depth=limit(1, 3), max_handoffs=limit(1, 8),
                       max_step_latency_ms=st.one_of(st.none(), st.floats(100, 5000)),
                       max_run_latency_ms=st.one_of(st.none(), st.floats(2000, 40_000))),
    budgets=st.builds(Budgets, max_tool_calls_run=limit(1, 15), max_tool_calls_agent=limit(1, 6),
                      max_retries=limit(0, 3)),
    loops=st.builds(Loops, max_repeats=limit(0, 3), window=st.integers(1, 20), max_pingpong=limit(1, 4),
                   max_repeated_replies=limit(1, 4)),
    hitl=st.lists(st.builds(HitlRule,
                            signal=st.sampled_from(["confidence", "entropy", "latency_ms", "tool_calls",
                                                    "retries", "depth", "handoffs", "tokens_out"]),
                            threshold=st.floats(0, 20), direction=st.sampled_from(["", "above", "below"]),
                            agent=st.sampled_from(AGENTS)), max_size=3).map(tuple),
)


def epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def guard_decisions(policy: Policy, runs: list, signals: dict) -> list[tuple]:
    guard = Guard(policy, on_escalate=lambda e: None)
    out = []
    for run in runs:
        depth: dict[str, int] = {}
        for rec in run.steps:
            sid = rec["step_id"]
            depth[sid] = depth[rec["parent_id"]] + 1 if rec.get("parent_id") in depth else 0
            agent, kind, tool, args = rec.get("agent"), rec["kind"], rec.get("tool"), rec.get("input")
            try:
                d = guard.before_step(run.run_id, agent, kind, tool, args, depth=depth[sid],
                                      started_at=epoch(rec["started_at"]))
                out.append((run.run_id, sid, "before", d.action, d.rule))
            except PolicyViolation as exc:
                out.append((run.run_id, sid, "before", "cut", exc.rule))
                break
            conf, ent, tin, tout, cost = signals[(run.run_id, sid)]
            try:
                d = guard.after_step(run.run_id, agent, kind, tool, args, status=rec["status"],
                                     latency_ms=rec.get("latency_ms"), confidence=conf, entropy=ent,
                                     tokens_in=tin, tokens_out=tout, cost=cost, ended_at=epoch(rec["ended_at"]),
                                     output=rec.get("output"))
                out.append((run.run_id, sid, "after", d.action, d.rule))
            except PolicyViolation as exc:
                out.append((run.run_id, sid, "after", "cut", exc.rule))
                break
        guard.end_run(run.run_id)
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(policy=policies)
def test_guard_equals_backtest_step_for_step(policy: Policy, sim_runs: list, sim_ws) -> None:
    signals = {(r, s): (c, e, ti, to, co) for r, s, c, e, ti, to, co in sim_ws.sql(
        "SELECT run_id, step_id, confidence, entropy, tokens_in, tokens_out, cost FROM steps").fetchall()}
    runs = sim_runs[:60]
    report = wb.backtest(policy, sim_ws, runs=[r.run_id for r in runs], steps=True)
    expected = sorted(report.steps.itertuples(index=False, name=None))
    got = guard_decisions(policy, runs, signals)
    seq = {(r.run_id, rec["step_id"]): rec["seq"] for r in runs for rec in r.steps}
    got = sorted((r, s, seq[(r, s)], phase, action, rule) for r, s, phase, action, rule in got)
    assert got == [(r, s, int(q), p, a, None if rule is None or rule != rule else rule)
                   for r, s, q, p, a, rule in expected]


def test_the_property_is_not_vacuous(sim_runs: list, sim_ws) -> None:
    # The simulated runs do trip every kind of rule, so the property above compares real decisions.
    strict = Policy(breakers=Breakers(max_depth=2, max_handoffs=3, max_step_latency_ms=1500.0),
                    budgets=Budgets(max_tool_calls_run=6, max_retries=0),
                    loops=Loops(max_repeats=0, max_pingpong=2), hitl=(HitlRule("entropy", 0.8),))
    report = wb.backtest(strict, sim_ws, runs=[r.run_id for r in sim_runs[:60]], steps=True)
    assert set(report.steps["action"]) == {"allow", "cut", "escalate"}
    assert len(set(report.runs["cut_rule"].dropna())) >= 3

"""The Guard, fed a system's steps as they happen, decides exactly what the backtest says, step for step.

The guard gets what a live system has: the simulator's raw step records (agent, kind, tool, argument
dicts, status, latency, timestamps, nesting depth from the parent chain); the backtest reads the store
the same runs were ingested into. Signals (confidence, entropy, tokens) are handed over as the store
computed them, as a system would pass its own, and so is each run's task. The hand-off breaker cuts what
the handoff_breach detector finds, run for run.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from _deep import deep
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.guard import Guard
from workbench.policy import Breakers, Budgets, HitlRule, Loops, Policy, PolicyViolation
from workbench.policy._propose import run_peaks

AGENTS = [None, "planner", "retriever", "pricer", "executor", "verifier"]


def limit(low: int, high: int) -> st.SearchStrategy:
    return st.one_of(st.none(), st.integers(low, high))


policies = st.builds(
    Policy,
    breakers=st.builds(
        Breakers,
        max_depth=limit(1, 3),
        max_handoffs=limit(1, 8),
        max_step_latency_ms=st.one_of(st.none(), st.floats(100, 5000)),
        max_run_latency_ms=st.one_of(st.none(), st.floats(2000, 40_000)),
    ),
    budgets=st.builds(
        Budgets, max_tool_calls_run=limit(1, 15), max_tool_calls_agent=limit(1, 6), max_retries=limit(0, 3)
    ),
    loops=st.builds(
        Loops,
        max_repeats=limit(0, 3),
        window=st.integers(1, 20),
        max_pingpong=limit(1, 4),
        max_repeated_replies=limit(1, 4),
    ),
    hitl=st.lists(
        st.one_of(
            st.builds(
                HitlRule,
                signal=st.sampled_from(
                    ["entropy", "latency_ms", "tool_calls", "retries", "depth", "handoffs", "tokens_out"]
                ),
                threshold=st.floats(0, 20),
                direction=st.sampled_from(["", "above", "below"]),
                agent=st.sampled_from(AGENTS),
            ),
            # (a confidence is a probability: a threshold past 1 is refused since ux48)
            st.builds(
                HitlRule,
                signal=st.just("confidence"),
                threshold=st.floats(0, 1),
                direction=st.sampled_from(["", "above", "below"]),
                agent=st.sampled_from(AGENTS),
            ),
        ),
        max_size=3,
    ).map(tuple),
)


def epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def guard_decisions(policy: Policy, runs: list, signals: dict, tasks: dict) -> list[tuple]:
    guard = Guard(policy, on_escalate=lambda e: None)
    out = []
    for run in runs:
        guard.start_run(run.run_id, task=tasks[run.run_id])
        depth: dict[str, int] = {}
        parents = {rec.get("parent_id") for rec in run.steps}
        steps = sorted(run.steps, key=lambda rec: rec["seq"])
        for rec in steps:
            sid = rec["step_id"]
            depth[sid] = depth[rec["parent_id"]] + 1 if rec.get("parent_id") in depth else 0
        # as the system reports them: each step's start and end in time order, an enclosing step's end after
        # the steps under it (at one instant an end before a start, a parent's start before its children's)
        events = sorted(
            [((epoch(r["started_at"]), 1, depth[r["step_id"]], i), i, True) for i, r in enumerate(steps)]
            + [
                (
                    (
                        epoch(r["ended_at"]),
                        2 if r["ended_at"] <= r["started_at"] else 0,
                        -depth[r["step_id"]],
                        i,
                    ),
                    i,
                    False,
                )
                for i, r in enumerate(steps)
            ],
            key=lambda e: e[0],
        )
        for _, i, start in events:
            rec = steps[i]
            sid = rec["step_id"]
            agent, kind, tool, args = rec.get("agent"), rec["kind"], rec.get("tool"), rec.get("input")
            if start:
                try:
                    d = guard.before_step(
                        run.run_id,
                        agent,
                        kind,
                        tool,
                        args,
                        depth=depth[sid],
                        started_at=epoch(rec["started_at"]),
                    )
                    out.append((run.run_id, sid, "before", d.action, d.rule))
                except PolicyViolation as exc:
                    out.append((run.run_id, sid, "before", "cut", exc.rule))
                    break
                continue
            conf, ent, tin, tout, cost = signals[(run.run_id, sid)]
            try:
                d = guard.after_step(
                    run.run_id,
                    agent,
                    kind,
                    tool,
                    args,
                    status=rec["status"],
                    latency_ms=rec.get("latency_ms"),
                    confidence=conf,
                    entropy=ent,
                    tokens_in=tin,
                    tokens_out=tout,
                    cost=cost,
                    ended_at=epoch(rec["ended_at"]),
                    output=rec.get("output"),
                    encloses=sid in parents,
                )
                out.append((run.run_id, sid, "after", d.action, d.rule))
            except PolicyViolation as exc:
                out.append((run.run_id, sid, "after", "cut", exc.rule))
                break
        guard.end_run(run.run_id)
    return out


# 10 random policies a run (25 with WORKBENCH_DEEP_TESTS=1, tests/_deep.py): each is the same guard and backtest
# over the same 60 runs (0.15 CPU s a policy); test_the_property_is_not_vacuous shows the runs trip every kind of rule
@settings(
    max_examples=25 if deep() else 10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(policy=policies)
def test_guard_equals_backtest_step_for_step(policy: Policy, sim_runs: list, sim_ws) -> None:
    signals = {
        (r, s): (c, e, ti, to, co)
        for r, s, c, e, ti, to, co in sim_ws.sql(
            "SELECT run_id, step_id, confidence, entropy, tokens_in, tokens_out, cost FROM steps"
        ).fetchall()
    }
    runs = sim_runs[:60]
    report = wb.backtest(policy, sim_ws, runs=[r.run_id for r in runs], steps=True)
    expected = sorted(report.steps.itertuples(index=False, name=None))
    got = guard_decisions(policy, runs, signals, dict(sim_ws.sql("SELECT run_id, task FROM runs").fetchall()))
    seq = {(r.run_id, rec["step_id"]): rec["seq"] for r in runs for rec in r.steps}
    got = sorted((r, s, seq[(r, s)], phase, action, rule) for r, s, phase, action, rule in got)
    assert got == [
        (r, s, int(q), p, a, None if rule is None or rule != rule else rule)
        for r, s, q, p, a, rule in expected
    ]


def test_the_property_is_not_vacuous(sim_runs: list, sim_ws) -> None:
    # The simulated runs do trip every kind of rule, so the property above compares real decisions.
    strict = Policy(
        breakers=Breakers(max_depth=2, max_handoffs=3, max_step_latency_ms=1500.0),
        budgets=Budgets(max_tool_calls_run=6, max_retries=0),
        loops=Loops(max_repeats=0, max_pingpong=2),
        hitl=(HitlRule("entropy", 0.8),),
    )
    report = wb.backtest(strict, sim_ws, runs=[r.run_id for r in sim_runs[:60]], steps=True)
    assert set(report.steps["action"]) == {"allow", "cut", "escalate"}
    assert len(set(report.runs["cut_rule"].dropna())) >= 3


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_hand_off_cuts_are_the_detectors_findings(limit: int, sim_runs: list, sim_ws) -> None:
    # Run for run: the guard (= the backtest) cuts a run by max_handoffs exactly when handoff_breach finds
    # one at that limit, at the first step of the turn after the one the finding trips at (a turn is
    # judged when it ends), unless that turn is the run's last (nothing left to stop); what a policy learns
    # from (the measured peak) is the longest stretch the detector counts.
    found = wb.detect(sim_ws, detectors=["breach"], config={"max_handoffs": limit})
    found = {
        r: json.loads(a)
        for r, d, a in found[["run_id", "detector", "attributes"]].itertuples(index=False)
        if d == "handoff_breach"
    }
    firsts: dict[str, list[str]] = {}
    last: dict[str, str] = {}
    for run_id, step_id, agent in sim_ws.sql(
        "SELECT run_id, step_id, agent FROM steps WHERE agent IS NOT NULL "
        "AND kind <> 'system' ORDER BY run_id, seq"
    ).fetchall():
        if last.get(run_id) != agent:
            firsts.setdefault(run_id, []).append(step_id)
        last[run_id] = agent
    expected = {}
    for run_id, attrs in found.items():
        turn = firsts[run_id].index(attrs["tripped_at"])
        if turn + 1 < len(firsts[run_id]):
            expected[run_id] = firsts[run_id][turn + 1]
    policy = Policy(breakers=Breakers(max_handoffs=limit))
    report = wb.backtest(policy, sim_ws)
    assert set(report.runs["run_id"]) == {r.run_id for r in sim_runs}  # no outcome unknown: all compared
    cut = {
        r: s
        for r, s, rule in report.runs[["run_id", "cut_step", "cut_rule"]].itertuples(index=False)
        if rule == "max_handoffs"
    }
    assert cut == expected and cut
    signals = {
        (r, s): (c, e, ti, to, co)
        for r, s, c, e, ti, to, co in sim_ws.sql(
            "SELECT run_id, step_id, confidence, entropy, tokens_in, tokens_out, cost FROM steps"
        ).fetchall()
    }
    tasks = dict(sim_ws.sql("SELECT run_id, task FROM runs").fetchall())
    guarded = {
        r: s
        for r, s, _phase, action, _rule in guard_decisions(policy, sim_runs, signals, tasks)
        if action == "cut"
    }
    assert guarded == expected
    peaks = run_peaks(sim_ws).set_index("run_id")["max_handoffs"]
    assert {r for r, v in peaks.items() if v > limit} == set(found)
    assert all(peaks[r] == attrs["handoffs"] for r, attrs in found.items())


# -- a live system nests its spans: the guard hears a root span's end after its children's (ux13) ------------


def live_decisions(policy: Policy, ws, run_id: str, depths: bool) -> list[tuple]:  # noqa: ANN001
    """Feed the guard a stored run as a live system reports it: each span's start and end in time order
    (so an enclosing span ends after its children), with its depth or none, and never ``encloses=``."""
    rows = ws.sql(
        "SELECT step_id, agent, kind, coalesce(tool, name) AS tool, input, depth, epoch(started_at), "
        "epoch(ended_at), latency_ms, status FROM steps WHERE run_id = ? ORDER BY seq",
        [run_id],
    ).fetchall()
    events = sorted(
        [(t0, 1, d, i) for i, (_, _, _, _, _, d, t0, _, _, _) in enumerate(rows)]
        + [(t1, 0, -d, i) for i, (_, _, _, _, _, d, _, t1, _, _) in enumerate(rows)]
    )
    guard = Guard(policy, on_escalate=lambda e: None)
    out = []
    for _, start, _, i in events:
        sid, agent, kind, tool, args, depth, t0, t1, latency, status = rows[i]
        tool = tool if kind == "tool" else None
        args = args if kind == "tool" else None
        try:
            if start:
                d = guard.before_step(
                    run_id, agent, kind, tool, args, depth=depth if depths else None, started_at=t0
                )
            else:
                d = guard.after_step(
                    run_id, agent, kind, tool, args, status=status, latency_ms=latency, ended_at=t1
                )
        except PolicyViolation as exc:
            out.append((sid, "before" if start else "after", "cut", exc.rule))
            break
        out.append((sid, "before" if start else "after", d.action, d.rule))
    return out


LIVE_POLICIES = [
    # between the longest leaf step (165 ms) and the spans enclosing others (root 257, loop 213, agent 221)
    Policy(breakers=Breakers(max_step_latency_ms=200.0)),
    Policy(hitl=(HitlRule("latency_ms", 180.0),)),
    # below a leaf step: both cut there
    Policy(breakers=Breakers(max_step_latency_ms=100.0)),
    Policy(hitl=(HitlRule("latency_ms", 8.0),)),
    Policy(breakers=Breakers(max_run_latency_ms=185.0)),
    Policy(budgets=Budgets(max_tool_calls_run=1), hitl=(HitlRule("latency_ms", 150.0, agent="analyst"),)),
]


@pytest.fixture(scope="module")
def sk_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[wb.Workspace, str]:
    """real12's Semantic Kernel trace ingested and its run labelled failed, once for the module's 12 cases
    (each ingested it anew: ~0.35 CPU s a case); the cases only read it (a backtest writes nothing)."""
    from test_real12_enclosing_spans import _write

    path = tmp_path_factory.mktemp("sk") / "sk.otlp.jsonl"
    _write(path)
    ws = wb.open()
    ws.ingest(path, progress=False)
    run_id = ws.sql("SELECT run_id FROM runs").fetchall()[0][0]
    ws.label(run_id, outcome="failure")
    return ws, run_id


_SK_BACKTESTS: dict[int, Any] = {}


def _sk_backtest(policy: Policy, ws: wb.Workspace) -> Any:
    """The policy's backtest of the module's one SK store (read only), run once for its two cases (with depths and
    without: the live side differs, the backtest not)."""
    key = LIVE_POLICIES.index(policy)
    if key not in _SK_BACKTESTS:
        _SK_BACKTESTS[key] = wb.backtest(policy, ws, steps=True)
    return _SK_BACKTESTS[key]


@pytest.mark.parametrize("depths", [True, False], ids=["with depths", "no depths"])
@pytest.mark.parametrize("policy", LIVE_POLICIES, ids=range(len(LIVE_POLICIES)))
def test_guard_hearing_nested_spans_end_decides_what_the_backtest_says(
    policy: Policy, depths: bool, sk_store: tuple[wb.Workspace, str]
) -> None:
    # real12's Semantic Kernel trace inside an app's root span: the root, the agent spans and SK's loop spans
    # enclose the calls. The backtest reads no latency at them; the live guard, hearing each end after its
    # children's, read the root's 257 ms (a max_step_latency_ms of 200 cut the run at its very end).
    ws, run_id = sk_store
    report = _sk_backtest(policy, ws)
    expected = [
        (s, p, a, None if r is None or r != r else r)
        for _, s, _, p, a, r in report.steps.itertuples(index=False, name=None)
    ]
    got = live_decisions(policy, ws, run_id, depths)
    # the same escalations, and the same cut (step, phase and rule) or none
    assert sorted(x for x in got if x[2] == "escalate") == sorted(x for x in expected if x[2] == "escalate")
    assert [x for x in got if x[2] == "cut"] == [x for x in expected if x[2] == "cut"]
    if policy is LIVE_POLICIES[0]:
        assert not [x for x in got if x[2] != "allow"]  # the case that differed

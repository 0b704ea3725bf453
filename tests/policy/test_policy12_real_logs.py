"""On real logs (Who&When Algorithm-Generated: agent turns without times, tool calls without arguments,
every run failed): suggested limits, their backtest, and a Guard fed the same steps agree step for step.
Extra realism: skipped where ../shared/samples is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

import workbench as wb
from workbench.guard import Guard
from workbench.policy import PolicyViolation

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples" / "whowhen-algorithm-generated"
if not SAMPLES.is_dir():  # a worktree one level further down than the clone
    SAMPLES = Path(__file__).resolve().parents[4] / "shared" / "samples" / "whowhen-algorithm-generated"
pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/samples not here")

_STEPS = (
    "SELECT step_id, agent, kind, tool, CASE WHEN kind = 'tool' THEN input END, depth, epoch(started_at), "
    "epoch(ended_at), latency_ms, status, CASE WHEN kind IN ('tool', 'llm', 'agent', 'handoff', 'human') "
    "THEN output END FROM steps WHERE run_id = ? ORDER BY seq"
)


def test_suggested_limits_backtest_and_guard_agree_on_who_and_when() -> None:
    ws = wb.open()
    ws.ingest(str(SAMPLES / "*.json"), progress=False)
    tunable = wb.what_can_be_tuned(ws).set_index("what")["tunable"]
    assert not tunable["HITL on confidence"] and not tunable["HITL on entropy"]
    s = wb.suggest_limits(ws, quantile=0.9)
    policy = s.to_policy("whowhen")
    report = wb.backtest(policy, ws, steps=True)
    assert report.summary["cut"] > 0
    expected = [
        tuple(None if x != x else x for x in r)
        for r in report.steps[["run_id", "step_id", "phase", "action", "rule"]].itertuples(index=False)
    ]
    guard = Guard(policy, on_escalate=lambda e: None)
    seen = []
    for run in sorted(report.runs["run_id"]):
        for sid, agent, kind, tool, args, depth, t0, t1, latency, status, output in ws.sql(
            _STEPS, [run]
        ).fetchall():
            phase = "before"
            try:  # no times in these logs: the guard's clock would stand in live; 0 keeps it out here
                d = guard.before_step(run, agent, kind, tool, args, depth=depth, started_at=t0 or 0.0)
                seen.append((run, sid, phase, d.action, d.rule))
                phase = "after"
                d = guard.after_step(
                    run,
                    agent,
                    kind,
                    tool,
                    args,
                    status=status,
                    latency_ms=latency,
                    ended_at=t1 or 0.0,
                    output=output,
                )
                seen.append((run, sid, phase, d.action, d.rule))
            except PolicyViolation as exc:
                seen.append((run, sid, phase, "cut", exc.rule))
                break
        guard.end_run(run)
    assert seen == expected
    cut = report.table.set_index("rule")
    assert set(cut.loc["total", "run_ids"]) == set(
        report.runs.loc[report.runs["decision"] == "cut", "run_id"]
    )

"""The HITL ``handoffs`` signal means what the hand-off breaker counts (hand-offs in a row that brought
no new tool result or value), in the guard, the backtest and the threshold sweep alike."""

from __future__ import annotations

import pytest

import workbench as wb
from workbench.exceptions import PolicyError
from workbench.policy import Policy
from workbench.policy._backtest import backtest
from workbench.policy._handoffs import Handoffs
from workbench.policy._model import Breakers, HitlRule
from workbench.thresholds import sweep_thresholds

T0 = 1_767_225_600_000_000_000
S = 1_000_000_000


def _run(run_id: str, outcome: str, news: bool, turns: int = 8) -> list[dict]:
    """An orchestrator and a worker taking turns (a hand-off step between turns, as Magentic-One logs
    them); the worker's turns state a new order number each when ``news``, else the same reply."""
    recs: list[dict] = [
        {"record": "run", "run_id": run_id, "system": "unit", "task": "find order ORD-1", "outcome": outcome}
    ]
    i = 0

    def step(**fields: object) -> None:
        nonlocal i
        recs.append(
            {
                "run_id": run_id,
                "step_id": f"s{i:03d}",
                "seq": i,
                "started_at": T0 + i * S,
                "ended_at": T0 + i * S + S // 2,
                "status": "ok",
                **fields,
            }
        )
        i += 1

    for t in range(turns):
        agent = "orchestrator" if t % 2 == 0 else "worker"
        said = f"found ORD-{100 + t}" if news and agent == "worker" else "please look again"
        step(kind="llm", agent=agent, name="gpt-4o", input="continue", output=said)
        step(
            kind="handoff",
            agent=agent,
            name="hand off",
            input=said,
            output="worker" if agent == "orchestrator" else "orchestrator",
        )
    return recs


@pytest.fixture()
def ws():
    w = wb.open()
    w.ingest(_run("busy", "success", news=True) + _run("stuck", "failure", news=False))
    yield w
    w.close()


def test_backtest_escalates_on_idle_handoffs_not_on_handoff_steps(ws) -> None:
    # 8 hand-off steps in each run; the busy one's worker brings a new order number every turn
    report = backtest(Policy(hitl=(HitlRule("handoffs", 3),)), ws)
    frame = report.runs.set_index("run_id")
    assert frame.loc["busy", "decision"] == "allowed"  # was escalated at its 3rd hand-off step
    assert frame.loc["stuck", "decision"] == "escalated"


def test_signal_equals_the_breakers_count(ws) -> None:
    # the breaker's peak (what suggest_limits and policy_from_findings read) and the sweep's maximum
    sweep = sweep_thresholds(ws, signal="handoffs")
    hand = Handoffs(10.0)
    hand.given("find order ORD-1")
    peak = 0
    for t in range(8):
        idle = hand.step_of("orchestrator" if t % 2 == 0 else "worker")
        peak = max(peak, idle)
        hand.output("llm", None, "please look again", True)
    # the last turn is judged when the run ends: no step of the run sees that count
    assert sweep.curve["threshold"].max() == peak == 6
    assert (
        sweep.at(1.5).escalated_runs == 1
    )  # the busy run reads 1 at most (an orchestrator turn between news)
    point = sweep.at(3)
    assert (point.escalated_runs, point.failures_caught, point.false_escalations) == (1, 1, 0)


def test_guard_reads_the_same_count(ws) -> None:
    guard = wb.Guard(Policy(hitl=(HitlRule("handoffs", 3),)), on_escalate=lambda e: None)
    decisions = {}
    for run_id, news in (("busy", True), ("stuck", False)):
        guard.start_run(run_id, task="find order ORD-1")
        seen = []
        for rec in _run(run_id, "success", news)[1:]:
            with guard.step(run_id, agent=rec["agent"], kind=rec["kind"]) as s:
                s.output = rec["output"]
            seen.append(s.decision.action)
        decisions[run_id] = seen
    assert "escalate" not in decisions["busy"]
    assert decisions["stuck"].index("escalate") == 8  # the first step of the 5th turn: 3 idle hand-offs


def test_a_v3_policy_with_a_handoffs_rule_is_refused() -> None:
    doc = "schema: workbench.policy/v3\nversion: '1'\nhitl:\n  - {signal: handoffs, threshold: 20}\n"
    with pytest.raises(PolicyError, match=r"hitl\[0\]\.signal: handoffs .* counted every hand-off step"):
        Policy.from_yaml(doc)
    assert Policy.from_yaml(doc.replace("v3", "v4")).hitl[0].threshold == 20
    # v3's breaker already had the new meaning
    assert Policy.from_yaml(
        "schema: workbench.policy/v3\nversion: '1'\nbreakers: {max_handoffs: 4}\n"
    ).breakers == Breakers(max_handoffs=4)

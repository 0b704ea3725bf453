"""An agent step that encloses nothing (a Who&When / AG2 turn: one agent message) is a move of its own:
the guard, the backtest and the threshold sweep read limits and HITL signals at it, as at any step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.policy import Breakers, HitlRule, Policy
from workbench.policy._backtest import backtest
from workbench.thresholds import available_signals, sweep_thresholds


def _whowhen(path: Path, n: int, correct: bool, stuck: bool) -> None:
    """A Who&When Algorithm-Generated record: experts and the computer terminal taking turns."""
    history = [
        {
            "content": "Solve the task: how many clients have an even street number? Plan: read the file.",
            "role": "user",
            "name": "Excel_Expert",
        }
    ]
    for i in range(n):
        said = "Please run the code again." if stuck else f"Rows checked so far: {100 + 17 * i}."
        history.append(
            {
                "content": said,
                "role": "assistant",
                "name": "Excel_Expert" if i % 2 == 0 else "DataVerification_Expert",
            }
        )
    path.write_text(
        json.dumps(
            {
                "is_correct": correct,
                "question": "How many clients have an even street number?",
                "question_ID": path.stem,
                "level": "2",
                "ground_truth": "8",
                "history": history,
                "mistake_agent": "Excel_Expert",
                "mistake_step": "1",
                "mistake_reason": "wrong column",
                "system_prompt": {},
            }
        ),
        encoding="utf-8",
    )


@pytest.fixture()
def ws(tmp_path: Path):
    _whowhen(tmp_path / "busy.json", 8, True, stuck=False)
    _whowhen(tmp_path / "stuck.json", 8, False, stuck=True)
    w = wb.open()
    w.ingest(sorted(tmp_path.glob("*.json")))
    assert w.sql("SELECT DISTINCT kind FROM steps").fetchall() == [("agent",)]
    yield w
    w.close()


def test_backtest_reads_hitl_signals_at_turns(ws) -> None:
    report = backtest(Policy(hitl=(HitlRule("handoffs", 3),)), ws)
    decisions = dict(zip(report.runs["outcome"], report.runs["decision"], strict=True))
    assert decisions == {"success": "allowed", "failure": "escalated"}  # was: no step read, both allowed


def test_sweep_has_signals_at_turns(ws) -> None:
    avail = available_signals(ws).set_index("signal")["steps"]
    assert avail["handoffs"] == avail["depth"] == ws.count("steps")  # was 0: no step carried a signal
    sweep = sweep_thresholds(ws, signal="handoffs")
    # the stuck run only (its labelled mistake, step 1, comes before: too late to count as caught)
    assert (sweep.at(3).escalated_runs, sweep.at(3).false_escalations) == (1, 0)


def test_live_guard_tells_a_turn_from_an_agent_span_enclosing_steps() -> None:
    guard = wb.Guard(Policy(breakers=Breakers(max_step_latency_ms=1000.0)), on_escalate=lambda e: None)
    guard.start_run("r")
    # an agent span whose children ran inside it: its latency is theirs, not a step's
    guard.before_step("r", "planner", "agent")
    guard.before_step("r", "planner", "llm")
    guard.after_step("r", "planner", "llm", latency_ms=900.0)
    assert guard.after_step("r", "planner", "agent", latency_ms=5000.0).action == "allow"
    # one agent message (a turn enclosing nothing) that took 5 s is a slow step
    guard.before_step("r", "coder", "agent")
    with pytest.raises(wb.PolicyViolation, match="max_step_latency_ms"):
        guard.after_step("r", "coder", "agent", latency_ms=5000.0)

"""``runs=[]`` (or a ``ws.runs(...)`` filter matching no run) in every entry point taking ``runs=``: one message,
naming the entry point, what it does with runs and what the store holds. ``backtest`` returned an empty report
("0 runs", as if the policy had been tried); the learners and ``suggest_limits`` said it in near-copies of one
sentence, the learners without the store's count (a twin the stop-51 review named)."""

from __future__ import annotations

from typing import Any

import pytest

import workbench as wb

CALLS = {
    "backtest": ("replay", lambda ws, runs: wb.backtest(wb.Policy(), ws, runs=runs)),
    "suggest_limits": ("measure limits on", lambda ws, runs: wb.suggest_limits(ws, runs=runs)),
    "sweep_thresholds": ("learn from", lambda ws, runs: wb.sweep_thresholds(ws, "latency_ms", runs=runs)),
    "policy_from_findings": ("learn from", lambda ws, runs: wb.policy_from_findings(ws, runs=runs)),
}


@pytest.fixture(scope="module")
def ws() -> wb.Workspace:
    """Three runs of known outcome, two with a step."""
    ws = wb.open()
    ws.ingest(
        [
            {"record": "run", "run_id": "r1", "system": "shop", "outcome": "failure"},
            {"record": "run", "run_id": "r2", "system": "shop", "outcome": "success"},
            {"record": "run", "run_id": "r3", "system": "shop", "outcome": "success"},
            {"run_id": "r1", "step_id": "s1", "agent": "a", "kind": "tool", "tool": "t", "latency_ms": 900.0},
            {"run_id": "r2", "step_id": "s1", "agent": "a", "kind": "tool", "tool": "t", "latency_ms": 100.0},
        ],
        progress=False,
    )
    return ws


@pytest.mark.parametrize("name", sorted(CALLS))
def test_empty_runs_get_one_message_naming_the_entry_point_and_the_store(ws: wb.Workspace, name: str) -> None:
    doing, call = CALLS[name]
    said = (
        f"{name}: runs is empty (0 run ids given; a ws.runs(...) filter that matched no run gives none): "
        f"nothing to {doing}; give the runs to {doing}, or leave runs=None for every run "
        "(the store holds 3 runs, 2 with steps)"
    )
    for runs in ([], ws.runs(system="nope")):
        with pytest.raises(wb.InvalidParameterError) as err:
            call(ws, runs)
        assert str(err.value) == said


def test_a_backtest_on_some_runs_still_replays_them(ws: wb.Workspace) -> None:
    report: Any = wb.backtest(wb.Policy(), ws, runs=["r1"])
    assert list(report.runs["run_id"]) == ["r1"]

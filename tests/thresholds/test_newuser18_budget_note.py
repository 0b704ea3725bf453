"""A sweep with a review budget that no cheaper threshold fits: its policy had no rule and said "no
threshold on this signal costs less than escalating nothing", which was wrong (a threshold half the cost
of escalating nothing was there, only past the budget), and its repr said nothing of why."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb


def _store(tmp_path: Path) -> wb.Workspace:
    lines: list[dict] = []
    for r in range(10):
        failed = r < 5
        lines.append(
            {
                "record": "run",
                "run_id": f"r{r}",
                "system": "desk",
                "outcome": "failure" if failed else "success",
            }
        )
        # the failures' tool call is slower: a latency threshold catches them all, escalating half the runs
        lines.append(
            {
                "run_id": f"r{r}",
                "step_id": f"r{r}-s0",
                "agent": "pricer",
                "kind": "tool",
                "name": "get_price",
                "tool": "get_price",
                "started_at": f"2026-01-01T00:00:{r:02d}Z",
                "ended_at": f"2026-01-01T00:00:{r:02d}.{5 if failed else 4}Z",
                "status": "ok",
            }
        )
    (tmp_path / "runs.jsonl").write_text(
        "\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8"
    )
    ws = wb.open()
    ws.ingest(tmp_path / "runs.jsonl", progress=False)
    return ws


def test_no_rule_within_budget_names_the_budget_and_the_cheapest_threshold(tmp_path: Path) -> None:
    ws = _store(tmp_path)
    sweep = wb.sweep_thresholds(ws, signal="latency_ms", cost_review=1.0, cost_failure=20.0, budget=0.1)
    assert sweep.best.threshold is None
    (note,) = sweep.to_policy().provenance.notes
    assert "at most 10% of runs (budget)" in note and "latency_ms >= 500" in note and "escalates 50%" in note
    assert "(budget)" in repr(sweep)


def test_no_rule_at_all_keeps_its_reason(tmp_path: Path) -> None:
    ws = _store(tmp_path)
    sweep = wb.sweep_thresholds(ws, signal="latency_ms", cost_review=1.0, cost_failure=0.1, budget=0.1)
    assert sweep.to_policy().provenance.notes == (
        "no threshold on this signal costs less than escalating nothing",
    )


def test_a_point_prints_as_one_readable_line(tmp_path: Path) -> None:
    # print(sweep.best) gave the dataclass repr: escalation_rate=0.5, precision=1.0 ... and per agent a dict
    ws = _store(tmp_path)
    sweep = wb.sweep_thresholds(ws, signal="latency_ms", cost_review=1.0, cost_failure=20.0, per_agent=True)
    assert str(sweep.best) == (
        "threshold 500: escalates 5 runs (50.0%), 5 steps (50.0%); catches 5 failures "
        "(recall 100.0%, precision 100.0%), 0 false escalations; cost 5"
    )
    assert str(sweep.best_per_agent).startswith("per agent: pricer 500: escalates 5 runs (50.0%)")
    assert str(sweep.at(None)).startswith("no escalation: escalates 0 runs")

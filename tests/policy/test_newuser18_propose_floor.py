"""policy_from_findings on a store whose failed runs bounce work between two agents and whose successes
never do: the best ping-pong limit by the peaks is 0, below the schema's lowest (1), and the call raised
``PolicyError: loops.max_pingpong: must be >= 1, got 0`` instead of proposing a policy (seen on a folder
of real framework traces: AG2's group chat bouncing, every other run at 0)."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb


def _write_runs(path: Path) -> None:
    lines: list[dict] = []

    def run(run_id: str, outcome: str, turns: list[tuple[str, str]]) -> None:
        lines.append(
            {"record": "run", "run_id": run_id, "system": "desk", "task": "quote item 7", "outcome": outcome}
        )
        for i, (agent, text) in enumerate(turns):
            lines.append(
                {
                    "run_id": run_id,
                    "step_id": f"{run_id}-s{i}",
                    "agent": agent,
                    "kind": "agent",
                    "name": agent,
                    "started_at": f"2026-01-01T00:00:{i:02d}Z",
                    "ended_at": f"2026-01-01T00:00:{i:02d}.5Z",
                    "status": "ok",
                    "output": text,
                }
            )

    for r in range(5):  # (five successes: fewer give policy_from_findings nothing to weigh a limit against)
        run(
            f"ok{r}",
            "success",
            [
                ("planner", f"Ask the pricer for the quote of item {r} today"),
                ("pricer", f"The quote of item {r} is ready for the customer now"),
                ("planner", "Thanks, sending the quote to the customer right away"),
            ],
        )
    ask = ("planner", "Please look up the price of the widget for me")
    answer = ("pricer", "I cannot find that widget, please send the exact product name")
    for r in range(2):
        run(f"bad{r}", "failure", [ask, answer] * 3)
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")


def test_limit_below_the_schema_floor_becomes_the_floor(tmp_path: Path) -> None:
    _write_runs(tmp_path / "runs.jsonl")
    ws = wb.open()
    ws.ingest(tmp_path / "runs.jsonl", progress=False)
    policy = wb.policy_from_findings(ws)
    # 1 cuts both bouncing failures and no success, as 0 would have
    assert policy.loops.max_pingpong == 1
    summary = wb.backtest(policy, ws).summary
    assert summary["prevented"] == 2 and summary["successes_lost"] == 0
    assert wb.Policy.from_json(policy.to_json()) == policy

"""attack47's small native runs: a failed run whose one agent calls one tool five times with the same answer (a loop
by the default detector settings)."""

from __future__ import annotations


def loop_run(run_id: str = "r1") -> list[dict]:
    """The run's record, its planning step ``s0``, then ``s1``..``s5``: the same tool call, the same answer."""
    step = {"record": "step", "run_id": run_id, "agent": "pricer"}
    return [
        {"record": "run", "run_id": run_id, "outcome": "failure"},
        {**step, "step_id": "s0", "kind": "llm", "started_at": "2026-01-05T10:00:00Z", "output": "plan"},
    ] + [
        {**step, "step_id": f"s{i}", "parent_id": "s0", "kind": "tool", "tool": "lookup", "input": '{"q": 1}',
         "output": "the same answer", "started_at": f"2026-01-05T10:00:0{i}Z"}
        for i in range(1, 6)
    ]  # fmt: skip

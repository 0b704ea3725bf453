"""A run whose every log field is an XSS payload: what an LLM could write into its output."""

from __future__ import annotations

PAYLOAD = "<img src=x onerror=alert(1)>"
AGENT = "<img src=x onerror=alert('agent')>"


def payload_records() -> list[dict]:
    t = "2026-02-01T10:00:0{}Z"
    run = {"record": "run", "run_id": "xss-run", "system": "<script>alert('system')</script>",
           "task": "<img src=x onerror=alert('task')>", "outcome": "failure"}
    steps = [
        {"run_id": "xss-run", "step_id": "s0000", "agent": None, "kind": "system", "name": "root",
         "started_at": t.format(0), "ended_at": t.format(9), "status": "error"},
        {"run_id": "xss-run", "step_id": "s0001", "parent_id": "s0000", "agent": "planner", "kind": "llm",
         "name": "<b>plan</b>", "started_at": t.format(1), "ended_at": t.format(2), "status": "ok",
         "input": "<script>alert('input')</script>", "output": PAYLOAD},
        {"run_id": "xss-run", "step_id": "s0002", "parent_id": "s0000", "agent": AGENT, "kind": "tool",
         "name": "lookup", "tool": "<svg onload=alert('tool')>", "started_at": t.format(3), "ended_at": t.format(4),
         "status": "error", "error": "<svg onload=alert('error')>", "output": PAYLOAD},
        {"run_id": "xss-run", "step_id": "s0003", "parent_id": "s0000", "agent": "planner", "kind": "handoff",
         "name": "handoff", "started_at": t.format(5), "ended_at": t.format(6), "status": "ok"},
    ]
    edges = [{"record": "edge", "run_id": "xss-run", "src_step": "s0001", "dst_step": "s0002", "kind": "handoff"}]
    return [run, *steps, *edges]


def add_payload_finding(ws) -> None:  # noqa: ANN001
    ws.con.execute("INSERT INTO findings (run_id, step_id, agent, detector, severity, detail) VALUES (?, ?, ?, ?, ?, ?)",
                   ["xss-run", "s0002", AGENT, "retry", "critical", PAYLOAD])

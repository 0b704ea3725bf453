"""A run whose every log field is an XSS payload: what an LLM could write into its output."""

from __future__ import annotations

from workbench.store._connection import mark_detected_by_findings

PAYLOAD = "<img src=x onerror=alert(1)>"
AGENT = "<img src=x onerror=alert('agent')>"


def payload_records() -> list[dict]:
    t = "2026-02-01T10:00:0{}Z"
    run = {
        "record": "run",
        "run_id": "xss-run",
        "system": "<script>alert('system')</script>",
        "task": "<img src=x onerror=alert('task')>",
        "outcome": "failure",
    }
    steps = [
        {
            "run_id": "xss-run",
            "step_id": "s0000",
            "agent": None,
            "kind": "system",
            "name": "root",
            "started_at": t.format(0),
            "ended_at": t.format(9),
            "status": "error",
        },
        {
            "run_id": "xss-run",
            "step_id": "s0001",
            "parent_id": "s0000",
            "agent": "planner",
            "kind": "llm",
            "name": "<b>plan</b>",
            "started_at": t.format(1),
            "ended_at": t.format(2),
            "status": "ok",
            "input": "<script>alert('input')</script>",
            "output": PAYLOAD,
        },
        {
            "run_id": "xss-run",
            "step_id": "s0002",
            "parent_id": "s0000",
            "agent": AGENT,
            "kind": "tool",
            "name": "lookup",
            "tool": "<svg onload=alert('tool')>",
            "started_at": t.format(3),
            "ended_at": t.format(4),
            "status": "error",
            "error": "<svg onload=alert('error')>",
            "output": PAYLOAD,
        },
        {
            "run_id": "xss-run",
            "step_id": "s0003",
            "parent_id": "s0000",
            "agent": "planner",
            "kind": "handoff",
            "name": "handoff",
            "started_at": t.format(5),
            "ended_at": t.format(6),
            "status": "ok",
        },
    ]
    edges = [
        {"record": "edge", "run_id": "xss-run", "src_step": "s0001", "dst_step": "s0002", "kind": "handoff"}
    ]
    return [run, *steps, *edges]


def add_payload_finding(ws) -> None:  # noqa: ANN001
    ws.con.execute(
        "INSERT INTO findings (run_id, step_id, agent, detector, severity, detail) VALUES (?, ?, ?, ?, ?, ?)",
        ["xss-run", "s0002", AGENT, "retry", "critical", PAYLOAD],
    )
    # (and the run marked detected, as wb.detect marks the runs it wrote findings for: else a view's detect="auto"
    # takes it for a run never detected and replaces this finding with the detectors' own, schema 5)
    mark_detected_by_findings(ws.con)


# Agent names an LLM-written log could carry: markup, template and Vega-expression look-alikes,
# terminal escapes, a bidi override, a NUL.
HOSTILE_AGENTS = [
    "<img src=x onerror=alert('agent2')>",
    "{{constructor.constructor('alert(3)')()}}",
    "datum.x + alert(4)",
    "\x1b[31mred\x1b]0;t\x07",
    "\u202eevil\u202c",
    "a\x00b",
]


def hostile_runs(n_runs: int = 24) -> list[dict]:
    """Runs of agents named as above, half failed, with confidence and entropy on every LLM move and
    an error in each failed run: enough for every widget (tuner per agent, drift, explorer)."""
    out: list[dict] = []
    for r in range(n_runs):
        run_id = f"</script><script>alert('run{r}')</script>"
        failed = r % 2 == 1
        out.append(
            {
                "record": "run",
                "run_id": run_id,
                "system": "<b>sys</b>",
                "task": PAYLOAD,
                "outcome": "failure" if failed else "success",
            }
        )
        for s in range(6):
            agent = HOSTILE_AGENTS[(r + s) % len(HOSTILE_AGENTS)]
            t0 = f"2026-02-{1 + r % 20:02d}T10:{s:02d}:00Z"
            t1 = f"2026-02-{1 + r % 20:02d}T10:{s:02d}:30Z"
            step = {
                "run_id": run_id,
                "step_id": f"s{s}<svg onload=alert({s})>",
                "agent": agent,
                "kind": "llm" if s % 2 == 0 else "tool",
                "name": PAYLOAD,
                "started_at": t0,
                "ended_at": t1,
                "status": "error" if failed and s == 3 else "ok",
                "input": PAYLOAD,
                "output": AGENT,
            }
            if s % 2 == 0:
                step.update(
                    confidence=0.3 + 0.1 * ((r * 7 + s) % 6) - (0.2 if failed else 0.0),
                    entropy=0.5 + 0.2 * ((r * 5 + s) % 5) + (0.8 if failed else 0.0),
                )
            else:
                step.update(
                    tool="<img src=x onerror=alert('tool')>",
                    error=PAYLOAD if step["status"] == "error" else None,
                )
            out.append(step)
        if failed:
            out.append(
                {
                    "record": "label",
                    "run_id": run_id,
                    "agent": HOSTILE_AGENTS[r % len(HOSTILE_AGENTS)],
                    "step_id": "s3<svg onload=alert(3)>",
                    "kind": PAYLOAD,
                    "source": "ground_truth",
                }
            )
    return out

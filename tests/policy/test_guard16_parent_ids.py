"""The hand-called Guard told each step's id and its parent's encloses exactly what the store's parent links
say: OpenLLMetry's LangGraph spans leave an ``invoke_agent`` span open, with nothing under it, beside its
sibling ``execute_task`` span that holds the agent's work. By kind and depth alone the guard took the open
agent span for a wrapper (steps began, deeper ones too, while it was open) and read no signal at it; the
backtest reads its latency, as the store has it a leaf."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb
from workbench.guard import Guard
from workbench.policy import Breakers, HitlRule, Policy, PolicyViolation

T0 = 1_796_131_000_000_000_000
MS = 1_000_000
TRACE = "7315d31aeb47e18e6bde024bd6947344"
# id, parent, name, kind attributes, start ms, end ms (the shape of real13's tl_langgraph trace)
SPANS = [
    (
        1,
        None,
        "invoke_agent LangGraph",
        {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "LangGraph"},
        0,
        100,
    ),
    (
        2,
        1,
        "invoke_agent researcher",
        {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "researcher"},
        10,
        90,
    ),
    (
        3,
        1,
        "execute_task researcher",
        {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "researcher"},
        12,
        89,
    ),
    (4, 3, "chat gpt-4o", {"gen_ai.operation.name": "chat"}, 20, 40),
    (
        5,
        3,
        "execute_tool get_price",
        {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "get_price",
            "gen_ai.tool.call.arguments": '{"sku": "W"}',
        },
        45,
        50,
    ),
]
POLICIES = [Policy(hitl=(HitlRule("latency_ms", 70.0),)), Policy(breakers=Breakers(max_step_latency_ms=75.0))]


def _store(tmp_path: Path) -> wb.Workspace:
    spans = [
        {
            "traceId": TRACE,
            "spanId": f"{sid:016x}",
            **({"parentSpanId": f"{pid:016x}"} if pid else {}),
            "name": name,
            "kind": 1,
            "startTimeUnixNano": str(T0 + t0 * MS),
            "endTimeUnixNano": str(T0 + t1 * MS),
            "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()],
            "status": {},
        }
        for sid, pid, name, attrs, t0, t1 in SPANS
    ]
    path = tmp_path / "tl_langgraph.otlp.jsonl"
    path.write_text(
        json.dumps(
            {
                "resourceSpans": [
                    {"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": "x"}, "spans": spans}]}
                ]
            }
        )
        + "\n"
    )
    ws = wb.open()
    ws.ingest(path, progress=False)
    ws.label(TRACE, outcome="failure")
    return ws


def _guarded(policy: Policy, ws: wb.Workspace, ids: bool) -> set[tuple[str, str, str]]:
    rows = ws.sql(
        "SELECT step_id, parent_id, agent, kind, coalesce(tool, name), input, depth, epoch(started_at), "
        "epoch(ended_at), latency_ms FROM steps ORDER BY seq"
    ).fetchall()
    events = sorted(
        [((r[7], 1, r[6], i), i, True) for i, r in enumerate(rows)]
        + [((r[8], 0, -r[6], i), i, False) for i, r in enumerate(rows)],
        key=lambda e: e[0],
    )
    guard = Guard(policy, on_escalate=lambda e: None)
    out = set()
    for _, i, start in events:
        sid, pid, agent, kind, tool, args, depth, t0, t1, latency = rows[i]
        tool, args = (tool, args) if kind == "tool" else (None, None)
        try:
            if start:
                d = guard.before_step(
                    TRACE,
                    agent,
                    kind,
                    tool,
                    args,
                    depth=depth,
                    started_at=t0,
                    **({"step_id": sid, "parent_id": pid} if ids else {}),
                )
            else:
                d = guard.after_step(
                    TRACE,
                    agent,
                    kind,
                    tool,
                    args,
                    latency_ms=latency,
                    ended_at=t1,
                    **({"step_id": sid} if ids else {}),
                )
        except PolicyViolation as exc:
            out.add((sid, "cut", exc.rule))
            break
        if d.action != "allow":
            out.add((sid, d.action, d.rule))
    return out


def test_a_guard_told_parent_ids_reads_the_open_leaf_agent_span_as_the_backtest_does(tmp_path: Path) -> None:
    ws = _store(tmp_path)
    for policy in POLICIES:
        said = {
            (s, a, r)
            for _, s, _, _, a, r in wb.backtest(policy, ws, steps=True).steps.itertuples(
                index=False, name=None
            )
            if a != "allow"
        }
        assert said and {s for s, _, _ in said} == {f"{2:016x}"}  # the open agent span, 80 ms, a leaf
        assert _guarded(policy, ws, ids=True) == said
        assert _guarded(policy, ws, ids=False) == set()  # by kind and depth: taken for a wrapper

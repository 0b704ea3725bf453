"""Chains of steps deeper than 512: traces that each continue the one before by a span link (a sub-agent
run started in a new trace, linked to its caller) join one run whose steps nest as deep as the chain is
long. Each step gets its true depth and the agent above it; before, the merge's walk stopped at depth 512
and every step below got depth 512 or less and no agent, silently."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb

N = 700


def _span(i: int) -> dict:
    span = {
        "traceId": f"{i + 1:032x}",
        "spanId": f"{i + 1:016x}",
        "name": f"task {i}",
        "kind": 1,
        "startTimeUnixNano": str(1796150790000000000 + i * 1000),
        "endTimeUnixNano": str(1796150799000000000 - i * 1000),
        "status": {},
        "attributes": [],
    }
    if i == 0:
        span["name"] = "invoke_agent planner"
        span["attributes"] = [
            {"key": "gen_ai.operation.name", "value": {"stringValue": "invoke_agent"}},
            {"key": "gen_ai.agent.name", "value": {"stringValue": "planner"}},
        ]
    else:  # the root of its own trace, linked to the span of the trace before it (a call, not a message)
        span["links"] = [{"traceId": f"{i:032x}", "spanId": f"{i:016x}"}]
    return span


def test_a_700_trace_link_chain_keeps_depth_and_agent(tmp_path: Path) -> None:
    path = tmp_path / "traces.jsonl"
    path.write_text(
        json.dumps(
            {
                "resourceSpans": [
                    {
                        "resource": {"attributes": []},
                        "scopeSpans": [{"scope": {"name": "test"}, "spans": [_span(i) for i in range(N)]}],
                    }
                ]
            }
        )
        + "\n"
    )
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored, rep.quarantined) == (N, N, 0)
    assert ws.sql("SELECT count(*) FROM runs").fetchall()[0][0] == 1
    rows = ws.sql("SELECT step_id, depth, agent FROM steps").fetchall()
    assert {step: depth for step, depth, _ in rows} == {f"{i + 1:016x}": i for i in range(N)}
    assert {agent for _, _, agent in rows} == {"planner"}


def test_a_chain_split_over_calls_is_as_deep(tmp_path: Path) -> None:
    """The first 600 traces stored, the last 100 in a later call: the walk covers the stored steps too."""
    spans = [_span(i) for i in range(N)]
    ws = wb.open()
    for part, chunk in (("a", spans[:600]), ("b", spans[600:])):
        path = tmp_path / f"{part}.jsonl"
        path.write_text(
            json.dumps(
                {
                    "resourceSpans": [
                        {
                            "resource": {"attributes": []},
                            "scopeSpans": [{"scope": {"name": "test"}, "spans": chunk}],
                        }
                    ]
                }
            )
            + "\n"
        )
        ws.ingest(path)
    assert ws.sql(
        "SELECT count(DISTINCT run_id), max(depth), count(*) FILTER (WHERE agent = 'planner') FROM steps"
    ).fetchall() == [(1, N - 1, N)]

"""OpenAI Agents SDK trace items (format openai-agents) with hostile values in fields the SDK writes plainly.

A failed tool call whose error ``data`` is nested deeper than orjson writes (255 levels) lost the whole span:
quarantined as "cannot read record: TypeError: Recursion limit reached", the call and its failure gone. An
``mcp_tools`` span whose ``server`` is no name (an object) was named by the object's Python repr."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb

TRACE = "trace_0123456789abcdef0123456789abcdef"


def _span(sid: str, parent: str | None, data: dict, error: dict | None = None) -> dict:
    return {
        "object": "trace.span",
        "id": f"span_{sid}",
        "trace_id": TRACE,
        "parent_id": f"span_{parent}" if parent else None,
        "started_at": "2026-12-02T07:00:01.000000+00:00",
        "ended_at": "2026-12-02T07:00:02.000000+00:00",
        "span_data": data,
        "error": error,
    }


def _ingest(tmp_path: Path, spans: list[dict]) -> wb.Workspace:
    recs = [
        _span("a1", None, {"type": "agent", "name": "researcher"}),
        *spans,
        {"object": "trace", "id": TRACE, "workflow_name": "quote"},
    ]
    path = tmp_path / "agents.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored, rep.quarantined) == (len(recs) - 1, len(recs) - 1, 0)
    return ws


def test_a_failed_call_whose_error_data_is_nested_deep_is_kept(tmp_path: Path) -> None:
    deep = json.loads("[" * 300 + "]" * 300)
    failed = _span(
        "f1",
        "a1",
        {"type": "function", "name": "get_price", "input": '{"item": "widget"}'},
        error={"message": "Error running tool", "data": {"error": None, "trace": deep}},
    )
    ws = _ingest(tmp_path, [failed])
    assert ws.sql("SELECT agent, tool, status, error FROM steps WHERE step_id = 'span_f1'").fetchall() == [
        ("researcher", "get_price", "error", "Error running tool (its data nested too deep to write)")
    ]


def test_an_mcp_server_that_is_no_name_is_not_named_by_its_repr(tmp_path: Path) -> None:
    listed = _span("m1", "a1", {"type": "mcp_tools", "server": {"url": "http://x"}, "result": ["get_price"]})
    named = _span("m2", "a1", {"type": "mcp_tools", "server": "prices", "result": ["get_price"]})
    ws = _ingest(tmp_path, [listed, named])
    assert dict(ws.sql("SELECT step_id, name FROM steps WHERE step_id LIKE 'span_m%'").fetchall()) == {
        "span_m1": "mcp list tools",
        "span_m2": "mcp list tools prices",
    }
    attrs = json.loads(ws.sql("SELECT attributes FROM steps WHERE step_id = 'span_m1'").fetchall()[0][0])
    assert attrs["openai_agents.server"] == {"url": "http://x"}  # (kept as written, among the attributes)

"""AG2's OpenTelemetry spans, in the shape ag2 0.14.0 (autogen.opentelemetry: instrument_pattern +
instrument_llm_wrapper) wrote them on a real RoundRobinPattern group chat (real14,
/work/wt/_notes/real14_out/ag2/ag2_groupchat.otlp.jsonl). Before: every tool call was the agent
"_Group_Tool_Executor"'s, and the call that raised had status UNSET (only error.type = ExecutionError), so the
researcher's retry read as the executor's loop."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

TRACE = "4f539e235485d3717e132e7573106e6c"


def _msgs(role: str, text: str) -> str:
    return json.dumps([{"role": role, "parts": [{"type": "text", "content": text}]}])


def _span(sid: str, parent: str | None, name: str, attrs: dict, start: int, end: int) -> dict:
    out = {
        "traceId": TRACE,
        "spanId": sid,
        "name": name,
        "kind": 1,
        "startTimeUnixNano": str(1796160000000000000 + start * 1_000_000),
        "endTimeUnixNano": str(1796160000000000000 + end * 1_000_000),
        "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()],
        "status": {},
    }
    if parent:
        out["parentSpanId"] = parent
    return out


def _agent(name: str, out: str) -> dict:
    return {
        "ag2.span.type": "agent",
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": name,
        "gen_ai.output.messages": out,
    }


def _tool(call: str, **extra: str) -> dict:
    return {
        "ag2.span.type": "tool",
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "get_price",
        "gen_ai.tool.type": "function",
        "gen_ai.tool.call.id": call,
        "gen_ai.tool.call.arguments": '{"item": "widget"}',
        **extra,
    }


def groupchat() -> dict:
    ask = json.dumps(
        [
            {
                "role": "assistant",
                "parts": [
                    {
                        "type": "tool_call",
                        "id": "call_1",
                        "name": "get_price",
                        "arguments": {"item": "widget"},
                    }
                ],
            }
        ]
    )
    sp = [
        _span(
            "00000000000000a1",
            None,
            "conversation user",
            {
                "ag2.span.type": "conversation",
                "gen_ai.operation.name": "conversation",
                "gen_ai.agent.name": "user",
                "gen_ai.input.messages": _msgs("user", "Quote a widget."),
            },
            0,
            100,
        ),
        _span(
            "00000000000000a2",
            "00000000000000a1",
            "invoke_agent chat_manager",
            {
                "ag2.span.type": "agent",
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.agent.name": "chat_manager",
            },
            1,
            99,
        ),
        _span(
            "00000000000000b1",
            "00000000000000a2",
            "invoke_agent researcher",
            _agent("researcher", ask),
            2,
            10,
        ),
        _span(
            "00000000000000b2",
            "00000000000000a2",
            "invoke_agent _Group_Tool_Executor",
            _agent("_Group_Tool_Executor", _msgs("tool", "Error: price service timed out")),
            11,
            20,
        ),
        _span(
            "00000000000000c1",
            "00000000000000b2",
            "execute_tool get_price",
            _tool("call_1", **{"error.type": "ExecutionError"}),
            12,
            13,
        ),
        _span(
            "00000000000000b3",
            "00000000000000a2",
            "invoke_agent researcher",
            _agent("researcher", ask),
            21,
            30,
        ),
        _span(
            "00000000000000b4",
            "00000000000000a2",
            "invoke_agent _Group_Tool_Executor",
            _agent("_Group_Tool_Executor", _msgs("tool", "41.20")),
            31,
            40,
        ),
        _span(
            "00000000000000c2",
            "00000000000000b4",
            "execute_tool get_price",
            _tool("call_2", **{"gen_ai.tool.call.result": "41.20"}),
            32,
            33,
        ),
        _span(
            "00000000000000b5",
            "00000000000000a2",
            "invoke_agent writer",
            _agent("writer", _msgs("assistant", "The widget costs 14.20 USD.")),
            41,
            50,
        ),
    ]
    return {
        "resourceSpans": [
            {"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": "ag2"}, "spans": sp}]}
        ]
    }


# One reader, the chosen one (``fast`` None): both readers store the same rows for the file, compared by
# tests/ingest/conftest.py as each test here ends (WRITERS), so each test's assertions hold for both.
@pytest.fixture()
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> wb.Workspace:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", None)
    path = tmp_path / "ag2.otlp.jsonl"
    path.write_text(json.dumps(groupchat()) + "\n")
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored, rep.quarantined) == (9, 9, 0)
    return ws


def test_ag2_tool_executor_acts_for_the_agent_before_it(ws: wb.Workspace) -> None:
    s = {
        r[0][-2:]: r[1:]
        for r in ws.sql("SELECT step_id, kind, agent, tool, status, error FROM steps").fetchall()
    }
    assert s["b2"][:2] == ("chain", "researcher") and s["b4"][:2] == ("chain", "researcher")
    assert s["c1"] == (
        "tool",
        "researcher",
        "get_price",
        "error",
        "ExecutionError: Error: price service timed out",
    )  # (the executor's message: real15)
    assert s["c2"][:4] == ("tool", "researcher", "get_price", "unset")
    assert s["b5"][:2] == ("agent", "writer")
    agents = {r[0] for r in ws.sql("SELECT DISTINCT agent FROM steps WHERE agent IS NOT NULL").fetchall()}
    assert "_Group_Tool_Executor" not in agents


def test_ag2_failed_call_and_its_retry_are_the_researchers(ws: wb.Workspace) -> None:
    f = wb.detect(ws)
    assert list(f[f.detector == "retry"].agent) == ["researcher"]
    assert f[f.detector == "loop"].empty


# (the chosen reader: both store the same rows for the file, compared by tests/ingest/conftest.py)
def test_error_type_without_status_is_a_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", None)
    doc = groupchat()
    spans = doc["resourceSpans"][0]["scopeSpans"][0]["spans"]
    for sp in spans:  # any producer, not only AG2
        sp["attributes"] = [a for a in sp["attributes"] if a["key"] != "ag2.span.type"]
    spans[0]["status"] = {"code": 1}  # an OK status is kept whatever error.type says
    spans[0]["attributes"].append({"key": "error.type", "value": {"stringValue": "_OTHER"}})
    path = tmp_path / "e.otlp.jsonl"
    path.write_text(json.dumps(doc) + "\n")
    ws = wb.open()
    ws.ingest(path)
    st = dict(ws.sql("SELECT right(step_id, 2), status FROM steps").fetchall())
    assert st["c1"] == "error" and st["a1"] == "ok" and st["c2"] == "unset"

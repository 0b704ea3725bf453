"""Strands Agents' own spans (strands-agents 1.62.0) under the latest GenAI conventions
(``OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental``), in the shape a real run wrote (real20,
/work/wt/_notes/real20_out/strands_graph_latest.otlp.jsonl: a Graph researcher -> writer; get_price times out
once, is called again (41.20); the writer quotes 14.20). Strands then writes every message as a span event
``gen_ai.client.inference.operation.details`` carrying ``gen_ai.input.messages`` or ``gen_ai.output.messages``
(one event each, several on an event-loop cycle): before, no model call, agent or cycle had any text, so the
writer's made-up 14.20 went unseen."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

TRACE = "84d6d722b7bb4a7a7c9e0e308b502552"
DETAILS = "gen_ai.client.inference.operation.details"
QUOTE = "Quote for the customer: the widget costs 14.20 USD.\n"
ASK = "What does the widget cost? Write the customer quote."


def _text(role: str, text: str) -> dict:
    return {"role": role, "parts": [{"type": "text", "content": text}]}


def _call(n: int) -> dict:
    return {
        "role": "assistant",
        "parts": [
            {"type": "tool_call", "name": "get_price", "id": f"call_{n}", "arguments": {"item": "widget"}}
        ],
        "finish_reason": "tool_use",
    }


def _result(n: int, text: str) -> dict:
    return {
        "role": "user",
        "parts": [{"type": "tool_call_response", "id": f"call_{n}", "response": [{"text": text}]}],
    }


def _ev(key: str, messages: list) -> dict:
    return {"name": DETAILS, "attributes": [{"key": key, "value": {"stringValue": json.dumps(messages)}}]}


def _chat(inp: list, out: dict, n: int) -> dict:
    return {
        "attrs": {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "strands-agents",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.usage.input_tokens": 50 + 10 * n,
            "gen_ai.usage.output_tokens": 12,
        },
        "events": [_ev("gen_ai.input.messages", inp), _ev("gen_ai.output.messages", [out])],
    }


def _cycle(*inputs: list) -> dict:
    return {
        "attrs": {
            "gen_ai.operation.name": "execute_event_loop_cycle",
            "gen_ai.provider.name": "strands-agents",
        },
        "events": [_ev("gen_ai.input.messages", m) for m in inputs],
    }


def _agent(name: str, inp: list, answer: str) -> dict:
    return {
        "attrs": {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.provider.name": "strands-agents",
            "gen_ai.agent.name": name,
            "gen_ai.request.model": "gpt-4o-mini",
        },
        "events": [
            _ev("gen_ai.input.messages", inp),
            _ev("gen_ai.output.messages", [_text("assistant", answer)]),
        ],
    }


def _tool(n: int, failed: bool) -> dict:
    a = {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.provider.name": "strands-agents",
        "gen_ai.tool.name": "get_price",
        "gen_ai.tool.call.id": f"call_{n}",
        "gen_ai.tool.call.arguments": '{"item": "widget"}',
        "gen_ai.tool.status": "error" if failed else "success",
    }
    if not failed:
        a["gen_ai.tool.call.result"] = '[{"text": "41.20"}]'
    return {"attrs": a, "error": "price service timed out" if failed else None}


def rows() -> list:
    ask = [_text("user", ASK)]
    notes = "The widget costs 41.20 USD.\n"
    w_in = [
        {
            "role": "user",
            "parts": [
                {"type": "text", "content": "Original Task: " + ASK},
                {"type": "text", "content": "\nFrom researcher:\n  - Agent: " + notes},
            ],
        }
    ]
    return [
        (
            "a0",
            None,
            "invoke_graph",
            {
                "attrs": {"gen_ai.operation.name": "invoke_graph", "gen_ai.provider.name": "strands-agents"},
                "events": [_ev("gen_ai.input.messages", ask)],
                "unset": True,
            },
        ),
        ("a1", "a0", "invoke_agent researcher", _agent("researcher", ask, notes)),
        (
            "b0",
            "a1",
            "execute_event_loop_cycle",
            _cycle(ask, [_result(1, "Error: TimeoutError - price service timed out")]),
        ),
        ("b1", "b0", "chat", _chat(ask, _call(1), 0)),
        ("b2", "b0", "execute_tool get_price", _tool(1, True)),
        ("b3", "a1", "execute_event_loop_cycle", _cycle(ask + [_call(1)], [_result(2, "41.20")])),
        ("b4", "b3", "chat", _chat(ask + [_call(1)], _call(2), 1)),
        ("b5", "b3", "execute_tool get_price", _tool(2, False)),
        ("b6", "a1", "execute_event_loop_cycle", _cycle(ask + [_call(1), _call(2)])),
        ("b7", "b6", "chat", _chat(ask + [_call(1), _call(2)], _text("assistant", notes), 2)),
        ("c1", "a0", "invoke_agent writer", _agent("writer", w_in, QUOTE)),
        ("c2", "c1", "execute_event_loop_cycle", _cycle(w_in)),
        ("c3", "c2", "chat", _chat(w_in, _text("assistant", QUOTE), 3)),
    ]


def trace() -> dict:
    spans = []
    for i, (sid, parent, name, d) in enumerate(rows()):
        sp = {
            "traceId": TRACE,
            "spanId": "00000000000000" + sid,
            "name": name,
            "kind": 1,
            "startTimeUnixNano": str(1796183900000000000 + i * 1_000_000),
            "endTimeUnixNano": str(1796183900000000000 + i * 1_000_000 + 500_000),
            "attributes": [
                {"key": k, "value": {"intValue": str(v)} if isinstance(v, int) else {"stringValue": v}}
                for k, v in d["attrs"].items()
            ],
            "events": list(d.get("events", [])),
            "status": {} if d.get("unset") else {"code": "STATUS_CODE_OK"},
        }
        if d.get("error"):
            sp["status"] = {"code": "STATUS_CODE_ERROR", "message": d["error"]}
            sp["events"].append(
                {
                    "name": "exception",
                    "attributes": [
                        {"key": "exception.type", "value": {"stringValue": "TimeoutError"}},
                        {"key": "exception.message", "value": {"stringValue": d["error"]}},
                    ],
                }
            )
        if parent:
            sp["parentSpanId"] = "00000000000000" + parent
        spans.append(sp)
    return {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "quote-service"}}]
                },
                "scopeSpans": [{"scope": {"name": "strands.telemetry.tracer"}, "spans": spans}],
            }
        ]
    }


# One reader, the chosen one (``fast`` None): both readers store the same rows for the file, compared by
# tests/ingest/conftest.py as each test here ends (WRITERS), so each test's assertions hold for both.
@pytest.fixture()
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> wb.Workspace:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", None)
    path = tmp_path / "strands.otlp.jsonl"
    path.write_text(json.dumps(trace()) + "\n")
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored, rep.quarantined) == (13, 13, 0)
    return ws


def test_strands_details_events_read_as_messages(ws: wb.Workspace) -> None:
    s = {
        r[0][-2:]: r[1:]
        for r in ws.sql("SELECT step_id, kind, agent, tool, status, input, output FROM steps").fetchall()
    }
    assert s["b1"][:2] == ("llm", "researcher")
    assert json.loads(s["b1"][4]) == [_text("user", ASK)]
    assert json.loads(s["b1"][5]) == [_call(1)]
    assert json.loads(s["c3"][5]) == [_text("assistant", QUOTE)] and s["c3"][1] == "writer"
    assert json.loads(s["c1"][5]) == [_text("assistant", QUOTE)] and s["c1"][:2] == ("agent", "writer")
    # an event-loop cycle's two input events (the turn's messages, then the tool results) are one input
    assert json.loads(s["b0"][4]) == [
        _text("user", ASK),
        _result(1, "Error: TimeoutError - price service timed out"),
    ]
    assert s["b2"][:4] == ("tool", "researcher", "get_price", "error") and s["b5"][5] == '[{"text": "41.20"}]'


def test_strands_writer_made_up_quote_found(ws: wb.Workspace) -> None:
    f = wb.detect(ws)
    assert list(f[f.detector == "retry"].agent) == ["researcher"]
    silent = f[f.detector == "silent_failure"]
    assert list(silent.agent) == ["writer"] and "14.20" in silent.detail.iloc[0]


def _legacy_tool(n: int, failed: bool) -> dict:
    """Strands' default conventions: a tool call's arguments and result as deprecated GenAI events."""
    span = {
        "traceId": TRACE,
        "spanId": f"00000000000000b{n}",
        "parentSpanId": "00000000000000a1",
        "name": "execute_tool get_price",
        "kind": 1,
        "startTimeUnixNano": str(1796183900000000000 + n * 1_000_000),
        "endTimeUnixNano": str(1796183900000000000 + n * 1_000_000 + 500_000),
        "attributes": [
            {"key": k, "value": {"stringValue": v}}
            for k, v in {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.system": "strands-agents",
                "gen_ai.tool.name": "get_price",
                "gen_ai.tool.call.id": f"call_{n}",
                "gen_ai.tool.status": "error" if failed else "success",
            }.items()
        ],
        "events": [
            {
                "name": "gen_ai.tool.message",
                "attributes": [
                    {"key": "role", "value": {"stringValue": "tool"}},
                    {"key": "content", "value": {"stringValue": '{"item": "widget"}'}},
                    {"key": "id", "value": {"stringValue": f"call_{n}"}},
                ],
            },
            {
                "name": "gen_ai.choice",
                "attributes": [
                    {
                        "key": "message",
                        "value": {
                            "stringValue": '[{"text": "Error: TimeoutError - price service timed out"}]'
                            if failed
                            else '[{"text": "41.20"}]'
                        },
                    },
                    {"key": "id", "value": {"stringValue": f"call_{n}"}},
                ],
            },
        ],
        "status": {"code": "STATUS_CODE_ERROR", "message": "price service timed out"}
        if failed
        else {"code": "STATUS_CODE_OK"},
    }
    return span


# (the chosen reader: both store the same rows for the file, compared by tests/ingest/conftest.py)
def test_strands_legacy_tool_events_read_as_arguments_and_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", None)
    agent = {
        "traceId": TRACE,
        "spanId": "00000000000000a1",
        "name": "invoke_agent researcher",
        "kind": 1,
        "startTimeUnixNano": "1796183900000000000",
        "endTimeUnixNano": "1796183909000000000",
        "attributes": [
            {"key": "gen_ai.operation.name", "value": {"stringValue": "invoke_agent"}},
            {"key": "gen_ai.agent.name", "value": {"stringValue": "researcher"}},
        ],
        "status": {"code": "STATUS_CODE_OK"},
    }
    doc = {
        "resourceSpans": [
            {
                "resource": {"attributes": []},
                "scopeSpans": [
                    {
                        "scope": {"name": "strands.telemetry.tracer"},
                        "spans": [agent, _legacy_tool(1, True), _legacy_tool(2, False)],
                    }
                ],
            }
        ]
    }
    path = tmp_path / "strands_legacy.otlp.jsonl"
    path.write_text(json.dumps(doc) + "\n")
    ws = wb.open()
    ws.ingest(path)
    rows = ws.sql("SELECT status, input, output FROM steps WHERE kind = 'tool' ORDER BY step_id").fetchall()
    # the arguments without the call's id (a call made again has the same input), the result without it
    assert rows == [
        ("error", '{"item": "widget"}', '[{"text": "Error: TimeoutError - price service timed out"}]'),
        ("ok", '{"item": "widget"}', '[{"text": "41.20"}]'),
    ]
    f = wb.detect(ws)
    assert list(f[f.detector == "retry"].agent) == ["researcher"]

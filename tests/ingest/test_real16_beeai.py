"""BeeAI's OpenInference spans, in the shape openinference-instrumentation-beeai 0.1.30 wrote them on a real
beeai-framework 0.1.85 AgentWorkflow of two RequirementAgents (real16,
/work/wt/_notes/real16_out/beeai/beeai_quote.otlp.jsonl). The instrumentor makes a span of an agent's or a
tool's emitter event, typed as its emitter (AGENT / TOOL), named after the event (``final_answer``, ``error``)
with the emitter path in ``metadata.path``. Before: every agent's final answer was an agent "final_answer",
and a failed tool call's error event a second failed call of a tool named "error" (the retry then went unseen)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

TRACE = "0fb51fde39b54e8383a9ad6660268459"


def _span(
    sid: str, parent: str | None, name: str, attrs: dict, start: int, end: int, error: bool = False
) -> dict:
    out = {
        "traceId": TRACE,
        "spanId": sid,
        "name": name,
        "kind": "SPAN_KIND_INTERNAL",
        "startTimeUnixNano": str(1796160000000000000 + start * 1_000_000),
        "endTimeUnixNano": str(1796160000000000000 + end * 1_000_000),
        "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()],
        "status": {"code": "STATUS_CODE_ERROR" if error else "STATUS_CODE_OK"},
    }
    if error:
        out["events"] = [
            {
                "name": "exception",
                "timeUnixNano": out["endTimeUnixNano"],
                "attributes": [
                    {"key": "exception.type", "value": {"stringValue": "ToolError"}},
                    {"key": "exception.message", "value": {"stringValue": "Tool Error"}},
                ],
            }
        ]
    if parent:
        out["parentSpanId"] = parent
    return out


def _event(path: str, kind: str, value: dict) -> dict:
    return {
        "openinference.span.kind": kind,
        "input.value": json.dumps(value),
        "input.mime_type": "application/json",
        "metadata.path": path,
        "metadata.id": "7c641ea2-4e6b-401f-bcd0-843604a81b8c",
        "metadata.trace.run_id": "27ec6b52-dfa1-49d3-8174-dee1f2a55139",
    }


def _tool(out: str) -> dict:
    return {
        "openinference.span.kind": "TOOL",
        "tool.name": "get_price",
        "input.value": '{"input": {"item": "widget"}}',
        "output.value": out,
    }


def _llm(text: str) -> dict:
    calls = json.dumps({"response": text}) if text else '{"item": "widget"}'
    return {
        "openinference.span.kind": "LLM",
        "llm.model_name": "gpt-4o-mini",
        "llm.input_messages.0.message.role": "user",
        "llm.input_messages.0.message.contents.0.message_content.text": "Your task: quote a widget",
        "llm.output_messages.0.message.role": "assistant",
        "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "final_answer"
        if text
        else "get_price",
        "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": calls,
    }


def _agent(name: str, out: str) -> dict:
    return {
        "openinference.span.kind": "AGENT",
        "agent.name": name,
        "input.value": '{"input": "quote"}',
        "output.value": out,
    }


def workflow() -> dict:
    r, w = "0000000000000a01", "0000000000000b01"
    sp = [
        _span(
            "0000000000000001",
            None,
            "quote",
            {"openinference.span.kind": "CHAIN", "input.value": '{"prompt": "What does a widget cost?"}'},
            0,
            100,
        ),
        _span(
            r, "0000000000000001", "researcher", _agent("researcher", "The widget costs 41.20 USD."), 1, 50
        ),
        _span("0000000000000a02", r, "OpenAIChatModel", _llm(""), 2, 5),
        _span(
            "0000000000000a03",
            r,
            "get_price",
            _tool("ToolError: Tool Error  TimeoutError: price service timed out"),
            6,
            8,
            error=True,
        ),
        _span(
            "0000000000000a04",
            "0000000000000a03",
            "error",
            _event(
                "tool.custom.get_price.error", "TOOL", {"error": "Tool Error", "input": {"item": "widget"}}
            ),
            8,
            8,
            error=True,
        ),
        _span("0000000000000a05", r, "OpenAIChatModel", _llm(""), 9, 12),
        _span("0000000000000a06", r, "get_price", _tool("41.20"), 13, 14),
        _span("0000000000000a07", r, "OpenAIChatModel", _llm("The widget costs 41.20 USD."), 15, 18),
        _span(
            "0000000000000a08",
            r,
            "final_answer",
            _event("agent.requirement.final_answer", "AGENT", {"output": "The widget costs 41.20 USD."}),
            19,
            19,
        ),
        _span(w, "0000000000000001", "writer", _agent("writer", "The widget costs 14.20 USD."), 51, 99),
        _span("0000000000000b02", w, "OpenAIChatModel", _llm("The widget costs 14.20 USD."), 52, 60),
        _span(
            "0000000000000b03",
            w,
            "final_answer",
            _event("agent.requirement.final_answer", "AGENT", {"output": "The widget costs 14.20 USD."}),
            61,
            61,
        ),
    ]
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": []},
                "scopeSpans": [
                    {
                        "scope": {"name": "openinference.instrumentation.beeai", "version": "0.1.85"},
                        "spans": sp,
                    }
                ],
            }
        ]
    }


# One reader, the chosen one (``fast`` None): both readers store the same rows for the file, compared by
# tests/ingest/conftest.py as each test here ends (WRITERS), so each test's assertions hold for both.
@pytest.fixture()
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> wb.Workspace:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", None)
    path = tmp_path / "beeai.otlp.jsonl"
    path.write_text(json.dumps(workflow()) + "\n")
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored, rep.quarantined) == (12, 12, 0)
    return ws


def test_beeai_events_are_their_agents_not_steps_of_their_own(ws: wb.Workspace) -> None:
    s = {r[0][-3:]: r[1:] for r in ws.sql("SELECT step_id, kind, agent, tool FROM steps").fetchall()}
    assert s["a08"] == ("chain", "researcher", None) and s["b03"] == ("chain", "writer", None)
    assert s["a04"] == ("chain", "researcher", None)  # the failed call's error event, no call of its own
    assert s["a03"] == ("tool", "researcher", "get_price")
    agents = {r[0] for r in ws.sql("SELECT DISTINCT agent FROM steps WHERE agent IS NOT NULL").fetchall()}
    assert agents == {"researcher", "writer"}
    tools = {r[0] for r in ws.sql("SELECT DISTINCT tool FROM steps WHERE tool IS NOT NULL").fetchall()}
    assert tools == {"get_price"}


def test_beeai_retry_after_the_failed_call_is_seen(ws: wb.Workspace) -> None:
    f = wb.detect(ws)
    assert list(f[f.detector == "retry"].agent) == ["researcher"]
    assert list(f[f.detector == "silent_failure"].agent) == ["writer"]

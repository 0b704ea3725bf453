"""Google ADK's own spans (google-adk 2.13.0, tracer ``gcp.vertex.agent``), in the shape a real run wrote (real20,
/work/wt/_notes/real20_out/adk_v1.otlp.jsonl and adk_v2_content.otlp.jsonl: a SequentialAgent researcher -> writer
on LiteLLM; ReflectAndRetryToolPlugin hands get_price's timeout back to the model, which calls it again; the writer
quotes 14.20 for 41.20).

Before: the legacy spans' model calls (``call_llm``: ``gcp.vertex.agent.llm_request`` / ``llm_response``) were
steps of kind ``other`` with no text and the tool calls had no arguments nor result (``tool_call_args`` /
``tool_response``): no finding at all. Under both schemas the failed call (the plugin's failure response, no
error status) read as a success, and its retry as a loop.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

TRACE = "fc3069e01a249b4f15b3ae0c381704e5"
SYSTEM = 'You are the {0}.\n\nYou are an agent. Your internal name is "{0}".'
QUOTE = "Quote for the customer: the widget costs 14.20 USD."
FAILURE = {
    "response_type": "ERROR_HANDLED_BY_REFLECT_AND_RETRY_PLUGIN",
    "error_type": "TimeoutError",
    "error_details": "price service timed out",
    "retry_count": 1,
    "reflection_guidance": "The call to tool `get_price` failed.\n\n**Error Details:**\n```\nTimeoutError: "
    "price service timed out\n```",
}


def _content(role: str, *parts: dict) -> dict:
    return {"parts": list(parts), "role": role}


def _call(n: int) -> dict:
    return {"function_call": {"id": f"call_{n}", "args": {"item": "widget"}, "name": "get_price"}}


def _reply(n: int) -> dict:
    return {
        "function_response": {
            "id": f"call_{n}",
            "name": "get_price",
            "response": FAILURE if n == 1 else {"result": "41.20"},
        }
    }


def _call_llm(agent: str, contents: list, answer: dict, n: int) -> dict:
    request = {
        "model": "openai/gpt-4o-mini",
        "config": {"system_instruction": SYSTEM.format(agent), "labels": {"adk_agent_name": agent}},
        "contents": contents,
    }
    response = {
        "model_version": "gpt-4o-mini-2024-07-18",
        "content": _content("model", answer),
        "partial": False,
        "finish_reason": "STOP",
        "usage_metadata": {"candidates_token_count": 12, "prompt_token_count": 50 + 10 * n},
    }
    return {
        "gen_ai.system": "gcp.vertex.agent",
        "gen_ai.request.model": "openai/gpt-4o-mini",
        "gcp.vertex.agent.invocation_id": "e-1",
        "gcp.vertex.agent.session_id": "s-1",
        "gcp.vertex.agent.event_id": f"ev-{n}",
        "gcp.vertex.agent.llm_request": json.dumps(request),
        "gcp.vertex.agent.llm_response": json.dumps(response),
        "gen_ai.usage.input_tokens": 50 + 10 * n,
        "gen_ai.usage.output_tokens": 12,
    }


def _tool(n: int, legacy: bool) -> dict:
    a = {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.description": "Price of an item in USD.",
        "gen_ai.tool.name": "get_price",
        "gen_ai.tool.type": "FunctionTool",
        "gen_ai.agent.name": "researcher",
        "gen_ai.tool.call.id": f"call_{n}",
        "gcp.vertex.agent.event_id": f"tev-{n}",
    }
    result = json.dumps(FAILURE if n == 1 else {"result": "41.20"})
    if legacy:  # (ADK's UI wants the model keys on every span: "{}")
        return a | {
            "gcp.vertex.agent.llm_request": "{}",
            "gcp.vertex.agent.llm_response": "{}",
            "gcp.vertex.agent.tool_call_args": '{"item": "widget"}',
            "gcp.vertex.agent.tool_response": result,
        }
    return a | {"gen_ai.tool.call.arguments": '{"item": "widget"}', "gen_ai.tool.call.result": result}


def _generate(agent: str, text: str | None, n: int) -> dict:
    """Schema 2's model call (content on the span only with OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT)."""
    out = [
        {
            "role": "assistant",
            "parts": [
                {"content": text, "type": "text"}
                if text
                else {
                    "id": f"call_{n + 1}",
                    "name": "get_price",
                    "arguments": {"item": "widget"},
                    "type": "tool_call",
                }
            ],
            "finish_reason": "stop",
        }
    ]
    return {
        "gen_ai.operation.name": "generate_content",
        "gen_ai.request.model": "openai/gpt-4o-mini",
        "gen_ai.agent.name": agent,
        "gen_ai.provider.name": "openai",
        "gen_ai.usage.input_tokens": 50 + 10 * n,
        "gen_ai.usage.output_tokens": 12,
        "gen_ai.output.messages": json.dumps(out),
        "gen_ai.input.messages": json.dumps(
            [{"role": "user", "parts": [{"content": "Price?", "type": "text"}]}]
        ),
    }


def _agent(name: str) -> dict:
    return {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.description": "",
        "gen_ai.agent.name": name,
        "gen_ai.conversation.id": "s-1",
    }


def legacy_rows() -> list:
    user = _content("user", {"text": "What does the widget cost? Write the customer quote."})
    r1 = [user]
    r2 = r1 + [_content("model", _call(1)), _content("user", _reply(1))]
    r3 = r2 + [_content("model", _call(2)), _content("user", _reply(2))]
    notes = _content("model", {"text": "The widget costs 41.20 USD."})
    return [  # (span id, parent, name, attributes) as ADK 1.x, or 2.x with ADK_TELEMETRY_SCHEMA_VERSION_OPT_IN=1
        ("a0", None, "invocation", {}),
        ("a1", "a0", "invoke_agent quote_pipeline", _agent("quote_pipeline")),
        ("a2", "a1", "invoke_agent researcher", _agent("researcher")),
        ("b1", "a2", "call_llm", _call_llm("researcher", r1, _call(1), 0)),
        ("b2", "a2", "execute_tool get_price", _tool(1, True)),
        ("b3", "a2", "call_llm", _call_llm("researcher", r2, _call(2), 1)),
        ("b4", "a2", "execute_tool get_price", _tool(2, True)),
        ("b5", "a2", "call_llm", _call_llm("researcher", r3, {"text": "The widget costs 41.20 USD."}, 2)),
        ("c1", "a1", "invoke_agent writer", _agent("writer")),
        ("c2", "c1", "call_llm", _call_llm("writer", [user, notes], {"text": QUOTE}, 3)),
    ]


def semconv_rows() -> list:
    return [  # ADK 2.x's default schema
        ("a0", None, "invoke_workflow quote_pipeline", {"gen_ai.operation.name": "invoke_workflow"}),
        ("a1", "a0", "invoke_agent quote_pipeline", _agent("quote_pipeline")),
        ("a2", "a1", "invoke_agent researcher", _agent("researcher")),
        ("b1", "a2", "generate_content openai/gpt-4o-mini", _generate("researcher", None, 0)),
        ("b2", "a2", "execute_tool get_price", _tool(1, False)),
        ("b3", "a2", "generate_content openai/gpt-4o-mini", _generate("researcher", None, 1)),
        ("b4", "a2", "execute_tool get_price", _tool(2, False)),
        (
            "b5",
            "a2",
            "generate_content openai/gpt-4o-mini",
            _generate("researcher", "The widget costs 41.20 USD.", 2),
        ),
        ("c1", "a1", "invoke_agent writer", _agent("writer")),
        ("c2", "c1", "generate_content openai/gpt-4o-mini", _generate("writer", QUOTE, 3)),
    ]


def trace(rows: list) -> dict:
    spans = []
    for i, (sid, parent, name, attrs) in enumerate(rows):
        sp = {
            "traceId": TRACE,
            "spanId": "00000000000000" + sid,
            "name": name,
            "kind": 1,
            "startTimeUnixNano": str(1796183900000000000 + i * 1_000_000),
            "endTimeUnixNano": str(1796183900000000000 + i * 1_000_000 + 500_000),
            "attributes": [
                {"key": k, "value": {"intValue": str(v)} if isinstance(v, int) else {"stringValue": v}}
                for k, v in attrs.items()
            ],
            "status": {},
        }  # (ADK sets no status on success, nor on a failure a plugin handled)
        if parent:
            sp["parentSpanId"] = "00000000000000" + parent
        spans.append(sp)
    return {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "quote-service"}}]
                },
                "scopeSpans": [{"scope": {"name": "gcp.vertex.agent", "version": "2.13.0"}, "spans": spans}],
            }
        ]
    }


def _open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast: bool | None, rows: list) -> wb.Workspace:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", fast)
    path = tmp_path / "adk.otlp.jsonl"
    path.write_text(json.dumps(trace(rows)) + "\n")
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored, rep.quarantined) == (10, 10, 0)
    return ws


def _steps(ws: wb.Workspace) -> dict:
    return {
        r[0][-2:]: r[1:]
        for r in ws.sql(
            "SELECT step_id, kind, agent, tool, status, input, output, error, tokens_in, attributes FROM steps"
        ).fetchall()
    }


# (the chosen reader: both store the same rows for the file, compared by tests/ingest/conftest.py)
def test_adk_legacy_model_and_tool_spans_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = _steps(_open(tmp_path, monkeypatch, None, legacy_rows()))
    kind, agent, _, status, inp, out, _, tokens, attrs = s["b1"]
    assert (kind, agent, tokens) == ("llm", "researcher", 50)
    msgs = json.loads(inp)
    assert msgs[0] == {"role": "system", "parts": [{"type": "text", "content": SYSTEM.format("researcher")}]}
    assert msgs[1]["parts"][0]["content"].startswith("What does the widget cost?")
    assert json.loads(out) == [
        {
            "role": "assistant",
            "finish_reason": "stop",
            "parts": [
                {"type": "tool_call", "id": "call_1", "name": "get_price", "arguments": {"item": "widget"}}
            ],
        }
    ]
    assert "gcp.vertex.agent.llm_request" not in json.loads(attrs)  # (it is the step's input now)
    # the model's tool-call reply and the tool's result reach the next call as parts
    parts = [p for m in json.loads(s["b3"][4]) for p in m["parts"]]
    assert {"type": "tool_call_response", "id": "call_1", "response": FAILURE} in parts
    assert json.loads(s["c2"][5])[0]["parts"] == [{"type": "text", "content": QUOTE}]
    assert s["c2"][:2] == ("llm", "writer")
    # tool calls: arguments, result, the failure the plugin handed back to the model
    assert s["b4"][:6] == (
        "tool",
        "researcher",
        "get_price",
        "unset",
        '{"item": "widget"}',
        '{"result": "41.20"}',
    )
    assert s["b2"][:5] == ("tool", "researcher", "get_price", "error", '{"item": "widget"}')
    assert s["b2"][6] == "TimeoutError: price service timed out"
    assert not {"gcp.vertex.agent.llm_request", "gcp.vertex.agent.llm_response"} & set(json.loads(s["b2"][8]))


# (the chosen reader: both store the same rows for the file, compared by tests/ingest/conftest.py)
@pytest.mark.parametrize("rows", [legacy_rows, semconv_rows], ids=["legacy", "semconv"])
def test_adk_retry_and_writer_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows) -> None:
    ws = _open(tmp_path, monkeypatch, None, rows())
    assert _steps(ws)["b2"][3] == "error"
    f = wb.detect(ws)
    assert list(f[f.detector == "retry"].agent) == ["researcher"]
    assert "price service timed out" in f[f.detector == "retry"].detail.iloc[0]
    assert f[f.detector == "loop"].empty  # (the retry of a failed call is no loop)
    silent = f[f.detector == "silent_failure"]
    assert list(silent.agent) == ["writer"] and "14.20" in silent.detail.iloc[0]


def test_adk_success_result_and_other_failures_untouched() -> None:
    from workbench.ingest._adk import reflected_failure

    assert reflected_failure('{"result": "41.20"}') is None
    assert (
        reflected_failure('{"response_type": "OK", "note": "ERROR_HANDLED_BY_REFLECT_AND_RETRY_PLUGIN"}')
        is None
    )
    assert reflected_failure("ERROR_HANDLED_BY_REFLECT_AND_RETRY_PLUGIN, not JSON") is None
    assert reflected_failure(json.dumps(FAILURE)) == "TimeoutError: price service timed out"

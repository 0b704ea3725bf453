"""Faults left on real14's real traces (/work/wt/_notes/real14_out/), each on a fixture in the shape the
framework wrote:

* logfire 5.4.0, ``@logfire.instrument(extract_args=True, record_return=True)`` tools: the arguments as plain
  attributes, the result as ``return``, both listed in ``logfire.json_schema`` (no input or output before);
* pydantic-ai 2.68 (through Logfire): the agent run span's ``final_result`` (not its output before);
* mlflow-tracing 3.17 with ``MLFLOW_ENABLE_OTEL_GENAI_SEMCONV``: the root CHAIN span's operation ``CHAIN``
  (kind ``other`` before) and a tool result JSON-encoded by MLflow (``"41.20"`` with its quotes before);
* ag2 0.14 group chat: a raising tool's span says only ``error.type = ExecutionError``, the message is in the
  ``_Group_Tool_Executor`` turn's output (the step's error was "ExecutionError" before).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

TRACE = "01a2337f1cb136362b51d6ee3f7087e1"


def _span(sid: str, parent: str | None, name: str, attrs: dict, i: int, error: str | None = None) -> dict:
    def value(v: object) -> dict:
        return {"intValue": str(v)} if isinstance(v, int) else {"stringValue": v}

    out = {
        "traceId": TRACE,
        "spanId": sid,
        "name": name,
        "kind": "SPAN_KIND_INTERNAL",
        "startTimeUnixNano": str(1796160000000000000 + i * 1_000_000),
        "endTimeUnixNano": str(1796160000000000000 + (40 - i) * 1_000_000 + i),
        "attributes": [{"key": k, "value": value(v)} for k, v in attrs.items()],
        "status": {"code": "STATUS_CODE_ERROR", "message": error} if error else {},
    }
    if parent:
        out["parentSpanId"] = parent
    return out


def _write(tmp_path: Path, scope: str, spans: list[dict]) -> Path:
    path = tmp_path / "trace.otlp.jsonl"
    path.write_text(
        json.dumps(
            {
                "resourceSpans": [
                    {
                        "resource": {"attributes": []},
                        "scopeSpans": [{"scope": {"name": scope}, "spans": spans}],
                    }
                ]
            }
        )
        + "\n"
    )
    return path


def _steps(tmp_path: Path, path: Path, n: int) -> dict[str, tuple]:
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored, rep.quarantined) == (n, n, 0)
    return {
        r[0][-2:]: r[1:]
        for r in ws.sql(
            "SELECT step_id, name, kind, agent, tool, status, input, output, error FROM steps"
        ).fetchall()
    }


# One reader, the chosen one (None): both readers store the same rows for each file the tests here write, compared
# by tests/ingest/conftest.py as each test ends (WRITERS), so each test's assertions hold for both.
@pytest.fixture()
def fast(monkeypatch: pytest.MonkeyPatch) -> bool | None:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", None)
    return None


def _lf(**attrs: object) -> dict:
    return {"code.filepath": "/app/quote.py", "code.lineno": 55, "logfire.span_type": "span", **attrs}


def test_logfire_instrumented_calls_keep_their_arguments_and_return_value(tmp_path: Path, fast: bool) -> None:
    tool = "tool get_price called with {item=}"
    spans = [
        _span(
            "00000000000000a1",
            None,
            "quote workflow",
            _lf(**{"logfire.msg_template": "quote workflow", "logfire.msg": "quote workflow"}),
            0,
        ),
        # logfire.span("{agent_name} agent", agent_name=..., user=...) + span.set_attribute("answer", ...):
        # the app's own attributes, the answer among them; not a call's arguments
        _span(
            "00000000000000a2",
            "00000000000000a1",
            "{agent_name} agent",
            _lf(
                **{
                    "code.function": "agent_wrap.<locals>.run",
                    "agent_name": "researcher",
                    "user": "What does a widget cost?",
                    "logfire.msg_template": "{agent_name} agent",
                    "logfire.msg": "researcher agent",
                    "answer": "The widget costs 41.20 USD.",
                    "logfire.json_schema": '{"type":"object","properties":{"agent_name":{},"user":{},"answer":{}}}',
                }
            ),
            1,
        ),
        _span(
            "00000000000000b1",
            "00000000000000a2",
            "get_price",
            _lf(
                **{
                    "code.function": "get_price",
                    "logfire.msg_template": tool,
                    "logfire.msg": "tool get_price called with item=widget",
                    "item": "widget",
                    "return": "41.20",
                    "logfire.json_schema": '{"type":"object","properties":{"item":{},"return":{}}}',
                }
            ),
            2,
        ),
        # the default template, two arguments (one a structure Logfire wrote as JSON), no return recorded
        _span(
            "00000000000000b2",
            "00000000000000a2",
            "Calling app.tools.convert",
            _lf(
                **{
                    "code.function": "convert",
                    "logfire.msg_template": "Calling app.tools.convert",
                    "logfire.msg": "Calling app.tools.convert",
                    "amount": "41.20",
                    "rates": '{"EUR":0.9}',
                    "logfire.json_schema": '{"type":"object","properties":{"amount":{},"rates":{"type":"object"}}}',
                }
            ),
            3,
        ),
    ]
    s = _steps(tmp_path, _write(tmp_path, "logfire", spans), 4)
    assert s["b1"][:2] == ("get_price", "other")  # Logfire names no kind for it: none is guessed
    assert s["b1"][5:7] == ("widget", "41.20")
    assert json.loads(s["b2"][5]) == {"amount": "41.20", "rates": {"EUR": 0.9}}
    assert s["b2"][6] is None
    assert s["a2"][5:7] == (None, None)
    assert s["a1"][5:7] == (None, None)


def test_pydantic_ai_agent_run_final_result_is_its_output(tmp_path: Path, fast: bool) -> None:
    spans = [
        _span(
            "00000000000000a1",
            None,
            "invoke_agent planner",
            {
                "model_name": "scripted-planner",
                "agent_name": "planner",
                "gen_ai.agent.name": "planner",
                "gen_ai.operation.name": "invoke_agent",
                "logfire.msg": "planner run",
                "logfire.span_type": "span",
                "final_result": "Quote: 100 x WID-7 at 14.20 USD each = 1420.00 USD.",
                "pydantic_ai.all_messages": '[{"role":"user","parts":[{"type":"text","content":"Quote 100 units"}]}]',
                "logfire.json_schema": '{"type":"object","properties":{"pydantic_ai.all_messages":{"type":"array"},'
                '"final_result":{"type":"object"}}}',
            },
            0,
        ),
        # pydantic-ai without Logfire: the same span, without agent_name (the SQL path's case)
        _span(
            "00000000000000a2",
            "00000000000000a1",
            "invoke_agent pricing_agent",
            {
                "gen_ai.agent.name": "pricing_agent",
                "gen_ai.operation.name": "invoke_agent",
                "final_result": "The unit price of WID-7 is 14.20 USD.",
            },
            1,
        ),
    ]
    s = _steps(tmp_path, _write(tmp_path, "pydantic-ai", spans), 2)
    assert s["a1"][1:3] == ("agent", "planner")
    assert s["a1"][6] == "Quote: 100 x WID-7 at 14.20 USD each = 1420.00 USD."
    assert s["a2"][6] == "The unit price of WID-7 is 14.20 USD."


def test_mlflow_semconv_chain_kind_and_json_encoded_tool_result(tmp_path: Path, fast: bool) -> None:
    spans = [
        _span("00000000000000a1", None, "CHAIN", {"gen_ai.operation.name": "CHAIN"}, 0),
        _span(
            "00000000000000a2",
            "00000000000000a1",
            "invoke_agent researcher",
            {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "researcher"},
            1,
        ),
        _span(
            "00000000000000b1",
            "00000000000000a2",
            "execute_tool get_price",
            {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "get_price",
                "gen_ai.tool.call.arguments": '{"item": "widget"}',
                "gen_ai.tool.call.result": '"41.20"',
            },
            2,
        ),
        _span(
            "00000000000000b2",
            "00000000000000a2",
            "execute_tool lookup",
            {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "lookup",
                "gen_ai.tool.call.result": '{"sku": "WID-7", "price": "41.20"}',
            },
            3,
        ),
        _span("00000000000000b3", "00000000000000a2", "RETRIEVER", {"gen_ai.operation.name": "RETRIEVER"}, 4),
    ]
    s = _steps(tmp_path, _write(tmp_path, "mlflow.tracing.provider", spans), 5)
    assert s["a1"][:2] == ("CHAIN", "chain")
    assert s["b3"][1] == "retriever"
    assert s["b1"][1:4] == ("tool", "researcher", "get_price")
    assert s["b1"][6] == "41.20"
    assert json.loads(s["b2"][6]) == {"sku": "WID-7", "price": "41.20"}  # JSON objects as they were


def _ag2_tool(
    sid: str, parent: str, call: str, i: int, result: str | None = None, error: str | None = None
) -> dict:
    attrs = {
        "ag2.span.type": "tool",
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "get_price",
        "gen_ai.tool.type": "function",
        "gen_ai.tool.call.id": call,
        "gen_ai.tool.call.arguments": '{"item": "widget"}',
    }
    if result is not None:
        attrs["gen_ai.tool.call.result"] = result
    else:
        attrs["error.type"] = "ExecutionError"
    return _span(sid, parent, "execute_tool get_price", attrs, i, error)


def _executor(sid: str, texts: list[str], i: int) -> dict:
    messages = [{"role": "tool", "parts": [{"type": "text", "content": t}]} for t in texts]
    return _span(
        sid,
        "00000000000000a1",
        "invoke_agent _Group_Tool_Executor",
        {
            "ag2.span.type": "agent",
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": "_Group_Tool_Executor",
            "gen_ai.output.messages": json.dumps(messages),
        },
        i,
    )


def test_ag2_failed_tool_call_takes_the_executors_message(tmp_path: Path, fast: bool) -> None:
    spans = [
        _span(
            "00000000000000a1",
            None,
            "invoke_agent chat_manager",
            {
                "ag2.span.type": "agent",
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.agent.name": "chat_manager",
            },
            0,
        ),
        _span(
            "00000000000000a2",
            "00000000000000a1",
            "invoke_agent researcher",
            {
                "ag2.span.type": "agent",
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.agent.name": "researcher",
            },
            1,
        ),
        _executor("00000000000000e1", ["Error: price service timed out"], 2),
        _ag2_tool("00000000000000b1", "00000000000000e1", "call_1", 3),
        # one turn, two calls: the second raised; answers in the order of the calls
        _executor("00000000000000e2", ["41.20", "Error: unknown item 'gadget'"], 4),
        _ag2_tool("00000000000000b2", "00000000000000e2", "call_2", 5, result="41.20"),
        _ag2_tool("00000000000000b3", "00000000000000e2", "call_3", 6),
        # a failed call whose span says why keeps its own message
        _executor("00000000000000e3", ["Error: boom"], 7),
        _ag2_tool("00000000000000b4", "00000000000000e3", "call_4", 8, error="ValueError: bad item"),
        # calls and answers that cannot be paired: left as they are
        _executor("00000000000000e4", ["Error: a", "Error: b"], 9),
        _ag2_tool("00000000000000b5", "00000000000000e4", "call_5", 10),
    ]
    s = _steps(tmp_path, _write(tmp_path, "opentelemetry.instrumentation.ag2", spans), 11)
    assert s["b1"][2:] == (
        "researcher",
        "get_price",
        "error",
        '{"item": "widget"}',
        None,
        "ExecutionError: Error: price service timed out",
    )
    assert s["b2"][4:] == ("unset", '{"item": "widget"}', "41.20", None)
    assert s["b3"][4] == "error" and s["b3"][7] == "ExecutionError: Error: unknown item 'gadget'"
    assert s["b4"][7] == "ValueError: bad item"
    assert s["b5"][7] == "ExecutionError"

"""The latest GenAI conventions' shapes (semantic-conventions c1212d96, the last before they moved to
semantic-conventions-genai) as agent frameworks write them, read by both OTLP readers.

Strands Agents (strands-agents/sdk-python ``src/strands/telemetry/tracer.py`` at 1232230d, v1.40) under
``OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental``: ``invoke_swarm`` over ``invoke_agent <name>``
(``gen_ai.agent.name``) over ``execute_tool <tool>`` (``gen_ai.tool.name``, ``gen_ai.tool.call.id``,
``gen_ai.tool.status``; ``start_tool_call_span``), whose call is one ``gen_ai.client.inference.operation.details``
event with ``gen_ai.input.messages`` ``[{"role": "tool", "parts": [{"type": "tool_call", "name", "id",
"arguments"}]}]`` and whose result another with ``gen_ai.output.messages`` ``[{"role": "tool", "parts": [{"type":
"tool_call_response", "id", "response"}]}]`` (``end_tool_call_span``); a failed call ends with an ERROR status
whose message is the result's text. The swarm's hand-off is its built-in ``handoff_to_agent(agent_name, message,
context)`` tool. Before, each tool step's input and output were the whole message envelope with the call's id.

The GenAI conventions' exception event (``gen_ai.client.operation.exception``: ``exception.type`` / ``.message`` /
``.stacktrace``, gen-ai-exceptions.md; LiteLLM writes it on a failed call) is read as OpenTelemetry's own
``exception`` event: before, a failed call said nothing of why, and one whose status was left unset was not failed.
"""

from __future__ import annotations

import json

import pytest
from _otlp_json import by_each_reader, otlp_span

import workbench as wb

DETAILS = "gen_ai.client.inference.operation.details"
T0 = 1_796_131_000_000_000_000


def _attrs(d: dict) -> list[dict]:
    return [{"key": k, "value": {"stringValue": v}} for k, v in d.items()]


def _span(
    sid: str,
    parent: str | None,
    name: str,
    attrs: dict,
    status: dict,
    events: list | None = None,
    trace: str = "5d" * 16,
) -> dict:
    attrs = {"gen_ai.provider.name": "strands-agents", **attrs}
    return otlp_span(trace, int(sid), int(parent) if parent else None, name, attrs, T0, status, events or [])


def _tool(sid: str, parent: str, name: str, args: dict, said: str, failed: bool = False) -> dict:
    call = f"call_{sid}"
    msgs = [
        ("gen_ai.input.messages", {"type": "tool_call", "name": name, "id": call, "arguments": args}),
        ("gen_ai.output.messages", {"type": "tool_call_response", "id": call, "response": [{"text": said}]}),
    ]
    events = [
        {
            "name": DETAILS,
            "timeUnixNano": str(T0),
            "attributes": _attrs({k: json.dumps([{"role": "tool", "parts": [p]}])}),
        }
        for k, p in msgs
    ]
    return _span(
        sid,
        parent,
        f"execute_tool {name}",
        {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": name,
            "gen_ai.tool.call.id": call,
            "gen_ai.tool.status": "error" if failed else "success",
        },
        {"code": "STATUS_CODE_ERROR", "message": said} if failed else {"code": "STATUS_CODE_OK"},
        events,
    )


def _agent(sid: str, name: str) -> dict:
    return _span(
        sid,
        "1",
        f"invoke_agent {name}",
        {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": name},
        {"code": "STATUS_CODE_OK"},
    )


def _trace() -> dict:
    spans = [
        _span("1", None, "invoke_swarm", {"gen_ai.operation.name": "invoke_swarm"}, {}),
        _agent("2", "researcher"),
        _tool("3", "2", "get_price", {"item": "widget"}, "Error: price service timed out", failed=True),
        _tool("4", "2", "get_price", {"item": "widget"}, "14.20"),
        _tool(
            "5",
            "2",
            "handoff_to_agent",
            {"agent_name": "writer", "message": "price 41.20", "context": {"price": 41.2}},
            "Handing off to writer",
        ),
        _agent("6", "writer"),
        _tool("7", "6", "format_quote", {"price": 41.2}, "Quote: 41.20 USD"),
    ]
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": _attrs({"service.name": "quote-desk"})},
                "scopeSpans": [{"scope": {"name": "strands.telemetry.tracer"}, "spans": spans}],
            }
        ]
    }


def _failed_calls() -> dict:
    """A chat span with an error status and the GenAI exception event, one with the event and no status."""
    ev = [
        {
            "name": "gen_ai.client.operation.exception",
            "timeUnixNano": str(T0),
            "attributes": _attrs(
                {"exception.type": "openai.APITimeoutError", "exception.message": "Request timed out."}
            ),
        }
    ]
    t = "e7" * 16
    chat = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini"}
    spans = [
        _span(
            "11",
            None,
            "invoke_agent pricer",
            {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "pricer"},
            {},
            trace=t,
        ),
        _span("12", "11", "chat gpt-4o-mini", chat, {"code": "STATUS_CODE_ERROR"}, ev, trace=t),
        _span("13", "11", "chat gpt-4o-mini", chat, {}, ev, trace=t),
    ]
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": _attrs({"service.name": "litellm"})},
                "scopeSpans": [{"scope": {"name": "litellm"}, "spans": spans}],
            }
        ]
    }


@pytest.fixture(scope="module")
def steps(tmp_path_factory: pytest.TempPathFactory) -> dict:
    path = tmp_path_factory.mktemp("semconv47") / "strands_latest.otlp.jsonl"
    path.write_text(json.dumps(_trace()) + "\n" + json.dumps(_failed_calls()) + "\n")
    out = {}
    for fast, ws in by_each_reader(path, (10, 10, 0)).items():
        out[fast] = ws.sql(
            "SELECT step_id, kind, agent, tool, status, error, input, output FROM steps ORDER BY step_id"
        ).fetchall()
    return out


@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_tool_call_parts_read_as_arguments_and_result(steps: dict, fast: bool) -> None:
    s = {str(int(r[0], 16)): r[1:] for r in steps[fast]}
    # the same arguments of the call made again read the same, with no call id or message envelope
    assert s["3"] == (
        "tool",
        "researcher",
        "get_price",
        "error",
        "Error: price service timed out",
        '{"item":"widget"}',
        '[{"text":"Error: price service timed out"}]',
    )
    assert s["4"] == (
        "tool",
        "researcher",
        "get_price",
        "ok",
        None,
        '{"item":"widget"}',
        '[{"text":"14.20"}]',
    )
    assert s["7"][:3] == ("tool", "writer", "format_quote") and json.loads(s["7"][5]) == {"price": 41.2}


@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_handoff_tool_names_its_agent_from_the_call_part(steps: dict, fast: bool) -> None:
    s = {str(int(r[0], 16)): r[1:] for r in steps[fast]}
    assert s["5"][:2] == ("handoff", "researcher") and s["5"][6] == "writer"
    assert json.loads(s["5"][5])["agent_name"] == "writer"


@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_genai_exception_event_says_why_a_call_failed(steps: dict, fast: bool) -> None:
    s = {str(int(r[0], 16)): r[1:] for r in steps[fast]}
    assert s["12"][3:5] == ("error", "Request timed out.")
    # recorded with no error status: failed all the same (as with OpenTelemetry's exception event)
    assert s["13"][3:5] == ("error", "openai.APITimeoutError: Request timed out.")
    assert s["11"][:4] == ("agent", "pricer", None, "unset")


# (the conventions define it as a log-based event, severity WARN: span_logs_attach.sql fills the error column from
# it, as it fills input / output; more in test_real48_exception_log.py)
def test_genai_exception_log_record_says_why_a_call_failed(tmp_path_factory: pytest.TempPathFactory) -> None:
    d = tmp_path_factory.mktemp("semconv47_logs")
    t, sid = "e8" * 16, f"{12:016x}"
    spans = _failed_calls()
    for s in spans["resourceSpans"][0]["scopeSpans"][0]["spans"]:
        s["traceId"], s["events"] = t, []
    record = {
        "timeUnixNano": str(T0 + 12_400_000),
        "severityNumber": 13,
        "eventName": "gen_ai.client.operation.exception",
        "traceId": t,
        "spanId": sid,
        "attributes": _attrs(
            {"exception.type": "openai.APITimeoutError", "exception.message": "Request timed out."}
        ),
        "body": {},
    }
    logs = {
        "resourceLogs": [
            {
                "resource": {"attributes": []},
                "scopeLogs": [{"scope": {"name": "litellm"}, "logRecords": [record]}],
            }
        ]
    }
    (d / "spans.otlp.jsonl").write_text(json.dumps(spans) + "\n")
    (d / "logs.otlp.jsonl").write_text(json.dumps(logs) + "\n")
    ws = wb.open()
    rep = ws.ingest([d / "spans.otlp.jsonl", d / "logs.otlp.jsonl"], progress=False)
    assert (rep.read, rep.stored, rep.quarantined) == (4, 4, 0)
    row = ws.sql("SELECT status, error FROM steps WHERE step_id = ?", [sid]).fetchall()[0]
    assert row == ("error", "Request timed out.")

"""The Vercel AI SDK's spans (npm ``ai``, ``experimental_telemetry``), in the shape ai 6.0.326 wrote them through the
OpenTelemetry JS SDK on a real run (real18, /work/wt/_notes/real18_out/vercel_ai_quote.otlp.jsonl: two
``generateText`` calls with functionIds researcher and writer, a get_price tool that fails once, OTLP/JSON from
@opentelemetry/otlp-transformer). Before, every span was a step of kind ``other`` with no text, agent or tool,
and nothing was found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _otel_fixtures import ingested_by

import workbench as wb

TRACE = "1c4b5f38126facc4c1457b9eb2c968c3"


def _v(value: object) -> dict:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": value}  # the JS serializer writes a number
    if isinstance(value, str) and value.isdigit():
        return {"intValue": value}  # an int64 as proto3's JSON writes it (the Collector, Python's SDK)
    if isinstance(value, list):
        return {"arrayValue": {"values": [_v(x) for x in value]}}
    return {"stringValue": value}


def _call(op: str, function: str, **attrs: object) -> dict:
    return {
        "operation.name": f"{op} {function}",
        "resource.name": function,
        "ai.operationId": op,
        "ai.telemetry.functionId": function,
        "ai.telemetry.metadata.agent": function,
        **attrs,
    }


def _model(op: str, function: str, system: str, user: str, n: int, **reply: object) -> dict:
    # (AI SDK 4 wrote promptTokens / completionTokens)
    usage = {
        "ai.usage.inputTokens": str(50 + 10 * n),
        "ai.usage.outputTokens": 12,
        "ai.usage.totalTokens": 62 + 10 * n,
    }
    if n == 2:
        usage = {"ai.usage.promptTokens": 70, "ai.usage.completionTokens": 12}
    return _call(
        op,
        function,
        **{
            "ai.model.provider": "openai.chat",
            "ai.model.id": "gpt-4o-mini",
            "ai.settings.maxRetries": 2,
            "ai.prompt.messages": json.dumps(
                [
                    {"role": "system", "content": system},
                    {"role": "user", "content": [{"type": "text", "text": user}]},
                ]
            ),
            "ai.prompt.tools": [
                '{"type":"function","name":"get_price","description":"Price of an item in USD"}'
            ],
            "gen_ai.system": "openai.chat",
            "gen_ai.request.model": "gpt-4o-mini",
            "ai.response.finishReason": "tool-calls" if "calls" in reply else "stop",
            **({"ai.response.toolCalls": json.dumps(reply["calls"])} if "calls" in reply else {}),
            **({"ai.response.text": reply["text"]} if "text" in reply else {}),
            "ai.response.id": f"chatcmpl-{n}",
            "ai.response.model": "gpt-4o-mini-2024-07-18",
            "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
            "gen_ai.response.finish_reasons": ["stop"],
            **usage,
        },
    )


def _tool(call_id: str, result: str | None) -> dict:
    attrs = _call(
        "ai.toolCall",
        "researcher",
        **{
            "ai.toolCall.name": "get_price",
            "ai.toolCall.id": call_id,
            "ai.toolCall.args": '{"item":"widget"}',
        },
    )
    if result is not None:
        attrs["ai.toolCall.result"] = result
    return attrs


def quote() -> dict:
    r_sys, w_sys = "You are the researcher. Find the price with get_price.", "You are the writer."
    call = [{"toolCallId": "call_1", "toolName": "get_price", "input": '{"item":"widget"}'}]
    rows = [  # (span id, parent, name, attributes, error)
        ("a0", None, "quote-workflow", {}, None),
        (
            "a1",
            "a0",
            "ai.generateText",
            _call(
                "ai.generateText",
                "researcher",
                **{
                    "ai.prompt": json.dumps({"system": r_sys, "prompt": "What does the widget cost?"}),
                    "ai.response.text": "The widget costs 41.20 USD.",
                    "ai.usage.inputTokens": 180,
                    "ai.usage.outputTokens": 36,
                },
            ),
            None,
        ),
        (
            "b1",
            "a1",
            "ai.generateText.doGenerate",
            _model(
                "ai.generateText.doGenerate", "researcher", r_sys, "What does the widget cost?", 0, calls=call
            ),
            None,
        ),
        ("b2", "a1", "ai.toolCall", _tool("call_1", None), "price service timed out"),
        ("b3", "a1", "ai.toolCall", _tool("call_2", '"41.20"'), None),
        (
            "b4",
            "a1",
            "ai.generateText.doGenerate",
            _model(
                "ai.generateText.doGenerate",
                "researcher",
                r_sys,
                "What does the widget cost?",
                1,
                text="The widget costs 41.20 USD.",
            ),
            None,
        ),
        (
            "a2",
            "a0",
            "ai.generateText",
            _call(
                "ai.generateText",
                "writer",
                **{
                    "ai.prompt": json.dumps(
                        {"system": w_sys, "prompt": "Research: The widget costs 41.20 USD."}
                    ),
                    "ai.response.text": "Quote for the customer: the widget costs 14.20 USD.",
                },
            ),
            None,
        ),
        (
            "b5",
            "a2",
            "ai.generateText.doGenerate",
            _model(
                "ai.generateText.doGenerate",
                "writer",
                w_sys,
                "Research: The widget costs 41.20 USD.",
                2,
                text="Quote for the customer: the widget costs 14.20 USD.",
            ),
            None,
        ),
    ]
    spans = []
    for i, (sid, parent, name, attrs, error) in enumerate(rows):
        sp = {
            "traceId": TRACE,
            "spanId": "00000000000000" + sid,
            "name": name,
            "kind": 1,
            "startTimeUnixNano": str(1796182831982000000 + i * 1_000_000),
            "endTimeUnixNano": str(1796182831982000000 + i * 1_000_000 + 500_000),
            "attributes": [{"key": k, "value": _v(v)} for k, v in attrs.items()],
            "droppedAttributesCount": 0,
            "events": [],
            "droppedEventsCount": 0,
            "status": {"code": 2, "message": error} if error else {"code": 0},
            "links": [],
            "droppedLinksCount": 0,
        }
        if error:
            sp["events"] = [
                {
                    "attributes": [
                        {"key": "exception.type", "value": {"stringValue": "Error"}},
                        {"key": "exception.message", "value": {"stringValue": error}},
                        {
                            "key": "exception.stacktrace",
                            "value": {
                                "stringValue": f"Error: {error}\n    at getPrice (file:///app/"
                                "mock_openai.mjs:43:30)"
                            },
                        },
                    ],
                    "name": "exception",
                    "timeUnixNano": sp["endTimeUnixNano"],
                    "droppedAttributesCount": 0,
                }
            ]
        if parent:
            sp["parentSpanId"] = "00000000000000" + parent
        spans.append(sp)
    for sp in reversed(spans):  # an enclosing span ends after the last of its children
        kids = [int(c["endTimeUnixNano"]) for c in spans if c.get("parentSpanId") == sp["spanId"]]
        if kids:
            sp["endTimeUnixNano"] = str(max(kids) + 100_000)
    return {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [
                        {"key": "service.name", "value": {"stringValue": "quote-app"}},
                        {"key": "telemetry.sdk.language", "value": {"stringValue": "nodejs"}},
                    ],
                    "droppedAttributesCount": 0,
                },
                "scopeSpans": [{"scope": {"name": "ai"}, "spans": spans}],
            }
        ]
    }


# One reader, the chosen one (``fast`` None): both readers store the same rows for the file, compared by
# tests/ingest/conftest.py as each test here ends (WRITERS), so each test's assertions hold for both.
@pytest.fixture()
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> wb.Workspace:
    return ingested_by(None, monkeypatch, tmp_path / "vercel_ai.otlp.jsonl", quote(), 8)


def test_vercel_ai_spans_read_as_steps(ws: wb.Workspace) -> None:
    rows = ws.sql(
        "SELECT step_id, kind, agent, tool, status, model, tokens_in, tokens_out, input, output, error "
        "FROM steps"
    ).fetchall()
    s = {r[0][-2:]: r[1:] for r in rows}
    assert s["a0"][:2] == ("other", None)
    assert s["a1"][:2] == ("agent", "researcher") and s["a2"][:2] == ("agent", "writer")
    assert s["a1"][5:7] == (None, None)  # a call's usage is its requests' sum: not counted twice
    assert json.loads(s["a1"][7]) == {
        "system": "You are the researcher. Find the price with get_price.",
        "prompt": "What does the widget cost?",
    }
    assert s["a2"][8] == "Quote for the customer: the widget costs 14.20 USD."
    assert (
        s["b2"][:4] == ("tool", "researcher", "get_price", "error")
        and s["b2"][9] == "price service timed out"
    )
    assert s["b3"][:3] == ("tool", "researcher", "get_price") and s["b3"][3] != "error"
    assert s["b3"][7:9] == ('{"item":"widget"}', "41.20")  # the result's JSON string read as the string
    assert s["b1"][:2] == ("llm", "researcher") and s["b1"][4:7] == ("gpt-4o-mini-2024-07-18", 50, 12)
    assert json.loads(s["b1"][8]) == [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_price", "arguments": '{"item":"widget"}'},
                }
            ],
        }
    ]
    assert s["b5"][:2] == ("llm", "writer") and s["b5"][5:7] == (70, 12)
    assert json.loads(s["b5"][7])[0] == {"role": "system", "content": "You are the writer."}
    assert json.loads(s["b5"][8]) == [
        {"role": "assistant", "content": "Quote for the customer: the widget costs 14.20 USD."}
    ]


def test_vercel_ai_findings_name_the_writer(ws: wb.Workspace) -> None:
    f = wb.detect(ws)
    retry = f[f.detector == "retry"]
    assert list(retry.agent) == ["researcher"] and "price service timed out" in retry.detail.iloc[0]
    silent = f[f.detector == "silent_failure"]
    assert list(silent.agent) == ["writer"] and "14.20" in silent.detail.iloc[0]

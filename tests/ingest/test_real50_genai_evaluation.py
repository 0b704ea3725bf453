"""The OpenTelemetry GenAI conventions' newest agent spans, an evaluator's verdict among them, read by both readers.

The shape: open-telemetry/semantic-conventions 7b0c0fe1 (Apr 2026, the last before the GenAI conventions moved to
semantic-conventions-genai), ``docs/gen-ai/gen-ai-agent-spans.md`` (``invoke_workflow {gen_ai.workflow.name}``,
``create_agent`` / ``invoke_agent {gen_ai.agent.name}`` with ``gen_ai.agent.id``), ``gen-ai-spans.md``
(``execute_tool {gen_ai.tool.name}``, ``gen_ai.tool.call.id`` / ``.arguments`` / ``.result``; a chat span's
``gen_ai.input.messages`` / ``gen_ai.output.messages`` / ``gen_ai.system_instructions`` as JSON parts) and
``gen-ai-events.md``'s ``gen_ai.evaluation.result`` event (``gen_ai.evaluation.name``, ``.score.value``,
``.score.label``, ``.explanation``, ``gen_ai.response.id``), parented to the span it evaluates. Before, the
evaluation on a span was dropped by both readers (an event neither read): now kept among the step's attributes,
as a log record of it is kept in ``otel.logs``; an evaluation is not the step's outcome.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _otlp_json import by_each_reader, enclosing, otlp_span  # noqa: E402

T0 = 1_796_160_000_000_000_000
TRACE = "d1" * 16


def _v(x: Any) -> dict[str, Any]:
    if isinstance(x, float):
        return {"doubleValue": x}
    if isinstance(x, int):
        return {"intValue": str(x)}
    return {"stringValue": x}


def _kvs(attrs: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": k, "value": _v(x)} for k, x in attrs.items()]


def _span(n: int, parent: int | None, name: str, attrs: dict[str, Any], **kw: Any) -> dict[str, Any]:
    sp = otlp_span(TRACE, n, parent, name, {}, T0, **kw)
    sp["attributes"] = _kvs(attrs)
    return sp


EVALUATION = {
    "gen_ai.evaluation.name": "Relevance",
    "gen_ai.evaluation.score.value": 1.0,
    "gen_ai.evaluation.score.label": "not_relevant",
    "gen_ai.evaluation.explanation": "Asks for a tool instead of answering.",
    "gen_ai.response.id": "chatcmpl-1",
}


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict:
    said = [{"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]}]
    asked = [
        {
            "role": "assistant",
            "parts": [
                {"type": "tool_call", "id": "call_1", "name": "get_weather", "arguments": {"city": "Paris"}}
            ],
            "finish_reason": "tool_call",
        }
    ]
    judged = [
        {
            "name": "gen_ai.evaluation.result",
            "timeUnixNano": str(T0 + 3_400_000),
            "attributes": _kvs(EVALUATION),
        }
    ]
    spans = [
        _span(
            1,
            None,
            "invoke_workflow trip",
            {"gen_ai.operation.name": "invoke_workflow", "gen_ai.workflow.name": "trip"},
        ),
        _span(
            2,
            1,
            "invoke_agent Weather",
            {
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.agent.name": "Weather",
                "gen_ai.agent.id": "asst_1",
            },
        ),
        _span(
            3,
            2,
            "chat gpt-4o",
            {
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.system_instructions": json.dumps([{"type": "text", "content": "You forecast."}]),
                "gen_ai.input.messages": json.dumps(said),
                "gen_ai.output.messages": json.dumps(asked),
                "gen_ai.usage.input_tokens": 20,
                "gen_ai.usage.output_tokens": 5,
                "gen_ai.response.id": "chatcmpl-1",
            },
            events=judged,
            kind="SPAN_KIND_CLIENT",
        ),
        _span(
            4,
            2,
            "execute_tool get_weather",
            {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "get_weather",
                "gen_ai.tool.call.id": "call_1",
                "gen_ai.tool.type": "function",
                "gen_ai.tool.call.arguments": json.dumps({"city": "Paris"}),
                "error.type": "TimeoutError",
            },
            status={"code": 2, "message": "timed out"},
        ),
        _span(
            5,
            1,
            "invoke_agent Booker",
            {
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.agent.name": "Booker",
                "gen_ai.agent.id": "asst_2",
            },
        ),
        _span(
            6,
            5,
            "execute_tool book",
            {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "book",
                "gen_ai.tool.call.arguments": json.dumps({"city": "Paris"}),
                "gen_ai.tool.call.result": json.dumps({"ok": True}),
            },
        ),
    ]
    doc = {
        "resourceSpans": [
            {"resource": {}, "scopeSpans": [{"scope": {"name": "app"}, "spans": enclosing(spans)}]}
        ]
    }
    path = tmp_path_factory.mktemp("real50") / "genai.otlp.json"
    path.write_text(json.dumps(doc))
    return by_each_reader(path, (6, 6, 0))


@pytest.mark.parametrize("fast", [True, False])
def test_newest_genai_agent_spans_and_an_evaluation_on_one(stores: dict, fast: bool) -> None:
    ws = stores[fast]
    rows = ws.con.execute(
        "SELECT step_id, kind, agent, tool, status, error, input, attributes FROM steps ORDER BY step_id"
    ).fetchall()
    got = {int(s, 16): (k, a, t, st, e) for s, k, a, t, st, e, _, _ in rows}
    assert got == {
        1: ("chain", None, None, "unset", None),
        2: ("agent", "Weather", None, "unset", None),
        3: ("llm", "Weather", None, "unset", None),
        4: ("tool", "Weather", "get_weather", "error", "timed out"),
        5: ("agent", "Booker", None, "unset", None),
        6: ("tool", "Booker", "book", "unset", None),
    }
    chat = {int(s, 16): (i, json.loads(attrs)) for s, _, _, _, _, _, i, attrs in rows}[3]
    assert "You forecast." in chat[0] and "Weather in Paris?" in chat[0]
    assert chat[1]["gen_ai.evaluation.result"] == [EVALUATION]  # (was dropped)
    assert ws.con.execute("SELECT outcome FROM runs").fetchall() == [("unknown",)]

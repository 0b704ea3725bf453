"""A tool step whose input is the text of its one argument gets the arguments back from the model's request in
any provider's shape, not only OpenAI's ``tool_calls`` (real24).

Real run: ``fixtures/langgraph_js/langgraph_js_anthropic.otlp.jsonl`` (@langchain/langgraph 1.7.3,
@langchain/core 1.4.0, @langchain/anthropic 1.5.11, @arizeai/openinference-instrumentation-langchain 4.1.1,
@opentelemetry/sdk-trace-node 2.12.1): the real22 LangGraph.js pipeline (researcher -> writer, two
``createReactAgent`` agents, get_price throws once) with ChatAnthropic against a scripted Anthropic Messages
server on loopback. Trimmed as real22's fixture (chains' input/output, model inputs and parameters dropped; paths
in the stack trace shortened). OpenInference's JS instrumentation writes the tool's input ``widget``
(text/plain) and flattens the model's output messages without the ``tool_use`` blocks; the model's request is
only in ``output.value``: LangChain's AIMessage with ``content`` ``[{"type": "tool_use", "name", "input"}]``.
Before: the input stayed ``widget`` (the pass read OpenAI's ``tool_calls`` in a list of messages only).

The other shapes, written here as their APIs document them: OTel GenAI ``gen_ai.output.messages`` parts
(``{"type": "tool_call", "name", "arguments"}``, semantic-conventions docs/gen-ai/gen-ai-output-messages.json),
an Anthropic Message (``tool_use`` blocks), a Gemini ``GenerateContentResponse`` (``candidates[].content.parts[]
.functionCall {name, args}``) and a Bedrock ``Converse`` response (``output.message.content[].toolUse {toolUseId,
name, input}``, API_runtime_ToolUseBlock)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_real22_langgraph_js import _ingest, check_tool_input_is_the_calls_arguments, oi_request, oi_span

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

FIXTURE = Path(__file__).parent / "fixtures" / "langgraph_js" / "langgraph_js_anthropic.otlp.jsonl"


def _fast(monkeypatch: pytest.MonkeyPatch, fast: bool | None) -> None:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", fast)


# (the chosen reader: both store the same rows for every checked-in fixture, test_reader24_agreement.py)
def test_langgraph_js_with_claude_tool_input_is_the_calls_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    check_tool_input_is_the_calls_arguments(*_ingest(monkeypatch, None, FIXTURE))  # old code: input 'widget'


def _trace(llm_attrs: dict[str, str], tool: str = "get_price", trace: str = "cd" * 16) -> dict:
    """An agent span, its model call (``llm_attrs``) and a tool span whose input is the text ``widget``."""

    def span(sid: int, parent: int | None, name: str, attrs: dict) -> dict:
        return oi_span(trace, sid, parent, name, attrs)

    spans = [
        span(1, None, "researcher", {"openinference.span.kind": "AGENT"}),
        span(2, 1, "chat", {"openinference.span.kind": "LLM", **llm_attrs}),
        span(
            3,
            1,
            tool,
            {
                "openinference.span.kind": "TOOL",
                "tool.name": tool,
                "input.value": "widget",
                "input.mime_type": "text/plain",
            },
        ),
    ]
    return oi_request(spans)


_ARGS = {"item": "widget"}
SHAPES = {
    "genai_parts": {
        "gen_ai.output.messages": json.dumps(
            [
                {
                    "role": "assistant",
                    "parts": [{"type": "tool_call", "id": "call_1", "name": "get_price", "arguments": _ARGS}],
                    "finish_reason": "tool_call",
                }
            ]
        )
    },
    "anthropic": {
        "output.value": json.dumps(
            {
                "id": "msg_1",
                "type": "message",
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Looking it up."},
                    {"type": "tool_use", "id": "toolu_1", "name": "get_price", "input": _ARGS},
                ],
                "stop_reason": "tool_use",
            }
        ),
        "output.mime_type": "application/json",
    },
    "gemini": {
        "output.value": json.dumps(
            {
                "candidates": [
                    {
                        "content": {
                            "role": "model",
                            "parts": [{"functionCall": {"name": "get_price", "args": _ARGS}}],
                        },
                        "finishReason": "STOP",
                    }
                ]
            }
        ),
        "output.mime_type": "application/json",
    },
    "bedrock_converse": {
        "output.value": json.dumps(
            {
                "output": {
                    "message": {
                        "role": "assistant",
                        "content": [
                            {"toolUse": {"toolUseId": "tooluse_1", "name": "get_price", "input": _ARGS}}
                        ],
                    }
                },
                "stopReason": "tool_use",
            }
        ),
        "output.mime_type": "application/json",
    },
}


def _shapes(path: Path, tool: str) -> dict[str, str]:
    """Each shape's trace (:func:`_trace`, its tool ``tool``) in one file, a trace id each (one ingest call for
    all, ~0.3 CPU s a call, not one a shape: no trace names another's); each shape's run id."""
    runs = {shape: f"{n + 1:02x}" + "cd" * 15 for n, shape in enumerate(sorted(SHAPES))}
    path.write_text("".join(json.dumps(_trace(SHAPES[s], tool, runs[s])) + "\n" for s in runs))
    return runs


def _tool_inputs(ws: wb.Workspace, runs: dict[str, str]) -> dict[str, list]:
    return {
        shape: [
            i
            for (i,) in ws.sql("SELECT input FROM steps WHERE kind = 'tool' AND run_id = ?", [run]).fetchall()
        ]
        for shape, run in runs.items()
    }


@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_each_providers_request_gives_the_arguments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast: bool
) -> None:
    _fast(monkeypatch, fast)
    runs = _shapes(tmp_path / "shapes.otlp.jsonl", "get_price")
    ws = wb.open()
    rep = ws.ingest(tmp_path / "shapes.otlp.jsonl", progress=False)
    assert (rep.stored, rep.quarantined) == (3 * len(SHAPES), 0), rep.errors
    for shape, inputs in _tool_inputs(ws, runs).items():
        assert [json.loads(i) for i in inputs] == [_ARGS], shape  # old code: 'widget'


def test_a_request_for_another_tool_leaves_the_text(tmp_path: Path) -> None:
    runs = _shapes(tmp_path / "shapes.otlp.jsonl", "get_stock")
    ws = wb.open()
    rep = ws.ingest(tmp_path / "shapes.otlp.jsonl", progress=False)
    assert _tool_inputs(ws, runs) == {shape: ["widget"] for shape in SHAPES}
    assert not any("tool call(s)" in n for n in rep.notes)

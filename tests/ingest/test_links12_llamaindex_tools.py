"""LlamaIndex AgentWorkflow (openinference-instrumentation-llama-index 4.6, llama-index-core 0.14): the
``call_tool`` step's event (``ToolCall(tool_name=…, tool_id=…)``) names no agent; it and the tool span under
it act for the agent that asked for the call, named by the workflow steps before it. The spans are written
with the OpenTelemetry SDK in the shape the real trace has (the workflow's steps as CHAIN siblings under
``AgentWorkflow.run``, their input ``{"ctx": "<Context…>", "ev": "<event repr>"}``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _otel_fixtures import collector_style, otlp_request, write_jsonl
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import workbench as wb
from workbench.ingest import _registry

_CTX = "<workflows.context.context.Context object at 0x7ff111a54250>"
_SETUP = (
    "AgentSetup(input=[ChatMessage(role=<MessageRole.USER: 'user'>, additional_kwargs={{}}, blocks=["
    "TextBlock(block_type='text', text='How tall is the Eiffel Tower?')])], current_agent_name='{agent}')"
)
_OUTPUT = (
    "AgentOutput(response=ChatMessage(role=<MessageRole.ASSISTANT: 'assistant'>, additional_kwargs={{}}, "
    "blocks=[ToolCallBlock(block_type='tool_call', tool_call_id='{cid}', tool_name='{tool}', tool_kwarg..."
)


def _chain(tracer, name: str, ev: str, out: str | None = None):  # noqa: ANN001, ANN202
    attrs = {
        "openinference.span.kind": "CHAIN",
        "input.value": json.dumps({"ctx": _CTX, "ev": ev}),
        "input.mime_type": "application/json",
    }
    if out is not None:
        attrs["output.value"] = out
    return tracer.start_as_current_span(f"AgentWorkflow.{name}", attributes=attrs)


def _spans() -> list[ReadableSpan]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "unknown_service"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("openinference.instrumentation.llama_index", "4.6.1")
    with tracer.start_as_current_span("AgentWorkflow.run", attributes={"openinference.span.kind": "CHAIN"}):
        for agent, cid, tool in (("researcher", "c1", "search_web"), ("researcher", "c2", "handoff")):
            with _chain(tracer, "setup_agent", _SETUP.format(agent=agent)):
                pass
            with _chain(
                tracer, "run_agent_step", _SETUP.format(agent=agent), _OUTPUT.format(cid=cid, tool=tool)
            ):
                with tracer.start_as_current_span(
                    "MockFunctionCallingLLM.astream_chat", attributes={"openinference.span.kind": "LLM"}
                ):
                    pass
            with _chain(tracer, "parse_agent_output", _OUTPUT.format(cid=cid, tool=tool)):
                pass
            call = f"ToolCall(tool_name='{tool}', tool_kwargs={{'query': 'Eiffel tower height'}}, tool_id='{cid}')"
            with _chain(
                tracer, "call_tool", call, f"ToolCallResult(tool_name='{tool}', tool_id='{cid}', ..."
            ):
                with tracer.start_as_current_span(
                    "FunctionTool.acall",
                    attributes={
                        "openinference.span.kind": "TOOL",
                        "tool.name": tool,
                        "input.value": json.dumps({"kwargs": {"query": "Eiffel tower height"}}),
                    },
                ):
                    pass
            with _chain(
                tracer,
                "aggregate_tool_results",
                f"ToolCallResult(tool_name='{tool}', tool_id='{cid}')",
                "AgentInput(input=[], current_agent_name='writer')",
            ):
                pass
        with _chain(tracer, "setup_agent", _SETUP.format(agent="writer")):
            pass
        with _chain(tracer, "run_agent_step", _SETUP.format(agent="writer"), "AgentOutput(response=...)"):
            pass
    return list(exporter.get_finished_spans())


@pytest.mark.parametrize("shape", ["fast", "python_reader", "console"])
def test_a_tool_call_acts_for_the_agent_that_asked_for_it(tmp_path: Path, shape: str) -> None:
    spans = _spans()
    if shape == "console":
        path = tmp_path / "wf.console.json"
        path.write_text("".join(s.to_json() + "\n" for s in reversed(spans)))  # (order does not matter)
    else:
        path = write_jsonl(tmp_path / "wf.otlp.jsonl", [collector_style(otlp_request(spans))])
    adapter = next(a for a in _registry.ADAPTERS if a.name == "otlp")
    was = adapter.fast  # (the registry's adapter: put back as it was, None since perf18)
    adapter.fast = shape == "fast"
    try:
        ws = wb.open()
        report = ws.ingest(path)
    finally:
        adapter.fast = was
    assert report.quarantined == 0 and report.stored == len(spans)
    rows = ws.sql("SELECT name, agent, input FROM steps ORDER BY seq").fetchall()
    calls = [
        (name, agent)
        for name, agent, inp in rows
        if name in ("AgentWorkflow.call_tool", "FunctionTool.acall")
    ]
    assert calls == [("AgentWorkflow.call_tool", "researcher"), ("FunctionTool.acall", "researcher")] * 2
    aggregate = [agent for name, agent, _ in rows if name == "AgentWorkflow.aggregate_tool_results"]
    assert aggregate == ["researcher", "researcher"]
    # the workflow's own span and its last agent's steps are as before
    agents = [
        (name, agent)
        for name, agent, _ in rows
        if name in ("AgentWorkflow.run", "AgentWorkflow.run_agent_step")
    ]
    assert agents[0] == ("AgentWorkflow.run", None) and agents[-1] == (
        "AgentWorkflow.run_agent_step",
        "writer",
    )

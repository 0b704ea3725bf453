"""The span readers (OTLP fast path, OTLP Python reader, console exporter) name the agents that the Langfuse
adapter names (tests/ingest/test_realingest11_langfuse_names.py): Microsoft Agent Framework's unnamed agent,
whose gen_ai.agent.name is its id, is ``agent`` (a second one ``agent 2``), and Agno's ``Agent.run`` /
``Web_Researcher.run`` spans (scope openinference.instrumentation.agno, which the OTLP readers know) run
``Agent`` / ``Web Researcher``; other ``<Class>.run`` agent spans (smolagents' ``CodeAgent.run``) keep their name.
The spans are made with the OpenTelemetry SDK as the frameworks make them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _otel_fixtures import collector_style, otlp_request, write_jsonl
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import workbench as wb
from workbench.ingest import _registry

MAF = "171105b7-5a2e-4f0e-9a53-1d2f3c4b5a69"
OTHER = "0f1e2d3c-4b5a-4968-8776-655443322110"


def _spans() -> list[ReadableSpan]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "app"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    maf = provider.get_tracer("agent_framework")
    with maf.start_as_current_span("workflow.run", context=Context()):
        for aid in (MAF, OTHER, MAF):  # the first agent again, later in the trace: still "agent"
            with maf.start_as_current_span(
                f"invoke_agent {aid}",
                attributes={
                    "gen_ai.operation.name": "invoke_agent",
                    "gen_ai.agent.id": aid,
                    "gen_ai.agent.name": aid,
                },
            ):
                with maf.start_as_current_span(
                    "chat gpt-5-mini", attributes={"gen_ai.operation.name": "chat"}
                ):
                    pass
    # another trace: numbering is per trace
    with maf.start_as_current_span(
        f"invoke_agent {OTHER}",
        context=Context(),
        attributes={
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.id": OTHER,
            "gen_ai.agent.name": OTHER,
        },
    ):
        pass
    agno = provider.get_tracer("openinference.instrumentation.agno")
    with agno.start_as_current_span(
        "Agent.run",
        context=Context(),
        attributes={
            "openinference.span.kind": "AGENT",
            "session.id": "s1",
            "input.value": "Find the weather in Paris",
        },
    ):
        with agno.start_as_current_span("OpenAIChat.invoke", attributes={"openinference.span.kind": "LLM"}):
            pass
        with agno.start_as_current_span(
            "duckduckgo_search",
            attributes={"openinference.span.kind": "TOOL", "tool.name": "duckduckgo_search"},
        ):
            pass
    with agno.start_as_current_span(
        "Web_Researcher.run",
        context=Context(),
        attributes={"openinference.span.kind": "AGENT", "session.id": "s2"},
    ):
        pass
    with agno.start_as_current_span(
        "Writer.run",
        context=Context(),
        attributes={
            "openinference.span.kind": "AGENT",
            "agent.name": "Writer",
            "graph.node.id": "3b9e5f0c2a7d4e1f8c6b0a9d8e7f6a5b",
        },
    ):
        pass
    return list(exporter.get_finished_spans())


@pytest.mark.parametrize("shape", ["fast", "python_reader", "console"])
def test_span_readers_name_agents_as_langfuse_does(tmp_path: Path, shape: str) -> None:
    spans = _spans()
    if shape == "console":
        path = tmp_path / "spans.console.json"
        path.write_text("".join(s.to_json() + "\n" for s in spans))
    else:
        path = write_jsonl(tmp_path / "spans.otlp.jsonl", [collector_style(otlp_request(spans))])
    adapter = next(a for a in _registry.ADAPTERS if a.name == "otlp")
    was = adapter.fast  # (the registry's adapter: put back as it was, None since perf18)
    adapter.fast = shape == "fast"
    try:
        ws = wb.open()
        report = ws.ingest(path)
    finally:
        adapter.fast = was
    assert report.quarantined == 0 and report.stored == len(spans)
    rows = ws.sql("SELECT run_id, name, agent, order_hint FROM steps ORDER BY run_id, started_at").fetchall()
    workflow_run = next(r[0] for r in rows if r[1] == "workflow.run")
    in_workflow = [(name, agent) for run, name, agent, _ in rows if run == workflow_run]
    assert in_workflow == [
        ("workflow.run", None),
        (f"invoke_agent {MAF}", "agent"),
        ("chat gpt-5-mini", "agent"),
        (f"invoke_agent {OTHER}", "agent 2"),
        ("chat gpt-5-mini", "agent 2"),
        (f"invoke_agent {MAF}", "agent"),
        ("chat gpt-5-mini", "agent"),
    ]
    agents = {name: agent for run, name, agent, _ in rows if run != workflow_run}
    assert agents[f"invoke_agent {OTHER}"] == "agent"
    if shape == "console":
        return  # the console exporter prints no instrumentation scope: Agno's spans cannot be told
    assert agents["Agent.run"] == agents["OpenAIChat.invoke"] == agents["duckduckgo_search"] == "Agent"
    assert (agents["Web_Researcher.run"], agents["Writer.run"]) == ("Web Researcher", "Writer")

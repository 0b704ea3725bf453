"""any-agent's GOOGLE trace (mozilla-ai/any-agent tests/assets/GOOGLE_trace.json), made with the real SDK.

any-agent keeps only its own spans (tracer ``any_agent``): under Google ADK its LLM and tool spans' parents
are ADK's spans, which the dump leaves out and an OTLP export of the same run holds. Its LLM spans give
their cost in parts (``gen_ai.usage.input_cost`` / ``output_cost``) and the document the run's answer
(``final_output``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from _otel_fixtures import collector_style, otlp_request
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from test_anyagent import any_agent_dump

import workbench as wb

ANSWER = {"steps": [{"number": 1, "description": "Get current time in the America/New_York timezone."}]}


def google_run() -> list[ReadableSpan]:
    """invoke_agent [any_agent] > ADK's agent run and call spans > any-agent's call_llm / execute_tool."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "unknown_service"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    ours, adk = provider.get_tracer("any_agent"), provider.get_tracer("gcp.vertex.agent")
    with ours.start_as_current_span(
        "invoke_agent [any_agent]",
        attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "any_agent"},
    ):
        with adk.start_as_current_span("invocation"), adk.start_as_current_span("agent_run [any_agent]"):
            with adk.start_as_current_span("call_llm"):
                with ours.start_as_current_span(
                    "call_llm mistral/mistral-small-latest",
                    attributes={
                        "gen_ai.operation.name": "call_llm",
                        "gen_ai.request.model": "mistral/mistral-small-latest",
                        "gen_ai.usage.input_tokens": "672",
                        "gen_ai.usage.output_tokens": "16",
                        "gen_ai.usage.input_cost": "6.72e-05",
                        "gen_ai.usage.output_cost": "4.8e-06",
                    },
                ):
                    pass
            with adk.start_as_current_span("execute_tool get_current_time"):
                with ours.start_as_current_span(
                    "execute_tool get_current_time",
                    attributes={
                        "gen_ai.operation.name": "execute_tool",
                        "gen_ai.tool.name": "get_current_time",
                        "gen_ai.tool.args": '{"timezone": "America/New_York"}',
                    },
                ):
                    pass
    provider.shutdown()
    return list(exporter.get_finished_spans())


def _files(tmp_path: Path) -> tuple[Path, Path]:
    spans = google_run()
    dump = tmp_path / "GOOGLE_trace.json"
    dump.write_text(
        json.dumps(
            any_agent_dump([s for s in spans if s.instrumentation_scope.name == "any_agent"], ANSWER),
            indent=2,
        )
    )
    otlp = tmp_path / "google.otlp.json"
    otlp.write_text(json.dumps(collector_style(otlp_request(spans))))
    return dump, otlp


def _agents(ws: wb.Workspace) -> dict[str, Any]:
    return dict(ws.sql("SELECT name, agent FROM steps").fetchall())


def test_the_dump_then_the_otlp_export_of_a_run(tmp_path: Path) -> None:
    """One store given the any-agent dump, then the OTLP export of the same run (and a store of the export
    alone): what each check below says. (Three tests until round 54, each writing the files and reading the dump
    into a store of its own.)"""
    dump, otlp = _files(tmp_path)
    ws = wb.open()
    assert ws.ingest(dump).stored == 3
    # Spans whose parent was left out act for the run's agent; what the source said stays as it said it: the
    # steps declare no agent of their own.
    assert set(_agents(ws).values()) == {"any_agent"}, "the dump's steps act for the run's agent"
    assert ws.sql("SELECT count(*) FROM steps WHERE agent_own IS NULL").fetchall() == [(2,)]
    # The cost in parts and the final output are read.
    cost, tokens = ws.sql("SELECT cost, tokens_in FROM steps WHERE kind = 'llm'").fetchall()[0]
    assert abs(cost - (6.72e-05 + 4.8e-06)) < 1e-12 and tokens == 672, "the dump's cost"
    outcome, source, output = ws.sql(
        "SELECT outcome, outcome_source, attributes->>'output' FROM runs"
    ).fetchall()[0]
    assert (outcome, source, json.loads(output)) == ("success", "declared", ANSWER), "the dump's final output"
    over_otlp = wb.open()
    over_otlp.ingest(otlp)
    assert over_otlp.sql("SELECT cost, tokens_in FROM steps WHERE kind = 'llm'").fetchall() == [
        (cost, tokens)
    ], "the export's cost"
    # The dump and the OTLP export of a run are the same steps (the missing parents: the steps now inherit
    # through them). The dump leaves the instrumentation scope out; OTLP keeps it as otel.scope.name.
    report = ws.ingest(otlp)
    assert (report.read, report.stored, report.quarantined, report.added) == (7, 7, 0, 4)
    assert set(_agents(ws).values()) == {"any_agent"}, (
        "the dump's and the export's steps act for the run's agent"
    )
    assert ws.sql(
        "SELECT DISTINCT attributes->>'otel.scope.name' FROM steps WHERE name LIKE '%mistral%' "
        "OR name LIKE 'invoke_agent%'"
    ).fetchall() == [("any_agent",)]


def test_a_run_with_two_root_agents_lends_neither_to_an_orphan(tmp_path: Path) -> None:
    spans = google_run()
    doc = any_agent_dump([s for s in spans if s.instrumentation_scope.name == "any_agent"], None)
    second = dict(
        doc["spans"][-1],
        name="invoke_agent [other]",
        attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "other"},
    )
    second["context"] = dict(second["context"], span_id=12345)
    doc["spans"].append(second)
    path = tmp_path / "two.json"
    path.write_text(json.dumps(doc))
    ws = wb.open()
    ws.ingest(path)
    assert _agents(ws)["call_llm mistral/mistral-small-latest"] is None


def test_a_trace_without_final_output_declares_nothing(tmp_path: Path) -> None:
    spans = google_run()
    path = tmp_path / "failed.json"
    path.write_text(
        json.dumps(any_agent_dump([s for s in spans if s.instrumentation_scope.name == "any_agent"], None))
    )
    ws = wb.open()
    ws.ingest(path)
    assert ws.sql("SELECT outcome_source, attributes->>'output' FROM runs").fetchall() == [("none", None)]

"""any-agent trace files: the SDK's spans dumped with integer ids, read as the same run OTLP gives."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _otel_fixtures import collector_style, otlp_request, run_adapter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode

import workbench as wb
from workbench.ingest.anyagent import AnyAgentTrace
from workbench.ingest.otlp import OtlpJson

COLUMNS = "run_id, step_id, parent_id, agent, kind, name, tool, model, status, error, tokens_in, tokens_out"


def _context(ctx: Any) -> dict[str, Any]:
    return {
        "trace_id": ctx.trace_id,
        "span_id": ctx.span_id,
        "is_remote": ctx.is_remote,
        "trace_flags": {"value": int(ctx.trace_flags)},
        "trace_state": {"entries": {}},
    }


def any_agent_dump(spans: list[ReadableSpan], final_output: Any) -> dict[str, Any]:
    """``AgentTrace.model_dump()`` as any-agent writes it: integer ids, lower-case kind and status."""
    return {
        "spans": [
            {
                "name": s.name,
                "kind": s.kind.name.lower(),
                "parent": _context(s.parent) if s.parent else None,
                "start_time": s.start_time,
                "end_time": s.end_time,
                "status": {
                    "status_code": s.status.status_code.name.lower(),
                    "description": s.status.description,
                },
                "context": _context(s.get_span_context()),
                "attributes": dict(s.attributes or {}),
                "links": [],
                "events": [
                    {"name": e.name, "attributes": dict(e.attributes or {}), "timestamp": e.timestamp}
                    for e in s.events
                ],
                "resource": {"attributes": dict(s.resource.attributes), "schema_url": ""},
            }
            for s in spans
        ],
        "final_output": final_output,
    }


def agent_run() -> list[ReadableSpan]:
    """One agent run as any-agent records it: the agent span ends last, its LLM and tool calls under it."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "unknown_service"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("any_agent")
    with tracer.start_as_current_span(
        "invoke_agent [planner]",
        attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner"},
    ):
        with tracer.start_as_current_span(
            "chat gpt-4o",
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.usage.input_tokens": 269,
                "gen_ai.usage.output_tokens": 16,
            },
        ) as llm:
            llm.set_status(Status(StatusCode.OK))
        with tracer.start_as_current_span(
            "execute_tool write_file",
            attributes={"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "write_file"},
        ) as tool:
            tool.set_status(Status(StatusCode.ERROR, "disk full"))
    provider.shutdown()
    return list(exporter.get_finished_spans())


def test_an_any_agent_trace_is_the_run_its_otlp_export_is(tmp_path: Path) -> None:
    spans = agent_run()
    dump = tmp_path / "OPENAI_trace.json"
    dump.write_text(json.dumps(any_agent_dump(spans, {"steps": []}), indent=2))
    otlp = tmp_path / "trace.otlp.json"
    otlp.write_text(json.dumps(collector_style(otlp_request(spans))))
    trace_id = format(spans[0].get_span_context().trace_id, "032x")
    assert spans[0].get_span_context().trace_id >= 1 << 64  # a 128-bit id: no 64-bit parser keeps it

    from_dump, from_otlp = wb.open(), wb.open()
    report = from_dump.ingest(dump, progress=False)
    assert (report.read, report.stored, report.quarantined) == (3, 3, 0)
    assert report.files[0].endswith("(any-agent)")
    from_otlp.ingest(otlp, progress=False)
    rows = from_dump.sql(f"SELECT {COLUMNS} FROM steps ORDER BY step_id").fetchall()
    assert rows == from_otlp.sql(f"SELECT {COLUMNS} FROM steps ORDER BY step_id").fetchall()
    by_name = {r[5]: r for r in rows}
    agent_id = format(spans[-1].get_span_context().span_id, "016x")
    assert {r[0] for r in rows} == {trace_id}
    assert by_name["invoke_agent [planner]"][1:5] == (agent_id, None, "planner", "agent")
    assert by_name["chat gpt-4o"][2:] == (
        agent_id,
        "planner",
        "llm",
        "chat gpt-4o",
        None,
        "gpt-4o",
        "ok",
        None,
        269,
        16,
    )
    assert by_name["execute_tool write_file"][6:10] == ("write_file", None, "error", "disk full")
    assert from_dump.sql("SELECT run_id, system FROM runs").fetchall() == [(trace_id, "unknown_service")]
    # The attributes differ only in the OTLP file's instrumentation scope (the dump has none).
    attrs = [
        {
            sid: {k: v for k, v in json.loads(a).items() if k != "otel.scope.name"}
            for sid, a in ws.sql("SELECT step_id, attributes FROM steps").fetchall()
        }
        for ws in (from_dump, from_otlp)
    ]
    assert attrs[0] == attrs[1] and attrs[0][agent_id]["service.name"] == "unknown_service"
    # Both files into one store: one run (its steps conflict only in those attributes).
    both = wb.open()
    both.ingest(dump, progress=False)
    again = both.ingest(otlp, progress=False)
    assert again.added == 0 and both.sql("SELECT count(*) FROM runs").fetchall() == [(1,)]


def test_a_bad_span_costs_only_itself(tmp_path: Path) -> None:
    doc = any_agent_dump(agent_run(), None)
    doc["spans"][0]["context"]["span_id"] = 0  # the SDK's invalid id
    doc["spans"][1]["context"]["trace_id"] = -5
    doc["spans"].append("not a span")
    path = tmp_path / "trace.json"
    path.write_text(json.dumps(doc))
    ws = wb.open()
    report = ws.ingest(path, progress=False)
    assert (report.read, report.stored, report.quarantined) == (4, 1, 3)
    reasons = sorted(ws.quarantine().reason)
    assert reasons[0] == "bad span: span id 0 is not a 64-bit OpenTelemetry id", reasons
    assert reasons[1] == "bad span: trace id -5 is not a 128-bit OpenTelemetry id", reasons
    assert reasons[2] == "span is a JSON string, not an object", reasons


def test_nan_and_infinity_are_not_json_here_either(tmp_path: Path) -> None:
    # The exact reader this adapter needs for 128-bit ids is Python's json, which takes NaN and Infinity;
    # every other reader (orjson) refuses them, and so must this one: a NaN attribute was stored as null.
    good = json.dumps(any_agent_dump(agent_run(), None))
    bad = json.dumps(any_agent_dump(agent_run(), None)).replace(
        '"gen_ai.usage.input_tokens": 269', '"gen_ai.usage.input_tokens": 269, "x": NaN'
    )
    assert "NaN" in bad
    path = tmp_path / "traces.jsonl"
    path.write_text(good + "\n" + bad + "\n")
    ws = wb.open()
    report = ws.ingest(path, format="any-agent", progress=False)
    assert (report.read, report.stored, report.quarantined) == (4, 3, 1)
    (reason,) = ws.quarantine().reason
    assert reason.startswith("broken JSON: NaN is not JSON"), reason
    assert ws.quarantine().line.tolist() == [2]


# What any-agent writes on its LLM and tool spans (from its OPENAI_trace.json), not the convention's names.
LLM_REPLY = '[{"tool.name": "get_current_time", "tool.args": "{\\"timezone\\": \\"America/New_York\\"}"}]'
TOOL_ARGS = '{"timezone": "America/New_York"}'
TOOL_RESULT = '{"timezone": "America/New_York", "datetime": "2025-09-16T08:43:06-04:00"}'


def any_agent_attribute_run() -> list[ReadableSpan]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "unknown_service"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("any_agent")
    with tracer.start_as_current_span(
        "invoke_agent [any_agent]",
        attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "any_agent"},
    ):
        with tracer.start_as_current_span(
            "call_llm mistral/mistral-small-latest",
            attributes={
                "gen_ai.operation.name": "call_llm",
                "gen_ai.request.model": "mistral/mistral-small-latest",
                "gen_ai.input.messages": '[{"role": "user", "content": "What year is it?"}]',
                "gen_ai.output": LLM_REPLY,
                "gen_ai.output.type": "json",
                "gen_ai.usage.input_tokens": 269,
                "gen_ai.usage.output_tokens": 16,
            },
        ):
            pass
        with tracer.start_as_current_span(
            "execute_tool get_current_time",
            attributes={
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "get_current_time",
                "gen_ai.tool.args": TOOL_ARGS,
                "gen_ai.tool.call.id": "jbUWqgIUr",
                "gen_ai.output": TOOL_RESULT,
                "gen_ai.output.type": "json",
            },
        ):
            pass
    provider.shutdown()
    return list(exporter.get_finished_spans())


@pytest.mark.parametrize("route", ["any-agent", "otlp-sql", "otlp-python"])
def test_any_agents_genai_names_are_read(route: str, tmp_path: Path) -> None:
    """``call_llm`` is an LLM call; ``gen_ai.output`` its reply or a tool's result; ``gen_ai.tool.args`` a tool's input."""
    spans = any_agent_attribute_run()
    path = tmp_path / "trace.json"
    if route == "any-agent":
        path.write_text(json.dumps(any_agent_dump(spans, None)))
        con, stage = run_adapter(AnyAgentTrace(), path)
    else:
        path.write_text(json.dumps(collector_style(otlp_request(spans))))
        con, stage = run_adapter(OtlpJson(fast=route == "otlp-sql"), path)
    got = {
        r[0]: r[1:]
        for r in con.execute("SELECT name, kind, agent, tool, input, output FROM stage_steps").fetchall()
    }
    assert stage.read == len(got) == 3
    assert got["call_llm mistral/mistral-small-latest"] == (
        "llm",
        None,
        None,
        '[{"role": "user", "content": "What year is it?"}]',
        LLM_REPLY,
    )
    assert got["execute_tool get_current_time"] == ("tool", None, "get_current_time", TOOL_ARGS, TOOL_RESULT)

"""any-agent dumps' span links (integer ids) are read as the other span readers read them.

A sub-agent run in a new trace, linked to the tool span that called it, and a message hop (kind producer,
``messaging.*`` attributes) linked to the sender, dumped as any-agent's ``AgentTrace.model_dump()`` writes
spans: integer ids in ``context`` objects, lower-case kind.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, SpanKind

import workbench as wb


def _context(ctx: Any) -> dict[str, Any]:
    return {
        "trace_id": ctx.trace_id,
        "span_id": ctx.span_id,
        "is_remote": ctx.is_remote,
        "trace_flags": {"value": int(ctx.trace_flags)},
        "trace_state": {"entries": {}},
    }


def _dump(spans: list[ReadableSpan]) -> dict[str, Any]:
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
                "links": [
                    {"context": _context(link.context), "attributes": dict(link.attributes or {}) or None}
                    for link in s.links
                ],
                "events": [],
                "resource": {"attributes": dict(s.resource.attributes), "schema_url": ""},
            }
            for s in spans
        ],
        "final_output": None,
    }


def _spans() -> list[ReadableSpan]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "unknown_service"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("any_agent")
    agent = {"gen_ai.operation.name": "invoke_agent"}
    with tracer.start_as_current_span(
        "invoke_agent [planner]", attributes={**agent, "gen_ai.agent.name": "planner"}
    ):
        with tracer.start_as_current_span(
            "execute_tool call_helper",
            attributes={"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "call_helper"},
        ) as tool:
            called = tool.get_span_context()
    with tracer.start_as_current_span(
        "invoke_agent [helper]",
        context=Context(),
        links=[Link(called)],
        attributes={**agent, "gen_ai.agent.name": "helper"},
    ):
        with tracer.start_as_current_span("chat gpt-4o", attributes={"gen_ai.operation.name": "chat"}):
            pass
    with tracer.start_as_current_span(
        "publish result",
        context=Context(),
        kind=SpanKind.PRODUCER,
        links=[Link(called)],
        attributes={"messaging.operation": "publish"},
    ):
        pass
    provider.shutdown()
    return list(exporter.get_finished_spans())


def _write(path: Path, spans: list[ReadableSpan]) -> Path:
    path.write_text(json.dumps(_dump(spans)))
    return path


def _own(doc: Any, n: int) -> Any:
    """``doc`` (a dump) with every trace id its ``n``-th copy's: its top byte ``n``."""
    if isinstance(doc, dict):
        return {
            k: (v & ~(0xFF << 120)) | (n << 120) if k == "trace_id" else _own(v, n) for k, v in doc.items()
        }
    return [_own(v, n) for v in doc] if isinstance(doc, list) else doc


def test_linked_traces_of_a_dump_are_one_run(tmp_path: Path) -> None:
    spans = _spans()
    # (each way a copy of the dumps with trace ids of its own, every way's n-th call in the store's n-th call: 2
    # calls, where a way was a store and 1-2 calls)
    ways = (["all"], ["planner", "rest"], ["rest", "planner"])
    calls: list[list[Path]] = [[], []]
    for n, way in enumerate(ways, start=1):
        for k, part in enumerate(way):
            # (the planner's trace, the traces linked to it, or all)
            chosen = [
                s
                for s in spans
                if part == "all" or (s.context.trace_id == called_trace(spans)) == (part == "planner")
            ]
            calls[k].append(tmp_path / f"{n}-{part}.json")
            calls[k][-1].write_text(json.dumps(_own(_dump(chosen), n)))
    ws = wb.open()
    for call in calls:
        report = ws.ingest(call)
        assert report.quarantined == 0 and report.read == report.stored, report.errors
    assert ws.count("runs") == len(ways)
    for n, way in enumerate(ways, start=1):
        trace = format((called_trace(spans) & ~(0xFF << 120)) | (n << 120), "032x")
        steps = {
            name: r
            for name, *r in ws.sql(
                "SELECT name, step_id, parent_id, agent, attributes FROM steps WHERE run_id = ?", [trace]
            ).fetchall()
        }
        tool = steps["execute_tool call_helper"][0]
        # the sub-agent's run was called by the tool: its child; the hop stays a root with a consumes edge
        assert steps["invoke_agent [helper]"][1] == tool and steps["chat gpt-4o"][2] == "helper", way
        assert steps["publish result"][1] is None, way
        assert ws.sql(
            "SELECT src_step, dst_step FROM edges WHERE kind = 'consumes' AND run_id = ?", [trace]
        ).fetchall() == [(tool, steps["publish result"][0])], way
        link = json.loads(steps["invoke_agent [helper]"][3])["otel.links"]
        assert link == [{"trace_id": trace, "span_id": tool}], way


def called_trace(spans: list[ReadableSpan]) -> int:
    return next(s for s in spans if s.name == "execute_tool call_helper").context.trace_id


def test_a_bad_link_id_quarantines_its_span_only(tmp_path: Path) -> None:
    doc = _dump(_spans())
    helper = next(s for s in doc["spans"] if s["name"] == "invoke_agent [helper]")
    helper["links"][0]["context"]["span_id"] = -5
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    report = wb.open().ingest(path)
    assert report.quarantined == 1 and report.stored == len(doc["spans"]) - 1
    assert "span id -5" in report.errors[0]

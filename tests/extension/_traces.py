"""Input files the extension tests open: simulator runs as native JSONL, and OTLP JSON written with the
real OpenTelemetry SDK the way the Collector's file exporter writes it (one request per line, hex ids)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from google.protobuf.json_format import MessageToDict
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode

import workbench as wb
from workbench.sim import write_jsonl

AGENTS = ("planner", "pricer", "executor")
_T0 = 1_767_603_600 * 1_000_000_000  # 2026-01-05 09:00 UTC, in ns


def write_sim(path: Path, n_runs: int, seed: int = 0) -> Path:
    """``n_runs`` simulated procurement runs as native JSONL."""
    write_jsonl(wb.sim.procurement(seed=seed).generate(n_runs), path)
    return path


def write_otlp(path: Path, n_traces: int, failing: set[int], agent_name: str | None = None) -> Path:
    """``n_traces`` multi-agent traces (GenAI conventions) made with the SDK; those in ``failing`` end in ERROR.

    Spans get explicit, realistic times (an LLM call 0.8 s, a tool call 0.2 s, one trace a minute from
    2026-01-05 09:00 UTC). ``agent_name`` renames the second agent (to put untrusted text in the store).
    """
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "shop"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("workbench.tests.extension", "1.0")
    agents = (AGENTS[0], agent_name or AGENTS[1], AGENTS[2])
    second = 1_000_000_000
    for i in range(n_traces):
        clock = _T0 + i * 60 * second
        with tracer.start_as_current_span(
            "invoke_agent orchestrator",
            start_time=clock,
            end_on_exit=False,
            attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "orchestrator"},
        ) as root:
            for agent in agents:
                with tracer.start_as_current_span(
                    f"invoke_agent {agent}",
                    start_time=clock,
                    end_on_exit=False,
                    attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agent},
                ) as turn:
                    with tracer.start_as_current_span(
                        "chat gpt-4o",
                        start_time=clock,
                        end_on_exit=False,
                        attributes={
                            "gen_ai.operation.name": "chat",
                            "gen_ai.request.model": "gpt-4o",
                            "gen_ai.usage.input_tokens": 50 + i,
                            "gen_ai.usage.output_tokens": 9,
                        },
                    ) as chat:
                        clock += 8 * second // 10
                        chat.end(end_time=clock)
                    with tracer.start_as_current_span(
                        "execute_tool lookup",
                        start_time=clock,
                        end_on_exit=False,
                        attributes={
                            "gen_ai.operation.name": "execute_tool",
                            "gen_ai.tool.name": "lookup",
                            "gen_ai.tool.call.arguments": json.dumps({"item": i}),
                        },
                    ) as tool:
                        clock += 2 * second // 10
                        if i in failing and agent == agents[1]:
                            tool.set_status(Status(StatusCode.ERROR, "lookup timed out"))
                        tool.end(end_time=clock)
                    turn.end(end_time=clock)
            root.set_status(Status(StatusCode.ERROR, "run failed") if i in failing else Status(StatusCode.OK))
            root.end(end_time=clock)
    provider.shutdown()
    lines = []
    for span in exporter.get_finished_spans():
        doc = MessageToDict(encode_spans([span]))
        for rs in doc["resourceSpans"]:
            for ss in rs["scopeSpans"]:
                for sp in ss["spans"]:
                    for key in ("traceId", "spanId", "parentSpanId"):
                        sp[key] = base64.b64decode(sp[key]).hex() if sp.get(key) else ""
        lines.append(json.dumps(doc, separators=(",", ":")))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path

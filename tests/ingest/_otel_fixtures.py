"""Spans made with the real OpenTelemetry SDK, written as OTLP JSON the ways real tools write it.

``multi_agent_spans()`` records one multi-agent trace (GenAI conventions) and one OpenInference trace.
``otlp_request(spans)`` encodes them with the SDK's OTLP encoder and protobuf's JSON mapping (base64
ids, enum names); ``collector_style(doc)`` rewrites that as the Collector's file exporter does (hex
ids, integer enums).
"""

from __future__ import annotations

import base64
import copy
import json
import math
from pathlib import Path
from typing import Any

import duckdb
from google.protobuf.json_format import MessageToDict
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode

import workbench as wb
from workbench.ingest._base import Stage, create_stage_tables

# Two tokens: p(a)=0.5 among {a: .5, b: .5}; p(c)=0.25 among {c: .25, d: .75}.
LOGPROBS = [
    {
        "token": "a",
        "logprob": math.log(0.5),
        "top_logprobs": [{"token": "a", "logprob": math.log(0.5)}, {"token": "b", "logprob": math.log(0.5)}],
    },
    {
        "token": "c",
        "logprob": math.log(0.25),
        "top_logprobs": [
            {"token": "c", "logprob": math.log(0.25)},
            {"token": "d", "logprob": math.log(0.75)},
        ],
    },
]
# By hand: confidence = exp((ln .5 + ln .25) / 2) = sqrt(.125); entropy = mean(ln 2, H(.25, .75)).
EXPECTED_CONFIDENCE = math.sqrt(0.125)
EXPECTED_ENTROPY = (math.log(2) - (0.25 * math.log(0.25) + 0.75 * math.log(0.75))) / 2


def multi_agent_spans() -> list[ReadableSpan]:
    """A GenAI multi-agent trace (root fails, one tool fails) and an OpenInference trace."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "procurement"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("workbench.tests", "1.0")
    with tracer.start_as_current_span(
        "invoke_agent orchestrator",
        attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "orchestrator"},
    ) as root:
        with tracer.start_as_current_span(
            "invoke_agent researcher",
            attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "researcher"},
        ):
            with tracer.start_as_current_span(
                "chat gpt-4o",
                attributes={
                    "gen_ai.operation.name": "chat",
                    "gen_ai.request.model": "gpt-4o",
                    "gen_ai.response.model": "gpt-4o-2024-08-06",
                    "gen_ai.usage.input_tokens": 120,
                    "gen_ai.usage.output_tokens": 40,
                    "gen_ai.input.messages": json.dumps(
                        [{"role": "user", "parts": [{"type": "text", "content": "find suppliers"}]}]
                    ),
                    "gen_ai.output.messages": json.dumps(
                        [{"role": "assistant", "parts": [{"type": "text", "content": "ACME"}]}]
                    ),
                    "workbench.logprobs": json.dumps(LOGPROBS),
                },
            ) as chat:
                chat.set_status(Status(StatusCode.OK))
            with tracer.start_as_current_span(
                "execute_tool search",
                attributes={
                    "gen_ai.operation.name": "execute_tool",
                    "gen_ai.tool.name": "search",
                    "gen_ai.tool.call.id": "call_1",
                    "gen_ai.tool.call.arguments": '{"q": "suppliers"}',
                    "gen_ai.tool.call.result": '["ACME"]',
                },
            ):
                pass
        with tracer.start_as_current_span(
            "invoke_agent pricer",
            attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "pricer"},
        ):
            with tracer.start_as_current_span(
                "chat gpt-4o-mini",
                attributes={
                    "gen_ai.operation.name": "chat",
                    "gen_ai.request.model": "gpt-4o-mini",
                    "gen_ai.usage.prompt_tokens": 30,
                    "gen_ai.usage.completion_tokens": 7,
                    "gen_ai.prompt": "price of ACME widgets?",
                    "gen_ai.completion": "12.5",
                },
            ):
                pass
            with tracer.start_as_current_span(
                "execute_tool get_price",
                attributes={
                    "gen_ai.operation.name": "execute_tool",
                    "gen_ai.tool.name": "get_price",
                    "gen_ai.tool.call.arguments": '{"sku": "W-1"}',
                },
            ) as tool:
                tool.record_exception(TimeoutError("price service timed out"))
                tool.set_status(Status(StatusCode.ERROR, "timeout"))
        root.set_status(Status(StatusCode.ERROR, "run failed"))
    # An OpenInference trace: an AGENT span named by its span name, an LLM span with flattened messages.
    with tracer.start_as_current_span(
        "CodeAgent.run",
        attributes={"openinference.span.kind": "AGENT", "input.value": "task", "session.id": "s-1"},
    ):
        with tracer.start_as_current_span(
            "LiteLLMModel.__call__",
            attributes={
                "openinference.span.kind": "LLM",
                "llm.model_name": "gpt-4-0613",
                "llm.token_count.prompt": 97,
                "llm.token_count.completion": 52,
                "llm.token_count.total": 149,
                "llm.input_messages.0.message.role": "user",
                "llm.input_messages.0.message.content": "Weather in Paris?",
                "llm.output_messages.0.message.role": "assistant",
                "llm.output_messages.0.message.content": "Rainy.",
            },
        ):
            pass
        with tracer.start_as_current_span(
            "get_weather",
            attributes={
                "openinference.span.kind": "TOOL",
                "tool.name": "get_weather",
                "input.value": '{"city": "Paris"}',
                "output.value": "rainy",
            },
        ):
            pass
    provider.shutdown()
    return list(exporter.get_finished_spans())


def otlp_request(spans: list[ReadableSpan], snake: bool = False) -> dict[str, Any]:
    """Protobuf's JSON mapping of the OTLP export request (base64 ids, enum names)."""
    return MessageToDict(encode_spans(spans), preserving_proto_field_name=snake)


def _hex(value: str) -> str:
    return base64.b64decode(value).hex()


_KINDS = {
    "SPAN_KIND_UNSPECIFIED": 0,
    "SPAN_KIND_INTERNAL": 1,
    "SPAN_KIND_SERVER": 2,
    "SPAN_KIND_CLIENT": 3,
    "SPAN_KIND_PRODUCER": 4,
    "SPAN_KIND_CONSUMER": 5,
}
_CODES = {"STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2}


def collector_style(doc: dict[str, Any]) -> dict[str, Any]:
    """The OTLP JSON encoding as the Collector writes it: hex ids, integer kind and status code."""
    doc = copy.deepcopy(doc)
    for rs in doc["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            for sp in ss["spans"]:
                for key in ("traceId", "spanId", "parentSpanId"):
                    sp[key] = _hex(sp[key]) if sp.get(key) else ""
                sp["kind"] = _KINDS[sp["kind"]]
                if "code" in sp.get("status", {}):
                    sp["status"]["code"] = _CODES[sp["status"]["code"]]
    return doc


def write_jsonl(path: Path, docs: list[Any]) -> Path:
    path.write_text("".join(json.dumps(d, separators=(",", ":")) + "\n" for d in docs))
    return path


def run_adapter(adapter: Any, path: Path) -> tuple[duckdb.DuckDBPyConnection, Stage]:
    """Stage ``path`` with ``adapter`` on a fresh in-memory connection."""
    con = duckdb.connect()
    create_stage_tables(con)
    stage = Stage(con, source=adapter.name)
    stage.file = str(path)
    adapter.stage(path, stage)
    stage.flush()
    return con, stage


def rows(con: duckdb.DuckDBPyConnection, table: str, order: str = "line") -> list[dict[str, Any]]:
    """A staging table as dicts."""
    cur = con.execute(f"SELECT * FROM {table} ORDER BY {order}")
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def counts_reconcile(con: duckdb.DuckDBPyConnection, stage: Stage) -> bool:
    steps = con.execute("SELECT count(*) FROM stage_steps").fetchall()[0][0]
    rejects = con.execute("SELECT count(*) FROM stage_quarantine").fetchall()[0][0]
    return stage.read == steps + rejects


def ingested_by(fast: bool, monkeypatch: Any, path: Path, doc: dict[str, Any], spans: int) -> wb.Workspace:
    """``doc`` written to ``path`` as one OTLP JSON line and ingested by the SQL reader (``fast``) or the Python
    one (``monkeypatch`` puts the flag back after the test): each of its ``spans`` stored, none quarantined."""
    from workbench.ingest._registry import ADAPTERS
    from workbench.ingest.otlp import OtlpJson

    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", fast)
    path.write_text(json.dumps(doc) + "\n")
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored, rep.quarantined) == (spans, spans, 0)
    return ws

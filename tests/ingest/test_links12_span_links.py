"""Span links: a trace that continues another (a root span with one link to it) is part of its run.

The spans are made with the OpenTelemetry SDK the way autogen-core 0.7's runtime makes them: every message
hop (``autogen publish``, kind PRODUCER) is the root of a new trace with one link to the ``autogen create``
span of the sender, and its ``autogen process`` child (CONSUMER) carries the same link. They are written as
the SDK's OTLP encoder and the Collector write them and as the console exporter prints them.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from _otel_fixtures import collector_style, otlp_request, write_jsonl
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, SpanContext, SpanKind, TraceFlags

import workbench as wb
from workbench.ingest.otlp import OtlpJson


def _spans() -> list[ReadableSpan]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "team"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("autogen SingleThreadedAgentRuntime")
    agent = {"gen_ai.operation.name": "invoke_agent"}
    # Hop 1: the researcher, in the first trace, sends a message (the create span).
    with tracer.start_as_current_span("autogen process researcher", kind=SpanKind.CONSUMER):
        with tracer.start_as_current_span(
            "invoke_agent researcher", attributes={**agent, "gen_ai.agent.name": "researcher"}
        ):
            with tracer.start_as_current_span(
                "autogen create output_topic", kind=SpanKind.PRODUCER
            ) as create:
                sent = create.get_span_context()
            with tracer.start_as_current_span(
                "execute_tool delegate",
                attributes={"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "delegate"},
            ) as tool:
                called = tool.get_span_context()
    # Hop 2: the runtime delivers it in a new trace linked to the create span; the writer handles it.
    with tracer.start_as_current_span(
        "autogen publish output_topic",
        context=Context(),
        kind=SpanKind.PRODUCER,
        links=[Link(sent)],
        attributes={"messaging.operation": "publish"},
    ) as pub:
        hop = pub.get_span_context()
        with tracer.start_as_current_span(
            "autogen process writer", kind=SpanKind.CONSUMER, links=[Link(sent)]
        ):
            with tracer.start_as_current_span(
                "invoke_agent writer", attributes={**agent, "gen_ai.agent.name": "writer"}
            ):
                with tracer.start_as_current_span("autogen create reply", kind=SpanKind.PRODUCER) as create2:
                    sent2 = create2.get_span_context()
    # Hop 3 (a hop of a hop): in a third trace, linked to the writer's create span.
    with tracer.start_as_current_span(
        "autogen publish reply", context=Context(), kind=SpanKind.PRODUCER, links=[Link(sent2)]
    ):
        pass
    # A call made in a new trace (not messaging): the delegate tool's sub-agent, linked to the tool span.
    with tracer.start_as_current_span(
        "invoke_agent helper",
        context=Context(),
        links=[Link(called)],
        attributes={**agent, "gen_ai.agent.name": "helper"},
    ):
        with tracer.start_as_current_span("chat helper-model", attributes={"gen_ai.operation.name": "chat"}):
            pass
    # A batch consumer linking two producers: joins neither.
    with tracer.start_as_current_span(
        "process batch", context=Context(), kind=SpanKind.CONSUMER, links=[Link(sent), Link(hop)]
    ):
        pass
    # A link to a span nobody exported: the trace stays a run of its own.
    lost = SpanContext(trace_id=0xABC, span_id=0xDEF, is_remote=True, trace_flags=TraceFlags(1))
    with tracer.start_as_current_span(
        "autogen publish lost", context=Context(), kind=SpanKind.PRODUCER, links=[Link(lost)]
    ):
        pass
    # A span with a parent that links elsewhere (a consumer inside a poll loop): joins nothing.
    with tracer.start_as_current_span("poll loop", context=Context()):
        with tracer.start_as_current_span("handle message", kind=SpanKind.CONSUMER, links=[Link(sent2)]):
            pass
    return list(exporter.get_finished_spans())


def _collector(doc: dict) -> dict:
    """The Collector's hex ids for links too (collector_style converts the span ids)."""
    out = collector_style(doc)
    for rs in out["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            for sp in ss["spans"]:
                for link in sp.get("links") or ():
                    for key in ("traceId", "spanId"):
                        link[key] = base64.b64decode(link[key]).hex()
    return out


def _name_runs(ws: wb.Workspace) -> dict[str, str]:
    return dict(ws.sql("SELECT name, run_id FROM steps").fetchall())


@pytest.fixture(scope="module")
def spans() -> list[ReadableSpan]:
    return _spans()


@pytest.mark.parametrize("shape", ["collector", "sdk_base64", "console", "python_reader"])
def test_linked_traces_form_one_run(tmp_path: Path, spans: list[ReadableSpan], shape: str) -> None:
    if shape == "console":
        path = tmp_path / "spans.console.json"
        path.write_text("".join(s.to_json() + "\n" for s in spans))
    else:
        doc = otlp_request(spans)
        path = write_jsonl(tmp_path / "spans.otlp.jsonl", [doc if shape == "sdk_base64" else _collector(doc)])
    ws = wb.open()
    if shape == "python_reader":
        from workbench.ingest import _registry

        adapter = next(a for a in _registry.ADAPTERS if a.name == "otlp")
        assert isinstance(adapter, OtlpJson)
        was = adapter.fast  # (the registry's adapter: put back as it was, None since perf18)
        adapter.fast = False
        try:
            report = ws.ingest(path)
        finally:
            adapter.fast = was
    else:
        report = ws.ingest(path)
    assert report.quarantined == 0 and report.read == report.stored == len(spans)
    run = _name_runs(ws)
    first = run["invoke_agent researcher"]
    # the hops, the hop of a hop and the call made in a new trace are in the researcher's run
    for name in (
        "autogen publish output_topic",
        "autogen process writer",
        "invoke_agent writer",
        "autogen publish reply",
        "invoke_agent helper",
        "chat helper-model",
    ):
        assert run[name] == first, name
    # the batch consumer, the lost link and the poll loop are runs of their own
    others = {run["process batch"], run["autogen publish lost"], run["poll loop"]}
    assert len(others) == 3 and first not in others and run["handle message"] == run["poll loop"]
    assert ws.count("runs") == 4
    steps = {
        r[0]: r[1:]
        for r in ws.sql(
            "SELECT name, step_id, parent_id, depth, agent, attributes FROM steps WHERE run_id = ?", [first]
        ).fetchall()
    }
    # a messaging hop stays a root (a conversation is no nest of calls), tied to the sender by a consumes edge
    pub_id, pub_parent, pub_depth, pub_agent, pub_attrs = steps["autogen publish output_topic"]
    assert pub_parent is None and pub_depth == 0 and pub_agent is None
    create_id = steps["autogen create output_topic"][0]
    edges = set(
        ws.sql(
            "SELECT src_step, dst_step, kind FROM edges WHERE run_id = ? AND kind <> 'parent'", [first]
        ).fetchall()
    )
    assert (create_id, pub_id, "consumes") in edges
    assert (steps["autogen create reply"][0], steps["autogen publish reply"][0], "consumes") in edges
    # a call made in a new trace has its caller as parent, and acts for the caller's agent below its own
    helper = steps["invoke_agent helper"]
    assert helper[1] == steps["execute_tool delegate"][0] and helper[2] == 3
    assert steps["chat helper-model"][3] == "helper"
    # the moved steps keep their trace id; links are kept as attributes
    attrs = json.loads(pub_attrs)
    assert attrs["otel.trace_id"] != first and attrs["otel.links"] == [
        {"trace_id": first, "span_id": create_id}
    ]
    assert "otel.trace_id" not in json.loads(steps["invoke_agent researcher"][4] or "{}")


def test_ingesting_again_adds_nothing_and_a_later_call_joins_the_stored_run(
    tmp_path: Path, spans: list[ReadableSpan]
) -> None:
    doc = _collector(otlp_request(spans))
    first_trace = {
        "invoke_agent researcher",
        "autogen process researcher",
        "autogen create output_topic",
        "execute_tool delegate",
    }
    a, b = [], []
    for rs in doc["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            for sp in ss["spans"]:
                (a if sp["name"] in first_trace else b).append(sp)
    ss = doc["resourceSpans"][0]["scopeSpans"][0]

    def part(spans_: list) -> dict:
        return {
            "resourceSpans": [
                {
                    "resource": doc["resourceSpans"][0]["resource"],
                    "scopeSpans": [{"scope": ss["scope"], "spans": spans_}],
                }
            ]
        }

    whole = write_jsonl(tmp_path / "whole.jsonl", [doc])
    ws = wb.open()
    ws.ingest(whole)
    again = ws.ingest(whole)
    assert again.added == 0 and again.quarantined == 0 and ws.count("runs") == 4
    # the first trace stored in one call, the traces continuing it in a later one: they join the stored run; and a
    # hop of a hop whose own link target was moved in an earlier call is found by its trace id. (The two splits as
    # copies of the traces, each trace id's first byte the split's number, read in the same two calls: a split was
    # a store and two calls of its own.)
    hop2 = [sp for sp in b if sp["name"] == "autogen publish reply"]
    splits = {"joined later": (a, b), "hop of a hop": (a + [sp for sp in b if sp not in hop2], hop2)}
    ids = {sp["traceId"] for sp in a + b}
    own: dict[str, dict[str, str]] = {}
    calls: list[list[Path]] = [[], []]
    for n, split in enumerate(splits, start=1):
        own[split] = {f"{n:02x}{t[2:]}": t for t in ids}
        for k, spans_ in enumerate(splits[split]):
            text = json.dumps(part(spans_))
            for mine, theirs in own[split].items():
                text = text.replace(theirs, mine)
            calls[k].append(write_jsonl(tmp_path / f"{n}-{k}.jsonl", [json.loads(text)]))
    ws2 = wb.open()
    for call in calls:
        ws2.ingest(call)
    for split, mine in own.items():
        got = ws2.sql(
            "SELECT name, run_id FROM steps WHERE run_id IN (SELECT unnest(?::VARCHAR[]))", [list(mine)]
        )
        assert {name: mine[run] for name, run in got.fetchall()} == _name_runs(ws), split


def test_a_malformed_link_quarantines_its_span_only(tmp_path: Path, spans: list[ReadableSpan]) -> None:
    doc = _collector(otlp_request(spans))
    bad = next(
        sp
        for sp in doc["resourceSpans"][0]["scopeSpans"][0]["spans"]
        if sp.get("links") and not sp.get("parentSpanId")
    )
    bad["links"][0]["spanId"] = "not-an-id"
    ws = wb.open()
    report = ws.ingest(write_jsonl(tmp_path / "bad.jsonl", [doc]))
    assert report.quarantined == 1 and report.stored == len(spans) - 1
    assert "link spanId" in report.errors[0] and ":1:" in report.errors[0]

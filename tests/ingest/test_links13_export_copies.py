"""The OTLP and console exporters' copies of the same spans are one record, not a conflict.

An SDK set up with both exporters (as the real traces of real11/real12 were) writes each span twice: the OTLP
copy with nanosecond times, its scope and its resource, and the console copy (``ReadableSpan.to_json``) with
ISO times in microseconds, rounded (1 us off the OTLP copy's truncation), and no scope name or service name
beside the span. Ingesting both is no conflict: the copy with more attributes is kept, whatever the order or the
calls; a copy that differs in anything else is still quarantined.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from _otel_fixtures import collector_style, otlp_request, write_jsonl
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import set_span_in_context

import workbench as wb

_T0 = 1_764_600_000_000_000_000


def _spans() -> list[ReadableSpan]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "pricing"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("pydantic-ai", "1.0")
    agent = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "pricing_agent"}
    # nanosecond times whose microseconds the console exporter rounds up (…789 ns), as real clocks give
    root = tracer.start_span("invoke_agent pricing_agent", attributes=agent, start_time=_T0 + 123_456_789)
    tool = tracer.start_span(
        "execute_tool get_price",
        context=set_span_in_context(root),
        start_time=_T0 + 223_456_789,
        attributes={
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "get_price",
            "tool_response": "41.20",
        },
    )
    tool.end(end_time=_T0 + 323_456_001)
    root.end(end_time=_T0 + 423_456_999)
    return list(exporter.get_finished_spans())


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[dict]]:
    spans = _spans()
    folder = tmp_path_factory.mktemp("copies")
    otlp = write_jsonl(folder / "run.otlp.jsonl", [collector_style(otlp_request(spans))])
    console = folder / "run.console.json"
    console.write_text("".join(s.to_json() + "\n" for s in spans))
    return otlp, console, [json.loads(s.to_json()) for s in spans]


def _steps(ws: wb.Workspace, own: dict[str, str] | None = None) -> list[tuple]:
    """The store's steps; with ``own`` (a copy's trace id and file names, each to the one it copies) only the
    copy's, written with what they copy."""
    if own is None:
        return ws.sql("SELECT * EXCLUDE (source) FROM steps ORDER BY step_id").fetchall()
    run = next(mine for mine in own if "/" not in mine)
    rows = ws.sql("SELECT * EXCLUDE (source) FROM steps WHERE run_id = ? ORDER BY step_id", [run]).fetchall()
    return [tuple(own.get(v, v) if isinstance(v, str) else v for v in row) for row in rows]


def test_both_copies_are_one_record_in_any_order_or_calls(
    files: tuple[Path, Path, list[dict]], tmp_path: Path
) -> None:
    otlp, console, spans = files
    # (each order a copy of both files in a trace of its own, the trace id's last byte its number, every order's
    # n-th call read in the store's n-th call: 2 calls, where an order was a store and 1-2 calls; the OTLP copy
    # alone, what every order is compared with, the first)
    trace = spans[0]["context"]["trace_id"][2:]
    # (the SDK's trace id is random: its own last byte was one of the orders' numbers ~2 % of the time, and that
    # order's copy was the fixture's trace itself; with the byte before it changed too, no copy is ever it)
    stem = trace[:-4] + ("ee" if trace[-4:-2] != "ee" else "ef")
    orders = ([[otlp]], [[otlp, console]], [[console, otlp]], [[otlp], [console]], [[console], [otlp]])
    copies, calls = [], [[], []]
    for n, order in enumerate(orders):
        mine = stem + f"{n:02x}"
        assert mine != trace
        own = {mine: trace}
        for path in (otlp, console):
            renamed = tmp_path / f"{n}-{path.name}"
            renamed.write_text(path.read_text().replace(trace, mine))
            own[str(renamed.resolve())] = str(path.resolve())
        for k, call in enumerate(order):
            calls[k] += [tmp_path / f"{n}-{path.name}" for path in call]
        copies.append(own)
    ws = wb.open()
    for call in calls:
        report = ws.ingest(call)
        assert report.quarantined == 0 and report.read == report.stored, report.errors
        assert any("another exporter's copy" in n for n in report.notes), report.notes
    assert ws.count("quarantine") == 0
    expected = _steps(ws, copies[0])
    # (the OTLP copy is the fuller one: its scope and service name beside each span)
    assert expected and all(
        "otel.scope.name" in json.loads(a)
        for (a,) in ws.sql("SELECT attributes FROM steps WHERE run_id = ?", [stem + "00"]).fetchall()
    )
    for order, own in zip(orders[1:], copies[1:], strict=True):
        assert _steps(ws, own) == expected, [[p.name for p in call] for call in order]
    # ingesting both again adds nothing
    again = ws.ingest([p for call in calls for p in call])
    assert again.added == 0 and again.quarantined == 0
    for own in copies[1:]:
        assert _steps(ws, own) == expected


def test_a_copy_that_differs_otherwise_is_still_a_conflict(
    files: tuple[Path, Path, list[dict]], tmp_path: Path
) -> None:
    """Each change a trace of its own (the trace id's last digits its number, in its OTLP file and its console
    copy), every change read together in each order: each trace's changed copy is one conflict, its own. (Each
    order its own copy of the changes' traces, every order's n-th call read in the store's n-th call: 2 calls,
    where an order was a store and 1-2 calls.)"""
    otlp, _, spans = files
    trace = spans[0]["context"]["trace_id"][2:]
    orders = ("together", "otlp first", "console first")
    calls: list[list[Path]] = [[], []]
    traces = {}
    for k, order in enumerate(orders):
        otlps, consoles = [], []
        for n, change in enumerate(["value", "time", "extra_attribute", "status"]):
            copies = copy.deepcopy(spans)  # (one change each: the fixture's spans are the module's)
            tool = next(s for s in copies if s["name"] == "execute_tool get_price")
            if change == "value":
                tool["attributes"]["tool_response"] = "14.20"
            elif change == "time":
                tool["start_time"] = tool["start_time"].replace(".223457", ".223460")
            elif change == "extra_attribute":  # neither copy's attributes all in the other's
                tool["attributes"]["console.only"] = "x"
            else:
                tool["status"] = {"status_code": "ERROR", "description": "boom"}
            traces[order, change] = trace[:-2] + f"{4 * k + n:02x}"
            otlps.append(tmp_path / f"{k}-{change}.otlp.jsonl")
            otlps[-1].write_text(otlp.read_text().replace(trace, traces[order, change]))
            consoles.append(tmp_path / f"{k}-{change}.console.json")
            consoles[-1].write_text(
                "".join(json.dumps(s) + "\n" for s in copies).replace(trace, traces[order, change])
            )
        parts = {
            "together": [otlps + consoles],
            "otlp first": [otlps, consoles],
            "console first": [consoles, otlps],
        }
        for i, part in enumerate(parts[order]):
            calls[i] += part
    ws = wb.open()
    quarantined = sum(ws.ingest(call).quarantined for call in calls)
    assert quarantined == len(traces)
    for (order, change), run in traces.items():
        steps = ws.sql("SELECT count(*) FROM steps WHERE run_id = ?", [run]).fetchall()[0][0]
        conflicts = ws.sql("SELECT count(*) FROM quarantine WHERE run_id = ?", [run]).fetchall()[0][0]
        assert (steps, conflicts) == (2, 1), (change, order)

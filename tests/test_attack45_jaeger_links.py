"""OpenTelemetry span links in a Jaeger download. The OTel-to-Jaeger mapping (opentelemetry-collector-contrib
``pkg/translator/jaeger``, "Links": "MUST be converted to SpanReference(s) in Jaeger, using FOLLOWS_FROM reference
type", after the parent's CHILD_OF) keeps a link as a ``FOLLOWS_FROM`` reference; ``ingest/jaeger.py`` reads the
CHILD_OF parent only and passes no links to ``stage_span``, so the store's rule for traces that continue another
(``ingest/_links.py``: a root with one link to a span of another trace joins that trace's run) never applies.
A sub-agent started in a new trace (or an AutoGen team, whose every message hop is a new linked trace, and whose
telemetry guide shows Jaeger) is two runs read from Jaeger and one run read from the same spans as OTLP JSON
(attack45 ingested both: 2 runs against 1, the sub-agent's root under the planner's span). attack45's strict
xfail, fixed by route45 (``jaeger.py`` reads the FOLLOWS_FROM references as the span's links); two traces of two spans."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import workbench as wb

_A, _B = "4bf92f3577b34da6a3ce929d0e0e4736", "5bf92f3577b34da6a3ce929d0e0e4737"
_US = 1_767_268_800_000_000


def _span(
    trace: str, sid: str, parent: str | None, name: str, start: int, follows: tuple = (), agent: str = ""
) -> dict:
    refs: list[dict[str, Any]] = (
        [{"refType": "CHILD_OF", "traceID": trace, "spanID": parent}] if parent else []
    )
    refs += [{"refType": "FOLLOWS_FROM", "traceID": t, "spanID": s} for t, s in follows]
    tags = (
        [("gen_ai.operation.name", "invoke_agent"), ("gen_ai.agent.name", agent)]
        if agent
        else [("gen_ai.operation.name", "chat")]
    )
    return {
        "traceID": trace,
        "spanID": sid,
        "operationName": name,
        "references": refs,
        "startTime": _US + start,
        "duration": 100_000,
        "tags": [{"key": k, "type": "string", "value": v} for k, v in tags],
        "logs": [],
        "processID": "p1",
    }


def _pricer() -> list[dict]:
    """The pricer's trace: its root follows from the planner's span (a FOLLOWS_FROM to trace _A)."""
    return [
        _span(
            _B,
            "00000000000000b1",
            None,
            "invoke_agent pricer",
            200_000,
            ((_A, "00000000000000a1"),),
            "pricer",
        ),
        _span(_B, "00000000000000b2", "00000000000000b1", "chat", 210_000),
    ]


def test_a_trace_that_follows_from_another_joins_its_run(tmp_path: Path) -> None:
    process = {"p1": {"serviceName": "desk", "tags": []}}
    planner = [
        _span(_A, "00000000000000a1", None, "invoke_agent planner", 0, agent="planner"),
        _span(_A, "00000000000000a2", "00000000000000a1", "chat", 10_000),
    ]
    # the pricer, started by the planner in a new trace linked to the planner's span
    pricer = _pricer()
    doc = {
        "data": [
            {"traceID": _A, "spans": planner, "processes": process},
            {"traceID": _B, "spans": pricer, "processes": process},
        ]
    }
    path = tmp_path / "traces.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    ws = wb.open()
    ws.ingest(path, format="jaeger", progress=False)
    assert ws.sql("SELECT run_id, n_steps FROM runs").fetchall() == [(_A, 4)]


def _doc(*traces: tuple[str, list[dict]]) -> str:
    process = {"p1": {"serviceName": "desk", "tags": []}}
    return json.dumps({"data": [{"traceID": t, "spans": s, "processes": process} for t, s in traces]})


def test_the_link_joins_when_the_linked_trace_comes_in_a_later_call(tmp_path: Path) -> None:
    """route45: the root's FOLLOWS_FROM is kept (``otel.links``), so the trace stored first as a run of its own
    moves into the planner's run when a later call brings the span it follows from, as OTLP's do."""
    pricer = _pricer()
    planner = [_span(_A, "00000000000000a1", None, "invoke_agent planner", 0, agent="planner")]
    ws = wb.open()
    for name, doc in (("pricer.json", _doc((_B, pricer))), ("planner.json", _doc((_A, planner)))):
        (tmp_path / name).write_text(doc, encoding="utf-8")
        ws.ingest(tmp_path / name, format="jaeger", progress=False)
    assert ws.sql("SELECT run_id, n_steps FROM runs").fetchall() == [(_A, 3)]
    parent = "SELECT parent_id FROM steps WHERE step_id = '00000000000000b1'"
    assert ws.sql(parent).fetchall() == [("00000000000000a1",)]


def test_a_follows_from_in_its_own_trace_is_the_parent(tmp_path: Path) -> None:
    """route45: Jaeger's model (``Span.ParentSpanID``) takes the first FOLLOWS_FROM to the span's own trace as
    its parent when it has no CHILD_OF (OpenTracing's asynchronous child); two links to other traces join
    nothing (a batch: ``ingest/_links.py``)."""
    spans = [
        _span(_A, "00000000000000a1", None, "invoke_agent planner", 0, agent="planner"),
        _span(_A, "00000000000000a2", None, "chat", 10_000, ((_A, "00000000000000a1"),)),
        _span(
            _B,
            "00000000000000b1",
            None,
            "batch",
            20_000,
            ((_A, "00000000000000a1"), (_A, "00000000000000a2")),
        ),
    ]
    (tmp_path / "t.json").write_text(_doc((_A, spans[:2]), (_B, spans[2:])), encoding="utf-8")
    ws = wb.open()
    ws.ingest(tmp_path / "t.json", format="jaeger", progress=False)
    rows = ws.sql("SELECT run_id, step_id, parent_id FROM steps ORDER BY step_id").fetchall()
    assert rows == [
        (_A, "00000000000000a1", None),
        (_A, "00000000000000a2", "00000000000000a1"),
        (_B, "00000000000000b1", None),
    ]

"""Hand-off arrows of an OpenTelemetry trace. openai-agents traced by OpenInference (what Phoenix shows)
hands over inside the triage agent's turn, as a TOOL span "handoff to Billing agent"; no format but
Who&When's and the native one records a hand-off edge, so the timeline drew no arrow for any OTel trace
while its legend said "dashed: hand-off" and handoff_breach counted the agent change."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb
from workbench import plots

_TRACE = "cb567027a8b15efca72319b219cb578e"
_T0 = 1_764_594_827_312_827  # µs


def _kv(key: str, value: str) -> dict:
    return {"key": key, "value": {"stringValue": value}}


def _span(
    span_id: str, parent: str | None, name: str, oi_kind: str, start_ms: float, end_ms: float, *attrs: dict
) -> dict:
    span = {
        "traceId": _TRACE,
        "spanId": span_id,
        "name": name,
        "kind": "SPAN_KIND_INTERNAL",
        "startTimeUnixNano": str(int((_T0 + start_ms * 1000) * 1000)),
        "endTimeUnixNano": str(int((_T0 + end_ms * 1000) * 1000)),
        "status": {"code": "STATUS_CODE_OK"},
        "attributes": [_kv("openinference.span.kind", oi_kind), *attrs],
    }
    if parent:
        span["parentSpanId"] = parent
    return span


def _openai_agents_trace(path: Path) -> None:
    spans = [
        _span("91e9ed9b7efde061", None, "Support run", "AGENT", 0, 525),
        _span("0687cd2c5ce38f51", "91e9ed9b7efde061", "Support run", "CHAIN", 0.3, 525),
        _span(
            "0e055de76dc4c245",
            "0687cd2c5ce38f51",
            "Triage agent",
            "AGENT",
            6,
            465,
            _kv("graph.node.id", "Triage agent"),
        ),
        _span("9054ddb0c03a620c", "0e055de76dc4c245", "turn", "CHAIN", 7, 465),
        _span(
            "78cc21bd4de02085",
            "9054ddb0c03a620c",
            "response",
            "LLM",
            9,
            462,
            _kv("llm.model_name", "gpt-4o-2024-08-06"),
            _kv("input.value", "Is invoice INV-42 paid?"),
        ),
        _span(
            "52eeee32e773591d",
            "9054ddb0c03a620c",
            "handoff to Billing agent",
            "TOOL",
            464.8,
            465.3,
            _kv("input.value", "Triage agent"),
            _kv("output.value", "Billing agent"),
        ),
        _span(
            "58b41d316ce16ef4",
            "0687cd2c5ce38f51",
            "Billing agent",
            "AGENT",
            466,
            525,
            _kv("graph.node.id", "Billing agent"),
        ),
        _span("152d695a2bdd49ab", "58b41d316ce16ef4", "turn", "CHAIN", 470, 490),
        _span(
            "cf6fbcacb7637649",
            "152d695a2bdd49ab",
            "response",
            "LLM",
            471.7,
            482.4,
            _kv("llm.model_name", "gpt-4o-2024-08-06"),
        ),
        _span(
            "f96a4922c57b4a4b",
            "152d695a2bdd49ab",
            "lookup_invoice",
            "TOOL",
            484.6,
            485.6,
            _kv("tool.name", "lookup_invoice"),
            _kv("input.value", '{"invoice_id": "INV-42"}'),
        ),
    ]
    doc = {
        "resourceSpans": [
            {
                "resource": {"attributes": [_kv("service.name", "support")]},
                "scopeSpans": [
                    {"scope": {"name": "openinference.instrumentation.openai_agents"}, "spans": spans}
                ],
            }
        ]
    }
    path.write_text(json.dumps(doc) + "\n", encoding="utf-8")


def test_an_otel_trace_gets_an_arrow_where_another_agent_takes_over(tmp_path: Path) -> None:
    _openai_agents_trace(tmp_path / "support.otlp.jsonl")
    ws = wb.open()
    ws.ingest(tmp_path / "support.otlp.jsonl", progress=False)
    hd = plots.handoff_data(ws, _TRACE)
    assert hd[["src_step", "dst_step", "src_agent", "dst_agent"]].values.tolist() == [
        ["52eeee32e773591d", "cf6fbcacb7637649", "Triage agent", "Billing agent"]
    ]
    assert hd["t0"].iat[0] < hd["t1"].iat[0]
    spec = plots.timeline(plots.timeline_data(ws, _TRACE), hd).to_dict()
    assert "strokeDash" in json.dumps(spec)  # the dashed arrow is drawn
    # a run shown in part (stretches of its moves, as the explorer shows a long run's): no arrow outside the stretches
    # shown (a 4,999-step run's hand-offs stretched the time axis over the whole run, its moves in the first 40 % of
    # it). Of 4 moves, 3 shown: the first two and the end, the hand-off from the 2nd to the 3rd left out with it ...
    cut = plots.timeline(plots.timeline_data(ws, _TRACE, max_steps=3), hd).to_dict()
    assert "strokeDash" not in json.dumps(cut)
    # ... and drawn where the moves around it are kept
    kept = plots.timeline_data(ws, _TRACE, max_steps=3, around=["52eeee32e773591d", "cf6fbcacb7637649"])
    assert "strokeDash" in json.dumps(plots.timeline(kept, hd).to_dict())


def test_recorded_handoff_edges_are_kept_as_they_are(tmp_path: Path) -> None:
    # Who&When records who handed the turn to whom: those edges, not the agent changes, make the arrows
    doc = {
        "question": "q",
        "ground_truth": "1",
        "is_correct": False,
        "mistake_agent": "B",
        "mistake_step": "1",
        "history": [
            {"role": "user", "name": "A", "content": "first"},
            {"role": "assistant", "name": "B", "content": "second"},
            {"role": "assistant", "name": "B", "content": "third"},
            {"role": "assistant", "name": "A", "content": "fourth"},
        ],
    }
    (tmp_path / "1.json").write_text(json.dumps(doc), encoding="utf-8")
    ws = wb.open()
    ws.ingest(tmp_path / "1.json", progress=False)
    run = ws.runs().run_id.iat[0]
    edges = ws.sql("SELECT src_step, dst_step FROM edges WHERE kind = 'handoff' ORDER BY src_step").fetchall()
    hd = plots.handoff_data(ws, run)
    assert sorted(zip(hd["src_step"], hd["dst_step"], strict=True)) == sorted(
        (a, b)
        for a, b in edges
        if ws.sql("SELECT count(DISTINCT agent) FROM steps WHERE step_id IN (?, ?)", [a, b]).fetchall()[0][0]
        == 2
    )
    assert len(hd) == 2

"""Features of a long single-agent trace. A coding or reading agent makes thousands of tool calls in one
run, and its outputs repeat the same values ("Page 12: ... valve 3 ... kPa"). The later-contradiction
feature paired every mention of a value with every later mention before keeping the contradicting ones:
one 3,000-move openai-agents trace took 4 s and 1.3 GB for an empty table. Held here by a memory limit
that the pairing needs five times over, not by a clock."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb
from workbench.attribution._features import step_features

_TRACE = "21bed2eaf6b271d360a54f0cd3fb5683"


def _kv(key: str, value: str) -> dict:
    return {"key": key, "value": {"stringValue": value}}


def _long_reader_trace(path: Path, turns: int) -> None:
    """openai-agents traced by OpenInference: agent span, then per turn a chain, an LLM and a tool span."""
    t0 = 1_764_595_000_000_000_000
    ns = 1_000_000

    def span(sid: int, parent: int | None, name: str, kind: str, start: int, end: int, *attrs: dict) -> dict:
        s = {
            "traceId": _TRACE,
            "spanId": f"{sid:016x}",
            "name": name,
            "kind": "SPAN_KIND_INTERNAL",
            "startTimeUnixNano": str(t0 + start * ns),
            "endTimeUnixNano": str(t0 + end * ns),
            "status": {"code": "STATUS_CODE_OK"},
            "attributes": [_kv("openinference.span.kind", kind), *attrs],
        }
        if parent is not None:
            s["parentSpanId"] = f"{parent:016x}"
        return s

    spans = [
        span(1, None, "Long read", "AGENT", 0, 10 * turns + 10),
        span(2, 1, "Manual reader", "AGENT", 1, 10 * turns + 9),
    ]
    for i in range(turns):
        turn, llm, tool = 10 + 3 * i, 11 + 3 * i, 12 + 3 * i
        spans += [
            span(turn, 2, "turn", "CHAIN", 10 * i + 2, 10 * i + 9),
            span(
                llm,
                turn,
                "generation",
                "LLM",
                10 * i + 2,
                10 * i + 4,
                _kv("output.value", json.dumps({"tool": "read_page", "arguments": {"page": i}})),
            ),
            span(
                tool,
                turn,
                "read_page",
                "TOOL",
                10 * i + 5,
                10 * i + 8,
                _kv("tool.name", "read_page"),
                _kv("input.value", json.dumps({"page": i})),
                _kv(
                    "output.value",
                    f"Page {i}: section {i * 7 % 97} describes valve {i % 13} "
                    f"with pressure {i * 3 % 211} kPa at 20 C, revision 2024, table 5.",
                ),
            ),
        ]
    doc = {
        "resourceSpans": [
            {
                "resource": {"attributes": [_kv("service.name", "manual-reader")]},
                "scopeSpans": [
                    {"scope": {"name": "openinference.instrumentation.openai_agents"}, "spans": spans}
                ],
            }
        ]
    }
    path.write_text(json.dumps(doc) + "\n", encoding="utf-8")


def test_a_long_single_agent_trace_fits_a_small_memory(tmp_path: Path) -> None:
    turns = 1500
    _long_reader_trace(tmp_path / "long.otlp.jsonl", turns)
    ws = wb.open()
    ws.ingest(tmp_path / "long.otlp.jsonl", progress=False)
    ws.con.execute("SET memory_limit = '250MB'")
    ws.con.execute("SET temp_directory = ''")  # in memory only: spilling would hide the blow-up as slowness
    X = step_features(ws)
    assert len(X) == 2 * turns
    assert (X["contra_ref"].fillna(0) == 0).all()  # one agent, no contradiction: nothing to cite

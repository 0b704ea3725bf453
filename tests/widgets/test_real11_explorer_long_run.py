"""The explorer on a run longer than its timeline. The timeline and the step list take a run's first 2,000
moves; a 1,200-turn openai-agents trace (2,400 moves) showed 2,000 of them with nothing saying the rest
were left out, so a flagged or decisive step after them could not be found."""

from __future__ import annotations

import json
import re
from pathlib import Path

import workbench as wb
from workbench.widgets import IncidentExplorer

_TRACE = "5b2fc8b6efdaa9824c6cbc9b176e8e84"


def _kv(key: str, value: str) -> dict:
    return {"key": key, "value": {"stringValue": value}}


def _reader_trace(path: Path, turns: int) -> None:
    """openai-agents traced by OpenInference: an agent span, then per turn a chain, an LLM and a tool span."""
    t0, ms = 1_764_595_000_000_000_000, 1_000_000

    def span(sid: int, parent: int | None, name: str, kind: str, start: int, end: int, *attrs: dict) -> dict:
        s = {
            "traceId": _TRACE,
            "spanId": f"{sid:016x}",
            "name": name,
            "kind": "SPAN_KIND_INTERNAL",
            "startTimeUnixNano": str(t0 + start * ms),
            "endTimeUnixNano": str(t0 + end * ms),
            "status": {"code": "STATUS_CODE_OK"},
            "attributes": [_kv("openinference.span.kind", kind), *attrs],
        }
        if parent is not None:
            s["parentSpanId"] = f"{parent:016x}"
        return s

    spans = [span(1, None, "Manual reader", "AGENT", 0, 10 * turns + 10)]
    for i in range(turns):
        turn = 10 + 3 * i
        spans += [
            span(turn, 1, "turn", "CHAIN", 10 * i + 2, 10 * i + 9),
            span(turn + 1, turn, "generation", "LLM", 10 * i + 2, 10 * i + 4),
            span(
                turn + 2,
                turn,
                "read_page",
                "TOOL",
                10 * i + 5,
                10 * i + 8,
                _kv("tool.name", "read_page"),
                _kv("input.value", json.dumps({"page": i})),
                _kv("output.value", f"Page {i} of the manual."),
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


def test_the_explorer_says_when_it_shows_part_of_a_run(tmp_path: Path) -> None:
    _reader_trace(tmp_path / "reader.otlp.jsonl", 1200)
    ws = wb.open()
    ws.ingest(tmp_path / "reader.otlp.jsonl", progress=False)
    ex = IncidentExplorer(ws, blame_model=None)
    ex.show_run(_TRACE)
    assert len(ex.step.options) == 2000
    text = re.sub(r"<[^>]+>", " ", ex.header.value)
    assert "moves shown" in text and "the first 2,000 of 2,400 (timeline and step list)" in text


def test_a_run_shown_whole_has_no_such_note(tmp_path: Path) -> None:
    _reader_trace(tmp_path / "reader.otlp.jsonl", 30)
    ws = wb.open()
    ws.ingest(tmp_path / "reader.otlp.jsonl", progress=False)
    ex = IncidentExplorer(ws, blame_model=None)
    ex.show_run(_TRACE)
    assert len(ex.step.options) == 60 and "moves shown" not in ex.header.value

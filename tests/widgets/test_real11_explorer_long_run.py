"""The explorer on a run longer than its timeline. The timeline and the step list take a run's first 2,000
moves (``max_moves``); a 1,200-turn openai-agents trace (2,400 moves) showed 2,000 of them with nothing saying the rest
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
    # (the rule at a cap of 200 moves, max_moves, on 300: the 2,400-move trace at the default 2,000 cost ~1.5 CPU s)
    _reader_trace(tmp_path / "reader.otlp.jsonl", 150)
    ws = wb.open()
    ws.ingest(tmp_path / "reader.otlp.jsonl", progress=False)
    ex = IncidentExplorer(ws, blame_model=None, max_moves=200)  # opens on the store's one run
    assert ex.run_id == _TRACE and len(ex.step.options) == 200
    text = re.sub(r"<[^>]+>", " ", ex.header.value)
    assert "moves shown" in text and "the first 200 of 300 (timeline and step list)" in text
    # the timeline draws the moves the step list holds
    drawn = [rows for rows in ex.timeline.spec["datasets"].values() if rows and "kind" in rows[0]]
    assert {r["step_id"] for r in drawn[0]} == {v for _, v in ex.step.options}


def test_a_run_shown_whole_has_no_such_note(tmp_path: Path) -> None:
    _reader_trace(tmp_path / "reader.otlp.jsonl", 30)
    ws = wb.open()
    ws.ingest(tmp_path / "reader.otlp.jsonl", progress=False)
    ex = IncidentExplorer(ws, blame_model=None)
    ex.show_run(_TRACE)
    assert len(ex.step.options) == 60 and "moves shown" not in ex.header.value

"""The explorer on a run longer than its timeline. The timeline and the step list take 2,000 of a run's moves
(``max_moves``); a 1,200-turn openai-agents trace (2,400 moves) showed its first 2,000 with nothing saying the rest
were left out, so a flagged or decisive step after them could not be found. Now the moves around the decisive step,
the flagged ones, the first error and the run's end are kept, the stretches left out said."""

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
    # a replay verdict whose decisive step is move 241, past the first 200 moves (turn 120's generation)
    decisive = f"{10 + 3 * 120 + 1:016x}"
    ws.con.execute(
        "INSERT INTO attributions (run_id, method, unit, target, value, params) "
        "VALUES (?, 'shapley', 'verdict', 'Manual reader', 0.9, ?)",
        [_TRACE, json.dumps({"decisive_step": decisive, "ambiguous": False})],
    )
    ex = IncidentExplorer(ws, blame_model=None, max_moves=200)  # opens on the store's one run
    moves = [v for t, v in ex.step.options if not t.startswith("⋯")]
    assert ex.run_id == _TRACE and len(moves) == 200
    # the moves around the decisive step and the run's end, then the first ones; the stretch left out is said
    text = re.sub(r"<[^>]+>", " ", ex.header.value)
    assert "moves shown" in text and "200 of 300 (timeline and step list): moves 1–115 · 216–300" in text
    assert [t for t, _ in ex.step.options if t.startswith("⋯")] == [
        "⋯ 100 moves not shown (116–215): pick to show them"
    ]
    assert ex.step.value == decisive  # the step panel opens on it
    # the timeline draws the moves the step list holds, the decisive step among them
    drawn = [rows for rows in ex.timeline.spec["datasets"].values() if rows and "kind" in rows[0]]
    assert {r["step_id"] for r in drawn[0]} == set(moves) and decisive in moves
    # ... and shades the stretch left out, saying how many moves it holds
    bands = [rows for rows in ex.timeline.spec["datasets"].values() if rows and "short" in rows[0]]
    assert [r["short"] for r in bands[0]] == ["⋯ 100 moves not shown"]
    # a move left out, asked for (from code, or its "⋯" line): the stretches shown move to it
    ex.select_step(f"{10 + 3 * 75 + 1:016x}")  # move 151
    assert ex.step.value == f"{10 + 3 * 75 + 1:016x}" and "moves 1–" in ex.header.value
    drawn = [rows for rows in ex.timeline.spec["datasets"].values() if rows and "kind" in rows[0]]
    assert f"{10 + 3 * 75 + 1:016x}" in {r["step_id"] for r in drawn[0]}


def test_a_run_shown_whole_has_no_such_note(tmp_path: Path) -> None:
    _reader_trace(tmp_path / "reader.otlp.jsonl", 30)
    ws = wb.open()
    ws.ingest(tmp_path / "reader.otlp.jsonl", progress=False)
    ex = IncidentExplorer(ws, blame_model=None)
    ex.show_run(_TRACE)
    assert len(ex.step.options) == 60 and "moves shown" not in ex.header.value

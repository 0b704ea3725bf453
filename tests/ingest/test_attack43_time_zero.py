"""A span whose times are 0 (an SDK's unset clock, a Go or JS zero value) beside spans of 2026: OTLP reads
``startTimeUnixNano: "0"`` as no time (stored None), but the OpenInference span reader stores 1970-01-01, and the
run was then 56 years long: ``latency_breach`` critical, "run took 1767225602000 ms". Now 0 is no time (None)
for every span reader, in ``_time_units.epoch_or_iso_ns``, as OTLP has it: no 1970 step, no 56-year run."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb


def _span(sid: str, parent: str | None, start: object, end: object) -> dict:
    return {
        "name": sid,
        "span_kind": "LLM" if parent else "CHAIN",
        "context.trace_id": "t1",
        "context.span_id": sid,
        "parent_id": parent,
        "start_time": start,
        "end_time": end,
        "status_code": "OK",
    }


def test_a_span_timed_zero_is_no_1970_step(tmp_path: Path) -> None:
    log = tmp_path / "spans.jsonl"
    log.write_text(
        "".join(
            json.dumps(s) + "\n"
            for s in (
                _span("root", None, "2026-01-01T00:00:00Z", "2026-01-01T00:00:02Z"),
                _span("kid", "root", 0, 0),
            )
        )
    )
    ws = wb.open()
    rep = ws.ingest(log, progress=False)
    assert rep.read == rep.stored + rep.quarantined == 2
    assert ws.sql("SELECT count(*) FROM steps WHERE started_at < TIMESTAMP '2000-01-01'").fetchall() == [(0,)]
    ended = ws.sql("SELECT date_diff('second', started_at, ended_at) FROM runs").fetchall()
    assert ended == [(2,)]

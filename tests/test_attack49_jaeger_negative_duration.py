"""A Jaeger span whose ``duration`` is hugely negative (``-10**30`` µs, ``-1e300``). mend48 quarantines a duration
longer than any step the store can hold (jaeger.py ``_LONGEST_MS``, attack48's A6), but checks only ``>``: a
negative one of that size passes, reaches the step sink's int64 columns and fails the whole file (``IngestError:
... OverflowError: Python int too large to convert to C long; nothing was stored``), naming neither the span nor
its line, where ``-5000`` is quarantined alone with its line. One bad record must cost only itself. attack49's
strict xfail; a trace of two spans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_attack45_jaeger_links import _A, _span

import workbench as wb


@pytest.mark.xfail(
    strict=True,
    reason="jaeger.py bounds a duration by _LONGEST_MS from above only: -10**30 / -1e300 µs overflow the step "
    "sink's int64 and fail the whole file, nothing stored, no line named",
)
@pytest.mark.parametrize("duration", [-(10**30), -1e300], ids=["int", "float"])
def test_a_hugely_negative_duration_costs_only_its_span(duration: float, tmp_path: Path) -> None:
    spans = [
        _span(_A, "00000000000000a1", None, "invoke_agent planner", 0, agent="planner"),
        _span(_A, "00000000000000a2", "00000000000000a1", "chat", 1000),
    ]
    spans[1]["duration"] = duration
    doc = {"data": [{"traceID": _A, "spans": spans, "processes": {"p1": {"serviceName": "svc", "tags": []}}}]}
    path = tmp_path / "trace.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    ws = wb.open()
    ws.ingest(path, progress=False)
    assert ws.sql("SELECT step_id FROM steps").fetchall() == [("00000000000000a1",)]
    assert ws.sql("SELECT step_id, line IS NOT NULL FROM quarantine").fetchall() == [
        ("00000000000000a2", True)
    ]

"""Round 47 quarantines a Jaeger span whose ``duration`` is no number of microseconds (``jaeger.py``, with its line),
and an end past 2262 (``2**63`` µs) is quarantined by the range check. A duration larger still, an integer past
2**64 (``10**30``) or a float of that size (``1e300``, finite, so ``_duration_ms`` takes it) or digit text (``"1000…0"``), reaches the step sink's
Arrow columns and fails the whole file: ``IngestError: ... OverflowError: Python int too large to convert to C long;
nothing was stored``, naming neither the span nor its line. One bad record must cost only itself.
attack48's (strict xfail, mended by mend48: now a plain test); a trace of two spans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_attack45_jaeger_links import _A, _span

import workbench as wb


@pytest.mark.parametrize("duration", [10**30, 1e300, "1" + "0" * 30], ids=["int", "float", "digits"])
def test_a_huge_duration_costs_only_its_span(duration: float | str, tmp_path: Path) -> None:
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

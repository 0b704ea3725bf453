"""A span's cost or entropy that is not a finite number (attack18). OTLP JSON writes a double's infinities and
NaN as the strings "Infinity", "-Infinity" and "NaN" (proto3's JSON mapping). ``Stage.step`` reads NaN as not
given and quarantines an infinity; ``StepSink``'s quick route (rows it judges plainly valid) let a NaN or +inf
cost and an infinite entropy through into the store, so a run's cost summed to inf or NaN, and which of the two
the same span got depended on which route it took."""

from __future__ import annotations

import json
import math
from pathlib import Path

import workbench as wb

T0 = 1_772_000_000_000_000_000


def _span(i: int, attrs: dict) -> dict:
    return {
        "traceId": "0" * 31 + "1",
        "spanId": f"{i:016x}",
        "name": "chat",
        "kind": 3,
        "startTimeUnixNano": str(T0 + i * 1000),
        "endTimeUnixNano": str(T0 + i * 1000 + 500),
        "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}}]
        + [{"key": k, "value": {"doubleValue": v}} for k, v in attrs.items()],
        "status": {},
    }


CASES = {
    1: {"workbench.cost": "Infinity"},
    2: {"workbench.cost": "NaN"},
    3: {"workbench.entropy": "Infinity"},
    4: {"workbench.entropy": "-Infinity"},
    5: {"workbench.cost": 0.25, "workbench.entropy": 1.5},
    6: {"gen_ai.usage.input_cost": 1e308, "gen_ai.usage.output_cost": 1e308},
}


def test_nonfinite_costs_and_entropies_are_read_as_stage_step_reads_them(tmp_path: Path) -> None:
    path = tmp_path / "spans.otlp.jsonl"
    doc = {
        "resourceSpans": [
            {
                "resource": {"attributes": []},
                "scopeSpans": [{"scope": {"name": "x"}, "spans": [_span(i, a) for i, a in CASES.items()]}],
            }
        ]
    }
    path.write_text(json.dumps(doc) + "\n", encoding="utf-8")
    ws = wb.open()
    report = ws.ingest(path, progress=False)
    assert (report.read, report.stored, report.quarantined) == (6, 2, 4)
    stored = {s: (c, e) for s, c, e in ws.sql("SELECT step_id, cost, entropy FROM steps").fetchall()}
    assert stored == {f"{2:016x}": (None, None), f"{5:016x}": (0.25, 1.5)}
    reasons = dict(ws.sql("SELECT step_id, reason FROM quarantine").fetchall())
    assert reasons == {
        f"{1:016x}": "field 'cost' is infinite",
        f"{3:016x}": "field 'entropy' is infinite",
        f"{4:016x}": "field 'entropy' is infinite",
        f"{6:016x}": "field 'cost' is infinite",
    }
    total = ws.sql("SELECT sum(cost) FROM steps").fetchall()[0][0]
    assert math.isfinite(total)

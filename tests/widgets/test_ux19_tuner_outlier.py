"""The ThresholdTuner on latencies with one 30 s call among 200–500 ms ones: its slider spans the thresholds
the cost chart shows (was 233–30,000 in steps of 75 ms: four positions among the thresholds that matter)."""

from __future__ import annotations

import warnings

import workbench as wb
from workbench.widgets import ThresholdTuner


def test_slider_spans_the_bulk_of_the_thresholds() -> None:
    records: list[dict] = []
    for r in range(24):
        run, t = f"r{r:02d}", f"2026-03-01T{10 + r // 6:02d}:{r:02d}"
        records.append(
            {"record": "run", "run_id": run, "system": "s", "outcome": "failure" if r % 3 == 0 else "success"}
        )
        records += [
            {
                "run_id": run,
                "step_id": f"s{i}",
                "agent": "a",
                "kind": "llm",
                "name": "n",
                "latency_ms": 30000 if (r, i) == (5, 2) else 200 + (r * 37 + i * 11) % 300,
                "started_at": f"{t}:{i:02d}Z",
                "ended_at": f"{t}:{i:02d}.5Z",
            }
            for i in range(4)
        ]
    ws = wb.open()
    ws.ingest(records, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tu = ThresholdTuner(ws, signal="latency_ms")
    assert tu.threshold.max < 1000 and tu.threshold.step < 1.0, (
        tu.threshold.min,
        tu.threshold.max,
        tu.threshold.step,
    )
    assert tu.threshold.min <= tu.sweep.best.threshold <= tu.threshold.max
    domain = tu.cost_chart.chart.to_dict()["layer"][0]["encoding"]["x"]["scale"]["domain"]
    assert domain[0] <= tu.threshold.min and tu.threshold.max <= domain[1] < 1000, (domain, tu.threshold.max)
    ws.close()

"""FindingsOverview on a store where ``wb.detect`` ran and flagged nothing (7 real Langfuse traces): it said
"No findings in this store (run wb.detect(ws); the detectors may have found nothing)", as if they might not have
run, under an empty "(pick one)" detector box. It now says they ran and flagged none of the N runs, hides the
empty box, and asks for ``wb.detect`` only when they have not run."""

from __future__ import annotations

import warnings

import workbench as wb
from workbench.widgets import FindingsOverview


def _store() -> wb.Workspace:
    records: list[dict] = []
    for r in range(3):
        records.append({"record": "run", "run_id": f"r{r}", "system": "s", "outcome": "success"})
        records += [
            {
                "run_id": f"r{r}",
                "step_id": f"s{i}",
                "agent": "a",
                "kind": "llm",
                "name": "answer",
                "output": f"answer {r} {i}",
                "latency_ms": 100,
                "started_at": f"2026-03-01T10:0{r}:0{i}Z",
                "ended_at": f"2026-03-01T10:0{r}:0{i}.5Z",
            }
            for i in range(2)
        ]
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def test_before_and_after_detect() -> None:
    ws = _store()
    before = FindingsOverview(ws)
    assert "have not run" in before.chart.value and "wb.detect(ws)" in before.chart.value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert len(wb.detect(ws)) == 0
    after = FindingsOverview(ws)
    text = after.chart.value
    assert "ran and no detector flagged any of these 3 runs" in text, text
    assert "have not run" not in text and "may have found" not in text
    assert after.detector.layout.display == "none"
    ws.close()


def test_empty_store_says_ingest() -> None:
    ws = wb.open()
    assert "ingest logs first" in FindingsOverview(ws).chart.value
    ws.close()

"""``wb.logonly_verdicts`` (verdict45) promises "Nothing is written to the store" and asks the caller to run the
detectors first; but it scores through ``BlameModel.predict``'s default ``detect="auto"``
(``attribution/_heuristics.py::ensure_findings``), which runs every detector on the runs that have no findings and
writes what they find into ``findings``: asking for a verdict changes the store (and its next export, snapshot
and ``wb.detect`` comparison). attack46's strict xfail: one failed run with a loop of one tool call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb


def _step(sid: str, start: int, **more: object) -> dict:
    return {
        "record": "step",
        "run_id": "r1",
        "step_id": sid,
        "parent_id": "s0" if sid != "s0" else None,
        "agent": "pricer",
        "kind": "llm",
        "started_at": f"2026-01-05T10:00:{start:02d}Z",
        "ended_at": f"2026-01-05T10:00:{start:02d}.5Z",
        **more,
    }


@pytest.mark.xfail(
    strict=True,
    reason="attack46: attribution/_logonly_verdicts.py says nothing is written, but BlameModel.predict's "
    "detect='auto' (ensure_findings) runs the detectors and writes their findings",
)
def test_logonly_verdicts_writes_nothing(tmp_path: Path) -> None:
    records = [{"record": "run", "run_id": "r1", "outcome": "failure"}, _step("s0", 0, output="plan")]
    records += [
        _step(f"s{i}", i, kind="tool", tool="lookup", input='{"q": 1}', output="the same answer")
        for i in range(1, 6)
    ]
    path = tmp_path / "loop.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    ws = wb.open()
    ws.ingest(path, progress=False)
    wb.logonly_verdicts(ws, "r1")
    assert ws.count("findings") == 0

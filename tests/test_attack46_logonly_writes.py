"""``wb.logonly_verdicts`` (verdict45) promises "Nothing is written to the store" and asks the caller to run the
detectors first; but it scores through ``BlameModel.predict``'s default ``detect="auto"``
(``attribution/_heuristics.py::ensure_findings``), which runs every detector on the runs that have no findings and
writes what they find into ``findings``: asking for a verdict changes the store (and its next export, snapshot
and ``wb.detect`` comparison). attack46's strict xfail (one failed run with a loop of one tool call), made tests by
realb46, who kept the default: the verdict must be investigate's and the explorer's, which read the findings (a
silent failure's, a ping-pong's evidence), and the detectors are the only way to them. So the docstring and README
now say what is written (the findings ``wb.detect`` of the run writes, nothing else), and ``detect=False`` asks
without writing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.detect import DETECTORS


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


_TABLES = ("runs", "steps", "edges", "labels", "findings", "attributions", "quarantine")


def _contents(ws: wb.Workspace) -> dict[str, list]:
    return {t: sorted(map(repr, ws.sql(f"SELECT * FROM {t}").fetchall())) for t in _TABLES}


def test_logonly_verdicts_writes_nothing_with_detect_false_and_by_default_the_findings_detect_writes(
    tmp_path: Path,
) -> None:
    records = [{"record": "run", "run_id": "r1", "outcome": "failure"}, _step("s0", 0, output="plan")]
    records += [
        _step(f"s{i}", i, kind="tool", tool="lookup", input='{"q": 1}', output="the same answer")
        for i in range(1, 6)
    ]
    path = tmp_path / "loop.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    ws = wb.open()
    ws.ingest(path, progress=False)
    before = _contents(ws)
    model = wb.BlameModel.pretrained()
    verdict = wb.logonly_verdicts(ws, "r1", detect=False)
    assert verdict["run_id"].tolist() == ["r1"] and verdict["agent"].tolist() == ["pricer"]
    assert _contents(ws) == before
    assert model.detect == "auto"  # (the caller's model, the shared pretrained one, is left as it was)
    # the default: the run's findings (the loop), as wb.detect of the run writes them, and nothing else
    wb.logonly_verdicts(ws, "r1")
    after = _contents(ws)
    assert after["findings"] != [] and {**after, "findings": None} == {**before, "findings": None}
    wb.detect(ws, ["r1"], detectors=[d for d in DETECTORS if d != "drift"], progress=False)
    assert _contents(ws)["findings"] == after["findings"]


def test_a_detect_the_model_has_not_is_refused() -> None:
    class Own:
        def predict(self, ws: object, run_ids: object) -> None:
            raise AssertionError("not called")

    ws = wb.open()
    with pytest.raises(wb.InvalidParameterError, match="Own has no such parameter"):
        wb.logonly_verdicts(ws, [], model=Own(), detect=False)
    with pytest.raises(wb.InvalidParameterError, match="detect must be 'auto', True or False"):
        wb.logonly_verdicts(ws, [], detect="no")

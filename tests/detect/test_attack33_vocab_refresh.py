"""Stored findings follow the store's vocabulary: after an ingest that changes it, a run's stored silent_failure
findings are those ``wb.detect`` finds on that run.

The vocabulary a final answer's "key": "value" is checked against is the whole store's (attack31), so a run ingested
later can give an earlier run a silent_failure. On e352347 the BlameModel's ``detect="auto"`` ran the detectors only
on runs without findings, and a scoped ``wb.detect`` rewrote only its runs: a run detected before the ingest kept
the findings of the smaller vocabulary (none), while ``wb.detect`` on it found the writer's made-up status."""

from __future__ import annotations

from _runs import RunBuilder, _ws

import workbench as wb
from workbench.attribution._heuristics import ensure_findings


def _wrong(run_id: str = "wrong", retry: bool = True) -> RunBuilder:
    """Says "shipped" where its backend said "pending"; a retry gives it a finding of another detector."""
    wrong = RunBuilder(run_id, outcome="success")
    if retry:
        wrong.add(kind="tool", agent="tracker", tool="get_order", input="{}", status="error", error="timeout")
    wrong.add(
        kind="tool",
        agent="tracker",
        tool="get_order",
        input="{}",
        output='{"order_id": "PO-1", "status": "pending"}',
    )
    wrong.add(kind="llm", agent="writer", output='{"order_id": "PO-1", "status": "shipped"}')
    wrong.answer('{"order_id": "PO-1", "status": "shipped"}')
    return wrong


def _other(run_id: str = "other") -> list[dict]:
    """Its backend uses the status "shipped"."""
    other = RunBuilder(run_id, outcome="success")
    other.add(
        kind="tool", agent="tracker", tool="get_order", output='{"order_id": "PO-2", "status": "shipped"}'
    )
    other.answer('{"order_id": "PO-2", "status": "shipped"}')
    return other.records


def _stored(ws: wb.Workspace, run_id: str) -> list[tuple]:
    return sorted(
        ws.con.execute("SELECT detector, agent FROM main.findings WHERE run_id = ?", [run_id]).fetchall()
    )


def test_auto_detect_refreshes_a_run_whose_vocabulary_changed() -> None:
    ws = _ws(_wrong())
    ensure_findings(ws, ["wrong"], "auto")
    assert _stored(ws, "wrong") == [("retry", "tracker")]  # "shipped": no backend's status yet
    ws.ingest(_other())
    ensure_findings(ws, ["wrong"], "auto")  # the run has findings: on e352347 nothing was run
    assert ("silent_failure", "writer") in _stored(ws, "wrong")
    fresh = wb.detect(ws, run_ids=["wrong"])
    assert sorted(zip(fresh["detector"], fresh["agent"], strict=True)) == _stored(ws, "wrong")


def test_a_scoped_detect_refreshes_the_runs_detected_before() -> None:
    # "clean": the same run without the retry, detected with nothing found (only its marks): review55, the refresh
    # took the runs holding findings alone, and it kept none while wb.detect on it found the made-up status
    ws = _ws(_wrong(), _wrong("clean", retry=False))
    wb.detect(ws)
    assert _stored(ws, "wrong") == [("retry", "tracker")] and _stored(ws, "clean") == []
    ws.ingest(_other())
    wb.detect(ws, run_ids=["other"])  # the new run only
    assert ("silent_failure", "writer") in _stored(ws, "wrong")
    assert _stored(ws, "clean") == [("silent_failure", "writer")]
    assert _stored(ws, "wrong") == sorted(
        (r.detector, r.agent) for r in wb.detect(ws, run_ids=["wrong"]).itertuples() if r.detector != "drift"
    )
    # nothing changed since: the next call computes no other run again
    ws.con.execute("DELETE FROM main.findings WHERE run_id = 'wrong' AND detector = 'silent_failure'")
    wb.detect(ws, run_ids=["other"])
    assert _stored(ws, "wrong") == [("retry", "tracker")]
    # a run whose tools add nothing to the vocabulary changes nothing either
    ws.ingest(
        [
            {"record": "run", "run_id": "quiet", "outcome": "success"},
            {"run_id": "quiet", "step_id": "s0", "kind": "llm", "agent": "writer", "output": "hello"},
        ]
    )
    wb.detect(ws, run_ids=["quiet"])
    assert _stored(ws, "wrong") == [("retry", "tracker")]

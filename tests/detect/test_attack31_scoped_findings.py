"""A run's findings do not depend on which runs the call names: ``wb.detect(ws, run_ids=[r])`` finds what
``wb.detect(ws)`` finds for ``r``. The vocabulary a final answer's "key": "value" is checked against (the values the
backend uses for a key) is the whole store's, not the call's scope's.

On f811312 it was the scope's: named alone, a run whose answer says "shipped" while its backend said "pending" lost
its silent_failure, as "shipped" was a status only another run's backend used; and the BlameModel, which detects
only the runs without findings, stored findings that depended on which runs were new at the time."""

from __future__ import annotations

from _runs import RunBuilder, _ws

import workbench as wb

# the detector whose vocabulary this is (the others read nothing beyond the run's own steps, drift aside)
FAMILIES = ["silent_failure"]


def _store() -> wb.Workspace:
    wrong = RunBuilder("wrong", outcome="success")
    wrong.add(
        kind="tool", agent="tracker", tool="get_order", output='{"order_id": "PO-1", "status": "pending"}'
    )
    wrong.add(kind="llm", agent="writer", output='{"order_id": "PO-1", "status": "shipped"}')
    wrong.answer('{"order_id": "PO-1", "status": "shipped"}')
    other = RunBuilder("other", outcome="success")
    other.add(
        kind="tool", agent="tracker", tool="get_order", output='{"order_id": "PO-2", "status": "shipped"}'
    )
    other.answer('{"order_id": "PO-2", "status": "shipped"}')
    return _ws(wrong, other)


def _rows(findings, run_id: str) -> list[tuple]:
    picked = findings[findings["run_id"] == run_id]
    return sorted(
        picked[["step_id", "agent", "detector", "severity", "detail", "attributes"]]
        .astype(str)
        .itertuples(index=False, name=None)
    )


def test_a_run_named_alone_gets_the_findings_of_the_unscoped_call() -> None:
    ws = _store()
    whole = wb.detect(ws, detectors=FAMILIES)
    assert any(whole[whole["run_id"] == "wrong"]["detector"] == "silent_failure")
    for run_id in ("wrong", "other"):
        alone = wb.detect(ws, run_ids=[run_id], detectors=FAMILIES)
        assert set(alone["run_id"]) <= {run_id}
        assert _rows(alone, run_id) == _rows(whole, run_id), run_id
    # what the scoped calls stored is what the unscoped call stored
    assert _rows(ws.sql("SELECT * FROM findings").df(), "wrong") == _rows(whole, "wrong")


def test_a_run_detected_before_the_others_were_ingested_is_judged_on_the_store_it_was_detected_in() -> None:
    """(the vocabulary is read at each call: a run ingested later counts at the next call, scoped or not)"""
    wrong = RunBuilder("wrong", outcome="success")
    wrong.add(
        kind="tool", agent="tracker", tool="get_order", output='{"order_id": "PO-1", "status": "pending"}'
    )
    wrong.add(kind="llm", agent="writer", output='{"order_id": "PO-1", "status": "shipped"}')
    wrong.answer('{"order_id": "PO-1", "status": "shipped"}')
    ws = _ws(wrong)
    assert (
        list(wb.detect(ws, detectors=["silent_failure"])["detector"]) == []
    )  # "shipped": no backend's status yet
    other = RunBuilder("other", outcome="success")
    other.add(
        kind="tool", agent="tracker", tool="get_order", output='{"order_id": "PO-2", "status": "shipped"}'
    )
    other.answer('{"order_id": "PO-2", "status": "shipped"}')
    ws.ingest(other.records)
    found = wb.detect(ws, run_ids=["wrong"], detectors=["silent_failure"])
    assert [(r.run_id, r.agent) for r in found.itertuples()] == [("wrong", "writer")]

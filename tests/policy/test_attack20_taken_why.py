"""A run taken as failed by a critical silent_failure finding that has no detail (a finding from an export or
written by hand) had taken_why NULL, which ``ws.runs(silent=True)`` uses for runs not taken and investigate's
failed list for runs known to have failed."""

from __future__ import annotations

import workbench as wb
from workbench._failed import failed_run_ids, taken_as_failed


def test_a_silent_failure_without_detail_still_says_why() -> None:
    ws = wb.open()
    ws.ingest(
        [
            {"record": "run", "run_id": "r1", "outcome": "success"},
            {"run_id": "r1", "step_id": "s1", "kind": "agent", "agent": "writer", "output": "14.20"},
        ],
        progress=False,
    )
    ws.con.execute(
        "INSERT INTO findings (run_id, step_id, agent, detector, severity, detail) "
        "VALUES ('r1', 's1', 'writer', 'silent_failure', 'critical', NULL)"
    )
    runs = ws.runs(outcome="failure", silent=True)
    assert list(runs.run_id) == ["r1"]
    assert runs.taken_why.tolist() == ["a critical silent_failure finding"]
    assert taken_as_failed(ws) == {"r1": "a critical silent_failure finding"}
    assert failed_run_ids(ws) == ["r1"]

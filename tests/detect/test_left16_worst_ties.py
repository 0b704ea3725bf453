"""Findings of one tier on one step (two detectors flag the same step, or one detector twice): the worst
finding `workbench investigate` shows, and the order the IncidentExplorer lists a run's findings in, are one
and the same for the same findings whatever order they were written in (before: the row order decided)."""

from __future__ import annotations

from _deep import deep

import workbench as wb

# (detector, severity, detail): all critical on step "b", none a silent_failure or a recovered retry
FINDINGS = [
    ("loop", "critical", "tool get_price called 5 times with the same arguments"),
    ("cascade", "critical", "error passed on to writer"),
    ("cascade", "critical", "error passed on to editor"),
]
# An order and its reverse: every tied pair written both ways round, so any row-order dependence shows (the other
# orders are repetition, under WORKBENCH_DEEP_TESTS=1: tests/_deep.py; suite54)
ORDERS = [[0, 1, 2], [2, 1, 0]] + ([[1, 0, 2], [0, 2, 1], [1, 2, 0]] if deep() else [])


def _store(order: list[int]) -> wb.Workspace:
    ws = wb.open()
    ws.ingest(
        [
            {"record": "run", "run_id": "r", "outcome": "success"},
            {"run_id": "r", "step_id": "a", "kind": "agent", "agent": "x", "seq": 0},
            {"run_id": "r", "step_id": "b", "kind": "tool", "agent": "x", "seq": 1},
        ]
    )
    for i in order:
        detector, severity, detail = FINDINGS[i]
        ws.con.execute(
            "INSERT INTO findings VALUES ('r', 'b', 'x', ?, ?, ?, '{}')", [detector, severity, detail]
        )
    return ws


def test_worst_finding_does_not_follow_row_order() -> None:
    from workbench._flagged import flagged_runs

    worst = {flagged_runs(_store(order), None)[0][4] for order in ORDERS}
    assert worst == {"error passed on to editor"}


def test_explorer_lists_tied_findings_in_one_order() -> None:
    from workbench.widgets import IncidentExplorer

    pages = set()
    for order in ORDERS:
        html = IncidentExplorer(_store(order), blame_model=None).findings.value
        pages.add(tuple(sorted(range(3), key=lambda i: html.index(FINDINGS[i][2]))))
    assert pages == {(2, 1, 0)}

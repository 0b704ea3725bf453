"""The drift monitor over a store of one run (attack40, on ux39's short-stretch note; ux40's file: xfail, for the lead
to route). It says "These runs all began within 0 ms of each other": one run began at one time, and there is no
"each other"; the note should say that one run shows no drift over time. What held: runs with no start time ("No
run of this store has a start time"), two runs begun in the same nanosecond (within 0 ms), the clock axis of one
instant (its date as the title, milliseconds on the axis)."""

from __future__ import annotations

import pytest

import workbench as wb

T0 = 1_796_000_000_000_000_000


@pytest.mark.xfail(strict=True, reason="attack40: DriftMonitor's short-stretch note reads 'These runs all began "
                                       "within 0 ms of each other' for a single run (ux40's widgets/_drift.py)")
def test_one_run_is_not_called_runs_begun_within_0_ms() -> None:
    from workbench.widgets import DriftMonitor

    ws = wb.open()
    ws.ingest([{"run_id": "r0", "step_id": "a", "agent": "a", "kind": "agent", "started_at": T0,
                "ended_at": T0 + 10**9}], progress=False)
    said = DriftMonitor(ws).summary.value
    assert "each other" not in said, said

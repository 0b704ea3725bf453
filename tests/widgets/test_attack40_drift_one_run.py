"""The drift monitor over a store of one run (attack40, on ux39's short-stretch note). It said "These runs all began within 0 ms of each other": one run began at one time, and there is no
"each other"; the note says that one run shows no drift over time. What held: runs with no start time ("No
run of this store has a start time"), two runs begun in the same nanosecond (within 0 ms), the clock axis of one
instant (its date as the title, milliseconds on the axis)."""

from __future__ import annotations

import workbench as wb

T0 = 1_796_000_000_000_000_000


def test_one_run_is_not_called_runs_begun_within_0_ms() -> None:
    from workbench.widgets import DriftMonitor

    ws = wb.open()
    ws.ingest(
        [
            {
                "run_id": "r0",
                "step_id": "a",
                "agent": "a",
                "kind": "agent",
                "started_at": T0,
                "ended_at": T0 + 10**9,
            }
        ],
        progress=False,
    )
    said = DriftMonitor(ws).summary.value
    assert "each other" not in said, said
    assert "One run" in said, said

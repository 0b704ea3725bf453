"""Ingest is idempotent: the same records given again store nothing ("0 new steps; 6 already stored"). The run they
touch loses its detected marks all the same (``refresh_runs.sql``'s ``detected`` section: every affected run), so
the next ``detect="auto"`` (a prediction, the explorer) runs the detectors on it again with the default settings
and replaces the findings of the user's own ``DetectorConfig`` — the harm race47 mended for a label that changes
nothing (``labelled_before`` / ``labelled_after``), reached by running an ingest cell again, or ``workbench
investigate --db`` over the same folder. attack48's (strict xfail, mended by mend48: now a plain test)."""

from __future__ import annotations

from _attack47_runs import loop_run

import workbench as wb
from workbench import DetectorConfig


def test_the_same_records_again_keep_the_runs_marks() -> None:
    ws = wb.open()
    ws.ingest(loop_run("r1"), progress=False)
    wb.detect(ws, config=DetectorConfig(loop_min_turns=10), progress=False)
    marks = sorted(ws.sql("SELECT run_id, detector, settings FROM detected").fetchall())
    assert marks  # (detected, with the user's settings)
    report = ws.ingest(loop_run("r1"), progress=False)
    assert "0 new steps" in str(report)
    assert sorted(ws.sql("SELECT run_id, detector, settings FROM detected").fetchall()) == marks

"""mend48: an ingest call giving a stored run's records again keeps its detected marks only when nothing the
detectors read of it changed (store/sql/kept_marks.sql): a new step, or a run record giving its task, drops them
as before; the same records again keep them (tests/test_attack48_reingest_marks.py)."""

from __future__ import annotations

from _attack47_runs import loop_run

import workbench as wb
from workbench import DetectorConfig


def _marks(ws: wb.Workspace) -> list[tuple]:
    return sorted(ws.sql("SELECT run_id, detector FROM detected WHERE run_id = 'r1'").fetchall())


def test_a_change_the_detectors_read_drops_the_marks_the_same_records_keep() -> None:
    ws = wb.open()
    ws.ingest(loop_run("r1") + loop_run("r2"), progress=False)
    config = DetectorConfig(loop_min_turns=10)
    wb.detect(ws, detectors=["loop"], config=config, progress=False)
    marks = _marks(ws)
    assert marks
    step = loop_run("r1")[-1]
    ws.ingest(
        loop_run("r1") + [{**step, "step_id": "s6", "started_at": "2026-01-05T10:00:07Z"}], progress=False
    )
    assert _marks(ws) == []  # (a new step)
    assert ws.sql("SELECT count(*) FROM detected WHERE run_id = 'r2'").fetchall()[0][0] > 0  # (r2 untouched)
    wb.detect(ws, detectors=["loop"], config=config, progress=False)
    assert _marks(ws) == marks
    ws.ingest([{"record": "run", "run_id": "r1", "task": "price the order"}, step], progress=False)
    assert _marks(ws) == []  # (its task, which the detectors read)

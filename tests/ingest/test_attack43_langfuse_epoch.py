"""Langfuse observations whose ``startTime`` / ``endTime`` are epoch numbers (a hand-made export, a ClickHouse dump
written as milliseconds) were read as nanoseconds: the observation stored in January 1970 beside its siblings in
2025, the run 55 years long, and ``latency_breach`` reported "run took 1759311042687 ms" (critical). The native and
OTLP readers tell seconds / milliseconds by size (``_time_units``, a note in the report); the Langfuse reader
did not. Now it reads them through ``_time_units.epoch_or_iso_ns``, as the other span readers do."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

import workbench as wb

FIXTURE = Path(__file__).parent / "fixtures" / "langfuse" / "observations.json"


@pytest.mark.parametrize("scale", [1_000, 1], ids=["milliseconds", "seconds"])
def test_epoch_numbers_in_langfuse_times_are_no_1970_step(tmp_path: Path, scale: int) -> None:
    observations = copy.deepcopy(json.loads(FIXTURE.read_text()))
    first = observations[0]
    assert first["startTime"] == "2025-10-01T10:00:00.000Z"  # (the fixture this is built on)
    first["startTime"], first["endTime"] = 1_759_312_800 * scale, 1_759_312_803 * scale
    path = tmp_path / "observations.json"
    path.write_text(json.dumps(observations))
    ws = wb.open()
    rep = ws.ingest(path, progress=False)
    assert rep.read == rep.stored + rep.quarantined
    assert ws.sql("SELECT count(*) FROM steps WHERE started_at < TIMESTAMP '2000-01-01'").fetchall() == [(0,)]

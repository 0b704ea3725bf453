"""WORKBENCH_INGEST_TIMINGS=1 prints the cost of the staging statements as well as the merge's (profiling)."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest import _timings


@pytest.fixture
def reread_timings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The environment as the test sets it, read by ``_timings`` as at import; as it was after the test."""
    yield
    monkeypatch.undo()
    importlib.reload(_timings)


def _printed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, on: bool, path: Path, db: Path
) -> list[str]:
    # (in this process, not a new one: the module reads the variable at import, so it is imported again)
    if on:
        monkeypatch.setenv("WORKBENCH_INGEST_TIMINGS", "1")
    else:
        monkeypatch.delenv("WORKBENCH_INGEST_TIMINGS", raising=False)
    importlib.reload(_timings)
    # (the SQL reader whatever this process has loaded: in a worker that has imported pyarrow, a small file
    # goes to the Python reader, whose staging has no whole-file read to name)
    monkeypatch.setattr("workbench.ingest._jsonio.SQL_MIN_BYTES", 0)
    capsys.readouterr()
    with wb.open(db) as ws:
        print("stored", ws.ingest(path, progress=False).stored)
    return capsys.readouterr().out.splitlines()


@pytest.mark.usefixtures("reread_timings")
def test_timings_name_the_native_read_and_the_staging_inserts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text(
        "\n".join(
            json.dumps({"record": "step", "run_id": "r1", "step_id": f"s{i}", "kind": "llm", "seq": i})
            for i in range(5)
        )
        + "\n",
        encoding="utf-8",
    )
    out = _printed(monkeypatch, capsys, True, path, tmp_path / "s.duckdb")
    assert "stored 5" in out
    stage = [ln for ln in out if ln.startswith("[stage]")]
    # the whole-file read, then the copy of its steps into the stage
    assert any("CREATE OR REPLACE TEMP TABLE _wbf_rows" in ln for ln in stage), out
    assert any("INSERT INTO stage_steps" in ln for ln in stage), out
    assert all(" s wall " in ln and " s CPU " in ln and " MB peak " in ln for ln in stage)
    assert any(ln.startswith("[merge]") and "INSERT INTO steps" in ln for ln in out)
    # the line scan's own thread's CPU, read at the end of the copies it ran beside and at its end
    assert [ln.split("MB peak", 1)[1].strip() for ln in out if ln.startswith("[scan]")] == [
        "line scan, until the other records' copies ended",
        "line scan, until the steps' copy ended",
        "line scan, in all",
    ], out
    # off (the default), nothing is printed
    assert _printed(monkeypatch, capsys, False, path, tmp_path / "t.duckdb") == ["stored 5"]

"""Reading alongside a writer: what DuckDB allows, and the snapshot / Parquet ways that work."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import workbench as wb
from workbench.cli import main

_WRITER = textwrap.dedent("""
    import sys, time
    import workbench as wb
    ws = wb.open(sys.argv[1])
    ws.ingest(wb.sim.procurement(seed=3).generate(n_runs=6))
    ws.snapshot(sys.argv[2])
    ws.export(sys.argv[3])
    print(ws.count("steps"), flush=True)
    time.sleep(60)  # still holding the store open for writing
""")


def test_readers_read_a_snapshot_or_an_export_while_the_writer_holds_the_store(tmp_path: Path) -> None:
    db, snap, export = tmp_path / "live.duckdb", tmp_path / "snap.duckdb", tmp_path / "export"
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(db), str(snap), str(export)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout is not None
        n_steps = int(writer.stdout.readline())
        assert n_steps > 0
        # What DuckDB allows: no other process opens a file one process writes, not even read-only.
        with pytest.raises(wb.StoreLockedError, match="snapshot"):
            wb.open(db, read_only=True)
        # The documented ways: a snapshot file (several readers at once) and a Parquet export.
        with wb.open(snap, read_only=True) as r1, wb.open(snap, read_only=True) as r2:
            assert r1.count("steps") == r2.count("steps") == n_steps
        assert wb.open(export).count("steps") == n_steps
    finally:
        writer.kill()
        writer.wait()
        writer.stdout.close()


def test_a_snapshot_replaces_the_old_one_atomically(tmp_path: Path) -> None:
    ws = wb.open(tmp_path / "live.duckdb")
    ws.ingest([{"run_id": "r1", "step_id": "s1"}])
    snap = ws.snapshot(tmp_path / "snap.duckdb")
    reader = wb.open(snap, read_only=True)
    ws.ingest([{"run_id": "r2", "step_id": "s1"}])
    ws.snapshot(snap)
    assert reader.count("runs") == 1  # the reader keeps the copy it opened
    reader.close()
    with wb.open(snap, read_only=True) as fresh:
        assert fresh.count("runs") == 2
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp") or p.name.startswith(".")]


def test_copy_of_a_parquet_export_is_writable(tmp_path: Path) -> None:
    ws = wb.open()
    ws.ingest(wb.sim.procurement(seed=1).generate(n_runs=4))
    ws.export(tmp_path / "export")
    ro = wb.open(tmp_path / "export")
    with pytest.raises(wb.ReadOnlyStoreError):
        ro.ingest([{"run_id": "x", "step_id": "y"}])
    mem = ro.copy()
    assert mem.count("steps") == ws.count("steps") and not mem.read_only
    mem.ingest([{"run_id": "x", "step_id": "y"}])
    assert mem.count("runs") == ws.count("runs") + 1


def test_investigate_reads_a_parquet_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = wb.open()
    ws.ingest(wb.sim.procurement(seed=2).generate(n_runs=8))
    ws.export(tmp_path / "export")
    assert main(["investigate", "--db", str(tmp_path / "export")]) == 0
    out = " ".join(capsys.readouterr().out.split())  # messages wrap at the terminal's width
    assert "in-memory copy" in out and f"{ws.count('runs'):,} runs" in out

"""An export that stops half-way (a full disk, a killed process) writes its tables one after another: some are new,
others the earlier export's or missing. Read back, that is a store whose runs have no steps (or another store's
steps), and nothing said so. ``ws.export`` now leaves ``_EXPORT_INCOMPLETE`` in the folder until its last table is
written and raises a ``StoreError`` naming the folder and the cause. The disk is made full here by the OS error a
full disk gives, raised where the steps' files are put in place (a real full tmpfs: /work/wt/_notes/attack43.md)."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

import workbench as wb
import workbench.workspace as workspace
from workbench.exceptions import StoreError


def _store(tmp_path: Path, run: str) -> wb.Workspace:
    logs = tmp_path / f"{run}.jsonl"
    logs.write_text(
        json.dumps(
            {
                "record": "step",
                "run_id": run,
                "step_id": "s1",
                "agent": "planner",
                "kind": "llm",
                "started_at": "2026-01-05T10:00:00Z",
                "ended_at": "2026-01-05T10:00:01Z",
            }
        )
        + "\n"
    )
    ws = wb.open()
    ws.ingest(logs, progress=False)
    return ws


def _disk_full_at_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    real = workspace._replace_days

    def replace(target: Path, fresh: Path) -> None:
        if target.name == "steps":
            raise OSError(errno.ENOSPC, "No space left on device", str(fresh))
        real(target, fresh)

    monkeypatch.setattr(workspace, "_replace_days", replace)


def test_an_ingest_committed_during_an_export_is_in_none_of_its_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(A notebook's background ingest commits while ws.export writes: the export held the new run's steps
    without its run, written before it. Now every table is read in one transaction.)"""
    ws = wb.open(tmp_path / "store.duckdb")
    ws.ingest(_store(tmp_path, "r1").export(tmp_path / "r1_parquet"), progress=False)
    later = tmp_path / "r2.jsonl"
    later.write_text(
        json.dumps(
            {
                "record": "step",
                "run_id": "r2",
                "step_id": "s1",
                "agent": "planner",
                "kind": "llm",
                "started_at": "2026-01-05T11:00:00Z",
                "ended_at": "2026-01-05T11:00:01Z",
            }
        )
        + "\n"
    )
    real = workspace._replace_days

    def replace(target: Path, fresh: Path) -> None:
        real(target, fresh)
        if target.name == "runs":  # (the runs are written: the other thread's ingest commits now)
            assert ws.ingest(later, progress=False).stored == 1

    monkeypatch.setattr(workspace, "_replace_days", replace)
    ws.export(tmp_path / "store_parquet")
    with wb.open(tmp_path / "store_parquet") as back:
        assert back.sql("SELECT run_id FROM runs").fetchall() == [("r1",)]
        assert back.sql("SELECT DISTINCT run_id FROM steps").fetchall() == [("r1",)]
    assert ws.sql("SELECT count(*) FROM steps").fetchall() == [(2,)]


def _cut_short_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "store_parquet"
    _store(tmp_path, "old").export(folder)
    new = _store(tmp_path, "new")
    with monkeypatch.context() as m:
        _disk_full_at_steps(m)
        with pytest.raises(StoreError) as err:
            new.export(folder)
    text = " ".join(str(err.value).split())
    assert str(folder) in text and "No space left on device" in text and "did not finish" in text
    return folder


def test_an_export_cut_short_says_so_and_the_next_one_completes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _cut_short_export(tmp_path, monkeypatch)
    assert (folder / workspace.EXPORT_INCOMPLETE).is_file()
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # (the table written beside is gone)
    _store(tmp_path, "again").export(folder)
    assert not (folder / workspace.EXPORT_INCOMPLETE).exists()
    with wb.open(folder) as back:
        assert back.sql("SELECT run_id FROM runs").fetchall() == [("again",)]
        assert back.sql("SELECT DISTINCT run_id FROM steps").fetchall() == [("again",)]


def test_an_export_that_cannot_begin_writes_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "store_parquet"
    blocker.write_text("a file where the folder would be")
    with pytest.raises(StoreError, match="nothing was written"):
        _store(tmp_path, "r1").export(blocker)
    assert blocker.read_text() == "a file where the folder would be"


def test_an_export_cut_short_is_refused_when_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _cut_short_export(tmp_path, monkeypatch)
    with pytest.raises(StoreError, match="_EXPORT_INCOMPLETE"):
        wb.open(folder)
    with pytest.raises(wb.WorkbenchError, match="_EXPORT_INCOMPLETE"):
        wb.open().ingest(folder, progress=False)

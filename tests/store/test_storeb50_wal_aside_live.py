"""A store opened while another snapshot over it is in its set-aside → replace → delete window (review50): the open
took the live snapshot's aside log for a dead one's and put it back beside the store; the snapshot then replaced
the store, its delete of the aside log raised, and the old log left beside the snapshot made it unopenable ("WAL
does not match database file"). The snapshot now holds a lock beside the store over the window and the open's
recovery leaves the aside log alone while it is held (``workbench/store/_wal_aside.py``)."""

from __future__ import annotations

import logging
import os
import shutil
import sys
import threading
from pathlib import Path

import duckdb
import pytest

import workbench as wb
from workbench.store import _snapshot, _wal_aside

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="the lock is fcntl.flock's (Windows: not taken)"
)


@pytest.fixture(scope="module")
def empties(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two empty stores made once (each a file of its own, as a snapshot is: DuckDB tells them apart)."""
    folder = tmp_path_factory.mktemp("storeb50")
    for name in ("x.duckdb", "snap.duckdb"):
        wb.open(folder / name).close()
    return {name: folder / name for name in ("x.duckdb", "snap.duckdb")}


def _store(empties: dict[str, Path], folder: Path, name: str, key: str, log: bool) -> Path:
    path = folder / name
    shutil.copy(empties[name], path)
    con = duckdb.connect(str(path))
    if log:  # (a killed kernel's last change, only in the store's write-ahead log)
        con.execute("PRAGMA disable_checkpoint_on_shutdown")
    con.execute("INSERT INTO meta VALUES (?, '1')", [key])
    con.close()
    assert Path(f"{path}.wal").exists() == log
    return path


@pytest.fixture
def target(empties: dict[str, Path], tmp_path: Path) -> Path:
    return _store(empties, tmp_path, "x.duckdb", "old_store", log=True)


@pytest.mark.parametrize("waits", [False, True], ids=["snapshot stopped in its window", "snapshot going on"])
def test_an_open_during_a_live_snapshot_leaves_its_aside_log_alone(
    empties: dict[str, Path],
    target: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    waits: bool,
) -> None:
    """Held past the open's wait (a snapshot stopped in its window), the aside log is left alone, unsaid; a snapshot
    that goes on while the open waits is waited for, and the open reads the snapshot."""
    snap = _store(empties, tmp_path, "snap.duckdb", "the_snapshot", log=False)
    replace, take, take_soon = os.replace, _wal_aside._take, _wal_aside._take_soon
    paused, go, decided = threading.Event(), threading.Event(), threading.Event()
    tries, returned = [], []

    def held_before_the_replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if os.fspath(src) == str(snap):  # (the snapshot's own replace: the log is aside by now)
            paused.set()
            assert go.wait(30), "the test never let the snapshot go on"
        replace(src, dst)

    def told_when_held(lock: Path, *, wait: bool) -> int | None:
        fd = take(lock, wait=wait)
        if fd is None:
            tries.append(lock)
            if len(tries) == 2:  # (the open found the lock held, and tries again: it waits)
                decided.set()
        return fd

    def told_when_done(lock: Path) -> int | None:
        fd = take_soon(lock)
        returned.append(fd)
        decided.set()  # (the open went on, with the lock or without it)
        return fd

    monkeypatch.setattr(os, "replace", held_before_the_replace)
    monkeypatch.setattr(_wal_aside, "_take", told_when_held)
    monkeypatch.setattr(_wal_aside, "_take_soon", told_when_done)
    monkeypatch.setattr(_wal_aside, "_WAIT_S", 30.0 if waits else 0.0)
    failed: list[BaseException] = []
    read: list[list[tuple[str, int]]] = []

    def snapshot() -> None:
        try:
            _snapshot._replace(str(snap), target)
        except BaseException as exc:  # noqa: BLE001 - told to the test below
            failed.append(exc)
            paused.set()

    def another_open() -> None:  # (another kernel's read-only open, at the worst moment)
        try:
            with wb.open(target, read_only=True) as ws:
                read.append(
                    ws.sql(
                        "SELECT key, count(*) FROM meta WHERE key IN ('old_store', 'the_snapshot') GROUP BY key"
                    ).fetchall()
                )
        except BaseException as exc:  # noqa: BLE001 - told to the test below
            failed.append(exc)

    threads = [threading.Thread(target=snapshot), threading.Thread(target=another_open)]
    threads[0].start()
    try:
        assert paused.wait(30) and not failed, failed
        [aside] = _wal_aside.set_aside_logs(target)
        with caplog.at_level(logging.WARNING, logger="workbench.store"):
            if waits:
                threads[1].start()
                assert decided.wait(30) and returned == []  # (the open waits on the lock now)
            else:
                another_open()  # (a dead snapshot's log would be put back here)
                assert (
                    aside.exists() and not Path(f"{target}.wal").exists()
                )  # (left alone: the snapshot's own)
            go.set()
            for thread in threads:
                if thread.is_alive() or thread is threads[0]:
                    thread.join(30)
        assert caplog.text == ""  # (no warning that the log was put back, nor that a dead process left it)
    finally:
        go.set()
    assert not failed, failed
    # (an open past its wait reads the store being replaced, without the log set aside; one that waited, the snapshot)
    assert read == [[("the_snapshot", 1)]] if waits else read == [[]]
    assert not aside.exists() and not Path(f"{target}.wal").exists()
    assert _wal_aside.set_aside_logs(target) == [] and sorted(p.name for p in tmp_path.iterdir()) == [
        "x.duckdb"
    ]
    with wb.open(target, read_only=True) as ws:  # (the snapshot opens: no old log beside it)
        assert ws.sql("SELECT count(*) FROM meta WHERE key = 'the_snapshot'").fetchall() == [(1,)]


def test_a_dead_snapshots_aside_log_is_still_put_back(
    empties: dict[str, Path], target: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The lock a dead process held is free (the kernel lets go of a dead process's flock) and its file, left
    behind, is taken again, so store50's recovery goes on (the lock file deleted after). And a snapshot whose aside
    log a program not taking the lock put back beside the store deletes it there, by its identity."""
    aside = _wal_aside.set_aside(target)
    assert aside is not None
    (tmp_path / ".x.duckdb.aside.lock").write_bytes(
        b""
    )  # (the dead snapshot's lock file, its lock gone with it)
    with caplog.at_level(logging.WARNING, logger="workbench.store"):
        with wb.open(target, read_only=True) as ws:
            assert ws.sql("SELECT value FROM meta WHERE key = 'old_store'").fetchall() == [("1",)]
    assert "put back as x.duckdb.wal" in caplog.text and not aside.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.duckdb", "x.duckdb.wal"]

    aside = _wal_aside.set_aside(target)
    assert aside is not None
    with _wal_aside.held(aside) as ident:  # (as the snapshot holds it)
        moved = tmp_path / "moved"
        os.replace(aside, moved)  # (moved away by a program that does not take the lock)
        shutil.copy(
            empties["x.duckdb"], f"{target}.wal"
        )  # (another file at that name: never deleted by its name)
        _wal_aside.drop_aside(aside, ident, target)
        assert Path(f"{target}.wal").exists()
        os.replace(moved, f"{target}.wal")  # (put back beside the store by it)
        with caplog.at_level(logging.WARNING, logger="workbench.store"):
            caplog.clear()
            _wal_aside.drop_aside(aside, ident, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.duckdb"] and "does not take" in caplog.text


def test_without_fcntl_an_open_only_names_the_aside_log(
    target: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Windows (no fcntl): a running snapshot cannot be told from a dead one, so nothing is put back."""
    aside = _wal_aside.set_aside(target)
    monkeypatch.setattr(_wal_aside, "fcntl", None)
    with caplog.at_level(logging.WARNING, logger="workbench.store"):
        _wal_aside.recover(target)
        with _wal_aside.replacing(target):  # (the snapshot's side: no lock, and no lock file)
            assert sorted(p.name for p in tmp_path.iterdir()) == [aside.name, "x.duckdb"]
    assert str(aside) in caplog.text and "no fcntl.flock" in caplog.text

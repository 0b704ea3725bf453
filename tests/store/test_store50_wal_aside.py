"""A snapshot's process dying between setting the replaced store's write-ahead log aside and the replace (review49,
stop 53's "left"): the store's next open puts the log back when DuckDB takes it as that file's, and says what the
aside file is otherwise (``workbench/store/_wal_aside.py``). On 0a8c4fd4 the store opened without the log's changes
and nothing was said."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

import duckdb
import pytest

import workbench as wb
from workbench.store import _snapshot, _wal_aside


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store50") / "empty.duckdb"
    wb.open(path).close()
    return path


@pytest.fixture(scope="module")
def other_store(empty_store: Path) -> Path:
    """A store file of its own, as a snapshot is (not a byte copy of the store it replaces: DuckDB tells them apart)."""
    path = empty_store.with_name("other.duckdb")
    wb.open(path).close()
    return path


def _with_log(empty_store: Path, folder: Path) -> Path:
    """A store whose last change (meta 'killed_session') is only in its log, as a killed kernel leaves it."""
    target = folder / "x.duckdb"
    shutil.copy(empty_store, target)
    con = duckdb.connect(str(target))
    con.execute("PRAGMA disable_checkpoint_on_shutdown")
    con.execute("INSERT INTO meta VALUES ('killed_session', '1')")
    con.close()
    assert Path(f"{target}.wal").exists()
    return target


def _die_after_set_aside(target: Path) -> Path:
    """What ``_snapshot._replace`` did before the replace, as 0a8c4fd4 names it; the process dies here."""
    fd, aside = tempfile.mkstemp(prefix=f".{target.name}.wal.", suffix=".old", dir=target.parent)
    os.close(fd)
    os.replace(f"{target}.wal", aside)
    return Path(aside)


def _meta(target: Path, key: str) -> list[tuple[str]]:
    with wb.open(target, read_only=True) as ws:
        return ws.sql("SELECT value FROM meta WHERE key = ?", params=[key]).fetchall()


def test_died_before_the_replace_the_log_is_put_back(
    empty_store: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    target = _with_log(empty_store, tmp_path)
    aside = _die_after_set_aside(target)
    # (the name the release's snapshot gave it is looked for)
    assert _wal_aside.set_aside_logs(target) == [aside]
    with caplog.at_level(logging.WARNING, logger="workbench.store"):
        with wb.open(target) as ws:
            assert ws.sql("SELECT value FROM meta WHERE key = 'killed_session'").fetchall() == [("1",)]
    assert not aside.exists()
    assert "put back as x.duckdb.wal" in caplog.text and aside.name in caplog.text
    assert _meta(target, "killed_session") == [("1",)]  # (replayed into the store by that open)


def test_died_after_the_replace_the_aside_log_is_told_and_kept(
    empty_store: Path, other_store: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    target = _with_log(empty_store, tmp_path)
    aside = _die_after_set_aside(target)
    snapshot = tmp_path / "snap.duckdb"
    shutil.copy(other_store, snapshot)
    os.replace(snapshot, target)  # (the replace done; died before deleting the aside log)
    with caplog.at_level(logging.WARNING, logger="workbench.store"):
        assert _meta(target, "killed_session") == []  # (the snapshot opens, as it is)
    assert aside.exists() and not Path(f"{target}.wal").exists()
    assert str(aside) in caplog.text and "no log of the file there now" in caplog.text


def test_a_log_of_an_earlier_state_or_beside_a_newer_log_is_told_and_kept(
    empty_store: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    target = _with_log(empty_store, tmp_path)
    aside = _die_after_set_aside(target)
    # (the store written since, by a program that knows nothing of the aside log; then with a log of its own)
    for key, value, checkpoint in (("later", "2", True), ("newer", "3", False)):
        con = duckdb.connect(str(target))
        con.execute("CHECKPOINT" if checkpoint else "PRAGMA disable_checkpoint_on_shutdown")
        con.execute("INSERT INTO meta VALUES (?, ?)", [key, value])
        con.close()
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="workbench.store"):
            assert _meta(target, key) == [(value,)]
        said = "an earlier state of this store" if checkpoint else "a log of its own beside it"
        assert aside.exists() and said in caplog.text


def test_the_snapshot_sets_aside_under_the_name_an_open_looks_for(empty_store: Path, tmp_path: Path) -> None:
    target = _with_log(empty_store, tmp_path)
    aside = _wal_aside.set_aside(target)
    assert aside is not None and not Path(f"{target}.wal").exists()
    assert _wal_aside.set_aside_logs(target) == [aside] and _snapshot.set_aside is _wal_aside.set_aside

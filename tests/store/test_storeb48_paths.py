"""storeb48: the paths a user gives, and the files wb.open refuses.

- ``~`` at the start of any path the package takes (mend47 expanded it for ``wb.open``, ``ws.export`` and
  ``ws.snapshot`` only): ``ws.ingest('~/x.jsonl')`` was "no such file" and ``'~/*.jsonl'`` matched nothing, where
  DuckDB, the shell and ``wb.open`` read the home folder's; so for a labels file, a policy file written and read,
  ``wb.open_path``. A ``~word`` naming no user is the file of that very name when there is one (``./~word``: DuckDB
  read ``$HOMEword`` for it), else refused naming it.
- ``wb.open('x.duckdb.wal')`` made a store in the write-ahead log's name (and a ``.wal.wal`` beside it);
  ``wb.open('store.duckdb/')`` of an existing file said there was none.
- A DuckDB file of another program holding only a sequence, an ENUM type or a schema (no table) was taken for an
  empty one and written into (attack47, LOW); an empty DuckDB file stays a new store.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest

import workbench as wb
from workbench.exceptions import IngestError, StoreError


def _record(run: str) -> str:
    return json.dumps({"run_id": run, "step_id": "s1", "agent": "a", "kind": "llm",
                       "started_at": "2026-01-05T10:00:00Z"}) + "\n"  # fmt: skip


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    (home / "logs").mkdir(parents=True)
    (home / "logs" / "a.jsonl").write_text(_record("r1"))
    (home / "logs" / "b.jsonl").write_text(_record("r2"))
    monkeypatch.setenv("HOME", str(home))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)  # (nothing may be made in ./~)
    return home


def _runs(ws: wb.Workspace) -> list[str]:
    return [r for (r,) in ws.sql("SELECT run_id FROM runs ORDER BY run_id").fetchall()]


def test_a_home_path_is_read_from_the_home_folder_by_every_entry_point(home: Path) -> None:
    with wb.open() as ws:
        ws.ingest("~/logs/a.jsonl", progress=False)
        assert _runs(ws) == ["r1"]
        ws.ingest(["~/logs/b.jsonl"], progress=False)
        ws.ingest("~/logs/*.jsonl", progress=False)  # (a glob: nothing new, both read)
        assert _runs(ws) == ["r1", "r2"]
        (home / "labels.csv").write_text("run_id,outcome\nr1,failure\n")
        assert ws.label_file("~/labels.csv") == 1
        assert ws.sql("SELECT outcome FROM runs WHERE run_id = 'r1'").fetchall() == [("failure",)]
    policy = wb.Policy(name="p48")
    policy.to_yaml("~/policy.yaml")
    assert (home / "policy.yaml").is_file()
    assert wb.Policy.from_yaml("~/policy.yaml").name == "p48"
    ws = wb.open_path("~/logs/a.jsonl", db="~/ws.duckdb", progress=False)
    try:
        assert ws.path is not None and Path(ws.path).resolve() == (home / "ws.duckdb").resolve()
    finally:
        ws.close()
    assert not Path("~").exists()


def test_a_tilde_word_naming_no_user_is_the_file_of_that_name_or_refused(home: Path) -> None:
    Path("~notes.jsonl").write_text(_record("r3"))  # (a file of that very name, here)
    with wb.open() as ws:
        ws.ingest("~notes.jsonl", progress=False)
        assert _runs(ws) == ["r3"]
        with pytest.raises(IngestError, match=r"cannot ingest '~nouser_storeb48/x.jsonl': '~nouser_storeb48' "
                                              "names no home folder"):  # fmt: skip
            ws.ingest("~nouser_storeb48/x.jsonl", progress=False)


def test_a_write_ahead_log_is_no_store(tmp_path: Path) -> None:
    wb.open(tmp_path / "old.duckdb").close()
    (tmp_path / "old.duckdb.wal").write_bytes(b"")  # (an existing log, and a new name)
    before = sorted(os.listdir(tmp_path))
    for name in ("old.duckdb.wal", "new.duckdb.wal"):
        with pytest.raises(StoreError, match=r"\.duckdb' beside it, not a store") as caught:
            wb.open(tmp_path / name)
        assert f"wb.open({str(tmp_path / name[:-4])!r})" in str(caught.value)
        with wb.open() as ws, pytest.raises(StoreError, match="write-ahead log"):
            ws.snapshot(tmp_path / name)
    assert sorted(os.listdir(tmp_path)) == before


def test_a_slash_after_a_file_and_a_folder_named_like_a_store_are_said_as_they_are(tmp_path: Path) -> None:
    wb.open(tmp_path / "store.duckdb").close()
    with pytest.raises(StoreError, match=r"ends with a slash\), and '.*store\.duckdb' is a file"):
        wb.open(f"{tmp_path / 'store.duckdb'}/")
    (tmp_path / "dir.duckdb").mkdir()
    with pytest.raises(StoreError, match=r"dir\.duckdb: it is a folder, neither a store"):
        wb.open(tmp_path / "dir.duckdb")
    assert sorted(os.listdir(tmp_path)) == ["dir.duckdb", "store.duckdb"]


@pytest.mark.parametrize(
    "made, held",
    [
        ("CREATE SEQUENCE invoice_ids", "sequence 'invoice_ids'"),
        ("CREATE TYPE mood AS ENUM ('calm', 'angry')", "type 'mood'"),
        ("CREATE SCHEMA billing", "schema 'billing'"),
    ],
    ids=["sequence", "enum", "schema"],
)
def test_a_duckdb_file_holding_no_table_but_its_own_objects_is_not_written_into(
    made: str, held: str, tmp_path: Path
) -> None:
    path = tmp_path / "app.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(made)  # (the test's own SQL text)
    for read_only in (False, True):
        with pytest.raises(StoreError, match=f"another program.*holds {held}"):
            wb.open(path, read_only=read_only)
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM duckdb_tables()").fetchall() == [(0,)]


def test_an_empty_duckdb_file_is_a_new_store(tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()
    with wb.open(path) as ws:
        ws.ingest([json.loads(_record("r1"))], progress=False)
        assert _runs(ws) == ["r1"]

"""Paths DuckDB reads otherwise than Python does. ``wb.open`` refuses a SQLite file before DuckDB opens it
(``store/_store_file.py``: DuckDB fetched its ``sqlite_scanner`` extension from the network for one, attack45
D18), by reading the file's first bytes with Python's ``open``. But DuckDB also reads:

- a path with a scheme or prefix: ``sqlite:app.db`` (the SQLite file again, by name), ``md:incidents``
  (MotherDuck), ``https://…`` and ``s3://…`` (``httpfs``): each made ``wb.open`` download an extension (seconds,
  a network call) and fail with an error about the extension, never saying the path is no store file;
- ``~`` at the start of a path as the home folder, which Python's ``open`` and ``pathlib`` do not: the SQLite check
  reads ``./~/app.sqlite`` while DuckDB opens ``$HOME/app.sqlite`` (the download again), an export makes its
  folder and marker in ``./~/exp`` and then fails half-way when DuckDB's ``COPY`` writes into ``$HOME/exp`` (leaving
  an ``_EXPORT_INCOMPLETE`` folder in the working directory), and ``ws.snapshot('~/s.duckdb')`` writes
  ``./~/s.duckdb`` that ``wb.open('~/s.duckdb')`` does not open.

And a DuckDB file of another program is refused unless it holds a workbench store's tables, told by ``runs.run_id``,
``steps.run_id`` and ``steps.step_id`` alone: a CI system's or a workflow engine's database with tables ``runs`` and
``steps`` of its own passes, and is written into; so does one holding a table named ``meta`` (the check is asked only
of a database without one), or it fails with DuckDB's bare ``BinderException``.

DuckDB's connect is replaced here by one that refuses those targets at once (no network in a test): the product
must refuse them before asking it. attack47's strict xfails; mend47 made the path cases plain tests
(``store/_store_file.local_path``, called by ``wb.open``, ``ws.export`` and ``ws.snapshot``) and the foreign-database
cases (``STORE_COLUMNS``: the columns a store's runs and steps have had since schema 1; ``refuse_foreign_meta``)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import pytest

import workbench as wb
from workbench.exceptions import StoreError

_RECORD = {"record": "step", "run_id": "r1", "step_id": "s0", "agent": "a", "kind": "llm"}


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The targets DuckDB was asked to connect to that are no local path (refused at once, as offline)."""
    real, seen = duckdb.connect, []

    def connect(database: object = ":memory:", *args: object, **kwargs: object) -> duckdb.DuckDBPyConnection:
        text = str(database)
        if text.startswith(("~", "md:", "sqlite:", "https:", "s3:")):
            seen.append(text)
            raise duckdb.IOException(f"(test) {text} would be fetched or resolved by DuckDB")
        return real(database, *args, **kwargs)

    monkeypatch.setattr(duckdb, "connect", connect)
    return seen


@pytest.mark.parametrize(
    "target", ["sqlite:app.db", "md:incidents", "https://example.com/x.duckdb", "s3://b/x.duckdb"]
)
def test_a_path_duckdb_would_fetch_an_extension_for_is_refused_before_duckdb_opens_it(
    target: str, asked: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StoreError, match="cannot open"):
        wb.open(target)
    assert asked == []


def test_a_sqlite_file_named_from_home_is_refused_as_sqlite(
    asked: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    with sqlite3.connect(home / "app.sqlite") as db:
        db.execute("CREATE TABLE users (id INTEGER)")
    db.close()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StoreError, match="it is a SQLite database"):
        wb.open("~/app.sqlite")


def test_a_path_from_home_names_one_place_for_export_snapshot_and_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(cwd)
    ws = wb.open()
    ws.ingest([_RECORD | {"started_at": "2026-01-05T10:00:00Z"}], progress=False)
    ws.snapshot("~/s.duckdb")
    snap = wb.open("~/s.duckdb", read_only=True)
    assert snap.sql("SELECT run_id FROM runs").fetchall() == [("r1",)]
    snap.close()
    ws.export("~/exp")
    assert wb.open("~/exp").sql("SELECT run_id FROM runs").fetchall() == [("r1",)]
    assert not (cwd / "~").exists()


def _refused_tables(path: Path) -> list[str]:
    """The tables of a database wb.open refused as another program's, read after the refusal."""
    try:
        with pytest.raises(StoreError, match="another program"):
            wb.open(path)
    finally:
        with duckdb.connect(str(path), read_only=True) as con:
            tables = sorted(t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall())
    return tables


def test_another_programs_runs_and_steps_tables_are_no_store(tmp_path: Path) -> None:
    path = tmp_path / "ci.duckdb"
    with duckdb.connect(str(path)) as con:  # (a CI system's database: its runs and their steps)
        con.execute(
            "CREATE TABLE runs (run_id VARCHAR, workflow VARCHAR, conclusion VARCHAR); "
            "CREATE TABLE steps (run_id VARCHAR, step_id VARCHAR, name VARCHAR, seconds DOUBLE); "
            "INSERT INTO runs VALUES ('1', 'build', 'success'); INSERT INTO steps VALUES ('1', 'a', 'checkout', 1.5)"
        )
    assert _refused_tables(path) == ["runs", "steps"]  # (nothing written into it)


@pytest.mark.parametrize(
    "meta",
    [
        "meta (key VARCHAR, value VARCHAR); INSERT INTO meta VALUES ('owner', 'finance')",
        "meta (id INTEGER, note VARCHAR)",
    ],
    ids=["key_value", "other_columns"],
)
def test_another_programs_meta_table_makes_no_store(meta: str, tmp_path: Path) -> None:
    path = tmp_path / "finance.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(f"CREATE TABLE {meta}; CREATE TABLE invoices (id INTEGER)")  # (the test's own SQL text)
    assert _refused_tables(path) == ["invoices", "meta"]


def test_any_word_and_colon_is_refused_everywhere_and_dot_slash_names_the_local_file(
    asked: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(mend47) DuckDB takes any word before a colon for an extension's name (``notes:v2.duckdb`` looked for an
    extension ``notes``): refused by wb.open, ws.export and ws.snapshot alike, naming ``./`` for a local file."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StoreError, match=r"cannot open 'notes:v2\.duckdb'.*'\./notes:v2\.duckdb'"):
        wb.open("notes:v2.duckdb")
    ws = wb.open()
    with pytest.raises(StoreError, match=r"cannot export to 's3://b/exp'.*s3:// URL"):
        ws.export("s3://b/exp")
    with pytest.raises(StoreError, match=r"cannot write a snapshot to 'md:s'"):
        ws.snapshot("md:s")
    with pytest.raises(StoreError, match=r"'~no_such_user_mend47' names no home folder"):
        wb.open("~no_such_user_mend47/s.duckdb")
    assert asked == [] and list(tmp_path.iterdir()) == []
    with wb.open("./notes:v2.duckdb") as local:
        assert local.count("runs") == 0
    assert (tmp_path / "notes:v2.duckdb").is_file()

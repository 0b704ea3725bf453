"""A store this user may only read (mode 0444, another user's, a CI artifact on a read-only mount) is analysed
on a copy in memory, by ``investigate --db`` and ``policy ... --db`` alike, and the file is not changed (route42).
Before, both exited 2: "cannot open ...: Permission denied"."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from test_attack42_cli import _run, _unwritable, _write

import workbench as wb
from workbench.cli import main


@pytest.fixture(scope="module")
def _ingested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("route42")
    db = folder / "s.duckdb"
    log = _write(folder / "a.jsonl", _run("r1", "a") + _run("r2", "b", failed=False))
    assert main(["ingest", str(log), "--db", str(db), "--quiet"]) == 0
    return db


@pytest.fixture
def store(_ingested: Path, tmp_path: Path) -> Path:
    """The module's store, ingested once by the command, as a file of each test's own (the tests write to it)."""
    return Path(shutil.copyfile(_ingested, tmp_path / "s.duckdb"))


def test_investigate_and_backtest_read_an_unwritable_store_on_a_copy_leaving_it_as_it_was(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = store.read_bytes()
    policy = tmp_path / "p.yaml"
    wb.Policy().to_yaml(policy)
    _unwritable(monkeypatch, store)
    capsys.readouterr()
    assert main(["investigate", "--db", str(store), "--json", "--quiet"]) == 0
    out, err = capsys.readouterr()
    err = " ".join(
        err.split()
    )  # (the note wraps at the terminal's width, which xdist's workers set otherwise)
    assert json.loads(out)["failed_runs"][0]["verdict"]["method"] == "log-only"  # (attributed on the copy)
    assert json.loads(out)["failed"] == 1 and f"{store} is read-only" in err and "not saved" in err, err
    assert main(["policy", "backtest", str(policy), "--db", str(store), "--json", "--quiet"]) == 0
    out, err = capsys.readouterr()
    err = " ".join(err.split())
    assert json.loads(out)["summary"]["failures"] == 1 and f"{store} is read-only" in err, err
    assert store.read_bytes() == before
    with wb.open(store, read_only=True) as ws:
        assert ws.count("attributions") == 0  # (the verdicts were written on the copy only)


def test_a_writable_store_keeps_its_verdicts_and_says_nothing_of_a_copy(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["investigate", "--db", str(store), "--json", "--quiet"]) == 0
    assert "read-only" not in capsys.readouterr()[1]
    with wb.open(store, read_only=True) as ws:
        assert ws.count("attributions") > 0


def test_a_store_that_fails_to_open_for_another_reason_is_not_read_as_a_copy(
    store: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import workbench.store._connection as connection

    real = duckdb.connect
    opened: list[bool] = []

    def connect(
        target: str = ":memory:", read_only: bool = False, **kwargs: object
    ) -> duckdb.DuckDBPyConnection:
        if str(target) == str(store):
            opened.append(read_only)
            raise duckdb.IOException(f'IO Error: Cannot open file "{store}": Input/output error')
        return real(target, read_only=read_only, **kwargs)

    monkeypatch.setattr(connection.duckdb, "connect", connect)
    capsys.readouterr()
    assert main(["investigate", "--db", str(store), "--quiet", "--no-attribute"]) == 2
    assert "Input/output error" in capsys.readouterr()[1] and opened == [False]

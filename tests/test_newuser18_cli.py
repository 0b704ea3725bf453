"""What a new user met at the command line: ``investigate --db`` with a mistyped path created an empty
store there and said "0 runs, 0 failed" (exit 0), read as "nothing failed"; ``ingest --help`` and
``sim --help`` left ``paths``, ``--out`` and ``--seed`` unexplained."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.cli import build_parser, main


def test_investigate_db_that_does_not_exist_is_an_error_not_an_empty_store(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "incidnets.duckdb"
    assert main(["investigate", "--db", str(missing), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"--db {missing}: no such file or folder" in err and err.count("\n") == 1
    assert not missing.exists()


def test_investigate_paths_into_a_new_db_still_creates_it(tmp_path: Path) -> None:
    log = tmp_path / "runs.jsonl"
    log.write_text('{"run_id": "r1", "step_id": "s1", "agent": "a", "kind": "llm", "status": "ok"}\n',
                   encoding="utf-8")
    db = tmp_path / "new.duckdb"
    assert main(["investigate", str(log), "--db", str(db), "--quiet"]) == 0
    assert db.exists()


@pytest.mark.parametrize(("command", "dest"), [("ingest", "paths"), ("sim", "out"), ("sim", "seed")])
def test_every_argument_says_what_it_is(command: str, dest: str) -> None:
    sub = next(a for a in build_parser()._actions if a.dest == "command").choices[command]
    action = next(a for a in sub._actions if a.dest == dest)
    assert action.help

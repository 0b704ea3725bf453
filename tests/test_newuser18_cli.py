"""What a new user met at the command line: ``investigate --db`` with a mistyped path created an empty
store there and said "0 runs, 0 failed" (exit 0), read as "nothing failed"; ``ingest --help`` and
``sim --help`` left ``paths``, ``--out`` and ``--seed`` unexplained."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.cli import build_parser, main


def test_investigate_db_that_does_not_exist_is_an_error_not_an_empty_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "incidnets.duckdb"
    assert main(["investigate", "--db", str(missing), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"--db {missing}: no such file or folder" in err and err.count("\n") == 1
    assert not missing.exists()


def test_investigate_paths_into_a_new_db_still_creates_it(tmp_path: Path) -> None:
    log = tmp_path / "runs.jsonl"
    log.write_text(
        '{"run_id": "r1", "step_id": "s1", "agent": "a", "kind": "llm", "status": "ok"}\n', encoding="utf-8"
    )
    db = tmp_path / "new.duckdb"
    assert main(["investigate", str(log), "--db", str(db), "--quiet"]) == 0
    assert db.exists()


@pytest.mark.parametrize(("command", "dest"), [("ingest", "paths"), ("sim", "out"), ("sim", "seed")])
def test_every_argument_says_what_it_is(command: str, dest: str) -> None:
    sub = next(a for a in build_parser()._actions if a.dest == "command").choices[command]
    action = next(a for a in sub._actions if a.dest == dest)
    assert action.help


def test_investigate_header_counts_add_up_to_the_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # "3 runs, 1 failed, 1 of unknown outcome": the third run, a success, went unsaid
    log = tmp_path / "runs.jsonl"
    lines = []
    for run, outcome in (("a", "failure"), ("b", "success"), ("c", "unknown")):
        lines.append(f'{{"record": "run", "run_id": "{run}", "outcome": "{outcome}"}}')
        lines.append(
            f'{{"run_id": "{run}", "step_id": "{run}1", "agent": "x", "kind": "llm", "status": "ok"}}'
        )
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert (
        main(["investigate", str(log), "--db", str(tmp_path / "s.duckdb"), "--quiet", "--no-attribute"]) == 0
    )
    assert "3 runs, 1 failed, 1 of unknown outcome, 1 succeeded" in " ".join(capsys.readouterr().out.split())


def test_an_ingest_that_reads_nothing_leaves_no_new_store_behind(tmp_path: Path) -> None:
    # the empty store it left made a later `investigate --db` say "0 runs, 0 failed"
    db = tmp_path / "incidents.duckdb"
    assert main(["ingest", str(tmp_path / "missing.jsonl"), "--db", str(db), "--quiet"]) == 2
    assert not db.exists()
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "README.md").write_text("# not a log\n", encoding="utf-8")
    assert main(["ingest", str(tmp_path / "notes"), "--db", str(db), "--quiet"]) == 2
    assert not db.exists()


def test_a_failed_ingest_keeps_a_store_that_was_there(tmp_path: Path) -> None:
    log = tmp_path / "runs.jsonl"
    log.write_text(
        '{"run_id": "r1", "step_id": "s1", "agent": "a", "kind": "llm", "status": "ok"}\n', encoding="utf-8"
    )
    db = tmp_path / "incidents.duckdb"
    assert main(["ingest", str(log), "--db", str(db), "--quiet"]) == 0
    assert main(["ingest", str(tmp_path / "missing.jsonl"), "--db", str(db), "--quiet"]) == 2
    assert main(["investigate", "--db", str(db), "--quiet", "--no-attribute"]) == 0 and db.exists()


def test_investigate_paths_that_read_nothing_leave_no_new_store(tmp_path: Path) -> None:
    db = tmp_path / "incidents.duckdb"
    assert main(["investigate", str(tmp_path / "missing.jsonl"), "--db", str(db), "--quiet"]) == 2
    assert not db.exists()

"""The command line as a CI gate meets it (attack42): hostile log text, a half-bad file, logs that read nothing,
Ctrl-C, an output encoding without the characters printed, a store it may only read, a policy file that is no text.

Before: ``investigate empty.jsonl`` (or a folder of files in no known format) said "0 runs, 0 failed" and exited
0, so a pipeline whose log came out empty passed its gate; ``--json`` did not say what the ingest read, stored and
quarantined (a half-bad file looked whole to a machine); Ctrl-C during a DuckDB query exited 2 ("ingest failed ...
Query interrupted", as bad input); a character the output's encoding lacks ("…", "≥") crashed the command (exit 3)
after its work was done.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import duckdb
import pytest

import workbench as wb
from workbench.cli import main
from workbench.policy import Budgets, Policy

NS = 1_767_225_600_000_000_000
HOSTILE = ["\x1b[31mEVIL\x1b[0m", "nul\x00agent", "line\nbreak\rret", "abc\u202eevil", "big"]


def _run(run_id: str, agent: str, failed: bool = True, **tool: object) -> list[dict]:
    status = "error" if failed else "ok"
    return [
        {
            "record": "run",
            "run_id": run_id,
            "system": "sys\x1b]0;pwned\x07",
            "outcome": "failure" if failed else "success",
        },
        {
            "run_id": run_id,
            "step_id": "s0",
            "agent": "boss",
            "kind": "agent",
            "status": status,
            "started_at": NS,
            "ended_at": NS + 9 * 10**9,
        },
        {
            "run_id": run_id,
            "step_id": "s1",
            "parent_id": "s0",
            "agent": agent,
            "kind": "tool",
            "tool": "lookup",
            "name": "lookup\x1b[2J",
            "status": status,
            "error": "boom\x1b[31m\r\nFAKE LINE\x00" if failed else None,
            "started_at": NS + 10**9,
            "ended_at": NS + 2 * 10**9,
            "input": "x",
            "output": "y",
            **tool,
        },
        {
            "run_id": run_id,
            "step_id": "s2",
            "parent_id": "s0",
            "agent": "writer",
            "kind": "llm",
            "status": "ok",
            "started_at": NS + 3 * 10**9,
            "ended_at": NS + 4 * 10**9,
            "input": "a",
            "output": "b",
        },
    ]


def _write(path: Path, records: list[dict], extra: bytes = b"") -> Path:
    path.write_bytes("".join(json.dumps(r) + "\n" for r in records).encode() + extra)
    return path


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    records = []
    for k, agent in enumerate(HOSTILE):
        more = {"attributes": {"blob": "A" * (1 << 20)}} if agent == "big" else {}  # (a 1 MB attribute value)
        records += _run(f"r{k}\x1b[31m", agent, **more)
    records += _run("r-ok", "fine", failed=False)
    # a line of invalid UTF-8 in an agent's name: quarantined, named by file and line
    bad = json.dumps(_run("r-utf", "X")[2]).encode().replace(b'"X"', b'"bad\xff\xfename"') + b"\n"
    return _write(tmp_path_factory.mktemp("attack42") / "hostile log ü.jsonl", records, bad)


def test_records_stay_valid_and_the_table_inert_whatever_the_log_holds(
    hostile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["investigate", str(hostile), "--jsonl", "--quiet", "--fail-on", "failed", "--no-attribute"])
        == 1
    )
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == len(HOSTILE) and out.isascii()  # one record a failed run, each on its line
    records = [json.loads(line) for line in lines]
    assert sorted(r["first_error"] for r in records) == sorted(f"{a}:s1" for a in HOSTILE)  # the text as data
    assert "quarantined 1" in " ".join(err.split())  # (a note wraps at the terminal's width)
    assert main(["investigate", str(hostile), "--json", "--quiet", "--no-attribute"]) == 0
    doc = json.loads(capsys.readouterr()[0])
    assert doc["failed"] == len(HOSTILE) and doc["ingest"]["quarantined"] == 1
    # (the line as people read it on stderr is wrapped at the terminal's width: the document's is whole)
    assert doc["ingest"]["errors"][0].startswith(f"{hostile}:25: broken JSON: str is not valid UTF-8")
    assert main(["investigate", str(hostile), "--quiet", "--no-attribute"]) == 0
    table = capsys.readouterr()[0]
    assert not {"\x1b", "\r", "\x00", "\x07", "\u202e"} & set(table) and "^[[31mEVIL^[[0m" in table


def test_json_says_what_the_ingest_read_stored_and_quarantined(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    half = _write(
        logs / "half.jsonl",
        _run("r1", "a") + _run("r2", "b", failed=False),
        b'{"run_id": "r3", "step_id": \nnot json\n{"run_id": "r4", "step_id": "s", "started_at": "x"}\n',
    )
    (logs / "notes.txt").write_text("not a log", encoding="utf-8")
    # a label of a run the logs do not hold (a typo): said in the ingest object, not counted as a (failed) run
    (logs / "labels.jsonl").write_text('{"record": "label", "run_id": "r9", "outcome": "failure"}\n')
    db = tmp_path / "s.duckdb"
    assert (
        main(
            [
                "investigate",
                str(logs),
                "--db",
                str(db),
                "--json",
                "--quiet",
                "--fail-on",
                "failed",
                "--no-attribute",
            ]
        )
        == 1
    )
    doc = json.loads(capsys.readouterr()[0])
    ingest = doc["ingest"]
    assert ingest["read"] == ingest["stored"] + ingest["quarantined"] and ingest["quarantined"] == 3
    assert (ingest["labels"], ingest["unknown_label_runs"], ingest["runs"]) == (1, ["r9"], 2)
    assert (doc["runs"], doc["failed"]) == (2, 1), doc
    assert [e.split(": ")[0] for e in ingest["errors"]] == [f"{half}:{n}" for n in (9, 10, 11)]
    assert ingest["skipped_total"] == 1 and ingest["skipped"][0].endswith(
        "notes.txt: not in any known format"
    )
    # a store given alone: nothing was ingested by this call
    assert main(["investigate", "--db", str(db), "--json", "--quiet", "--no-attribute"]) == 0
    assert json.loads(capsys.readouterr()[0])["ingest"] is None
    # the table's counts leave r9 out and a line names it (it was "3 runs, 2 failed", a row "r9 unknown 0 steps")
    assert main(["investigate", "--db", str(db), "--quiet", "--no-attribute"]) == 0
    flat = " ".join(capsys.readouterr()[0].split())
    assert (
        "2 runs, 1 failed, 1 succeeded" in flat
        and "labels: 1 names a run the store holds no step of: 'r9'" in flat
    )


@pytest.mark.parametrize("given", ["empty file", "folder of no log", "empty folder"])
def test_logs_that_read_nothing_fail_instead_of_passing_as_no_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], given: str
) -> None:
    if given == "empty file":
        path = tmp_path / "runs.jsonl"
        path.write_bytes(b"")
    else:
        path = tmp_path / "logs"
        path.mkdir()
        if given == "folder of no log":
            (path / "README.md").write_text("# logs\n", encoding="utf-8")
    db = tmp_path / "new.duckdb"
    for output in ("--json", "--jsonl", "--quiet"):
        assert main(["investigate", str(path), "--db", str(db), output, "--quiet"]) == 2
        out, err = capsys.readouterr()
        assert err.splitlines()[-1].startswith(
            f"workbench: error: {'' if given == 'empty folder' else 'no records read from '}{path}"
        )
        assert out == "" or output == "--quiet"  # (the table's run prints the ingest report on stdout)
        assert not db.exists()  # (a store the call created is not left behind)


def test_ctrl_c_exits_130_and_keeps_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import workbench.ingest._driver as driver

    db = tmp_path / "s.duckdb"
    assert (
        main(["ingest", str(_write(tmp_path / "a.jsonl", _run("r1", "a"))), "--db", str(db), "--quiet"]) == 0
    )
    more = _write(tmp_path / "b.jsonl", _run("r2", "b"))

    def interrupted(*args: object, **kwargs: object) -> None:
        # what DuckDB raises when Ctrl-C reaches a query it runs (the ingest reported it as a failed read: exit 2)
        raise RuntimeError("Query interrupted")

    monkeypatch.setattr(driver, "_merge", interrupted)
    capsys.readouterr()
    assert main(["investigate", str(more), "--db", str(db), "--json", "--quiet"]) == 130
    assert capsys.readouterr()[1].endswith("workbench: interrupted\n")
    monkeypatch.setattr(
        driver, "_merge", lambda *a, **k: (_ for _ in ()).throw(duckdb.InterruptException("x"))
    )
    assert main(["ingest", str(more), "--db", str(db), "--quiet"]) == 130
    with wb.open(db, read_only=True) as ws:
        assert [r for (r,) in ws.sql("SELECT run_id FROM runs").fetchall()] == ["r1"]


def test_characters_the_output_cannot_encode_are_escaped_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = _write(tmp_path / "runs.jsonl", _run("r1", "agent-" + "é" * 120))
    # (the policy written here, not by `policy suggest`: its detect of the log cost 3.5 of this test's 5 CPU s, and
    # suggest from a log is test_route42_policy_out.py's and test_claims45_cli_policy.py's)
    policy = tmp_path / "p.yaml"
    Policy(budgets=Budgets(max_tool_calls_run=1)).to_yaml(policy)
    for argv in (
        ["investigate", str(log), "--quiet", "--no-attribute"],  # a long cell is cut with "…"
        ["policy", "backtest", str(policy), str(log), "--quiet", "--min-prevented", "0.5"],
    ):  # "≥"
        out, err = io.BytesIO(), io.BytesIO()
        monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(out, encoding="ascii"))
        monkeypatch.setattr(sys, "stderr", io.TextIOWrapper(err, encoding="ascii"))
        code = main(argv)
        sys.stdout.flush()
        sys.stderr.flush()
        assert code in (0, 1), err.getvalue()
        assert b"Error" not in err.getvalue() and (
            b"\\u2026" in out.getvalue() or b"\\u2265" in out.getvalue()
        )


def _unwritable(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    """``db`` opens as a file this user may only read does (chmod 444, not the owner; a CI artifact)."""
    import workbench.store._connection as connection

    real = duckdb.connect

    def connect(
        target: str = ":memory:", read_only: bool = False, **kwargs: object
    ) -> duckdb.DuckDBPyConnection:
        if str(target) == str(db) and not read_only:
            raise duckdb.IOException(f'IO Error: Cannot open file "{db}": Permission denied')
        return real(target, read_only=read_only, **kwargs)

    monkeypatch.setattr(connection.duckdb, "connect", connect)


# (A store this user may only read, investigated on a copy: test_route42_read_only_store.py's
# test_investigate_and_backtest_read_an_unwritable_store_on_a_copy_leaving_it_as_it_was, on a store of this module's
# runs through _unwritable, makes this module's test_a_store_the_user_may_only_read_is_investigated_on_a_copy's
# assertions and more: it was removed.)


def test_a_policy_file_that_is_no_text_is_bad_input_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = _write(tmp_path / "runs.jsonl", _run("r1", "a"))
    policy = tmp_path / "policy.yaml"
    policy.write_bytes(b"\xc6\x00\xff binary")
    assert main(["policy", "backtest", str(policy), str(log), "--quiet"]) == 2
    assert f"{policy}:" in capsys.readouterr()[1]


def test_a_folder_given_as_the_policy_is_named_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = _write(tmp_path / "runs.jsonl", _run("r1", "a"))
    assert main(["policy", "backtest", str(tmp_path), str(log), "--quiet"]) == 2
    err = capsys.readouterr()[1].replace(str(tmp_path), "POLICY")  # (the test's folder is named for it)
    assert "no such file" not in err and ("folder" in err or "directory" in err), err


@pytest.mark.parametrize("given", ["log", "store"])
def test_policy_suggest_does_not_write_over_its_own_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], given: str
) -> None:
    log = _write(tmp_path / "runs.jsonl", _run("r1", "a"))
    target = log
    if given == "store":
        target = tmp_path / "s.duckdb"
        assert main(["ingest", str(log), "--db", str(target), "--quiet"]) == 0
    before = target.read_bytes()
    assert main(["policy", "suggest", str(target), "-o", str(target), "--quiet"]) == 2
    assert target.read_bytes() == before and str(target) in capsys.readouterr()[1]


def test_policy_suggest_into_a_missing_folder_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = _write(tmp_path / "runs.jsonl", _run("r1", "a"))
    assert main(["policy", "suggest", str(log), "-o", str(tmp_path / "no" / "p.yaml"), "--quiet"]) == 2
    assert "FileNotFoundError" not in capsys.readouterr()[1]

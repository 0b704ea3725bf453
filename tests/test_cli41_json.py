"""``workbench investigate --json`` / ``--jsonl`` / ``--fail-on``: records a CI job reads, an exit status a gate
uses, log text kept as valid JSON data."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import workbench as wb
from workbench._cli_json import MAX_TEXT, dumps
from workbench.cli import main

RECORD_KEYS = {
    "run_id",
    "system",
    "failed_as",
    "reported_outcome",
    "taken_why",
    "steps",
    "error_steps",
    "first_error",
    "verdict",
    "findings",
    "findings_total",
    "known_culprit",
}
VERDICT_KEYS = {
    "culprit",
    "confidence",
    "decisive_step",
    "method",
    "method_name",
    "uncertain",
    "shared",
    "inconclusive",
    "only_agent",
    "step_confidence",
    "unfamiliar",
    "evidence",
    "why",
    "text",
    "scored_steps",
    "model_step",
    "confidence_kind",
}  # (walk49's two, walk50's one, added)
DOC_KEYS = {
    "schema",
    "runs",
    "failed",
    "taken_as_failed",
    "flagged",
    "shown",
    "failed_runs",
    "flagged_runs",
    "unreported_error_runs",
    "ingest",
    "succeeded",
    "unknown",
}  # (walk49's two, added)
NS = 1_767_225_600_000_000_000


@pytest.fixture(scope="module")
def sim_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli41") / "runs.jsonl"
    wb.sim.write_jsonl(wb.sim.procurement(seed=3, fault_rate=0.3).generate(30), out)
    return out


@pytest.fixture(scope="module")
def store(sim_log: Path) -> Path:
    db = sim_log.with_suffix(".duckdb")
    assert main(["ingest", str(sim_log), "--db", str(db), "--quiet"]) == 0
    return db


def _lines(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _step(
    run: str, step: str, agent: str, status: str = "ok", kind: str = "llm", at: int = 0, **more
) -> dict:
    return {
        "run_id": run,
        "step_id": step,
        "agent": agent,
        "kind": kind,
        "status": status,
        "started_at": NS + at * 10**9,
        "ended_at": NS + (at + 1) * 10**9,
        **more,
    }


def test_json_holds_every_failed_run_with_the_stored_verdict(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["investigate", "--db", str(store), "--json", "--quiet"]) == 0  # --fail-on never: 0
    out, err = capsys.readouterr()
    doc = json.loads(out)  # stdout is the document alone; people's lines went to stderr
    assert set(doc) == DOC_KEYS and doc["schema"] == "workbench.investigate/v1"
    assert f"investigating {store}" in err and "investigating" not in out
    with wb.open(store, read_only=True) as ws:
        failed = ws.runs(outcome="failure", silent=True)
        verdicts = {
            v.run_id: v
            for v in ws.sql("SELECT run_id, method, target FROM attributions WHERE unit = 'verdict'")
            .df()
            .itertuples()
        }
        n_runs = ws.count("runs")
    # every failed run, not the table's first 25; the table's order (by start)
    assert doc["runs"] == n_runs and doc["failed"] == doc["shown"] == len(failed) > 2
    records = doc["failed_runs"]
    assert sorted(r["run_id"] for r in records) == sorted(failed.run_id)
    for r in records:
        assert set(r) == RECORD_KEYS and set(r["verdict"]) == VERDICT_KEYS
        v = r["verdict"]
        assert (
            v["culprit"] == verdicts[r["run_id"]].target and v["method"] == "log-only"
        )  # no replay: the model
        assert 0.0 <= v["confidence"] <= 1.0 and v["decisive_step"].startswith("s")
        assert v["uncertain"] == (" uncertain" in v["text"])  # the table's cell says the same
        assert r["failed_as"] in {"failure", "silent", "taken_as_failed"}
        assert r["findings_total"] >= len(r["findings"])
    # the runs not known to have failed that a detector flagged, as the table lists them under the failed runs
    flagged = doc["flagged_runs"]
    assert len(flagged) == doc["flagged"] > 0 and not {r["run_id"] for r in flagged} & set(failed.run_id)
    assert all(set(r) == {"run_id", "outcome", "steps", "detectors", "worst_finding"} for r in flagged)
    # the worst finding first (a silent failure before the rest), as every view lists them
    silent = [r for r in records if r["failed_as"] == "silent"]
    assert silent and all(r["findings"][0]["detector"] == "silent_failure" for r in silent)


def test_jsonl_and_fail_on_give_a_gate_its_exit_status(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # (--no-attribute: the exit status and the records' shape do not wait on verdicts)
    assert (
        main(
            [
                "investigate",
                "--db",
                str(store),
                "--jsonl",
                "--quiet",
                "--fail-on",
                "failed",
                "--limit",
                "2",
                "--no-attribute",
            ]
        )
        == 1
    )
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(
        set(json.loads(line)) == RECORD_KEYS for line in lines
    )  # --limit: 2 records
    assert (
        main(
            [
                "investigate",
                "--db",
                str(store),
                "--quiet",
                "--fail-on",
                "flagged",
                "--limit",
                "1",
                "--no-attribute",
            ]
        )
        == 1
    )
    # the table, as without --fail-on (its summary line wraps at the terminal's width: CI's broke it mid-phrase)
    assert "first 1 shown" in " ".join(capsys.readouterr().out.split())


def test_nothing_failed_exits_0_with_no_records(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = _lines(
        tmp_path / "ok.jsonl",
        [
            {"record": "run", "run_id": "ok-1", "system": "s", "outcome": "success"},
            _step("ok-1", "s1", "planner", output="fine"),
        ],
    )
    assert main(["investigate", str(log), "--json", "--quiet", "--fail-on", "flagged"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["failed"] == 0 and doc["failed_runs"] == [] and doc["runs"] == 1


def test_log_text_stays_valid_json_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # a run id with a terminal escape and a BEL, an agent name with a bidi override and 5,000 more characters
    run, agent = "r\x1b]0;pwn\x07-1", "\x1b[31mevil\u202e\x07" + "x" * 5000
    log = _lines(
        tmp_path / "hostile.jsonl",
        [
            {"record": "run", "run_id": run, "system": "s", "outcome": "failure"},
            _step(run, "s1", "planner", output="plan"),
            _step(run, "s2", agent, status="error", kind="tool", at=1, output="boom \U0001f600"),
        ],
    )
    assert main(["investigate", str(log), "--jsonl", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.isascii() and "\x1b" not in out and "\x07" not in out  # controls as JSON escapes, never raw
    record = json.loads(out)
    assert record["run_id"] == run  # the id as data, byte for byte
    first = record["first_error"]
    assert first.startswith("\x1b[31mevil\u202e\x07xxx") and first.endswith(" characters]")
    assert len(first) < MAX_TEXT + 40 and "[truncated 3,0" in first  # cut, saying by how much


def test_dumps_makes_any_value_strict_json() -> None:
    text = dumps(
        {
            "lone": "a\ud800b",
            "pair": "\ud83d\ude00",
            "nan": float("nan"),
            "inf": float("-inf"),
            "ctrl": "\x00\x1b",
            "big": "y" * (MAX_TEXT + 5),
            "t": ("x", 1),
        }
    )
    assert re.search(r"\\ud[89a-f]", text) is None  # no surrogate escape a strict parser refuses
    doc = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    assert (
        doc["lone"] == "a\ufffdb" and doc["nan"] is None and doc["inf"] is None and doc["ctrl"] == "\x00\x1b"
    )
    assert doc["big"] == "y" * MAX_TEXT + "…[truncated 5 characters]" and doc["t"] == ["x", 1]


def test_bad_input_exits_2_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.duckdb"
    assert main(["investigate", "--db", str(missing), "--json"]) == 2
    out, err = capsys.readouterr()
    assert (
        out == ""
        and err.startswith(f"workbench: error: --db {missing}: no such file")
        and err.count("\n") == 1
    )
    junk = tmp_path / "notes.txt"
    junk.write_text("hello\n")
    assert main(["investigate", str(junk), "--jsonl", "--quiet"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "notes.txt" in err and "--format NAME" in err
    # one bad line costs only itself: the others are investigated, and stderr names the file and line
    log = _lines(
        tmp_path / "part.jsonl",
        [
            {"record": "run", "run_id": "r1", "system": "s", "outcome": "failure"},
            _step("r1", "s1", "planner", status="error"),
        ],
    )
    with log.open("a") as f:
        f.write('{"run_id": "r1", "step_id": \n')
    assert main(["investigate", str(log), "--jsonl", "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["run_id"] == "r1" and f"{log}:3:" in err and "quarantined 1" in err


def test_an_unexpected_error_exits_3_not_1(
    store: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import workbench._cli_report as report

    def broken(*_a: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(report, "failed_records", broken)
    assert (
        main(
            ["investigate", "--db", str(store), "--json", "--quiet", "--fail-on", "failed", "--no-attribute"]
        )
        == 3
    )
    assert capsys.readouterr().err.endswith("workbench: error: RuntimeError: disk on fire\n")


def test_the_installed_command(sim_log: Path, tmp_path: Path) -> None:
    command = Path(sys.executable).with_name("workbench")
    if not command.exists():
        pytest.skip("no workbench console script beside this interpreter")
    env = dict(os.environ, WORKBENCH_CACHE_DIR=str(tmp_path / "cache"))
    done = subprocess.run(
        [str(command), "investigate", str(sim_log), "--jsonl", "--quiet", "--fail-on", "failed"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 1, done.stderr  # failed runs found
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert records and all(r["verdict"]["culprit"] for r in records)
    assert "read " in done.stderr and "records" in done.stderr  # the ingest report, for people, on stderr


def test_a_replay_verdict_says_replay_and_a_run_without_one_says_null(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    system = wb.sim.procurement(seed=4, fault_rate=0.5)
    runs = list(system.generate(8))
    db = tmp_path / "replayed.duckdb"
    with wb.open(db) as ws:
        ws.ingest([rec for r in runs for rec in r.to_records()], progress=False)
        failed = [r.run_id for r in runs if r.outcome == "failure"]
        assert len(failed) >= 2
        done, errors = wb.attribute_many(ws, system.replay, run_ids=failed[:1], n_jobs=1, progress=False)
        assert not errors and len(done) == 1
        step = ws.sql(
            "SELECT target FROM attributions WHERE method = 'decisive-step' AND run_id = ?",
            params=[failed[0]],
        ).fetchall()[0][0]
    assert main(["investigate", "--db", str(db), "--json", "--quiet", "--no-attribute"]) == 0
    records = {r["run_id"]: r for r in json.loads(capsys.readouterr().out)["failed_runs"]}
    v = records[failed[0]]["verdict"]
    assert (v["method"], v["culprit"], v["decisive_step"]) == ("replay", done[0].verdict.culprit, step)
    assert v["method_name"] != "blame_model" and v["text"].startswith(v["culprit"])
    assert records[failed[1]]["verdict"] is None  # --no-attribute: no verdict stored for it

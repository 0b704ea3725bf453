"""``workbench policy suggest`` / ``policy backtest``: notebook 03's proposal, export and backtest from the
command line, the library's own results, a bad policy file named with its field and exit 2."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import workbench as wb
from workbench.cli import main


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli41p")
    log, db = root / "runs.jsonl", root / "runs.duckdb"
    wb.sim.write_jsonl(wb.sim.procurement(seed=3, fault_rate=0.3).generate(30), log)
    assert main(["ingest", str(log), "--db", str(db), "--quiet"]) == 0
    return db


@pytest.fixture(scope="module")
def policy_file(store: Path) -> Path:
    out = store.with_name("policy.yaml")
    assert main(["policy", "suggest", "--db", str(store), "-o", str(out), "--quiet"]) == 0
    return out


def test_suggest_writes_what_policy_from_findings_proposes(
    store: Path, policy_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    written = wb.Policy.from_yaml(policy_file)  # read back through the schema check
    with wb.open(store) as ws:  # the command ran the detectors into the store
        assert ws.count("findings") > 0
        assert written.rules() == wb.policy_from_findings(ws).rules() != []
        peaks = (
            wb.suggest_limits(ws, quantile=0.95).to_policy().replace(hitl=wb.policy_from_findings(ws).hitl)
        )
    assert (
        main(
            [
                "policy",
                "suggest",
                "--db",
                str(store),
                "-o",
                "-",
                "--method",
                "peaks",
                "--quantile",
                "0.95",
                "--quiet",
            ]
        )
        == 0
    )
    out, err = capsys.readouterr()
    assert wb.Policy.from_yaml(out).rules() == peaks.rules()  # -o -: the YAML alone on stdout
    assert err.startswith("policy: ") and "from 30 runs" in err


def test_backtest_says_what_the_guard_stopped_missed_and_stopped_wrongly(
    store: Path, policy_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["policy", "backtest", str(policy_file), "--db", str(store), "--json", "--quiet"]) == 0
    doc = json.loads(capsys.readouterr().out)
    with wb.open(store) as ws:
        report = wb.backtest(wb.Policy.from_yaml(policy_file), ws)
    s = report.summary
    assert doc["schema"] == "workbench.backtest/v1" and doc["summary"] == json.loads(json.dumps(s))
    missed = report.runs.query("outcome == 'failure' and not prevented").run_id
    assert doc["missed"] == s["failures"] - s["prevented"] == len(missed)
    assert doc["missed_run_ids"] == sorted(missed) and doc["gate"] is None
    assert [r["rule"] for r in doc["rules"]] == list(report.table.rule)
    # a store given as the one PATH is read as --db (ingested as a log it was "not in any known format")
    assert main(["policy", "backtest", str(policy_file), str(store), "--json", "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"] == doc["summary"]
    assert main(["policy", "backtest", str(policy_file), "--db", str(store), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert (
        f"stopped: {s['prevented']} of {s['failures']} failed runs in time; missed: {len(missed)}" in text
        and f"stopped wrongly: {s['successes_lost']} successful runs" in text
    )


def test_backtest_goals_set_the_exit_status(
    store: Path, policy_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with wb.open(store) as ws:
        s = wb.backtest(wb.Policy.from_yaml(policy_file), ws).summary
    assert 0 < s["prevented_share"] < 1 and s["review_rate"] > 0
    base = ["policy", "backtest", str(policy_file), "--db", str(store), "--quiet"]
    assert main([*base, "--min-prevented", f"{s['prevented_share'] - 0.01:.4f}"]) == 0
    assert main([*base, "--min-prevented", f"{s['prevented_share'] + 0.01:.4f}"]) == 1
    assert main([*base, "--max-review-rate", f"{s['review_rate']:.4f}"]) == 1  # under the goal, not at it
    assert main([*base, "--json", "--max-review-rate", "1"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out.splitlines()[-1])["gate"]["ok"] is True and "does not meet" in out


def test_a_bad_policy_file_names_the_key_and_exits_2(
    store: Path, policy_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = policy_file.read_text()
    cases = {
        "lots.yaml": (
            re.sub(r"max_tool_calls_run: .*", "max_tool_calls_run: lots", text),
            'budgets.max_tool_calls_run: must be an integer (or null), got "lots"',
        ),
        "twice.yaml": (text + "version: '9'\n", "version"),
        "nan.yaml": (text.replace("window: 20", "window: .nan", 1), "loops.window"),
    }
    for name, (body, says) in cases.items():
        path = tmp_path / name
        path.write_text(body)
        assert main(["policy", "backtest", str(path), "--db", str(store), "--quiet"]) == 2, name
        out, err = capsys.readouterr()
        assert out == "" and err.startswith(f"workbench: error: {path}") and says in err, err
        assert err.count("\n") == 1
    assert main(["policy", "backtest", str(tmp_path / "none.yaml"), "--db", str(store)]) == 2
    assert "cannot read policy file" in capsys.readouterr().err
    assert main(["policy", "backtest", str(policy_file)]) == 2  # no history given
    assert "give log files (PATH ...) or a store (--db FILE)" in capsys.readouterr().err


def test_logs_given_after_an_option_are_read_and_a_store_that_got_nothing_is_removed(
    policy_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "two.jsonl"
    log.write_text(
        "".join(
            json.dumps(r) + "\n"
            for r in [
                {"record": "run", "run_id": "a", "system": "s", "outcome": "failure"},
                {
                    "run_id": "a",
                    "step_id": "s1",
                    "agent": "planner",
                    "kind": "tool",
                    "tool": "t",
                    "status": "error",
                },
                {"record": "run", "run_id": "b", "system": "s", "outcome": "success"},
                {"run_id": "b", "step_id": "s1", "agent": "planner", "kind": "llm", "status": "ok"},
            ]
        )
    )
    # argparse takes a command's positionals in one go: the log after --json was left unrecognised
    two = tmp_path / "two.duckdb"
    assert (
        main(["policy", "backtest", str(policy_file), "--json", "--quiet", str(log), "--db", str(two)]) == 0
    )
    out, err = capsys.readouterr()
    assert json.loads(out)["summary"]["runs"] == 2 and err.startswith("read 2 records")
    # labels alone given with --db of a store of runs (one line with a typo) store no step: the store's runs are
    # backtested, not refused as "no step stored: nothing to learn from"
    labels = tmp_path / "labels.jsonl"
    labels.write_text('{"record": "label", "run_id": "b", "outcome": "failure"}\n{"record": "label"}\n')
    assert (
        main(["policy", "backtest", str(policy_file), "--json", "--quiet", str(labels), "--db", str(two)])
        == 0
    )
    out, err = capsys.readouterr()
    summary = json.loads(out)["summary"]
    assert (summary["runs"], summary["failures"]) == (2, 2) and "labels.jsonl:2: label record" in err
    junk, db = tmp_path / "notes.txt", tmp_path / "new.duckdb"
    junk.write_text("hello\n")
    assert (
        main(["policy", "suggest", str(junk), "--db", str(db), "-o", str(tmp_path / "p.yaml"), "--quiet"])
        == 2
    )
    err = capsys.readouterr().err
    assert (
        "notes.txt: not in any known format" in err and "--format NAME" in err
    )  # the command line's spelling
    assert not db.exists() and not (tmp_path / "p.yaml").exists()

"""The workbench command: one clear line and a non-zero exit on errors, tables on success."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from workbench.cli import main


def test_sim_ingest_investigate_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "runs.jsonl"
    db = tmp_path / "store.duckdb"
    assert main(["sim", "--runs", "60", "--out", str(out), "--seed", "5"]) == 0
    assert main(["ingest", str(out), "--db", str(db), "--quiet"]) == 0
    assert "quarantined 0" in capsys.readouterr().out
    assert main(["investigate", "--db", str(db), "--all"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("60 runs, ")
    assert "detectors" in text and "known_culprit" in text and "proc-s5-" in text


def test_investigate_on_the_demo_data_names_culprits(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["investigate", "--limit", "5"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("2,000 runs, 514 failed (first 5 shown")
    lines = text.splitlines()
    assert len([ln for ln in lines if ln.startswith("proc-s7-")]) == 5
    agreement = next(ln for ln in lines if ln.startswith("verdicts vs ground truth"))
    assert "on 514 labelled failed runs" in agreement and "culprit agent right in 100%" in agreement


@pytest.mark.parametrize(("argv", "message"), [
    (["ingest", "/nonexistent/x.jsonl", "--db", "{db}"], "no such file"),
    (["ingest", "{bad}", "--db", "{db}"], "not in any known format"),
    (["ingest", "{bad}", "--db", "{db}", "--format", "parquet"], "unknown format 'parquet'"),
])
def test_errors_are_one_line_without_traceback(tmp_path: Path, argv: list[str], message: str) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("just some notes\n")
    argv = [a.format(db=tmp_path / "s.duckdb", bad=bad) for a in argv]
    proc = subprocess.run([sys.executable, "-m", "workbench.cli", *argv], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("workbench: error:")
    assert message in proc.stderr and "Traceback" not in proc.stderr


def test_lab_prepares_the_demo_store_and_opens_jupyterlab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr("workbench.cli.subprocess.call", lambda cmd, env: calls.append((cmd, env)) or 0)
    monkeypatch.setattr("workbench.cli.shutil.which", lambda name: "/usr/bin/" + name)
    db = tmp_path / "demo.duckdb"
    assert main(["lab", "--db", str(db), "--no-browser"]) == 0
    (cmd, env), = calls
    assert cmd[:2] == ["/usr/bin/jupyter", "lab"] and cmd[-1] == "--no-browser"
    assert cmd[2].startswith("--notebook-dir=") and cmd[2].endswith("notebooks")
    assert env["WORKBENCH_DB"] == str(db)
    import workbench as wb

    with wb.open(db, read_only=True) as ws:
        assert ws.count("runs") == 2000

"""``workbench lab --db mine.duckdb``: the notebooks' kernels run in notebooks/, not where the command was
typed, so a relative ``WORKBENCH_DB`` named another file there: the notebooks opened a new store, filled it
with the demo data and showed that instead of the user's own logs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import workbench as wb
from workbench.cli import main
from workbench.demo import open_demo


def test_lab_hands_the_notebooks_the_store_it_was_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []

    class FakeLab:
        def __init__(self, cmd: list[str], env: dict[str, str], preexec_fn: object = None) -> None:
            calls.append(env)

        def wait(self) -> int:
            return 0

        def poll(self) -> int:
            return 0

    monkeypatch.setattr("workbench.cli.subprocess.Popen", FakeLab)
    monkeypatch.setattr("workbench.cli.shutil.which", lambda name: "/usr/bin/" + name)
    here, kernel_dir = tmp_path / "mine", tmp_path / "notebooks"
    here.mkdir()
    kernel_dir.mkdir()
    log = here / "own.jsonl"
    log.write_text(
        '{"record": "run", "run_id": "mine-1", "outcome": "failure"}\n'
        '{"record": "step", "run_id": "mine-1", "step_id": "s1", "agent": "a", "kind": "llm"}\n'
    )
    with wb.open(here / "own.duckdb") as ws:
        ws.ingest(log, progress=False)
    monkeypatch.chdir(here)
    assert main(["lab", "--db", "own.duckdb"]) == 0
    (env,) = calls
    assert Path(env["WORKBENCH_DB"]).is_absolute()
    # what a notebook does, from the directory its kernel runs in
    monkeypatch.chdir(kernel_dir)
    monkeypatch.setitem(os.environ, "WORKBENCH_DB", env["WORKBENCH_DB"])
    with open_demo(progress=False) as ws:
        assert ws.sql("SELECT run_id FROM runs").fetchall() == [("mine-1",)]
    assert list(kernel_dir.iterdir()) == []

"""A log-only verdict says "(only agent)" only of a run that has one agent (route42). The pretrained model
weighs the agents that talk: in a run of a boss (its span only holds the others'), an agent that only ran a
tool and a writer, the writer is its one candidate, and the table read "writer (only agent)" of a run of three
agents, and "the model is surer of writer" where it weighed no other."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_attack42_cli import _run, _write

from workbench.cli import main


def test_the_only_candidate_of_a_run_of_several_agents_is_not_called_its_only_agent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = [
        {"record": "run", "run_id": "solo", "outcome": "failure"},
        {
            "run_id": "solo",
            "step_id": "s0",
            "agent": "writer",
            "kind": "llm",
            "status": "error",
            "error": "bad answer",
            "started_at": 1,
            "ended_at": 2,
            "input": "a",
            "output": "b",
        },
    ]
    # (the fetcher's call fine: fix43 lets an error of the fetcher's that ended the run name it, run "tool")
    three = [
        dict(r, status="ok", error=None) if r.get("step_id") == "s1" else r for r in _run("three", "fetcher")
    ]
    log = _write(tmp_path / "runs.jsonl", three + _run("tool", "fetcher") + alone)
    db = tmp_path / "s.duckdb"
    assert main(["investigate", str(log), "--db", str(db), "--json", "--quiet"]) == 0
    text = {r["run_id"]: r["verdict"]["text"] for r in json.loads(capsys.readouterr()[0])["failed_runs"]}
    assert text["three"].startswith("writer (only agent that talks), step "), text
    # (its one step, the only one the model scores: walk49's "one candidate step", not "step 100%")
    assert text["solo"] == "writer (only agent), one candidate step (log)", text
    assert text["tool"] == "fetcher 80% (log + error)", text
    monkeypatch.setenv("COLUMNS", "100")
    assert main(["investigate", "--db", str(db), "--quiet", "--no-attribute"]) == 0  # (the verdicts stored)
    out = " ".join(line.strip() for line in capsys.readouterr()[0].splitlines())  # (the wrap undone)
    assert (
        "at step s1; the error reached the run's root and ended the run; the model alone named writer (the only agent it"
        " weighs); the evidence outweighs it"
    ) in out, out
    assert "surer of writer" not in out and '(only agent that talks)": its other agents only ran tools' in out

"""The model's one candidate in a run of several agents does not outrank the run's own specific evidence (fix43).

The pretrained model weighs agents that talk: in a run of a boss (its span only holds the others'), an agent that
only ran a tool and a writer, the writer is its one candidate, named with confidence 1.0 by elimination. When the
fetcher's tool raised and the error ended the run, that 1.0 beat the evidence (0.8 at most) and the verdict read
"writer (only agent that talks)"; it now names the fetcher at the evidence's confidence.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from test_attack42_cli import _run, _write

from workbench.attribution._evidence import combine
from workbench.cli import main


def _verdicts(tmp_path: Path, capsys: pytest.CaptureFixture[str], records: list[dict]) -> dict[str, dict]:
    log = _write(tmp_path / "runs.jsonl", records)
    assert main(["investigate", str(log), "--db", str(tmp_path / "s.duckdb"), "--json", "--quiet"]) == 0
    return {r["run_id"]: r["verdict"] for r in json.loads(capsys.readouterr()[0])["failed_runs"]}


def test_an_error_of_a_tool_only_agent_that_ended_the_run_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # run "calm": the same agents, the fetcher's call fine and the run failed all the same: no evidence
    calm = [
        dict(r, status="ok", error=None) if r.get("step_id") == "s1" else r for r in _run("calm", "fetcher")
    ]
    v = _verdicts(tmp_path, capsys, _run("three", "fetcher") + calm)
    three = v["three"]
    assert (three["culprit"], three["decisive_step"], three["evidence"]) == ("fetcher", "s1", "error"), three
    assert three["confidence"] == pytest.approx(0.8) and not three["only_agent"] and not three["uncertain"], (
        three
    )
    assert three["text"] == "fetcher 80% (log + error)", three
    # without evidence the model's one candidate stays, said as such
    assert v["calm"]["culprit"] == "writer" and v["calm"]["only_agent"] and v["calm"]["evidence"] is None, v[
        "calm"
    ]
    assert v["calm"]["text"].startswith("writer (only agent that talks), step "), v["calm"]


def test_evidence_that_cannot_tell_its_agent_from_others_leaves_the_sole_candidate() -> None:
    # the model's one candidate x; a silent_failure names w but cannot tell it from y before it (quiet agents):
    # not specific, so the model's pick stays and the verdict says the evidence parts from it
    verdict = pd.DataFrame(
        {
            "run_id": ["a"],
            "agent": ["x"],
            "step_id": ["sx"],
            "score": [0.5],
            "agent_confidence": [1.0],
            "uncertain": [False],
            "only_agent": [True],
            "step_confidence": [0.7],
            "familiarity": [1.0],
            "unfamiliar": [False],
        }
    )
    agents = pd.DataFrame({"run_id": ["a"], "agent": ["x"], "confidence": [1.0], "rank": [1]})
    ev = pd.DataFrame(
        {
            "run_id": ["a"],
            "evidence": ["silent_failure"],
            "agent": ["w"],
            "step_id": ["sw"],
            "seq": [5],
            "why": ["w first stated it"],
            "quiet": [[{"agent": "y", "step_id": "sy", "seq": 2}]],
        }
    )
    kept = combine(verdict, agents, ev).iloc[0]
    assert (kept["agent"], kept["agent_confidence"], kept["only_agent"]) == ("x", 1.0, True), kept
    # the same finding with its agent's input in the log: specific, it names w
    named = combine(verdict, agents, ev.assign(quiet=[[]])).iloc[0]
    assert (named["agent"], named["step_id"], named["only_agent"], named["disagrees"]) == (
        "w",
        "sw",
        False,
        "x",
    )
    assert named["agent_confidence"] == pytest.approx(0.8) and not named["uncertain"]

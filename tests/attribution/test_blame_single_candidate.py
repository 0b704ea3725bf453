"""A run with one candidate agent: its culprit is named by elimination, with confidence 1 — and, as there was no
choice between agents, ``only_agent`` says so and ``uncertain`` is about the step (ux24: a single-agent trace read
as a sure verdict).

Seen on Who&When Algorithm-Generated (5 of 126 runs: one expert beside its ``Computer_terminal``) and on
any-agent's single-agent framework traces: the pretrained model named the only agent that talks, right
every time, at 50-80 % — "uncertain" or next to it.
"""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb


def _one_expert_run(path: Path) -> Path:
    # The shape of Who&When Algorithm-Generated: a task, an expert who writes code, the terminal that runs it.
    history = [
        {
            "name": "API_Expert",
            "role": "assistant",
            "content": "Plan: query the API for the 2019 count.\n```python\nprint(get_count(2019))\n```",
        },
        {
            "name": "Computer_terminal",
            "role": "user",
            "content": "exitcode: 0 (execution succeeded)\nCode output: 41",
        },
        {
            "name": "API_Expert",
            "role": "assistant",
            "content": "The API says 41. Let me verify with 2018.\n```python\nprint(get_count(2018))\n```",
        },
        {
            "name": "Computer_terminal",
            "role": "user",
            "content": "exitcode: 0 (execution succeeded)\nCode output: 39",
        },
        {"name": "API_Expert", "role": "assistant", "content": "The answer is 41. TERMINATE"},
    ]
    path.write_text(
        json.dumps(
            {
                "question": "How many were there in 2019?",
                "ground_truth": "43",
                "is_correct": False,
                "history": history,
            }
        ),
        encoding="utf-8",
    )
    return path


def test_the_only_candidate_agent_is_named_with_certainty(tmp_path: Path) -> None:
    ws = wb.open()
    ws.ingest(_one_expert_run(tmp_path / "1.json"), progress=False)
    assert set(ws.steps(ws.runs().run_id.iloc[0]).agent) == {"API_Expert", "Computer_terminal"}
    p = wb.BlameModel.pretrained().predict(ws).iloc[0]
    assert p["agent"] == "API_Expert"
    assert p["agent_confidence"] == 1.0 and p["only_agent"]
    assert 0.0 < p["step_confidence"] < 1.0 and p["uncertain"] == (
        p["step_confidence"] < 0.5 or p["unfamiliar"]
    )


def test_runs_of_several_candidates_keep_their_calibrated_confidence(tmp_path: Path) -> None:
    doc = json.loads(_one_expert_run(tmp_path / "1.json").read_text())
    doc["history"].insert(
        4,
        {
            "name": "Verification_Expert",
            "role": "assistant",
            "content": "I checked the 2019 figure against the report: 41 is right.",
        },
    )
    (tmp_path / "1.json").write_text(json.dumps(doc), encoding="utf-8")
    ws = wb.open()
    ws.ingest(tmp_path / "1.json", progress=False)
    agents = wb.BlameModel.pretrained().score_agents(ws)
    assert len(agents) == 2 and (agents["confidence"] < 1.0).all()

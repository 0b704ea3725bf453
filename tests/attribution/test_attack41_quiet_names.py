"""The quiet-agents evidence sentence with an agent named by the empty string (attack41, on detect40's rule in
``attribution/_evidence.py``, real41's: a strict xfail to route).

When the first stater's input is in no span, the verdict's ``why`` lists the agents that acted before it with no
words in the log. An agent the log names ``""`` (an empty ``gen_ai.agent.name``; the store keeps it, as it keeps any
text) is listed as nothing: "and researcher,  acted before it" -- the reader cannot see that a third candidate
exists, nor which. A first stater named ``""`` reads "'s input is in no span".
"""

from __future__ import annotations

import pandas as pd

from workbench.attribution._evidence import combine


def _why(first: str, quiet: list[str]) -> str:
    verdict = pd.DataFrame(
        {
            "run_id": ["a"],
            "agent": ["x"],
            "step_id": ["sx"],
            "score": [0.5],
            "agent_confidence": [0.6],
            "uncertain": [False],
            "only_agent": [False],
            "step_confidence": [0.5],
            "familiarity": [1.0],
            "unfamiliar": [False],
        }
    )
    agents = pd.DataFrame({"run_id": ["a"], "agent": ["x"], "confidence": [0.6], "rank": [1]})
    ev = pd.DataFrame(
        {
            "run_id": ["a"],
            "evidence": ["silent_failure"],
            "agent": [first],
            "step_id": ["sw"],
            "seq": [5],
            "why": ["first stated it"],
            "quiet": [[{"agent": q, "step_id": f"s{i}", "seq": i} for i, q in enumerate(quiet)]],
        }
    )
    return combine(verdict, agents, ev).iloc[0]["why"]


def test_named_agents_are_listed() -> None:
    # (passes on main)
    assert "writer's input is in no span, and researcher, coordinator acted before it" in _why(
        "writer", ["researcher", "coordinator"]
    )


def test_an_agent_named_by_the_empty_string_is_visible_in_the_sentence() -> None:
    why = _why("writer", ["researcher", ""])
    assert ",  acted" not in why and ", acted" not in why
    assert not _why("", ["researcher"]).split("; but ", 1)[1].startswith("'s input")

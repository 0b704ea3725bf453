"""Hostile message lists in a step's input or output (attack18). The Explorer's step panel writes a message
list out as ``role: text`` (``widgets/_messages.py``); a log holding JSON nested past Python's parser, a
LangChain message whose ``id`` is no list, or ``tool_calls`` that is a number made the panel raise
(RecursionError, KeyError, TypeError), so the step could not be looked at."""

from __future__ import annotations

import html
import json
import re

import pytest

import workbench as wb
from workbench.widgets import IncidentExplorer
from workbench.widgets._messages import readable

DEEP = "[" * 100_000 + "]" * 100_000
HOSTILE = {
    "deep JSON": DEEP,
    "deep JSON in a message": json.dumps([{"role": "user", "content": json.loads("[" * 900 + "]" * 900)}]),
    "LangChain id an object": json.dumps([{"lc": 1, "kwargs": {"content": "hi"}, "id": {"a": 1}}]),
    "LangChain id a number": json.dumps([{"lc": 1, "kwargs": {"content": "hi"}, "id": 5}]),
    "tool_calls a number": json.dumps([{"role": "assistant", "content": "hi", "tool_calls": 5}]),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_message_lists_are_shown_not_raised(name: str) -> None:
    value = HOSTILE[name]
    shown = readable(value)
    assert isinstance(shown, str)
    if name.startswith("LangChain"):
        assert shown == "?: hi"  # the message is still read; its unknown type named "?"
    elif name == "tool_calls a number":
        assert shown == "assistant: hi"


def test_explorer_step_panel_shows_a_step_whose_output_is_hostile() -> None:
    recs: list[dict] = [{"record": "run", "run_id": "r1", "system": "x", "outcome": "failure"}]
    recs += [
        {
            "run_id": "r1",
            "step_id": f"s{i}",
            "agent": "a",
            "kind": "llm",
            "name": "call",
            "input": "<script>alert(1)</script>",
            "output": value,
            "started_at": f"2026-03-01T10:00:0{i}Z",
            "ended_at": f"2026-03-01T10:00:0{i}.5Z",
        }
        for i, value in enumerate(HOSTILE.values())
    ]
    ws = wb.open()
    ws.ingest(recs, progress=False)
    ex = IncidentExplorer(ws, blame_model=None)  # (the step panel is checked: no verdict scored, suite52)
    ex.runs.value = "r1"
    for i in range(len(HOSTILE)):
        ex.select_step(f"s{i}")
        shown = ex.detail.value
        assert "<script>" not in shown and "&lt;script&gt;" in shown
        pres = [html.unescape(p) for p in re.findall(r"<pre class='wb-pre'>(.*?)</pre>", shown, re.S)]
        assert len(pres) >= 2 and pres[1], f"step s{i}: no output shown"

"""store44's stored side of the staging-only rules (``store/_stored_rules.py``): a trace read in two calls must
leave the store one call of both leaves. Two ways it does not, each in a three- or four-step native run:

- ``stored_derived_traced.sql`` finds the tool steps an earlier call "read out of a model call's messages" by the
  text ``"workbench.tool_call_from"`` anywhere in the stored attributes' JSON: a real tool step whose attributes
  (log content) hold that key, at any depth, is deleted from the store once a later call adds a traced tool step
  to its run; one call of both keeps it.
- ``handoff_targets.sql`` named a hand-off's target from the call's own steps before the merge, and the stored rule
  (``stored_handoff_targets.sql``) only filled a hand-off still naming none: when the agent that starts first
  after the hand-off came in the other call, the hand-off was stored naming a later agent (in either order).
  Now the store keeps which hand-offs the rule named (``rule_handoffs``), and the stored rule names them again.

attack45's strict xfails, plain tests since (storeb45: the marker; store46: the hand-off)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import workbench as wb


def _step(
    sid: str, kind: str, agent: str, start: int, end: int, parent: str | None = "s0", **more: Any
) -> dict:
    return {
        "record": "step",
        "run_id": "r1",
        "step_id": sid,
        "parent_id": parent,
        "agent": agent,
        "kind": kind,
        "started_at": f"2026-01-05T10:00:{start:02d}Z",
        "ended_at": f"2026-01-05T10:00:{end:02d}Z",
        **more,
    }


def _split(tmp_path: Path, calls: list[list[dict]], query: str) -> list:
    """``query`` on the store of the parts ingested one call each (one call of all gives what each test asserts:
    attack45 saw it, and left that ingest out to keep the tests small)."""
    ws = wb.open()
    for name, records in enumerate(calls):
        path = tmp_path / f"{name}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        ws.ingest(path, progress=False)
    return ws.sql(query).fetchall()


def test_a_tool_step_whose_attributes_hold_the_marker_key_survives_a_later_call(tmp_path: Path) -> None:
    first = [
        _step("s0", "llm", "planner", 0, 1, parent=None, output="calling the tools"),
        # log content: the tool's own payload happens to carry the key the ingest marks its made-up steps with
        _step(
            "s1",
            "tool",
            "planner",
            1,
            2,
            output="42",
            attributes={"payload": {"workbench.tool_call_from": "x"}},
        ),
    ]
    second = [_step("s2", "tool", "planner", 3, 4, output="43", attributes={"tool.name": "lookup"})]
    assert _split(tmp_path, [first, second], "SELECT step_id FROM steps ORDER BY step_id") == [
        ("s0",),
        ("s1",),
        ("s2",),
    ]


@pytest.mark.parametrize("calls", [(1, 2), (2, 1), (1, 12)], ids=["1-2", "2-1", "1-both"])
def test_a_handoff_names_the_first_agent_after_it_however_the_trace_was_split(
    tmp_path: Path, calls: tuple[int, ...]
) -> None:
    """``calls``: the parts each call reads, in order (12: both, as a file read again with the rest); each way
    stores one call's target, and no copy read again is quarantined as differing."""
    first = [
        _step("s0", "agent", "boss", 0, 30, parent=None, output="done"),
        _step("h1", "handoff", "boss", 1, 2),  # names no agent: the next other agent to start is its target
        _step("x", "agent", "xavier", 5, 6, output="x's part"),  # short: ends (and is exported) early
    ]
    second = [_step("y", "agent", "yolanda", 3, 20, output="y's part")]  # starts first, ends (exported) late
    parts = {1: first, 2: second, 12: first + second}
    query = "SELECT step_id, output, (SELECT count(*) FROM quarantine) FROM steps WHERE kind = 'handoff'"
    assert _split(tmp_path, [parts[c] for c in calls], query) == [("h1", "yolanda", 0)]

"""Runs whose spans name no agent, their trace read in two calls (store45).

Haystack's pipeline components and LangChain's sub-agents given no name are named by rules of a step's parent and
children (``_step_agents.loop_agents``: the pipeline's input and output, the tool that called a loop), and a
LangChain.js tool step whose input is its argument's text takes the arguments from the model step that asked
for it (``_tool_text_input``): rules the ingest ran on each call's staged steps only. With the parent in one file
and the children in another (a rotated exporter's files, read in either order) the steps stayed unnamed, or
kept a name a part gave them that the whole run does not. Now the rules run again over the stored steps of the
runs a call meets that the store held before (``store/_stored_rules.py``), ``rule_agents`` telling the names the
rules gave from the log's."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
from _deep import deep
from test_store42_export_split import _one_case_a_run, _split_each
from test_store43_split_rules import _loose

import workbench as wb

FIXTURES = Path(__file__).parent / "fixtures"
CASES = {
    # the pricer's Agent.run read apart from the researcher's that offers it as a tool, the pipeline apart
    "haystack": ("haystack/nested_agents_fault.otlp.jsonl", 2),
    # a sub-agent's loop (named by the tool that called it) read apart from the tool's span
    "langchain": ("langchain/otel_genai_unnamed_subagents_fault.otlp.jsonl", 10),
    # a tool step whose input is its argument's text, read apart from the model step that asked for it
    "tool text": ("langchain/openinference_unnamed_subagents_fault.otlp.jsonl", 5),
}


# Which part of each case's trace is read first (its part after the split, or its first)
ORDERS = {"haystack": "later part first", "langchain": "later part first", "tool text": "in order"}


@functools.cache
def _whole(cases: tuple[str, ...]) -> dict[str, list]:
    """The store one call of the cases' fixtures gives (loose: file and line aside)."""
    with wb.open() as ws:
        ws.ingest([FIXTURES / CASES[case][0] for case in cases], progress=False)
        return _loose(ws)


# (the three cases as one, their fixtures naming no trace of one another: each case's part read first in the first
# call, its other part in the second; the rules run on each run's own steps, compared whole. Each case alone too
# under WORKBENCH_DEEP_TESTS=1: the same rules again, two calls a case)
@pytest.mark.parametrize(
    "cases",
    [
        pytest.param(cases, id="+".join(f"{c}-{ORDERS[c]}" for c in cases))
        for cases in [tuple(ORDERS)] + ([(c,) for c in ORDERS] if deep() else [])
    ],
)
def test_a_nameless_run_split_over_calls_is_named_as_one_call_names_it(
    tmp_path: Path, cases: tuple[str, ...]
) -> None:
    firsts, seconds = _split_each([CASES[case] for case in cases], tmp_path)
    calls: list[list[Path]] = [[], []]
    for case, first, second in zip(cases, firsts, seconds, strict=True):
        in_order = ORDERS[case] == "in order"
        calls[0].append(first if in_order else second)
        calls[1].append(second if in_order else first)
    with wb.open() as parts:
        for call in calls:
            assert parts.ingest(call, progress=False).quarantined == 0
        _one_case_a_run(parts)
        assert _loose(parts) == _whole(cases)


def _step(step_id: str, parent: str | None, second: int, **fields: object) -> dict:
    return {
        "record": "step",
        "run_id": "r1",
        "step_id": step_id,
        "parent_id": parent,
        "started_at": f"2026-01-05T10:00:0{second}Z",
        "ended_at": f"2026-01-05T10:00:0{second}.5Z",
        **fields,
    }


# ("loop first, then its snapshot": the loop's part read first, the rest into a snapshot of that store)
@pytest.mark.parametrize("order", ["named step first", "loop first, then its snapshot"])
def test_a_name_the_rules_gave_a_part_goes_when_the_run_names_an_agent(tmp_path: Path, order: str) -> None:
    # A loop (a step calling a tool, named by its class: Loop.forward) in one file, a step naming its agent in the
    # other: one call of both names no loop (the run names an agent), so neither may the two calls.
    loop = [
        _step("s0", None, 0, kind="chain", name="Loop.forward"),
        _step("s1", "s0", 1, kind="tool", name="search", tool="search"),
    ]
    named = [_step("s2", "s0", 2, kind="llm", name="chat", agent="planner")]
    files = []
    for part, records in (("loop", loop), ("named", named)):
        path = tmp_path / f"{part}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        files.append(path)
    query = "SELECT step_id, agent_own, agent FROM steps ORDER BY step_id"
    # (what one call of both files stores: no step named but by its log)
    want = [("s0", None, None), ("s1", None, None), ("s2", "planner", "planner")]
    parts = wb.open()
    for path in files[::-1] if order == "named step first" else files:
        if "snapshot" in order and path == files[1]:
            # (a snapshot keeps which names the rules gave: the store it is opened as goes on as the original)
            snapshot = parts.snapshot(tmp_path / "snapshot.duckdb")
            parts.close()
            parts = wb.open(snapshot)
        parts.ingest(path, progress=False)
    with parts:
        assert parts.sql(query).fetchall() == want
        assert parts.sql("SELECT count(*) FROM rule_agents").fetchall() == [(0,)]

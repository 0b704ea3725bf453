"""What an export leaves out (the store's kept tables ``derived_tools`` and ``rule_agents``: which steps the ingest
made up or named by its rules, not the log) its merge cannot tell again, so a trace read through an export and a
later file is not the store one ingest of both gives.

attack45's marker case (a log's tool step whose attributes hold ``workbench.tool_call_from`` at any depth was
deleted by a later call adding a traced tool to its run) was fixed for the store by ``derived_tools``; but an
export leaves that table out, and its merge (``store/sql/merge_export.sql``, "the export's tool steps its store
read out of messages") tells made-up steps by the marker text again: a store that merged store A's export deletes
the log's own tool step when the run's next file comes, where store A keeps it.

Haystack's sub-agents (``store45``: named by the rules of runs whose spans name no agent, kept in ``rule_agents``
so a later call of the run can name them again over the whole stored run): a store that merged an export of the
trace's later spans and then reads its first line gives the pricer's agent loop to the researcher (the agent
above it), where two ingests of the two parts and one of the whole name it pricer (attack46's sweep of the
fixture's split points through an export: 3 of 8 differ, each in one to three sub-agents, all in the order
later-spans-first).
attack46's findings; storeb46's export carries the kept tables (store/_export_kept.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import workbench as wb


def _step(sid: str, kind: str, start: int, parent: str | None = "s0", **more: Any) -> dict[str, Any]:
    return {
        "record": "step",
        "run_id": "r1",
        "step_id": sid,
        "parent_id": parent,
        "agent": "planner",
        "kind": kind,
        "started_at": f"2026-01-05T10:00:{start:02d}Z",
        "ended_at": f"2026-01-05T10:00:{start + 1:02d}Z",
        **more,
    }


def _log(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_a_merged_export_keeps_a_log_tool_step_holding_the_marker_key(tmp_path: Path) -> None:
    first = _log(
        tmp_path / "first.jsonl",
        [
            _step("s0", "llm", 0, parent=None, output="calling the tools"),
            _step("s1", "tool", 1, output="42", attributes={"payload": {"workbench.tool_call_from": "x"}}),
        ],
    )
    second = _log(
        tmp_path / "second.jsonl", [_step("s2", "tool", 3, output="43", attributes={"tool.name": "lookup"})]
    )
    with wb.open() as a:
        a.ingest(first, progress=False)
        a.export(tmp_path / "export")
    with wb.open() as b:
        b.ingest(tmp_path / "export", progress=False)
        b.ingest(second, progress=False)
        assert b.sql("SELECT step_id FROM steps ORDER BY step_id").fetchall() == [("s0",), ("s1",), ("s2",)]


HAYSTACK = Path(__file__).parent / "ingest" / "fixtures" / "haystack" / "nested_agents_fault.otlp.jsonl"


@pytest.mark.parametrize(
    ("cut", "exported", "export_first"),
    [(1, "rest", True), (4, "first", False)],
    ids=["later-spans-exported-merged-first", "first-spans-exported-merged-last"],
)
def test_a_trace_read_through_an_export_and_a_later_file_names_its_agents(
    tmp_path: Path, cut: int, exported: str, export_first: bool
) -> None:
    """attack46's case, and (storeb46) the other order: a store holding the trace's later spans merges the export
    of its first ones, and the merge runs the naming rules over the run both sides gave steps to, now that the
    export says which names its store's rules gave (before: the run's agents stayed unnamed)."""
    lines = HAYSTACK.read_text(encoding="utf-8").splitlines(keepends=True)
    (tmp_path / "first.otlp.jsonl").write_text("".join(lines[:cut]), encoding="utf-8")
    (tmp_path / "rest.otlp.jsonl").write_text("".join(lines[cut:]), encoding="utf-8")
    other = tmp_path / ("first.otlp.jsonl" if exported == "rest" else "rest.otlp.jsonl")
    with wb.open() as a:
        a.ingest(tmp_path / f"{exported}.otlp.jsonl", progress=False)
        a.export(tmp_path / "export")
    with wb.open() as b:
        for source in (tmp_path / "export", other) if export_first else (other, tmp_path / "export"):
            b.ingest(source, progress=False)
        agents = b.sql("SELECT agent FROM steps WHERE name = 'Agent.run' ORDER BY started_at").fetchall()
    assert agents == [("coordinator",), ("researcher",), ("pricer",), ("writer",)]

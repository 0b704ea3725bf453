"""An export carries the store's kept tables (``rule_agents``, ``derived_tools``, ``rule_handoffs``:
store/_export_kept.py), read back by its merge and by ``wb.open(folder)``; an export written before (no such
folders) is read as it was: its tool steps read out of messages told by their marker, the merge's report saying
so. attack46's two cases (a log's own tool step holding the marker, a Haystack trace read through an export, then
its first line) are tests/test_attack46_export_kept.py; here the other order (a store holding a part merges the
export of the rest), store46's hand-off split through an export, and the older export."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import workbench as wb

HAYSTACK = Path(__file__).parents[1] / "ingest" / "fixtures" / "haystack" / "nested_agents_fault.otlp.jsonl"
KEPT = ("rule_agents", "derived_tools", "rule_handoffs")


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


def _log(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_a_store_holding_a_trace_s_later_spans_merges_the_export_of_its_first_ones(tmp_path: Path) -> None:
    """The merge runs the naming rules over the run both sides gave steps to, now that the export says which names
    its store's rules gave (before: the run's agents stayed unnamed)."""
    lines = HAYSTACK.read_text(encoding="utf-8").splitlines(keepends=True)
    (tmp_path / "first.otlp.jsonl").write_text("".join(lines[:4]), encoding="utf-8")
    (tmp_path / "rest.otlp.jsonl").write_text("".join(lines[4:]), encoding="utf-8")
    with wb.open() as a:
        a.ingest(tmp_path / "first.otlp.jsonl", progress=False)
        a.export(tmp_path / "export")
    with wb.open() as b:
        b.ingest(tmp_path / "rest.otlp.jsonl", progress=False)
        b.ingest(tmp_path / "export", progress=False)
        agents = b.sql("SELECT agent FROM steps WHERE name = 'Agent.run' ORDER BY started_at").fetchall()
    assert agents == [("coordinator",), ("researcher",), ("pricer",), ("writer",)]


def test_a_handoff_its_store_named_is_named_again_where_the_export_is_merged(tmp_path: Path) -> None:
    """store46's known limit: the hand-off (naming no agent) and a short agent after it exported, merged into a
    store holding an agent that starts earlier after it: that agent, as one ingest of both gives."""
    first = _log(
        tmp_path / "first.jsonl",
        [
            _step("s0", "agent", "boss", 0, 30, parent=None, output="done"),
            _step("h1", "handoff", "boss", 1, 2),
            _step("x", "agent", "xavier", 5, 6, output="x's part"),
        ],
    )
    second = _log(tmp_path / "second.jsonl", [_step("y", "agent", "yolanda", 3, 20, output="y's part")])
    with wb.open() as a:
        a.ingest(first, progress=False)
        a.export(tmp_path / "export")
    with wb.open() as b:
        b.ingest(second, progress=False)
        b.ingest(tmp_path / "export", progress=False)
        assert b.sql("SELECT output FROM steps WHERE step_id = 'h1'").fetchall() == [("yolanda",)]
        assert b.sql("SELECT step_id FROM rule_handoffs").fetchall() == [("h1",)]


def test_an_export_without_the_kept_tables_is_read_as_before(tmp_path: Path) -> None:
    """A log's tool step holding the marker, exported: the export holds an empty derived_tools (read so by the merge
    and wb.open); without the table (an export of an earlier workbench) the step is taken for a made-up one, as
    before, and the merge says why."""
    log = _log(
        tmp_path / "log.jsonl",
        [
            _step("s0", "llm", "planner", 0, 1, parent=None, output="calling the tools"),
            _step(
                "s1",
                "tool",
                "planner",
                1,
                2,
                output="42",
                attributes={"payload": {"workbench.tool_call_from": "x"}},
            ),
        ],
    )
    with wb.open() as a:
        a.ingest(log, progress=False)
        a.export(tmp_path / "export")
    assert all((tmp_path / "export" / t / "data.parquet").is_file() for t in KEPT)
    with wb.open(tmp_path / "export") as ex:
        assert ex.sql("SELECT count(*) FROM derived_tools").fetchall() == [(0,)]
    old = tmp_path / "old"
    shutil.copytree(tmp_path / "export", old)
    for t in KEPT:
        shutil.rmtree(old / t)
    with wb.open() as b, wb.open(old) as ex:
        report = b.ingest(old, progress=False)
        assert b.sql("SELECT step_id FROM derived_tools").fetchall() == [("s1",)]
        assert any("holds no rule_agents, derived_tools, rule_handoffs" in n for n in report.notes)
        assert ex.copy().sql("SELECT step_id FROM derived_tools").fetchall() == [("s1",)]

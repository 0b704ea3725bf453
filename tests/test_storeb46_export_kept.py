"""An export carries the store's kept tables (``rule_agents``, ``derived_tools``, ``rule_handoffs``:
store/_export_kept.py), read back by its merge and by ``wb.open(folder)``; an export written before (no such
folders) is read as it was: its tool steps read out of messages told by their marker, the merge's report saying
so. attack46's two cases (a log's own tool step holding the marker, a Haystack trace read through an export, then
its first line, and the other order) are tests/test_attack46_export_kept.py; here store46's hand-off split
through an export, and the older export."""

from __future__ import annotations

import shutil
from pathlib import Path

from test_attack45_split_rules import _step
from test_attack46_export_kept import _log

import workbench as wb

KEPT = ("rule_agents", "derived_tools", "rule_handoffs")


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

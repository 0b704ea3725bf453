"""Haystack's own tracing split the other way round over two ingest calls: the researcher's ``haystack.agent.run``
(and the steps under it) stored by an earlier call than the planner's tool call above it. The run is the agent the
tool is named after, as one call of both reads it (store/sql/haystack_stored.sql, in the merge before its walk down).
Before, it stayed an unnamed chain step and the researcher's steps acted for the planner."""

from __future__ import annotations

import json

from _haystack_otel import export, run

import workbench as wb

# (the columns an ingest call sets as it reads: which file and line, the order it met the steps in)
SAME = "SELECT * EXCLUDE (file, line, order_hint) FROM steps"


def test_agent_run_stored_before_its_tool_call(tmp_path) -> None:  # type: ignore[no-untyped-def]
    spans = run("a6" * 16, tool_error=True)
    one, first, second = (tmp_path / f"{n}.otlp.json" for n in ("one", "a", "b"))
    one.write_text(json.dumps(export([spans])))
    first.write_text(json.dumps(export([spans[7:]])))  # (span 8, the researcher's run, and on)
    second.write_text(
        json.dumps(export([spans[:7]]))
    )  # (span 7, the planner's call of the researcher, and before)
    whole, split = wb.open(), wb.open()
    whole.ingest(one, progress=False)
    for path in (first, second):
        split.ingest(path, progress=False)
    rows = split.sql(
        "SELECT step_id, kind, agent FROM steps WHERE step_id IN (?, ?)", params=[f"{8:016x}", f"{11:016x}"]
    ).fetchall()
    assert sorted(rows) == [(f"{8:016x}", "agent", "researcher"), (f"{11:016x}", "tool", "researcher")]
    a = whole.sql(SAME).fetchall()
    b = split.sql(SAME).fetchall()
    assert sorted(a, key=repr) == sorted(b, key=repr)
    runs = "SELECT * FROM runs"
    assert whole.sql(runs).fetchall() == split.sql(runs).fetchall()


def test_agent_run_and_its_tool_call_merged_from_an_export(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The same split between a store (the planner's call) and an export of another (the researcher's run, an unnamed
    chain step there): the merge names the run (export_rules' runs, haystack_stored.sql's section export); the same
    export merged again is no conflict (its unnamed copy read with what the rule wrote: export_rules.sql)."""
    spans = run("a7" * 16)
    ours, theirs = tmp_path / "a.otlp.json", tmp_path / "b.otlp.json"
    ours.write_text(json.dumps(export([spans[:7]])))
    theirs.write_text(json.dumps(export([spans[7:]])))
    other = wb.open()
    other.ingest(theirs, progress=False)
    folder = other.export(tmp_path / "export")
    ws = wb.open()
    ws.ingest(ours, progress=False)
    for _ in range(2):
        report = ws.ingest(folder, progress=False)
        assert report.quarantined == 0
        rows = ws.sql(
            "SELECT step_id, kind, agent FROM steps WHERE step_id IN (?, ?)",
            params=[f"{8:016x}", f"{11:016x}"],
        ).fetchall()
        assert sorted(rows) == [(f"{8:016x}", "agent", "researcher"), (f"{11:016x}", "tool", "researcher")]

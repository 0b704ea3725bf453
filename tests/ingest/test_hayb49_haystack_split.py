"""Haystack's own tracing split the other way round: the researcher's ``haystack.agent.run`` (and the steps under it)
stored apart from, and before, the planner's tool call above it: by an earlier ingest call, or in another store whose
export is merged. The run is the agent the tool is named after, as one call of both reads it (store/sql/
haystack_stored.sql: in the ingest's merge before its walk down, in an export's merge among its rules). Before, it
stayed an unnamed chain step and the researcher's steps acted for the planner."""

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
    whole, split, merged = wb.open(), wb.open(), wb.open()
    whole.ingest(one, progress=False)
    split.ingest(first, progress=False)
    folder = split.export(tmp_path / "export")  # (the researcher's run alone: an unnamed chain step there)
    split.ingest(second, progress=False)
    merged.ingest(second, progress=False)
    for _ in range(2):  # (the same export merged again is no conflict: export_rules.sql's given_again)
        assert merged.ingest(folder, progress=False).quarantined == 0
    for ws in (split, merged):
        rows = ws.sql(
            "SELECT step_id, kind, agent FROM steps WHERE step_id IN (?, ?)",
            params=[f"{8:016x}", f"{11:016x}"],
        ).fetchall()
        assert sorted(rows) == [(f"{8:016x}", "agent", "researcher"), (f"{11:016x}", "tool", "researcher")]
    # the ingest calls' store is the one call's, step for step and run for run
    assert sorted(whole.sql(SAME).fetchall(), key=repr) == sorted(split.sql(SAME).fetchall(), key=repr)
    assert whole.sql("SELECT * FROM runs").fetchall() == split.sql("SELECT * FROM runs").fetchall()

"""An ingest into a store on disk runs within a memory budget of its own (DuckDB's memory_limit, the database's
setting) and then sets back the limit it found: one the user SET on ``ws.con`` themselves is kept.

On 2bd4437 the ingest's ``RESET memory_limit`` put back DuckDB's default (80% of the machine's memory): after one
ingest the user's cap was gone. DuckDB shows the setting cut to one decimal, so it is set back in bytes, to the
least value shown so (set back from its text, 4GB became 3.7, 3.6, 3.5 GiB ... one ingest after another)."""

from __future__ import annotations

from pathlib import Path

import pytest

import workbench as wb


def _shown(ws: wb.Workspace) -> str:
    return ws.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]


@pytest.mark.parametrize("limit", ["4GB", "2GiB"])
def test_an_ingest_keeps_the_memory_limit_a_user_set_on_the_connection(tmp_path: Path, limit: str) -> None:
    ws = wb.open(tmp_path / "store.duckdb")
    ws.con.execute("SET memory_limit = ?", [limit])
    mine = _shown(ws)
    for k in range(2):  # (and again: a limit set back as shown would lose a tenth each time)
        ws.ingest([{"run_id": f"r{k}", "step_id": "s1", "agent": "planner", "kind": "llm"}], progress=False)
        assert _shown(ws) == mine
    assert ws.count("steps") == 2


def test_an_ingest_leaves_duckdbs_default_limit_as_it_was(tmp_path: Path) -> None:
    ws = wb.open(tmp_path / "store.duckdb")
    default = _shown(ws)
    ws.ingest([{"run_id": "r", "step_id": "s1", "agent": "planner", "kind": "llm"}], progress=False)
    assert _shown(ws) == default
    ws.con.execute("RESET memory_limit")
    assert _shown(ws) == default

"""The tool steps the ingest reads out of model calls' messages are told by ``derived_tools`` (a table the store
writes), not by the ``workbench.tool_call_from`` key of their attributes, which a log may hold too (attack45's
marker case, tests/test_attack45_split_rules.py). Here: the table holds exactly the made-up steps of a real
CrewAI-through-OpenLLMetry trace, a snapshot keeps them, and a store of schema 3 (which had no table) gets them
from the marker when it is opened (migration 4)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import workbench as wb
from workbench.store._snapshot import snapshot_to_memory

TRACE = Path(__file__).parent / "ingest" / "fixtures" / "crewai" / "openllmetry_tool_error.otlp.jsonl"
MADE_UP = (
    "SELECT run_id, step_id FROM steps WHERE kind = 'tool' "
    "AND contains(attributes::VARCHAR, '\"workbench.tool_call_from\"') ORDER BY ALL"
)
KEPT = "SELECT run_id, step_id FROM derived_tools ORDER BY ALL"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("derived") / "store.duckdb"
    with wb.open(path) as ws:
        ws.ingest(TRACE, progress=False)
    return path


def test_the_made_up_tool_steps_are_kept_and_a_snapshot_copies_them(store: Path) -> None:
    with wb.open(store, read_only=True) as ws:
        made_up = ws.sql(MADE_UP).fetchall()
        assert made_up  # (the trace traces no tool: its calls are read out of the messages)
        assert ws.sql(KEPT).fetchall() == made_up
        copy = snapshot_to_memory(ws.con)
    try:
        assert copy.execute(KEPT).fetchall() == made_up
    finally:
        copy.close()


def test_a_store_of_schema_3_gets_them_from_the_marker(store: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.duckdb"
    old.write_bytes(store.read_bytes())
    con = duckdb.connect(str(old))
    con.execute("DROP TABLE derived_tools")
    con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    con.close()
    with wb.open(old) as ws:
        assert ws.sql(KEPT).fetchall() == ws.sql(MADE_UP).fetchall() != []

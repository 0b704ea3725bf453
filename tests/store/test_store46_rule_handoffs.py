"""``rule_handoffs``, the store's record of which hand-offs' targets the ingest's rule named (store46, for a trace
split over calls: tests/test_attack45_split_rules.py): a store written before it existed (schema version 4 as
main 815dd15 wrote it, no such table) gains it when opened for writing, and its split hand-offs are named again; a
snapshot keeps it."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb
from workbench.store._connection import ensure_schema
from workbench.store._snapshot import snapshot_to_memory


def _log(path: Path, steps: list[tuple[str, str, str, int, int]]) -> Path:
    records = [
        {
            "run_id": "r1",
            "step_id": sid,
            "parent_id": None if sid == "s0" else "s0",
            "agent": agent,
            "kind": kind,
            "started_at": f"2026-01-05T10:00:{start:02d}Z",
            "ended_at": f"2026-01-05T10:00:{end:02d}Z",
        }
        for sid, kind, agent, start, end in steps
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_a_store_from_before_the_table_gains_it_and_a_snapshot_keeps_it(tmp_path: Path) -> None:
    first = _log(tmp_path / "a.jsonl", [("s0", "agent", "boss", 0, 30), ("h1", "handoff", "boss", 1, 2)])
    later = _log(tmp_path / "b.jsonl", [("x", "agent", "xavier", 5, 6)])
    earlier = _log(tmp_path / "c.jsonl", [("y", "agent", "yolanda", 3, 20)])
    with wb.open() as ws:
        ws.ingest(first, progress=False)
        ws.con.execute("DROP TABLE rule_handoffs")  # (as 815dd15 left a store: schema 4, no rule_handoffs)
        ensure_schema(ws.con)  # (what wb.open(path) does to a store it opens for writing)
        for path in (later, earlier):
            ws.ingest(path, progress=False)
        assert ws.sql("SELECT output FROM steps WHERE step_id = 'h1'").fetchall() == [("yolanda",)]
        copy = snapshot_to_memory(ws.con)
    try:
        assert copy.execute("SELECT run_id, step_id FROM rule_handoffs").fetchall() == [("r1", "h1")]
    finally:
        copy.close()

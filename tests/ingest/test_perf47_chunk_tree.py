"""A chunked merge of new runs only (finalize.sql's new_steps) does not read back, in each chunk, the rows its
earlier chunks inserted (finalize_tree.sql's chunk section): they are of other runs, and at 5M spans re-reading them
grew each chunk's tree from 0.18 to 0.35 CPU s (perf47). Checked by the plan, not by a time: the stored branch is
planned away; and the store is the one a single chunk makes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest import _driver

T0 = 1_700_000_000_000_000_000


def _trace(t: int) -> str:
    spans = [
        {
            "traceId": f"{t:032x}",
            "spanId": f"{t * 100 + i:016x}",
            "parentSpanId": "" if i == 0 else f"{t * 100 + i - 1:016x}",
            "name": f"step {i}",
            "startTimeUnixNano": str(T0 + i * 1000),
            "endTimeUnixNano": str(T0 + i * 1000 + 500),
            "attributes": [{"key": "gen_ai.agent.name", "value": {"stringValue": "lead"}}]
            if i == 0
            else [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}}],
            "status": {"code": 1},
        }
        for i in range(5)
    ]
    return json.dumps(
        {
            "resourceSpans": [
                {
                    "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]},
                    "scopeSpans": [{"scope": {"name": "t"}, "spans": spans}],
                }
            ]
        }
    )


def _steps(ws: wb.Workspace) -> list[tuple]:
    return ws.sql(
        "SELECT run_id, step_id, parent_id, seq, depth, agent, agent_own, kind, status FROM steps "
        "ORDER BY run_id, step_id"
    ).fetchall()


def test_a_chunk_of_new_runs_reads_no_earlier_chunk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(_trace(t) for t in range(1, 9)) + "\n")
    with wb.open(tmp_path / "one.duckdb") as ws:
        ws.ingest(path)
        want = _steps(ws)
    plans: list[str] = []
    real_timed = _driver._timed

    def timed(con, stmt: str) -> None:  # noqa: ANN001
        if stmt.startswith("CREATE OR REPLACE TEMP TABLE tree_rows AS") and "chunk_runs" in stmt:
            query = stmt.removeprefix("CREATE OR REPLACE TEMP TABLE tree_rows AS")
            plans.append("\n".join(str(r[1]) for r in con.execute("EXPLAIN " + query).fetchall()))
        real_timed(con, stmt)

    # (a store big enough for new_steps, chunks of two runs)
    monkeypatch.setattr(_driver, "SMALL_STORE_STEPS", 0)
    monkeypatch.setattr(_driver, "MERGE_CHUNK_STEPS", 10)
    monkeypatch.setattr(_driver, "_timed", timed)
    with wb.open(tmp_path / "chunked.duckdb") as ws:
        report = ws.ingest(path)
        assert report.added == 40 and _steps(ws) == want
    assert len(plans) >= 4
    assert all("steps" not in p.replace("stage_", "") for p in plans), plans[-1]

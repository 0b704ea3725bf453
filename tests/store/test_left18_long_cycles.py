"""Parent cycles of any length, and chains of any depth under one (left18). The merge's walk up from the steps
the walk down did not reach was bounded at 512 steps: a cycle longer than 512 was never seen to come back, so
its steps were stored; a step more than 512 below a cycle got depth 512 and no agent from above."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb


def _step(i: str, parent: str | None, agent: str | None = None) -> dict:
    rec = {
        "record": "step",
        "run_id": "r1",
        "step_id": i,
        "parent_id": parent,
        "kind": "llm",
        "started_at": "2026-01-05T10:00:00Z",
    }
    if agent:
        rec.update(kind="agent", agent=agent)
    return rec


def _write(path: Path, recs: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    return path


def test_a_600_step_cycle_is_found_and_quarantined(tmp_path: Path) -> None:
    n = 600
    recs = [_step("root", None, "planner")] + [_step(f"c{i}", f"c{(i + 1) % n}") for i in range(n)]
    ws = wb.open()
    rep = ws.ingest(_write(tmp_path / "cycle.jsonl", recs))
    assert (rep.read, rep.stored, rep.quarantined) == (n + 1, 1, n)
    reasons = ws.sql(
        "SELECT DISTINCT regexp_replace(reason, 'step c[0-9]+', 'step c') FROM quarantine"
    ).fetchall()
    assert reasons == [("parent cycle: step c is its own ancestor in run r1",)]


def test_a_700_step_chain_under_a_cycle_keeps_depth_and_agent(tmp_path: Path) -> None:
    n = 700
    recs = [_step("x", "y"), _step("y", "x"), _step("s0", "x", "worker")]
    recs += [_step(f"s{i}", f"s{i - 1}") for i in range(1, n)]
    ws = wb.open()
    rep = ws.ingest(_write(tmp_path / "under.jsonl", recs))
    assert (rep.read, rep.stored, rep.quarantined) == (n + 2, n, 2)
    rows = ws.sql("SELECT step_id, depth, agent FROM steps").fetchall()
    assert {s: d for s, d, _ in rows} == {f"s{i}": i for i in range(n)}
    assert {a for _, _, a in rows} == {"worker"}

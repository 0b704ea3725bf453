"""Threads writing through one Workspace (a notebook's background ingest beside the user's own): two ingests at once
raced on ``ws.con`` (DuckDB's "connection is busy", an IndexError) or conflicted at COMMIT, and the same file given by
two threads at once failed on a duplicate key instead of adding nothing the second time. Writes through one
workspace now take turns."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import workbench as wb


def _log(tmp_path: Path, name: str, runs: int = 8) -> Path:
    lines = []
    for r in range(runs):
        run = f"{name}-{r}"
        lines.append({"record": "run", "run_id": run, "outcome": "success" if r % 3 else "failure"})
        for s in range(4):
            lines.append(
                {
                    "record": "step",
                    "run_id": run,
                    "step_id": f"s{s}",
                    "parent_id": "s0" if s else None,
                    "agent": ["planner", "searcher", "writer", "planner"][s],
                    "kind": "llm",
                    "started_at": f"2026-01-05T10:{r:02d}:0{s}Z",
                    "ended_at": f"2026-01-05T10:{r:02d}:0{s}.5Z",
                }
            )
    path = tmp_path / f"{name}.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    return path


def _ingest_at_once(ws: wb.Workspace, paths: list[Path]) -> list[object]:
    results: list[object] = [None] * len(paths)
    start = threading.Barrier(len(paths))

    def go(i: int) -> None:
        start.wait()
        try:
            results[i] = ws.ingest(paths[i], progress=False)
        except Exception as exc:  # noqa: BLE001 (what a thread met is the test's finding)
            results[i] = exc

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(paths))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _rows(ws: wb.Workspace) -> dict[str, list]:
    return {t: sorted(map(repr, ws.sql(f"SELECT * FROM {t}").fetchall())) for t in ("runs", "steps", "edges")}


def test_different_files_and_the_same_file_ingested_at_once_are_all_stored_once(tmp_path: Path) -> None:
    # Four threads at once: three files, the first of them given by two threads (the same file by four threads at
    # once was a test of its own, test_the_same_file_ingested_by_four_threads_at_once_is_stored_once: its four
    # ingests and its reference store cost 2 CPU s for what the two threads giving "a" here show).
    logs = [_log(tmp_path, name) for name in ("a", "b", "c")]
    ws = wb.open(tmp_path / "store.duckdb")
    results = _ingest_at_once(ws, [*logs, logs[0]])
    assert not [r for r in results if isinstance(r, Exception)], results
    # each reads and stores its 32 steps; of the two giving "a", the first adds them and the other nothing
    assert [r.stored for r in results] == [32] * 4
    assert sorted(r.added for r in (results[0], results[3])) == [0, 32], results
    assert ws.sql("SELECT count(*) FROM steps").fetchall() == [(96,)]
    one = wb.open()
    one.ingest(logs, progress=False)
    assert _rows(ws) == _rows(one)

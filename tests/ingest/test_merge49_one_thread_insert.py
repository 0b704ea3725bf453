"""A chunked merge appends each chunk's steps and parent edges on one thread (finalize_insert.sql's steps and edges
sections, _driver._ONE_THREAD). On two threads every chunk's INSERT left part-filled row groups, each thread's last,
which the store's checkpoint at the end of a large call then merged with their neighbours, rewriting them (DuckDB's
vacuum: 0.04-0.67 CPU s after 1M generated OTLP spans, 2.87 after 5M, merge49's notes). On one thread the call's
appends fill each row group before the next. The row groups only come out part-filled past one row group's rows a
chunk (122,880: a unit test's chunks are scanned by one thread either way), so this checks the setting each INSERT
ran with, that the user's setting is back after, and that the store is the one a single chunk makes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest import _driver

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_perf47_chunk_tree import _steps, _trace  # noqa: E402


def test_a_chunked_merge_appends_on_one_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(_trace(t) for t in range(1, 9)) + "\n")
    seen: list[tuple[str, int]] = []
    real_timed = _driver._timed

    def timed(con, stmt: str) -> None:  # noqa: ANN001
        if stmt.startswith(
            ("INSERT INTO steps", "INSERT INTO edges", "CREATE OR REPLACE TEMP TABLE resolved")
        ):
            seen.append((stmt[:30], int(con.execute("SELECT current_setting('threads')").fetchall()[0][0])))
        real_timed(con, stmt)

    monkeypatch.setattr(_driver, "_timed", timed)
    with wb.open(tmp_path / "one.duckdb") as ws:
        ws.sql("SET threads = 3")
        ws.ingest(path)
        want = _steps(ws), ws.sql("SELECT * FROM edges ORDER BY ALL").fetchall()
        # (fixed52: a small call runs on one thread whole, _driver.SMALL_CALL_BYTES; the user's setting put back)
        assert ws.sql("SELECT current_setting('threads')").fetchall()[0][0] == 3, (
            "a small call's threads not back"
        )
    assert seen and {n for _, n in seen} == {1}, f"a small call's merge not on one thread: {seen}"
    seen.clear()
    monkeypatch.setattr(_driver, "SMALL_CALL_BYTES", 0)  # (a chunked merge is a large call's: not small)
    monkeypatch.setattr(_driver, "MERGE_CHUNK_STEPS", 10)  # (chunks of two runs)
    with wb.open(tmp_path / "chunked.duckdb") as ws:
        ws.sql("SET threads = 3")  # (a user's own setting, put back after)
        report = ws.ingest(path)
        assert report.added == 40
        assert (_steps(ws), ws.sql("SELECT * FROM edges ORDER BY ALL").fetchall()) == want
        assert ws.sql("SELECT current_setting('threads')").fetchall()[0][0] == 3
    inserts = [n for s, n in seen if s.startswith("INSERT")]
    assert len(inserts) >= 8 and set(inserts) == {1}, seen
    # (the rest of a chunk keeps the user's threads: only the appends are on one)
    assert {n for s, n in seen if not s.startswith("INSERT")} == {3}, seen

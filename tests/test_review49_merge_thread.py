"""review49: a chunked merge's one-thread INSERT (_driver._sections(serial=), _one_thread.one_thread) puts the
user's thread setting back when the INSERT fails. The merge runs in a transaction: after a failed statement DuckDB
takes no SET on that connection ("Current transaction is aborted"), so the restore in one_thread's finally raised
over the statement's own error (an OutOfMemoryException the driver retries with more memory was lost under a
TransactionException) and left the instance on one thread for the rest of the session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import workbench as wb
from workbench.exceptions import IngestError
from workbench.ingest import _driver

sys.path.insert(0, str(Path(__file__).resolve().parent / "ingest"))
from test_perf47_chunk_tree import _trace  # noqa: E402


def test_a_failed_one_thread_insert_keeps_its_error_and_the_users_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(_trace(t) for t in range(1, 5)) + "\n")
    real_timed = _driver._timed

    def timed(con, stmt: str) -> None:  # noqa: ANN001
        if stmt.startswith("INSERT INTO steps"):  # (a real failure: it aborts the merge's transaction)
            con.execute("SELECT error('review49: the append failed')")
        real_timed(con, stmt)

    monkeypatch.setattr(_driver, "MERGE_CHUNK_STEPS", 10)  # (chunked: the appends on one thread)
    # (a chunked merge is a large call's: a small one runs on one thread whole, and its INSERT's would be no switch)
    monkeypatch.setattr(_driver, "SMALL_CALL_BYTES", 0)
    monkeypatch.setattr(_driver, "_timed", timed)
    with wb.open(tmp_path / "s.duckdb") as ws:
        ws.sql("SET threads = 3")
        with pytest.raises(IngestError, match="the append failed") as info:
            ws.ingest(path)
        assert "aborted" not in str(info.value)
        assert ws.sql("SELECT current_setting('threads')").fetchall()[0][0] == 3
        assert ws.sql("SELECT count(*) FROM steps").fetchall()[0][0] == 0

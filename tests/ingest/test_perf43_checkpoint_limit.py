"""A large call's checkpoint after its commit runs within the limit its merge was given, not a larger one.

An OTLP-only call merges within OTLP_MERGE_MEMORY (192MB); its checkpoint ran at MERGE_MEMORY (400MB), filled the
larger pool and set the call's peak: 5M SDK-written spans 388 -> 551 MB, against 379 MB through the whole call at
the merge's limit (_checkpoint.py). A merge that ran out and ran again within MERGE_RETRY_MEMORY checkpoints
within the first limit still, and a native call within MERGE_MEMORY as before (test_driver_memory.py). A limit
DuckDB cannot set leaves the checkpoint to DuckDB, as a failed checkpoint does: the rows are committed.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from test_otlp24_memory import _limit_of, _write_traces

import workbench as wb
from workbench.ingest import _checkpoint, _driver


@pytest.fixture
def checkpoint_limits(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The memory limit each call's checkpoint is asked to run within (every call of a step or more)."""
    seen: list[str] = []
    real = _checkpoint.checkpoint_within

    def spy(con: duckdb.DuckDBPyConnection, limit: str, added: int) -> None:
        seen.append(_limit_of(limit))
        real(con, limit, added)

    monkeypatch.setattr(_driver, "checkpoint_within", spy)
    monkeypatch.setattr(_checkpoint, "CHECKPOINT_STEPS", 1)
    return seen


def test_an_otlp_call_checkpoints_within_its_merge_limit(
    tmp_path: Path, checkpoint_limits: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "traces.jsonl"
    n = _write_traces(path, 50)
    with wb.open(tmp_path / "small.duckdb") as ws:
        assert ws.ingest(path, format="otlp", progress=False).added == n
    monkeypatch.setattr(_driver, "OTLP_SMALL_MERGE_BYTES", path.stat().st_size)  # (the file is now "big")
    with wb.open(tmp_path / "big.duckdb") as ws:
        assert ws.ingest(path, format="otlp", progress=False).added == n
        assert ws.sql("SELECT count(*) FROM steps").fetchall() == [(n,)]
    assert checkpoint_limits == [
        _limit_of(_driver.OTLP_SMALL_MERGE_MEMORY),
        _limit_of(_driver.OTLP_MERGE_MEMORY),
    ]
    assert _limit_of(_driver.OTLP_MERGE_MEMORY) != _limit_of(_driver.MERGE_MEMORY)


def test_after_a_merge_ran_again_the_checkpoint_keeps_the_first_limit(
    tmp_path: Path, checkpoint_limits: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "traces.jsonl"
    n = _write_traces(path, 50)
    tries: list[str] = []
    real = _driver._timed

    def timed(con: duckdb.DuckDBPyConnection, stmt: str) -> None:
        if stmt.startswith("INSERT INTO steps"):
            tries.append(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
            if len(tries) == 1:
                raise duckdb.OutOfMemoryException("Out of Memory Error: injected by the test")
        real(con, stmt)

    monkeypatch.setattr(_driver, "_timed", timed)
    with wb.open(tmp_path / "store.duckdb") as ws:
        assert ws.ingest(path, format="otlp", progress=False).added == n
        assert ws.sql("SELECT count(*) FROM steps").fetchall() == [(n,)]
    assert tries == [_limit_of(_driver.OTLP_SMALL_MERGE_MEMORY), _limit_of(_driver.MERGE_RETRY_MEMORY)]
    assert checkpoint_limits == [_limit_of(_driver.OTLP_SMALL_MERGE_MEMORY)]


def test_a_limit_that_cannot_be_set_leaves_the_checkpoint_to_duckdb(
    tmp_path: Path, checkpoint_limits: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "traces.jsonl"
    n = _write_traces(path, 50)
    # (a limit no merge fits in, nor the store's buffers after it: the rows are committed, the call reports them)
    monkeypatch.setattr(_driver, "OTLP_SMALL_MERGE_MEMORY", "1MB")
    with wb.open(tmp_path / "store.duckdb") as ws:
        report = ws.ingest(path, format="otlp", progress=False)
        assert (report.added, report.quarantined) == (n, 0)
        assert ws.sql("SELECT count(*) FROM steps").fetchall() == [(n,)]
    with wb.open(tmp_path / "store.duckdb", read_only=True) as ws:
        assert ws.sql("SELECT count(*) FROM steps").fetchall() == [(n,)]

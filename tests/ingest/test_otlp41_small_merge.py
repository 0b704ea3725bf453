"""An OTLP-only call of a small input merges within OTLP_SMALL_MERGE_MEMORY, a bigger one within OTLP_MERGE_MEMORY.

A 100k-span file's peak RSS was its merge's (the rows appended to the store held up to the limit until the
commit); the smaller limit writes them out sooner (figures in _driver). What a call stores must not depend on
the limit: the same file gives the same rows either way, and a merge that runs out of the small limit runs again
within MERGE_RETRY_MEMORY, losing nothing.
"""
# ruff: noqa: F811  (merge_limits: the fixture imported from test_otlp24_memory, taken as the tests' argument)

from __future__ import annotations

import gzip
from pathlib import Path

import duckdb
import pytest
from test_otlp24_memory import TRACES, _limit_of, _write_traces, merge_limits  # noqa: F401 (the fixture, shared)

import workbench as wb
from workbench.ingest import _driver

_TABLES = ("steps", "edges", "runs", "quarantine")


def _rows(db: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            t: con.execute(f"SELECT * EXCLUDE (ingested_at) FROM {t} ORDER BY ALL").fetchall()
            if "ingested_at" in [c[0] for c in con.execute(f"DESCRIBE {t}").fetchall()]
            else con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
            for t in _TABLES
        }
    finally:
        con.close()


def test_a_small_otlp_file_merges_within_the_small_limit_and_out_of_it_runs_again_keeping_every_row(
    tmp_path: Path, merge_limits: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "traces.jsonl"
    n = _write_traces(path, TRACES)
    small_bytes = _driver.OTLP_SMALL_MERGE_BYTES
    with wb.open(tmp_path / "small.duckdb") as ws:
        report = ws.ingest(path, format="otlp", progress=False)
    monkeypatch.setattr(_driver, "OTLP_SMALL_MERGE_BYTES", path.stat().st_size)  # (the file is now "big")
    with wb.open(tmp_path / "big.duckdb") as ws:
        big = ws.ingest(path, format="otlp", progress=False)
    assert (report.stored, report.quarantined, big.stored) == (n, 0, n)
    assert merge_limits == [_limit_of(_driver.OTLP_SMALL_MERGE_MEMORY), _limit_of(_driver.OTLP_MERGE_MEMORY)]
    assert _limit_of(_driver.OTLP_SMALL_MERGE_MEMORY) != _limit_of(_driver.OTLP_MERGE_MEMORY)
    small_rows, big_rows = _rows(tmp_path / "small.duckdb"), _rows(tmp_path / "big.duckdb")
    assert len(small_rows["steps"]) == n
    assert small_rows == big_rows
    # a small file again, in a limit no merge fits in: the merge fails, its transaction rolls back, and it runs
    # again within the retry's, keeping every row the small store holds
    merge_limits.clear()
    monkeypatch.setattr(_driver, "OTLP_SMALL_MERGE_BYTES", small_bytes)
    monkeypatch.setattr(_driver, "OTLP_SMALL_MERGE_MEMORY", "1MB")
    with wb.open(tmp_path / "store.duckdb") as ws:
        report = ws.ingest(path, format="otlp", progress=False)
    assert (report.stored, report.quarantined) == (n, 0), "retry"
    assert merge_limits == [_limit_of("1MB"), _limit_of(_driver.MERGE_RETRY_MEMORY)], "retry"
    assert _rows(tmp_path / "store.duckdb") == small_rows, "retry"


def test_a_compressed_file_counts_as_its_decompressed_size(
    tmp_path: Path, merge_limits: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = tmp_path / "plain.jsonl"
    n = _write_traces(plain, TRACES)
    packed = tmp_path / "traces.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    # (bigger than the file as it lies on disk, smaller than it counts: _GZIP_RATIO times that)
    monkeypatch.setattr(_driver, "OTLP_SMALL_MERGE_BYTES", 2 * packed.stat().st_size)
    with wb.open(tmp_path / "store.duckdb") as ws:
        assert ws.ingest(packed, format="otlp", progress=False).stored == n
    assert merge_limits == [_limit_of(_driver.OTLP_MERGE_MEMORY)]

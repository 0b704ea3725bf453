"""Where a native JSONL ingest stages its steps: a temporary table for inputs up to
``_driver.NATIVE_TEMP_STAGE_BYTES`` (not the compressed stage database), with the same store either way."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import duckdb
import pytest
from _deep import deep
from test_native_fast import good_lines
from test_native_file import readable_odd_lines

import workbench as wb
from workbench.ingest import _driver

_TABLES = ("steps", "edges", "runs", "labels", "quarantine")


@pytest.fixture(autouse=True)
def _small_files_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """These small files past SMALL_STAGE_BYTES (under it a call of any format stages in a temporary table)."""
    monkeypatch.setattr(_driver, "SMALL_STAGE_BYTES", -1)


def _write(path: Path, gz: bool = False) -> Path:
    # good records, lines the Python reader gets (some quarantined), a broken line, and a step given twice
    # with other content (a conflict the merge quarantines)
    lines = [
        *good_lines(),
        *readable_odd_lines(),
        "{not json",
        good_lines()[3].replace('"boom"', '"other boom"'),
    ]
    text = ("\n".join(lines) + "\n").encode()
    path.write_bytes(gzip.compress(text) if gz else text)
    return path


def _stage_of_the_merge(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Record where stage_steps is when the merge starts (database, temporary)."""
    seen: list[tuple] = []
    real_timed = _driver._timed

    def timed(con: duckdb.DuckDBPyConnection, stmt: str) -> None:
        if not seen:
            seen.extend(
                con.execute(
                    "SELECT database_name, temporary FROM duckdb_tables() WHERE table_name = 'stage_steps'"
                ).fetchall()
            )
        real_timed(con, stmt)

    monkeypatch.setattr(_driver, "_timed", timed)
    return seen


def _dump(ws: wb.Workspace) -> dict:
    out = {}
    for t in _TABLES:
        cols = [
            c
            for (c,) in ws.sql(
                f"SELECT column_name FROM duckdb_columns() WHERE table_name = '{t}' "
                "AND database_name = current_database()"
            ).fetchall()
            if c not in ("created_at", "ingested_at", "file")
        ]
        out[t] = sorted(map(repr, ws.sql(f"SELECT {', '.join(cols)} FROM {t}").fetchall()))
    return out


# (gzipped with deep(): the limits here, all or nothing, leave the gzip ratio nothing to decide, and a gzipped
# native file's read is test_native_file's and test_native_fast's)
@pytest.mark.parametrize("gz", [False, True] if deep() else [False])
def test_a_small_native_input_stages_in_memory_and_stores_what_the_stage_database_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gz: bool
) -> None:
    path = _write(tmp_path / ("n.jsonl.gz" if gz else "n.jsonl"), gz)
    monkeypatch.setattr(_driver, "_COMPRESSED_STAGE", True)
    dumps, reports = [], []
    for limit in (1 << 30, 0):  # in memory, then (past the limit) in the compressed stage database
        monkeypatch.setattr(_driver, "NATIVE_TEMP_STAGE_BYTES", limit)
        seen = _stage_of_the_merge(monkeypatch)
        with wb.open(tmp_path / f"s{limit}.duckdb") as ws:
            first = ws.ingest(path, format="native")
            again = ws.ingest(path, format="native")
            assert first.read == first.stored + first.quarantined and first.quarantined >= 2
            assert again.added == 0
            dumps.append(_dump(ws))
            reports.append((first.read, first.stored, first.quarantined, first.added, first.errors))
        assert len(seen) == 1
        if limit:
            assert seen[0][1], "a small native input stages its steps in a temporary table"
        else:
            assert seen[0][0].startswith("wb_stage_") and not seen[0][1]
    assert dumps[0] == dumps[1]
    assert reports[0] == reports[1]


def test_native_mixed_with_another_format_keeps_the_stage_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_stage_db import _write as write_otlp

    native = _write(tmp_path / "n.jsonl")
    otlp = tmp_path / "t.otlp.jsonl"
    write_otlp(otlp)
    monkeypatch.setattr(_driver, "_COMPRESSED_STAGE", True)
    seen = _stage_of_the_merge(monkeypatch)
    with wb.open(tmp_path / "s.duckdb") as ws:
        report = ws.ingest([native, otlp])
        assert report.read == report.stored + report.quarantined
    assert len(seen) == 1 and seen[0][0].startswith("wb_stage_") and not seen[0][1]


def test_a_native_file_the_block_path_reads_keeps_the_stage_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (OpenAI-shaped log-probabilities, 40 tokens with 5 alternatives: the head sends the file to the block path)
    tokens = [
        {
            "token": f"t{j}",
            "logprob": -0.1,
            "top_logprobs": [{"token": "u", "logprob": -0.1 - m} for m in range(5)],
        }
        for j in range(40)
    ]
    path = tmp_path / "lp.jsonl"
    path.write_text(
        "".join(
            json.dumps({"record": "step", "run_id": "r1", "step_id": f"s{i}", "seq": i, "logprobs": tokens})
            + "\n"
            for i in range(20)
        )
    )
    monkeypatch.setattr(_driver, "_COMPRESSED_STAGE", True)
    seen = _stage_of_the_merge(monkeypatch)
    with wb.open(tmp_path / "s.duckdb") as ws:
        report = ws.ingest(path, format="native")
        assert (report.stored, report.quarantined) == (20, 0)
    assert len(seen) == 1 and seen[0][0].startswith("wb_stage_") and not seen[0][1]

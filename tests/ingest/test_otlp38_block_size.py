"""A small OTLP file is read in smaller blocks (issue 11: its peak memory is one block's mapping), a gzip file
counted as the driver counts it; the rows staged are the same whatever the block size, and the Python path's."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from test_otlp_fast import kv, line, snapshot, span

from workbench.ingest import _otlp_sql
from workbench.ingest._driver import _GZIP_RATIO


def _write(path: Path, traces: int) -> Path:
    text = (
        "\n".join(
            line(
                span(
                    1,
                    kv("gen_ai.operation.name", "invoke_agent"),
                    kv("gen_ai.agent.name", "planner"),
                    trace=f"{t:032x}",
                ),
                span(
                    2,
                    kv("gen_ai.operation.name", "chat"),
                    kv("gen_ai.usage.input_tokens", t),
                    trace=f"{t:032x}",
                    parent=f"{1:016x}",
                ),
            )
            for t in range(1, traces + 1)
        )
        + "\n"
    )
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def sizes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The block sizes the SQL path asks for, with a small file under 40 KB read in 2 KB blocks (8 KB otherwise)."""
    monkeypatch.setattr(_otlp_sql, "_SMALL_FILE_BYTES", 40 * 1024)
    monkeypatch.setattr(_otlp_sql, "_SMALL_BLOCK_BYTES", 2 * 1024)
    monkeypatch.setattr(_otlp_sql, "_BATCH_BYTES", 8 * 1024)
    asked: list[int] = []
    real = _otlp_sql.blocks

    def blocks(path, stage, block_bytes, slow, ahead):  # noqa: ANN001, ANN202
        asked.append(block_bytes)
        return real(path, stage, block_bytes, slow, ahead)

    monkeypatch.setattr(_otlp_sql, "blocks", blocks)
    return asked


def test_a_small_file_is_read_in_small_blocks_as_the_python_path_reads_it(
    tmp_path: Path, sizes: list[int]
) -> None:
    small = _write(tmp_path / "small.jsonl", 40)
    assert 8 * 1024 < small.stat().st_size < 40 * 1024
    fast = snapshot(small, True)
    assert sizes == [2 * 1024]
    assert fast == snapshot(small, False) and fast[3] == 80


def test_a_big_file_keeps_the_big_blocks_and_stages_what_small_blocks_stage(
    tmp_path: Path, sizes: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    big = _write(tmp_path / "big.jsonl", 160)
    assert big.stat().st_size > 40 * 1024
    fast = snapshot(big, True)
    monkeypatch.setattr(_otlp_sql, "_SMALL_FILE_BYTES", 1024 * 1024)
    assert snapshot(big, True) == fast and fast[3] == 320
    assert sizes == [8 * 1024, 2 * 1024]


def test_a_gzip_file_counts_as_the_driver_counts_it(tmp_path: Path, sizes: list[int]) -> None:
    packed = _write(tmp_path / "packed.jsonl.gz", 600)
    assert packed.stat().st_size < 40 * 1024 < packed.stat().st_size * _GZIP_RATIO
    assert snapshot(packed, True)[3] == 1200
    assert sizes == [8 * 1024]

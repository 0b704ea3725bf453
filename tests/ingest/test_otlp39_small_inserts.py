"""A small OTLP file's mapped blocks go into stage_steps one at a time (issue 11: held for one big INSERT they
were its peak memory), a big file's several at a time; the rows staged are the same either way, and the
Python path's."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_otlp_fast import kv, line, snapshot, span

from workbench.ingest import _jsonio, _otlp_sql


def _write(path: Path, traces: int) -> Path:
    # (a duplicate span and a line for the Python reader, so the hand-back and the merge's order count too)
    lines = [
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
    ]
    lines[5] = line(span(2, kv("gen_ai.usage.input_tokens", -3), trace=f"{6:032x}", parent=f"{1:016x}"))
    lines[9] = lines[3]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def inserts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many mapped blocks each INSERT into stage_steps takes, a file under 40 KB read as a small one."""
    monkeypatch.setattr(
        _jsonio, "_CHUNK", 1024
    )  # (the file read 1 KB at a time: blocks of 2 KB, not one read's)
    monkeypatch.setattr(_otlp_sql, "_SMALL_FILE_BYTES", 40 * 1024)
    monkeypatch.setattr(_otlp_sql, "_SMALL_BLOCK_BYTES", 2 * 1024)
    monkeypatch.setattr(_otlp_sql, "_BATCH_BYTES", 2 * 1024)
    monkeypatch.setattr(_otlp_sql, "_INSERT_ROWS", 10_000)
    taken: list[int] = []
    real = _otlp_sql._insert

    def counted(con, ctx, tables, runs):  # noqa: ANN001, ANN202
        if tables:
            taken.append(len(tables))
        return real(con, ctx, tables, runs)

    monkeypatch.setattr(_otlp_sql, "_insert", counted)
    return taken


def test_a_small_file_inserts_each_block_as_it_is_mapped_and_a_big_one_holds_them_for_one_insert(
    tmp_path: Path, inserts: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # (one file staged as a small one, then as a big one: the same rows either way)
    path = _write(tmp_path / "small.jsonl", 12)
    assert 2 * 1024 < path.stat().st_size < 40 * 1024
    small = snapshot(path, True)
    blocks = len(inserts)
    assert blocks > 3 and set(inserts) == {1}
    assert small == snapshot(path, False) and small[3] == 23
    inserts.clear()
    monkeypatch.setattr(_otlp_sql, "_SMALL_FILE_BYTES", 1024)
    assert snapshot(path, True) == small, "big"
    assert inserts == [blocks], "big"

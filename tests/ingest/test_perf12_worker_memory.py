"""Worker threads ended and started again between staging blocks and merge chunks, the thread count kept."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

import workbench as wb
from workbench.ingest import _driver, _jsonio, _otlp_sql
from workbench.ingest._stage_memory import release_worker_memory


def _otlp_line(trace: int, spans: int) -> str:
    def span(i: int) -> dict:
        return {"traceId": f"{trace:032x}", "spanId": f"{trace * 100 + i + 1:016x}",
                "parentSpanId": "" if i == 0 else f"{trace * 100 + 1:016x}", "name": f"chat {i}",
                "startTimeUnixNano": str(1_767_225_600_000_000_000 + i), "endTimeUnixNano": str(1_767_225_600_000_000_900 + i),
                "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}}], "status": {}}
    return json.dumps({"resourceSpans": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": "svc"}}]}, "scopeSpans": [
        {"scope": {"name": "t"}, "spans": [span(i) for i in range(spans)]}]}]})


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_release_keeps_the_thread_count(threads: int) -> None:
    con = duckdb.connect(config={"threads": threads})
    release_worker_memory(con)
    assert con.execute("SELECT current_setting('threads')").fetchall()[0][0] == threads
    assert con.execute("SELECT 42").fetchall() == [(42,)]


def test_otlp_ingest_releases_between_blocks_and_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "spans.jsonl"
    path.write_text("".join(_otlp_line(t, 5) + "\n" for t in range(1, 41)))
    calls = {"stage": 0, "driver": 0}

    def counted(where: str):  # noqa: ANN202
        def release(con: duckdb.DuckDBPyConnection) -> None:
            calls[where] += 1
            release_worker_memory(con)
        return release

    monkeypatch.setattr(_otlp_sql, "release_worker_memory", counted("stage"))
    monkeypatch.setattr(_driver, "release_worker_memory", counted("driver"))
    monkeypatch.setattr(_jsonio, "_CHUNK", 4 * 1024)  # (the file is read a chunk at a time)
    monkeypatch.setattr(_otlp_sql, "_BATCH_BYTES", 8 * 1024)  # several blocks
    monkeypatch.setattr(_driver, "MERGE_CHUNK_STEPS", 50)  # several merge chunks
    with wb.open(tmp_path / "s.duckdb") as ws:
        ws.sql("SET threads = 3")
        report = ws.ingest(path, format="otlp", progress=False)
        assert report.stored == 200
        assert ws.sql("SELECT current_setting('threads')").fetchall()[0][0] == 3
    blocks = -(-path.stat().st_size // (8 * 1024))
    assert calls["stage"] >= blocks - 1 > 1  # once a block
    assert calls["driver"] >= 1 + 2  # after staging, then once a chunk of the merge

"""An adapter's own staging memory limit (``Adapter.stage_memory``): OTLP JSONL streams its blocks within less."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

import workbench as wb
from workbench import workspace
from workbench.ingest.native import NativeJsonl
from workbench.ingest.otlp import OtlpJson


def _limit(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]


def _as_shown(limit: str) -> str:
    con = duckdb.connect()
    con.execute("SET memory_limit = ?", [limit])
    return _limit(con)


def test_otlp_stages_within_its_own_limit_and_native_within_the_calls(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    otlp = tmp_path / "t.jsonl"
    otlp.write_text(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [{
        "traceId": "1" * 32, "spanId": "2" * 16, "name": "s", "startTimeUnixNano": "1700000000000000000"}]}]}]}) + "\n")
    native = tmp_path / "n.jsonl"
    native.write_text(json.dumps({"record": "step", "run_id": "r", "step_id": "a", "kind": "llm"}) + "\n")
    seen: dict[str, str] = {}
    for cls in (OtlpJson, NativeJsonl):
        real = cls.stage

        def stage(self, path: Path, stage, _real=real) -> None:  # noqa: ANN001
            seen[self.name] = _limit(stage.con)
            _real(self, path, stage)

        monkeypatch.setattr(cls, "stage", stage)
    monkeypatch.setattr(workspace, "INGEST_MEMORY", "700MB")
    with wb.open(tmp_path / "s.duckdb") as ws:
        before = _limit(ws.con)
        report = ws.ingest([otlp, native])
        assert report.stored == 2
        after = _limit(ws.con)
    assert seen["otlp"] == _as_shown("400MB") and seen["native"] == _as_shown("700MB")
    assert after == before

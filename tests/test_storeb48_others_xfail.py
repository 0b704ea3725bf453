"""storeb48: defects found in other helpers' files (strict xfails, both mended by the lead in round 48).

The OTLP reader (``ingest/_otlp_read.py``) read a ``*UnixNano`` time written in Arabic-Indic digits as a
time. ``str.isdigit`` and ``int`` take the digits of any script, so
``"١٧٦٧٦٠٧٢٠٠٠٠٠٠٠٠٠٠٠"`` was stored as 2026-01-05 10:00, where ``"abc"`` is a bad span named in the quarantine
("startTimeUnixNano is not a number") and ``iso_to_ns`` now refuses such digits in ISO text (storeb48). No clock
writes them: the span is quarantined as any other time that is no number."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb

_ARABIC = "".join(chr(0x0660 + int(c)) for c in "1767607200000000000")


def _span(i: int, start: str) -> dict:
    return {"traceId": "0" * 31 + "1", "spanId": f"{i:016x}", "name": "llm", "kind": 1, "startTimeUnixNano": start,
            "endTimeUnixNano": "1767607201000000000", "status": {},
            "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}}]}  # fmt: skip


def test_an_otlp_time_in_arabic_indic_digits_is_a_bad_span(tmp_path: Path) -> None:
    path = tmp_path / "spans.otlp.json"
    spans = [_span(1, "1767607200000000000"), _span(2, _ARABIC)]
    doc = {
        "resourceSpans": [
            {"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": "x"}, "spans": spans}]}
        ]
    }
    path.write_text(json.dumps(doc, ensure_ascii=False) + "\n", encoding="utf-8")
    with wb.open() as ws:
        ws.ingest(path, progress=False)
        assert ws.sql("SELECT step_id FROM steps").fetchall() == [("0000000000000001",)]
        ((reason,),) = ws.sql("SELECT reason FROM quarantine").fetchall()
        assert "startTimeUnixNano" in reason


def test_a_capture_spool_folder_under_home_is_the_home_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every other path the package takes expands a leading ``~`` (storeb48, ``_params.user_path``); the
    exporter's ``spool_dir`` made ``./~/spool`` in the working folder instead (mended by the lead, round 48)."""
    pytest.importorskip("opentelemetry.sdk")
    from workbench.capture import WorkspaceSpanExporter

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    with wb.open() as ws:
        exporter = WorkspaceSpanExporter(ws, spool_dir="~/spool")
        exporter.shutdown()
    assert not (tmp_path / "~").exists()

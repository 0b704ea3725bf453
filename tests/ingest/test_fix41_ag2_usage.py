"""AG2 1.x's ``record_usage`` spans: their tokens counted once, whichever span holds them (fix41).

A model call's usage record takes its tokens when no other step of its run holds any; a sub-task's total never
does; the run's model calls stored by an earlier call count as holding them; reading the same file again changes
nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import workbench as wb

FIXTURES = Path(__file__).parent / "fixtures" / "ag2-1.2.1"


def _attrs(span: dict) -> dict:
    return {a["key"]: next(iter(a["value"].values())) for a in span.get("attributes", [])}


def _rewritten(src: Path, dst: Path, keep: Callable[[dict], bool], strip_calls: bool) -> Path:
    """``src`` with only the spans ``keep`` takes, the model calls' ``gen_ai.usage.*`` taken off if ``strip_calls``."""
    lines = []
    for line in src.read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        for rs in doc["resourceSpans"]:
            for ss in rs["scopeSpans"]:
                ss["spans"] = [s for s in ss["spans"] if keep(s)]
                for span in ss["spans"]:
                    if strip_calls and _attrs(span).get("ag2.span.type") == "llm":
                        span["attributes"] = [
                            a for a in span["attributes"] if not a["key"].startswith("gen_ai.usage.")
                        ]
        lines.append(json.dumps(doc))
    dst.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dst


def _is_usage(span: dict) -> bool:
    return _attrs(span).get("ag2.span.type") == "usage"


def _tokens(ws: wb.Workspace) -> tuple:
    return ws.sql("SELECT sum(tokens_in), sum(tokens_out), count(tokens_in) FROM steps").fetchall()[0]


def test_a_subtasks_total_is_never_counted(tmp_path: Path) -> None:
    src = FIXTURES / "telemetry_middleware_delegation_fault.otlp.jsonl"
    written, stripped = wb.open(), wb.open()
    written.ingest(src, progress=False)
    stripped.ingest(
        _rewritten(src, tmp_path / "d.otlp.jsonl", lambda s: True, strip_calls=True), progress=False
    )
    n_calls = written.sql(
        "SELECT count(*) FROM steps WHERE kind = 'llm' AND tokens_in IS NOT NULL"
    ).fetchall()[0][0]
    assert _tokens(stripped)[:2] == _tokens(written)[:2] and _tokens(stripped)[2] == n_calls > 0


def test_model_calls_stored_earlier_hold_the_tokens(tmp_path: Path) -> None:
    src = FIXTURES / "telemetry_middleware_fault.otlp.jsonl"
    ws = wb.open()
    ws.ingest(
        _rewritten(src, tmp_path / "calls.otlp.jsonl", lambda s: not _is_usage(s), strip_calls=False),
        progress=False,
    )
    ws.ingest(_rewritten(src, tmp_path / "usage.otlp.jsonl", _is_usage, strip_calls=False), progress=False)
    assert _tokens(ws) == (200, 40, 4)
    assert ws.sql("SELECT count(*) FROM steps WHERE name LIKE 'record_usage%'").fetchall() == [(4,)]


def test_reading_the_records_again_changes_nothing(tmp_path: Path) -> None:
    path = _rewritten(
        FIXTURES / "telemetry_middleware_fault.otlp.jsonl",
        tmp_path / "s.otlp.jsonl",
        lambda s: True,
        strip_calls=True,
    )
    ws = wb.open()
    ws.ingest(path, progress=False)
    before = ws.sql("SELECT * FROM steps ORDER BY step_id").fetchall()
    report = ws.ingest(path, progress=False)
    assert _tokens(ws) == (200, 40, 4) and report.quarantined == 0
    assert ws.sql("SELECT * FROM steps ORDER BY step_id").fetchall() == before

"""A step stored without an end time by one ingest call and given complete by a later one.

Microsoft Agent Framework's console exporter (Josh-Weston/microsoft-agent-framework-samples traces.jsonl)
prints a span when it starts and again when it ends; a file read while the run was going holds only the
first copy. The complete copy read later completes the stored row, as one call given both copies would.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import workbench as wb

T = "2025-08-22T10:00:{:02d}.000Z"
TRACE = "0x" + "ab" * 16


def _span(sid: int, parent: int | None, name: str, end: int | None, attrs: dict[str, Any]) -> str:
    return json.dumps(
        {
            "name": name,
            "context": {"trace_id": TRACE, "span_id": f"0x{sid:016x}"},
            "kind": "SpanKind.INTERNAL",
            "parent_id": None if parent is None else f"0x{parent:016x}",
            "start_time": T.format(sid),
            "end_time": None if end is None else T.format(end),
            "status": {"status_code": "UNSET"},
            "attributes": attrs,
        },
        indent=4,
    )


def _chat(end: bool, name: str = "chat gpt-4o") -> str:
    attrs: dict[str, Any] = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o"}
    if end:
        attrs.update(
            {
                "gen_ai.response.model": "gpt-4o-2024-08-06",
                "gen_ai.usage.input_tokens": 120,
                "gen_ai.usage.output_tokens": 9,
            }
        )
    return _span(2, 1, name, 9 if end else None, attrs)


AGENT = _span(
    1,
    None,
    "invoke_agent Weather agent",
    10,
    {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "Weather agent"},
)


def _write(path: Path, *spans: str) -> Path:
    path.write_text("\n".join(spans) + "\n")
    return path


def test_a_step_stored_early_is_completed_by_a_later_call(tmp_path: Path) -> None:
    ws = wb.open()
    first = ws.ingest(_write(tmp_path / "during.jsonl", AGENT, _chat(False)))
    assert (first.stored, first.quarantined) == (2, 0)
    assert ws.sql("SELECT ended_at FROM steps WHERE name = 'chat gpt-4o'").fetchall() == [(None,)]

    later = _write(tmp_path / "after.jsonl", _chat(True))
    report = ws.ingest(later)
    assert (report.read, report.stored, report.quarantined, report.added) == (1, 1, 0, 0)
    assert any("now holds the complete copy" in n for n in report.notes)
    assert ws.sql("SELECT count(*) FROM quarantine").fetchall() == [(0,)]
    assert ws.sql(
        "SELECT model, tokens_in, tokens_out, latency_ms, ended_at IS NOT NULL, agent, file LIKE "
        "'%after.jsonl' FROM steps WHERE name = 'chat gpt-4o'"
    ).fetchall() == [("gpt-4o-2024-08-06", 120, 9, 7000.0, True, "Weather agent", True)]
    assert ws.sql("SELECT n_steps, epoch(ended_at - started_at) FROM runs").fetchall() == [(2, 9.0)]

    # Idempotent: the complete copy again, or the early one again, changes nothing.
    for path in (later, tmp_path / "during.jsonl"):
        again = ws.ingest(path)
        assert (again.quarantined, again.added, again.notes) == (0, 0, [])
    assert ws.sql("SELECT count(*), max(tokens_in) FROM steps").fetchall() == [(2, 120)]


def test_a_later_copy_that_differs_in_more_than_a_running_span_fills_in_is_still_a_conflict(
    tmp_path: Path,
) -> None:
    ws = wb.open()
    ws.ingest(_write(tmp_path / "during.jsonl", AGENT, _chat(False)))
    report = ws.ingest(_write(tmp_path / "after.jsonl", _chat(True, name="chat other")))
    assert (report.stored, report.quarantined) == (0, 1)
    assert "differs in name" in ws.sql("SELECT reason FROM quarantine").fetchall()[0][0]
    assert ws.sql("SELECT name, ended_at FROM steps WHERE step_id LIKE '%2'").fetchall() == [
        ("chat gpt-4o", None)
    ]


def test_a_call_with_the_complete_copy_twice_completes_the_stored_row_once(tmp_path: Path) -> None:
    ws = wb.open()
    ws.ingest(_write(tmp_path / "during.jsonl", AGENT, _chat(False)))
    report = ws.ingest(
        [_write(tmp_path / "a.jsonl", _chat(True)), _write(tmp_path / "b.jsonl", _chat(False), _chat(True))]
    )
    assert (report.read, report.stored, report.quarantined, report.added) == (3, 3, 0, 0)
    assert ws.sql(
        "SELECT count(*), max(tokens_in), bool_and(file LIKE '%a.jsonl') FROM steps "
        "WHERE name = 'chat gpt-4o'"
    ).fetchall() == [(1, 120, True)]

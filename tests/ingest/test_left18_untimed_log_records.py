"""An OTLP log record with no time (neither timeUnixNano nor observedTimeUnixNano) is placed where it was read
in its step's conversation, not ahead of it (left18): after the record of its step read just before it in its file, else at
its span's start; the same whether the records come in one call or a file a call. Before: it sorted first."""

from __future__ import annotations

import json
from pathlib import Path

from test_left16_log_time_order import TURNS, _event, _note, in_every_order
from test_llmetry13_otlp_logs import CHAT, TRACE, _logs_line, _write, spans_line
from test_logs14_span_logs import message_event, sk_line

import workbench as wb


def _untimed_event(content: str) -> dict:
    rec = message_event("gen_ai.assistant.message", {"content": content})
    del rec["timeUnixNano"]
    return rec


def _untimed_note(body: str) -> dict:
    rec = sk_line(body, "1")
    del rec["timeUnixNano"], rec["observedTimeUnixNano"]
    return rec


def _conversation(ws: wb.Workspace, run: str = TRACE) -> tuple[list[str], list[str]]:
    text, attrs = ws.sql(
        "SELECT input, attributes FROM steps WHERE run_id = ? AND step_id = ?", params=[run, CHAT]
    ).fetchall()[0]
    return [m["content"] for m in json.loads(text)], [n["body"] for n in json.loads(attrs)["otel.logs"]]


def test_a_record_with_no_time_stays_after_the_record_read_before_it(tmp_path: Path) -> None:
    spans = _write(tmp_path / "traces.jsonl", spans_line())
    # read: turn 1, then an untimed reply and note (they came after turn 1), then turn 0 (out of order, timed)
    logs = _write(
        tmp_path / "logs.jsonl",
        _logs_line(
            [
                _event(1),
                _note(1),
                _untimed_event("Which colour?"),
                _untimed_note("asked back"),
                _event(0),
                _note(0),
            ]
        ),
    )
    ws = wb.open()
    rep = ws.ingest([spans, logs])
    assert rep.read == rep.stored + rep.quarantined and rep.quarantined == 0
    messages, notes = _conversation(ws)
    assert messages == [TURNS[0][1], TURNS[1][1], "Which colour?"]
    assert notes == ["step 0", "step 1", "asked back"]


def test_records_with_no_time_keep_their_place_in_any_call_order(tmp_path: Path) -> None:
    # one read first in its file (at its span's start), two after a timed record of theirs
    first = _write(
        tmp_path / "logs-a.jsonl",
        _logs_line(
            [
                _untimed_event("Hello"),
                _event(2),
                _untimed_event("Which colour?"),
                _note(2),
                _untimed_note("asked back"),
            ]
        ),
    )
    later = _write(tmp_path / "logs-b.jsonl", _logs_line([_event(3), _note(3)]))
    want = (["Hello", TURNS[2][1], "Which colour?", TURNS[3][1]], ["step 2", "asked back", "step 3"])
    one, apart, runs = in_every_order(tmp_path, [first, later])
    for run in runs:
        assert _conversation(one, run) == want and _conversation(apart, run) == want, run

"""A step's conversation from its OTLP log records reads in the order it happened: the records' times
order its messages and its otel.logs, whether the records come out of order in one file, or in files
ingested in any order over several calls (before: reading order, a later call's records after the
earlier ones). Fixtures: openai-v2's message events (timeUnixNano set), Semantic Kernel's log lines."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from test_llmetry13_otlp_logs import CHAT, _logs_line, _write, spans_line
from test_logs14_span_logs import message_event, sk_line

import workbench as wb

T0 = 1796151337585653512
TURNS = [
    ("gen_ai.system.message", "You write quotes."),
    ("gen_ai.user.message", "Quote a widget"),
    ("gen_ai.assistant.message", "Which size?"),
    ("gen_ai.user.message", "The large one"),
]


def _event(i: int) -> dict:
    event, content = TURNS[i]
    return {**message_event(event, {"content": content}), "timeUnixNano": str(T0 + i * 1_000_000)}


def _note(i: int) -> dict:
    return sk_line(f"step {i}", str(T0 + i * 1_000_000 + 500))


def _conversation(ws: wb.Workspace) -> tuple[list, list, str]:
    text, attrs = ws.sql("SELECT input, attributes FROM steps WHERE step_id = ?", params=[CHAT]).fetchall()[0]
    return json.loads(text), [n["body"] for n in json.loads(attrs)["otel.logs"]], text


def _files(tmp_path: Path) -> list[Path]:
    """Two logs files, each with half the turns, the later half first, and out of order within the file."""
    late = _write(tmp_path / "logs-a.jsonl", _logs_line([_event(3), _note(3), _event(2), _note(2)]))
    early = _write(tmp_path / "logs-b.jsonl", _logs_line([_note(1), _event(1), _event(0), _note(0)]))
    return [late, early]


def test_messages_in_time_order_whatever_order_the_files_come_in(tmp_path: Path) -> None:
    spans = _write(tmp_path / "traces.jsonl", spans_line())
    files = _files(tmp_path)
    want = [{"role": TURNS[i][0][7:-8], "content": TURNS[i][1]} for i in range(4)]
    notes = [f"step {i}" for i in range(4)]
    seen = set()
    for order in itertools.permutations(files):
        one = wb.open()
        one.ingest([spans, *order])
        apart = wb.open()
        apart.ingest(spans)
        for f in order:
            apart.ingest(f)
        for ws in (one, apart):
            messages, logs, text = _conversation(ws)
            assert messages == want and logs == notes
            seen.add(text)
    assert len(seen) == 1  # the same text, however the records came


def test_records_given_again_keep_the_order(tmp_path: Path) -> None:
    spans = _write(tmp_path / "traces.jsonl", spans_line())
    late, early = _files(tmp_path)
    ws = wb.open()
    ws.ingest([spans, late])
    ws.ingest(early)
    ws.ingest([late, early])  # nothing new: stored once
    messages, logs, _ = _conversation(ws)
    assert [m["content"] for m in messages] == [c for _, c in TURNS]
    assert logs == [f"step {i}" for i in range(4)]

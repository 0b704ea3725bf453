"""A step's conversation from its OTLP log records reads in the order it happened: the records' times
order its messages and its otel.logs, whether the records come out of order in one file, or in files
ingested in any order over several calls (before: reading order, a later call's records after the
earlier ones). Fixtures: openai-v2's message events (timeUnixNano set), Semantic Kernel's log lines."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from test_llmetry13_otlp_logs import CHAT, TRACE, _logs_line, _write, spans_line
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


def _conversation(ws: wb.Workspace, run: str = TRACE) -> tuple[list, list, str]:
    text, attrs = ws.sql(
        "SELECT input, attributes FROM steps WHERE run_id = ? AND step_id = ?", params=[run, CHAT]
    ).fetchall()[0]
    return json.loads(text), [n["body"] for n in json.loads(attrs)["otel.logs"]], text


def _files(tmp_path: Path) -> list[Path]:
    """Two logs files, each with half the turns, the later half first, and out of order within the file."""
    late = _write(tmp_path / "logs-a.jsonl", _logs_line([_event(3), _note(3), _event(2), _note(2)]))
    early = _write(tmp_path / "logs-b.jsonl", _logs_line([_note(1), _event(1), _event(0), _note(0)]))
    return [late, early]


def in_every_order(tmp_path: Path, files: list[Path]) -> tuple[wb.Workspace, wb.Workspace, list[str]]:
    """The trace's spans and its logs ``files`` in every order of the files: in one call (``one``) and a file a
    call after the spans (``apart``). Each order is a copy of the trace and its logs with a trace id of its own
    (the last byte its number), every order's copy read in the same calls: its n-th file in the n-th call after the
    spans (an order was two stores and four calls of its own). Returns both stores and each order's run id."""
    one_call: list[Path] = []
    calls: list[list[Path]] = [[] for _ in range(len(files) + 1)]
    runs = []
    for n, order in enumerate(itertools.permutations(files)):
        run = f"{TRACE[:-2]}{n:02x}"
        assert run != TRACE
        runs.append(run)
        own = [
            _write(tmp_path / f"order{n}-{f.name}", f.read_text().strip().replace(TRACE, run)) for f in order
        ]
        spans = _write(tmp_path / f"order{n}-traces.jsonl", spans_line().replace(TRACE, run))
        one_call += [spans, *own]
        calls[0].append(spans)
        for k, f in enumerate(own, start=1):
            calls[k].append(f)
    one = wb.open()
    one.ingest(one_call)
    apart = wb.open()
    for call in calls:
        apart.ingest(call)
    return one, apart, runs


def test_messages_in_time_order_whatever_order_the_files_come_in(tmp_path: Path) -> None:
    want = [{"role": TURNS[i][0][7:-8], "content": TURNS[i][1]} for i in range(4)]
    notes = [f"step {i}" for i in range(4)]
    seen = set()
    one, apart, runs = in_every_order(tmp_path, _files(tmp_path))
    for run in runs:
        for ws in (one, apart):
            messages, logs, text = _conversation(ws, run)
            assert messages == want and logs == notes, run
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

"""OTLP log records as a hostile or unlucky exporter writes them: values orjson will not encode (an integer
past 64 bits, a body nested past 254 levels), and the same traces and logs ingested again. Each record costs
only itself, and ingesting again adds nothing (no conflict with what the logs filled in)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_llmetry13_otlp_logs import CHAT, TRACE, _logs_line, details_record, legacy_records, spans_line

import workbench as wb


def _write(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines))
    return path


def _app_log(body: dict) -> dict:
    """An app's own log record of the chat span (not a GenAI message): kept in the step's otel.logs."""
    return {"timeUnixNano": "1796151337585653512", "severityText": "INFO", "body": body,
            "attributes": [{"key": "event.name", "value": {"stringValue": "app.log"}}],
            "traceId": TRACE, "spanId": CHAT}


def _nested(depth: int) -> dict:
    body: dict = {"stringValue": "bottom"}
    for _ in range(depth):
        body = {"arrayValue": {"values": [body]}}
    return body


@pytest.mark.parametrize("body", [{"intValue": "123456789012345678901234567890"}, _nested(300)],
                         ids=["int-past-64-bits", "nested-300"])
def test_a_log_body_orjson_cannot_encode_costs_nothing_else(tmp_path: Path, body: dict) -> None:
    """The note's text was Python's repr (not JSON) and the merge's json() failed the whole call."""
    spans = _write(tmp_path / "traces.jsonl", spans_line())
    logs = _write(tmp_path / "logs.jsonl", _logs_line([_app_log(body), details_record()]))
    ws = wb.open()
    rep = ws.ingest([spans, logs])
    assert (rep.read, rep.stored, rep.quarantined) == (5, 5, 0)
    attrs, out = ws.sql("SELECT attributes, output FROM steps WHERE step_id = ?", params=[CHAT]).fetchall()[0]
    note = json.loads(attrs)["otel.logs"][0]
    assert note["event"] == "app.log"
    if "intValue" in body:
        assert note["body"] == 123456789012345678901234567890
    else:
        assert json.dumps(note["body"]).count("[") == 300
    assert json.loads(out)[0]["parts"][0]["content"] == "The widget costs 14.20 USD."


def _steps(ws: wb.Workspace) -> list[tuple]:
    return ws.sql("SELECT run_id, step_id, input, output, attributes FROM steps ORDER BY step_id").fetchall()


def test_traces_and_logs_ingested_twice_add_nothing(tmp_path: Path) -> None:
    """The stored chat step had its messages from the logs; the span read again (without them) was a
    'conflict ... differs in input, output, attributes' and quarantined."""
    spans = _write(tmp_path / "traces.jsonl", spans_line())
    logs = _write(tmp_path / "logs.jsonl", _logs_line([*legacy_records(), _app_log({"stringValue": "hi"})]))
    ws = wb.open()
    first = ws.ingest([spans, logs])
    assert (first.read, first.stored, first.quarantined) == (7, 7, 0)
    stored = _steps(ws)
    again = ws.ingest([spans, logs])
    assert (again.read, again.stored, again.quarantined, again.added) == (7, 7, 0, 0)
    assert ws.count("quarantine") == 0 and _steps(ws) == stored


def test_traces_sent_again_after_their_logs_are_no_conflict(tmp_path: Path) -> None:
    """Traces, then their logs, then the traces again (a directory ingested anew): the same span."""
    spans = _write(tmp_path / "traces.jsonl", spans_line())
    logs = _write(tmp_path / "logs.jsonl", _logs_line([details_record(), _app_log({"stringValue": "hi"})]))
    ws = wb.open()
    ws.ingest(spans)
    ws.ingest(logs)
    stored = _steps(ws)
    chat = next(row for row in stored if row[1] == CHAT)
    assert json.loads(chat[3])[0]["parts"][0]["content"] == "The widget costs 14.20 USD."
    rep = ws.ingest(spans)
    assert (rep.read, rep.stored, rep.quarantined) == (3, 3, 0)
    assert ws.count("quarantine") == 0 and _steps(ws) == stored


def test_a_copy_of_the_span_with_other_messages_still_conflicts(tmp_path: Path) -> None:
    """What the logs filled in is not a blank cheque: a copy carrying its own, other input is a conflict."""
    spans = _write(tmp_path / "traces.jsonl", spans_line())
    ws = wb.open()
    ws.ingest([spans, _write(tmp_path / "logs.jsonl", _logs_line([details_record()]))])
    other = json.loads(spans_line())
    chat = other["resourceSpans"][0]["scopeSpans"][0]["spans"][2]
    chat["attributes"].append({"key": "gen_ai.input.messages", "value": {"stringValue": '[{"role": "user", '
                                                                                      '"content": "other"}]'}})
    rep = ws.ingest(_write(tmp_path / "other.jsonl", json.dumps(other)))
    assert rep.quarantined == 1
    assert "differs in input" in ws.sql("SELECT reason FROM quarantine").fetchall()[0][0]

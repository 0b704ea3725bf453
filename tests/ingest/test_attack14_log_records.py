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
    return {
        "timeUnixNano": "1796151337585653512",
        "severityText": "INFO",
        "body": body,
        "attributes": [{"key": "event.name", "value": {"stringValue": "app.log"}}],
        "traceId": TRACE,
        "spanId": CHAT,
    }


def _nested(depth: int) -> dict:
    body: dict = {"stringValue": "bottom"}
    for _ in range(depth):
        body = {"arrayValue": {"values": [body]}}
    return body


# (event, body, why): each case's record in a trace of its own (the trace id's last digits its number)
LIMITS = {
    "note-nested-120": ("app.log", _nested(120), "field 'body' is nested deeper than 100 levels (the limit)"),
    "message-nested-120": (
        "gen_ai.user.message",
        _nested(120),
        "field 'input' is nested deeper than 100 levels (the limit)",
    ),
    "note-nested-300": ("app.log", _nested(300), "field 'body' is nested deeper than 100 levels (the limit)"),
    "message-5MB": (
        "gen_ai.choice",
        {"stringValue": "x" * 5_000_000},
        "field 'output' is 5000004 bytes (limit 4194304)",
    ),
    "note-5MB": ("app.log", {"stringValue": "x" * 5_000_000}, "field 'body' is "),
}


def test_a_log_record_past_a_fields_limits_is_quarantined_alone_and_a_body_orjson_cannot_encode_costs_nothing(
    tmp_path: Path,
) -> None:
    """A span's field past 4 MiB or nested past 100 levels quarantines the span (README, Limits); a log
    record's went into its step's input / output / otel.logs whatever its size or depth (a body nested
    300 levels failed the whole call). Now the record is quarantined, with file and line, and only it. (Every
    case's traces and logs in one call, each case's files and trace its own.)"""
    files, traces = [], {}
    for n, (case, (event, body, _)) in enumerate(LIMITS.items()):
        traces[case] = TRACE[:-2] + f"{n:02x}"
        record = {**_app_log(body), "attributes": [{"key": "event.name", "value": {"stringValue": event}}]}
        spans = _write(tmp_path / f"traces-{n}.jsonl", spans_line().replace(TRACE, traces[case]))
        logs = _write(
            tmp_path / f"logs-{n}.jsonl",
            _logs_line([details_record(trace=traces[case])]),
            _logs_line([{**record, "traceId": traces[case]}]),
        )
        files += [spans, logs]
    # (and in a trace of its own, its last byte ff: an integer past 64 bits in a log body, which orjson will not
    # encode: the note's text was Python's repr (not JSON) and the merge's json() failed the whole call)
    big = TRACE[:-2] + "ff"
    files += [
        _write(tmp_path / "traces-big.jsonl", spans_line().replace(TRACE, big)),
        _write(
            tmp_path / "logs-big.jsonl",
            _logs_line(
                [
                    {**_app_log({"intValue": "123456789012345678901234567890"}), "traceId": big},
                    details_record(trace=big),
                ]
            ),
        ),
    ]
    ws = wb.open()
    rep = ws.ingest(files)
    assert (rep.read, rep.stored, rep.quarantined) == (5 * len(LIMITS) + 5, 4 * len(LIMITS) + 5, len(LIMITS))
    attrs, out = ws.sql(
        "SELECT attributes, output FROM steps WHERE run_id = ? AND step_id = ?", params=[big, CHAT]
    ).fetchall()[0]
    note = json.loads(attrs)["otel.logs"][0]
    assert note["event"] == "app.log" and note["body"] == 123456789012345678901234567890, "past 64 bits"
    assert json.loads(out)[0]["parts"][0]["content"] == "The widget costs 14.20 USD.", "past 64 bits"
    quarantined = {
        file: (line, reason)
        for file, line, reason in ws.sql("SELECT file, line, reason FROM quarantine").fetchall()
    }
    assert len(quarantined) == ws.count("quarantine") == len(LIMITS)  # (one record of each case's logs alone)
    for n, (case, (_, _, why)) in enumerate(LIMITS.items()):
        line, reason = quarantined[str((tmp_path / f"logs-{n}.jsonl").resolve())]
        assert line == 2 and reason.startswith("bad log record: " + why), (case, reason)
        out = ws.sql(
            "SELECT output FROM steps WHERE run_id = ? AND step_id = ?", params=[traces[case], CHAT]
        ).fetchall()[0][0]
        assert json.loads(out)[0]["parts"][0]["content"] == "The widget costs 14.20 USD.", case


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
    chat["attributes"].append(
        {"key": "gen_ai.input.messages", "value": {"stringValue": '[{"role": "user", "content": "other"}]'}}
    )
    rep = ws.ingest(_write(tmp_path / "other.jsonl", json.dumps(other)))
    assert rep.quarantined == 1
    assert "differs in input" in ws.sql("SELECT reason FROM quarantine").fetchall()[0][0]


def test_log_records_are_held_in_memory_a_chunk_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every log record read (with its raw text) was held in a Python list until the end of the call: a logs
    file of millions of records grew the process without bound. Now at most a chunk is, the rest in DuckDB;
    the records keep their reading order across chunks, and the orphans their file and line."""
    from workbench.ingest import _otlp_logs

    monkeypatch.setattr(_otlp_logs, "_LOG_CHUNK", 100, raising=False)
    held: list[int] = []
    stage_record = _otlp_logs.stage_log_record

    def counting(stage, *args, **kwargs):  # type: ignore[no-untyped-def]
        stage_record(stage, *args, **kwargs)
        held.append(len(stage.span_logs))

    monkeypatch.setattr(_otlp_logs, "stage_log_record", counting)
    orphan = {**_app_log({"stringValue": "lost"}), "spanId": "ffffffffffffffff"}
    # (350 records: three chunks and a half, the last one not full; 1,000 were read before, the same path)
    lines = [
        _logs_line([_app_log({"stringValue": f"event {i}"}) for i in range(k, k + 50)] + [orphan])
        for k in range(0, 350, 50)
    ]
    logs = _write(tmp_path / "logs.jsonl", spans_line(), *lines)
    ws = wb.open()
    rep = ws.ingest(logs)
    assert (rep.read, rep.stored, rep.quarantined) == (3 + 357, 3 + 350, 7)
    assert max(held) <= 100 and len(held) == 357
    attrs = ws.sql("SELECT attributes FROM steps WHERE step_id = ?", params=[CHAT]).fetchall()[0][0]
    assert [n["body"] for n in json.loads(attrs)["otel.logs"]] == [f"event {i}" for i in range(350)]
    q = ws.sql("SELECT file, line, reason FROM quarantine ORDER BY line").fetchall()
    assert [line for _, line, _ in q] == list(range(2, 9))
    assert all(f == str(logs.resolve()) and "no such span" in r for f, _, r in q)


def test_another_exporters_fuller_copy_keeps_what_the_logs_gave(tmp_path: Path) -> None:
    """The console exporter's copy of a span and its log records stored first, the OTLP copy (more attributes)
    later: the stored row became the OTLP copy and lost the otel.logs of its log records (and their
    otel.logs_filled, so the console copy sent again was a conflict)."""
    from _otel_fixtures import collector_style, otlp_request, write_jsonl
    from test_links13_export_copies import _spans

    spans = _spans()
    otlp = write_jsonl(tmp_path / "run.otlp.jsonl", [collector_style(otlp_request(spans))])
    console = tmp_path / "run.console.json"
    console.write_text("".join(s.to_json() + "\n" for s in spans))
    tool = next(s for s in spans if s.name == "execute_tool get_price")
    trace, span = f"{tool.context.trace_id:032x}", f"{tool.context.span_id:016x}"
    logs = _write(
        tmp_path / "logs.jsonl",
        _logs_line([{**_app_log({"stringValue": "price looked up"}), "traceId": trace, "spanId": span}]),
    )
    ws = wb.open()
    ws.ingest([console, logs])
    rep = ws.ingest(otlp)
    assert (rep.read, rep.stored, rep.quarantined) == (2, 2, 0)
    attrs = json.loads(
        ws.sql("SELECT attributes FROM steps WHERE step_id = ?", params=[span]).fetchall()[0][0]
    )
    assert "otel.scope.name" in attrs  # (the fuller copy's)
    assert [n["body"] for n in attrs["otel.logs"]] == ["price looked up"]
    again = ws.ingest([console, otlp, logs])
    assert (again.quarantined, again.added) == (0, 0) and ws.count("quarantine") == 0


# (a span flushed before it ended, stored with its log records, then its complete copy in a later call: it keeps the
# output and otel.logs the records gave, its end time the complete copy's: test_logs14_span_logs'
# test_a_stored_step_that_becomes_another_copy_of_its_span_keeps_what_its_logs_gave, its "early" case)

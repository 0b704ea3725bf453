"""OTLP log records of one span given over several ingest calls, or with a span the merge quarantines
(logs14). Fixtures in the shapes real instrumentations wrote (llmetry13, /work/wt/_notes/real13_out):
Semantic Kernel's log lines through the OTel logging handler (``severityText``, ``timeUnixNano``),
openai-v2 2.1b0's message events (``severityNumber`` only), util-genai's operation-details record
(``observedTimeUnixNano`` only)."""

from __future__ import annotations

import json
from pathlib import Path

from test_llmetry13_otlp_logs import CHAT, TRACE, _logs_line, _s, _span, _write, details_record, spans_line

import workbench as wb


def sk_line(body: str, time_ns: str) -> dict:
    """A plain log line of Semantic Kernel's, written through the OTel LoggingHandler."""
    return {
        "timeUnixNano": time_ns,
        "observedTimeUnixNano": str(int(time_ns) + 120_000),
        "severityNumber": 9,
        "severityText": "INFO",
        "body": _s(body),
        "attributes": [{"key": "code.function.name", "value": _s("invoke_function_call")}],
        "traceId": TRACE,
        "spanId": CHAT,
    }


def message_event(event: str, body: dict) -> dict:
    """openai-v2 2.1b0's event (Events API): no severityText, the time set."""
    return {
        "timeUnixNano": "1796151337585653512",
        "severityNumber": "SEVERITY_NUMBER_INFO",
        "body": {"kvlistValue": {"values": [{"key": k, "value": _s(v)} for k, v in body.items()]}},
        "attributes": [{"key": "event.name", "value": _s(event)}],
        "traceId": TRACE,
        "spanId": CHAT,
    }


def _attrs(ws: wb.Workspace, step: str = CHAT, run: str = TRACE) -> dict:
    rows = ws.sql(
        "SELECT attributes FROM steps WHERE run_id = ? AND step_id = ?", params=[run, step]
    ).fetchall()
    return json.loads(rows[0][0])


def _counts(rep: wb.IngestReport) -> tuple[int, int, int]:
    return rep.read, rep.stored, rep.quarantined


def test_a_later_logs_file_adds_to_a_spans_log_records_and_a_file_ingested_again_adds_nothing(
    tmp_path: Path,
) -> None:
    # (with it, in the same calls, a trace of its own, its last byte 01: openai-v2's message events split over two
    # logs files make one input; each was a store of its own)
    spans = _write(tmp_path / "traces.jsonl", spans_line())
    first = _write(
        tmp_path / "logs-1.jsonl",
        _logs_line([sk_line("Calling get_stock", "1796150790100000000")], "semantic_kernel"),
    )
    second = _write(
        tmp_path / "logs-2.jsonl",
        _logs_line([sk_line("get_stock returned 120", "1796150790200000000")], "semantic_kernel"),
    )
    events = TRACE[:-2] + "01"
    system = message_event("gen_ai.system.message", {"content": "You write quotes."})
    user = message_event("gen_ai.user.message", {"content": "Research says 41.20"})
    events_spans = _write(tmp_path / "events-traces.jsonl", spans_line().replace(TRACE, events))
    events_first = _write(tmp_path / "events-logs-1.jsonl", _logs_line([system]).replace(TRACE, events))
    events_second = _write(tmp_path / "events-logs-2.jsonl", _logs_line([user]).replace(TRACE, events))
    ws = wb.open()
    assert _counts(ws.ingest([spans, first, events_spans, events_first])) == (8, 8, 0)
    assert _counts(ws.ingest([second, events_second])) == (2, 2, 0)
    # (stored once: counted stored, not added again)
    assert _counts(ws.ingest([first, events_first, events_second])) == (3, 3, 0)
    copy = _write(tmp_path / "logs-2 copy.jsonl", second.read_text().strip())
    assert _counts(ws.ingest([second, copy])) == (2, 2, 0)
    assert [n["body"] for n in _attrs(ws)["otel.logs"]] == ["Calling get_stock", "get_stock returned 120"]
    rows = ws.sql(
        "SELECT input FROM steps WHERE run_id = ? AND step_id = ?", params=[events, CHAT]
    ).fetchall()
    assert json.loads(rows[0][0]) == [
        {"role": "system", "content": "You write quotes."},
        {"role": "user", "content": "Research says 41.20"},
    ], "message events split over two logs files"


def test_spans_ingested_again_after_their_logs_are_the_same_spans(tmp_path: Path) -> None:
    """Ingesting a folder again (traces and logs): the spans' steps hold what the logs added; the spans given
    again are repeats, not conflicting copies. (In the first call, a trace of its own, its last byte 01: log
    records keep their time and severity.)"""
    spans = _write(tmp_path / "traces.jsonl", spans_line())
    logs = _write(
        tmp_path / "logs.jsonl", _logs_line([details_record(), sk_line("done", "1796150790300000000")])
    )
    timed = TRACE[:-2] + "01"
    no_text = sk_line("retrying get_stock", "1796150790100000000")
    del no_text["severityText"]
    no_text["severityNumber"] = 13
    observed_only = sk_line("done", "0")
    observed_only["timeUnixNano"] = "0"
    observed_only["observedTimeUnixNano"] = "1796150790314192792"
    observed_only["severityText"] = "ERROR"
    timed_logs = _write(
        tmp_path / "timed-logs.jsonl",
        _logs_line(
            [sk_line("Calling get_stock", "1796150790000000001"), no_text, observed_only], "semantic_kernel"
        ).replace(TRACE, timed),
    )
    timed_spans = _write(tmp_path / "timed-traces.jsonl", spans_line().replace(TRACE, timed))
    ws = wb.open()
    assert _counts(ws.ingest([spans, logs, timed_spans, timed_logs])) == (11, 11, 0)
    rep = ws.ingest([spans, logs])
    assert _counts(rep) == (5, 5, 0) and rep.errors == []
    assert ws.sql("SELECT count(*) FROM quarantine").fetchall()[0][0] == 0
    assert (
        "14.20"
        in ws.sql(
            "SELECT output FROM steps WHERE run_id = ? AND step_id = ?", params=[TRACE, CHAT]
        ).fetchall()[0][0]
    )
    assert len(_attrs(ws)["otel.logs"]) == 1
    assert [(n["time"], n["severity"]) for n in _attrs(ws, run=timed)["otel.logs"]] == [
        ("2026-12-01T18:46:30.000000001Z", "INFO"),
        ("2026-12-01T18:46:30.100000000Z", "WARN"),
        ("2026-12-01T18:46:30.314192792Z", "ERROR"),
    ], "log records keep their time and severity"


def test_log_records_of_a_span_the_merge_quarantines_go_to_the_quarantine(tmp_path: Path) -> None:
    """A span given twice with other content (its second copy quarantined) and two spans on a parent cycle:
    their log records cannot be stored with them, so they are quarantined with their file and line."""
    other = json.loads(spans_line())
    spans = other["resourceSpans"][0]["scopeSpans"][0]["spans"]
    chat = next(sp for sp in spans if sp["spanId"] == CHAT)
    chat["name"] = "chat gpt-4o"
    a, b = "aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"
    spans += [
        _span(a, b, "execute_tool get_stock", {"gen_ai.operation.name": "execute_tool"}),
        _span(b, a, "execute_tool get_price", {"gen_ai.operation.name": "execute_tool"}),
    ]
    first = _write(tmp_path / "traces.jsonl", spans_line())
    second = _write(tmp_path / "traces-2.jsonl", json.dumps(other))
    lost = [sk_line("on the cycle", "1796150790100000000")]
    lost[0]["spanId"] = a
    logs = _write(tmp_path / "logs.jsonl", _logs_line([details_record()]), _logs_line(lost))
    ws = wb.open()
    rep = ws.ingest([first, second, logs])
    assert rep.read == rep.stored + rep.quarantined == 3 + 5 + 2
    rows = ws.sql(
        "SELECT line, step_id, reason, raw FROM quarantine WHERE file LIKE '%logs.jsonl' ORDER BY line"
    ).fetchall()
    assert [(r[0], r[1]) for r in rows] == [(1, CHAT), (2, a)]
    assert all("its span was quarantined" in r[2] for r in rows)
    assert "Research says 41.20" in rows[0][3] and "on the cycle" in rows[1][3]
    assert ws.sql("SELECT input FROM steps WHERE step_id = ?", params=[CHAT]).fetchall()[0][0] is None


def test_a_joined_trace_ingested_again_after_its_logs_is_the_same_trace(tmp_path: Path) -> None:
    """A trace joined by its span link into its caller's run, with its logs, then all files again: the spans
    that moved and got their messages from the logs are repeats."""
    from test_integ18_logs_of_linked_traces import CALLER, callee_line, caller_line

    caller = _write(tmp_path / "caller.jsonl", caller_line())
    callee = _write(tmp_path / "callee.jsonl", callee_line())
    logs = _write(tmp_path / "logs.jsonl", _logs_line([details_record()]))
    ws = wb.open()
    ws.ingest([callee, logs])
    ws.ingest(caller)
    rep = ws.ingest([caller, callee, logs])
    assert _counts(rep) == (6, 6, 0) and rep.errors == []
    rows = ws.sql("SELECT run_id, output FROM steps WHERE step_id = ?", params=[CHAT]).fetchall()
    assert len(rows) == 1 and rows[0][0] == CALLER and "14.20" in rows[0][1]


def test_a_stored_step_that_becomes_another_copy_of_its_span_keeps_what_its_logs_gave(tmp_path: Path) -> None:
    """The span stored first as a copy taken before it ended, or as an exporter's copy with fewer attributes,
    with its logs; the complete / fuller copy comes in a later call and the stored row becomes it. (The two
    cases as two traces of one store, the trace id's last digits their number, read in the same calls.)"""
    firsts, laters, logs, runs = [], [], [], {}
    for n, first in enumerate(["early", "fewer attributes"]):
        doc, later = json.loads(spans_line()), json.loads(spans_line())
        if first == "early":
            next(sp for sp in doc["resourceSpans"][0]["scopeSpans"][0]["spans"] if sp["spanId"] == CHAT).pop(
                "endTimeUnixNano"
            )
        else:
            next(sp for sp in later["resourceSpans"][0]["scopeSpans"][0]["spans"] if sp["spanId"] == CHAT)[
                "attributes"
            ].append({"key": "server.address", "value": _s("api.openai.com")})
        runs[first] = TRACE[:-2] + f"{n:02x}"
        firsts.append(_write(tmp_path / f"first-{n}.jsonl", json.dumps(doc).replace(TRACE, runs[first])))
        laters.append(_write(tmp_path / f"traces-{n}.jsonl", json.dumps(later).replace(TRACE, runs[first])))
        records = _logs_line([details_record(), sk_line("done", "1796150790300000000")])
        logs.append(_write(tmp_path / f"logs-{n}.jsonl", records.replace(TRACE, runs[first])))
    ws = wb.open()
    assert _counts(ws.ingest(firsts + logs)) == (10, 10, 0)
    rep = ws.ingest(laters)
    assert _counts(rep) == (6, 6, 0)
    # (a note for each: the early copy given complete, the fuller exporter's copy kept)
    assert any("without an end time given complete" in note for note in rep.notes), rep.notes
    assert any("another exporter's copy" in note for note in rep.notes), rep.notes
    for first, run in runs.items():
        inp, out, attrs = ws.sql(
            "SELECT input, output, attributes FROM steps WHERE run_id = ? AND step_id = ?", params=[run, CHAT]
        ).fetchall()[0]
        assert "Research says 41.20" in inp and "The widget costs 14.20 USD." in out, first
        assert [n["body"] for n in json.loads(attrs)["otel.logs"]] == ["done"], first
    # (the early copy's row has the complete one's end: test_attack14_log_records' case of a span completed later)
    assert ws.sql(
        "SELECT count(*) FROM steps WHERE run_id = ? AND step_id = ? AND ended_at IS NOT NULL",
        params=[runs["early"], CHAT],
    ).fetchall() == [(1,)]
    assert _counts(ws.ingest(laters + logs)) == (10, 10, 0)

"""A span's own attributes named as the keys OTLP log records are stored under (otel.logs, otel.log_ids,
otel.log_filled), of another type than the store writes (attack15). Before: the records' merge failed the
whole ingest (Malformed JSON / Conversion Error: nothing stored), or spliced the records into the span's own
text ("not a lis,{...}")."""

from __future__ import annotations

import json
from pathlib import Path

from test_llmetry13_otlp_logs import CHAT, ROOT, TRACE, _logs_line, _span, _write, details_record
from test_logs14_span_logs import sk_line

import workbench as wb


def _spans(attrs: dict) -> str:
    spans = [
        _span(ROOT, None, "invoke_workflow quote", {"gen_ai.operation.name": "invoke_workflow"}),
        _span(CHAT, ROOT, "chat gpt-4o-mini", {"gen_ai.operation.name": "chat", **attrs}),
    ]
    return json.dumps(
        {
            "resourceSpans": [
                {"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": "x"}, "spans": spans}]}
            ]
        }
    )


# The span's own values (each case a trace of its own: the test's trace id with the case's number in its last digits)
CASES = {
    "logs text": {"otel.logs": "hello"},
    "logs number": {"otel.logs": 5},
    "logs object": {"otel.logs": {"a": "b"}},
    "ids text": {"otel.log_ids": "abc"},
    "filled forged": {"otel.log_filled": ["input"], "gen_ai.prompt": "plain"},
}


def _trace(n: int) -> str:
    return TRACE[:-2] + f"{n:02x}"


def test_a_spans_own_otel_log_keys_do_not_break_the_merge(tmp_path: Path) -> None:
    """Every case's spans and logs in the same calls (the traces' rows merged side by side, each trace's records
    with its own span): in one call, or the spans first and their logs in a later call. (Both ways in one store:
    every case twice, a trace each, the second copy's trace ids numbered after the first's; their one call is
    the other's first.)"""
    spans, logs = {}, {}
    for split in (False, True):
        spans[split], logs[split] = [], []
        for n, attrs in enumerate(CASES.values()):
            t = _trace(n + split * len(CASES))
            spans[split].append(_write(tmp_path / f"traces-{t}.jsonl", _spans(attrs).replace(TRACE, t)))
            records = _logs_line([sk_line("Calling get_stock", "1796150790100000000"), details_record()])
            logs[split].append(_write(tmp_path / f"logs-{t}.jsonl", records.replace(TRACE, t)))
    ws = wb.open()
    rep = ws.ingest(spans[False] + logs[False] + spans[True])
    assert (rep.read, rep.stored, rep.quarantined) == (6 * len(CASES), 6 * len(CASES), 0)
    rep = ws.ingest(logs[True])
    assert (rep.read, rep.stored, rep.quarantined) == (2 * len(CASES), 2 * len(CASES), 0)
    chat = "SELECT input, attributes FROM steps WHERE run_id = ? AND step_id = ?"
    got = {}
    for split in (False, True):
        for n, (case, attrs) in enumerate(CASES.items()):
            t, name = _trace(n + split * len(CASES)), (case, "two calls" if split else "one call")
            [(text, raw)] = ws.sql(chat, params=[t, CHAT]).fetchall()
            got[t] = json.loads(raw)
            assert [n["body"] for n in got[t]["otel.logs"] if isinstance(n, dict) and "body" in n] == [
                "Calling get_stock"
            ], name
            if "otel.logs" in attrs:  # the span's own value kept, first
                assert got[t]["otel.logs"][0] == attrs["otel.logs"], name
            if "gen_ai.prompt" in attrs:
                assert text == "plain", name  # the span's own text, not spliced with the records'
            else:
                assert [m["role"] for m in json.loads(text)] == ["system", "user"], name
    again = ws.ingest(logs[False] + logs[True])  # the records' digests were kept: nothing added twice
    assert again.quarantined == 0
    for t, attrs in got.items():
        [(raw,)] = ws.sql(
            "SELECT attributes FROM steps WHERE run_id = ? AND step_id = ?", params=[t, CHAT]
        ).fetchall()
        assert len(json.loads(raw)["otel.logs"]) == len(attrs["otel.logs"]), t

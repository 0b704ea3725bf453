"""A span's own attributes named as the keys OTLP log records are stored under (otel.logs, otel.log_ids,
otel.log_filled), of another type than the store writes (attack15). Before: the records' merge failed the
whole ingest (Malformed JSON / Conversion Error: nothing stored), or spliced the records into the span's own
text ("not a lis,{...}")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
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


@pytest.mark.parametrize("split", [False, True], ids=["one call", "two calls"])
def test_a_spans_own_otel_log_keys_do_not_break_the_merge(tmp_path: Path, split: bool) -> None:
    """Every case's spans and logs in the same calls (the traces' rows merged side by side, each trace's records
    with its own span): in one call, or the spans first and their logs in a later call."""
    spans, logs = [], []
    for n, attrs in enumerate(CASES.values()):
        spans.append(_write(tmp_path / f"traces-{n}.jsonl", _spans(attrs).replace(TRACE, _trace(n))))
        records = _logs_line([sk_line("Calling get_stock", "1796150790100000000"), details_record()])
        logs.append(_write(tmp_path / f"logs-{n}.jsonl", records.replace(TRACE, _trace(n))))
    ws = wb.open()
    if split:
        ws.ingest(spans)
        rep = ws.ingest(logs)
        assert (rep.read, rep.stored, rep.quarantined) == (2 * len(CASES), 2 * len(CASES), 0)
    else:
        rep = ws.ingest(spans + logs)
        assert (rep.read, rep.stored, rep.quarantined) == (4 * len(CASES), 4 * len(CASES), 0)
    chat = "SELECT input, attributes FROM steps WHERE run_id = ? AND step_id = ?"
    got = {}
    for n, (case, attrs) in enumerate(CASES.items()):
        [(text, raw)] = ws.sql(chat, params=[_trace(n), CHAT]).fetchall()
        got[case] = json.loads(raw)
        assert [n["body"] for n in got[case]["otel.logs"] if isinstance(n, dict) and "body" in n] == [
            "Calling get_stock"
        ], case
        if "otel.logs" in attrs:  # the span's own value kept, first
            assert got[case]["otel.logs"][0] == attrs["otel.logs"], case
        if "gen_ai.prompt" in attrs:
            assert text == "plain", case  # the span's own text, not spliced with the records'
        else:
            assert [m["role"] for m in json.loads(text)] == ["system", "user"], case
    again = ws.ingest(logs)  # the records' digests were kept: nothing added twice
    assert again.quarantined == 0
    for n, case in enumerate(CASES):
        [(raw,)] = ws.sql(
            "SELECT attributes FROM steps WHERE run_id = ? AND step_id = ?", params=[_trace(n), CHAT]
        ).fetchall()
        assert len(json.loads(raw)["otel.logs"]) == len(got[case]["otel.logs"]), case

"""A span's own attributes named as the keys OTLP log records are stored under (otel.logs, otel.log_ids,
otel.log_filled), of another type than the store writes (attack15). Before: the records' merge failed the
whole ingest (Malformed JSON / Conversion Error: nothing stored), or spliced the records into the span's own
text ("not a lis,{...}")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_llmetry13_otlp_logs import CHAT, ROOT, _logs_line, _span, _write, details_record
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


@pytest.mark.parametrize("split", [False, True], ids=["one call", "two calls"])
@pytest.mark.parametrize(
    "attrs",
    [
        {"otel.logs": "hello"},
        {"otel.logs": 5},
        {"otel.logs": {"a": "b"}},
        {"otel.log_ids": "abc"},
        {"otel.log_filled": ["input"], "gen_ai.prompt": "plain"},
    ],
    ids=["logs text", "logs number", "logs object", "ids text", "filled forged"],
)
def test_a_spans_own_otel_log_keys_do_not_break_the_merge(tmp_path: Path, attrs: dict, split: bool) -> None:
    spans = _write(tmp_path / "traces.jsonl", _spans(attrs))
    logs = _write(
        tmp_path / "logs.jsonl",
        _logs_line([sk_line("Calling get_stock", "1796150790100000000"), details_record()]),
    )
    ws = wb.open()
    if split:
        ws.ingest(spans)
        rep = ws.ingest(logs)
        assert (rep.read, rep.stored, rep.quarantined) == (2, 2, 0)
    else:
        rep = ws.ingest([spans, logs])
        assert (rep.read, rep.stored, rep.quarantined) == (4, 4, 0)
    [(text, raw)] = ws.sql("SELECT input, attributes FROM steps WHERE step_id = ?", params=[CHAT]).fetchall()
    got = json.loads(raw)
    assert [n["body"] for n in got["otel.logs"] if isinstance(n, dict) and "body" in n] == [
        "Calling get_stock"
    ]
    if "otel.logs" in attrs:  # the span's own value kept, first
        assert got["otel.logs"][0] == attrs["otel.logs"]
    if "gen_ai.prompt" in attrs:
        assert text == "plain"  # the span's own text, not spliced with the records'
    else:
        assert [m["role"] for m in json.loads(text)] == ["system", "user"]
    again = ws.ingest(logs)  # the records' digests were kept: nothing added twice
    assert again.quarantined == 0
    assert len(
        json.loads(ws.sql("SELECT attributes FROM steps WHERE step_id = ?", params=[CHAT]).fetchall()[0][0])[
            "otel.logs"
        ]
    ) == len(got["otel.logs"])

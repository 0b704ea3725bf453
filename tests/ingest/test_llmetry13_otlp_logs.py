"""OTLP log records carrying GenAI messages (opentelemetry-instrumentation-openai-v2 and -util-genai), read
with their spans. Fixtures in the shapes the real instrumentations wrote (llmetry13, /work/wt/_notes/real13_out):
openai-v2 2.4b0 with util-genai 1.1b0 and CAPTURE_MESSAGE_CONTENT=event_only (one
``gen_ai.client.inference.operation.details`` record per call, ``eventName`` set, messages as OTLP arrays
in attributes), openai-v2 2.1b0 on SDK 1.33 (one record per message, the event name in the attribute
``event.name``, the message in the body)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

TRACE = "aafc61d4b03a50584e9d09365a9ae409"
ROOT, AGENT, CHAT = "1111111111111111", "2222222222222222", "216cca9d58bea4b1"


def _s(v: str) -> dict:
    return {"stringValue": v}


def _kv(d: dict) -> dict:
    return {"kvlistValue": {"values": [{"key": k, "value": _any(v)} for k, v in d.items()]}}


def _any(v: object) -> dict:
    if isinstance(v, dict):
        return _kv(v)
    if isinstance(v, list):
        return {"arrayValue": {"values": [_any(x) for x in v]}}
    if isinstance(v, int):
        return {"intValue": str(v)}
    return _s(str(v))


def _span(sid: str, parent: str | None, name: str, attrs: dict) -> dict:
    out = {
        "traceId": TRACE,
        "spanId": sid,
        "name": name,
        "kind": 1,
        "startTimeUnixNano": "1796150790000000000",
        "endTimeUnixNano": "1796150790500000000",
        "attributes": [{"key": k, "value": _any(v)} for k, v in attrs.items()],
        "status": {},
    }
    if parent:
        out["parentSpanId"] = parent
    return out


def spans_line() -> str:
    spans = [
        _span(ROOT, None, "invoke_workflow price_quote", {"gen_ai.operation.name": "invoke_workflow"}),
        _span(
            AGENT,
            ROOT,
            "invoke_agent writer",
            {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "writer"},
        ),
        _span(
            CHAT,
            AGENT,
            "chat gpt-4o-mini",
            {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini"},
        ),
    ]
    return json.dumps(
        {
            "resourceSpans": [
                {
                    "resource": {"attributes": []},
                    "scopeSpans": [
                        {
                            "scope": {"name": "opentelemetry.util.genai.handler", "version": "1.1b0"},
                            "spans": spans,
                        }
                    ],
                }
            ]
        }
    )


def _logs_line(records: list[dict], scope: str = "opentelemetry.util.genai.handler") -> str:
    return json.dumps(
        {
            "resourceLogs": [
                {
                    "resource": {"attributes": []},
                    "scopeLogs": [{"scope": {"name": scope}, "logRecords": records}],
                }
            ]
        }
    )


def details_record(span: str = CHAT, trace: str = TRACE) -> dict:
    """util-genai's record of one chat call (event_only): the exchange in attributes, the body empty."""
    attrs = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.input.messages": [
            {"role": "system", "parts": [{"content": "You write quotes.", "type": "text"}]},
            {"role": "user", "parts": [{"content": "Research says 41.20", "type": "text"}]},
        ],
        "gen_ai.output.messages": [
            {
                "role": "assistant",
                "finish_reason": "stop",
                "parts": [{"content": "The widget costs 14.20 USD.", "type": "text"}],
            }
        ],
    }
    return {
        "body": {},
        "attributes": [{"key": k, "value": _any(v)} for k, v in attrs.items()],
        "flags": 3,
        "traceId": trace,
        "spanId": span,
        "observedTimeUnixNano": "1796150790314192792",
        "eventName": "gen_ai.client.inference.operation.details",
    }


def legacy_records() -> list[dict]:
    """openai-v2 2.1b0's events (Events API on SDK 1.33): one record per message, the name in event.name."""

    def rec(event: str, body: dict) -> dict:
        return {
            "timeUnixNano": "1796151337585653512",
            "severityNumber": "SEVERITY_NUMBER_INFO",
            "body": _kv(body),
            "attributes": [
                {"key": "gen_ai.system", "value": _s("openai")},
                {"key": "event.name", "value": _s(event)},
            ],
            "flags": 1,
            "traceId": TRACE,
            "spanId": CHAT,
        }

    return [
        rec("gen_ai.system.message", {"content": "You write quotes."}),
        rec("gen_ai.user.message", {"content": "Research says 41.20"}),
        rec(
            "gen_ai.choice",
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": "The widget costs 14.20 USD."},
            },
        ),
    ]


def _chat(ws: wb.Workspace, trace: str = TRACE) -> tuple:
    return ws.sql(
        "SELECT input, output FROM steps WHERE run_id = ? AND step_id = ?", params=[trace, CHAT]
    ).fetchall()[0]


def _write(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines))
    return path


def _sk_record(body: str, event: str | None = None) -> dict:
    """Semantic Kernel's log record through the OTel logging handler, of the chat span."""
    attrs = [{"key": "code.function.name", "value": _s("invoke_function_call")}]
    if event:
        attrs.append({"key": "event.name", "value": _s(event)})
    return {
        "severityText": "INFO",
        "severityNumber": "SEVERITY_NUMBER_INFO",
        "body": _s(body),
        "attributes": attrs,
        "traceId": TRACE,
        "spanId": CHAT,
    }


# Each case: the spans line and the logs line of one trace (records of util-genai, openai-v2, Semantic Kernel).
CASES = {
    "details": (lambda: spans_line(), lambda: _logs_line([details_record()])),
    "legacy": (
        lambda: spans_line(),
        lambda: _logs_line(legacy_records(), "opentelemetry.instrumentation.openai_v2"),
    ),
    # (span_and_event mode writes both: the span's own output messages)
    "span's own": (
        lambda: spans_line().replace(
            '"gen_ai.request.model"',
            '"gen_ai.output.messages", "value": {"stringValue": '
            '"[\\"from the span\\"]"}}, {"key": "gen_ai.request.model"',
            1,
        ),
        lambda: _logs_line([details_record()]),
    ),
    "semantic kernel": (
        lambda: spans_line(),
        lambda: _logs_line(
            [
                _sk_record("Calling get_stock function with args: {}"),
                _sk_record('{"role": "user", "content": "How many units?"}', "gen_ai.user.message"),
                _sk_record(
                    '{"message": {"role": "assistant", "content": "120 units"}, "finish_reason": "stop"}',
                    "gen_ai.choice",
                ),
                _sk_record("OpenAI usage: CompletionUsage(completion_tokens=25)"),
            ],
            "semantic_kernel",
        ),
    ),
}


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> tuple[wb.Workspace, dict[str, str], Path]:
    """Every case's spans and logs files in one store, read in one call, each case a trace of its own (the trace
    id's last byte its number; a case was a store and a call of its own): the store (only read), each case's
    trace id and the files' folder."""
    folder = tmp_path_factory.mktemp("llmetry13")
    files, traces = [], {}
    for n, (case, (spans, logs)) in enumerate(CASES.items(), start=1):
        traces[case] = TRACE[:-2] + f"{n:02x}"
        files += [
            _write(folder / f"traces-{n}.jsonl", spans().replace(TRACE, traces[case])),
            _write(folder / f"logs-{n}.jsonl", logs().replace(TRACE, traces[case])),
        ]
    ws = wb.open()
    rep = ws.ingest(files)
    # (3 spans a case; 1, 3, 1 and 4 log records: every record stored)
    assert (rep.read, rep.stored, rep.quarantined) == (12 + 9, 12 + 9, 0), rep.errors
    return ws, traces, folder


def test_operation_details_records_give_their_span_its_messages(cases: tuple, tmp_path: Path) -> None:
    ws, traces, folder = cases
    # (the cases' files in this test's folder too: the files the module's tests write are compared by both readers
    # with WORKBENCH_READER_HARVEST=all, tests/ingest/_reader_agreement.py, from each test's tmp_path)
    for path in folder.iterdir():
        shutil.copy(path, tmp_path / path.name)
    inp, out = (json.loads(x) for x in _chat(ws, traces["details"]))
    assert [m["role"] for m in inp] == ["system", "user"]
    assert inp[1]["parts"][0]["content"] == "Research says 41.20"
    assert out[0]["parts"][0]["content"] == "The widget costs 14.20 USD."


def test_legacy_message_events_are_joined_in_order(cases: tuple) -> None:
    ws, traces, _ = cases
    inp, out = (json.loads(x) for x in _chat(ws, traces["legacy"]))
    assert inp == [
        {"role": "system", "content": "You write quotes."},
        {"role": "user", "content": "Research says 41.20"},
    ]
    assert out == [{"role": "assistant", "content": "The widget costs 14.20 USD.", "finish_reason": "stop"}]


def test_a_spans_own_messages_win_over_its_log_records(cases: tuple) -> None:
    """span_and_event mode writes both: the span's attributes are kept."""
    ws, traces, _ = cases
    inp, out = _chat(ws, traces["span's own"])
    assert out == '["from the span"]' and "Research says" in inp


def test_a_spans_other_log_records_are_kept_in_its_attributes(cases: tuple) -> None:
    """Semantic Kernel through the OTel logging handler: its messages' JSON text in the body (event.name in
    the attributes), and as many plain log lines of the same spans."""
    ws, traces, _ = cases
    inp, out = (json.loads(x) for x in _chat(ws, traces["semantic kernel"]))
    assert inp == [{"role": "user", "content": "How many units?"}]
    assert out == [{"role": "assistant", "content": "120 units", "finish_reason": "stop"}]
    attrs = json.loads(
        ws.sql(
            "SELECT attributes FROM steps WHERE run_id = ? AND step_id = ?",
            params=[traces["semantic kernel"], CHAT],
        ).fetchall()[0][0]
    )
    assert [n["body"] for n in attrs["otel.logs"]] == [
        "Calling get_stock function with args: {}",
        "OpenAI usage: CompletionUsage(completion_tokens=25)",
    ]
    assert attrs["otel.logs"][0]["severity"] == "INFO"


@pytest.mark.parametrize("fast", [True, False])
def test_logs_lines_between_span_lines_of_one_file(
    tmp_path: Path, fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Collector whose file exporter serves the traces and the logs pipelines writes both to one file
    (here the logs first: the file is still sniffed as OTLP); the SQL path hands the logs line to Python."""
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", fast)
    path = _write(tmp_path / "otel.jsonl", _logs_line([details_record()]), spans_line())
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored, rep.quarantined) == (4, 4, 0)
    assert json.loads(_chat(ws)[1])[0]["parts"][0]["content"] == "The widget costs 14.20 USD."


def test_logs_ingested_after_their_traces_fill_the_stored_steps(tmp_path: Path) -> None:
    ws = wb.open()
    ws.ingest(_write(tmp_path / "traces.jsonl", spans_line()))
    assert _chat(ws) == (None, None)
    rep = ws.ingest(_write(tmp_path / "logs.jsonl", _logs_line([details_record()])))
    assert (rep.read, rep.stored, rep.quarantined) == (1, 1, 0)
    assert "14.20" in _chat(ws)[1]
    assert ws.sql("SELECT count(*) FROM steps").fetchall()[0][0] == 3


def test_log_records_that_belong_to_no_stored_span_are_quarantined_with_file_and_line(tmp_path: Path) -> None:
    no_span = dict(details_record(), traceId="", spanId="")
    logs = _write(
        tmp_path / "logs.jsonl",
        _logs_line([details_record(span="9999999999999999")]),
        _logs_line([no_span]),
        "{not json",
    )
    spans = _write(tmp_path / "traces.jsonl", spans_line())
    ws = wb.open()
    rep = ws.ingest([spans, logs])
    assert (rep.read, rep.stored, rep.quarantined) == (6, 3, 3)
    rows = ws.sql(
        "SELECT line, reason FROM quarantine WHERE file LIKE '%logs.jsonl' ORDER BY line"
    ).fetchall()
    assert [r[0] for r in rows] == [1, 2, 3]
    assert "no such span in this ingest or the store" in rows[0][1] and "9999999999999999" in rows[0][1]
    assert "names no span" in rows[1][1]
    assert _chat(ws) == (None, None)


def test_operation_details_messages_given_as_json_text() -> None:
    from workbench.ingest._otlp_logs import log_messages

    inp, out = log_messages(
        "gen_ai.client.inference.operation.details",
        {
            "gen_ai.input.messages": '[{"role": "user", "parts": []}]',
            "gen_ai.output.messages": '[{"role": "assistant", "parts": []}]',
            "gen_ai.system_instructions": '[{"type": "text", "content": "Be brief."}]',
        },
        {},
    )
    assert inp == [
        {"role": "system", "parts": [{"type": "text", "content": "Be brief."}]},
        {"role": "user", "parts": []},
    ]
    assert out == [{"role": "assistant", "parts": []}]

"""Needless ``\\uXXXX`` escapes in JSON text values (.NET's ``I couldn\\u0027t``, Python's ensure_ascii
``Caf\\u00e9``) come out with their characters whatever reader staged them: the OTLP SQL fast path and Python reader
(Collector JSON and the SDK's protobuf JSON), OpenInference, native JSONL (SQL and Python paths), the run's task.
Values that are not JSON text, and escapes JSON needs, stay byte for byte; an invalid escape costs nothing but
its own record (as written inside a value) or is quarantined and named (breaking the record's own JSON).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest import _jsonio

T0 = 1_767_225_600_000_000_000
TRACE = "ab" * 16

# JSON text as the writers put it in attributes (a backslash, then u0027: the escape is in the text)
ASKED = '{"question":"Caf\\u00e9 \\ud83d\\ude00?"}'
ANSWER = '{"comment":"I couldn\\u0027t find it"}'
MESSAGES_IN = '[{"role":"user","parts":[{"type":"text","content":"Z\\u00fcrich?"}]}]'
MESSAGES_OUT = '[{"role":"assistant","parts":[{"type":"text","content":"It\\u0027s 23\\u00b0C"}]}]'
ARGS = '{"city":"Z\\u00fcrich","q":"say \\u0022hi\\u0022 C:\\\\u0027 \\u005c"}'
RESULT = '{"t":"23\\u00b0C","bad":"\\uZZZZ"}'  # an invalid escape: no JSON, kept as written
PLAIN = "plain I couldn\\u0027t"  # a user's own text, not JSON: kept
LONE = '"\\ud800 lone"'  # an unpaired surrogate: kept

EXPECTED = {  # step: (input, output) stored
    1: ('{"question":"Café 😀?"}', '{"comment":"I couldn\'t find it"}'),
    2: (
        '[{"role":"user","parts":[{"type":"text","content":"Zürich?"}]}]',
        '[{"role":"assistant","parts":[{"type":"text","content":"It\'s 23°C"}]}]',
    ),
    # (the quote, the backslash and the escaped backslash before "u0027" are escapes JSON needs)
    3: ('{"city":"Zürich","q":"say \\u0022hi\\u0022 C:\\\\u0027 \\u005c"}', RESULT),
    4: (PLAIN, LONE),
}


def _attr(key: str, value: str) -> dict:
    return {"key": key, "value": {"stringValue": value}}


def _spans(sdk: bool, trace: str = TRACE) -> list[dict]:
    """Four spans: an agent (input.value / output.value), a chat (GenAI messages), two tool calls (arguments,
    results). ``sdk``: as the SDK's encoder and protobuf's JSON mapping write them (base64 ids, enum names)."""

    def span(i: int, parent: int | None, name: str, attrs: list) -> dict:
        ids = (trace, f"{i:016x}", "" if parent is None else f"{parent:016x}")
        if sdk:
            ids = tuple(base64.b64encode(bytes.fromhex(x)).decode() for x in ids)
        return {
            "traceId": ids[0],
            "spanId": ids[1],
            "parentSpanId": ids[2],
            "name": name,
            "kind": "SPAN_KIND_INTERNAL" if sdk else 1,
            "startTimeUnixNano": str(T0 + i * 10**8),
            "endTimeUnixNano": str(T0 + i * 10**8 + 5 * 10**7),
            "attributes": attrs,
            "status": {"code": "STATUS_CODE_OK"} if sdk else {},
        }

    tool = [_attr("gen_ai.operation.name", "execute_tool")]
    return [
        span(
            1,
            None,
            "invoke_agent Insights",
            [
                _attr("gen_ai.operation.name", "invoke_agent"),
                _attr("gen_ai.agent.name", "Insights"),
                _attr("input.value", ASKED),
                _attr("output.value", ANSWER),
            ],
        ),
        span(
            2,
            1,
            "chat gpt-4o",
            [
                _attr("gen_ai.operation.name", "chat"),
                _attr("gen_ai.request.model", "gpt-4o"),
                _attr("gen_ai.input.messages", MESSAGES_IN),
                _attr("gen_ai.output.messages", MESSAGES_OUT),
            ],
        ),
        span(
            3,
            1,
            "execute_tool weather",
            [
                *tool,
                _attr("gen_ai.tool.name", "weather"),
                _attr("gen_ai.tool.call.arguments", ARGS),
                _attr("gen_ai.tool.call.result", RESULT),
            ],
        ),
        span(
            4,
            1,
            "execute_tool echo",
            [
                *tool,
                _attr("gen_ai.tool.name", "echo"),
                _attr("gen_ai.tool.call.arguments", PLAIN),
                _attr("gen_ai.tool.call.result", LONE),
            ],
        ),
    ]


def _otlp_line(spans: list[dict], scope: str = "agents") -> str:
    return json.dumps(
        {
            "resourceSpans": [
                {"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": scope}, "spans": spans}]}
            ]
        }
    )


def _stored(
    path: Path | list[Path], sql_path: bool, monkeypatch: pytest.MonkeyPatch, runs: list[str] | None = None
) -> tuple[wb.IngestReport, dict, dict]:
    """The report of one call and each step's (input, output) and attributes, by step number; with ``runs``, by
    run, each of them."""
    # (a file under SQL_MIN_BYTES is read in Python; 0 sends every file to its format's SQL fast path)
    monkeypatch.setattr(_jsonio, "SQL_MIN_BYTES", 0 if sql_path else 10**9)
    ws = wb.open()
    report = ws.ingest(path, progress=False)
    by_run = {}
    for run in runs or [None]:
        where, params = ("WHERE run_id = ?", [run]) if run else ("", None)
        rows = {
            int(s, 16): (i, o)
            for s, i, o in ws.sql(f"SELECT step_id, input, output FROM steps {where}", params).fetchall()
        }
        # (each step's attributes beside: rows compares input and output only)
        attributes = dict(ws.sql(f"SELECT step_id, attributes FROM steps {where}", params).fetchall())
        by_run[run] = rows, attributes
    ws.close()
    if runs is None:
        return report, *by_run[None]
    return report, {r: v[0] for r, v in by_run.items()}, {r: v[1] for r, v in by_run.items()}


@pytest.mark.parametrize("sql_path", [True, False], ids=["sql", "python"])
def test_otlp_values_read_with_their_characters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sql_path: bool
) -> None:
    # (the Collector's encoding and the SDK's, a file each in one call, each its own trace: a call each before)
    paths, traces = [], {False: TRACE, True: "cd" * 16}
    for sdk, trace in traces.items():
        spans = _spans(sdk, trace)
        if not sdk:  # an attribute's JSON text with an escape is kept as written
            spans[2]["attributes"].append(_attr("app.note", '{"n":"Caf\\u00e9"}'))
        paths.append(tmp_path / f"agents-{'sdk' if sdk else 'collector'}.otlp.jsonl")
        paths[-1].write_text(_otlp_line(spans) + "\n")
    report, by_run, attributes = _stored(paths, sql_path, monkeypatch, list(traces.values()))
    assert (report.read, report.stored, report.quarantined) == (8, 8, 0)
    for sdk, trace in traces.items():
        rows = by_run[trace]
        assert rows == EXPECTED, "sdk" if sdk else "collector"
        for step in (1, 2):  # still the value the writer meant
            assert [json.loads(v) for v in rows[step]] == [json.loads(v) for v in EXPECTED[step]]
    assert json.loads(attributes[TRACE][f"{3:016x}"])["app.note"] == '{"n":"Caf\\u00e9"}'


def test_an_escape_that_breaks_the_line_costs_only_its_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "\uZZZZ" written as the line's own JSON (not inside a JSON text value): that line is no JSON
    good, bad = _otlp_line(_spans(False)[:2]), _otlp_line(_spans(False)[2:]).replace("\\\\uZZZZ", "\\uZZZZ")
    assert "\\uZZZZ" in bad and "\\\\uZZZZ" not in bad
    path = tmp_path / "agents.otlp.jsonl"
    path.write_text(good + "\n" + bad + "\n")
    for sql_path in (True, False):
        report, rows, _ = _stored(path, sql_path, monkeypatch)
        assert (report.stored, report.quarantined) == (2, 1), sql_path
        assert rows == {1: EXPECTED[1], 2: EXPECTED[2]}
        assert [e.rsplit(".jsonl:", 1)[1] for e in report.errors] == [
            "2: broken JSON: invalid escaped sequence in string: line 1 column 748 (char 747)"
        ], report.errors


def test_openinference_values_read_with_their_characters(tmp_path: Path) -> None:
    base = {"context.trace_id": TRACE, "status_code": "OK", "status_message": "", "events": []}
    rows = [
        {
            **base,
            "context.span_id": "a1",
            "parent_id": None,
            "name": "Agent.run",
            "span_kind": "AGENT",
            "start_time": 1714564800000,
            "end_time": 1714564805000,
            "attributes.openinference.span.kind": "AGENT",
            "attributes.input.value": ASKED,
            "attributes.output.value": ANSWER,
        },
        {
            **base,
            "context.span_id": "c3",
            "parent_id": "a1",
            "name": "weather",
            "span_kind": "TOOL",
            "start_time": 1714564801200,
            "end_time": 1714564801900,
            "attributes.openinference.span.kind": "TOOL",
            "attributes.tool.name": "weather",
            "attributes.input.value": ARGS,
            "attributes.output.value": PLAIN,
        },
    ]
    path = tmp_path / "spans.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    ws = wb.open()
    report = ws.ingest(path, format="openinference", progress=False)
    assert (report.read, report.stored, report.quarantined) == (2, 2, 0)
    got = dict(((s, (i, o)) for s, i, o in ws.sql("SELECT step_id, input, output FROM steps").fetchall()))
    assert got == {"a1": EXPECTED[1], "c3": (EXPECTED[3][0], PLAIN)}


@pytest.mark.parametrize("sql_path", [True, False], ids=["sql", "python"])
def test_native_values_and_task_read_with_their_characters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sql_path: bool
) -> None:
    step = {"record": "step", "run_id": "r1", "agent": "pricer", "started_at": T0, "ended_at": T0 + 10**6}
    records = [
        {"record": "run", "run_id": "r1", "system": "desk", "task": '{"ask":"price Caf\\u00e9 beans"}'},
        {**step, "step_id": "s1", "kind": "llm", "input": MESSAGES_IN, "output": MESSAGES_OUT},
        {**step, "step_id": "s2", "kind": "tool", "input": ARGS, "output": RESULT},
        {**step, "step_id": "s3", "kind": "tool", "input": PLAIN, "output": LONE},
        # an object: written compact by DuckDB, its characters as they are
        {**step, "step_id": "s4", "kind": "tool", "input": {"city": "Zürich"}, "output": "Z\u00fcrich"},
    ]
    path = tmp_path / "run.jsonl"
    path.write_text(
        "".join(json.dumps(r) + "\n" for r in records)
        + '{"record": "step", "run_id": "r1", "step_id": "s5", "output": "caf\\uZZZZ"}\n'
    )
    monkeypatch.setattr(_jsonio, "SQL_MIN_BYTES", 0 if sql_path else 10**9)
    ws = wb.open()
    report = ws.ingest(path, progress=False)
    assert (report.read, report.stored, report.quarantined) == (5, 4, 1)  # (the last line is no JSON)
    assert [e.rsplit(".jsonl:", 1)[1] for e in report.errors] == [
        "6: broken JSON: invalid escaped sequence in string: line 1 column 67 (char 66)"
    ], report.errors
    got = {s: (i, o) for s, i, o in ws.sql("SELECT step_id, input, output FROM steps").fetchall()}
    assert got == {
        "s1": EXPECTED[2],
        "s2": EXPECTED[3],
        "s3": EXPECTED[4],
        "s4": ('{"city":"Zürich"}', "Zürich"),
    }
    assert ws.sql("SELECT task FROM runs").fetchall() == [('{"ask":"price Café beans"}',)]


def test_a_tool_call_read_out_of_the_messages_has_its_characters(tmp_path: Path) -> None:
    # No tool span: the call is staged from the model's request (message_tools), its arguments the text the
    # writer's json.dumps put there (ensure_ascii), its result the tool message's content. The model steps'
    # messages keep the arguments as a JSON string inside JSON: that text's own escapes are kept.
    args, result = json.dumps({"city": "Zürich"}), json.dumps({"t": "23°C"})
    assert "\\u00fc" in args and "\\u00b0" in result
    asked = {
        "role": "assistant",
        "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": args}}
        ],
    }
    conversation = [
        {"role": "user", "content": "weather?"},
        asked,
        {"role": "tool", "tool_call_id": "call_1", "content": result},
    ]
    chat = [_attr("gen_ai.operation.name", "chat"), _attr("gen_ai.request.model", "m")]
    spans = _spans(False)[:1] + [
        {
            **_spans(False)[1],
            "attributes": [
                *chat,
                _attr("input.value", json.dumps(conversation[:1])),
                _attr("output.value", json.dumps(asked, ensure_ascii=False)),
            ],
        },
        {
            **_spans(False)[2],
            "name": "chat",
            "attributes": [
                *chat,
                _attr("input.value", json.dumps(conversation)),
                _attr("output.value", '{"content":"23 degrees"}'),
            ],
        },
    ]
    path = tmp_path / "agents.otlp.jsonl"
    path.write_text(_otlp_line(spans) + "\n")
    ws = wb.open()
    report = ws.ingest(path, progress=False)
    assert (report.read, report.stored, report.quarantined) == (4, 4, 0)
    tools = ws.sql("SELECT tool, input, output FROM steps WHERE kind = 'tool'").fetchall()
    assert tools == [("weather", '{"city": "Zürich"}', '{"t": "23°C"}')]
    (said,) = ws.sql("SELECT output FROM steps WHERE step_id = ?", params=[f"{2:016x}"]).fetchall()[0]
    assert said == json.dumps(asked, ensure_ascii=False) and "Z\\\\u00fcrich" in said


def test_a_tool_span_filled_from_log_records_has_its_characters(tmp_path: Path) -> None:
    # util-genai's event_only mode: the tool span names its call; the arguments are in the model's output message,
    # a log record's, as the text json.dumps wrote (attached in the merge, after the stage's pass)
    def span(i: int, name: str, attrs: list) -> dict:
        return {
            **_spans(False)[0],
            "spanId": f"{i:016x}",
            "parentSpanId": f"{1:016x}",
            "name": name,
            "attributes": attrs,
        }

    spans = [
        _spans(False)[0],
        span(2, "chat m", [_attr("gen_ai.operation.name", "chat")]),
        span(
            3,
            "execute_tool weather",
            [
                _attr("gen_ai.operation.name", "execute_tool"),
                _attr("gen_ai.tool.name", "weather"),
                _attr("gen_ai.tool.call.id", "call_1"),
            ],
        ),
    ]
    call = {
        "type": "tool_call",
        "id": "call_1",
        "name": "weather",
        "arguments": json.dumps({"city": "Zürich"}),
    }
    messages = {
        "gen_ai.input.messages": [{"role": "user", "parts": [{"type": "text", "content": "weather?"}]}],
        "gen_ai.output.messages": [{"role": "assistant", "parts": [call]}],
    }
    record = {
        "body": {},
        "traceId": TRACE,
        "spanId": f"{2:016x}",
        "observedTimeUnixNano": str(T0 + 3 * 10**8),
        "eventName": "gen_ai.client.inference.operation.details",
        "attributes": [{"key": k, "value": {"stringValue": json.dumps(v)}} for k, v in messages.items()],
    }
    traces, logs = tmp_path / "traces.jsonl", tmp_path / "logs.jsonl"
    traces.write_text(_otlp_line(spans, "opentelemetry.util.genai.handler") + "\n")
    logs.write_text(
        json.dumps(
            {
                "resourceLogs": [
                    {
                        "resource": {"attributes": []},
                        "scopeLogs": [
                            {"scope": {"name": "opentelemetry.util.genai.handler"}, "logRecords": [record]}
                        ],
                    }
                ]
            }
        )
        + "\n"
    )
    ws = wb.open()
    report = ws.ingest([traces, logs], progress=False)
    assert (report.read, report.stored, report.quarantined) == (4, 4, 0)
    assert ws.sql("SELECT input FROM steps WHERE kind = 'tool'").fetchall() == [('{"city": "Zürich"}',)]

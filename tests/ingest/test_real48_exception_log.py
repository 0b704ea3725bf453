"""The GenAI exception event sent as an OTLP log record fails its step and names its error, as the same event on
the span does (semconv47's strict xfail, now a plain test in test_semconv47_genai_latest.py).

The shape: OpenTelemetry's Java instrumentation records a failed GenAI client call's exception as a log-based event
(``GenAiExceptionEventExtractors.client()``: event name ``gen_ai.client.operation.exception``, severity WARN;
``instrumentation-api-incubator/.../genai/GenAiExceptionEventExtractors.java``, opentelemetry-java-instrumentation)
with the exception's attributes ``exception.type`` / ``exception.message`` / ``exception.stacktrace``
(semantic-conventions ``docs/exceptions/exceptions-events.md``), the record naming its span by trace and span id;
a Collector writes it as a ``resourceLogs`` line. Before, the record was kept in the step's ``otel.logs`` as a note
without its attributes: a call that failed said nothing of why, one whose span left its status unset was not
failed, and a root's did not fail its run.

Spans and records in separate calls (the records after their spans), the spans given again, then the records
again: the first call's records read as given in one call, a repeat adds nothing and quarantines nothing.
"""

from __future__ import annotations

import json

import pytest
from _otlp_json import otlp_span, string_attrs

import workbench as wb

T0 = 1_796_132_000_000_000_000
TRACE = "e9" * 16
CAUSE = (
    'Traceback (most recent call last):\n  File "client.py", line 9, in send\n'
    "TimeoutError: read timed out\n\nThe above exception was the direct cause of the following exception:\n\n"
    'Traceback (most recent call last):\n  File "agent.py", line 3, in run\nopenai.APITimeoutError: Request timed out.\n'
)


def _span(n: int, parent: int | None, name: str, attrs: dict, status: dict) -> dict:
    return otlp_span(TRACE, n, parent, name, attrs, T0, status, kind="SPAN_KIND_CLIENT")


def _spans() -> str:
    chat = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.provider.name": "openai",
    }
    spans = [
        _span(
            21,
            None,
            "invoke_agent pricer",
            {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "pricer"},
            {},
        ),
        _span(22, 21, "chat gpt-4o-mini", chat, {"code": "STATUS_CODE_ERROR"}),
        _span(23, 21, "chat gpt-4o-mini", chat, {}),
        _span(24, 21, "chat gpt-4o-mini", chat, {"code": "STATUS_CODE_ERROR", "message": "HTTP 429"}),
        _span(25, 21, "chat gpt-4o-mini", chat, {"code": "STATUS_CODE_OK"}),
    ]
    doc = {
        "resourceSpans": [
            {
                "resource": {"attributes": string_attrs({"service.name": "quote-desk"})},
                "scopeSpans": [{"scope": {"name": "io.opentelemetry.openai-java-1.1"}, "spans": spans}],
            }
        ]
    }
    return json.dumps(doc) + "\n"


def _record(n: int, attrs: dict, event: str = "gen_ai.client.operation.exception") -> dict:
    return {
        "timeUnixNano": str(T0 + n * 1_000_000 + 400_000),
        "severityNumber": 13,
        "eventName": event,
        "traceId": TRACE,
        "spanId": f"{n:016x}",
        "attributes": string_attrs(attrs),
    }


def _logs() -> str:
    timeout = {"exception.type": "openai.APITimeoutError", "exception.message": "Request timed out."}
    records = [
        _record(22, timeout),
        _record(23, {**timeout, "exception.stacktrace": CAUSE}),
        _record(24, timeout),
        # (an app's own log line on a step: a note, as before, and no failure)
        {**_record(25, {}, event=None), "body": {"stringValue": "retrying"}},
        _record(21, {"exception.type": "openai.APITimeoutError"}),
    ]
    doc = {
        "resourceLogs": [
            {
                "resource": {"attributes": []},
                "scopeLogs": [{"scope": {"name": "io.opentelemetry.openai-java-1.1"}, "logRecords": records}],
            }
        ]
    }
    return json.dumps(doc) + "\n"


@pytest.fixture(scope="module")
def calls(tmp_path_factory: pytest.TempPathFactory) -> dict:
    d = tmp_path_factory.mktemp("real48_exc")
    (d / "spans.otlp.jsonl").write_text(_spans())
    (d / "logs.otlp.jsonl").write_text(_logs())
    ws = wb.open()
    query = "SELECT step_id, status, error, attributes FROM steps ORDER BY step_id"
    out: dict = {}
    for key, name in (("spans", "spans"), ("logs", "logs"), ("spans_again", "spans"), ("logs_again", "logs")):
        rep = ws.ingest(d / f"{name}.otlp.jsonl", progress=False)
        out[key] = (
            (rep.read, rep.stored, rep.quarantined),
            {int(r[0], 16): (r[1], r[2], json.loads(r[3] or "{}")) for r in ws.sql(query).fetchall()},
            ws.sql("SELECT outcome, outcome_source FROM runs").fetchall(),
        )
    return out


def test_exception_record_fills_the_error_and_fails_the_step(calls: dict) -> None:
    counts, steps, runs = calls["logs"]
    assert counts == (5, 5, 0)
    # the span said error and nothing of why: the record's message (as the span event's)
    assert steps[22][:2] == ("error", "Request timed out.")
    # the span left its status unset: failed all the same, Type: message with the root cause beside it
    assert steps[23][:2] == (
        "error",
        "openai.APITimeoutError: Request timed out. (caused by TimeoutError: read timed out)",
    )
    assert steps[23][2]["otel.log_status"] == "unset" and "error" in steps[23][2]["otel.log_filled"]
    # the span's own message wins
    assert steps[24][:2] == ("error", "HTTP 429") and "otel.log_status" not in steps[24][2]
    # a record that is no exception fails nothing
    assert steps[25][:2] == ("ok", None) and steps[25][2]["otel.logs"][0]["body"] == "retrying"


def test_exception_record_on_the_root_fails_the_run(calls: dict) -> None:
    assert calls["spans"][2] == [("unknown", "none")]
    assert calls["logs"][1][21][:2] == ("error", "openai.APITimeoutError")
    assert calls["logs"][2] == [("failure", "root_status")]


def test_spans_and_records_given_again_change_nothing(calls: dict) -> None:
    assert calls["spans_again"][0] == (5, 5, 0) and calls["logs_again"][0] == (5, 5, 0)
    assert calls["spans_again"][1:] == calls["logs"][1:] == calls["logs_again"][1:]

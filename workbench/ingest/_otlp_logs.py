"""OTLP log records that carry a span's GenAI messages, read beside the spans and folded into their steps.

The OpenTelemetry GenAI instrumentations (opentelemetry-instrumentation-openai-v2, -google-genai,
-vertexai, Semantic Kernel …) put message content in log records, not in span attributes: one event per
message (``gen_ai.user.message`` … ``gen_ai.choice``, semantic conventions up to 1.36) or one
``gen_ai.client.inference.operation.details`` record with ``gen_ai.input.messages`` /
``gen_ai.output.messages`` (later ones). Each names its span by ``traceId`` / ``spanId``. A Collector
writes them as ``{"resourceLogs": [...]}`` lines, in a file of their own or between the spans' lines.

Each log record is one record read. It is stored as part of its step: the step's input / output, when
the span itself carries none; any other log record of the span (an app's own logging through the OTel
handler: Semantic Kernel writes as many of those as messages) goes to the step's attributes, ``otel.logs``
(``[{"time", "severity", "event", "body"}]``). Both are in the order the records happened: by their time
(the record's own ``timeUnixNano``, else its ``observedTimeUnixNano``), then reading order; a record with
neither is placed where it was read: after the record of its step read just before it in its file, else at
its span's start (span_logs_attach.sql). A conversation whose records a Collector wrote out of order, or over files ingested in
any order, reads the same. A record whose
span is neither in this ingest call nor in the store, or that names no span, is quarantined with its file and
line; so is a record whose span the merge quarantines (a conflicting copy, a parent cycle): which copy it
belongs to cannot be told, and its step is not stored.

This module reads and stages the records (a call's first job); after staging, ``_span_logs_match`` keeps
those whose span is staged or stored and quarantines the others; in the merge, ``_span_logs_attach`` folds
them into their steps.
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

import orjson

from ._base import MAX_FIELD_BYTES, Stage
from ._convention_table import DETAILS_EVENTS, EXCEPTION_EVENTS, INPUT_EVENTS, OUTPUT_EVENTS
from ._depth import MAX_DEPTH, deeper_than
from ._exception_cause import exception_error
from ._instructions import SYSTEM_INSTRUCTIONS, with_instructions
from ._json_text import json_or_text
from ._otlp_shapes import json_type
from ._span_outcome import recorded_failure
from ._span_values import as_text
from ._stage_tables import arrow_type
from ._values import checked_ns

# (file, line, run_id, step_id, input, output, note, time, raw, error, caught) per log record read, in reading
# order; error / caught: an exception record's error for a span that failed / one whose status said no error.
_COLUMNS = {
    "file": "VARCHAR",
    "line": "BIGINT",
    "run_id": "VARCHAR",
    "step_id": "VARCHAR",
    "input": "VARCHAR",
    "output": "VARCHAR",
    "note": "VARCHAR",
    "time": "VARCHAR",
    "raw": "VARCHAR",
    "error": "VARCHAR",
    "caught": "VARCHAR",
}
# Log records held in Python before they go to the temporary table stage_span_log_rows: a logs file of
# millions of records (each with its raw text) stays out of the process's memory, as staged spans do.
_LOG_CHUNK = 20_000


def log_messages(event: Any, attrs: dict[str, Any], body: Any) -> tuple[Any, Any]:
    """``(input, output)`` message lists of one GenAI log record (None where it has none).

    ``gen_ai.<role>.message``'s body is one message of that role; ``gen_ai.choice``'s body holds the
    reply (``{"index", "finish_reason", "message": {...}}``); an operation-details record carries the whole
    exchange in ``gen_ai.input.messages`` / ``gen_ai.output.messages`` (attributes, or its body).
    """
    if isinstance(body, str) and body[:1] == "{" and event in INPUT_EVENTS | OUTPUT_EVENTS:
        # (Semantic Kernel logs the message's JSON text through Python logging)
        try:
            body = orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
    if event in INPUT_EVENTS:
        msg = body if isinstance(body, dict) else ({"content": body} if body is not None else {})
        return [{"role": event[7:-8], **msg}], None
    if event in OUTPUT_EVENTS:
        if isinstance(body, dict) and isinstance(body.get("message"), dict):
            extra = {k: v for k, v in body.items() if k not in ("message", "index")}
            return None, [{"role": "assistant", **body["message"], **extra}]
        return None, [body] if body is not None else None
    if event in DETAILS_EVENTS:
        src = attrs if attrs.get("gen_ai.input.messages") is not None or not isinstance(body, dict) else body
        inp, out = _json_list(src.get("gen_ai.input.messages")), _json_list(src.get("gen_ai.output.messages"))
        return with_instructions(inp, src.get(SYSTEM_INSTRUCTIONS)), out
    return None, None


def _json_list(value: Any) -> Any:
    """A message list given as its JSON text (as span attributes carry it) is the list."""
    return json_or_text(value) if isinstance(value, str) and value[:1] == "[" else value


def stage_log_record(
    stage: Stage,
    line: int,
    tid: str,
    sid: str,
    event: Any,
    attrs: dict[str, Any],
    body: Any,
    raw: Any,
    severity: Any = None,
    when: Any = None,
) -> None:
    """Stage one log record of span ``sid``: its GenAI messages, or else the record as a note.

    ``when`` is the record's time (:func:`record_time`), ``severity`` its level (:func:`record_severity`).
    """
    inp, out = log_messages(event, attrs, body)
    note = error = caught = None
    if inp is None and out is None:
        note = _within_limits({"time": when, "severity": severity, "event": event, "body": body}, "body")
    if event in EXCEPTION_EVENTS:
        # (its span's error, as the same event on the span gives it: span_logs_attach.sql)
        said = attrs.get("exception.message") or attrs.get("exception.type")
        if said is not None:
            error = _within_limits(exception_error(said, attrs.get("exception.stacktrace")), "error")
        caught = _within_limits(recorded_failure([{"name": event, "attributes": attrs}]), "error")
    stage.span_logs.append(
        (
            stage.file,
            line,
            tid,
            sid,
            _within_limits(_as_list(inp), "input"),
            _within_limits(_as_list(out), "output"),
            note,
            when,
            _raw(raw),
            error,
            caught,
        )
    )
    stage.read += 1
    if len(stage.span_logs) >= _LOG_CHUNK:
        _write_log_rows(stage)


# OTLP's SeverityNumber ranges (logs data model): 1-4 TRACE, 5-8 DEBUG, 9-12 INFO, 13-16 WARN, 17-20 ERROR,
# 21-24 FATAL; the 2nd-4th of a range add a digit (INFO2).
_SEVERITY_RANGES = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")


def record_severity(text: Any, number: Any) -> str | None:
    """A log record's level: its ``severityText``, else the name of its ``severityNumber``.

    The number comes as an integer (protobuf JSON) or as the enum's name (``SEVERITY_NUMBER_INFO``, as the
    Python SDK's JSON writes it).
    """
    if isinstance(text, str) and text:
        return text
    if isinstance(number, str):
        if number.startswith("SEVERITY_NUMBER_"):
            name = number[16:]
            return None if name == "UNSPECIFIED" else name
        number = int(number) if number.isascii() and number.isdigit() else None
    if isinstance(number, int) and 1 <= number <= 24:
        base, step = _SEVERITY_RANGES[(number - 1) // 4], (number - 1) % 4
        return base if step == 0 else f"{base}{step + 1}"
    return None


def record_time(time_ns: Any, observed_ns: Any) -> str | None:
    """When a log record's event happened, as ISO 8601 UTC with nanoseconds: ``timeUnixNano``, or when it
    is unset (0 or absent, as the OTel GenAI events leave it) the ``observedTimeUnixNano`` the SDK stamped.
    ValueError for a time past what the store holds (2262), as for a span's: the record is quarantined."""
    for value in (time_ns, observed_ns):
        try:
            ns = int(value) if value is not None else 0
        except (TypeError, ValueError):
            continue
        if ns > 0:
            checked_ns(ns, "log record time")
            sec, frac = divmod(ns, 1_000_000_000)
            return f"{_utc_second(sec)}.{frac:09d}Z"
    return None


@lru_cache(maxsize=4096)
def _utc_second(sec: int) -> str:
    # (a batch's records fall in few seconds: formatting each one cost 12 µs a record)
    return datetime.fromtimestamp(sec, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def _write_log_rows(stage: Stage) -> None:
    """Move the log records held in ``stage.span_logs`` to the temporary table stage_span_log_rows (created
    anew by a call's first write), numbered in reading order."""
    rows = stage.span_logs
    if not rows:
        return
    import pyarrow as pa  # (here, not with the module: see _stage_tables.arrow_type)

    con = stage.con
    if not stage.span_logs_written:
        ddl = ", ".join(f"{c} {t}" for c, t in _COLUMNS.items())
        con.execute(f"CREATE OR REPLACE TEMP TABLE stage_span_log_rows ({ddl}, ord BIGINT)")
    cols = list(zip(*rows, strict=True))
    table = pa.table(
        {c: pa.array(v, type=arrow_type(t)) for (c, t), v in zip(_COLUMNS.items(), cols, strict=True)}
    )
    start = stage.span_logs_written
    table = table.append_column("ord", pa.array(range(start, start + len(rows)), pa.int64()))
    con.register("_wb_span_log_batch", table)
    try:
        con.execute("INSERT INTO stage_span_log_rows SELECT * FROM _wb_span_log_batch")
    finally:
        con.unregister("_wb_span_log_batch")
    stage.span_logs_written += len(rows)
    stage.span_logs = []


def _as_list(value: Any) -> list | None:
    return value if value is None or isinstance(value, list) else [value]


def _within_limits(value: Any, field: str) -> str | None:
    """``value``'s text, held to a span's field limits (size, nesting): a record past them is quarantined
    (BadRecord), as a span would be, not stored into its step past them."""
    text = as_text(value)
    if text is None:
        return None
    why = None
    if len(text) > MAX_FIELD_BYTES // 4 and len(text.encode("utf-8", "surrogatepass")) > MAX_FIELD_BYTES:
        why = (
            f"field {field!r} is {len(text.encode('utf-8', 'surrogatepass'))} bytes (limit {MAX_FIELD_BYTES})"
        )
    elif text.count("[") + text.count("{") > MAX_DEPTH and deeper_than(value):
        why = f"field {field!r} is nested deeper than {MAX_DEPTH} levels (the limit)"
    if why is not None:
        from ._otlp_read import BadRecord  # (that module imports this one)

        raise BadRecord(why)
    return text


def _raw(raw: Any) -> str | None:
    try:
        return orjson.dumps(raw, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return str(raw)


def stage_resource_logs(rls: Any, line: int, stage: Stage, snake: bool) -> None:
    """Stage the log records of one ``resourceLogs`` list (a document's, on line ``line``)."""
    from ._otlp_read import BadRecord, _why, any_value, attributes, hex_id

    k_scopes, k_records = ("scope_logs", "log_records") if snake else ("scopeLogs", "logRecords")
    k_trace, k_span, k_event = (
        ("trace_id", "span_id", "event_name") if snake else ("traceId", "spanId", "eventName")
    )
    string_key = "string_value" if snake else "stringValue"
    if not isinstance(rls, list):
        stage.reject(line=line, reason="resourceLogs is not a list", raw=rls)
        return
    for rl in rls:
        scopes = rl.get(k_scopes, rl.get("instrumentationLibraryLogs")) if isinstance(rl, dict) else None
        if not isinstance(scopes, list):
            stage.reject(line=line, reason="malformed resourceLogs entry: no scopeLogs list", raw=rl)
            continue
        for sl in scopes:
            records = sl.get(k_records) if isinstance(sl, dict) else None
            if not isinstance(records, list):
                stage.reject(line=line, reason="malformed scopeLogs entry: no logRecords list", raw=sl)
                continue
            for rec in records:
                tid = sid = None
                try:
                    if not isinstance(rec, dict):
                        raise BadRecord(f"log record is a JSON {json_type(rec)}, not an object")
                    if not rec.get(k_trace) or not rec.get(k_span):
                        raise BadRecord(
                            "log record names no span (no traceId / spanId): it belongs to no step"
                        )
                    tid = hex_id(rec.get(k_trace), 16, "traceId")
                    sid = hex_id(rec.get(k_span), 8, "spanId")
                    attrs = attributes(rec.get("attributes"), string_key)
                    event = rec.get(k_event) or attrs.get("event.name")
                    severity = record_severity(
                        rec.get("severityText", rec.get("severity_text")),
                        rec.get("severityNumber", rec.get("severity_number")),
                    )
                    when = record_time(
                        rec.get("timeUnixNano", rec.get("time_unix_nano")),
                        rec.get("observedTimeUnixNano", rec.get("observed_time_unix_nano")),
                    )
                    stage_log_record(
                        stage, line, tid, sid, event, attrs, any_value(rec.get("body")), rec, severity, when
                    )
                    why = None
                except (BadRecord, KeyError, TypeError, AttributeError, ValueError, RecursionError) as exc:
                    why = f"bad log record: {_why(exc)}"
                if why is not None:
                    stage.reject(line=line, reason=why, raw=rec, run_id=tid, step_id=sid)

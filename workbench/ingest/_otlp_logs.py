"""OTLP log records that carry a span's GenAI messages, read beside the spans and folded into their steps.

The OpenTelemetry GenAI instrumentations (opentelemetry-instrumentation-openai-v2, -google-genai,
-vertexai, Semantic Kernel …) put message content in log records, not in span attributes: one event per
message (``gen_ai.user.message`` … ``gen_ai.choice``, semantic conventions up to 1.36) or one
``gen_ai.client.inference.operation.details`` record with ``gen_ai.input.messages`` /
``gen_ai.output.messages`` (later ones). Each names its span by ``traceId`` / ``spanId``. A Collector
writes them as ``{"resourceLogs": [...]}`` lines, in a file of their own or between the spans' lines.

Each log record is one record read. It is stored as part of its step: the step's input / output, when
the span itself carries none (its messages in the order the records were read); any other log record of
the span (an app's own logging through the OTel handler: Semantic Kernel writes as many of those as
messages) goes to the step's attributes, ``otel.logs`` (``[{"severity", "event", "body"}]``, in reading
order). A record whose span is neither in this ingest call nor in the store, or that names no span, is
quarantined with its file and line.
"""

from __future__ import annotations

from typing import Any

import orjson

from ..store._connection import sql_statements
from ._base import Stage
from ._conventions import DETAILS_EVENTS, INPUT_EVENTS, OUTPUT_EVENTS, as_text
from ._stage_tables import arrow_type

# (file, line, run_id, step_id, input, output, note, raw) per log record read, in reading order.
_COLUMNS = {"file": "VARCHAR", "line": "BIGINT", "run_id": "VARCHAR", "step_id": "VARCHAR",
            "input": "VARCHAR", "output": "VARCHAR", "note": "VARCHAR", "raw": "VARCHAR"}


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
        system = _json_list(src.get("gen_ai.system_instructions"))
        if system is not None and isinstance(inp, list):
            inp = [{"role": "system", "parts": system if isinstance(system, list) else [system]}, *inp]
        return inp, out
    return None, None


def _json_list(value: Any) -> Any:
    """A message list given as its JSON text (as span attributes carry it) is the list."""
    if isinstance(value, str) and value[:1] == "[":
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


def stage_log_record(stage: Stage, line: int, tid: str, sid: str, event: Any, attrs: dict[str, Any],
                     body: Any, raw: Any, severity: Any = None) -> None:
    """Stage one log record of span ``sid``: its GenAI messages, or else the record as a note."""
    inp, out = log_messages(event, attrs, body)
    note = None
    if inp is None and out is None:
        note = as_text({"severity": severity, "event": event, "body": body})
    stage.span_logs.append((stage.file, line, tid, sid, _list_text(inp), _list_text(out), note, _raw(raw)))
    stage.read += 1


def _list_text(value: Any) -> str | None:
    if value is None:
        return None
    return as_text(value if isinstance(value, list) else [value])


def _raw(raw: Any) -> str | None:
    try:
        return orjson.dumps(raw, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return str(raw)


def match_span_logs(stage: Stage, moves: dict[str, str] | None = None) -> None:
    """After staging: keep the log records whose span is staged or stored; quarantine the others.

    ``moves`` maps the traces that span links joined into another run (staged or stored) to that run: a
    record follows its span there. Leaves the kept ones in the temporary table ``stage_span_logs`` for
    :func:`attach_span_logs`.
    """
    rows = stage.span_logs
    if not rows:
        return
    import pyarrow as pa  # (here, not with the module: see _stage_tables.arrow_type)

    cols = list(zip(*rows, strict=True))
    table = pa.table({c: pa.array(v, type=arrow_type(t)) for (c, t), v in zip(_COLUMNS.items(), cols, strict=True)})
    # (stored spans are found under their trace's run until the merge moves them; staged ones already moved)
    table = table.append_column("trace_id", table.column("run_id"))
    if moves:
        table = table.set_column(table.schema.get_field_index("run_id"), "run_id",
                                 pa.array([moves.get(t, t) for t in cols[2]], pa.string()))
    table = table.append_column("ord", pa.array(range(len(rows)), pa.int64()))
    con = stage.con
    con.register("_wb_span_logs", table)
    try:
        for stmt in sql_statements("span_logs_match"):
            con.execute(stmt)
    finally:
        con.unregister("_wb_span_logs")
    orphans = con.execute("SELECT file, line, run_id, step_id, raw FROM stage_span_log_orphans "
                          "ORDER BY ord").fetchall()
    stage.span_logs = []
    current = stage.file, stage.source
    stage.source = "otlp"  # (only the OTLP reader stages log records)
    for file, line, tid, sid, raw in orphans:
        stage.file = file  # (the reject is the record's file's, counted read when it was staged)
        stage._reject(line, f"log record of span {sid} in trace {tid}: no such span in this ingest or the "
                            "store (ingest the traces with or before their logs)", raw, tid, sid)
    stage.file, stage.source = current
    stage.flush()


def attach_span_logs(con: Any) -> int:
    """In the merge: give the stored steps the messages of their log records; the number of records stored."""
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = "
                       "'stage_span_logs'").fetchall()[0][0]:
        return 0
    stmts = sql_statements("span_logs_attach")
    for stmt in stmts[:-1]:
        con.execute(stmt)
    _tool_texts(con)
    return int(con.execute(stmts[-1]).fetchall()[0][0])


def _tool_texts(con: Any) -> None:
    """Tool steps the logs left without arguments or result get those of their call in the model's messages.

    The instrumentations that write messages to logs write a tool span's arguments and result only on the
    span, and only in some modes (util-genai's ``span_only``), but its ``gen_ai.tool.call.id`` always: the
    model's message that made the call (a ``tool_call`` part, or OpenAI's ``tool_calls``) holds the
    arguments, and the next call's input the answer (a ``tool_call_response`` part, or a ``tool`` message).
    """
    find_tools, find_messages, update = sql_statements("span_logs_tools")
    tools = con.execute(find_tools).fetchall()
    if not tools:
        return
    rows = []
    calls_of: dict[str, tuple[dict, dict]] = {}
    for run, step, call_id in tools:
        if run not in calls_of:
            calls_of[run] = _calls(con.execute(find_messages, {"run": run}).fetchall())
        args, results = calls_of[run]
        if call_id in args or call_id in results:
            rows.append((run, step, as_text(args.get(call_id)), as_text(results.get(call_id))))
    if not rows:
        return
    import pyarrow as pa  # (here, not with the module: see _stage_tables.arrow_type)

    cols = list(zip(*rows, strict=True))
    table = pa.table({c: pa.array(v, pa.string()) for c, v in zip(("run_id", "step_id", "input", "output"), cols,
                                                                 strict=True)})
    con.register("_wb_tool_texts", table)
    try:
        con.execute(update)
    finally:
        con.unregister("_wb_tool_texts")


def _calls(texts: list[tuple[Any, Any]]) -> tuple[dict, dict]:
    """``({call id: arguments}, {call id: result})`` from the message lists of a run's LLM steps."""
    args: dict[str, Any] = {}
    results: dict[str, Any] = {}
    for pair in texts:
        for text in pair:
            try:
                messages = orjson.loads(text) if isinstance(text, str) else None
            except orjson.JSONDecodeError:
                continue
            for msg in messages if isinstance(messages, list) else ():
                if isinstance(msg, dict):
                    _message_calls(msg, args, results)
    return args, results


def _message_calls(msg: dict, args: dict, results: dict) -> None:
    for part in msg.get("parts") or ():
        if isinstance(part, dict) and isinstance(part.get("id"), str):
            if part.get("type") == "tool_call":
                args.setdefault(part["id"], part.get("arguments"))
            elif part.get("type") == "tool_call_response":
                results.setdefault(part["id"], part.get("response", part.get("result")))
    for call in msg.get("tool_calls") or ():
        if isinstance(call, dict) and isinstance(call.get("id"), str):
            fn = call.get("function")
            args.setdefault(call["id"], fn.get("arguments") if isinstance(fn, dict) else call.get("arguments"))
    call_id = msg.get("tool_call_id", msg.get("id"))
    if msg.get("role") == "tool" and isinstance(call_id, str) and "content" in msg:
        results.setdefault(call_id, msg["content"])


def stage_resource_logs(rls: Any, line: int, stage: Stage, snake: bool) -> None:
    """Stage the log records of one ``resourceLogs`` list (a document's, on line ``line``)."""
    from ._otlp_read import BadRecord, _why, any_value, attributes, hex_id

    k_scopes, k_records = ("scope_logs", "log_records") if snake else ("scopeLogs", "logRecords")
    k_trace, k_span, k_event = ("trace_id", "span_id", "event_name") if snake else ("traceId", "spanId", "eventName")
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
                        raise BadRecord(f"log record is a JSON {type(rec).__name__}, not an object")
                    if not rec.get(k_trace) or not rec.get(k_span):
                        raise BadRecord("log record names no span (no traceId / spanId): it belongs to no step")
                    tid = hex_id(rec.get(k_trace), 16, "traceId")
                    sid = hex_id(rec.get(k_span), 8, "spanId")
                    attrs = attributes(rec.get("attributes"), string_key)
                    event = rec.get(k_event) or attrs.get("event.name")
                    severity = rec.get("severityText") or rec.get("severity_text") or rec.get(
                        "severityNumber", rec.get("severity_number"))
                    stage_log_record(stage, line, tid, sid, event, attrs, any_value(rec.get("body")), rec, severity)
                    why = None
                except (BadRecord, KeyError, TypeError, AttributeError, ValueError, RecursionError) as exc:
                    why = f"bad log record: {_why(exc)}"
                if why is not None:
                    stage.reject(line=line, reason=why, raw=rec, run_id=tid, step_id=sid)

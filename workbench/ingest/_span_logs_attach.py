"""In the merge: the stored steps get the messages of their OTLP log records (kept by ``_span_logs_match``).

Records of a span ingested in several calls add up: a later call's records are put among what the
earlier ones gave (in ``otel.logs``, and in the input / output the logs filled), by time, and a record
stored once (the same record in a file ingested again) is not added again. The step's attribute
``otel.log_ids`` holds the digests of its records for that; ``otel.log_filled`` names the columns its logs
filled (so that the span given again without them is the same span, not a conflicting copy);
``otel.log_times`` the time of each message they filled them with (``{"input": [...], "output": [...]}``).
A record whose span the merge quarantines (a conflicting copy, a parent cycle) is quarantined with it:
which copy it belongs to cannot be told.
"""

from __future__ import annotations

from typing import Any

import orjson

from ..store._connection import sql_statements
from . import _timings
from ._json_escapes import unescaped_json_text
from ._span_values import as_text


def attach_span_logs(con: Any) -> tuple[int, int]:
    """In the merge: give the stored steps the messages of their log records.

    ``(stored, quarantined)``: the records stored with their step, and those quarantined because the merge
    quarantined their span (added to ``stage_rejects``, which the merge then writes to the quarantine).
    """
    if not con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = 'stage_span_logs'"
    ).fetchall()[0][0]:
        return 0, 0
    stmts = sql_statements("span_logs_attach")
    for stmt in stmts[:-1]:
        _timings.execute(con, stmt, tag="merge")
    _tool_texts(con)
    stored, lost = con.execute(stmts[-1]).fetchall()[0]
    return int(stored), int(lost)


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
            # (written after finalize.sql's stage_n read the staged steps: the arguments' text as the model's writer
            # escaped it, undone here as there)
            rows.append(
                (
                    run,
                    step,
                    unescaped_json_text(as_text(args.get(call_id))),
                    unescaped_json_text(as_text(results.get(call_id))),
                )
            )
    if not rows:
        return
    import pyarrow as pa  # (here, not with the module: see _stage_tables.arrow_type)

    cols = list(zip(*rows, strict=True))
    table = pa.table(
        {
            c: pa.array(v, pa.string())
            for c, v in zip(("run_id", "step_id", "input", "output"), cols, strict=True)
        }
    )
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
            args.setdefault(
                call["id"], fn.get("arguments") if isinstance(fn, dict) else call.get("arguments")
            )
    call_id = msg.get("tool_call_id", msg.get("id"))
    if msg.get("role") == "tool" and isinstance(call_id, str) and "content" in msg:
        results.setdefault(call_id, msg["content"])

"""The error text of AG2 tool calls that raised, from the executor's answer.

A tool that raises in an AG2 group chat is caught by the ``_Group_Tool_Executor``, which hands the message
back to the model as the call's result (``"Error: price service timed out"``); the tool's own span says only
``error.type = ExecutionError`` (:mod:`._ag2`). The message is in the executor turn's
``gen_ai.output.messages``: one ``tool`` message per call, in the order of the calls. A failed tool step whose
error is only a type name takes the message of its call, ``ExecutionError: <message>``, so a retry or an
error finding says what failed. The turn's spans may come in any order, so this runs once a call's steps are
staged, on the executor turns of the AG2 runs staged (``Stage.turn_runs``). They may come over several calls
too (a Collector's rotated files read one call each): a turn or its calls stored by an earlier call are read
from the store, and a stored failed call given its message in the merge's transaction
(:func:`fix_stored_errors`), so that the store is the one a single call gives, in either order, and the same
files read again are repeats, not conflicts.
"""

from __future__ import annotations

import re
from typing import Any

import duckdb
import orjson

from ..store._connection import sql_text
from ..store._run_scope import run_scope

# An error text that is an exception's type name and nothing else (what error.type holds).
_TYPE_NAME = re.compile(r"[A-Za-z_][\w.]*")


def _tool_texts(output: str) -> list[str | None] | None:
    """The text of each ``tool`` message of a turn's output messages (None where it has none)."""
    try:
        messages = orjson.loads(output)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(messages, list):
        return None
    texts: list[str | None] = []
    for m in messages:
        if not isinstance(m, dict) or m.get("role") != "tool":
            continue
        parts = m.get("parts")
        if isinstance(parts, list):
            said = [
                p.get("content") if p.get("type") == "text" else p.get("response")
                for p in parts
                if isinstance(p, dict)
            ]
            text = "\n".join(s for s in said if isinstance(s, str) and s.strip())
        else:
            text = m.get("content") if isinstance(m.get("content"), str) else ""
        texts.append(text or None)
    return texts


def _errors(output: str, tools: list[dict[str, Any]]) -> list[tuple[str, str, bool]]:
    texts = _tool_texts(output)
    if not texts or len(texts) != len(tools):
        return []  # (calls and answers cannot be paired)
    out = []
    for tool, text in zip(tools, texts, strict=True):
        error = tool["error"]
        if tool["status"] == "error" and text and (error is None or _TYPE_NAME.fullmatch(error)):
            out.append((tool["step_id"], text if error is None else f"{error}: {text}", tool["staged"]))
    return out


def tool_errors_from_executor(con: duckdb.DuckDBPyConnection, runs: set[str]) -> list[tuple[str, str, str]]:
    """Give the failed staged tool steps of the AG2 runs ``runs`` their executor turn's message for their call;
    ``(run, step, error)`` of the stored ones to give theirs in the merge (:func:`fix_stored_errors`)."""
    update = sql_text("ag2_tool_error")
    stored = []
    with run_scope(con, "_ag2_runs", runs):
        turns = con.execute(sql_text("ag2_executor_turns")).fetchall()
    for run_id, output, tools in turns:
        for step_id, error, staged in _errors(output, tools):
            if staged:
                con.execute(update, {"run_id": run_id, "step_id": step_id, "error": error})
            else:
                stored.append((run_id, step_id, error))
    return stored


def fix_stored_errors(con: duckdb.DuckDBPyConnection, errors: list[tuple[str, str, str]]) -> None:
    """In the merge's transaction, before staged steps are compared with stored ones: the stored failed calls
    ``errors`` (:func:`tool_errors_from_executor`) take their message."""
    update = sql_text("ag2_stored_error")
    for run_id, step_id, error in errors:
        con.execute(update, {"run_id": run_id, "step_id": step_id, "error": error})

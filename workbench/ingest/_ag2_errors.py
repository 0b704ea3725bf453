"""The error text of AG2 tool calls that raised, from the executor's answer.

A tool that raises in an AG2 group chat is caught by the ``_Group_Tool_Executor``, which hands the message
back to the model as the call's result (``"Error: price service timed out"``); the tool's own span says only
``error.type = ExecutionError`` (:mod:`._ag2`). The message is in the executor turn's
``gen_ai.output.messages``: one ``tool`` message per call, in the order of the calls. A failed tool step whose
error is only a type name takes the message of its call, ``ExecutionError: <message>``, so a retry or an
error finding says what failed. The turn's spans may come in any order, so this runs once a call's steps are
staged, on the executor turns the readers listed (``Stage.agent_of_previous``).
"""

from __future__ import annotations

import re
from typing import Any

import duckdb
import orjson

from ..store._connection import sql_text

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
            said = [p.get("content") if p.get("type") == "text" else p.get("response")
                    for p in parts if isinstance(p, dict)]
            text = "\n".join(s for s in said if isinstance(s, str) and s.strip())
        else:
            text = m.get("content") if isinstance(m.get("content"), str) else ""
        texts.append(text or None)
    return texts


def _errors(output: str, tools: list[dict[str, Any]]) -> list[tuple[str, str]]:
    texts = _tool_texts(output)
    if not texts or len(texts) != len(tools):
        return []  # (calls and answers cannot be paired)
    out = []
    for tool, text in zip(tools, texts, strict=True):
        error = tool["error"]
        if tool["status"] == "error" and text and (error is None or _TYPE_NAME.fullmatch(error)):
            out.append((tool["step_id"], text if error is None else f"{error}: {text}"))
    return out


def tool_errors_from_executor(con: duckdb.DuckDBPyConnection) -> None:
    """Give the failed tool steps of the listed AG2 executor turns (the view of
    :func:`._step_agents.listed_steps`) the executor's message for their call."""
    update = sql_text("ag2_tool_error")
    for run_id, output, tools in con.execute(sql_text("ag2_executor_turns")).fetchall():
        for step_id, error in _errors(output, tools):
            con.execute(update, {"run_id": run_id, "step_id": step_id, "error": error})

"""A tool call's arguments given back when its span kept only the text of its one argument.

OpenInference's LangChain.js instrumentation writes an input that holds one string as that string
(``formatIO``): a tool called with ``{"item": "widget"}`` has ``input.value`` ``widget`` (text/plain), and
the argument's name is lost. The model step that asked for the call still holds the arguments: a tool step
whose input is text, and the last LLM step before it in its run that asked for tools, asking for that tool
with one argument whose value is that text, give the step those arguments as its input. Nothing else is
matched: a tool asked for with two arguments, or with a value that is not the text, keeps its input as written.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb

from ..store._connection import sql_statements
from ._json_text import json_or_text


def _calls(output: str) -> list[tuple[Any, Any]]:
    """``(name, arguments)`` of each tool call an LLM step's output asked for (OpenAI's shape or the flat
    ``{"name", "arguments"}`` the readers write)."""
    messages = json_or_text(output)  # (orjson: text nested past its depth limit stays text)
    out = []
    for m in messages if isinstance(messages, list) else [messages]:  # (text that is no JSON: no dict in it)
        calls = m.get("tool_calls") if isinstance(m, dict) else None
        for c in calls if isinstance(calls, list) else []:
            if isinstance(c, dict):
                f = c.get("function") if isinstance(c.get("function"), dict) else c
                out.append((f.get("name"), f.get("arguments", f.get("args"))))
    return out


def _one_argument(args: Any, text: str) -> dict[str, Any] | None:
    args = json_or_text(args)
    if isinstance(args, dict) and len(args) == 1 and next(iter(args.values())) == text:
        return args
    return None


def restore_tool_arguments(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Give each staged tool step whose input is its one argument's text the arguments the model asked with
    (see the module); the report's note saying how many, if any."""
    found: dict[tuple[str, str], str] = {}
    rows = con.execute(sql_statements("tool_text_input")[0]).fetchall()
    # each model step's output read and parsed once, however many tool steps follow it
    asked = sorted({rid for *_, rid in rows})
    calls = {rid: _calls(output) if isinstance(output, str) else [] for rid, output in con.execute(
        "SELECT rowid, output FROM stage_steps WHERE rowid IN (SELECT unnest(?::BIGINT[]))", [asked]).fetchall()}
    for run_id, step_id, tool, text, rid in rows:
        if (run_id, step_id) in found:
            continue
        for name, args in calls.get(rid, []):
            one = _one_argument(args, text) if name == tool else None
            if one is not None:
                found[run_id, step_id] = json.dumps(one, ensure_ascii=False)
                break
    if not found:
        return []
    con.executemany("UPDATE stage_steps SET input = ? WHERE run_id = ? AND step_id = ? AND kind = 'tool'",
                    [(args, run_id, step_id) for (run_id, step_id), args in found.items()])
    return [f"{len(found)} tool call(s) whose input was the text of their one argument: given the arguments "
            "the model asked with"]

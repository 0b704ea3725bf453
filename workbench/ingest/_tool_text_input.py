"""A tool call's arguments given back when its span kept only the text of its one argument.

OpenInference's LangChain.js instrumentation writes an input that holds one string as that string
(``formatIO``): a tool called with ``{"item": "widget"}`` has ``input.value`` ``widget`` (text/plain), and
the argument's name is lost. The model step that asked for the call still holds the arguments: a tool step
whose input is text, and the last LLM step before it in its run that asked for tools, asking for that tool
with one argument whose value is that text, give the step those arguments as its input. Nothing else is
matched: a tool asked for with two arguments, or with a value that is not the text, keeps its input as written.
The request is read in any provider's shape (:mod:`._call_shapes`: OpenAI's ``tool_calls``, Anthropic's
``tool_use`` blocks, Gemini's ``functionCall`` parts, Bedrock's ``toolUse``, the GenAI conventions' ``tool_call``
parts), from the step's output, else from the raw ``output.value`` kept in its attributes (LangChain.js with
ChatAnthropic: the flattened output messages name no call, the message's ``tool_calls`` and blocks do).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import chain
from typing import Any

import duckdb

from ..store._connection import sql_statements
from ._call_shapes import MARKERS, tool_calls
from ._json_text import json_or_text
from ._stage_checks import check_sql


def _calls(output: Any) -> Iterator[tuple[Any, Any]]:
    """``(name, arguments)`` of each tool call an LLM step's output (JSON text) asked for, in any shape."""
    if not isinstance(output, str) or not any(m in output for m in MARKERS):
        return
    # (orjson: text nested past its depth limit stays text, and text that is no JSON holds no call)
    for _, name, args in tool_calls(json_or_text(output)):
        yield name, args


def _one_argument(args: Any, text: str) -> dict[str, Any] | None:
    args = json_or_text(args)
    if isinstance(args, dict) and len(args) == 1 and next(iter(args.values())) == text:
        return args
    return None


def restore_tool_arguments(con: duckdb.DuckDBPyConnection, steps: str = "stage_steps") -> list[str]:
    """Give each staged tool step whose input is its one argument's text the arguments the model asked with
    (see the module); the report's note saying how many, if any. ``steps``: the table of steps, ``stage_steps``
    or the stored runs' ``loop_steps`` (a trace read in two calls: store/_stored_rules.py)."""
    if steps not in ("stage_steps", "loop_steps"):
        raise ValueError(f"the rule runs on stage_steps or loop_steps, not {steps!r}")
    found: dict[tuple[str, str], str] = {}
    pairs, outputs = (stmt.replace("stage_steps", steps) for stmt in sql_statements("tool_text_input"))
    # (its tool steps as stage_facts.sql finds them: _stage_facts leaves this out when there are none)
    tools = check_sql("tool_text").replace("stage_steps", steps)
    pairs = f"WITH tools AS ({tools}),\n{pairs.removeprefix('WITH ')}"
    rows = con.execute(pairs, {"markers": "|".join(MARKERS)}).fetchall()
    # each model step's output read and parsed once, however many tool steps follow it
    if not rows:
        return []
    asked = sorted({rid for *_, rid in rows})
    calls = {
        rid: list(chain(_calls(output), _calls(raw)))
        for rid, output, raw in con.execute(outputs, {"rids": asked}).fetchall()
    }
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
    con.executemany(
        f"UPDATE {steps} SET input = ? WHERE run_id = ? AND step_id = ? AND kind = 'tool'",  # (checked)
        [(args, run_id, step_id) for (run_id, step_id), args in found.items()],
    )
    return [
        f"{len(found)} tool call(s) whose input was the text of their one argument: given the arguments "
        "the model asked with"
    ]

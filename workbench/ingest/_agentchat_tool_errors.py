"""AutoGen AgentChat tool calls that failed, as OpenInference's AgentChat instrumentation writes them.

A tool that raises in an AgentChat ``AssistantAgent`` is caught by its workbench, which hands the model the
exception's message as the call's result (``FunctionExecutionResult(content="price feed timeout",
is_error=True)``). OpenInference's wrapper of ``AssistantAgent._execute_tool_call``
(``openinference-instrumentation-autogen-agentchat`` 0.1.22) sets the tool span's status OK as the call returns
and only then, seeing ``is_error``, sets ERROR: OpenTelemetry keeps an OK status final, so the span is written
OK, with the message as its ``output.value``, and the call read as a success. (autogen-core's own
``execute_tool`` span records the exception and is read as failed.) The result's ``is_error`` is kept in one
place: the agent's next model call, whose input lists each result as a ``function`` message
(``llm.input_messages.N.function.M`` = ``{"name", "content", "call_id", "is_error"}``).

So a tool step of that instrumentation written OK is failed when the first model step of the same agent turn
(the same parent) after it was given a result of the same tool with the same content and ``is_error`` true;
its error is that content. It runs on the staged steps (both spans come in one export, a moment apart).
"""

from __future__ import annotations

import duckdb
import orjson

from ..store._connection import sql_sections
from ._stage_checks import holds


def _error_results(text: str) -> list[dict]:
    """The ``function`` results with ``is_error`` true in a model call's input messages."""
    try:
        messages = orjson.loads(text)
    except orjson.JSONDecodeError:
        return []
    out = []
    for m in messages if isinstance(messages, list) else []:
        if not isinstance(m, dict) or m.get("role") != "function":
            continue
        for key, value in m.items():
            if not key.startswith("function.") or not isinstance(value, str):
                continue
            try:
                result = orjson.loads(value)
            except orjson.JSONDecodeError:
                continue
            if isinstance(result, dict) and result.get("is_error") is True:
                out.append(result)
    return out


def agentchat_tool_errors(con: duckdb.DuckDBPyConnection, held: bool | None = None) -> int:
    """Fail the staged AgentChat tool steps written OK whose result the next model call was told is an error;
    how many. ``held``: whether the stage holds such a tool step, when the caller knows (``_stage_facts``)."""
    import pyarrow as pa  # (here, not with the module: see _stage_tables.arrow_type)

    if held is None:
        held = holds(con, "agentchat_tools")
    if not held:
        return 0
    sections = dict(sql_sections("agentchat_tool_errors"))
    failed: dict[tuple[str, str], str] = {}
    for run_id, step_id, tool, output, text in con.execute(sections[""][0]).fetchall():
        for result in _error_results(text):
            if result.get("name") == tool and result.get("content") == output:
                failed[(run_id, step_id)] = output
                break
    if not failed:
        return 0
    con.register(
        "agentchat_failed",
        pa.table(
            {
                "run_id": pa.array([r for r, _ in failed], pa.string()),
                "step_id": pa.array([s for _, s in failed], pa.string()),
                "error": pa.array(list(failed.values()), pa.string()),
            }
        ),
    )
    try:
        con.execute(sections["fail"][0])
    finally:
        con.unregister("agentchat_failed")
    return len(failed)

"""What a Mastra agent's model calls were given, as far as its trace tells.

Mastra (``@mastra/observability`` 1.17, ``@mastra/otel-exporter`` 1.4) writes each turn of an agent's loop as an
``agent_step`` span (``mastra.span.type`` ``model_step``) holding the model call (``chat <model>``,
``model_inference``) and the tool calls its answer asked for. The call's span has no input: the request's
messages are only on the step, as Mastra's preview of them, where a tool's result is ``[tool-result: <tool>]``
unless the tool shaped what the model sees (a sub-agent's answer is written out). Read so, a model call that
worked a figure out from a tool's result (10 widgets at the price list's 14.20: 142.00) stated a number it was
never given: a made-up value, a critical silent failure of a run that went right.

So each staged step's placeholders are the results of the tool calls its generation's earlier steps asked for,
step by step from the last (the step's messages may begin with a conversation the memory brought back): a tool
message whose content is nothing but placeholders naming that step's tools, in order, is those calls' results
(their output, else their error: what the model was handed back); any other is left as written. The model call
under the step is given the step's input. It runs on the staged steps (Mastra's exporter sends a trace once its
root span has ended, every span in one export).
"""

from __future__ import annotations

import re
from typing import Any

import duckdb
import orjson

from ..store._connection import sql_sections
from ._stage_checks import holds

_PLACEHOLDER = re.compile(r"\[tool-result: ([^\]]*)\]")


def _placeholders(content: Any) -> list[str] | None:
    """The tools named by a content made only of Mastra's result placeholders, else None."""
    if not isinstance(content, str) or not content:
        return None
    names = _PLACEHOLDER.findall(content)
    return names if names and "".join(f"[tool-result: {n}]" for n in names) == content else None


def filled(messages_text: str | None, earlier: list[list[dict]]) -> str | None:
    """``messages_text`` (a step's input) with its result placeholders read from ``earlier`` (the tool calls of each
    earlier step of its generation that asked for one, in order); None when nothing was filled."""
    if not messages_text or not earlier or "[tool-result: " not in messages_text:
        return None
    try:
        messages = orjson.loads(messages_text)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(messages, list):
        return None
    tool_messages = [m for m in messages if isinstance(m, dict) and m.get("role") == "tool"]
    changed = False
    # (from the last: the step's own loop ends its messages)
    for message, results in zip(reversed(tool_messages), reversed(earlier), strict=False):
        names = _placeholders(message.get("content"))
        if names is None or names != [r["tool"] for r in results]:
            continue
        if any(not isinstance(r["text"], str) for r in results):
            continue
        message["content"] = "\n".join(r["text"] for r in results)
        changed = True
    return orjson.dumps(messages).decode() if changed else None


def mastra_inputs(con: duckdb.DuckDBPyConnection, held: bool | None = None) -> int:
    """Fill the staged Mastra model steps' inputs and their model calls' (see the module docstring); how many
    steps were filled. ``held``: whether the stage holds a Mastra model step, when the caller knows."""
    import pyarrow as pa  # (here, not with the module: see _stage_tables.arrow_type)

    if held is None:
        held = holds(con, "mastra_steps")
    if not held:
        return 0
    sections = dict(sql_sections("mastra_inputs"))
    rows: dict[str, list] = {"run_id": [], "step_id": [], "input": [], "changed": []}
    generation, earlier = None, []
    for run_id, gen, step_id, text, results in con.execute(sections[""][0]).fetchall():
        if (run_id, gen) != generation:
            generation, earlier = (run_id, gen), []
        given = filled(text, earlier)
        if given is not None or text is not None:
            rows["run_id"].append(run_id)
            rows["step_id"].append(step_id)
            rows["input"].append(given if given is not None else text)
            rows["changed"].append(given is not None)
        if results:
            earlier.append(results)
    if not rows["step_id"]:
        return 0
    con.register(
        "mastra_filled",
        pa.table(
            {
                "run_id": pa.array(rows["run_id"], pa.string()),
                "step_id": pa.array(rows["step_id"], pa.string()),
                "input": pa.array(rows["input"], pa.string()),
                "changed": pa.array(rows["changed"], pa.bool_()),
            }
        ),
    )
    try:
        con.execute(sections["fill"][0])
    finally:
        con.unregister("mastra_filled")
    return len(rows["step_id"])

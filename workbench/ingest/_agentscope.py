"""AgentScope's tool results, as its own tracing writes them (``agentscope`` 2.0, ``TracingMiddleware``).

AgentScope catches a tool that raises and hands the model the exception's message as the call's result, with
the result's ``state`` ``"error"``; the tool span ends normally, so it is written OK, its
``gen_ai.tool.call.result`` the ``ToolResponse`` as JSON: ``{"content": [{"type": "text", "text": …, "id": …,
"created_at": …, "finished_at": …}], "state": "error", "metadata": {}, "id": <the call's id>}``. Read as
written, a failed call looked like a success (and its retries like a loop of good calls), and every result held
the blocks' ids and timestamps beside what the tool said. A ``TeamPipeline`` leader's ``TeamAssign`` call (a
span AgentScope writes when the member it ran has answered) holds the member's reply as its blocks alone
(``[{"type": "text", "text": …, "id": …, "created_at": …}]``): read as their text too.

An agent asked for a structured output (a ``GoalPipeline``'s executor and verifier) ends its reply by calling
AgentScope's ``GenerateStructuredOutput`` with that output as its arguments; the tool answers "Structured output
generated successfully." whatever it was given, and the output is what the reply hands on (the tool's own
description: "the structured output is sent to the user"). Such a call's output is read as the structured output
it was given (the acknowledgement kept among the step's attributes): read as written, a verifier's "fail" and a
report made again unchanged were the same result, no new work.
"""

from __future__ import annotations

from typing import Any

from ._json_text import json_or_text, nested_past

#: Text the SQL path looks for in a tool span's output before handing it to the Python mapper (a response's
#: state, a block's time).
MARKERS = ('"state": "', '"created_at": "')
#: The states of a result that did not come from the tool doing its job (``ToolResultState``).
FAILED_STATES = frozenset({"error", "denied"})
#: AgentScope's built-in tool whose arguments are the reply's structured output (``_GenerateStructuredOutput``).
STRUCTURED_OUTPUT_TOOL = "GenerateStructuredOutput"
_FIELDS = frozenset({"content", "state", "metadata", "id", "is_last"})
_BLOCK_FIELDS = frozenset({"type", "text", "id", "created_at", "finished_at"})


def tool_response(output: Any) -> tuple[str, bool] | None:
    """``(text, failed)`` of an AgentScope ``ToolResponse`` (or a member's reply blocks) written as JSON whose
    blocks are all text, or None when ``output`` is not one (another shape, a data block: kept as written)."""
    if not isinstance(output, str) or not any(m in output for m in MARKERS):
        return None
    doc = json_or_text(output)
    if nested_past(output, doc):
        return None
    if isinstance(doc, list):
        doc = {"content": doc, "state": "success"}
    if (
        not isinstance(doc, dict)
        or not {"content", "state"} <= set(doc) <= _FIELDS
        or not isinstance(doc["state"], str)
        or not isinstance(doc["content"], list)
        or not doc["content"]
    ):
        return None
    texts = []
    for block in doc["content"]:
        if (
            not isinstance(block, dict)
            or block.get("type") != "text"
            or not isinstance(block.get("text"), str)
            or not set(block) <= _BLOCK_FIELDS
            or "created_at" not in block
        ):
            return None
        texts.append(block["text"])
    return "\n".join(texts), doc["state"] in FAILED_STATES


def structured_output(tool: Any, given: Any, text: str, failed: bool) -> str:
    """What a tool call's output is read as, given its response's ``text``: the structured output it was given
    when the tool is ``GenerateStructuredOutput`` and its arguments are a JSON object (see the module), else
    ``text``."""
    if tool != STRUCTURED_OUTPUT_TOOL or failed or not isinstance(given, str):
        return text
    return given if isinstance(json_or_text(given), dict) else text

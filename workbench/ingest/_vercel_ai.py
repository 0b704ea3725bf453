"""The Vercel AI SDK's span attributes (``ai.*``, JavaScript), read as the OpenInference keys they stand for.

The AI SDK (npm ``ai``) traces a call made with ``experimental_telemetry: {isEnabled: true, functionId}``
through the OpenTelemetry JS SDK: the call (``ai.generateText``, ``ai.streamText``, ``ai.generateObject`` …),
one span per model request under it (``ai.generateText.doGenerate`` …) and one per tool call (``ai.toolCall``).
Each span names what it is in ``ai.operationId`` and the app's name for the call in ``ai.telemetry.functionId``;
the text is JSON in ``ai.prompt`` / ``ai.prompt.messages``, ``ai.response.text`` / ``ai.response.toolCalls`` /
``ai.response.object``, ``ai.toolCall.args`` / ``ai.toolCall.result``. The model requests carry a few GenAI
keys (``gen_ai.system``, ``gen_ai.usage.*``) but no operation name, so unread every span was a step of kind
``other`` with no text, agent or tool.
"""

from __future__ import annotations

from typing import Any

from ._json_text import json_or_text

OPERATION = "ai.operationId"
_FUNCTION = "ai.telemetry.functionId"

# The calls an app makes: with a functionId, the agent that name stands for (a ToolLoopAgent's loop is one).
_CALLS = {"ai.generateText", "ai.streamText", "ai.generateObject", "ai.streamObject"}
_KINDS = {
    "ai.toolCall": "TOOL",
    "ai.embed": "EMBEDDING",
    "ai.embedMany": "EMBEDDING",
    "ai.embed.doEmbed": "EMBEDDING",
    "ai.embedMany.doEmbed": "EMBEDDING",
    "ai.rerank": "RERANKER",
    "ai.rerank.doRerank": "RERANKER",
}
# v5+ names first, then v4's
_USAGE = (
    (("ai.usage.inputTokens", "ai.usage.promptTokens"), "llm.token_count.prompt"),
    (("ai.usage.outputTokens", "ai.usage.completionTokens"), "llm.token_count.completion"),
)
_READ = (
    OPERATION,
    "ai.prompt",
    "ai.prompt.messages",
    "ai.response.text",
    "ai.response.toolCalls",
    "ai.response.object",
    "ai.toolCall.name",
    "ai.toolCall.args",
    "ai.toolCall.result",
    "ai.model.id",
    *(k for keys, _ in _USAGE for k in keys),
)


def _kind(op: str) -> str | None:
    if op in _CALLS:
        return "AGENT"
    if op.endswith((".doGenerate", ".doStream")) and op.rpartition(".")[0] in _CALLS:
        return "LLM"
    return _KINDS.get(op)


def _count(value: Any) -> int | None:
    """A token count (the reader decoded an intValue, number or int64 string): not a bool, not text."""
    return value if type(value) is int else None


def _tool_calls(value: Any) -> list[dict[str, Any]] | None:
    """``ai.response.toolCalls`` (``[{toolCallId, toolName, input|args}]``) as OpenAI-shaped tool calls."""
    calls = json_or_text(value)
    if not isinstance(calls, list):
        return None
    out = []
    for c in calls:
        if isinstance(c, dict):
            args = c.get("input", c.get("args"))
            out.append(
                {
                    "id": c.get("toolCallId"),
                    "type": "function",
                    "function": {"name": c.get("toolName"), "arguments": args},
                }
            )
    return out or None


def vercel_ai_attributes(attrs: dict[str, Any]) -> dict[str, Any]:
    """``attrs`` with the AI SDK's own keys replaced by the OpenInference keys that carry the same facts."""
    out = {k: v for k, v in attrs.items() if k not in _READ}
    op = attrs.get(OPERATION)
    if not isinstance(op, str):
        return attrs
    out[OPERATION] = op  # kept: finer than our kinds
    kind = _kind(op)
    function = attrs.get(_FUNCTION)
    if kind == "AGENT" and not (isinstance(function, str) and function):
        kind = "CHAIN"  # a call the app gave no name: nothing says which agent it is
    if kind is not None:
        out["openinference.span.kind"] = kind
    if kind == "AGENT":
        out["agent.name"] = function
    if kind == "TOOL":
        if isinstance(attrs.get("ai.toolCall.name"), str):
            out["tool.name"] = attrs["ai.toolCall.name"]
        for key, target in (("ai.toolCall.args", "input.value"), ("ai.toolCall.result", "output.value")):
            if key in attrs:
                # JSON text: the arguments object, and the result as the tool returned it ("41.20" a string)
                out[target] = json_or_text(attrs[key])
        return out
    prompt = json_or_text(attrs.get("ai.prompt.messages", attrs.get("ai.prompt")))
    if prompt is not None:
        out["input.value"] = prompt
    text = attrs.get("ai.response.text")
    calls = _tool_calls(attrs.get("ai.response.toolCalls"))
    if kind == "LLM" and (text is not None or calls):
        reply: dict[str, Any] = {"role": "assistant", "content": text}
        if calls:
            reply["tool_calls"] = calls
        out["output.value"] = [reply]
    elif text is not None:
        out["output.value"] = text
    elif "ai.response.object" in attrs:
        out["output.value"] = json_or_text(attrs["ai.response.object"])
    model = attrs.get("ai.model.id")
    if isinstance(model, str) and model:
        out["llm.model_name"] = model
    if kind != "LLM":
        return out  # a call's usage is the sum of its requests': counted there
    for keys, target in _USAGE:
        n = next((c for c in (_count(attrs.get(k)) for k in keys) if c is not None), None)
        if n is not None:
            out[target] = n
    return out

"""The Langfuse SDK's OpenTelemetry spans (Python SDK v3 and later), read as the OpenInference keys they stand for.

Since v3 the Langfuse SDK records with OpenTelemetry and sends OTLP to Langfuse; the same spans reach a
Collector's file when the app exports them there too. The SDK's ``@observe(as_type=...)`` and its integrations
(``langfuse.openai``) write ``langfuse.observation.type`` (``generation``, ``agent``, ``tool``, ``chain``,
``span`` …), ``langfuse.observation.input`` / ``.output`` (JSON text; a decorated function's arguments as
``{"args": [...], "kwargs": {...}}``, a returned string as it is), ``langfuse.observation.model.name`` and
``langfuse.observation.usage_details``. Unread, every such span was a step of kind ``other`` with no text.
(Langfuse's own JSON export, observations from its API, is the ``langfuse`` adapter's.)
"""

from __future__ import annotations

from typing import Any

from ._call_args import decorated_call
from ._json_text import json_or_text

TYPE = "langfuse.observation.type"
_PREFIX = "langfuse.observation."

# observation type -> openinference.span.kind; "span" and "event" say nothing about the work
_KINDS = {
    "generation": "LLM",
    "embedding": "EMBEDDING",
    "agent": "AGENT",
    "tool": "TOOL",
    "chain": "CHAIN",
    "retriever": "RETRIEVER",
    "evaluator": "EVALUATOR",
    "guardrail": "GUARDRAIL",
}
_READ = (TYPE, _PREFIX + "input", _PREFIX + "output", _PREFIX + "model.name", _PREFIX + "usage_details")


def _structured(value: Any) -> Any:
    """A JSON object or array written as text, parsed; anything else as it is (a returned "41.20" stays text)."""
    return json_or_text(value) if isinstance(value, str) and value[:1] in ("{", "[") else value


def langfuse_attributes(attrs: dict[str, Any]) -> dict[str, Any]:
    """``attrs`` with the Langfuse SDK's observation keys replaced by the OpenInference keys for the same facts."""
    out = {k: v for k, v in attrs.items() if k not in _READ}
    kind = attrs.get(TYPE)
    if isinstance(kind, str):
        out[TYPE] = kind  # kept: finer than our kinds
        if kind.lower() in _KINDS:
            out["openinference.span.kind"] = _KINDS[kind.lower()]
    llm = out.get("openinference.span.kind") in ("LLM", "EMBEDDING")
    inp = decorated_call(_structured(attrs.get(_PREFIX + "input")))
    if llm and isinstance(inp, dict) and isinstance(inp.get("messages"), list):
        inp = inp["messages"]  # (the request's other fields are its parameters)
    if inp is not None:
        out["input.value"] = inp
    output = _structured(attrs.get(_PREFIX + "output"))
    if output is not None:
        out["output.value"] = output
    model = attrs.get(_PREFIX + "model.name")
    if isinstance(model, str) and model:
        out["llm.model_name"] = model
    usage = _structured(attrs.get(_PREFIX + "usage_details"))
    if isinstance(usage, dict):
        for keys, target in (
            (("input", "prompt_tokens", "input_tokens"), "llm.token_count.prompt"),
            (("output", "completion_tokens", "output_tokens"), "llm.token_count.completion"),
        ):
            # (type is int: a JSON true is no count, and as one it would cost the span its place)
            n = next((usage[k] for k in keys if type(usage.get(k)) is int), None)
            if n is not None:
                out[target] = n
    return out

"""MLflow tracing's span attributes, read as the OpenInference ones they stand for.

MLflow (``@mlflow.trace``, ``mlflow.<flavor>.autolog()``) exports its spans over OTLP with its own
attributes, each value JSON text: ``mlflow.spanType`` (``"AGENT"``, ``"CHAT_MODEL"``, ``"TOOL"`` …),
``mlflow.spanInputs`` / ``mlflow.spanOutputs`` (the call's arguments and return value; for an autologged
chat call the request and the whole response object), ``mlflow.chat.tokenUsage`` and ``mlflow.llm.model``.
Unread, every MLflow span was a step of kind ``other`` with no text, agent or tool. (With
``MLFLOW_ENABLE_OTEL_GENAI_SEMCONV`` MLflow writes the GenAI conventions instead, read as any other.)
"""

from __future__ import annotations

from typing import Any

from ._json_text import json_or_text

SPAN_TYPE = "mlflow.spanType"

# mlflow.entities.SpanType -> openinference.span.kind (mapped on by the conventions' OI_KINDS)
_KINDS = {
    "LLM": "LLM",
    "CHAT_MODEL": "LLM",
    "EMBEDDING": "EMBEDDING",
    "AGENT": "AGENT",
    "TOOL": "TOOL",
    "CHAIN": "CHAIN",
    "WORKFLOW": "CHAIN",
    "TASK": "CHAIN",
    "PARSER": "CHAIN",
    "MEMORY": "CHAIN",
    "RETRIEVER": "RETRIEVER",
    "RERANKER": "RERANKER",
    "GUARDRAIL": "GUARDRAIL",
    "EVALUATOR": "EVALUATOR",
    "UNKNOWN": "UNKNOWN",
}
# Our step kinds of the span types MLflow's GenAI-semconv export passes through as gen_ai.operation.name
# (mlflow/tracing/export/genai_semconv/translator.py maps only CHAT_MODEL, LLM, EMBEDDING, TOOL and AGENT).
PASSED_OPERATIONS = {
    "CHAIN": "chain",
    "WORKFLOW": "chain",
    "TASK": "chain",
    "PARSER": "chain",
    "MEMORY": "chain",
    "RETRIEVER": "retriever",
    "RERANKER": "retriever",
    "GUARDRAIL": "system",
    "EVALUATOR": "system",
}
_READ = (SPAN_TYPE, "mlflow.spanInputs", "mlflow.spanOutputs", "mlflow.chat.tokenUsage", "mlflow.llm.model")


def _reply(value: Any) -> Any:
    """The assistant messages of a chat response object, else the value as it is.

    An autologged call's output is the provider's whole response: besides the reply, its id, creation time
    and token counts, which would read as numbers the model stated.
    """
    if not isinstance(value, dict):
        return value
    choices = value.get("choices")
    if isinstance(choices, list) and choices and all(isinstance(c, dict) for c in choices):
        messages = [c.get("message") for c in choices if isinstance(c.get("message"), dict)]
        if messages:
            return [{k: v for k, v in m.items() if v is not None} for m in messages]
    if value.get("role") == "assistant" and isinstance(value.get("content"), list):  # Anthropic's Message
        return [{"role": "assistant", "content": value["content"]}]
    return value


def mlflow_attributes(attrs: dict[str, Any]) -> dict[str, Any]:
    """``attrs`` with MLflow's own keys replaced by the OpenInference keys that carry the same facts."""
    out = {k: v for k, v in attrs.items() if k not in _READ}
    kind = json_or_text(attrs.get(SPAN_TYPE))
    if isinstance(kind, str):
        out["openinference.span.kind"] = _KINDS.get(kind.upper(), "UNKNOWN")
        out["mlflow.spanType"] = kind  # kept, decoded: the raw kind names are finer than ours
    llm = out.get("openinference.span.kind") in ("LLM", "EMBEDDING")
    inputs = json_or_text(attrs.get("mlflow.spanInputs"))
    if inputs is not None:
        if llm and isinstance(inputs, dict) and isinstance(inputs.get("messages"), list):
            inputs = inputs["messages"]
        out["input.value"] = inputs
    outputs = json_or_text(attrs.get("mlflow.spanOutputs"))
    if outputs is not None:
        out["output.value"] = _reply(outputs) if llm else outputs
    usage = json_or_text(attrs.get("mlflow.chat.tokenUsage"))
    if isinstance(usage, dict):
        for key, target in (
            ("input_tokens", "llm.token_count.prompt"),
            ("output_tokens", "llm.token_count.completion"),
        ):
            if type(usage.get(key)) is int:  # (not a JSON true, which would cost the span its place)
                out[target] = usage[key]
    model = json_or_text(attrs.get("mlflow.llm.model"))
    if isinstance(model, str):
        out["llm.model_name"] = model
    return out

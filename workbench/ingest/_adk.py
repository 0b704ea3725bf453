"""Google ADK's own span attributes (its tracer ``gcp.vertex.agent``) that the GenAI conventions do not name.

ADK before 2.0, and 2.x with ``ADK_TELEMETRY_SCHEMA_VERSION_OPT_IN=1``, write a model call as a ``call_llm`` span
with no ``gen_ai.operation.name`` and its exchange in ``gcp.vertex.agent.llm_request`` / ``llm_response`` (JSON
of the google-genai request and response: ``contents`` of ``{role, parts}``, ``function_call`` /
``function_response`` parts), and a tool call's arguments and result in ``gcp.vertex.agent.tool_call_args`` /
``tool_response`` (every ADK tool span also carries the two LLM keys as ``"{}"``). Read as written, model calls
were steps of kind "other" without text and tool calls had neither arguments nor result. They are turned into
the conventions' keys (``gen_ai.input.messages`` / ``output.messages`` with typed parts, ``gen_ai.tool.call.*``),
which every reader already maps.

ADK's ReflectAndRetryToolPlugin hands a failed tool call back to the model as the call's result
(``{"response_type": "ERROR_HANDLED_BY_REFLECT_AND_RETRY_PLUGIN", "error_type": …, "error_details": …}``): the
tool span then has no error status, and a failed call and its retry read as a success and a loop.

Whoever traces it (ADK's own tracer, OpenInference's), an agent hands the conversation to another through ADK's
built-in ``transfer_to_agent`` tool (read as any framework's hand-off tool: ``_handoff_tool``), and an agent's or
the invocation's output is an ADK ``Event`` as JSON (:func:`event_answer`). OpenInference writes a tool call's
output as the google-genai ``FunctionResponse`` handed back to the model (:func:`function_response`).
"""

from __future__ import annotations

import json
from typing import Any

from ._json_text import json_or_text, nested_past

LLM_REQUEST = "gcp.vertex.agent.llm_request"
LLM_RESPONSE = "gcp.vertex.agent.llm_response"
TOOL_ARGS = "gcp.vertex.agent.tool_call_args"
TOOL_RESPONSE = "gcp.vertex.agent.tool_response"
#: ADK writes it on every legacy model and tool span (``"{}"`` on tool spans): the key that sends a span here.
SHAPE_KEY = LLM_REQUEST
#: ADK for Go (v2, ``internal/telemetry``) writes no LLM keys on a tool span, only these two: it is sent here too.
TOOL_SHAPE_KEY = TOOL_ARGS
#: ADK for Go's workflow node (v2, ``internal/telemetry/node_tracing.go``'s ``startInvokeNodeSpan``: a span
#: ``invoke_node <name>`` of that operation naming the node, for a function node or a router; an agent node
#: writes its own ``invoke_agent``): the node acts in the workflow as a LangGraph node does, the steps under it its.
NODE_OPERATION = "invoke_node"
NODE_NAME = "gen_ai.node.name"
#: The ``response_type`` of a failure ReflectAndRetryToolPlugin handed back (the SQL path looks for it).
REFLECTED_FAILURE = "ERROR_HANDLED_BY_REFLECT_AND_RETRY_PLUGIN"
_PLACEHOLDER = "{}"
# (what ADK, Python and Go, writes as a tool's response when the call gave none: it failed)
_NO_RESPONSE = "<not specified>"
# the operation any-agent also writes for a model call (OPERATION_KINDS maps it to an LLM step)
_CALL_LLM = "call_llm"


def adk_attributes(attrs: dict[str, Any]) -> dict[str, Any]:
    """``attrs`` with ADK's request / response and tool keys given as the conventions' keys."""
    out = dict(attrs)
    for key in (LLM_REQUEST, LLM_RESPONSE, TOOL_ARGS, TOOL_RESPONSE):
        if out.get(key) == _PLACEHOLDER:
            del out[key]  # (says only that ADK's UI wants the key there)
    if out.get(TOOL_RESPONSE) == _NO_RESPONSE:
        del out[TOOL_RESPONSE]
    _move(out, TOOL_ARGS, "gen_ai.tool.call.arguments")
    _move(out, TOOL_RESPONSE, "gen_ai.tool.call.result")
    request = json_or_text(out.get(LLM_REQUEST))
    response = json_or_text(out.get(LLM_RESPONSE))
    if isinstance(request, dict) or isinstance(response, dict):
        if not out.get("gen_ai.operation.name"):
            out["gen_ai.operation.name"] = _CALL_LLM
        # nested past the depth limit, the text stays in the attributes as written: read as messages, it could
        # not be written again (past about 1,000 levels the whole span was quarantined)
        if nested_past(out.get(LLM_REQUEST), request):
            request = None
        if nested_past(out.get(LLM_RESPONSE), response):
            response = None
        if isinstance(request, dict) and "gen_ai.input.messages" not in out:
            out["gen_ai.input.messages"] = _input_messages(request)
            del out[LLM_REQUEST]
        if isinstance(response, dict) and "gen_ai.output.messages" not in out:
            message = _message(response.get("content"))
            if message is not None:
                if isinstance(response.get("finish_reason"), str):
                    message["finish_reason"] = response["finish_reason"].lower()
                out["gen_ai.output.messages"] = [message]
                del out[LLM_RESPONSE]
    return out


def reflected_failure(output: Any) -> str | None:
    """The error of a tool call whose result is ReflectAndRetryToolPlugin's failure response, else None."""
    if not isinstance(output, str) or REFLECTED_FAILURE not in output:
        return None
    value = json_or_text(output)
    if not isinstance(value, dict) or value.get("response_type") != REFLECTED_FAILURE:
        return None
    kind, details = value.get("error_type"), value.get("error_details")
    parts = [str(p) for p in (kind, details) if p not in (None, "")]
    return ": ".join(parts) or REFLECTED_FAILURE


#: The fields of a google-genai ``FunctionResponse`` (the SQL reader hands tool outputs naming one to the mapper)
FUNCTION_RESPONSE_MARKER = '"response"'
_FUNCTION_RESPONSE_FIELDS = frozenset({"id", "name", "response", "will_continue", "scheduling", "parts"})


def function_response(value: Any, tool: Any) -> Any:
    """A tool call's output that is a google-genai ``FunctionResponse`` as JSON, given as its ``response``.

    OpenInference writes an ADK tool call's output as the response handed back to the model
    (``{"id": <call id>, "name": <tool>, "response": {"result": …}}``), ADK's own tracer the response alone:
    read whole, the call id and the tool's name were values the tool returned, and a failure ADK's
    ReflectAndRetryToolPlugin handed back (the response) was not seen. Only a response naming the tool called;
    anything else is returned as it is.
    """
    if not isinstance(value, str) or FUNCTION_RESPONSE_MARKER not in value or not isinstance(tool, str):
        return value
    doc = json_or_text(value)
    if (
        not isinstance(doc, dict)
        or doc.get("name") != tool
        or not isinstance(doc.get("response"), dict)
        or not set(doc) <= _FUNCTION_RESPONSE_FIELDS
    ):
        return value
    return json.dumps(doc["response"], ensure_ascii=False)


#: The fields of an ADK ``Event`` beside its ``content`` (the SQL reader hands outputs holding one to the mapper)
EVENT_MARKER = '"invocation_id"'


def event_answer(value: Any) -> tuple[str, Any] | None:
    """``(text, event)`` when an output is an ADK ``Event`` as JSON whose content says something, else None.

    OpenInference writes an agent run's and the invocation's output as the last event (``content`` beside
    ``usage_metadata`` token counts, ``invocation_id``, ``timestamp``, ``author``): what was answered is the
    text of the content's parts (a model's thoughts left out); the rest read as values the agent stated.
    """
    if not isinstance(value, str) or EVENT_MARKER not in value or not value.lstrip().startswith("{"):
        return None
    event = json_or_text(value)
    if (
        not isinstance(event, dict)
        or "author" not in event
        or not isinstance(content := event.get("content"), dict)
    ):
        return None
    texts = [
        p["text"]
        for p in _listed(content.get("parts"))
        if isinstance(p, dict)
        and isinstance(p.get("text"), str)
        and p["text"].strip()
        and not p.get("thought")
    ]
    return ("\n".join(texts), value) if texts else None


def _move(attrs: dict[str, Any], key: str, to: str) -> None:
    if key in attrs and to not in attrs:
        attrs[to] = attrs.pop(key)


def _input_messages(request: dict[str, Any]) -> list[dict[str, Any]]:
    """The request's system instruction and contents as GenAI messages (role, typed parts)."""
    out: list[dict[str, Any]] = []
    config = request.get("config")
    system = config.get("system_instruction") if isinstance(config, dict) else None
    if isinstance(system, str) and system:
        out.append({"role": "system", "parts": [{"type": "text", "content": system}]})
    elif isinstance(system, dict) and (message := _message(system)) is not None:
        out.append({**message, "role": "system"})
    for content in _listed(request.get("contents")):
        message = _message(content)
        if message is not None:
            out.append(message)
    return out


def _message(content: Any) -> dict[str, Any] | None:
    """A google-genai ``Content`` (``{"role", "parts"}``) as a GenAI message; None when it is none."""
    if not isinstance(content, dict):
        return None
    role = content.get("role")
    if not isinstance(role, str):
        role = None  # (the conventions' role is a name; anything else in a hostile log)
    parts = []
    for part in _listed(content.get("parts")):
        if not isinstance(part, dict):
            continue
        if isinstance(part.get("text"), str) and not part.get("thought"):
            parts.append({"type": "text", "content": part["text"]})
        elif isinstance(call := part.get("function_call"), dict):
            parts.append(
                {
                    "type": "tool_call",
                    "id": call.get("id"),
                    "name": call.get("name"),
                    "arguments": call.get("args"),
                }
            )
        elif isinstance(resp := part.get("function_response"), dict):
            parts.append(
                {"type": "tool_call_response", "id": resp.get("id"), "response": resp.get("response")}
            )
    return {"role": "assistant" if role == "model" else (role or "user"), "parts": parts}


def _listed(value: Any) -> list[Any]:
    """``value`` when it is a list (``contents``, ``parts``), else nothing: a number or a text there is no list of
    messages, and iterating it cost the span (``TypeError``) or read a text letter by letter."""
    return value if isinstance(value, list) else []


def node_agent(operation: Any, attrs: dict[str, Any]) -> str | None:
    """The node an ADK workflow's ``invoke_node`` span runs: the agent its steps act for (None for another span)."""
    name = attrs.get(NODE_NAME) if operation == NODE_OPERATION else None
    return name if isinstance(name, str) and name else None

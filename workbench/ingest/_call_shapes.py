"""The tool calls a model asked for, read from a message (or a whole response) in any provider's shape.

A step's output keeps what its instrumentation wrote, so a model's request for a tool comes in the shape of
its API or of the convention the instrumentation follows:

* OpenAI chat (and LangChain's normalised message): ``{"tool_calls": [{"id", "function": {"name",
  "arguments"}}]}`` / ``{"tool_calls": [{"id", "name", "args"}]}``, and the flat ``{"name", "arguments"}`` the
  readers write;
* OTel GenAI semantic conventions' message parts (``gen_ai.input.messages`` / ``gen_ai.output.messages``):
  ``{"type": "tool_call", "id", "name", "arguments"}``;
* Anthropic Messages content blocks: ``{"type": "tool_use", "id", "name", "input"}``;
* Gemini / Vertex AI parts: ``{"functionCall": {"id", "name", "args"}}`` (``function_call`` as the Python SDK
  dumps it), mostly with no ``id``: such a call, and a ``functionResponse`` with none, are given their tool's name
  as their id (:data:`BY_NAME`), so that calls and results are matched by name and order;
* Bedrock Converse content blocks: ``{"toolUse": {"toolUseId", "name", "input"}}``;
* OpenAI Responses output items: ``{"type": "function_call", "call_id", "name", "arguments"}``.

The value is walked (a response wraps its messages: ``candidates[].content.parts[]``, ``output.message.content[]``,
LangChain's ``generations[][].message.kwargs``), a call's own arguments are not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

# substrings one of which the JSON text of any value holding a call contains (a cheap test before parsing)
MARKERS = ("tool_call", "tool_use", "toolUse", "functionCall", "function_call")

#: What the id of a call or result given by no id (Gemini's ``functionCall`` / ``functionResponse``: the API sends
#: none) starts with, followed by its tool's name: a name is no call's id, so its calls are matched by name and
#: order, and only within one agent's conversation (two agents calling ``search`` are not one call). The NUL
#: keeps it apart from any real id.
BY_NAME = "\x00by name:"


def by_name(call_id: Any, name: Any) -> Any:
    """``call_id``, or, when the shape gave none, the tool's name as one (:data:`BY_NAME`)."""
    return BY_NAME + name if call_id is None and isinstance(name, str) and name else call_id


def _walk(value: Any, read: Callable[[dict], tuple[list, bool]]) -> Iterator[Any]:
    """What ``read`` finds in each object of ``value`` (parsed JSON), in document order; ``read`` returns the
    items an object holds and whether it is read whole (its values not walked). A call's own arguments
    (``tool_calls``) are not walked.

    The whole value is walked: a walk stopped after 20,000 containers dropped, without a word, the calls and
    results past them (a message handing back 25,000 results staged 19,998 of them). The cost is bounded by the
    field it is read from (4 MB at most, ``MAX_FIELD_BYTES``): linear, about what parsing the text costs again
    (a 4 MB array of 600,000 small objects, the worst shape: 0.46 s to parse, 1.8 s to walk)."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
            continue
        if not isinstance(node, dict):
            continue
        found, whole = read(node)
        yield from found
        if not whole:
            stack.extend(
                reversed([v for k, v in node.items() if k != "tool_calls" and isinstance(v, (dict, list))])
            )


def _calls_of(node: dict) -> tuple[list, bool]:
    call = _call(node)
    if call is not None:
        return [call], True
    calls = node.get("tool_calls")
    found = []
    if isinstance(calls, list):
        for c in calls:
            if isinstance(c, dict):
                f = c.get("function") if isinstance(c.get("function"), dict) else c
                found.append((c.get("id"), f.get("name"), f.get("arguments", f.get("args"))))
    return found, False


def tool_calls(value: Any) -> Iterator[tuple[Any, Any, Any]]:
    """``(call id, tool name, arguments)`` of each tool call requested anywhere in ``value`` (parsed JSON), in
    document order; arguments as written (text or a value)."""
    return _walk(value, _calls_of)


def _call(node: dict) -> tuple[Any, Any, Any] | None:
    kind = node.get("type")
    if kind == "tool_call" and "name" in node:  # (LangChain's ToolCall is typed so too, with its ``args``)
        return node.get("id"), node.get("name"), node.get("arguments", node.get("args"))
    if kind in ("tool_use", "server_tool_use") and "name" in node:
        return node.get("id"), node.get("name"), node.get("input")
    if kind == "function_call" and "name" in node:
        return node.get("call_id", node.get("id")), node.get("name"), node.get("arguments")
    fc = node.get("functionCall", node.get("function_call"))
    if isinstance(fc, dict) and "name" in fc:
        return by_name(fc.get("id"), fc.get("name")), fc.get("name"), fc.get("args", fc.get("arguments"))
    tu = node.get("toolUse")
    if isinstance(tu, dict) and "name" in tu:
        return tu.get("toolUseId"), tu.get("name"), tu.get("input")
    return None


# substrings one of which the JSON text of any value holding a tool's result contains (a cheap test before parsing)
RESULT_MARKERS = (
    "tool_call_response",
    "tool_call_id",
    "tool_result",
    "function_call_output",
    "functionResponse",
    "function_response",
    "toolResult",
)


def tool_results(value: Any) -> Iterator[tuple[Any, Any, bool]]:
    """``(call id, result, failed)`` of each tool result handed back to a model anywhere in ``value`` (parsed
    JSON: the messages of a model call's input), in document order, in the shapes of :func:`tool_calls`'
    requests: OpenAI's ``{"role": "tool", "tool_call_id", "content"}``, the GenAI conventions'
    ``{"type": "tool_call_response", "id", "response"}`` parts, Anthropic's ``tool_result`` blocks
    (``is_error``), the Responses API's ``function_call_output``, Gemini's ``functionResponse`` and Bedrock's
    ``toolResult`` (``status``). ``failed``: the message itself says the call failed."""
    return _walk(value, lambda node: ([r], True) if (r := _result(node)) is not None else ([], False))


def _result(node: dict) -> tuple[Any, Any, bool] | None:
    kind = node.get("type")
    if kind == "tool_call_response" and "id" in node:
        return node.get("id"), node.get("response", node.get("result")), False
    if node.get("role") in ("tool", "function") and node.get("tool_call_id") is not None:
        return node.get("tool_call_id"), node.get("content"), node.get("status") == "error"
    if kind == "tool_result" and "tool_use_id" in node:
        return node.get("tool_use_id"), node.get("content"), node.get("is_error") is True
    if kind == "function_call_output" and "call_id" in node:
        return node.get("call_id"), node.get("output"), False
    fr = node.get("functionResponse", node.get("function_response"))
    if isinstance(fr, dict) and (fr_id := by_name(fr.get("id"), fr.get("name"))) is not None:
        return fr_id, fr.get("response"), False
    tr = node.get("toolResult")
    if isinstance(tr, dict) and tr.get("toolUseId") is not None:
        return tr.get("toolUseId"), tr.get("content"), tr.get("status") == "error"
    return None


def _events_of(node: dict) -> tuple[list, bool]:
    result = _result(node)
    if result is not None:
        return [(False, *result)], True
    found, whole = _calls_of(node)
    return [(True, *c) for c in found], whole


def _events_in_output(node: dict) -> tuple[list, bool]:
    result = _result(node)
    found, whole = _calls_of(node)
    return ([(False, *result)] if result is not None else []) + [(True, *c) for c in found], whole


def tool_events(value: Any, asking: bool = False) -> Iterator[tuple[bool, Any, Any, Any]]:
    """The requests (``(True, call id, name, arguments)``) and the results (``(False, call id, result,
    failed)``) anywhere in ``value``, in one document order: a conversation tells by their order which request
    a result answers when one id is used again. Read as a model's input (``asking`` false) the results are
    :func:`tool_results`'; as its output, the requests are :func:`tool_calls`' (a result's value is walked)."""
    return _walk(value, _events_in_output if asking else _events_of)

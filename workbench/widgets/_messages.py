"""A step's input or output as a person reads it. A chat message list (OpenAI chat and Responses items,
DSPy's ``{"prompt": ..., "messages": [...]}``, Strands' messages whose content is itself JSON, Anthropic and
Gemini content parts, LangGraph's ``{"inputs": {"messages": [...]}, "tags": ..., "metadata": ...}`` callback
wrapper, messages logged as Python reprs) was shown as JSON: one line of ``{"role":"user","content":"...\\n\\n..."}`` with the
line breaks escaped. Here it is ``role: text`` per message, blank lines between, real line breaks. Anything
else comes back unchanged. The result is text: the caller escapes it like any log value."""

from __future__ import annotations

import json
from typing import Any

from ._repr_events import OBJECT_REPR, event_fields, sends
from ._repr_messages import repr_messages

# Parsing is for reading: a value larger than this is shown as it is (the panel cuts it anyway).
MAX_PARSE_CHARS = 1_000_000
_TEXT_KEYS = ("content", "text", "message", "output", "parts")
# the wrapper keys under which frameworks log the message list of an LLM call
_LIST_KEYS = ("messages", "input", "chat_history", "contents")
# LangChain callbacks (OpenLLMetry's LangGraph spans) wrap a node's state: {"inputs": {...}, "tags", "metadata",
# "kwargs"}, {"outputs": ...}; a tool node's input holds it under "state". The plumbing beside is not shown.
_WRAPPER_KEYS = ("inputs", "outputs", "output", "state")
_PLUMBING = ("tags", "metadata", "kwargs")


def readable(value: Any) -> Any:
    """``value`` with a message list in it written out as ``role: text`` blocks, else ``value`` itself."""
    if not isinstance(value, str) or len(value) > MAX_PARSE_CHARS:
        return value
    try:
        if value.lstrip()[:1] not in ("[", "{"):
            doc: Any = value
        else:
            try:
                doc = json.loads(value)
            except ValueError:
                doc = value
        blocks = _blocks(doc)
    except RecursionError:  # (JSON nested deeper than Python reads or writes: shown as written)
        return value
    return value if blocks is None else "\n\n".join(b for b in blocks if b)


def _blocks(doc: Any, depth: int = 0) -> list[str] | None:
    """The text blocks of ``doc`` (parsed JSON, or a repr string), or None when it holds no messages."""
    routed = _sends(doc)
    if routed is not None:
        lines, rest = routed
        return ["\n".join(lines), *(f"{k}: {_compact(v)}" for k, v in rest.items())]
    found = _message_list(doc)
    if found is not None:
        messages, rest = found
        blocks = [_message(_plain(m)) for m in messages]
        if any(b is None for b in blocks):
            return None
        return [*blocks, *(f"{key}: {_compact(v)}" for key, v in rest.items())]  # type: ignore[misc]
    return _components(doc, depth)


def _components(doc: Any, depth: int) -> list[str] | None:
    """A pipeline's input or output by component, ``{"data": {"researcher": {"messages": [...]}}}`` in and
    ``{"researcher": {...}, "writer": {...}}`` out (Haystack's ``Pipeline.run``): each component's name over its
    messages, when one of them holds some."""
    if isinstance(doc, dict) and list(doc) == ["data"] and isinstance(doc["data"], dict):
        doc = doc["data"]
    if depth > 0 or not (
        isinstance(doc, dict) and 0 < len(doc) <= 50 and all(isinstance(v, dict) for v in doc.values())
    ):
        return None
    parts = {str(name): _blocks(v, depth + 1) for name, v in doc.items()}
    if all(p is None for p in parts.values()):
        return None
    out = []
    for name, v in doc.items():
        inner = parts[str(name)]
        out.append(f"[{name}]\n" + ("\n\n".join(b for b in inner if b) if inner is not None else _compact(v)))
    return out


def _sends(doc: Any, depth: int = 0) -> tuple[list[str], dict] | None:
    """LangGraph's ``Send`` reprs (a string, or a list of them) as one line each, under a callback wrapper too."""
    if isinstance(doc, str):
        found = sends(doc)
        return (found, {}) if found is not None else None
    if isinstance(doc, list) and doc and all(isinstance(x, str) for x in doc):
        read = [sends(x) for x in doc]
        return ([line for r in read for line in r], {}) if all(r is not None for r in read) else None  # type: ignore[union-attr]
    if isinstance(doc, dict) and depth < 3:
        key = next((k for k in _WRAPPER_KEYS if k in doc), None)
        inner = _sends(doc[key], depth + 1) if key is not None else None
        if inner is not None:
            return inner[0], inner[1] | {
                k: v
                for k, v in doc.items()
                if k != key and k not in _PLUMBING and v not in (None, "", [], {})
            }
    return None


def _message_list(doc: Any, depth: int = 0) -> tuple[list[dict], dict] | None:
    """The messages of ``doc`` and the wrapper's other non-empty fields, or None when it holds none."""
    if isinstance(doc, str):
        messages = repr_messages(doc)
        return (messages, event_fields(doc)) if messages else None
    doc = _from_reprs(doc)
    if isinstance(doc, dict) and _is_message(_plain(doc)):
        return [doc], {}
    if _is_messages(doc):
        return doc, {}
    if isinstance(doc, dict):
        key = next((k for k in _LIST_KEYS if _is_messages(_from_reprs(doc.get(k)))), None)
        if key is not None:
            return _from_reprs(doc[key]), {
                k: v for k, v in doc.items() if k != key and v not in (None, "", [], {})
            }
        key = next((k for k in _WRAPPER_KEYS if isinstance(doc.get(k), dict | list)), None)
        if key is not None and depth < 3:
            inner = _message_list(doc[key], depth + 1)
            if inner is not None:
                messages, rest = inner
                rest |= {
                    k: v
                    for k, v in doc.items()
                    if k != key and k not in _PLUMBING and v not in (None, "", [], {})
                }
                return messages, rest
        # a field holding one repr with messages in it: LlamaIndex's {"ctx": "<Context object at 0x…>",
        # "ev": "AgentInput(...)"}, Haystack's {"last_message": "ChatMessage(...)", "step_count": 3}
        for key, v in doc.items():
            inner = _message_list(v, depth + 1) if isinstance(v, str) else None
            if inner is not None:
                messages, rest = inner
                return messages, rest | {
                    k: x
                    for k, x in doc.items()
                    if k != key
                    and x not in (None, "", [], {})
                    and not (isinstance(x, str) and OBJECT_REPR.match(x))
                }
    return None


def _from_reprs(v: Any) -> Any:
    """A list of message reprs (Haystack's ``["ChatMessage(_role=...)", ...]``) as message dicts; else ``v``. A
    batch of one list (LangChain's chat callbacks log ``{"messages": [[...]]}``, OpenInference's LangGraph spans
    with them: shown as JSON) is that list."""
    if isinstance(v, list) and len(v) == 1 and isinstance(v[0], list):
        v = v[0]
    if not (isinstance(v, list) and v and all(isinstance(x, str) for x in v)):
        return v
    read = [repr_messages(x) for x in v]
    if any(r is None or len(r) != 1 for r in read):
        return v
    return [r[0] for r in read]


def _is_messages(v: Any) -> bool:
    if not (isinstance(v, list) and v and all(isinstance(m, dict) for m in v)):
        return False
    v = [_plain(m) for m in v]
    return any(_is_message(m) for m in v) and all(_is_message(m) or "type" in m for m in v)


def _plain(m: dict) -> dict:
    """LangChain's messages as the others: ``{"type": "human", "data": {...}}`` (message_to_dict) and
    ``{"lc": 1, "kwargs": {...}}`` (its serialised objects)."""
    if isinstance(m.get("data"), dict) and "content" in m["data"]:
        return {**m["data"], "role": m.get("type") or m["data"].get("type")}
    if m.get("lc") and isinstance(m.get("kwargs"), dict) and "content" in m["kwargs"]:
        ident = m.get("id")  # (its class path, a list of names; anything else in a hostile log)
        kind = m["kwargs"].get("type") or (ident[-1] if isinstance(ident, list) and ident else "?")
        return {**m["kwargs"], "role": kind}
    return m


def _is_message(m: dict) -> bool:
    return (
        "role" in m
        and any(k in m for k in (*_TEXT_KEYS, "tool_calls"))
        or "message" in m
        and isinstance(m["message"], str)
    )


def _message(m: dict) -> str | None:
    who = m.get("role") or m.get("type") or ""
    if not isinstance(who, str):
        return None
    text = next((_text(m[k]) for k in _TEXT_KEYS if k in m and m[k] not in (None, "", [])), "")
    listed = m.get("tool_calls")
    calls = [_call(c) for c in listed if isinstance(c, dict)] if isinstance(listed, list) else []
    if m.get("type") == "function_call":  # an OpenAI Responses item
        calls.append(_call(m))
    body = "\n".join(x for x in (text, *calls) if x)
    return f"{who}: {body}" if who else body


def _call(c: dict) -> str:
    fn = c.get("function") if isinstance(c.get("function"), dict) else c
    args = fn.get("arguments", fn.get("input", fn.get("args", "")))
    return f"→ {fn.get('name', '?')}({args if isinstance(args, str) else _compact(args)})"


def _text(content: Any) -> str:
    if isinstance(content, str):
        inner = content.lstrip()[:1]
        if inner in ("[", "{") and len(content) <= MAX_PARSE_CHARS:
            try:  # Strands: the content is a JSON list of parts, as a string
                return _text(json.loads(content))
            except ValueError:
                return content
        return content
    if isinstance(content, list):
        return "\n".join(t for t in (_text(p) for p in content) if t)
    if isinstance(content, dict):
        for key in ("text", "content"):
            if isinstance(content.get(key), str | list):
                return _text(content[key])
        if "name" in content and content.get("type") in ("tool_call", "tool_use", "function_call"):
            return _call(content)
        for key in ("toolUse", "tool_use", "functionCall"):
            if isinstance(content.get(key), dict):
                return _call(content[key])
        for key in ("toolResult", "tool_result", "functionResponse"):
            if isinstance(content.get(key), dict):
                return "tool result: " + _text(content[key].get("content", content[key].get("response", "")))
        return _compact(content)
    return "" if content is None else _compact(content)


def _compact(v: Any) -> str:
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)

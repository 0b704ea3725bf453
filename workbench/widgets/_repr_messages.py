"""Chat messages logged as Python reprs, read back as message dicts. Some instrumentations write a message
object with ``str()``: LangChain's ``HumanMessage(content='...', ...)`` (LangGraph's state in a ``Send``, a
callback's inputs), Haystack's ``ChatMessage(_role=<ChatRole.USER: 'user'>, _content=[TextContent(text='...')])``.
Shown as they are, the text a person wants is buried in keyword arguments and metadata.

The repr is never evaluated: string literals are read with ``ast.literal_eval`` (literals only), everything else
by pattern. A text that does not open with a class call holding a message is left to the caller as it is."""

from __future__ import annotations

import ast
import re

# a class opening the text, after any list brackets, quotes and spaces: a message, or an event holding
# messages (LlamaIndex's ``AgentInput(input=[ChatMessage(...)])``); a text with no message in it reads as None
_OPENS = re.compile(r"""^[\s\[\]"',]*[A-Z]\w*\(""")
# one pass, left to right: a string literal (so that nothing inside one is read as a message or a role),
# the start of a message, Haystack's role, a tool call's name (LangChain's tool call dict first: its
# 'name' would otherwise be read as a plain literal); a text part of a content list, as smolagents' ChatMessage
# writes its content (``content=[{'type': 'text', 'text': '...'}]``: its system and user messages read empty,
# the observation the pricer then misquoted out of sight). A literal left open (a repr cut short by the logger,
# or a hostile one) runs to the end of the text: tried again from every later quote, an open literal made
# reading quadratic (80 kB of \\' took 34 s, the 1 MB the panel parses hours).
_TOKEN = re.compile(
    r"""
    'name':\s'(?P<lc_call>[^'\\]*)',\s'args':\s(?P<lc_args>\{[^{}]*\})
  | (?P<key>\b(?:content|text|result|tool_name)=|'type':\s'text',\s'text':\s)?(?P<lit>'(?:[^'\\]|\\.)*+'?|"(?:[^"\\]|\\.)*+"?)
  | (?P<msg>\b(?P<cls>[A-Z]\w*Message)\()
  | \b_?role=<\w+\.\w+:\s'(?P<role>[\w-]+)'>
""",
    re.S | re.X,
)
# a tool call's arguments, right after its name (``ToolCall(tool_name='x', arguments={...}, id=...)``): looked
# for at the next comma anywhere, calls with no comma of their own each read the text up to the next one
# (quadratic) and took the same arguments (1 MB of calls sharing 0.5 MB of arguments: gigabytes shown)
_ARGS = re.compile(r"\s*,\s*(?:arguments|args|tool_kwargs)=(\{[^{}]*\})")
_ROLES = {
    "HumanMessage": "human",
    "AIMessage": "ai",
    "SystemMessage": "system",
    "ToolMessage": "tool",
    "FunctionMessage": "function",
    "ChatMessage": "",
    "AIMessageChunk": "ai",
    "HumanMessageChunk": "human",
}


def repr_messages(text: str) -> list[dict] | None:
    """The messages of ``text`` as ``{"role", "content", "tool_calls"}`` dicts, or None when it does not
    open with a message repr."""
    if not isinstance(text, str) or not _OPENS.match(text):
        return None
    out: list[dict] = []
    for m in _TOKEN.finditer(text):
        if m.group("msg"):
            out.append(
                {
                    "role": _ROLES.get(m.group("cls"), m.group("cls").removesuffix("Message").lower()),
                    "content": [],
                    "tool_calls": [],
                }
            )
        elif not out:
            continue
        elif m.group("role"):
            out[-1]["role"] = m.group("role")
        elif m.group("lc_call") is not None:
            out[-1]["tool_calls"].append({"name": m.group("lc_call"), "arguments": m.group("lc_args")})
        elif m.group("key") == "tool_name=" and out[-1]["role"] == "tool":
            continue  # Haystack's ToolCallResult names the call it answers: not a call of the tool's own
        elif m.group("key") == "tool_name=":
            args = _ARGS.match(text, m.end())
            out[-1]["tool_calls"].append(
                {
                    "name": _literal(m.group("lit")),
                    # (no arguments after it: the log cut the repr there)
                    "arguments": args.group(1) if args else "…",
                }
            )
        elif m.group("key"):
            out[-1]["content"].append(_literal(m.group("lit")))
    if not out:
        return None
    return [
        {
            "role": x["role"],
            "content": "\n".join(t for t in x["content"] if t),
            **({"tool_calls": _once(x["tool_calls"])} if x["tool_calls"] else {}),
        }
        for x in out
    ]


def _once(calls: list[dict]) -> list[dict]:
    # LlamaIndex's AgentOutput names each call twice: a ToolCallBlock in the message, a ToolSelection beside it
    seen: set[tuple[str, str]] = set()
    return [c for c in calls if (key := (c["name"], c["arguments"])) not in seen and not seen.add(key)]


def _literal(lit: str) -> str:
    body = lit[1:-1] if len(lit) > 1 and lit[-1] == lit[0] else ""
    if len(lit) < 2 or lit[-1] != lit[0] or (len(body) - len(body.rstrip("\\"))) % 2:
        lit += lit[0]  # left open (its closing quote escaped or absent): the text after the quote
    try:
        value = ast.literal_eval(lit)
    except (ValueError, SyntaxError):
        return lit[1:-1]
    return value if isinstance(value, str) else str(value)

"""Framework events logged as Python reprs, read for the step panel: LangGraph's ``Send(node='tools', arg={...})``
(a routing decision whose argument carries the whole conversation so far) and LlamaIndex workflow events
(``AgentInput(input=[ChatMessage(...)], current_agent_name='researcher')``, ``StopEvent(result=AgentOutput(...))``).
Shown raw, a Send was 800 to 2,000 characters of state around the one tool call it routes.

As in :mod:`._repr_messages`, nothing is evaluated: literals by pattern and ``ast.literal_eval``, the rest by
scanning brackets outside string literals. The results are text; the caller escapes them."""

from __future__ import annotations

import ast
import re

_LIT = r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*\""""
_STRING = re.compile(_LIT, re.S)
_SEND = re.compile(rf"""\bSend\(\s*(?:node=)?(?P<node>{_LIT}),\s*(?:arg=)?""", re.S)
_TOOL_CALL = re.compile(
    rf"""['"]tool_call['"]:\s*\{{\s*['"]name['"]:\s*(?P<name>{_LIT}),\s*['"]args['"]:\s*""", re.S
)
# the classes a repr opens with, outermost first: "StopEvent(result=AgentOutput(" → StopEvent, AgentOutput
_OPENING = re.compile(r"""^[\s\[\]"',]*((?:[A-Z]\w*\((?:\w+=)?\[?)+)""")
_AGENT = re.compile(rf"""\bcurrent_agent_name=(?P<lit>{_LIT})""", re.S)
# an object's default repr, "<workflows.context.Context object at 0x7ff1...>": says nothing to a reader
OBJECT_REPR = re.compile(r"^<[\w.]+ object at 0x[0-9a-fA-F]+>$")
_MAX_ARG = 300


def sends(text: str) -> list[str] | None:
    """One line per ``Send`` in ``text`` (a repr or a list of them): ``send → tools: search_flights({...})``
    when it routes a tool call, else ``send → node: <its argument, cut>``. None when ``text`` opens with none."""
    if not isinstance(text, str) or not re.match(r"""^[\s\[\]"',]*Send\(""", text):
        return None
    lines = []
    pos = 0
    while (m := _SEND.search(text, pos)) is not None:
        node = _literal(m.group("node"))
        end = value_end(text, m.end())
        arg = text[m.end() : end]
        call = _TOOL_CALL.search(arg)
        if call is not None:
            args = arg[call.end() : value_end(arg, call.end())]
            lines.append(f"send → {node}: {_literal(call.group('name'))}({args})")
        else:
            lines.append(f"send → {node}: {_cut(arg)}" if arg.strip() else f"send → {node}")
        pos = max(end, m.end())
    return lines or None


def event_fields(text: str) -> dict[str, str]:
    """What a workflow event repr says besides its messages: its class (``StopEvent › AgentOutput``) and the
    agent it is for. Empty for a text that opens with a message class or no class."""
    m = _OPENING.match(text) if isinstance(text, str) else None
    if m is None:
        return {}
    names = re.findall(r"[A-Z]\w*(?=\()", m.group(1))
    if not names or names[0].endswith("Message"):
        return {}
    out = {"event": " › ".join(n for n in names if not n.endswith("Message"))}
    agent = _AGENT.search(text)
    if agent is not None:
        out["agent"] = _literal(agent.group("lit"))
    return out


def value_end(text: str, i: int) -> int:
    """Where the value starting at ``text[i]`` ends: the first ``,`` or closing bracket outside brackets it
    opened and outside string literals (the end of the text when it was cut off)."""
    depth, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "'\"":
            lit = _STRING.match(text, i)
            if lit is None:
                return n
            i = lit.end()
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                return i
            depth -= 1
        elif c == "," and depth == 0:
            return i
        i += 1
    return n


def _cut(s: str) -> str:
    s = " ".join(s.split())
    return s if len(s) <= _MAX_ARG else s[:_MAX_ARG].rstrip() + " …"


def _literal(lit: str) -> str:
    try:
        value = ast.literal_eval(lit)
    except (ValueError, SyntaxError):
        return lit[1:-1]
    return value if isinstance(value, str) else str(value)

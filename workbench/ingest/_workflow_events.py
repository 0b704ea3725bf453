"""The agent of a LlamaIndex AgentWorkflow step, read from the workflow's events.

The OpenInference instrumentor types the workflow's steps CHAIN and writes each one's input as ``{"ctx": …,
"ev": <the event's repr>}``; the agent is named only in the event, as its field ``current_agent_name='x'``
(:func:`event_field`). That field comes last, after the conversation the event carries: an attribute length
limit (``OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT``, 4,096 characters is common) cuts it off once the conversation is
long, and the step named no agent. The events chain the steps (``aggregate_tool_results`` emits ``AgentInput``,
which ``setup_agent`` handles, emitting ``AgentSetup``, which ``run_agent_step`` handles), so the agent is read
where the chain states it (:func:`workflow_chain_agent`).
"""

from __future__ import annotations

import ast
from typing import Any

import orjson

EVENT_FIELD = "current_agent_name="
_OPEN, _CLOSE = "([{", ")]}"
_AGENT_INPUT, _AGENT_SETUP = "AgentInput(", "AgentSetup("
_EV = '"ev": "'
_CUT_EVENTS = (_EV + _AGENT_INPUT, _EV + _AGENT_SETUP)


def event_field(ev: str) -> str | None:
    """The ``current_agent_name`` an event's repr states at its own level (not inside a message's text, which
    may say anything), else None."""
    depth, quote, i, n = 0, "", 0, len(ev)
    while i < n:
        ch = ev[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
        elif depth == 1 and ev.startswith(EVENT_FIELD, i) and ev[i - 1] in " (":
            return _str_literal(ev, i + len(EVENT_FIELD))
        i += 1
    return None


def _str_literal(ev: str, start: int) -> str | None:
    """The Python string literal at ``ev[start]`` (a repr's: ``'pricer'``, or ``"Bob's pricer"`` when the name
    holds an apostrophe, with backslash escapes when it holds both quotes), stripped; None when there is none or
    it was cut short."""
    quote = ev[start : start + 1]
    if quote not in ("'", '"'):
        return None
    i, n = start + 1, len(ev)
    while i < n and ev[i] != quote:
        i += 2 if ev[i] == "\\" else 1
    if i >= n:
        return None
    text = ev[start + 1 : i]
    if "\\" in text:
        try:
            text = ast.literal_eval(ev[start : i + 1])  # (a literal only: no code is run)
        except (ValueError, SyntaxError):
            return None
    return text.strip() or None


def cut_workflow_event(inp: Any) -> str | None:
    """``"AgentInput("`` or ``"AgentSetup("`` when a step's input holds that event in a ``{"ctx", "ev"}``
    document cut short (it does not parse); else None."""
    if not isinstance(inp, str) or not inp.startswith("{"):
        return None
    event = next((m for m in _CUT_EVENTS if m in inp), None)
    if event is None:
        return None
    try:
        orjson.loads(inp)
    except orjson.JSONDecodeError:
        return event[len(_EV) :]
    return None


def workflow_chain_agent(inp: Any, out: Any) -> tuple[str | None, bool]:
    """``(agent, acts for the step before)`` of a step whose input event was cut short
    (:func:`cut_workflow_event`).

    ``setup_agent``'s output, the ``AgentSetup`` it emits, names the agent it set up (the instrumentor writes
    outputs short, an event's lists as ``[n items]``, so the field survives). ``run_agent_step`` handles that
    ``AgentSetup``: it acts for the agent of the ``setup_agent`` step before it, given after staging
    (:mod:`._step_agents`). A cut ``AgentInput`` whose step's output states no agent stays nobody's: the step
    before it emitted the event for the agent to run next, after a hand-off another than its own.
    """
    event = cut_workflow_event(inp)
    if event is None:
        return None, False
    if isinstance(out, str) and out.startswith(_AGENT_SETUP):
        return event_field(out), False
    return None, event == _AGENT_SETUP

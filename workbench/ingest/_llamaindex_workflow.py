"""A LlamaIndex AgentWorkflow step's agent, read from the event it handles, and the workflow's built-in
``handoff`` tool (see :mod:`._workflow_events` for the agent of a step whose event was cut short).
"""

from __future__ import annotations

from typing import Any

import orjson

from ._workflow_events import EVENT_FIELD, event_field


def _workflow_event(inp: Any, marker: str) -> str | None:
    """The event's repr a LlamaIndex AgentWorkflow step's input (``{"ctx": …, "ev": …}``) holds, when that
    input mentions ``marker``; else None."""
    if not isinstance(inp, str) or marker not in inp or '"ev"' not in inp:
        return None
    try:
        ev = orjson.loads(inp)
    except orjson.JSONDecodeError:
        return None
    ev = ev.get("ev") if isinstance(ev, dict) else None
    return ev if isinstance(ev, str) else None


def workflow_event_agent(inp: Any) -> str | None:
    """The agent a LlamaIndex AgentWorkflow step runs for, named in the event it handles, else None.

    The OpenInference instrumentor types the workflow's steps (``AgentWorkflow.setup_agent`` /
    ``run_agent_step`` / ``parse_agent_output``) CHAIN and writes their input as ``{"ctx": …, "ev": <the
    event's repr>}``; only the event names the agent, as its field ``current_agent_name='researcher'``.
    The field is read at the event's own level (not inside a message's text, which may say anything).
    """
    ev = _workflow_event(inp, EVENT_FIELD)
    return None if ev is None else event_field(ev)


_TOOL_EVENTS = ("ToolCall(", "ToolCallResult(")


def workflow_tool_event(inp: Any) -> bool:
    """Whether a LlamaIndex AgentWorkflow step handles a tool call's event (``call_tool``: ``ToolCall(…)``,
    ``aggregate_tool_results``: ``ToolCallResult(…)``), which names no agent: the step acts for the agent whose
    step came before it (``run_agent_step`` and ``parse_agent_output`` name it), found after staging
    (:mod:`._step_agents`)."""
    ev = _workflow_event(inp, "ToolCall")
    return ev is not None and ev.startswith(_TOOL_EVENTS)


#: LlamaIndex AgentWorkflow's built-in hand-off tool: ``handoff(ctx, to_agent, reason)``, a FunctionTool the
#: agent's model calls; the workflow then runs ``to_agent``. Its refusals (an agent not known, or one this agent
#: may not hand off to) are fixed texts, the acceptance a prompt the developer may change.
WORKFLOW_HANDOFF = "handoff"
_HANDOFF_REFUSED = ("Agent {} not found.", "Agent {} cannot hand off to ")
#: The built-in's default description and acceptance (LlamaIndex's DEFAULT_HANDOFF_PROMPT and
#: DEFAULT_HANDOFF_OUTPUT_PROMPT: both the developer's to change)
_HANDOFF_PROMPT = "Useful for handing off to another agent."
_HANDOFF_ACCEPTED = " is now handling the request"


def _workflow_tool_call(args: dict[str, Any], out: Any, description: Any) -> bool:
    """Whether a ``handoff(to_agent, reason)`` call is LlamaIndex's: the workflow's Context among its arguments
    (the built-in takes ``ctx``; OpenInference writes it), its result LlamaIndex's ToolOutput naming the tool,
    or the built-in's default description or acceptance. A developer's own ``handoff`` tool of another
    framework (to a human queue, say) has none of these: a tool call."""
    if "ctx" in args or (isinstance(description, str) and description.lstrip().startswith(_HANDOFF_PROMPT)):
        return True
    if not isinstance(out, str):
        return False
    if _HANDOFF_ACCEPTED in out:
        return True
    try:
        result = orjson.loads(out) if '"tool_name"' in out else None
    except orjson.JSONDecodeError:
        return False
    return isinstance(result, dict) and result.get("tool_name") == WORKFLOW_HANDOFF and "raw_output" in result


def workflow_handoff(tool: Any, inp: Any, out: Any, description: Any = None) -> str | None:
    """The agent a LlamaIndex AgentWorkflow ``handoff`` tool call hands the work to, else None.

    Read from the call's arguments (OpenInference writes ``{"kwargs": {"to_agent", "reason", "ctx"}}``), only
    for a tool named ``handoff`` whose arguments are the built-in's (``to_agent`` and ``reason``) and that is
    LlamaIndex's (:func:`_workflow_tool_call`): a tool of the developer's called ``handoff`` with other
    arguments, or outside LlamaIndex, stays a tool call. A call the workflow refused (its output says the agent
    was not found or may not be handed to) handed nothing over: a tool call.
    """
    if tool != WORKFLOW_HANDOFF or not isinstance(inp, str) or '"to_agent"' not in inp:
        return None
    try:
        args = orjson.loads(inp)
    except orjson.JSONDecodeError:
        return None
    if isinstance(args, dict) and isinstance(args.get("kwargs"), dict) and "to_agent" not in args:
        args = args["kwargs"]
    target = args.get("to_agent") if isinstance(args, dict) and "reason" in args else None
    if not isinstance(target, str) or not target.strip() or not _workflow_tool_call(args, out, description):
        return None
    if isinstance(out, str) and any(refused.format(target) in out for refused in _HANDOFF_REFUSED):
        return None
    return target

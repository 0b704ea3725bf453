"""A framework's built-in hand-off tool: the call that passes the conversation to another agent.

Frameworks give an agent's model a tool whose call hands the conversation on: Google ADK's
``transfer_to_agent(agent_name, transfer_reason="")``, Strands Agents' swarm
``handoff_to_agent(agent_name, message, context=None)``. The framework runs the agent named once the call returns,
so the call is a hand-off, not one more tool call (a tool budget counted it, the hand-off view showed none).
Known by the tool's name (named for handing over to an agent, in any case, with any separators) and its
arguments: the agent named in ``agent_name``, beside none but the built-ins' other arguments (a developer's tool
of that name taking others stays a tool call).

A tracer may write no arguments at all (ADK's own writes the tool's name and type and never its arguments,
content capture on or off): the call is a hand-off all the same, and the agent handed to the next other agent
to start in the run, known once the run's steps are staged (``store/sql/handoff_targets.sql``).
"""

from __future__ import annotations

import re
from typing import Any

from ._json_text import json_or_text

#: The tool names (lower case, separators dropped) that say "hand the conversation to an agent" and name none.
HANDOFF_TOOL_WORDS = frozenset({"transfertoagent", "handofftoagent", "handovertoagent"})
#: What is dropped from a tool's name before it is compared (the SQL reader drops the same: _otlp_sql).
SEPARATORS = r"[\s_.-]"
_SEPARATORS = re.compile(SEPARATORS)
# ADK's (agent_name, transfer_reason), Strands' (agent_name, message, context)
_BUILT_IN_ARGS = frozenset({"agent_name", "transfer_reason", "message", "context"})
_NO_ARGUMENTS = ("", "{}", "null")


def handoff_tool(tool: Any) -> bool:
    """Whether a tool is named for handing the conversation to an agent (see the module)."""
    return (
        isinstance(tool, str) and len(tool) <= 40 and _SEPARATORS.sub("", tool).lower() in HANDOFF_TOOL_WORDS
    )


def handoff_target(tool: Any, args: Any) -> str | None:
    """The agent a built-in hand-off tool's call names in its arguments (JSON text), else None."""
    if not isinstance(args, str) or '"agent_name"' not in args or not handoff_tool(tool):
        return None
    value = json_or_text(args)
    if not isinstance(value, dict) or not set(value) <= _BUILT_IN_ARGS:
        return None
    target = value.get("agent_name")
    return target.strip() or None if isinstance(target, str) else None


def unnamed_handoff(tool: Any, args: Any) -> bool:
    """Whether a call is a built-in hand-off tool's traced without its arguments (its agent named later)."""
    if args is not None and (not isinstance(args, str) or args.strip() not in _NO_ARGUMENTS):
        return False
    return handoff_tool(tool)

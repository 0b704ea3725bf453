"""Claude Agent SDK's subagents: the agent a ``Task`` / ``Agent`` tool call runs, read as that agent's run.

A Claude Agent SDK (Claude Code) agent delegates to a subagent through its built-in tool ``Agent`` (``Task`` in
earlier versions), whose input names the subagent: ``{"description", "prompt", "subagent_type"}`` (its
``ClaudeAgentOptions(agents=...)`` key, or a built-in one such as ``general-purpose``). OpenInference's
instrumentation (openinference-instrumentation-claude-agent-sdk, ``_wrappers.py``'s ``_SubagentSpanTracker``) traces
the call as a TOOL span of that name and the subagent's run as an AGENT span under it named
``ClaudeAgentSDK.<tool>`` whose ``agent.name`` is the tool's name: every subagent read as one agent, "Agent". The
call is read as the subagent's run (kind "agent", the subagent its agent; the tool's name stays an attribute, as a
CrewAI delegation's: ``_framework_handoffs.crew_delegation``), and the span named after the tool as a step of it.
"""

from __future__ import annotations

from typing import Any

import orjson

#: The input key that makes a tool call a subagent's run (the SQL reader hands such calls to Python).
SUBAGENT_KEY = '"subagent_type"'
#: OpenInference's name for the subagent's span: ``ClaudeAgentSDK.<tool name>`` (the SQL reader hands them over too).
SPAN_PREFIX = "ClaudeAgentSDK."
_TOOLS = frozenset({"Agent", "Task"})
# (a subagent whose tool's name the instrumentation did not know: named after no agent either)
_UNNAMED = SPAN_PREFIX + "Subagent"


def subagent_call(tool: Any, inp: Any) -> str | None:
    """The subagent a Claude Agent SDK ``Agent`` / ``Task`` tool call runs (its ``subagent_type``), else None."""
    # (a hostile log's tool name may be a list or a dict: unhashable, so never looked up in the set)
    if not isinstance(tool, str) or tool not in _TOOLS or not isinstance(inp, str) or SUBAGENT_KEY not in inp:
        return None
    try:
        args = orjson.loads(inp)
    except orjson.JSONDecodeError:
        return None
    kind = args.get("subagent_type") if isinstance(args, dict) and "prompt" in args else None
    return kind.strip() or None if isinstance(kind, str) else None


def tool_named_span(name: Any, agent: Any) -> bool:
    """Whether an agent span is OpenInference's span of a subagent's run, named after the tool that ran it (its
    ``agent.name`` the tool's, not the subagent's): the run is the tool call's above it."""
    if not isinstance(name, str) or not name.startswith(SPAN_PREFIX):
        return False
    return name == _UNNAMED if agent is None else isinstance(agent, str) and agent in _TOOLS and name == SPAN_PREFIX + agent

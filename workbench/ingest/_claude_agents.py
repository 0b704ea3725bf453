"""Claude Agent SDK's subagents: the agent a ``Task`` / ``Agent`` tool call runs, read as that agent's run.

A Claude Agent SDK (Claude Code) agent delegates to a subagent through its built-in tool ``Agent`` (``Task`` in
earlier versions), whose input names the subagent: ``{"description", "prompt", "subagent_type"}`` (its
``ClaudeAgentOptions(agents=...)`` key, or a built-in one such as ``general-purpose``). OpenInference's
instrumentation (openinference-instrumentation-claude-agent-sdk, ``_wrappers.py``'s ``_SubagentSpanTracker``) traces
the call as a TOOL span of that name and the subagent's run as an AGENT span under it named
``ClaudeAgentSDK.<tool>`` whose ``agent.name`` is the tool's name: every subagent read as one agent, "Agent". The
call is read as the subagent's run (kind "agent", the subagent its agent; the tool's name stays an attribute, as a
CrewAI delegation's: ``_framework_handoffs.crew_delegation``), and the span named after the tool as a step of it.

The main agent's run is an AGENT span named after the call that ran it (``_QueryWrapper``: ``ClaudeAgentSDK.query``;
``_ClientReceiveResponseWrapper``: ``ClaudeAgentSDK.ClaudeSDKClient.receive_response``, one a turn) that names no
agent: the SDK's main agent has no name (``ClaudeAgentOptions`` names only the subagents), the span's attributes say
only the provider (``llm.system`` anthropic), the model and the session. It is read as the agent "claude", the name
its user calls it by, not as the wrapped method's (a turn of the client and a query were two agents, both named
after code). An ``agent.name`` on the span (the user's own) is kept.
"""

from __future__ import annotations

from typing import Any

import orjson

#: The input key that makes a tool call a subagent's run (the SQL reader hands such calls to Python).
SUBAGENT_KEY = '"subagent_type"'
#: OpenInference's name for the subagent's span: ``ClaudeAgentSDK.<tool name>`` (the SQL reader hands them over too).
SPAN_PREFIX = "ClaudeAgentSDK."
_TOOLS = frozenset({"Agent", "Task"})
#: OpenInference's spans of the main agent's run (``_wrappers.py`` at 1fe497f1), and the name it is read by.
MAIN_SPANS = frozenset({SPAN_PREFIX + "query", SPAN_PREFIX + "ClaudeSDKClient.receive_response"})
MAIN_AGENT = "claude"
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
    return (
        name == _UNNAMED
        if agent is None
        else isinstance(agent, str) and agent in _TOOLS and name == SPAN_PREFIX + agent
    )


def main_agent(name: Any) -> str | None:
    """The main agent a Claude Agent SDK run's span is (see the module's docstring): "claude" for OpenInference's
    span of a query or a client's turn, else None."""
    return MAIN_AGENT if isinstance(name, str) and name in MAIN_SPANS else None

"""Tool calls and messages that hand the work to another agent in a framework's own shape: Microsoft Agent
Framework's addressed ``message.send``, AutoGen's hand-off tools, CrewAI's delegation tools (the coworker's run).
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from ._convention_table import TOOL_DESCRIPTION_KEYS

#: Microsoft Agent Framework: the executor a workflow message is addressed to (``WorkflowContext.send_message``
#: with a ``target_id``; a message without one goes along every edge of the graph).
DESTINATION_EXECUTOR = "message.destination_executor_id"


def executor_handoff(name: Any, attrs: dict[str, Any]) -> str | None:
    """The executor a Microsoft Agent Framework ``message.send`` span hands the work to, else None.

    HandoffBuilder's routing (an agent called ``handoff_to_<agent>``, a tool the framework answers itself, so
    no tool span is written) shows only as the sending executor's ``message.send`` addressed to the next
    agent's executor; a group chat's manager giving the floor to one participant is sent so too.
    """
    dst = attrs.get(DESTINATION_EXECUTOR)
    return dst if name == "message.send" and isinstance(dst, str) and dst.strip() else None


#: AutoGen AgentChat's hand-off: a ``Handoff`` is a tool (``transfer_to_<target>``) the agent's model calls and
#: the framework answers; autogen-core writes its ``execute_tool`` span like any tool's, described so by default.
AUTOGEN_HANDOFF = "Handoff to "


def autogen_handoff(attrs: dict[str, Any], tool: Any = None) -> str | None:
    """The agent an AutoGen hand-off tool's span hands the work to, else None.

    Read from the default description, exactly as autogen-agentchat writes it (``Handoff to <target>.``, the
    target as written; the tool's name lower-cases it), the target an agent's name, which AgentChat requires to be
    a Python identifier; and only on AutoGen's spans: autogen-core's own (``gen_ai.system`` autogen), or a span
    naming no system and the tool as AgentChat names that hand-off, ``transfer_to_<target>`` lower-cased beside
    that description (OpenInference's AgentChat instrumentation writes ``tool.name`` / ``tool.description`` and no
    system: drift50 found its swarm's hand-offs read as tool calls). A tool of another system named
    ``transfer_to_savings`` is a tool. A hand-off given its own description stays a tool
    call (a miss, not a wrong agent); so does a tool of the developer's described "Handoff to a human operator
    when ..." (it was read as a hand-off to an agent named "a human operator when ...").
    """
    desc = next((attrs[k] for k in TOOL_DESCRIPTION_KEYS if isinstance(attrs.get(k), str)), None)
    if desc is None or not desc.startswith(AUTOGEN_HANDOFF) or not desc.endswith("."):
        return None
    target = desc[len(AUTOGEN_HANDOFF) : -1]
    if not target.isidentifier():
        return None
    system = attrs.get("gen_ai.system")
    ours = system == "autogen" or (system is None and tool == f"transfer_to_{target.lower()}")
    return target if ours else None


#: The arguments of CrewAI's delegation tools ("Delegate work to coworker": task, "Ask question to coworker":
#: question; both with context and the coworker's role)
_DELEGATION_ARGS = ({"task", "context", "coworker"}, {"question", "context", "coworker"})
#: The tools' names, letters only, lower case (fixed in CrewAI's tool classes; older releases wrote
#: "co-worker"; a span may add its method: "Ask question to coworker.run"), and their argument schemas'
#: titles, which OpenInference writes in the tool's parameters and description (CrewAI translates only the
#: description's text)
_DELEGATION_TOOLS = ("delegateworktocoworker", "askquestiontocoworker")
_DELEGATION_SCHEMAS = ('"DelegateWorkToolSchema"', '"AskQuestionToolSchema"')
_NOT_LETTERS = re.compile(r"[^a-z]+")


#: CrewAI's answer to a delegation naming no coworker of the crew (its English prompt file): no coworker ran
_NO_COWORKER = "coworker mentioned not found"


def _crew_tool(tool: Any, name: Any, attrs: dict[str, Any]) -> bool:
    """Whether a tool call is one of CrewAI's delegation tools, by its name (the tool's, else the span's) or its
    argument schema's title: a developer's own ``assign_ticket(task, context, coworker)`` is neither."""
    label = tool if isinstance(tool, str) else name
    if isinstance(label, str) and _NOT_LETTERS.sub("", label.lower()).startswith(_DELEGATION_TOOLS):
        return True
    return any(
        isinstance(attrs.get(k), str) and any(t in attrs[k] for t in _DELEGATION_SCHEMAS)
        for k in ("tool.parameters", *TOOL_DESCRIPTION_KEYS)
    )


def crew_delegation(
    inp: Any, out: Any = None, tool: Any = None, name: Any = None, attrs: dict[str, Any] | None = None
) -> str | None:
    """The coworker a CrewAI delegation tool call runs, else None.

    An agent allowed to delegate is given two tools that run a coworker's agent on a task or a question inside
    the tool call; OpenInference writes no agent span for that run, so the coworker's model and tool calls read
    as the delegating agent's. Read by the tools' arguments and name or schema (:func:`_crew_tool`): the
    coworker as the model named it (CrewAI matches roles case-insensitively; a role written otherwise than the
    crew's is a lane of its own). A delegation CrewAI refused (no such coworker) ran nobody: a tool call.
    """
    if not isinstance(inp, str) or '"coworker"' not in inp or (isinstance(out, str) and _NO_COWORKER in out):
        return None
    try:
        args = orjson.loads(inp)
    except orjson.JSONDecodeError:
        return None
    if (
        not isinstance(args, dict)
        or set(args) not in _DELEGATION_ARGS
        or not _crew_tool(tool, name, attrs or {})
    ):
        return None
    coworker = args["coworker"]
    return coworker.strip().strip("\"'").strip() or None if isinstance(coworker, str) else None

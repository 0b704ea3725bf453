"""Langtrace's CrewAI and Agno spans (``langtrace-python-sdk``), read as the OpenInference keys they stand for.

Langtrace (Scale3-Labs/langtrace-python-sdk b62abd9b, ``instrumentation/crewai/patch.py``) wraps
``Crew.kickoff*``, ``Task.execute_sync`` and ``Agent.execute_task`` in CLIENT spans named after the method
(``Agent.execute_task``; ``-<langtrace.span.name>`` added when the app sets one) that carry no GenAI key: each
instance's fields as ``crewai.<class>.<field>`` (an agent's ``role``, a task's ``description`` and ``agent``'s role),
its result as ``crewai.<class>.result``; ``crewai_tools/patch.py`` wraps ``SerperDevTool._run`` (its arguments and
result as ``crewai_tools.tools.serper_dev_tool.inputs`` / ``.outputs``). Every span carries
``langtrace.sdk.name``. Unread, every step was of kind ``other`` and nobody's: no agent, no tool call, no text.
``agno/patch.py`` wraps ``Agent.run`` / ``Team.run`` and the ``_run`` each calls: the instance's name as
``agno.agent.name`` (a team's too), its arguments as ``agno.agent.inputs`` / ``agno.team.inputs``, the answer as
``agno.<class>.response_content``. The model calls (``openai.chat.completions.create`` …) are GenAI spans the
conventions read.
"""

from __future__ import annotations

from typing import Any

from ._json_text import json_or_text

SDK = "langtrace.sdk.name"

_AGENT_ROLE = "crewai.agent.role"
_TOOL_INPUTS = "crewai_tools.tools.serper_dev_tool.inputs"
_TOOL_OUTPUTS = "crewai_tools.tools.serper_dev_tool.outputs"
# (agno/instrumentation.py wraps these beside Agent.run / Team.run; get_span_name may add "-<langtrace.span.name>")
_AGNO_LOOPS = frozenset({"Agent._run", "Agent._arun", "Team._run", "Team._arun"})


def langtrace_attributes(attrs: dict[str, Any], name: Any) -> dict[str, Any]:
    """``attrs`` of a Langtrace CrewAI or Agno span (its ``name``) with its kind, agent, tool and text where the
    conventions read them."""
    if attrs.get("langtrace.service.type") != "framework":
        return attrs
    if attrs.get("langtrace.service.name") == "agno":
        return _agno(attrs, name)
    role = attrs.get(_AGENT_ROLE)
    if attrs.get("langtrace.service.name") != "CrewAI":
        return attrs
    if isinstance(role, str) and role.strip():
        # (the agent's run: its role names it; what it was asked is its task's, on the task's span above)
        return {
            **attrs,
            "openinference.span.kind": "AGENT",
            "agent.name": role.strip(),
            **_text(attrs, "agent"),
        }
    if _TOOL_INPUTS in attrs or _TOOL_OUTPUTS in attrs:
        out = {**attrs, "openinference.span.kind": "TOOL", "tool.name": "SerperDevTool"}
        if _TOOL_INPUTS in attrs:
            out["input.value"] = _arguments(attrs[_TOOL_INPUTS])
        if _TOOL_OUTPUTS in attrs:
            out["output.value"] = attrs[_TOOL_OUTPUTS]
        return out
    for cls in ("task", "crew"):
        if any(k.startswith(f"crewai.{cls}.") for k in attrs):
            # (a task and the crew are the work around the agents: chains, as OpenLLMetry's crew reading has them)
            return {**attrs, "openinference.span.kind": "CHAIN", **_text(attrs, cls)}
    return attrs


def _text(attrs: dict[str, Any], cls: str) -> dict[str, Any]:
    """The input (a task's description) and output (the result) of a ``crewai.<cls>`` span, as OpenInference keys."""
    out = {}
    if cls == "task" and attrs.get("crewai.task.description") is not None:
        out["input.value"] = attrs["crewai.task.description"]
    if attrs.get(f"crewai.{cls}.result") is not None:
        out["output.value"] = attrs[f"crewai.{cls}.result"]
    return out


def _arguments(value: Any) -> Any:
    """A tool's arguments as Langtrace writes them (``{"args": [...], "kwargs": {...}}``): the keyword arguments
    alone when they are all there is (``{"search_query": ...}``, what the agent asked), else as written."""
    said = json_or_text(value) if isinstance(value, str) else value
    if isinstance(said, dict) and set(said) == {"kwargs"} and isinstance(said["kwargs"], dict):
        return said["kwargs"]
    return value


def _agno(attrs: dict[str, Any], name: Any) -> dict[str, Any]:
    """An Agno agent's or team's run (``Agent.run`` / ``Team.run``): the agent its ``agno.agent.name`` names (a
    team's too: its leader), what it was given and answered. The ``_run`` each calls is wrapped too, its span
    under the run's with the same name: the run's own loop (a chain acting for it), not the agent run again."""
    agent = attrs.get("agno.agent.name")
    if not isinstance(agent, str) or not agent.strip() or agent == "None":
        return attrs
    cls = "team" if "agno.team.inputs" in attrs else "agent"
    inner = isinstance(name, str) and name.partition("-")[0] in _AGNO_LOOPS
    out = (
        {**attrs, "openinference.span.kind": "CHAIN"}
        if inner
        else {
            **attrs,
            "openinference.span.kind": "AGENT",
            "agent.name": agent.strip(),
        }
    )
    if f"agno.{cls}.inputs" in attrs:
        out["input.value"] = _arguments(attrs[f"agno.{cls}.inputs"])
    if attrs.get(f"agno.{cls}.response_content") is not None:
        out["output.value"] = attrs[f"agno.{cls}.response_content"]
    return out

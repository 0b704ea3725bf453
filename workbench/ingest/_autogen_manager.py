"""AutoGen AgentChat's group chat manager as the agent of the model calls it makes.

autogen-core traces each message an agent handles as an ``autogen process <agent type>.(<key>)-A`` span whose
attributes name the recipient's class (``recipient_agent_class``; ``messaging.operation`` "process"). A
``SelectorGroupChat``'s manager asks its model which participant speaks next (``SelectorGroupChatManager``,
``select_speaker``), and MagenticOne's orchestrator asks its model for its plan and progress ledger
(``MagenticOneOrchestrator``): those model calls sit under the manager's process span and named no agent. The
manager is their agent, and the messages it publishes then are its too.

Only the spans where the manager picks a speaker are its turns: it does so on the chat's start
(``GroupChatStart``, ``{"messages": …}``) and on each participant's final response (``GroupChatAgentResponse``,
``{"response": …}``), the message autogen-core's tracing writes as the span's ``message`` attribute. The
manager also processes every message a participant streams meanwhile (``GroupChatMessage``) and only relays
it: named, those spans would cut each participant's turn into pieces, a hand-off to the manager and back for
each message. The managers that call no model (round robin, swarm) stay no agent: they only route.

OpenInference's AgentChat instrumentation (``openinference-instrumentation-autogen-agentchat``, no autogen-core
spans) writes no manager span: the team's run is one root CHAIN span ``<team class>.run_stream`` (attributes
``team_id``, ``participant_names``), each participant's turn an AGENT span under it, and the manager's model calls
right under it too, named by no agent (a made-up figure in Magentic-One's ledger was nobody's). The team span names
that manager, as autogen-core's spans do, and the calls under it act for it; each participant's span names its own
agent, so its steps stay its.
"""

from __future__ import annotations

from typing import Any

RECIPIENT_CLASS = "recipient_agent_class"
#: the AgentChat managers that call a model themselves
MODEL_MANAGERS = frozenset({"SelectorGroupChatManager", "MagenticOneOrchestrator"})
# the messages on which a manager picks the next speaker, as pydantic dumps them (fields in order)
_SPEAKER_CHOICE = ('{"messages":', '{"response":')


# the teams whose manager calls a model -> that manager's class (what autogen-core's spans name)
_TEAM_MANAGERS = {
    "SelectorGroupChat": "SelectorGroupChatManager",
    "MagenticOneGroupChat": "MagenticOneOrchestrator",
}


def team_manager(name: str | None, attrs: dict[str, Any]) -> str | None:
    """The manager of an AgentChat team's run span as OpenInference writes it (``<team>.run_stream``), else None."""
    if not isinstance(name, str) or "team_id" not in attrs or "participant_names" not in attrs:
        return None
    team, _, method = name.partition(".")
    return _TEAM_MANAGERS.get(team) if method in ("run_stream", "run") else None


def model_manager(attrs: dict[str, Any]) -> str | None:
    """The manager class of a span where it picks a speaker (:data:`MODEL_MANAGERS`), else None."""
    cls = attrs.get(RECIPIENT_CLASS)
    message = attrs.get("message")
    if (
        cls in MODEL_MANAGERS
        and attrs.get("messaging.operation") == "process"
        and isinstance(message, str)
        and message.startswith(_SPEAKER_CHOICE)
    ):
        return cls
    return None

"""AutoGen AgentChat's group chat manager as the agent of the model calls it makes.

autogen-core traces each message an agent handles as an ``autogen process <agent type>.(<key>)-A`` span whose
attributes name the recipient's class (``recipient_agent_class``; ``messaging.operation`` "process"). A
``SelectorGroupChat``'s manager asks its model which participant speaks next (``SelectorGroupChatManager``,
``select_speaker``), and MagenticOne's orchestrator asks its model for its plan and progress ledger
(``MagenticOneOrchestrator``): those model calls sit under the manager's process span and named no agent. The
manager is their agent; the span's other steps (the messages it publishes) are its too. The managers that call
no model (round robin, swarm) stay no agent, as before: they only route.
"""

from __future__ import annotations

from typing import Any

RECIPIENT_CLASS = "recipient_agent_class"
#: the AgentChat managers that call a model themselves
MODEL_MANAGERS = frozenset({"SelectorGroupChatManager", "MagenticOneOrchestrator"})


def model_manager(attrs: dict[str, Any]) -> str | None:
    """The manager class a span processing a message for it names (:data:`MODEL_MANAGERS`), else None."""
    cls = attrs.get(RECIPIENT_CLASS)
    if cls in MODEL_MANAGERS and attrs.get("messaging.operation") == "process":
        return cls
    return None

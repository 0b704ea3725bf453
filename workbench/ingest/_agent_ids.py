"""Readable names for agents a trace names only by a generated identifier (a UUID, a 32-digit hex id)."""

from __future__ import annotations

import re
from typing import Any

# A UUID or a trace-sized hex id inside a name: what a framework writes for an agent the user did not name.
_IDENTIFIER = re.compile(
    r"(?<![0-9a-z])(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})"
    r"(?![0-9a-z])",
    re.IGNORECASE,
)


def has_identifier(name: Any) -> bool:
    """Whether a name holds a generated identifier (a UUID, a 32-digit hex id) rather than only words."""
    return isinstance(name, str) and _IDENTIFIER.search(name) is not None


def readable_name(name: Any) -> str | None:
    """What is left of a name once its identifiers are cut out (``agent.<uuid>`` is ``agent``), else None.

    Koog names an agent's spans ``agent.<agent id>`` and ``run.<run id>``; Microsoft Agent Framework gives
    an agent without a name its id as ``gen_ai.agent.name``. A UUID is no name a user reads, and one
    agent's spans each carry another.
    """
    if not isinstance(name, str):
        return None
    return _IDENTIFIER.sub("", name).strip(" ._-:/#[](){}") or None


class AgentIds:
    """Readable names, within one trace, for the agents it names only by a generated identifier.

    Koog names one agent's spans ``agent.<agent id>`` and ``run.<run id>`` (both with ``gen_ai.agent.id``);
    Microsoft Agent Framework gives an unnamed agent its id as ``gen_ai.agent.name`` (``invoke_agent <agent
    id>``). Each agent (by ``gen_ai.agent.id``, else the name itself) is named by what its first span's name
    says without the identifier (``agent``), else ``agent``; a second agent given the same name is numbered
    (``agent 2``). The Langfuse adapter and the span readers (OTLP, console) name them alike.
    """

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.taken: set[str] = set()
        self.last: dict[str, int] = {}  # per base, the number its latest agent got (names are only added)

    def base(self, agent: str) -> str:
        """The readable part of an identifier-holding name (``agent`` when none is left)."""
        return readable_name(agent) or "agent"

    def name(self, agent: str, a: dict) -> str:
        """``agent``, or a readable name for the agent when ``agent`` holds an identifier."""
        if not has_identifier(agent):
            return agent
        aid = a.get("gen_ai.agent.id")
        key = aid if isinstance(aid, str) and aid else agent
        if key not in self.names:
            base = self.base(agent)
            n = self.last.get(base, 1)  # (counting from 1 each time took a trace of 8,000 unnamed agents 4 s)
            name = base if n == 1 else f"{base} {n}"
            while name in self.taken:
                n += 1
                name = f"{base} {n}"
            self.last[base] = n
            self.names[key] = name
            self.taken.add(name)
        return self.names[key]


class TraceAgentIds:
    """:class:`AgentIds` per trace, for readers that see a file's spans one at a time."""

    _MAX_TRACES = 100_000  # (bounded memory: past it the numbering starts again, as for a new file)

    def __init__(self) -> None:
        self.traces: dict[str, AgentIds] = {}

    def name(self, trace: str, agent: str, a: dict) -> str:
        """The agent's readable name in ``trace`` (``agent`` itself when it holds no identifier)."""
        if not has_identifier(agent):
            return agent
        ids = self.traces.get(trace)
        if ids is None:
            if len(self.traces) >= self._MAX_TRACES:
                self.traces.clear()
            ids = self.traces[trace] = AgentIds()
        return ids.name(agent, a)

"""Agents that Langfuse exports name only by a generated id (or by a method) get the name a user reads.

Fixtures in the shape of langfuse/langfuse worker/src/__tests__/chatml/framework-traces: koog-2025-08-26,
microsoft-agent-2025-12-17 and agno-2025-06-11 (.trace.json).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import workbench as wb

AID = "f9f77d1a-437f-4ba6-890e-b592a50cbd21"
RUN = "6f8d2449-33ed-4c7c-82e7-5410e34ee4e6"
MAF = "171105b7-59dd-49c0-9677-0b95395aa46a"


def _obs(
    oid: str,
    parent: str | None,
    otype: str,
    name: str,
    second: int,
    attrs: dict[str, Any],
    scope: str,
    **meta: Any,
) -> dict[str, Any]:
    return {
        "id": oid,
        "traceId": "t1",
        "projectId": "p1",
        "parentObservationId": parent,
        "type": otype,
        "name": name,
        "startTime": f"2025-08-26T19:40:{second:02d}.000Z",
        "endTime": f"2025-08-26T19:41:{second:02d}.000Z",
        "metadata": json.dumps({**meta, "attributes": attrs, "scope": {"name": scope, "version": "1"}}),
    }


def _ingest(tmp_path: Path, name: str, observations: list[dict[str, Any]]) -> wb.Workspace:
    path = tmp_path / f"{name}.trace.json"
    path.write_text(
        json.dumps(
            {
                "trace": {"id": "t1", "projectId": "p1", "name": observations[0]["name"]},
                "observations": observations,
            }
        )
    )
    ws = wb.open()
    report = ws.ingest(path)
    assert (report.stored, report.quarantined) == (len(observations), 0)
    return ws


def _agents(ws: wb.Workspace) -> dict[str, str | None]:
    return dict(ws.sql("SELECT name, agent FROM steps").fetchall())


def test_koog_agent_named_by_ids_is_one_agent_named_agent(tmp_path: Path) -> None:
    """Koog: ``agent.<agent id>`` (create_agent) holds ``run.<run id>`` (invoke_agent) of the same agent."""
    obs = [  # (listed as the export lists them: the run's children before the agent span)
        _obs(
            "n",
            "r",
            "SPAN",
            "node.nodeCallLLM",
            3,
            {"koog.node.name": "nodeCallLLM"},
            "ai.koog",
            langgraph_node="nodeCallLLM",
        ),
        _obs("g", "n", "GENERATION", "llm.chat", 4, {"gen_ai.request.model": "gpt-4o"}, "ai.koog"),
        _obs(
            "r",
            "a",
            "AGENT",
            f"run.{RUN}",
            2,
            {"gen_ai.conversation.id": RUN, "gen_ai.agent.id": AID, "gen_ai.operation.name": "invoke_agent"},
            "ai.koog",
        ),
        _obs(
            "a",
            None,
            "AGENT",
            f"agent.{AID}",
            1,
            {"gen_ai.agent.id": AID, "gen_ai.operation.name": "create_agent"},
            "ai.koog",
        ),
    ]
    ws = _ingest(tmp_path, "koog", obs)
    assert set(_agents(ws).values()) == {"agent"}


def test_agent_framework_agent_without_a_name(tmp_path: Path) -> None:
    """Microsoft Agent Framework gives an unnamed agent its id as gen_ai.agent.name."""
    attrs = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.id": MAF, "gen_ai.agent.name": MAF}
    obs = [
        _obs("a", None, "AGENT", f"invoke_agent {MAF}", 1, attrs, "agent_framework"),
        _obs(
            "c", "a", "GENERATION", "chat gpt-5-mini", 2, {"gen_ai.operation.name": "chat"}, "agent_framework"
        ),
        _obs(
            "t",
            "a",
            "TOOL",
            "get_weather",
            3,
            {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather"},
            "agent_framework",
        ),
    ]
    ws = _ingest(tmp_path, "microsoft-agent", obs)
    assert set(_agents(ws).values()) == {"agent"}


def test_two_unnamed_agents_stay_two(tmp_path: Path) -> None:
    other = "0f1e2d3c-4b5a-4968-8776-655443322110"
    obs = [
        _obs("a", None, "AGENT", f"invoke_agent {MAF}", 1, {"gen_ai.agent.name": MAF}, "agent_framework"),
        _obs("b", None, "AGENT", f"invoke_agent {other}", 2, {"gen_ai.agent.name": other}, "agent_framework"),
    ]
    ws = _ingest(tmp_path, "microsoft-agent", obs)
    assert _agents(ws) == {f"invoke_agent {MAF}": "agent", f"invoke_agent {other}": "agent 2"}


def test_agno_run_span_names_its_agent(tmp_path: Path) -> None:
    """Agno (openinference.instrumentation.agno) names an agent's run ``<name>.run``, ``Agent.run`` unnamed."""
    scope = "openinference.instrumentation.agno"
    obs = [
        _obs(
            "a", None, "SPAN", "Agent.run", 1, {"openinference.span.kind": "AGENT", "session.id": "s1"}, scope
        ),
        _obs("c", "a", "GENERATION", "OpenAIChat.invoke", 2, {"openinference.span.kind": "LLM"}, scope),
        _obs(
            "t",
            "a",
            "SPAN",
            "duckduckgo_search",
            3,
            {"openinference.span.kind": "TOOL", "tool.name": "duckduckgo_search"},
            scope,
        ),
        _obs("w", None, "SPAN", "Web_Researcher.run", 4, {"openinference.span.kind": "AGENT"}, scope),
        _obs(
            "n",
            None,
            "SPAN",
            "Writer.run",
            5,
            {
                "openinference.span.kind": "AGENT",
                "agent.name": "Writer",
                "graph.node.id": "3b9e5f0c2a7d4e1f8c6b0a9d8e7f6a5b",
            },
            scope,
        ),
    ]
    ws = _ingest(tmp_path, "agno", obs)
    agents = _agents(ws)
    assert agents["Agent.run"] == agents["OpenAIChat.invoke"] == agents["duckduckgo_search"] == "Agent"
    assert (agents["Web_Researcher.run"], agents["Writer.run"]) == ("Web Researcher", "Writer")

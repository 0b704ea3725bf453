"""LangGraph graphs whose node names are not agents: a team's plain-function nodes, a flat graph's ToolNode.

Fixtures in the shape of Langfuse's LangGraph export (langfuse/langfuse framework-traces
langgraph-python-2025-08-22.trace.json: LangChain run metadata with langgraph_node and
langgraph_checkpoint_ns in each observation's metadata) and of LangGraph's hierarchical agent teams.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import workbench as wb
from workbench.ingest._map_span import map_span


def _obs(
    oid: str, parent: str | None, otype: str, name: str, second: int, ns: str | None = None, **extra: Any
) -> dict[str, Any]:
    meta: dict[str, Any] = dict(extra)
    if ns is not None:
        meta.update(
            langgraph_node=ns.split("|")[-1].split(":")[0], langgraph_checkpoint_ns=ns, langgraph_step=1
        )
    return {
        "id": oid,
        "traceId": "t1",
        "projectId": "p1",
        "parentObservationId": parent,
        "type": otype,
        "name": name,
        "startTime": f"2025-08-22T10:00:{second:02d}.000Z",
        "endTime": f"2025-08-22T10:00:{second + 1:02d}.000Z",
        "metadata": json.dumps(meta),
    }


def _ingest(tmp_path: Path, observations: list[dict[str, Any]]) -> dict[str, str | None]:
    path = tmp_path / "langgraph.trace.json"
    path.write_text(
        json.dumps(
            {"trace": {"id": "t1", "projectId": "p1", "name": "LangGraph"}, "observations": observations}
        )
    )
    ws = wb.open()
    assert ws.ingest(path).quarantined == 0
    return dict(ws.sql("SELECT step_id, agent FROM steps").fetchall())


def test_flat_graph_tools_node_runs_the_tools_of_the_agent_before_it(tmp_path: Path) -> None:
    """langgraph-python-2025-08-22: agent -> tools -> agent at the top of the graph."""
    obs = [
        _obs("root", None, "SPAN", "LangGraph", 0),
        _obs("a1", "root", "SPAN", "agent", 1, "agent:d5"),
        _obs("llm1", "a1", "GENERATION", "ChatOpenAI", 1, "agent:d5"),
        _obs("t", "root", "SPAN", "tools", 3, "tools:a8"),
        _obs("search", "t", "SPAN", "Web-Search", 3, "tools:a8", inputs={"query": "x"}),
        _obs("a2", "root", "SPAN", "agent", 5, "agent:69"),
    ]
    agents = _ingest(tmp_path, obs)
    assert agents["t"] == agents["search"] == "agent"
    assert "tools" not in agents.values()


def test_a_tools_node_shared_by_two_agents_acts_for_the_one_that_asked(tmp_path: Path) -> None:
    """LangGraph's multi-agent collaboration: researcher and chart_generator route to one tools node."""
    obs = [
        _obs("root", None, "SPAN", "LangGraph", 0),
        _obs("r", "root", "SPAN", "researcher", 1, "researcher:1"),
        _obs("t1", "root", "SPAN", "tools", 2, "tools:2"),
        _obs("c", "root", "SPAN", "chart_generator", 3, "chart_generator:3"),
        _obs("t2", "root", "SPAN", "tools", 4, "tools:4"),
    ]
    agents = _ingest(tmp_path, obs)
    assert (agents["t1"], agents["t2"]) == ("researcher", "chart_generator")


def test_a_teams_plain_function_nodes_are_agents_of_their_own(tmp_path: Path) -> None:
    """Hierarchical agent teams: research_team's supervisor and search are nodes of its subgraph; search runs
    a ReAct agent (its agent / tools nodes act for it), the supervisor is a plain function calling a model."""
    team = "research_team:0a"
    obs = [
        _obs("root", None, "SPAN", "LangGraph", 0),
        _obs("top", "root", "SPAN", "supervisor", 1, "supervisor:00"),
        _obs("rt", "root", "SPAN", "research_team", 2, team),
        _obs("sup", "rt", "SPAN", "supervisor", 3, f"{team}|supervisor:1b"),
        _obs("sup-llm", "sup", "GENERATION", "ChatOpenAI", 3, f"{team}|supervisor:1b"),
        _obs("s", "rt", "SPAN", "search", 5, f"{team}|search:2c"),
        _obs("s-a", "s", "SPAN", "agent", 5, f"{team}|search:2c|agent:3d"),
        _obs("s-llm", "s-a", "GENERATION", "ChatOpenAI", 5, f"{team}|search:2c|agent:3d"),
        _obs("s-t", "s", "SPAN", "tools", 6, f"{team}|search:2c|tools:4e"),
        _obs("s-tool", "s-t", "SPAN", "tavily_search", 6, f"{team}|search:2c|tools:4e", inputs={"q": "x"}),
        _obs("an", "rt", "SPAN", "analyze", 8, f"{team}|analyze:5f"),
    ]
    agents = _ingest(tmp_path, obs)
    assert agents["top"] == "supervisor" and agents["rt"] == "research_team"
    assert agents["sup"] == agents["sup-llm"] == "research_team/supervisor"
    assert {agents[k] for k in ("s", "s-a", "s-llm", "s-t", "s-tool")} == {"research_team/search"}
    assert agents["an"] == "research_team/analyze"


def test_the_span_mapper_names_them_alike() -> None:
    """OpenInference's LangChain spans (OTLP, Phoenix, console) carry the same metadata as JSON text."""

    def mapped(name: str, ns: str) -> tuple[str, Any]:
        meta = {"langgraph_node": ns.split("|")[-1].split(":")[0], "langgraph_checkpoint_ns": ns}
        m = map_span({"openinference.span.kind": "CHAIN", "metadata": json.dumps(meta)}, name)
        return m["kind"], m["agent"]

    assert mapped("analyze", "research_team:0a|analyze:5f") == ("agent", "research_team/analyze")
    assert mapped("agent", "research_agent:1b|agent:4e") == ("agent", "research_agent")
    assert mapped("tools", "tools:a8") == ("chain", None)

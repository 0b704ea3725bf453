"""Two multi-agent frameworks whose OTLP the readers take with no rule of their own, as real runs traced them
(fixtures' README.md: PydanticAI 2.68's own instrumentation, an agent run inside the tool that delegates to it;
an Agno 3.1 Team through OpenInference, the leader delegating with ``delegate_task_to_member``). The researcher
states 41.2 where its tool said 14.2: its agents, tool calls and turns are read as the frameworks ran them, and
the made-up value is traced to the researcher."""

from __future__ import annotations

from pathlib import Path

import pytest

import workbench as wb

FIXTURES = Path(__file__).parent / "fixtures"
CASES = {
    "pydantic-ai": (
        FIXTURES / "pydantic-ai" / "delegation_fault.otlp.jsonl",
        13,
        ["planner", "researcher", "planner", "writer"],
        [("planner", "delegate_research"), ("researcher", "lookup_price"), ("writer", "format_report")],
        "unknown",
    ),
    "agno": (
        FIXTURES / "agno" / "team_fault.otlp.jsonl",
        14,
        ["planner", "researcher", "planner", "writer", "planner"],
        [
            ("planner", "delegate_task_to_member"),
            ("researcher", "lookup_price"),
            ("planner", "delegate_task_to_member"),
            ("writer", "format_report"),
        ],
        "success",
    ),
}


@pytest.mark.parametrize("framework", sorted(CASES))
def test_delegating_agents_read_as_run(framework: str) -> None:
    path, n, turns, tools, outcome = CASES[framework]
    ws = wb.open()
    report = ws.ingest(path, progress=False)
    assert (report.stored, report.quarantined) == (n, 0)
    runs = ws.runs()
    assert list(runs.outcome) == [outcome]
    steps = ws.steps(runs.run_id[0]).sort_values("seq")
    agents = [a for a in steps.agent if isinstance(a, str)]
    assert [a for i, a in enumerate(agents) if i == 0 or agents[i - 1] != a] == turns
    calls = steps[steps.kind == "tool"]
    assert list(zip(calls.agent, calls.tool, strict=True)) == tools
    assert calls[calls.tool == "lookup_price"].output.str.contains("14.2").all()
    findings = wb.detect(ws)
    origin = findings[(findings.detector == "cascade") & (findings.severity == "critical")]
    assert list(origin.agent) == ["researcher"]

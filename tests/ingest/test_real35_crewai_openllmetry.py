"""A CrewAI crew traced by OpenLLMetry (Traceloop's opentelemetry-instrumentation-crewai 0.62:
fixtures/crewai/openllmetry_*, README there): what a user sees.

Before: the crew's kickoff span (``crewai.workflow``) and each task's (``<description>.task``), which the
instrumentation writes as ``invoke_agent`` beside the agents' own, were read as agents: the run's agents were
``crewai.workflow``, "Look up the list price of a widget..task", Researcher, "Write the customer's quote for a
widget..task" and Writer, and the hand-off view went crew > task > agent > task > agent. Now the crew is the
workflow around the agents and each task a step of the agent it is given to.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _otlp_edits import ingested_whole

import workbench as wb

FIXTURES = Path(__file__).parent / "fixtures" / "crewai"
FAULT = FIXTURES / "openllmetry_fault.otlp.jsonl"
CRASH = FIXTURES / "openllmetry_crash.otlp.jsonl"


@pytest.mark.parametrize("fast", [True, False])
def test_the_agents_are_the_crews_and_the_made_up_price_is_the_researchers(fast: bool) -> None:
    ws = ingested_whole(FAULT, fast)
    steps = ws.steps(ws.runs().run_id[0]).sort_values("seq")
    assert steps[steps.kind == "agent"].agent.tolist() == ["Researcher", "Writer"]
    assert set(steps.agent.dropna()) == {"Researcher", "Writer"}
    root = steps[steps.parent_id.isna()]
    assert list(zip(root.name, root.kind, root.agent.isna(), strict=True)) == [("crewai.workflow", "chain", True)]
    tasks = steps[steps.name.str.endswith(".task")]
    assert list(zip(tasks.kind, tasks.agent, strict=True)) == [("chain", "Researcher"), ("chain", "Writer")]
    said = steps[(steps.kind == "llm") & (steps.agent == "Researcher")]
    critical = wb.detect(ws).query("severity == 'critical' and detector == 'silent_failure'")
    assert list(zip(critical.agent, critical.step_id, strict=True)) == [("Researcher", said.step_id.iloc[1])]


def test_the_crash_is_the_writers() -> None:
    ws = ingested_whole(CRASH)
    assert ws.sql("SELECT outcome FROM runs").fetchall() == [("failure",)]
    steps = ws.steps(ws.runs().run_id[0])
    assert set(steps.agent.dropna()) == {"Researcher", "Writer"}
    failed = steps[steps.status == "error"]
    assert set(zip(failed.kind, failed.agent.fillna(""), strict=True)) == {
        ("chain", ""), ("chain", "Writer"), ("agent", "Writer"), ("llm", "Writer")}

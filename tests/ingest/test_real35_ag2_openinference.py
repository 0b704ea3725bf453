"""An AG2 group chat traced by OpenInference (openinference-instrumentation-ag2 0.1: fixtures/ag2, README there).

Before: every tool call was the agent ``_Group_Tool_Executor``'s, AG2's own agent that runs the tools the
speaking agent asks for (OpenInference names it on each tool span, and its turn was an agent of its own): the
researcher's failed ``get_price`` was the executor's, not the researcher's. AG2's own tracing was read right (test_real14_ag2); now OpenInference's is too: the executor's turn acts
for the agent whose turn came before it, and its calls are that agent's.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _otlp_edits import ingested_whole

import workbench as wb

FIXTURES = Path(__file__).parent / "fixtures" / "ag2"
FAULT = FIXTURES / "openinference_groupchat_fault.otlp.jsonl"
TOOL_ERROR = FIXTURES / "openinference_groupchat_tool_error.otlp.jsonl"


@pytest.mark.parametrize("fast", [True, False])
def test_the_tool_calls_are_the_asking_agents(fast: bool) -> None:
    ws = ingested_whole(TOOL_ERROR, fast)
    steps = ws.steps(ws.runs().run_id[0])
    assert set(steps.agent.dropna()) == {"user", "chat_manager", "researcher", "writer"}
    tools = steps[steps.kind == "tool"].sort_values("seq")
    assert list(zip(tools.tool, tools.agent, tools.status, strict=True)) == [
        ("get_price", "researcher", "error"), ("format_quote", "writer", "ok")]
    turns = steps[steps.name == "_Group_Tool_Executor.generate_reply"].sort_values("seq")
    assert list(zip(turns.kind, turns.agent, strict=True)) == [("chain", "researcher"), ("chain", "writer")]


def test_the_made_up_price_is_the_researchers() -> None:
    ws = ingested_whole(FAULT)
    steps = ws.steps(ws.runs().run_id[0])
    said = steps[(steps.kind == "llm") & (steps.agent == "researcher")].sort_values("seq")
    critical = wb.detect(ws).query("severity == 'critical' and detector == 'silent_failure'")
    assert list(zip(critical.agent, critical.step_id, strict=True)) == [("researcher", said.step_id.iloc[1])]
    tools = steps[steps.kind == "tool"].sort_values("seq")
    assert tools.agent.tolist() == ["researcher", "writer"]

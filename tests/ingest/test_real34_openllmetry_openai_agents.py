"""What a user sees of the OpenAI Agents SDK traced by OpenLLMetry (Traceloop's opentelemetry-instrumentation-
openai-agents 0.62: fixtures/openllmetry/openai_agents_*) and by OpenInference (openinference-instrumentation-
openai-agents 2.6: fixtures/openai-agents/openinference_tool_crash); the READMEs there say how each was made.

Both end the trace's root span OK however the run ended (``on_trace_end``): a run that raised read as a success,
its verdict "researcher/triage 50 %, uncertain" at a step of another agent. Now the run whose last agent to start
is in error (the SDK's error on the agent whose turn raised) is a failure, and the error chain starts at that agent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _otlp_edits import logonly_verdicts
from _read_together import ReadTogether

FIXTURES = Path(__file__).parent / "fixtures" / "openllmetry"
FAULT = FIXTURES / "openai_agents_handoffs_fault.otlp.jsonl"
CRASH = FIXTURES / "openai_agents_tool_crash.otlp.jsonl"
OI_CRASH = FIXTURES.parent / "openai-agents" / "openinference_tool_crash.otlp.jsonl"
CRASHES = [CRASH, OI_CRASH]


@pytest.fixture(scope="module")
def read() -> ReadTogether:
    """The three files, read in one call of the chosen reader and detected once (_read_together: a file's runs
    and findings as in a store of its own)."""
    return ReadTogether([FAULT, *CRASHES], None)


# (read by the reader the file's size chooses: that both readers store the same rows for these checked-in files is
# test_reader24_agreement.py's test_checked_in_fixtures_read_the_same_by_both_readers)
def test_agents_tools_handoffs_and_the_made_up_price(read: ReadTogether) -> None:
    steps = read.steps(FAULT)
    assert read.runs_frame(FAULT).outcome.tolist() == ["success"]
    assert steps[steps.kind == "agent"].agent.tolist() == ["triage", "researcher", "writer"]
    tools = steps[steps.kind == "tool"]
    assert list(zip(tools.tool, tools.agent, strict=True)) == [
        ("get_price", "researcher"),
        ("format_quote", "writer"),
    ]
    handoffs = steps[steps.kind == "handoff"]
    assert list(zip(handoffs.agent, handoffs.output, strict=True)) == [
        ("triage", "researcher"),
        ("researcher", "writer"),
    ]
    said = steps[(steps.kind == "llm") & (steps.agent == "researcher")]
    assert "41.20" in said.output.iloc[1]
    critical = read.findings(FAULT).query("severity == 'critical'")
    assert list(zip(critical.detector, critical.agent, critical.step_id, strict=True)) == [
        ("cascade", "researcher", said.step_id.iloc[1]),
        ("silent_failure", "researcher", said.step_id.iloc[1]),
    ]


@pytest.mark.parametrize("path", CRASHES, ids=["openllmetry", "openinference"])
def test_a_run_that_raised_is_a_failure_though_its_root_says_ok(read: ReadTogether, path: Path) -> None:
    runs = read.runs_frame(path)
    assert runs[["outcome", "outcome_source"]].values.tolist() == [["failure", "root_status"]]
    steps = read.steps(path)
    assert steps[steps.parent_id.isna()].status.tolist() == ["ok"]


@pytest.mark.usefixtures("_own_cache")
@pytest.mark.parametrize("path", CRASHES, ids=["openllmetry", "openinference"])
def test_the_verdict_names_the_tool_that_raised(path: Path) -> None:
    ws, verdicts = logonly_verdicts(path)
    tool_step = ws.sql("SELECT step_id FROM steps WHERE tool = 'format_quote'").fetchall()[0][0]
    assert [(culprit, params["evidence"], params["decisive_step"]) for culprit, _, params in verdicts] == [
        ("writer", "error", tool_step)
    ]

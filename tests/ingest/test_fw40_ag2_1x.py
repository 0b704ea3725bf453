"""AG2 1.x (the ``ag2`` package, 1.2.1: a rewrite; ``autogen``'s ConversableAgent and group chats are gone, so
OpenInference's AG2 instrumentation, still 0.1.12 for ``ag2 < 1.0``, has nothing to patch) traced by its own
``TelemetryMiddleware`` (fixtures/ag2-1.2.1, fw40). The shape differs from 0.14's (test_real14_ag2): messages in
OpenAI's chat format (``content`` / ``role`` / ``tool_calls``, no ``parts``), no span status anywhere, and beside
each ``chat`` span a ``record_usage model_call`` span (``ag2.span.type = usage``) repeating its tokens.

Read right: the agents, their model calls and tools, the researcher's made-up 41.20 flagged at its answer, and
(tool_error) the failed get_price, an ``exception`` event on an ERROR tool span, with the writer's made-up 0.00
flagged at the model call that first stated it; and (delegation) a planner's ``Agent.as_tool`` sub-tasks, each
``execute_tool task_<agent>`` of the planner parenting the sub-agent's ``invoke_agent``, as PydanticAI's
delegation reads (fixtures/pydantic-ai); and (model_crash) the writer's model endpoint failing: the only spans
in error, the writer's chat and agent span and the application's, make the run a failure that is the writer's.
Read wrong until its usage spans kept no tokens: each ``record_usage`` span (``ag2.span.type`` usage) was stored
with the call's tokens, so a run's tokens (the leaves' sum, as the trace view's header adds them) were counted
twice, and a ``record_usage subtask`` span after each delegation repeated the sub-agent's total once more."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _otlp_edits import DetectedTogether, run_steps

import workbench as wb

FIXTURES = Path(__file__).parent / "fixtures" / "ag2-1.2.1"
FAULT = FIXTURES / "telemetry_middleware_fault.otlp.jsonl"
TOOL_ERROR = FIXTURES / "telemetry_middleware_tool_error.otlp.jsonl"
DELEGATION = FIXTURES / "telemetry_middleware_delegation_fault.otlp.jsonl"
MODEL_CRASH = FIXTURES / "telemetry_middleware_model_crash.otlp.jsonl"


_READ: dict[Path, tuple[wb.Workspace, Any]] = {}


def _read(path: Path) -> tuple[wb.Workspace, Any]:
    """run_steps of ``path`` (the chosen reader), read once for the module: the tests read its steps and runs, and
    the two that detect on the store look at findings no other test reads."""
    if path not in _READ:
        _READ[path] = run_steps(path)
    return _READ[path]


@pytest.fixture(scope="module")
def detected() -> DetectedTogether:
    """The files whose findings the tests below look at (read by the chosen reader), detected in one store (the
    tool error's and the model crash's detected in stores of their own until round 54: a detect each)."""
    return DetectedTogether([FAULT, DELEGATION, TOOL_ERROR, MODEL_CRASH])


# (the chosen reader: both store the same rows for every checked-in fixture, test_reader24_agreement.py)
def test_ag2_1x_agents_calls_and_tools() -> None:
    ws, steps = _read(FAULT)
    agents = steps[steps.kind == "agent"]
    assert list(zip(agents.name, agents.agent, strict=True)) == [
        ("invoke_agent researcher", "researcher"),
        ("invoke_agent writer", "writer"),
    ]
    tools = steps[steps.kind == "tool"]
    assert list(zip(tools.tool, tools.agent, tools.output, strict=True)) == [
        ("get_price", "researcher", "14.20 USD"),
        ("format_quote", "writer", "Quote: widget at 41.20 USD"),
    ]
    assert steps[steps.kind == "llm"].agent.tolist() == ["researcher"] * 2 + ["writer"] * 2
    assert ws.sql("SELECT outcome FROM runs").fetchall() == [("unknown",)]


def test_ag2_1x_made_up_price_is_flagged_at_the_researchers_answer(detected: DetectedTogether) -> None:
    ws, steps = _read(FAULT)
    said = steps[(steps.kind == "llm") & (steps.agent == "researcher")].step_id.iloc[1]
    assert detected.run(FAULT) == ws.runs().run_id[0]
    found = detected.findings(FAULT)
    silent = found[found.detector == "silent_failure"]
    assert list(zip(silent.agent, silent.step_id, strict=True)) == [("researcher", said)]
    worst = found[found.severity == "critical"]
    assert list(zip(worst.agent, worst.step_id, strict=True)) == [("researcher", said)]


# (the chosen reader: both store the same rows for every checked-in fixture, test_reader24_agreement.py)
def test_ag2_1x_failed_tool_is_the_researchers_and_the_made_up_zero_the_writers(
    detected: DetectedTogether,
) -> None:
    ws, steps = _read(TOOL_ERROR)
    failed = steps[steps.status == "error"]
    assert list(zip(failed.kind, failed.tool, failed.agent, failed.error, strict=True)) == [
        ("tool", "get_price", "researcher", "price feed unreachable: 503")
    ]
    asked = steps[(steps.kind == "llm") & (steps.agent == "writer")].step_id.iloc[0]
    assert detected.run(TOOL_ERROR) == ws.runs().run_id[0]
    found = detected.findings(TOOL_ERROR)
    assert list(zip(found.detector, found.agent, found.step_id, strict=True)) == [
        ("silent_failure", "writer", asked)
    ]
    assert "0.00" in found.detail.iloc[0]


def test_ag2_1x_delegation_is_the_planners_tool_running_each_agent(detected: DetectedTogether) -> None:
    ws, steps = _read(DELEGATION)
    by_id = steps.set_index("step_id")
    agents = steps[steps.kind == "agent"]
    parents = by_id.loc[agents.parent_id.dropna()]
    assert agents.agent.tolist() == ["planner", "researcher", "writer"]
    assert list(zip(parents.name, parents.kind, parents.agent.fillna(""), strict=True)) == [
        ("market desk", "other", ""),
        ("execute_tool task_researcher", "tool", "planner"),
        ("execute_tool task_writer", "tool", "planner"),
    ]
    tools = steps[steps.kind == "tool"]
    assert list(zip(tools.tool, tools.agent, strict=True)) == [
        ("task_researcher", "planner"),
        ("get_price", "researcher"),
        ("task_writer", "planner"),
        ("format_quote", "writer"),
    ]
    said = steps[(steps.kind == "llm") & (steps.agent == "researcher")].step_id.iloc[1]
    assert detected.run(DELEGATION) == ws.runs().run_id[0]
    found = detected.findings(DELEGATION)
    silent = found[found.detector == "silent_failure"]
    assert list(zip(silent.agent, silent.step_id, strict=True)) == [("researcher", said)]


# (the chosen reader: both store the same rows for every checked-in fixture, test_reader24_agreement.py)
def test_ag2_1x_model_crash_is_a_failure_of_the_writers_call(detected: DetectedTogether) -> None:
    ws, steps = _read(MODEL_CRASH)
    assert ws.sql("SELECT outcome, outcome_source FROM runs").fetchall() == [("failure", "root_status")]
    failed = steps[steps.status == "error"]
    assert list(zip(failed.name, failed.agent.fillna(""), strict=True)) == [
        ("market desk", ""),
        ("invoke_agent writer", "writer"),
        ("chat gpt-4o-mini", "writer"),
    ]
    assert set(failed.error) == {"InternalServerError: Error code: 500 - upstream overloaded"}
    assert detected.run(MODEL_CRASH) == ws.runs().run_id[0] and detected.findings(MODEL_CRASH).empty


@pytest.mark.parametrize(
    ("path", "tokens"),
    [(FAULT, (200, 40)), (TOOL_ERROR, (200, 40)), (DELEGATION, (350, 70)), (MODEL_CRASH, (100, 20))],
)
def test_ag2_1x_each_model_calls_tokens_count_once(path: Path, tokens: tuple[int, int]) -> None:
    _ws, steps = _read(path)
    calls = steps[steps.kind == "llm"]
    leaves = steps[~steps.step_id.isin(steps.parent_id.dropna())]
    assert (calls.tokens_in.sum(), calls.tokens_out.sum()) == tokens
    assert (leaves.tokens_in.sum(), leaves.tokens_out.sum()) == tokens

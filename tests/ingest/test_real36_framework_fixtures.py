"""Real runs whose spans record an exception with no error status (real36; the READMEs beside the fixtures say how
each was made): what a user saw on e0db886, and what now reads right.

smolagents under OpenInference (fixtures/smolagents/stream_model_crash, caught_tool_exception): code that catches an
exception and goes on records it with ``span.record_exception(e)`` and leaves the status alone, and OpenInference's
run wrapper sets OK in a ``finally`` over the ERROR it set for an exception the run raised to its caller. Both spans
were read ``ok`` with no error: the streamed run whose model failed read ``success``, and the tool whose price
service timed out read as a call that worked. Now the span is in error, the exception's type and message its error,
in both OTLP readers; the run's outcome is still the outcome rules' (the caught exception's run, whose root says
OK, stays a success).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _otlp_edits import edited_copy, run_steps

FIXTURES = Path(__file__).parent / "fixtures"
SMOL_CRASH = FIXTURES / "smolagents" / "stream_model_crash.otlp.jsonl"
SMOL_CAUGHT = FIXTURES / "smolagents" / "caught_tool_exception.otlp.jsonl"


@pytest.mark.parametrize("fast", [True, False])
def test_a_streamed_smolagents_run_that_raised_is_a_failure(fast: bool) -> None:
    ws, steps = run_steps(SMOL_CRASH, fast)
    assert ws.sql("SELECT outcome FROM runs").fetchall() == [("failure",)]
    root = steps[steps.parent_id.isna()]
    assert list(zip(root.kind, root.agent, root.status, strict=True)) == [("agent", "researcher", "error")]
    assert root.error.iloc[0] == ("smolagents.utils.AgentGenerationError: Error while generating output:\n"
                                  "Error code: 500 - upstream overloaded")


@pytest.mark.parametrize(("fast", "status"), [(True, None), (False, None), (True, "unset")])
def test_a_caught_tool_exception_is_the_tools_error_not_the_runs(tmp_path: Path, fast: bool, status: str | None) -> None:
    def unset(span: dict) -> None:
        if span["name"] == "SimpleTool":
            span.pop("status")
    ws, steps = run_steps(edited_copy(tmp_path, unset, SMOL_CAUGHT) if status else SMOL_CAUGHT, fast)
    assert ws.sql("SELECT outcome FROM runs").fetchall() == [("success",)]
    failed = steps[steps.status == "error"]
    assert list(zip(failed.kind, failed.tool, failed.error, strict=True)) == [
        ("tool", "get_price", "TimeoutError: price service timed out after 5 s")]

"""Real runs whose spans record an exception with no error status (real36; the READMEs beside the fixtures say how
each was made): what a user saw on e0db886, and what now reads right.

smolagents under OpenInference (fixtures/smolagents/stream_model_crash, caught_tool_exception): code that catches an
exception and goes on records it with ``span.record_exception(e)`` and leaves the status alone, and OpenInference's
run wrapper sets OK in a ``finally`` over the ERROR it set for an exception the run raised to its caller. Both spans
were read ``ok`` with no error: the streamed run whose model failed read ``success``, and the tool whose price
service timed out read as a call that worked. Now the span is in error, the exception's type and message its error,
in both OTLP readers; the run's outcome is still the outcome rules' (the caught exception's run, whose root says
OK, stays a success).

AG2 under OpenInference (fixtures/ag2/openinference_groupchat_tool_error, real35's): get_price failed, the
researcher said so, and the writer called format_quote with a price of 0.0 it made up and quoted 0.00 USD. The
chat's span is OK whenever it returns, so the run is a reported success, and no finding said otherwise: the
silent-failure check took the writer's 0.0 as computed from its input, whose tool-call ids
("call_researcher_0_0") hold a 0 (0 times anything). Digits inside an identifier are no number the step was
given: the made-up 0.0 is the writer's, a critical silent failure of the reported success.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _otlp_edits import edited_copy, run_steps, silent_criticals

FIXTURES = Path(__file__).parent / "fixtures"
SMOL_CRASH = FIXTURES / "smolagents" / "stream_model_crash.otlp.jsonl"
SMOL_CAUGHT = FIXTURES / "smolagents" / "caught_tool_exception.otlp.jsonl"
AG2_TOOL_ERROR = FIXTURES / "ag2" / "openinference_groupchat_tool_error.otlp.jsonl"


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


def test_ag2_writer_quoting_a_made_up_zero_after_a_tool_error_is_a_silent_failure() -> None:
    ws, steps = run_steps(AG2_TOOL_ERROR)
    assert ws.sql("SELECT reported_outcome FROM runs").fetchall() == [("success",)]
    asked = steps[(steps.kind == "llm") & (steps.agent == "writer")]
    assert silent_criticals(ws) == [("writer", asked.step_id.iloc[0])]

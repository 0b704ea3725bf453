"""A run that finished and answered, read from what the GenAI instrumentations write: the official OpenAI Agents
SDK instrumentation never sets a status on its ``invoke_workflow`` span, the official LangChain one and ADK's own
telemetry set one only on error. Such a run read ``unknown`` before, however plainly it ended with an answer, so
the threshold tuner and the policy had no successful run of these systems to learn from.

Read a success: an unset GenAI workflow / agent root whose run ends on a model call that finished its turn
(finish reason ``stop``), with no step in error. Not a success: a run that raised (a tripped guardrail ends on
a ``stop`` chat too, its agent span in error), one cut mid-answer, one that went on after an error.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from _otlp_edits import edited_copy, ingested_whole

FIXTURES = Path(__file__).parent / "fixtures"
OA = FIXTURES / "otel-genai-openai-agents"
OK = OA / "answered_ok.otlp.jsonl"


def _outcomes(path: Path, fast: bool | None = None) -> list[tuple[str, str]]:
    return ingested_whole(path, fast).sql("SELECT outcome, outcome_source FROM runs ORDER BY run_id").fetchall()


@pytest.mark.parametrize("fast", [True, False])
def test_a_run_that_answered_is_a_success(fast: bool) -> None:
    assert _outcomes(OK, fast) == [("success", "root_status")]


@pytest.mark.parametrize("path", [OA / "handoffs_fault.otlp.jsonl", OA / "handoffs_fault_events.otlp.jsonl",
                                  FIXTURES / "langchain" / "otel_genai_subagents_fault.otlp.jsonl",
                                  FIXTURES / "adk" / "own_transfer.otlp.jsonl"],
                         ids=["openai-agents", "openai-agents-events", "langchain-official", "adk-own"])
def test_other_official_genai_runs_that_answered(path: Path) -> None:
    """The planted faults answered a wrong quote: the run still finished (the detectors say what went wrong)."""
    assert _outcomes(path) == [("success", "root_status")]


def test_a_tripped_guardrail_is_a_failure_though_the_model_answered() -> None:
    assert _outcomes(OA / "guardrail_tripped.otlp.jsonl") == [("failure", "root_status")]


def _cut_short(span: dict) -> None:
    """The writer's last chat stopped by the token limit (finish reason ``length``)."""
    for a in span["attributes"]:
        if a["key"] == "gen_ai.response.finish_reasons" and a["value"]["arrayValue"]["values"] == [
                {"stringValue": "stop"}]:
            a["value"]["arrayValue"]["values"] = [{"stringValue": "length"}]


def _app_workflow(span: dict) -> None:
    """The root an application's own span, not a GenAI invocation."""
    if span["name"].startswith("invoke_workflow"):
        span["attributes"] = [a for a in span["attributes"] if a["key"] != "gen_ai.operation.name"]


def _chat_failed(span: dict) -> None:
    """The researcher's first chat in error (the app retried and went on)."""
    for a in span["attributes"]:
        if a["key"] == "gen_ai.response.id" and a["value"].get("stringValue") == "chatcmpl-researcher-0":
            span["status"] = {"code": "STATUS_CODE_ERROR", "message": "rate limited"}


@pytest.mark.parametrize("edit", [_cut_short, _app_workflow, _chat_failed])
def test_what_is_not_read_a_success(tmp_path: Path, edit: Callable[[dict], None]) -> None:
    assert _outcomes(edited_copy(tmp_path, edit, OK)) == [("unknown", "none")]


def test_a_pydantic_ai_run_traced_without_content_by_its_finish_reason(tmp_path: Path) -> None:
    """Pydantic AI writes ``final_result`` only with content capture; without it, its agent run roots (each
    run a trace) ended on a ``stop`` chat with nothing in error: both returned."""
    def no_content(span: dict) -> None:
        span["attributes"] = [a for a in span["attributes"] if a["key"] != "final_result"]
    path = edited_copy(tmp_path, no_content, FIXTURES / "pydantic-ai" / "two_runs_ok.otlp.jsonl")
    assert _outcomes(path) == [("success", "root_status")] * 2

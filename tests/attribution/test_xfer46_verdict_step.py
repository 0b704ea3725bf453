"""The verdict's step when the model and the run's evidence name the same agent (xfer46, bench/protocol_blame46.md).

A silent_failure names the agent's step that first *stated* the wrong value; the fault may be an earlier step of
that agent (notebook 01's demo: the evidence's step right in 7 of 14 such verdicts, the model's in 14). There the
model's step is kept, when it is that agent's. An error (the span that raised), a gave_up (the call that failed)
and a ping_pong name the step itself: their step stays the verdict's.
"""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.attribution._evidence import combine


def _model(
    step: str, only_agent: bool = False, step_confidence: float = 0.6, uncertain: bool = False
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "run_id": ["r"],
            "agent": ["executor"],
            "step_id": [step],
            "score": [0.4],
            "agent_confidence": [1.0 if only_agent else 0.7],
            "uncertain": [uncertain],
            "only_agent": [only_agent],
            "step_confidence": [step_confidence],
            "familiarity": [1.0],
            "unfamiliar": [False],
        }
    )


def _agents(only_agent: bool = False) -> pd.DataFrame:
    if only_agent:
        return pd.DataFrame({"run_id": ["r"], "agent": ["executor"], "confidence": [1.0], "rank": [1]})
    return pd.DataFrame(
        {"run_id": ["r", "r"], "agent": ["executor", "planner"], "confidence": [0.7, 0.3], "rank": [1, 2]}
    )


# the executor's s3 went wrong (the model's top step); its s7 repeated the value in the answer; the planner's p1
STEPS = pd.DataFrame(
    {
        "run_id": ["r"] * 3,
        "step_id": ["s3", "s7", "p1"],
        "agent": ["executor", "executor", "planner"],
        "score": [0.4, 0.3, 0.1],
        "rank": [1, 2, 3],
    }
)


def _evidence(kind: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "run_id": ["r"],
            "evidence": [kind],
            "agent": ["executor"],
            "step_id": ["s7"],
            "seq": [7],
            "why": [f"{kind}: the executor's s7"],
            "quiet": [[]],
        }
    )


def test_a_silent_failure_agreeing_on_the_agent_keeps_the_models_step() -> None:
    out = combine(_model("s3"), _agents(), _evidence("silent_failure"), steps=STEPS).iloc[0]
    assert out["agent"] == "executor" and out["step_id"] == "s3"  # (main: s7, where the value showed)
    assert out["agent_confidence"] > 0.7 and out["evidence"] == "silent_failure" and out["disagrees"] is None


@pytest.mark.parametrize("kind", ["error", "gave_up", "ping_pong"])
def test_evidence_that_names_the_step_itself_keeps_its_step(kind: str) -> None:
    out = combine(_model("s3"), _agents(), _evidence(kind), steps=STEPS).iloc[0]
    assert out["agent"] == "executor" and out["step_id"] == "s7"


def test_the_models_step_of_another_agent_gives_way_to_the_evidences() -> None:
    # the model names the executor but ranks the planner's p1 first: a verdict names one agent's step
    out = combine(_model("p1"), _agents(), _evidence("silent_failure"), steps=STEPS).iloc[0]
    assert out["agent"] == "executor" and out["step_id"] == "s7"
    # and with no step scores to tell whose step it is, the evidence's step, as before
    out = combine(_model("s3"), _agents(), _evidence("silent_failure")).iloc[0]
    assert out["step_id"] == "s7"


def test_a_single_agent_run_keeps_the_models_step_and_its_doubt() -> None:
    # one candidate agent: the evidence could only move the step; a silent_failure leaves the model's step, its share
    # and its "uncertain" (main moved the step to s7 and raised s7's share by the evidence's odds: sure)
    model = _model("s3", only_agent=True, step_confidence=0.4, uncertain=True)
    out = combine(model, _agents(only_agent=True), _evidence("silent_failure"), steps=STEPS).iloc[0]
    assert out["step_id"] == "s3" and out["step_confidence"] == pytest.approx(0.4) and bool(out["uncertain"])
    # an error on that run still names its own step, with its share raised
    out = combine(model, _agents(only_agent=True), _evidence("error"), steps=STEPS).iloc[0]
    assert out["step_id"] == "s7" and out["step_confidence"] > 0.4

"""combine keeps the model's own ``uncertain`` (xfer47, issue 12).

Since span46 a log-only verdict between agents is uncertain by the margin rule (the top two agents' scores within
``uncertain_margin``), not by ``agent_confidence < 0.5``: on a system the model never saw its confidence sits near
1 / the run's agents whatever the run shows. ``combine`` re-derived every flag from ``confidence < 0.5`` once a run
had evidence, and kept no copy of the model's own flag, so the explorer's "model alone … uncertain" read the old
rule too. Hand-made frames: the model's flag is set apart from its confidence, so each rule gives another answer.
"""

from __future__ import annotations

import pandas as pd

from workbench.attribution._evidence import combine
from workbench.widgets._explorer_text import _model_alone


def _model(confidence: float, uncertain: bool) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "run_id": ["r"],
            "agent": ["executor"],
            "step_id": ["s3"],
            "score": [0.4],
            "agent_confidence": [confidence],
            "uncertain": [uncertain],
            "only_agent": [False],
            "step_confidence": [0.6],
            "familiarity": [1.0],
            "unfamiliar": [False],
        }
    )


def _agents(executor: float, planner: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "run_id": ["r", "r"],
            "agent": ["executor", "planner"],
            "confidence": [executor, planner],
            "rank": [1, 2],
        }
    )


def _evidence(agent: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "run_id": ["r"],
            "evidence": ["error"],
            "agent": [agent],
            "step_id": ["s7" if agent == "executor" else "p1"],
            "seq": [7],
            "why": [f"{agent}'s step raised and ended the run"],
            "quiet": [[]],
        }
    )


def test_the_models_own_flag_is_kept_beside_its_pick() -> None:
    # (main: no model_uncertain column)
    alone = combine(_model(0.7, True), _agents(0.7, 0.3), _evidence("executor").iloc[:0]).iloc[0]
    weighed = combine(_model(0.7, True), _agents(0.7, 0.3), _evidence("planner")).iloc[0]
    assert bool(alone["model_uncertain"]) and bool(weighed["model_uncertain"])


def test_evidence_backing_a_sure_pick_adds_no_doubt() -> None:
    # the model sure by its margin, its shrunk confidence 0.1 (many agents); the error names the same agent:
    # combined 0.31, under 0.5 (main: uncertain)
    out = combine(_model(0.1, False), _agents(0.1, 0.05), _evidence("executor")).iloc[0]
    assert out["agent"] == "executor" and out["agent_confidence"] < 0.5
    assert not out["uncertain"]


def test_evidence_backing_a_coin_flip_settles_it_only_above_the_bar() -> None:
    settled = combine(_model(0.5, True), _agents(0.5, 0.5), _evidence("executor")).iloc[0]
    assert settled["agent_confidence"] >= 0.5 and not settled["uncertain"]
    still = combine(_model(0.1, True), _agents(0.1, 0.1), _evidence("executor")).iloc[0]
    assert still["agent_confidence"] < 0.5 and still["uncertain"]


def test_a_pick_kept_over_the_evidence_keeps_the_models_flag() -> None:
    # the planner's evidence too weak against the model's pick: the verdict is the model's, and so is its flag
    sure = combine(_model(0.45, False), _agents(0.45, 0.05), _evidence("planner")).iloc[0]
    assert sure["agent"] == "executor" and sure["disagrees"] == "planner"
    assert not sure["uncertain"]  # (main: 0.45 < 0.5, uncertain)
    flip = combine(_model(0.9, True), _agents(0.9, 0.05), _evidence("planner")).iloc[0]
    assert flip["agent"] == "executor" and flip["uncertain"]  # (main: 0.9, sure)


def test_the_evidences_agent_over_the_models_is_judged_by_the_combined_confidence() -> None:
    out = combine(_model(0.55, False), _agents(0.55, 0.45), _evidence("planner")).iloc[0]
    assert out["agent"] == "planner" and out["disagrees"] == "executor"
    assert out["agent_confidence"] > 0.5 and not out["uncertain"]


def test_the_explorer_says_model_alone_uncertain_by_the_models_flag() -> None:
    # the model's pick outweighed by the evidence; the model was a coin flip at 55 % (main: no "uncertain")
    out = combine(_model(0.55, True), _agents(0.55, 0.45), _evidence("planner")).iloc[0]
    said = _model_alone(out, 0.5)
    assert "the model alone: executor, 55%, uncertain;" in said
    sure = combine(_model(0.45, False), _agents(0.45, 0.45), _evidence("planner")).iloc[0]
    assert sure["agent"] == "planner" and "the model alone: executor, 45%;" in _model_alone(sure, 0.5)
    # a user's own model's row without the column: its confidence under the bar, as before
    assert ", uncertain;" in _model_alone(sure.drop("model_uncertain"), 0.5)

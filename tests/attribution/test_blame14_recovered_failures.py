"""A failed call the agent recovered from is no evidence of blame (issue 12, blame14).

blame13 saw the pretrained model name the agent of a retried, recovered tool call as the culprit on real
framework traces (Semantic Kernel, Agno, pydantic-ai, LangGraph); dropping the retry detector's recovered
count was not enough, since the other status features (is_error, the run's first error, the agent's error
count, the previous tool call failed) carried the same habit. A failed call that a later same call (same
agent and tool, or same tool and input) made without failing is now a *handled failure*: it has its own
feature, and the status features count unhandled failures only.
"""

from __future__ import annotations

import functools
import warnings

import pandas as pd

import workbench as wb
from workbench.attribution._blame_model import BlameModel
from workbench.attribution._features import step_features

T0 = 1_767_225_600_000_000_000
S = 10**9


def _ws() -> wb.Workspace:
    """researcher's search fails (503) and the same search then goes through; pricer's lookup fails for good."""
    steps = [
        ("s0", "planner", "llm", None, None, "ok", "Plan: search the catalogue, then price item 7.", None),
        (
            "s1",
            "researcher",
            "tool",
            "search",
            '{"q": "item 7"}',
            "error",
            "Error: 503 service unavailable",
            "503 service unavailable",
        ),
        ("s2", "researcher", "tool", "search", '{"q": "item 7"}', "ok", "3 results for item 7", None),
        (
            "s3",
            "pricer",
            "tool",
            "lookup_price",
            '{"item": 7}',
            "error",
            "error: 404 not found",
            "404 not found",
        ),
        ("s4", "pricer", "llm", None, None, "ok", "The price of item 7 is 12.50.", None),
        ("s5", "writer", "llm", None, None, "ok", "Item 7 costs 12.50.", None),
    ]
    recs: list[dict] = [
        {"record": "run", "run_id": "r", "outcome": "failure"},
        {
            "run_id": "r",
            "step_id": "root",
            "kind": "system",
            "status": "error",
            "started_at": T0,
            "ended_at": T0 + 100 * S,
        },
    ]
    for i, (sid, agent, kind, tool, inp, status, out, err) in enumerate(steps):
        rec = {
            "run_id": "r",
            "step_id": sid,
            "parent_id": "root",
            "kind": kind,
            "agent": agent,
            "status": status,
            "output": out,
            "started_at": T0 + (i + 1) * S,
            "ended_at": T0 + (i + 1) * S + S // 2,
        }
        rec.update({k: v for k, v in (("tool", tool), ("input", inp), ("error", err)) if v is not None})
        recs.append(rec)
    ws = wb.open()
    ws.ingest(recs, progress=False)
    return ws


def _moves() -> pd.DataFrame:
    """The run's moves as the portable model reads them after the detectors ran: a copy of a frame built once for
    the module (suite52: three tests built the same store, ran the detectors and framed it each)."""
    return _built_moves().copy()


@functools.cache
def _built_moves() -> pd.DataFrame:
    ws = _ws()
    wb.detect(ws)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return BlameModel(features="portable", detect=False).frame(ws).set_index("step_id")


def test_a_recovered_failure_is_handled_and_not_an_error() -> None:
    X = _moves()
    assert X.loc["s1", "handled_failure"] == 1 and X.loc["s3", "handled_failure"] == 0
    assert X.loc["s1", "is_error"] == 0 and X.loc["s3", "is_error"] == 1
    # the run's first error is the one nobody recovered from, not the earlier handled one
    assert X.loc["s3", "is_first_error"] == 1 and X.loc["s1", "is_first_error"] == 0
    assert X.loc["s1", "agent_errors"] == 0 and X.loc["s3", "agent_errors"] == 1
    assert X.loc["s2", "is_retry"] == 0  # it repeats a failure that it handled


def test_the_recovered_retry_finding_is_no_hit() -> None:
    X = _moves()
    # the retry detector reports researcher's 503 retry (recovered) on the failed call
    assert X.loc["s1", "det_hits"] == 0 and X.loc["s1", "det_retry"] == 0


def test_the_move_after_a_recovered_tool_failure_does_not_follow_a_failure() -> None:
    X = _moves()
    assert X.loc["s2", "after_tool_fail"] == 0  # follows the handled 503
    assert X.loc["s4", "after_tool_fail"] == 1  # follows the lookup that stayed failed


def test_features_of_logs_without_repeated_calls_are_unchanged() -> None:
    # a failed call never repeated stays an error: the change touches recovered failures only
    X = step_features(_ws())
    assert X.set_index("step_id").loc["s3", ["is_error", "handled_failure"]].tolist() == [1.0, 0.0]


def _pretrained() -> BlameModel:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the shipped file loads without any warning
        return BlameModel.pretrained()


def test_the_shipped_model_knows_handled_failures() -> None:
    model = _pretrained()
    assert "handled_failure" in list(model.feature_names_in_)
    assert "protocol_blame14" in model.provenance_["chosen_by"]


def test_the_shipped_model_blames_a_recovered_call_less_than_the_same_call_left_failed() -> None:
    model = _pretrained()
    recovered = model.frame(_ws())
    ws = _ws()
    ws.con.execute(
        "UPDATE steps SET status = 'error', output = 'Error: 503 service unavailable', "
        "error = '503 service unavailable' WHERE step_id = 's2'"
    )
    failed = model.frame(ws)
    logit = {
        name: model.rank_frame(X)[0].set_index("step_id").loc["s1", "logit"]
        for name, X in (("recovered", recovered), ("failed", failed))
    }
    assert logit["recovered"] < logit["failed"]


def test_the_previous_release_still_loads_and_predicts() -> None:
    # v8 was fitted before handled_failure existed: it loads, and scores with the features it knows
    from pathlib import Path

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v8 = BlameModel.load(Path(__file__).parent / "data" / "blame_model_whowhen_v8.json")
    assert "handled_failure" not in list(v8.feature_names_in_)
    pred = v8.predict(_ws())
    assert len(pred) == 1 and pred["agent"].iat[0] in ("planner", "researcher", "pricer", "writer")

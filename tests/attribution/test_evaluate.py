"""evaluate_attribution: metric definitions on hand-made runs, CV grouping, heuristics, replay methods."""

from __future__ import annotations

from pathlib import Path

import pytest

import workbench as wb
from workbench.attribution._evaluate import cv_folds, evaluate_attribution, labelled_failures
from workbench.attribution._heuristics import HEURISTICS, predict_heuristic
from workbench.exceptions import WorkbenchError

WHOWHEN = Path("/work/shared/samples/whowhen")


def _run(run_id: str, moves: list[tuple[str, str, str]], labels: list[tuple[str, str]]) -> list[dict]:
    """A failed run: moves (step_id, agent, status) in order, and culprit labels (agent, step_id)."""
    recs: list[dict] = [{"record": "run", "run_id": run_id, "system": "toy", "outcome": "failure"}]
    for i, (sid, agent, status) in enumerate(moves):
        recs.append(
            {
                "record": "step",
                "run_id": run_id,
                "step_id": sid,
                "seq": i,
                "agent": agent,
                "kind": "llm",
                "status": status,
                "output": f"{agent} says {i}",
            }
        )
    recs.append({"record": "label", "run_id": run_id, "outcome": "failure", "source": "ground_truth"})
    recs += [
        {"record": "label", "run_id": run_id, "agent": a, "step_id": s, "kind": "x", "source": "ground_truth"}
        for a, s in labels
    ]
    return recs


@pytest.fixture(scope="module")
def toy() -> wb.Workspace:
    ws = wb.open()
    ws.ingest(
        # first error at b1 by bob, who is the culprit: a hit at agent and step level
        _run("A", [("a0", "ann", "ok"), ("b1", "bob", "error"), ("c2", "cat", "ok")], [("bob", "b1")])
        # the first error is ann's, the culprit is cat: a miss; cat is second among agents
        + _run("B", [("a0", "ann", "error"), ("b1", "bob", "ok"), ("c2", "cat", "error")], [("cat", "c2")])
        # two faults; the first error is the *second* fault: agent_acc hits, agent_acc_first does not
        + _run(
            "C",
            [("a0", "ann", "ok"), ("b1", "bob", "ok"), ("c2", "cat", "error")],
            [("bob", "b1"), ("cat", "c2")],
        )
    )
    return ws


def test_metric_definitions_on_hand_made_runs(toy) -> None:
    row = evaluate_attribution(toy, "first_error").iloc[0]
    assert row["runs"] == 3 and row["step_runs"] == 3
    assert row["agent_acc"] == pytest.approx(2 / 3)  # A and C (cat is one of C's culprits)
    assert row["agent_acc_first"] == pytest.approx(1 / 3)  # only A: C's first fault is bob's
    assert row["step_acc"] == pytest.approx(2 / 3) and row["step_acc_first"] == pytest.approx(1 / 3)
    # B: ann's a0 ranks first, then the other error c2 (cat): cat is in the top 2 agents and c2 in the top 3 steps
    assert row["agent_top2"] == 1.0 and row["step_top3"] == 1.0
    assert row["replays"] == 0 and row["seconds"] >= 0


def test_heuristics_share_the_predict_table(toy) -> None:
    pred = predict_heuristic(toy, "first_error")
    assert list(pred.columns) == ["run_id", "agent", "step_id", "score", "agent_confidence", "uncertain"]
    assert pred["uncertain"].isna().all()  # a heuristic's score share is not a probability
    assert pred.set_index("run_id")["step_id"].to_dict() == {"A": "b1", "B": "a0", "C": "c2"}
    assert predict_heuristic(toy, "first_agent_turn")["step_id"].tolist() == ["a0", "a0", "a0"]
    assert predict_heuristic(toy, "random", seed=3).equals(predict_heuristic(toy, "random", seed=3))
    table = evaluate_attribution(toy, list(HEURISTICS))
    assert table["method"].tolist() == list(HEURISTICS) and (table["runs"] == 3).all()


def test_errors_name_what_is_wrong(toy) -> None:
    with pytest.raises(WorkbenchError, match="unknown method"):
        evaluate_attribution(toy, "oracle")
    with pytest.raises(WorkbenchError, match="needs a fitted model= or cv=k"):
        evaluate_attribution(toy, "blame_model")
    with pytest.raises(WorkbenchError, match="pass replay="):
        evaluate_attribution(toy, "shapley")
    with pytest.raises(WorkbenchError, match="cv must be None or an int >= 2"):
        cv_folds(toy, ["A", "B", "C"], 1)
    with pytest.raises(WorkbenchError, match="need at least 4 distinct runs"):
        cv_folds(toy, ["A", "B", "C"], 4)


@pytest.fixture(scope="module")
def sim():
    system = wb.sim.procurement(seed=303, fault_rate=1.0)
    ws = wb.open()
    ws.ingest(system.generate(160), progress=False)
    return system, ws


def test_cross_validation_never_scores_a_run_with_a_model_that_saw_it(sim) -> None:
    _, ws = sim
    runs = labelled_failures(ws)
    # Without the confidence calibration (five more fits per fold): it moves no rank, so not agent_acc.
    table = evaluate_attribution(ws, "blame_model", cv=3, n_estimators=30, calibration_cv=None)
    row = table.iloc[0]
    assert row["groups"] == "run" and row["cv"] == 3 and row["runs"] == len(runs)
    folds = table.attrs["folds"]
    assert len(folds) == 3
    for fold in folds:
        assert not set(fold["train"]) & set(fold["test"])
    tested = [r for fold in folds for r in fold["test"]]
    assert sorted(tested) == runs  # each run scored exactly once
    assert row["agent_acc"] >= 0.85  # measured 0.99 with ~75 training runs per fold


def test_folds_group_by_system_when_there_are_enough(sim) -> None:
    if not WHOWHEN.is_dir():
        pytest.skip(f"{WHOWHEN} is not here")
    _, ws = sim
    ws.ingest(str(WHOWHEN / "*" / "*.json"))  # two more systems: whowhen/Algorithm-Generated, /Hand-Crafted
    runs = labelled_failures(ws)
    system = dict(ws.sql("SELECT run_id, system FROM runs").fetchall())
    folds, used = cv_folds(ws, runs, 3)
    assert used == "system"
    for train, test in folds:
        assert len({system[r] for r in test}) == 1
        assert not {system[r] for r in train} & {system[r] for r in test}
    folds, used = cv_folds(ws, runs, 3, groups="run")
    assert used == "run" and all(not set(a) & set(b) for a, b in folds)


def test_replay_methods_count_their_replays(sim) -> None:
    system, ws = sim
    runs = labelled_failures(ws, max_faults=1)[:12]
    table = evaluate_attribution(ws, ["shapley", "ablation"], replay=system.replay, run_ids=runs).set_index(
        "method"
    )
    assert (table["runs"] == len(runs)).all()
    assert (table["replays"] > 0).all() and (table["replayed_steps"] > 0).all()
    assert table.loc["shapley", "agent_acc"] >= 0.9

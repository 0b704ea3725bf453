"""The agent of a run's earliest flagged move is named: ``agent_aggregation="first_flagged"`` (issue 12, blame39).

A failure is decided by its first mistake; the moves after it that repeat or build on the mistake look nearly as
suspicious to a per-move scorer, and come later. ``first_flagged`` flags the run's moves within ``flag_margin``
log-odds of its best move and names the agent of the earliest; unlike ``sum``, ``mass`` and ``noisy_or`` it does not
reward an agent for having more moves. Hand-written scored runs, then a model fitted on Who&When-format runs the test
writes, through the public API.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _whowhen_fixture import two_systems_frame
from test_blame31_aggregation import _moves, _top

import workbench as wb
from workbench.attribution._heuristics import rank_agents


def test_the_earliest_move_near_the_best_names_its_agent() -> None:
    steps = _moves([("a", "llm", 0.0), ("b", "llm", 2.9), ("c", "llm", 3.0), ("b", "llm", 1.0)])
    assert _top(rank_agents(steps, "max")) == {"r1": "c"}
    flagged = rank_agents(steps, "first_flagged", flag_margin=0.25)
    # b's move at 2.9 is within 0.25 of the best (3.0) and comes first; then c (flagged later); then a
    assert flagged.sort_values("rank")["agent"].tolist() == ["b", "c", "a"]
    # each agent keeps its best move's score and share: only the order changes
    by_max = rank_agents(steps, "max").set_index("agent")[["score", "share"]]
    assert flagged.set_index("agent")[["score", "share"]].sort_index().equals(by_max.sort_index())
    # a margin of 0 flags the best move alone: "max"'s verdict
    assert _top(rank_agents(steps, "first_flagged", flag_margin=0.0)) == {"r1": "c"}
    # a wide margin flags every move: the first to speak
    assert _top(rank_agents(steps, "first_flagged", flag_margin=10.0)) == {"r1": "a"}


def test_one_very_bad_move_outweighs_many_mildly_bad_ones() -> None:
    # b speaks first, five times at log-odds 1; a once, late, at 3
    steps = _moves([("b", "llm", 1.0)] * 5 + [("a", "llm", 3.0)])
    assert _top(rank_agents(steps, "first_flagged", flag_margin=0.25)) == {"r1": "a"}
    # the aggregations that add an agent's moves name b: 1 - (1 - 0.73)^5 > 0.95; 5 x 0.73 > 0.95
    assert _top(rank_agents(steps, "noisy_or")) == {"r1": "b"}
    assert _top(rank_agents(steps, "sum")) == {"r1": "b"}


def test_only_candidates_are_flagged() -> None:
    # the executor's output is the run's best move, but with talkers_only it is nobody's verdict: the best and
    # earliest candidate move is a's; with no named agent in the run, its moves stay candidates
    steps = pd.concat(
        [
            _moves([("t", "tool", 3.0), ("b", "llm", 1.0), ("a", "llm", 2.0)]),
            _moves([(None, "llm", 1.0), (None, "llm", 1.1)], run="r2"),
        ],
        ignore_index=True,
    )
    got = rank_agents(steps, "first_flagged", talkers_only=True, flag_margin=0.25)
    assert _top(got) == {"r1": "a", "r2": "<none>"} and "t" not in set(got["agent"])
    # several runs at once: each run flags against its own best move
    both = pd.concat([_moves([("x", "llm", 5.0), ("y", "llm", 5.1)], run="r3"), steps], ignore_index=True)
    assert _top(rank_agents(both, "first_flagged", talkers_only=True, flag_margin=0.25))["r3"] == "x"


@pytest.fixture(scope="module")
def two_systems(tmp_path_factory) -> tuple[wb.Workspace, pd.DataFrame, list[str], list[str]]:
    return two_systems_frame(tmp_path_factory.mktemp("first_flagged"), 30, 10)


def test_a_fitted_model_names_the_agent_of_its_earliest_flagged_move(two_systems, tmp_path) -> None:
    ws, X, alpha, beta = two_systems
    kw = {"features": "portable", "detect": False, "calibration_cv": None}
    # the fixture's culprit move stands over 5 log-odds above its run's others: a margin of 8 flags earlier moves
    model = wb.BlameModel(agent_aggregation="first_flagged", flag_margin=8.0, **kw).fit(ws, alpha)
    labels = ws.sql("SELECT run_id, agent, step_id FROM labels").df()
    by_max = wb.BlameModel(**kw).fit_frame(X[X["run_id"].isin(alpha)], labels[labels["run_id"].isin(alpha)])
    steps, agents = model.rank_frame(X[X["run_id"].isin(beta)])
    # the same scorer: the steps are max's, and the named agent is that of the earliest move within 8 of the best
    assert steps.equals(by_max.rank_frame(X[X["run_id"].isin(beta)])[0])
    cand = steps[steps["agent"].notna()]
    best = cand.groupby("run_id")["logit"].transform("max")
    first = cand[cand["logit"] >= best - 8.0].sort_values("pos").drop_duplicates("run_id").set_index("run_id")
    assert _top(agents) == first["agent"].to_dict()
    # ... which is not always the agent of the best move
    assert _top(agents) != _top(by_max.rank_frame(X[X["run_id"].isin(beta)])[1])
    verdicts = model.predict(ws, beta)
    assert verdicts.set_index("run_id")["agent"].to_dict() == first["agent"].to_dict()
    # an agent's explanation is its best move's, as under "max" (its score is that move's)
    why = model.explain(ws, beta[0]).query("level == 'agent'")
    assert (why.groupby("agent")["step_id"].nunique() == 1).all()
    # the parameters travel with the saved file
    model.save(tmp_path / "m.json")
    back = wb.BlameModel.load(tmp_path / "m.json")
    assert (back.agent_aggregation, back.flag_margin) == ("first_flagged", 8.0)
    assert back.rank_frame(X[X["run_id"].isin(beta)])[1].equals(agents)
    with pytest.raises(wb.InvalidParameterError, match="flag_margin"):
        wb.BlameModel(agent_aggregation="first_flagged", flag_margin=-1.0, **kw).fit(ws, alpha)
    with pytest.raises(wb.InvalidParameterError, match="first_flagged"):
        wb.BlameModel(agent_aggregation="earliest", **kw).fit(ws, alpha)
    assert np.isfinite(verdicts["agent_confidence"]).all()

"""How a run's move scores name its culprit agent: the softmax mass and the executor's moves (issue 12, blame31).

``agent_aggregation="mass"`` ranks agents by their share of the run's softmax over move log-odds (the probability
the decisive move is one of theirs, which the calibrated confidence reads) instead of their best move;
``credit_tools`` makes the agent whose turn came last before a tool move answer for it too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.attribution._blame_model import BlameModel
from workbench.attribution._heuristics import rank_agents
from workbench.exceptions import InvalidParameterError


def _moves(rows: list[tuple[str, str, float]], run: str = "r1") -> pd.DataFrame:
    """A scored run: (agent, kind, log-odds) per move, in order."""
    logit = np.array([x[2] for x in rows])
    return pd.DataFrame(
        {
            "run_id": run,
            "step_id": [f"{run}-{i}" for i in range(len(rows))],
            "agent": [x[0] for x in rows],
            "kind": [x[1] for x in rows],
            "pos": range(len(rows)),
            "logit": logit,
            "score": 1 / (1 + np.exp(-logit)),
        }
    )


def _top(agents: pd.DataFrame) -> dict[str, str]:
    return dict(agents.loc[agents["rank"] == 1, ["run_id", "agent"]].itertuples(index=False))


def test_mass_names_the_agent_most_likely_to_hold_the_decisive_move() -> None:
    # a: one move at log-odds 2 (weight e^2 = 7.4); b: three at 1.5 (3 e^1.5 = 13.4); the executor t: one at 0
    steps = _moves(
        [("a", "llm", 2.0), ("b", "llm", 1.5), ("t", "tool", 0.0), ("b", "llm", 1.5), ("b", "llm", 1.5)]
    )
    assert _top(rank_agents(steps, "max")) == {"r1": "a"}
    mass = rank_agents(steps, "mass", talkers_only=True)
    assert _top(mass) == {"r1": "b"}
    w = np.exp([2.0, 1.5, 0.0, 1.5, 1.5])
    got = mass.set_index("agent")["score"]
    # the share of the softmax over every move of the run (the executor's is nobody's here)
    assert got["b"] == pytest.approx(3 * w[1] / w.sum()) and got["a"] == pytest.approx(w[0] / w.sum())
    assert "t" not in got.index


def test_credit_tools_makes_the_author_answer_for_the_executor_output() -> None:
    # the executor's output (log-odds 3) shows code a wrote failing; b talks more suspiciously than a
    steps = pd.concat(
        [
            _moves([("a", "llm", 0.0), ("t", "tool", 3.0), ("b", "llm", 1.0), ("t", "tool", -1.0)]),
            _moves([("t", "tool", 2.0), ("b", "llm", 0.0)], run="r2"),
        ],
        ignore_index=True,
    )
    assert _top(rank_agents(steps, "max", talkers_only=True)) == {"r1": "b", "r2": "b"}
    credited = rank_agents(steps, "max", talkers_only=True, credit_tools=True)
    # r2's executor speaks before anyone: no author to credit
    assert _top(credited) == {"r1": "a", "r2": "b"}
    assert credited.loc[credited["run_id"] == "r1"].set_index("agent")["score"]["a"] == pytest.approx(
        1 / (1 + np.exp(-3.0))
    )
    # the same move counted twice is not more mass than the run has: shares still sum to one over candidates
    both = rank_agents(steps, "mass", talkers_only=True, credit_tools=True)
    assert _top(both) == {"r1": "a", "r2": "b"}
    assert both.groupby("run_id")["share"].sum().tolist() == pytest.approx([1.0, 1.0])


def _runs(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Runs of 3 agents, 2 moves each; the culprit's moves hedge more."""
    rng = np.random.default_rng(seed)
    rows, labels = [], []
    for i in range(n):
        culprit = int(rng.integers(3))
        for p in range(6):
            a = p % 3
            rows.append(
                {
                    "run_id": f"r{i}",
                    "step_id": f"r{i}-{p}",
                    "agent": f"agent{a}",
                    "kind": "llm",
                    "pos": p,
                    "system": "s",
                    "hedge_words": (a == culprit) * 0.8 + rng.normal(0, 1),
                    "n_numbers": rng.normal(),
                }
            )
        labels.append({"run_id": f"r{i}", "agent": f"agent{culprit}", "step_id": f"r{i}-{culprit}"})
    return pd.DataFrame(rows), pd.DataFrame(labels)


def test_blame_model_with_mass_names_the_agent_it_is_most_confident_in(tmp_path) -> None:  # noqa: ANN001
    X, labels = _runs(30, 0)
    test_X, _ = _runs(20, 1)
    m = BlameModel(
        features=["hedge_words", "n_numbers"], calibration_cv=2, agent_aggregation="mass", credit_tools=True
    ).fit_frame(X, labels)
    _, agents = m.rank_frame(test_X)
    best = agents.loc[agents.groupby("run_id")["confidence"].idxmax(), ["run_id", "agent"]]
    assert _top(agents) == dict(best.itertuples(index=False))
    m.save(tmp_path / "m.json")
    back = BlameModel.load(tmp_path / "m.json")
    assert back.agent_aggregation == "mass" and back.credit_tools is True
    pd.testing.assert_frame_equal(back.rank_frame(test_X)[1], agents)


@pytest.mark.parametrize(
    ("param", "value", "says"),
    [("agent_aggregation", "median", "'max', 'sum', 'mass'"), ("credit_tools", "yes", "True or False")],
)
def test_bad_aggregation_parameters_are_named(param: str, value: str, says: str) -> None:
    X, labels = _runs(6, 0)
    with pytest.raises(InvalidParameterError, match=f"{param}.*{says}.*{value}"):
        BlameModel(calibration_cv=None, **{param: value}).fit_frame(X, labels)


# -- blame35: noisy-or (bench/protocol_blame35.md) ------------------------------------------------------------------
def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def test_noisy_or_adds_a_second_suspicious_move_and_little_for_many_harmless_ones() -> None:
    # a: one move at p 0.6; b: two at 0.45 (1 - 0.55^2 = 0.6975); c: ten at 0.07 (sum 0.7, 1 - 0.93^10 = 0.516)
    rows = [("a", "llm", _logit(0.6)), *[("b", "llm", _logit(0.45))] * 2, *[("c", "llm", _logit(0.07))] * 10]
    steps = _moves(rows)
    assert _top(rank_agents(steps, "max")) == {"r1": "a"}
    got = rank_agents(steps, "noisy_or").set_index("agent")
    assert got["score"].to_dict() == pytest.approx({"a": 0.6, "b": 1 - 0.55**2, "c": 1 - 0.93**10})
    assert got["rank"].to_dict() == {"b": 1, "a": 2, "c": 3}
    # the sum puts the ten harmless moves above the one suspicious one
    assert rank_agents(steps, "sum").set_index("agent")["rank"]["c"] < got["rank"]["c"]


def test_noisy_or_ranks_saturated_agents_by_their_log_odds_and_drops_silent_agents() -> None:
    # both agents' probabilities are 1.0 in float64; the later one's moves are more suspicious
    steps = _moves([("a", "llm", 38.0), ("t", "tool", 50.0), ("b", "llm", 39.0), ("b", "llm", 37.0)])
    got = rank_agents(steps, "noisy_or", talkers_only=True)
    assert _top(got) == {"r1": "b"} and "t" not in set(got["agent"])
    assert got["score"].tolist() == [1.0, 1.0]


def test_blame_model_with_noisy_or_saves_loads_and_explains_by_the_best_move(tmp_path) -> None:  # noqa: ANN001
    from workbench.attribution._blame_explain import _explain_agents

    X, labels = _runs(30, 0)
    test_X, _ = _runs(12, 1)
    m = BlameModel(
        features=["hedge_words", "n_numbers"], calibration_cv=2, agent_aggregation="noisy_or"
    ).fit_frame(X, labels)
    steps, agents = m.rank_frame(test_X)
    assert set(agents["rank"]) == {1, 2, 3} and agents["confidence"].between(0, 1).all()
    m.save(tmp_path / "m.json")
    back = BlameModel.load(tmp_path / "m.json")
    assert back.agent_aggregation == "noisy_or"
    pd.testing.assert_frame_equal(back.rank_frame(test_X)[1], agents)
    long = pd.DataFrame(
        {
            "run_id": "r1",
            "agent": ["a", "a", "b"],
            "step_id": ["s0", "s1", "s2"],
            "feature": "hedge_words",
            "value": [0.0, 1.0, 2.0],
            "shap": [0.1, 0.5, 0.2],
            "base_value": -1.0,
            "output": [-0.9, -0.5, -0.8],
        }
    )
    assert _explain_agents("noisy_or", long, -1.0).set_index("agent")["step_id"].to_dict() == {
        "a": "s1",
        "b": "s2",
    }

"""route44's fixes around attack44's replay findings, at the edges its tests leave: the decisive-step search on its
own with a replay that does not reproduce the failure, what the recorded run's replay costs, the settings and players
checked up front, and the outcome values read. Runs are step tuples handed to ``attribute_steps``: no store."""

from __future__ import annotations

import json

import numpy as np
import pytest

import workbench as wb
from workbench.attribution import decisive_step
from workbench.attribution._attribute import attribute_steps
from workbench.attribution._runner import ReplayRunner
from workbench.replay import Intervention, ReplayResult, TableReplay, outcome_value

# (step id, agent, kind, seq): a root system step and five moves of three agents
_STEPS = [
    ("root", None, "system", 0),
    ("s1", "planner", "llm", 1),
    ("s2", "pricer", "tool", 2),
    ("s3", "pricer", "llm", 3),
    ("s4", "writer", "llm", 4),
    ("s5", "writer", "llm", 5),
]


def _pricer_fixes(run_id: str, replaced: frozenset[str]) -> bool:
    return bool({"pricer", "s2", "s3"} & replaced)


def test_the_decisive_search_alone_names_no_step_when_the_replay_does_not_reproduce_the_failure() -> None:
    # main named s1, the first step, "decisive": its bisection took h(-1), nothing repaired, to fail unchecked
    runner = ReplayRunner(TableReplay(lambda run_id, replaced: True), "r", unit="step")
    found = decisive_step(runner, ["s1", "s2", "s3"])
    assert found.step_id is None and found.position is None
    assert "does not reproduce" in found.note, found.note


def test_the_recorded_run_is_replayed_once_for_the_game_and_the_decisive_search() -> None:
    recorded = []

    def replay(run_id: str, iv: Intervention) -> bool:
        recorded.append(iv.empty)
        return _pricer_fixes(run_id, iv.agents | iv.steps)

    res = attribute_steps(_STEPS, "r", replay)
    assert res.verdict.culprit == "pricer" and res.decisive.step_id == "s2"
    # the search checks that the recorded run fails, from the agent game's replay of it (one cache entry)
    assert recorded.count(True) == 1, recorded


def test_settings_are_taken_as_the_numbers_they_are() -> None:
    res = attribute_steps(
        _STEPS,
        "r",
        TableReplay(_pricer_fixes),
        timeout=float("inf"),
        n_jobs=np.int64(1),
        seed=np.int64(3),
        shapley_method="permutation",
        n_samples=8,
        decisive=False,
    )
    assert res.verdict.culprit == "pricer"
    assert type(res.params["seed"]) is int and json.dumps(res.params)  # stored as JSON with the attribution


def test_named_step_players_are_checked_against_the_run() -> None:
    res = attribute_steps(
        _STEPS, "r", TableReplay(_pricer_fixes), unit="step", players=["s2", "s4"], decisive=False
    )
    assert sorted(res.values["player"]) == ["s2", "s4"]
    with pytest.raises(wb.InvalidParameterError, match=r"\['s9'\].*'root', 's1'"):
        attribute_steps(_STEPS, "r", TableReplay(_pricer_fixes), unit="step", players=["s2", "s9"])


@pytest.mark.parametrize(
    ("given", "value"),
    [(np.float64(0.25), 0.25), (np.True_, 1.0), (np.int64(0), 0.0), (ReplayResult("success", np.True_), 1.0)],
)
def test_numpy_outcomes_are_read_as_their_values(given: object, value: float) -> None:
    assert outcome_value(given) == value


@pytest.mark.parametrize("flag", [None, "true", 2, 0.5])
def test_a_result_whose_success_is_no_bool_is_refused_naming_it(flag: object) -> None:
    with pytest.raises(wb.ReplayError, match="success is"):
        outcome_value(ReplayResult("success", flag))  # type: ignore[arg-type]

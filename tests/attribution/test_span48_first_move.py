"""The first move's lean (bench/protocol_blame48.md, addendum H): novelty read against the whole run, agent-only labels.

``novelty="run"``: a move is new by what the rest of the run does not say, not by coming first (every word of a
run's first move was new, and it resembled nothing before it: the extremes that ranked a long trace's first model
call first). ``agent_only_labels="agent"``: a run labelled with an agent and no step no longer teaches the step
scorer that the agent's first move is the step. On runs the test writes itself and on simulator runs.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from _whowhen_fixture import write_runs  # noqa: F401  (the folder's fixture module; keeps the import path set)

import workbench as wb
from workbench.attribution._blame_model import BlameModel
from workbench.attribution._heuristics import culprit_labels
from workbench.exceptions import InvalidParameterError

_ASK = "Please search for the ferry timetable."
_HISTORY = [
    {"role": "Orchestrator (thought)", "content": "Plan: ask WebSurfer to find the timetable."},
    {"role": "Orchestrator (-> WebSurfer)", "content": _ASK},
    {"role": "WebSurfer", "content": "Departures 07:15 harbour, 08:40 island; operator Bluewater Lines."},
    {"role": "Orchestrator (-> WebSurfer)", "content": _ASK},
    {"role": "WebSurfer", "content": "Storm notice: pier renovation, parking permits near the terminal."},
    {"role": "Orchestrator (thought)", "content": "The answer is 08:40."},
]
_NOVELTY = ("novel_word_frac", "max_sim_earlier", "step_loop_after", "step_novel_rank", "role_external")


@pytest.fixture(scope="module")
def frames(tmp_path_factory) -> tuple:
    folder = tmp_path_factory.mktemp("span48") / "Hand-Crafted"
    folder.mkdir()
    (folder / "ferry.json").write_text(
        json.dumps(
            {
                "question": "When does the first ferry leave the harbour?",
                "history": _HISTORY,
                "is_corrected": False,
                "question_ID": "ferry",
                "mistake_agent": "WebSurfer",
                "mistake_step": "2",
                "mistake_reason": "misread",
            }
        )
    )
    ws = wb.open()
    ws.ingest(str(folder / "*.json"), progress=False)
    outputs = dict(ws.sql("SELECT step_id, output FROM steps").fetchall())
    before = BlameModel(features="portable", detect=False).frame(ws)
    after = BlameModel(features="portable", novelty="run", detect=False).frame(ws)
    return before.assign(output=before["step_id"].map(outputs)), after.assign(
        output=after["step_id"].map(outputs)
    )


def test_the_first_move_is_no_longer_extreme_by_position(frames) -> None:
    before, after = frames
    first_b, first_a = before[before["pos"] == 0].iloc[0], after[after["pos"] == 0].iloc[0]
    # before: nothing earlier to resemble reads as "like nothing" (0) and a loop "starts after it"
    assert first_b["max_sim_earlier"] == 0.0 and first_b["step_loop_after"] > 0
    # now: unknown, which the scorer imputes with the training median like any missing value
    assert np.isnan(first_a["max_sim_earlier"]) and np.isnan(first_a["step_loop_after"])
    # the last move has no "after" side to compare either
    assert np.isnan(after.sort_values("pos").iloc[-1]["step_loop_after"])
    # every other feature is the same under both readings
    rest = [c for c in before.columns if c not in (*_NOVELTY, "output")]
    assert before[rest].equals(after[rest])


def test_novel_words_are_those_the_rest_of_the_run_does_not_say(frames) -> None:
    before, after = frames
    asks_b = before[before["output"] == _ASK].sort_values("pos")
    asks_a = after[after["output"] == _ASK].sort_values("pos")
    assert len(asks_b) == 2
    # the first of two identical requests brought words no earlier move had: new, read by position ...
    assert asks_b.iloc[0]["novel_word_frac"] > 0
    # ... but the run repeats every one of them: nothing in it is new
    assert asks_a.iloc[0]["novel_word_frac"] == 0.0 and asks_a.iloc[1]["novel_word_frac"] == 0.0
    # a word new against the whole run is new against what came before: never more novelty than before
    both = before[["step_id", "novel_word_frac"]].merge(after[["step_id", "novel_word_frac"]], on="step_id")
    assert (both["novel_word_frac_y"].fillna(0) <= both["novel_word_frac_x"].fillna(0) + 1e-12).all()
    # the page only the web worker brought is still all new
    page = after[after["output"].str.startswith("Storm notice")].iloc[0]
    assert page["novel_word_frac"] > 0.8


@pytest.fixture(scope="module")
def sim() -> tuple:
    ws = wb.open()
    ws.ingest(wb.sim.procurement(seed=5, fault_rate=1.0).generate(16), progress=False)
    labels = culprit_labels(ws)
    X = BlameModel(features="portable", detect=False).frame(ws, labels["run_id"].unique().tolist())
    # half the runs keep their agent and lose their step: a user who knows who erred, not where
    runs = sorted(labels["run_id"].unique())
    agent_only = set(runs[::2])
    mixed = labels.copy()
    mixed.loc[mixed["run_id"].isin(agent_only), "step_id"] = None
    return X, labels, mixed, agent_only


def test_agent_only_labels_teach_the_agent_not_a_step(sim) -> None:
    X, labels, mixed, agent_only = sim
    named = ~X["run_id"].isin(agent_only)
    params = {"features": "portable", "calibration_cv": None, "listwise_weight": 0.25}
    alone = BlameModel(**params).fit_frame(X[named], labels[~labels["run_id"].isin(agent_only)])
    kept = BlameModel(**params, agent_only_labels="agent").fit_frame(X, mixed)
    old = BlameModel(**params).fit_frame(X, mixed)
    # the step scorer is the one the step-labelled runs make alone: the agent-only runs teach it nothing ...
    np.testing.assert_allclose(kept.step_model_.coef, alone.step_model_.coef, rtol=1e-6, atol=1e-9)
    # ... where before each taught "the decisive step is the culprit's first move"
    assert not np.allclose(old.step_model_.coef, alone.step_model_.coef, atol=1e-3)
    # they still count, and still move the scorer that names the agents
    assert kept.n_runs_ == X["run_id"].nunique() > alone.n_runs_
    assert not np.allclose(kept.agent_model_.coef, alone.agent_model_.coef, atol=1e-3)
    steps, agents = kept.rank_frame(X)
    assert set(steps["run_id"]) == set(X["run_id"]) and agents["rank"].min() == 1


def test_the_new_parameters_are_checked() -> None:
    with pytest.raises(InvalidParameterError, match="novelty"):
        BlameModel(novelty="later").frame(wb.open())
    with pytest.raises(InvalidParameterError, match="agent_only_labels"):
        BlameModel(agent_only_labels="first").frame(wb.open())

"""Executors: a system whose code executor has a name the Who&When adapter does not know reads the same;
an executor is not named culprit (``talkers_only``); long runs do not dominate the fit (``run_weight``).

The runs are the tests' own two-system fixture; renaming only the executors (``Computer_terminal`` ->
``code_runner``, ``ComputerTerminal`` -> ``Sandbox``) must change no step kind, no portable feature and
no verdict: the executor is known by its output's shape, not its name.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _whowhen_fixture import SYSTEMS, write_runs

import workbench as wb
from workbench.attribution._blame_model import BlameModel, run_weights
from workbench.attribution._heuristics import culprit_labels, rank_agents

RENAME = {"Computer_terminal": "code_runner", "ComputerTerminal": "Sandbox"}


def test_renamed_executors_give_the_same_features_and_verdicts(tmp_path) -> None:
    assert {t for _, t in SYSTEMS.values()} == set(RENAME)
    write_runs(tmp_path / "orig", "alpha", 6, seed=11)
    write_runs(tmp_path / "orig", "beta", 5, seed=12)
    for p in (tmp_path / "orig").glob("*/*.json"):
        doc = p.read_text()
        for old, new in RENAME.items():
            doc = doc.replace(f'"{old}"', f'"{new}"')  # the speaker only; no text names it
        out = tmp_path / "renamed" / p.parent.name / p.name
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(doc)
    model = BlameModel(features="portable", detect=False, calibration_cv=None)
    frames, verdicts = [], []
    for folder in ("orig", "renamed"):
        ws = wb.open()
        ws.ingest(str(tmp_path / folder / "*" / "*.json"), progress=False)
        X = model.frame(ws)
        tasks = dict(ws.con.execute("SELECT run_id, system || task FROM runs").fetchall())
        X = X.assign(task=X["run_id"].map(tasks)).sort_values(["task", "pos"], ignore_index=True)
        frames.append(X)
        m = BlameModel(features="portable", detect=False, calibration_cv=None).fit_frame(
            X, culprit_labels(ws)
        )
        steps, agents = m.rank_frame(X)
        top = steps[steps["rank"] == 1].merge(agents[agents["rank"] == 1], on="run_id", suffixes=("", "_top"))
        verdicts.append(top.assign(task=top["run_id"].map(tasks)).sort_values("task", ignore_index=True))
    a, b = frames
    assert set(b["agent"]) & set(RENAME) == set() and set(RENAME.values()) <= set(b["agent"])
    assert (a["kind"] == "tool").sum() > 5
    assert a["kind"].tolist() == b["kind"].tolist()
    pd.testing.assert_frame_equal(a[model._feature_list()], b[model._feature_list()])
    p1, p2 = verdicts
    assert p1["agent_top"].replace(RENAME).tolist() == p2["agent_top"].tolist()
    assert p1["pos"].tolist() == p2["pos"].tolist()
    pd.testing.assert_series_equal(p1["share"], p2["share"])


def test_talkers_only_never_names_an_agent_without_a_turn_of_its_own() -> None:
    steps = pd.DataFrame(
        {
            "run_id": ["r1", "r1", "r1", "r2", "r2"],
            "agent": ["Coder", "Runner", "Coder", "Runner", "human"],
            "kind": ["agent", "tool", "agent", "tool", "human"],
            "pos": [0, 1, 2, 0, 1],
            "score": [0.3, 0.9, 0.2, 0.4, 0.1],
        }
    )
    plain = rank_agents(steps)
    assert plain.loc[plain["rank"] == 1, "agent"].tolist() == ["Runner", "Runner"]
    talk = rank_agents(steps, talkers_only=True)
    # r1: the executor is no candidate; r2 has no agent that talks, so nothing is dropped.
    assert talk[talk["run_id"] == "r1"][["agent", "rank"]].values.tolist() == [["Coder", 1]]
    assert talk[talk["run_id"] == "r2"]["agent"].tolist() == ["Runner", "human"]
    assert np.isclose(talk.loc[talk["run_id"] == "r1", "share"].iat[0], 1.0)


def test_run_weight_weighs_moves_by_their_run_length_and_is_kept_in_the_file(tmp_path) -> None:
    runs = pd.Series(["a"] * 3 + ["b"] * 9)
    y = np.zeros(12, dtype=bool)
    y[[0, 3]] = True
    w = run_weights(runs, y, 1.0)
    assert np.isclose(w.mean(), 1.0) and w[0] == w[3]
    assert np.isclose(w[1] * 3, w[4] * 9) and w[1] > w[4]  # a move weighs 1 / its run's length
    assert np.allclose(run_weights(runs, y, 0.0)[~y], run_weights(runs, y, 0.0)[~y][0])

    write_runs(tmp_path, "alpha", 8, seed=21)
    ws = wb.open()
    ws.ingest(str(tmp_path / "*" / "*.json"), progress=False)
    X, labels = BlameModel(features="portable", detect=False).frame(ws), culprit_labels(ws)
    kw = {"features": "portable", "detect": False, "calibration_cv": None}
    base = BlameModel(**kw).fit_frame(X, labels)
    assert np.array_equal(
        BlameModel(**kw, run_weight=0.0).fit_frame(X, labels).step_model_.coef, base.step_model_.coef
    )
    weighted = BlameModel(**kw, run_weight=0.5, talkers_only=True).fit_frame(X, labels)
    assert not np.allclose(weighted.step_model_.coef, base.step_model_.coef)
    back = BlameModel.load(weighted.save(tmp_path / "m.json"))
    assert back.run_weight == 0.5 and back.talkers_only is True
    pd.testing.assert_frame_equal(back.rank_frame(X)[1], weighted.rank_frame(X)[1])
    with pytest.raises(ValueError, match="'run_weight' must be a float >= 0"):
        BlameModel(run_weight=-1.0).fit_frame(X, labels)
    with pytest.raises(ValueError, match="'talkers_only' must be True or False"):
        BlameModel(talkers_only="yes").fit_frame(X, labels)

"""A system whose code executor has a name the Who&When adapter does not know reads the same.

The runs are the tests' own two-system fixture; renaming only the executors (``Computer_terminal`` ->
``code_runner``, ``ComputerTerminal`` -> ``Sandbox``) must change no step kind, no portable feature and
no verdict: the executor is known by its output's shape, not its name.
"""

from __future__ import annotations

import pandas as pd
from _whowhen_fixture import SYSTEMS, write_runs

import workbench as wb
from workbench.attribution._blame_model import BlameModel
from workbench.attribution._heuristics import culprit_labels

RENAME = {"Computer_terminal": "code_runner", "ComputerTerminal": "Sandbox"}


def test_renamed_executors_give_the_same_features_and_verdicts(tmp_path) -> None:
    assert {t for _, t in SYSTEMS.values()} == set(RENAME)
    write_runs(tmp_path / "orig", "alpha", 6, seed=11)
    write_runs(tmp_path / "orig", "beta", 5, seed=12)
    for p in (tmp_path / "orig").glob("*/*.json"):
        doc = p.read_text()
        for old, new in RENAME.items():
            doc = doc.replace(f'"{old}"', f'"{new}"')   # the speaker only; no text names it
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
        m = BlameModel(features="portable", detect=False, calibration_cv=None).fit_frame(X, culprit_labels(ws))
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

"""Notebook 01's SHAP chart named features by the model's columns (``det_value``, ``first_numbers``): an SRE reads
words. One table (``wb.attribution.FEATURE_LABELS``) gives each feature its label, and the views that name a
feature take it from there: ``BlameModel.explain`` and ``feature_availability`` carry a ``label`` column, and
notebook 01's chart draws it."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb
from workbench.attribution import FEATURE_LABELS, feature_availability, feature_label
from workbench.attribution._blame_model import ALL_FEATURES

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "01_investigate_incident.ipynb"


def test_every_feature_has_short_distinct_words() -> None:
    assert set(ALL_FEATURES) <= set(FEATURE_LABELS), sorted(set(ALL_FEATURES) - set(FEATURE_LABELS))
    labels = list(FEATURE_LABELS.values())
    assert len(set(labels)) == len(labels)  # no two features read alike
    assert all(len(t) <= 40 and "_" not in t for t in labels), [t for t in labels if len(t) > 40 or "_" in t]
    assert feature_label("det_value") == "silent-failure finding on the move"
    assert feature_label("not_a_feature") == "not_a_feature"


def _store() -> wb.Workspace:
    records: list[dict] = []
    for r in range(3):
        run = f"r{r}"
        records.append({"record": "run", "run_id": run, "system": "s", "outcome": "failure"})
        records += [
            {
                "run_id": run,
                "step_id": f"{run}-{i}",
                "agent": agent,
                "kind": kind,
                "name": kind,
                "output": f"the total is {40 + i + r}",
                "error": "boom" if i == 2 else None,
            }
            for i, (agent, kind) in enumerate(
                [("planner", "llm"), ("planner", "handoff"), ("coder", "tool"), ("coder", "llm")]
            )
        ]
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def test_explain_and_availability_carry_the_labels() -> None:
    ws = _store()
    model = wb.BlameModel.pretrained()
    why = model.explain(ws, "r0")
    assert (why["label"] == why["feature"].map(feature_label)).all()
    assert not why["label"].str.contains("_").any(), sorted(
        set(why.loc[why["label"].str.contains("_"), "label"])
    )
    avail = feature_availability(model.frame(ws, ["r0"]))
    assert (avail["label"] == avail["feature"].map(feature_label)).all() and len(avail)
    # a model that scores within-run contrasts (run_contrast) explains them, in words, and its SHAP still adds up
    for r in range(3):
        ws.label(f"r{r}", agent="coder", step_id=f"r{r}-3")
    contrast = wb.BlameModel(
        features=["n_numbers", "rel_pos"], run_contrast="standardise", calibration_cv=None, detect=False
    ).fit(ws)
    why = contrast.explain(ws, "r0")
    steps = why[why["level"] == "step"]
    assert set(steps["feature"]) == {"n_numbers@run_z", "rel_pos@run_z"}
    assert (steps["label"] == steps["feature"].map(feature_label)).all() and not steps["label"].str.contains(
        "_"
    ).any()
    sums = steps.groupby("step_id").agg(
        shap=("shap", "sum"), base=("base_value", "first"), out=("output", "first")
    )
    assert ((sums["base"] + sums["shap"] - sums["out"]).abs() < 1e-9).all()
    ws.close()


def test_notebook_01_draws_the_labels() -> None:
    cells = [
        "".join(c["source"]) for c in json.loads(NOTEBOOK.read_text())["cells"] if c["cell_type"] == "code"
    ]
    [shap_cell] = [c for c in cells if "model.explain(" in c]
    assert 'y=alt.Y("label:N"' in shap_cell, shap_cell

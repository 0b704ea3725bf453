"""No training system dominates the fit by its number of runs (issue 12, blame17).

Refitted on the simulator's fixed labels (blame16: a recovered fault names no culprit), v9's features lost
pooled leave-one-system-out accuracy (43.2 -> 41.3 %): the simulator's 215 runs set structure weights that
the real systems had to share. ``system_balance=True`` scales each system's rows to the same total weight;
the shipped model since v10 is fitted that way (bench/protocol_blame17.md, variant i4).
"""

from __future__ import annotations

import warnings
from importlib import resources

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.attribution._blame_model import BlameModel

# Two portable features standing for two systems' habits: the big system's culprit does one, the small
# system's culprit the other, and in the small system the big system's habit marks an innocent agent.
HABITS = ["hedge_words", "n_numbers"]


def _runs(
    system: str, n: int, culprit: tuple[float, float], decoy: tuple[float, float], tag: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, labels = [], []
    for i in range(n):
        run = f"{tag}{i}"
        for pos, (agent, (h0, h1)) in enumerate([("a", culprit), ("b", decoy), ("c", (0.0, 0.0))]):
            rows.append(
                {
                    "run_id": run,
                    "step_id": f"{run}-s{pos}",
                    "agent": agent,
                    "kind": "llm",
                    "pos": pos,
                    "system": system,
                    HABITS[0]: h0,
                    HABITS[1]: h1,
                }
            )
        labels.append({"run_id": run, "agent": "a", "step_id": f"{run}-s0"})
    return pd.DataFrame(rows), pd.DataFrame(labels)


def _training() -> tuple[pd.DataFrame, pd.DataFrame]:
    big_x, big_l = _runs("big", 100, (1.0, 0.0), (0.0, 0.0), "big")
    small_x, small_l = _runs("small", 4, (0.0, 1.0), (1.0, 0.0), "small")
    return pd.concat([big_x, small_x], ignore_index=True), pd.concat([big_l, small_l], ignore_index=True)


def _named(balance: bool) -> pd.DataFrame:
    X, labels = _training()
    model = BlameModel(features=HABITS, calibration_cv=None, system_balance=balance).fit_frame(X, labels)
    run, _ = _runs("small", 1, (0.0, 1.0), (1.0, 0.0), "new")
    return model.rank_frame(run)[1].set_index("agent")


def test_system_weights_give_every_system_the_same_total() -> None:
    from workbench.attribution._blame_params import system_weights

    system = pd.Series(["sim"] * 6 + ["real"] * 2 + [None])
    base = np.array([1.0, 0.5, 0.5, 1.0, 0.5, 0.5, 1.0, 0.25, 2.0])
    w = system_weights(system, base)
    totals = pd.Series(w).groupby(system.fillna("").to_numpy()).sum()
    assert np.allclose(totals, totals.iloc[0])  # sim, real and the unnamed: one share each
    assert np.isclose(w.mean(), 1.0)  # C keeps its meaning
    assert np.isclose(w[0] / w[1], 2.0) and np.isclose(w[6] / w[7], 4.0)  # run_weight kept within a system
    assert np.allclose(system_weights(pd.Series(["x", "x", "y"]), None), [0.75, 0.75, 1.5])


def test_a_small_system_is_not_outvoted_by_a_big_one() -> None:
    # Unbalanced, 100 runs of the big system teach its habit and the small system's own run is misread.
    assert _named(balance=False)["rank"].idxmin() == "b"
    balanced = _named(balance=True)
    assert balanced["rank"].idxmin() == "a"
    assert balanced.loc["a", "share"] - balanced.loc["b", "share"] > 0.2


def test_system_balance_is_checked() -> None:
    X, labels = _training()
    with pytest.raises(wb.InvalidParameterError, match="system_balance"):
        BlameModel(features=HABITS, system_balance="yes").fit_frame(X, labels)


def _quiet_load(fn):  # noqa: ANN001, ANN202
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the file loads without any warning
        return fn()


def test_the_shipped_model_is_balanced_and_fitted_on_the_fixed_labels() -> None:
    model = _quiet_load(BlameModel.pretrained)
    assert model.get_params()["system_balance"] is True
    assert "protocol_blame17" in model.provenance_["chosen_by"]
    assert "recovered" in model.provenance_["labels"] and "names no culprit" in model.provenance_["labels"]
    measured = model.provenance_["measured_before_refit"]
    pooled = [v for k, v in measured.items() if "POOLED" in k]
    assert len(pooled) == 1 and pooled[0]["runs"] == 813 and pooled[0]["agent"] >= 0.432


def test_v9_still_loads_unbalanced_and_predicts() -> None:
    ref = resources.files("workbench.attribution").joinpath("models", "blame_model_whowhen_v9.json")
    with resources.as_file(ref) as path:
        v9 = _quiet_load(lambda: BlameModel.load(path))
    assert v9.get_params()["system_balance"] is False  # a file without the parameter: off, as it was fitted
    ws = wb.open()
    ws.ingest(
        [
            {"record": "run", "run_id": "r", "outcome": "failure"},
            {
                "run_id": "r",
                "step_id": "s1",
                "kind": "llm",
                "agent": "planner",
                "output": "Plan: buy 3 items.",
            },
            {
                "run_id": "r",
                "step_id": "s2",
                "kind": "llm",
                "agent": "buyer",
                "output": "Bought 4 items at 9.99.",
            },
        ],
        progress=False,
    )
    pred = v9.predict(ws)
    assert len(pred) == 1 and pred["agent"].iat[0] in ("planner", "buyer")

"""blame49 look J (bench/protocol_blame49.md): H's recipe with the named "first move that does X" step features in
place of the position-only firsts and the value prior; span48's gates with J in H's place.

    python bench/attribution_blame49_steps.py FRAME_V11 FRAME_H STORES

FRAME_H is ``bench/attribution_span48.py frame``'s (``novelty="run"``); STORES holds TRAIL's ``{gaia,swe}.duckdb``.
The two new named firsts are computed here from the frame's own columns; they are not product features.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import attribution_span48 as s48  # noqa: E402
from attribution_blame44 import read_frame  # noqa: E402

from workbench.attribution import BlameModel, _blame_model  # noqa: E402

NEW = {
    "first_tool_use": "the run's first non-tool, non-human move whose next move is a tool call",
    "first_corrected": "the run's first non-tool, non-human move whose numbers a later move corrects",
}
OUT = ("first_of_agent", "first_model_turn")


def actors(X: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """The frame's moves in run order, which are an actor's (not tool, not human) and which a tool call follows."""
    order = X.sort_values(["run_id", "pos"], kind="stable")
    actor = (order["kind"] != "tool") & (order["kind"] != "human") & (order["is_tool"].fillna(0) == 0)
    return order, actor, order.groupby("run_id")["is_tool"].shift(-1).fillna(0) > 0


def named_firsts(X: pd.DataFrame) -> pd.DataFrame:
    """The frame with ``first_tool_use`` and ``first_corrected`` (1 on one move of a run at most, else 0)."""
    X = X.copy()
    order, actor, nxt_tool = actors(X)
    for name, cond in (
        ("first_tool_use", actor & nxt_tool),
        ("first_corrected", actor & (order["corrected_later"] > 0)),
    ):
        hit = order[cond].drop_duplicates("run_id").index
        X[name] = 0.0
        X.loc[hit, name] = 1.0
    return X


class JModel(BlameModel):
    """BlameModel whose frame carries the two named firsts (the harness's, not the product's)."""

    prepare = staticmethod(named_firsts)  # blame50's look L puts its own frame step here

    def frame(self, *args, **kwargs) -> pd.DataFrame:  # type: ignore[override]
        return self.prepare(super().frame(*args, **kwargs))


def main(model: type[JModel] = JModel) -> None:
    warnings.filterwarnings("ignore")
    for name, text in NEW.items():  # known to the feature check of this process only
        _blame_model.ALL_FEATURES[name] = ("portable", text)
    c0, t0 = time.process_time(), time.perf_counter()
    XV, labels = read_frame(Path(sys.argv[1]))
    XH, labels_h = read_frame(Path(sys.argv[2]))
    if not labels.equals(labels_h) or not XV[["run_id", "step_id"]].equals(XH[["run_id", "step_id"]]):
        raise SystemExit("the two frames do not hold the same runs, moves and labels")
    XJ = model.prepare(XH)
    feats = [f for f in BlameModel(features="portable")._feature_list() if f not in OUT] + list(NEW)
    j = {**s48.H, "features": feats, "value_prior": 0.0}
    s48.H = j  # span48's Who&When gate fits {**FAST, **H} per split: J in H's place
    print(
        f"J: {len(feats)} features; named firsts on runs: "
        + ", ".join(f"{n} {int(XJ.groupby('run_id')[n].max().sum())}" for n in NEW),
        file=sys.stderr,
    )
    pre = BlameModel.pretrained()
    h = model(**{**s48.FAST, **j}).fit_frame(XJ, labels)
    coef = pd.Series(h.step_model_.coef, index=h.feature_names_in_)
    watch = ["first_code", "first_numbers", *NEW, "position", "novel_word_frac", "max_sim_earlier"]
    print(
        "J step coefficients: " + ", ".join(f"{n} {coef[n]:+.2f}" for n in watch if n in coef),
        file=sys.stderr,
    )
    s48.trail(pre, h, Path(sys.argv[3]))
    s48.generated(pre, h)
    s48.whowhen(XV, XJ, labels)
    print(
        f"CPU {time.process_time() - c0:.1f} s, wall {time.perf_counter() - t0:.0f} s, "
        f"load {np.round(os.getloadavg(), 1)}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()

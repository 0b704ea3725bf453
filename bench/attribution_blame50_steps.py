"""blame50 look L (bench/protocol_blame50.md): look J with each named first weighted by how rare its act is in the
run; span48's gates with L in H's place (its printed rows "H" are L).

    python bench/attribution_blame50_steps.py FRAME_V11 FRAME_H STORES

As ``bench/attribution_blame49_steps.py`` (same frames and stores). The weights are computed here from the frame's
own columns; they are not product features.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import attribution_blame49_steps as j  # noqa: E402


def rare_firsts(X: pd.DataFrame) -> pd.DataFrame:
    """J's frame with each named first times 1 - the share of the run's actor moves doing its act: a first move
    is credited for doing first what few moves of the run do (every model call of a code agent writes code)."""
    X = j.named_firsts(X)
    order, actor, nxt_tool = j.actors(X)
    acts = {
        "first_code": order["has_code"].fillna(0) > 0,
        "first_numbers": order["novel_values"].fillna(0) > 0,
        "first_tool_use": nxt_tool,
        "first_corrected": order["corrected_later"].fillna(0) > 0,
    }
    n_actor = actor.groupby(order["run_id"]).sum().clip(lower=1)
    for name, act in acts.items():
        share = (actor & act).groupby(order["run_id"]).sum() / n_actor
        X[name] = X[name] * (1.0 - X["run_id"].map(share).fillna(0.0))
    return X


class LModel(j.JModel):
    """J's model whose frame carries the rarity-weighted named firsts."""

    prepare = staticmethod(rare_firsts)


if __name__ == "__main__":
    j.main(LModel)

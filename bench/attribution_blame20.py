"""blame20's declared variants (bench/protocol_blame20.md) scored on a saved feature frame.

Usage::

    python bench/attribution_blame20.py --frame FRAME --variant w1 [w2 ...]

FRAME is a frame of bench/attribution_blame14.py (``--save-frame``). The two agent-level features are computed
here from the frame's own columns (agent, kind, pos, final_origin), so no frame is rebuilt:

- ``agent_final``: the move's agent made the run's last agent move (kind not tool / retriever / human / system);
- ``agent_final_origin``: the move's agent has a move with ``final_origin`` > 0.

(w1) v10 + agent_final, (w2) v10 + agent_final_origin, (w3) both, (w4) both with ``agent_aggregation="sum"``;
``v10`` scores v10's parameters on the same frame. Figures are bench/attribution_blame14.py's.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import attribution_blame14 as b14  # noqa: E402
from attribution_logonly import PARAMS  # noqa: E402

from workbench.attribution._blame_model import ALL_FEATURES, PORTABLE_GROUPS  # noqa: E402

NEW = {
    "agent_final": "the move's agent made the run's last agent move (the final answer)",
    "agent_final_origin": "the move's agent first stated a number of the run's final moves",
}
_NOT_AGENT = ("tool", "retriever", "human", "system")


def agent_landmarks(X: pd.DataFrame) -> pd.DataFrame:
    """``agent_final`` and ``agent_final_origin`` of every move of X (run_id, agent, kind, pos, final_origin)."""
    X = X.sort_values(["run_id", "pos"], kind="stable")
    talk = X[~X["kind"].isin(_NOT_AGENT) & X["agent"].notna()]
    last = talk.groupby("run_id")["agent"].last()
    origin = X[(X["final_origin"].fillna(0) > 0) & X["agent"].notna()][["run_id", "agent"]].drop_duplicates()
    key = pd.MultiIndex.from_frame(X[["run_id", "agent"]])
    out = pd.DataFrame(index=X.index)
    out["agent_final"] = (X["agent"].notna() & (X["run_id"].map(last) == X["agent"])).astype(float)
    out["agent_final_origin"] = key.isin(pd.MultiIndex.from_frame(origin)).astype(float)
    return out


def v10_features() -> list[str]:
    return [
        f
        for f, (needs, _) in ALL_FEATURES.items()
        if (f in PORTABLE_GROUPS or needs in PORTABLE_GROUPS) and f not in NEW
    ]


def variant_params(variant: str) -> dict:
    base = {**PARAMS, "system_balance": True}
    feats = v10_features()
    add = {"v10": [], "w1": ["agent_final"], "w2": ["agent_final_origin"], "w3": list(NEW), "w4": list(NEW)}[
        variant
    ]
    out = {**base, "features": feats + add}
    if variant == "w4":
        out["agent_aggregation"] = "sum"
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frame", type=Path, required=True)
    ap.add_argument("--variant", nargs="+", choices=["v10", "w1", "w2", "w3", "w4"], required=True)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    for k, v in NEW.items():  # the bench's own features: the model keeps only names it knows
        ALL_FEATURES.setdefault(k, ("portable", v))
    X = pd.read_parquet(args.frame.with_suffix(".X.parquet"))
    labels = pd.read_parquet(args.frame.with_suffix(".labels.parquet"))
    X = X.join(agent_landmarks(X))
    for variant in args.variant:
        b14.FAST = {**variant_params(variant), "calibration_cv": None}
        print()
        b14.print_figures(X, labels, f"variant {variant}, frame {args.frame}")


if __name__ == "__main__":
    main()

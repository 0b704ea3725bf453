"""blame20's error analysis: where the true culprit stands in each run v10's agent verdict gets wrong.

Usage::

    python bench/attribution_blame20_errors.py --frame FRAME [--out DIR]

FRAME is a feature frame of bench/attribution_blame14.py (``--save-frame``). The runs are those of v10's two
Who&When figures: Algorithm-Generated 5-fold CV by run (the folds of bench/attribution_blame14.py) and trained on
Algorithm-Generated only, scored on Hand-Crafted. For every run it records, of the labelled culprit agent and of
the model's pick: the order in which it first spoke among the candidate agents, whether it made the run's last
talking move (the final answer), whether it made the move right before the first contradiction by another agent,
its talking moves, its rank and score under the model; and whether the culprit is the agent of the move before
the labelled step. Portable facts only (positions, turns, contradictions), no agent names. Prints the group counts
of the wrong runs and writes the per-run table (``errors.csv``) to ``--out``.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from attribution_logonly import AG, HC, PARAMS, markdown  # noqa: E402

from workbench.attribution._blame_model import BlameModel  # noqa: E402
from workbench.attribution._heuristics import _SILENT  # noqa: E402

V10 = {**PARAMS, "system_balance": True, "calibration_cv": None}


def ranked(
    X: pd.DataFrame, labels: pd.DataFrame, params: dict | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Out-of-sample ranked steps and agents of the CV and Alg-Gen -> HC runs, with a ``setting`` column."""
    params = params or V10
    sys_of = X.drop_duplicates("run_id").set_index("run_id")["system"]
    ag = sorted(sys_of.index[sys_of == AG])
    hc = sorted(sys_of.index[sys_of == HC])
    parts = [
        ("cv", [ag[i] for i in tr], [ag[i] for i in te])
        for tr, te in GroupKFold(n_splits=5).split(ag, groups=ag)
    ] + [("hc", ag, hc)]
    S, A = [], []
    for setting, train, test in parts:
        m = BlameModel(**params).fit_frame(X[X["run_id"].isin(train)], labels[labels["run_id"].isin(train)])
        steps, agents = m.rank_frame(X[X["run_id"].isin(test)])
        S.append(steps.assign(setting=setting))
        A.append(agents.assign(setting=setting))
    return pd.concat(S, ignore_index=True), pd.concat(A, ignore_index=True)


def run_facts(moves: pd.DataFrame) -> dict:
    """Portable landmarks of one run's moves (sorted by pos): who spoke first, last, before the first correction."""
    talk = moves[~moves["kind"].isin(_SILENT) & moves["agent"].notna()]
    order = list(dict.fromkeys(talk["agent"]))
    contra = moves.index[(moves["contra_next"].fillna(0) > 0).to_numpy()]
    return {
        "order": order,
        "last": talk["agent"].iloc[-1] if len(talk) else None,
        "before_correction": moves.loc[contra[0], "agent"] if len(contra) else None,
        "turns": talk.groupby("agent").size().to_dict(),
    }


def where(facts: dict, agent: str) -> dict:
    """The agent's landmarks in the run: order of first speech, final answer, before the first correction, turns."""
    o = facts["order"]
    return {
        "order": o.index(agent) + 1 if agent in o else np.nan,
        "final": agent == facts["last"],
        "before_corr": agent == facts["before_correction"],
        "turns": facts["turns"].get(agent, 0),
    }


def error_table(
    X: pd.DataFrame, labels: pd.DataFrame, steps: pd.DataFrame, agents: pd.DataFrame
) -> pd.DataFrame:
    rows = []
    first = labels[labels["first"]].drop_duplicates("run_id").set_index("run_id")
    for (setting, run), A in agents.groupby(["setting", "run_id"], sort=True):
        moves = X[X["run_id"] == run].sort_values("pos").reset_index(drop=True)
        facts = run_facts(moves)
        truth, step = first.loc[run, "agent"], first.loc[run, "step_id"]
        A = A.sort_values("rank")
        pick = A["agent"].iloc[0]
        score = A.set_index("agent")["score"]
        at = moves.index[moves["step_id"] == step]
        prev = moves.loc[at[0] - 1, "agent"] if len(at) and at[0] > 0 else None
        step_agent = moves.loc[at[0], "agent"] if len(at) else None
        n_cand = len(A)

        t, p = where(facts, truth), where(facts, pick)
        rows.append(
            {
                "setting": setting,
                "run_id": run,
                "right": pick == truth,
                "candidates": n_cand,
                "true_rank": int(A.loc[A["agent"] == truth, "rank"].iloc[0])
                if (A["agent"] == truth).any()
                else np.nan,
                "margin": float(score.iloc[0] - score.get(truth, np.nan)),
                **{f"true_{k}": v for k, v in t.items()},
                **{f"pick_{k}": v for k, v in p.items()},
                "true_is_pred_agent": truth == prev,
                "pick_is_pred_agent": pick == prev,
                "label_step_agent_differs": step_agent is not None and step_agent != truth,
                "step_rel": float(moves.loc[at[0], "pos"] / max(moves["pos"].max(), 1))
                if len(at)
                else np.nan,
                "n_moves": len(moves),
            }
        )
    return pd.DataFrame(rows)


def group_of(r: pd.Series) -> str:
    """The first landmark the true culprit holds that the model's pick does not (the error's group)."""
    if r["true_rank"] != r["true_rank"]:
        return "culprit not a candidate (silent / no move)"
    if r["true_order"] == 1 and r["pick_order"] != 1:
        return "culprit spoke first, pick later"
    if r["true_final"] and not r["pick_final"]:
        return "culprit gave the final answer, pick did not"
    if r["true_before_corr"] and not r["pick_before_corr"]:
        return "culprit right before the first correction, pick not"
    if r["pick_order"] == 1:
        return "pick spoke first, culprit later (not final)"
    if r["pick_final"]:
        return "pick gave the final answer, culprit earlier"
    return "other"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frame", type=Path, required=True)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    X = pd.read_parquet(args.frame.with_suffix(".X.parquet"))
    labels = pd.read_parquet(args.frame.with_suffix(".labels.parquet"))
    X = X[X["system"].isin([AG, HC])]
    labels = labels[labels["run_id"].isin(X["run_id"])]
    steps, agents = ranked(X, labels)
    T = error_table(X, labels, steps, agents)
    T["group"] = np.where(T["right"], "right", T.apply(group_of, axis=1))
    for setting, S in T.groupby("setting"):
        W = S[~S["right"]]
        print(f"\n## {setting}: {len(S)} runs, agent right {S['right'].mean():.1%}, wrong {len(W)}\n")
        print(markdown(W["group"].value_counts().rename_axis("group").reset_index()))
        facts = {
            k: int(W[k].sum())
            for k in (
                "true_final",
                "pick_final",
                "true_before_corr",
                "pick_before_corr",
                "true_is_pred_agent",
                "pick_is_pred_agent",
                "label_step_agent_differs",
            )
        }
        facts.update(
            {
                "true_order==1": int((W["true_order"] == 1).sum()),
                "pick_order==1": int((W["pick_order"] == 1).sum()),
                "true_rank==2": int((W["true_rank"] == 2).sum()),
                "2 candidates": int((W["candidates"] == 2).sum()),
                "median margin": float(W["margin"].median()),
                "median true turns / pick turns": f"{W['true_turns'].median()} / {W['pick_turns'].median()}",
            }
        )
        print(
            markdown(pd.DataFrame([facts]).T.reset_index().rename(columns={"index": "fact", 0: "wrong runs"}))
        )
        # the same landmarks over all runs: how often each holds for the culprit (a rule's hit rate)
        base = {k: f"{S[k].mean():.1%}" for k in ("true_final", "true_before_corr", "true_is_pred_agent")}
        base["true_order==1"] = f"{(S['true_order'] == 1).mean():.1%}"
        print("all runs, culprit holds:", base)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        T.to_csv(args.out / "errors.csv", index=False)


if __name__ == "__main__":
    main()

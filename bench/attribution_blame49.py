"""blame49 harness (issue 12): look I, a stage choosing the culprit among v11's candidate agents from portable
"brought the value in" evidence, with v11's agent score as a fixed offset. Protocol: bench/protocol_blame49.md.

Usage::

    python bench/attribution_blame49.py FRAME STORES
    python bench/attribution_blame49.py FRAME STORES SYSTEM1 SYSTEM2   # a dry run on two other systems

FRAME is ``bench/attribution_blame14.py --save-frame``'s (Who&When Algorithm-Generated and Hand-Crafted in it);
STORES holds TRAIL's ``{gaia,swe}.duckdb`` (``bench/attribution_trail46.py build``). Prints the six gates' figures
in the protocol's order, v11 beside I on every split, and the paired comparison.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import binomtest
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from attribution_blame31 import V11  # noqa: E402
from attribution_blame44 import read_frame  # noqa: E402
from attribution_blame47 import agent_rows, oof_rank, score, v11_rank  # noqa: E402
from attribution_blame47 import fit_stage as b47_fit_stage  # noqa: E402
from attribution_logonly import AG, HC, markdown  # noqa: E402
from attribution_trail46 import SPLITS, _kinds, _scorable  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.attribution._blame_model import BlameModel  # noqa: E402
from workbench.attribution._calibration import brier  # noqa: E402

C = 1.0
# the nine per-agent aggregates whose sign (culprit against v11's runner-up) agreed in both systems (the protocol's
# diagnosis): who brought a value in, not who planned, delegated or relayed it
AGG = {
    "agent_final_first": "max",
    "final_origin": "max",
    "novel_values": "mean",
    "n_numbers": "mean",
    "unconfirmed_values": "max",
    "questions": "max",
    "role_external": "max",
    "role_delegates": "max",
    "fabricate_words": "max",
}
COLS = list(AGG)


def look_rows(
    X: pd.DataFrame, steps: pd.DataFrame, agents: pd.DataFrame, keep: tuple[str, ...] = ("best",)
) -> pd.DataFrame:
    """One row per (run, candidate agent): v11's agent score ``best`` (the offset) and the nine aggregates;
    ``keep``: blame47's A2 columns kept beside them (blame50's look K keeps ``mass`` and ``near_share`` too)."""
    A = agent_rows(X, steps, agents, "A2")[["run_id", "agent", *keep]]
    moves = X[X["run_id"].isin(A["run_id"]) & X["agent"].notna()]
    agg = moves.groupby(["run_id", "agent"]).agg(**{c: (c, how) for c, how in AGG.items()}).reset_index()
    return A.merge(agg, on=["run_id", "agent"], how="left")


def fit_stage(rows: pd.DataFrame, labels: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Corrections to v11's agent score (offset, coefficient 1): blame47's addendum-B fit over the nine aggregates
    only; the coefficients, the features' training means and scales."""
    beta, mu, sd, _ = b47_fit_stage(rows, labels, C, offset=True, cols=COLS)
    return beta, mu, sd


def stage_pick(
    rows: pd.DataFrame, beta: np.ndarray, mu: np.ndarray, sd: np.ndarray
) -> tuple[pd.Series, pd.Series]:
    """Each run's chosen agent and the stage's softmax probability of it."""
    Z = np.nan_to_num((rows[COLS].astype(float).to_numpy() - mu) / sd)
    s = rows.assign(_s=Z @ beta + rows["best"].to_numpy(dtype=np.float64))
    s["_p"] = np.exp(s["_s"] - s.groupby("run_id")["_s"].transform("max"))
    s["_p"] /= s.groupby("run_id")["_p"].transform("sum")
    s = s.sort_values(["run_id", "_s", "best"], ascending=[True, False, False], kind="stable")
    top = s.drop_duplicates("run_id").set_index("run_id")
    return top["agent"], top["_p"]


def shipped_conf(
    X: pd.DataFrame, labels: pd.DataFrame, train: list[str], test: list[str]
) -> dict[str, tuple]:
    """v11 as shipped (calibration on): per scored run, (its pick, its confidence in it)."""
    m = BlameModel(**V11).fit_frame(X[X["run_id"].isin(train)], labels[labels["run_id"].isin(train)])
    _, a = m.rank_frame(X[X["run_id"].isin(test)])
    top = a[a["rank"] == 1].drop_duplicates("run_id").set_index("run_id")
    return {r: (top.at[r, "agent"], float(top.at[r, "confidence"])) for r in test if r in top.index}


def split_figures(X: pd.DataFrame, labels: pd.DataFrame, train: list[str], test: list[str]) -> dict:
    s_te, a_te = v11_rank(X, labels, train, test)
    s_tr, a_tr = oof_rank(X, labels, train)
    v11 = a_te[a_te["rank"] == 1].drop_duplicates("run_id").set_index("run_id")["agent"]
    beta, mu, sd = fit_stage(look_rows(X, s_tr, a_tr), labels[labels["run_id"].isin(train)])
    pick, prob = stage_pick(look_rows(X, s_te, a_te), beta, mu, sd)
    truth = labels.groupby("run_id")["agent"].apply(lambda s: set(s.dropna()))
    cal = shipped_conf(X, labels, train, test)
    return {
        "v11": score(labels, s_te, v11, test),
        "I": score(labels, s_te, pick, test),
        "beta": dict(zip(COLS, np.round(beta, 2), strict=True)),
        # (confidence, right) pairs for the Brier gate
        "brier_I": [(float(prob.get(r, 0.0)), pick.get(r) in truth.get(r, set())) for r in test],
        "brier_v11": [(cal[r][1], cal[r][0] in truth.get(r, set())) for r in test if r in cal],
    }


def trail_stores(stores: Path) -> Iterator[tuple[str, object, list[str], dict]]:
    """Each TRAIL split's store, its scorable traces and their annotated spans (the store closed after use)."""
    for n in SPLITS:
        ws = wb.open(str(stores / f"{n}.duckdb"), read_only=True)
        runs, _ = _scorable(ws)
        kinds = _kinds(ws)
        yield n, ws, runs, kinds[kinds["err"]].groupby("run_id")["step_id"].agg(set).to_dict()
        ws.close()


def best_steps(steps: pd.DataFrame) -> pd.Series:
    """Each (run, agent)'s best-ranked step."""
    return (
        steps.sort_values(["run_id", "rank"])
        .drop_duplicates(["run_id", "agent"])
        .set_index(["run_id", "agent"])["step_id"]
    )


def gated_runs(argv: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, list[str], list[str], bool]:
    """The frame, its labels, each run's system, the two Who&When systems' runs (or, with two system names after
    FRAME and STORES, those systems': a dry run off the gated data) and whether this is the gated run."""
    X, labels = read_frame(Path(argv[1]))
    sys_of = X.drop_duplicates("run_id").set_index("run_id")["system"]
    first, second = argv[3:5] if len(argv) > 4 else (AG, HC)
    ag, hc = sorted(sys_of.index[sys_of == first]), sorted(sys_of.index[sys_of == second])
    return X, labels, sys_of, ag, hc, (first, second) == (AG, HC)


def cv_merge(folds: list[dict], looks: tuple[str, ...], lists: tuple[str, ...]) -> dict:
    """The 5-fold CV's figures: agents and steps right summed, per-run hits joined, the ``lists`` concatenated."""
    cv = {
        k: (
            sum(f[k][0] for f in folds),
            sum(f[k][1] for f in folds),
            {r: h for f in folds for r, h in f[k][2].items()},
        )
        for k in looks
    }
    for k in lists:
        cv[k] = [x for f in folds for x in f[k]]
    return cv


def split_table(res: dict, n_of: dict, looks: tuple[str, ...]) -> str:
    rows = [
        {
            "split": name,
            "ranking": k,
            "agent right": f"{r[k][0]} ({r[k][0] / n_of[name]:.1%})",
            "step right": f"{r[k][1]} ({r[k][1] / n_of[name]:.1%})",
        }
        for name, r in res.items()
        for k in looks
    ]
    return markdown(pd.DataFrame(rows))


def brier_of(v: list) -> str:
    """Brier score of (confidence, right) pairs, their count and hit rate."""
    b = brier(np.array([p for p, _ in v]), np.array([h for _, h in v]))
    return f"{b:.4f} ({len(v)} verdicts, right {np.mean([h for _, h in v]):.3f})"


def paired(res: dict, look: str) -> None:
    """Gate 6: per split and pooled, the runs only ``look`` / only v11 gets right, exact McNemar p."""
    print(f"gate 6: paired against v11 (agent): runs only {look} gets right / only v11 gets right")
    gain = loss = 0
    for name, r in res.items():
        g = sum(h and not r["v11"][2][x] for x, h in r[look][2].items())
        lo = sum(r["v11"][2][x] and not h for x, h in r[look][2].items())
        p = binomtest(g, g + lo).pvalue if g + lo else 1.0
        print(f"  {name}: +{g} / -{lo}, net {g - lo:+d}, exact McNemar p = {p:.3f}")
        gain, loss = gain + g, loss + lo
    p = binomtest(gain, gain + loss).pvalue if gain + loss else 1.0
    print(f"  pooled: +{gain} / -{loss}, exact McNemar p = {p:.3f}")


def trail_gate(X: pd.DataFrame, labels: pd.DataFrame, who: list[str], stores: Path) -> list[dict]:
    """Gate 4: the stage fitted on the 184 Who&When runs applied to the pretrained v11's TRAIL rankings."""
    s_tr, a_tr = oof_rank(X, labels, who)
    beta, mu, sd = fit_stage(look_rows(X, s_tr, a_tr), labels[labels["run_id"].isin(who)])
    pre = BlameModel.pretrained()
    rows = []
    for n, ws, runs, truth in trail_stores(stores):
        F = pre.frame(ws)
        steps, agents = pre.rank_frame(F[F["run_id"].isin(runs)].reset_index(drop=True))
        p_top = steps.sort_values(["run_id", "rank"]).drop_duplicates("run_id").set_index("run_id")
        pick, _ = stage_pick(look_rows(F, steps, agents), beta, mu, sd)
        best = best_steps(steps)
        p1 = np.mean([p_top["step_id"].get(r) in truth[r] for r in runs])
        i1 = np.mean([best.get((r, pick.get(r, p_top["agent"].get(r)))) in truth[r] for r in runs])
        changed = sum(pick.get(r, p_top["agent"].get(r)) != p_top["agent"].get(r) for r in runs)
        rows.append(
            {
                "TRAIL": n,
                "traces": len(runs),
                "P top-1": f"{p1:.3f}",
                "I top-1": f"{i1:.3f}",
                "agent changed by I": changed,
            }
        )
    return rows


def main() -> None:
    warnings.filterwarnings("ignore")
    X, labels, _, ag, hc, _ = gated_runs(sys.argv)
    stores = Path(sys.argv[2])
    X, labels = X[X["run_id"].isin(ag + hc)], labels[labels["run_id"].isin(ag + hc)]
    c0, t0 = time.process_time(), time.perf_counter()
    ids = np.asarray(ag)
    folds = [
        split_figures(X, labels, list(ids[tr]), list(ids[te]))
        for tr, te in GroupKFold(n_splits=5).split(ids, groups=ids)
    ]
    cv = cv_merge(folds, ("v11", "I"), ("brier_I", "brier_v11"))
    cv["beta"] = [f["beta"] for f in folds]
    res = {
        "AG CV (126)": cv,
        "AG -> HC (58)": split_figures(X, labels, ag, hc),
        "HC -> AG (126)": split_figures(X, labels, hc, ag),
    }
    n_of = dict(zip(res, (len(ag), len(hc), len(ag)), strict=True))
    print("gates 1-3: agents and steps right per split")
    print(split_table(res, n_of, ("v11", "I")))
    for name, r in res.items():
        print(name, "I's coefficients:", r["beta"])
    print("gate 4: TRAIL")
    print(markdown(pd.DataFrame(trail_gate(X, labels, ag + hc, stores))))
    bi = [x for r in res.values() for x in r["brier_I"]]
    bv = [x for r in res.values() for x in r["brier_v11"]]
    print(f"gate 5: pooled Brier I {brier_of(bi)} vs v11 shipped {brier_of(bv)}")
    paired(res, "I")
    print(
        f"{time.process_time() - c0:.1f} CPU s, {time.perf_counter() - t0:.0f} s wall; "
        f"load {np.round(os.getloadavg(), 1)}"
    )


if __name__ == "__main__":
    main()

"""blame54 harness (issue 12): look O (v11 bagged over bootstrap resamples of its training runs) and look P (an
agent's share of the run against an even split among the run's agents), each beside v11 on the Who&When splits, and
the calibration of v11 as shipped on the same held-out runs. Protocol: bench/protocol_blame54.md.

Usage::

    python bench/attribution_blame54.py FRAME

FRAME is ``bench/attribution_blame14.py --save-frame``'s. Prints the gates' table (span48's Who&When splits and
scoring), O's bag diagnostics, the pooled McNemar figures, then v11's shipped calibration (blame51's code).
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import binomtest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import attribution_span48 as s48  # noqa: E402
from attribution_blame31 import V11  # noqa: E402
from attribution_blame44 import read_frame  # noqa: E402
from attribution_blame51 import calibration, shipped_verdicts  # noqa: E402
from attribution_logonly import markdown  # noqa: E402

from workbench.attribution._blame_model import BlameModel  # noqa: E402

BAGS = 25
LOOKS = ("O", "P")


class WithEvenShare(BlameModel):
    """Look P: v11's features and ``share_vs_even`` (a column the harness adds to the frame)."""

    def _feature_list(self) -> list[str]:
        return [*super()._feature_list(), "share_vs_even"]


class Fixed:
    """A scorer whose log-odds were computed already (rows in the order they will be ranked)."""

    def __init__(self, logit: np.ndarray) -> None:
        self.logit = logit

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        if len(X) != len(self.logit):
            raise ValueError(f"{len(X)} rows to rank, {len(self.logit)} log-odds")
        return self.logit


def with_even_share(X: pd.DataFrame) -> pd.DataFrame:
    return X.assign(share_vs_even=X["agent_share"] * X["n_agents"])


def resample(X: pd.DataFrame, labels: pd.DataFrame, train: list, rng: np.random.Generator) -> tuple:
    """A bootstrap resample of the training runs: a run drawn k times enters k times as runs ``<run>#0`` ..."""
    drawn = pd.Series(
        rng.choice(np.asarray(train, dtype=object), size=len(train), replace=True)
    ).value_counts()
    Xs, Ls = [], []
    Xg = X[X["run_id"].isin(drawn.index)].groupby("run_id", sort=False)
    Lg = labels[labels["run_id"].isin(drawn.index)].groupby("run_id", sort=False)
    lab = dict(list(Lg))
    for run, rows in Xg:
        for k in range(int(drawn[run])):
            Xs.append(rows.assign(run_id=f"{run}#{k}"))
            if run in lab:
                Ls.append(lab[run].assign(run_id=f"{run}#{k}"))
    return pd.concat(Xs, ignore_index=True), pd.concat(Ls, ignore_index=True)


def logits(m: BlameModel, Xt: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The fit's step and agent scorers' log-odds (without ``value_prior``'s offset) of each row of ``Xt``."""
    M = Xt[list(m.feature_names_in_)].to_numpy(dtype=np.float64)
    return m.step_model_.decision_function(M), m.agent_model_.decision_function(M)


def top(steps: pd.DataFrame, agents: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    s = steps[steps["rank"] == 1].drop_duplicates("run_id").set_index("run_id")["step_id"]
    a = agents[agents["rank"] == 1].drop_duplicates("run_id").set_index("run_id")["agent"]
    return s, a


def run(X: pd.DataFrame, labels: pd.DataFrame) -> None:
    plan, ls, la = s48.whowhen_plan(X, labels)
    XP = with_even_share(X)
    res: dict[str, dict[str, list]] = {}
    held: list[pd.DataFrame] = []
    bag_rows: list[dict] = []
    for i, (name, train, test) in enumerate(plan):
        c0 = time.process_time()
        key = "Alg-Gen 5-fold CV" if name.startswith("cv") else name
        r = res.setdefault(key, {"runs": []})
        r["runs"] += list(test)
        tr_labels = labels[labels["run_id"].isin(train)]
        Xt = X[X["run_id"].isin(test)].reset_index(drop=True)
        v11 = BlameModel(**s48.FAST).fit_frame(X[X["run_id"].isin(train)], tr_labels)
        tops = {"v11": top(*v11.rank_frame(Xt))}
        p = WithEvenShare(**s48.FAST).fit_frame(XP[XP["run_id"].isin(train)], tr_labels)
        tops["P"] = top(*p.rank_frame(with_even_share(Xt)))
        rng = np.random.default_rng([54, i])
        step_sum, agent_sum, bag_picks = np.zeros(len(Xt)), np.zeros(len(Xt)), []
        for _ in range(BAGS):
            Xb, Lb = resample(X, labels, train, rng)
            mb = BlameModel(**s48.FAST).fit_frame(Xb, Lb)
            st, ag = logits(mb, Xt)
            step_sum += st
            agent_sum += ag
            bag_picks.append(top(*v11._rank_both(Xt, Fixed(st), Fixed(ag))[:2])[1])
        steps, agents, _ = v11._rank_both(Xt, Fixed(step_sum / BAGS), Fixed(agent_sum / BAGS))
        tops["O"] = top(steps, agents)
        for look, (s, a) in tops.items():
            r.setdefault(f"{look} steps", []).extend(s.get(t) in ls.get(t, set()) for t in test)
            r.setdefault(f"{look} agents", []).extend(a.get(t) in la.get(t, set()) for t in test)
        for t in test:
            named = [bp.get(t) for bp in bag_picks]
            pick = tops["v11"][1].get(t)
            bag_rows.append(
                {
                    "split": key,
                    "agree_v11": sum(n == pick for n in named) / BAGS,
                    "unanimous": len(set(named)) == 1,
                    "O changes": tops["O"][1].get(t) != pick,
                    "O right": tops["O"][1].get(t) in la.get(t, set()),
                    "v11 right": pick in la.get(t, set()),
                }
            )
        # the calibration: v11 as shipped (calibration on, every verdict default)
        m = BlameModel(**V11).fit_frame(X[X["run_id"].isin(train)], tr_labels)
        v = (
            shipped_verdicts(m, Xt)
            .set_index("run_id")
            .reindex(list(test))
            .rename_axis("run_id")
            .reset_index()
        )
        v["hit"] = [a in la.get(t, set()) for t, a in zip(v["run_id"], v["agent"], strict=True)]
        held.append(v.assign(split=key))
        print(
            f"  {name}: {len(train)} -> {len(test)} runs, {time.process_time() - c0:.0f} CPU s; "
            f"load {np.round(os.getloadavg(), 1)}",
            flush=True,
        )
    report(res, pd.DataFrame(bag_rows))
    calibration(pd.concat(held, ignore_index=True))


def report(res: dict, bags: pd.DataFrame) -> None:
    rows, pooled = [], {look: [0, 0] for look in LOOKS}
    for key, r in res.items():
        d: dict = {"split": key, "runs": len(r["runs"])}
        for look in ("v11", *LOOKS):
            d[f"{look} agents / steps"] = f"{int(sum(r[f'{look} agents']))} / {int(sum(r[f'{look} steps']))}"
        for look in LOOKS:
            only = sum(x and not v for x, v in zip(r[f"{look} agents"], r["v11 agents"], strict=True))
            lost = sum(v and not x for x, v in zip(r[f"{look} agents"], r["v11 agents"], strict=True))
            pooled[look][0] += only
            pooled[look][1] += lost
            d[f"agents only {look} / only v11"] = f"{only} / {lost}"
        rows.append(d)
    print("## Who&When, fitted per split (calibration off)\n" + markdown(pd.DataFrame(rows)))
    for look in LOOKS:
        gate1 = all(sum(r[f"{look} agents"]) > sum(r["v11 agents"]) for r in res.values())
        gate2 = all(
            sum(r[f"{look} steps"]) >= sum(r["v11 steps"]) - 0.01 * len(r["runs"]) for r in res.values()
        )
        only, lost = pooled[look]
        p = binomtest(only, only + lost, 0.5).pvalue if only + lost else 1.0
        total = sum(sum(r[f"{look} agents"]) for r in res.values())
        print(
            f"look {look}: gate 1 (agents > v11 on every split) {gate1}; gate 2 (steps within 1 point) {gate2}; "
            f"pooled agents right {total} (v11 {sum(sum(r['v11 agents']) for r in res.values())}); "
            f"only {look} / only v11 {only} / {lost}, exact McNemar p = {p:.3f}"
        )
    split = bags.groupby("split", sort=False)
    print(
        "## look O's bags (per split): runs, runs whose 25 fits do not all name one agent, mean share of fits"
    )
    print("## naming v11's pick, O changes v11's pick (right after / right before)")
    for key, g in split:
        ch = g[g["O changes"]]
        print(
            f"  {key}: {len(g)} runs, split fits {int((~g['unanimous']).sum())}, agree with v11 "
            f"{g['agree_v11'].mean():.3f}, O changes {len(ch)} ({int(ch['O right'].sum())} / "
            f"{int(ch['v11 right'].sum())})"
        )


def main() -> None:
    warnings.filterwarnings("ignore")
    c0, t0 = time.process_time(), time.perf_counter()
    X, labels = read_frame(Path(sys.argv[1]))
    run(X, labels)
    print(
        f"{time.process_time() - c0:.1f} CPU s, {time.perf_counter() - t0:.0f} s wall; "
        f"load {np.round(os.getloadavg(), 1)}"
    )


if __name__ == "__main__":
    main()

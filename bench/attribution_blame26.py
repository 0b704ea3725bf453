"""blame26's declared variants (bench/protocol_blame26.md): a run-level (listwise) objective, and adapting the
position-role prior to the runs being scored.

Usage::

    python bench/attribution_blame26.py --frame FRAME --variant L1 L2 L3 L4

FRAME is a frame of bench/attribution_blame14.py (``--save-frame``).

- (L1) a linear move score fitted with a softmax over each run's moves (listwise step objective); v10's agent rule.
- (L2) L1's step term + an agent term: the culprit agent's share of the softmax mass over the candidates' moves
  (multiple-instance, agent-level listwise); an agent's score is its mass.
- (L3) L2 + EM prior adjustment (Saerens et al. 2002) of the share of culprits per position role (first speaker,
  final author, both, neither) on the scored runs of each system, without their labels.
- (L4) v10's scorer + L3's adjustment on its agent shares.

Figures: bench/attribution_pair24.py's (Alg-Gen 5-fold CV; Alg-Gen only -> Hand-Crafted; pooled leave-one-system-
out agent over the 7 real systems; Brier and reliability of the verdict's confidence on the first two).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from attribution_logonly import PARAMS, markdown  # noqa: E402
from attribution_pair24 import figures  # noqa: E402

from workbench.attribution._blame_model import BlameModel  # noqa: E402
from workbench.attribution._blame_params import system_weights  # noqa: E402
from workbench.attribution._evaluate import _metrics  # noqa: E402
from workbench.attribution._heuristics import _SILENT, finish_agents  # noqa: E402

V10 = {**PARAMS, "system_balance": True}
NOT_TALK = ("tool", "retriever", "human", "system")
ROLES = ("first", "final", "both", "neither")
C = 0.1  # v10's


# -- run structure ----------------------------------------------------------------------------------------------
def structure(X: pd.DataFrame) -> pd.DataFrame:
    """Moves sorted by run and position, with the run index ``g``, ``cand`` (a move of a candidate agent: named,
    and with a move of its own turn unless the run has none) and each candidate's position ``role``."""
    X = X.sort_values(["run_id", "pos"], kind="stable").reset_index(drop=True)
    named = X["agent"].notna()
    X["agent_key"] = X["agent"].where(named, "<none>")
    run_named = named.groupby(X["run_id"]).transform("any")
    keyed = named | ~run_named
    talks = ~X["kind"].isin(_SILENT)
    talker = (talks & keyed).groupby([X["run_id"], X["agent_key"]]).transform("any")
    run_talks = (talks & keyed).groupby(X["run_id"]).transform("any")
    X["cand"] = keyed & (talker | ~run_talks)
    X["g"] = pd.factorize(X["run_id"])[0]
    speak = X[~X["kind"].isin(NOT_TALK) & named]
    first = speak.groupby("run_id")["agent"].first()
    final = speak.groupby("run_id")["agent"].last()
    is_first = X["agent_key"] == X["run_id"].map(first)
    is_final = X["agent_key"] == X["run_id"].map(final)
    X["role"] = np.select([is_first & is_final, is_first, is_final], ["both", "first", "final"], "neither")
    return X


def targets(X: pd.DataFrame, labels: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(labelled step, labelled agent) per move, with v10's label handling."""
    lab = BlameModel._first_move_of_agent(X, labels)
    steps = set(zip(lab["run_id"], lab["step_id"].astype(object), strict=True))
    agents = set(zip(labels["run_id"], labels["agent"].astype(object), strict=True))
    pos = np.fromiter(((r, s) in steps for r, s in zip(X["run_id"], X["step_id"], strict=True)), bool, len(X))
    cul = np.fromiter(((r, a) in agents for r, a in zip(X["run_id"], X["agent"], strict=True)), bool, len(X))
    return pos, cul


# -- the listwise model -----------------------------------------------------------------------------------------
class Listwise:
    """Linear move score s = z·β + v10's value offset, fitted by a softmax over each run's moves."""

    def __init__(self, features: list[str], agent_term: bool) -> None:
        self.features, self.agent_term = features, agent_term

    def _z(self, X: pd.DataFrame) -> np.ndarray:
        M = X[self.names].to_numpy(dtype=np.float64)
        return (np.where(np.isnan(M), self.median, M) - self.mean) / self.scale

    @staticmethod
    def _offset(X: pd.DataFrame) -> np.ndarray:
        return V10["value_prior"] * X["first_numbers"].fillna(0.0).to_numpy(dtype=np.float64)

    def fit(self, X: pd.DataFrame, labels: pd.DataFrame) -> Listwise:
        X = structure(X)
        pos, cul = targets(X, labels)
        has = pd.Series(pos).groupby(X["g"].to_numpy()).transform("any").to_numpy()
        X, pos, cul = X[has].reset_index(drop=True), pos[has], cul[has]
        X["g"] = pd.factorize(X["run_id"])[0]
        self.names = [f for f in self.features if X[f].notna().any()]
        M = X[self.names].to_numpy(dtype=np.float64)
        with np.errstate(all="ignore"):
            self.median = np.nan_to_num(np.nanmedian(np.where(np.isnan(M).all(axis=0), 0.0, M), axis=0))
        Z = np.where(np.isnan(M), self.median, M)
        self.mean, sd = Z.mean(axis=0), Z.std(axis=0)
        self.scale = np.where(sd > 1e-12, sd, 1.0)
        Z = (Z - self.mean) / self.scale
        off = self._offset(X)
        g = X["g"].to_numpy()
        starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
        runs = X.drop_duplicates("g")
        w = (
            system_weights(runs["system"].reset_index(drop=True), None)
            if "system" in X
            else np.ones(len(runs))
        )
        w = w / w.sum() * len(X)
        cand = X["cand"].to_numpy()
        agent_ok = np.add.reduceat((cul & cand).astype(float), starts) > 0

        def f(beta: np.ndarray) -> tuple[float, np.ndarray]:
            s = Z @ beta + off
            s = s - np.maximum.reduceat(s, starts)[g]
            e = np.exp(s)
            d_all = np.add.reduceat(e, starts)
            d_pos = np.add.reduceat(e * pos, starts)
            loss = w * (np.log(d_all) - np.log(d_pos))
            gs = e / d_all[g] - pos * e / d_pos[g]
            if self.agent_term:
                d_cand = np.add.reduceat(e * cand, starts)
                d_cul = np.add.reduceat(e * (cul & cand), starts)
                ok = agent_ok
                loss = loss + np.where(
                    ok, w * (np.log(np.where(ok, d_cand, 1.0)) - np.log(np.where(ok, d_cul, 1.0))), 0
                )
                ga = cand * e / np.where(ok, d_cand, 1.0)[g] - (cul & cand) * e / np.where(ok, d_cul, 1.0)[g]
                gs = gs + np.where(ok[g], ga, 0.0)
            grad_s = C * w[g] * gs
            return C * loss.sum() + 0.5 * beta @ beta, Z.T @ grad_s + beta

        res = minimize(f, np.zeros(Z.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 2000})
        self.beta, self.converged = res.x, bool(res.success)
        return self

    def rank(self, X: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Steps (logit, score, rank) and candidate agents (score, share, rank, confidence = softmax mass)."""
        X = structure(X)
        s = self._z(X) @ self.beta + self._offset(X)
        steps = X[["run_id", "step_id", "agent", "kind", "pos", "g", "cand", "role", "agent_key"]].copy()
        steps["logit"] = s
        steps["score"] = s
        e = np.exp(s - steps.groupby("run_id")["logit"].transform("max").to_numpy())
        steps["mass"] = e
        C_ = steps[steps["cand"]]
        agg = (
            C_.groupby(["run_id", "agent_key"], sort=False)
            .agg(
                best=("logit", "max"), mass=("mass", "sum"), first_pos=("pos", "min"), role=("role", "first")
            )
            .reset_index()
        )
        agg["mass"] = agg["mass"] / agg.groupby("run_id")["mass"].transform("sum")
        return steps, agg.rename(columns={"agent_key": "agent"})


def agents_by(agg: pd.DataFrame, col: str, conf: str) -> pd.DataFrame:
    A = finish_agents(agg.assign(score=agg[col])[["run_id", "agent", "score", "first_pos"]])
    return A.merge(
        agg[["run_id", "agent", conf]].rename(columns={conf: "confidence"}), on=["run_id", "agent"]
    )


def steps_of(steps: pd.DataFrame, agents: pd.DataFrame) -> pd.DataFrame:
    """Step ranks with the named agent's best move first (a coherent verdict); the rest by score."""
    top = agents.loc[agents["rank"] == 1, ["run_id", "agent"]]
    mine = steps.merge(
        top, left_on=["run_id", "agent_key"], right_on=["run_id", "agent"], suffixes=("", "_t")
    )
    best = mine.sort_values(["run_id", "logit", "pos"], ascending=[True, False, True]).drop_duplicates(
        "run_id"
    )
    key = steps["logit"].astype(float).copy()
    chosen = set(zip(best["run_id"], best["step_id"], strict=True))
    flag = np.fromiter(
        ((r, s) in chosen for r, s in zip(steps["run_id"], steps["step_id"], strict=True)), bool, len(steps)
    )
    key[flag] = np.inf
    out = steps.assign(_k=key).sort_values(
        ["run_id", "_k", "pos"], ascending=[True, False, True], kind="stable"
    )
    out["rank"] = out.groupby("run_id", sort=False).cumcount() + 1
    return out.drop(columns="_k")


# -- prior adjustment by position role --------------------------------------------------------------------------
def source_prior(X: pd.DataFrame, labels: pd.DataFrame) -> dict[str, float]:
    """Share of training runs whose culprit (``first`` label rows) has each position role."""
    S = structure(X)
    roles = S[S["cand"]].drop_duplicates(["run_id", "agent_key"]).set_index(["run_id", "agent_key"])["role"]
    lab = labels[labels["first"]].drop_duplicates("run_id")
    r = roles.reindex(pd.MultiIndex.from_arrays([lab["run_id"], lab["agent"].astype(object)])).dropna()
    share = r.value_counts(normalize=True)
    return {c: max(float(share.get(c, 0.0)), 1e-3) for c in ROLES}


def adjust(
    agg: pd.DataFrame, p_col: str, pi_s: dict[str, float], system: pd.Series
) -> tuple[pd.Series, dict]:
    """EM prior adjustment (Saerens, Latinne & Decaestecker 2002) with the position role as the class,
    per system of the scored runs; returns p_t per agent row and the final priors per system."""
    p_s = agg[p_col] / agg.groupby("run_id")[p_col].transform("sum")
    ratio_s = agg["role"].map(pi_s).to_numpy()
    out = pd.Series(np.nan, index=agg.index)
    priors = {}
    sys_of = agg["run_id"].map(system).fillna("")
    for s, idx in agg.groupby(sys_of).groups.items():
        A = agg.loc[idx]
        ps, rs = p_s.loc[idx].to_numpy(), ratio_s[agg.index.get_indexer(idx)]
        runs = A["run_id"].to_numpy()
        n_runs = A["run_id"].nunique()
        pi = dict(pi_s)
        for _ in range(200):
            q = ps * A["role"].map(pi).to_numpy() / rs
            q = q / pd.Series(q).groupby(runs).transform("sum").to_numpy()
            new = {c: float(q[A["role"].to_numpy() == c].sum() / n_runs) for c in ROLES}
            new = {c: max(v, 1e-3) for c, v in new.items()}
            moved = max(abs(new[c] - pi[c]) for c in ROLES)
            pi = new
            if moved < 1e-6:
                break
        q = ps * A["role"].map(pi).to_numpy() / rs
        out.loc[idx] = q / pd.Series(q).groupby(runs).transform("sum").to_numpy()
        priors[s] = {c: round(pi[c], 3) for c in ROLES}
    return out, priors


# -- variants ---------------------------------------------------------------------------------------------------
class Variant:
    def __init__(self, name: str, X: pd.DataFrame, labels: pd.DataFrame) -> None:
        self.name, self.X, self.labels = name, X, labels
        self.features = list(BlameModel(**V10)._feature_list())
        self.sys_of = X.drop_duplicates("run_id").set_index("run_id")["system"]
        self.notes: list[str] = []

    def score(self, train: list[str], test: list[str], calibrate: bool = False) -> tuple[dict, pd.DataFrame]:
        X, labels = self.X, self.labels
        Xtr, ltr = X[X["run_id"].isin(train)], labels[labels["run_id"].isin(train)]
        Xte = X[X["run_id"].isin(test)]
        if self.name in ("L1", "L2", "L3"):
            m = Listwise(self.features, agent_term=self.name != "L1").fit(Xtr, ltr)
            if not m.converged:
                self.notes.append("L-BFGS did not converge on one fit")
            steps, agg = m.rank(Xte)
            if self.name == "L1":
                agents = agents_by(agg, "best", "mass")
                steps = steps.sort_values(
                    ["run_id", "logit", "pos"], ascending=[True, False, True], kind="stable"
                )
                steps["rank"] = steps.groupby("run_id", sort=False).cumcount() + 1  # v10's step: the top move
            else:
                if self.name == "L3":
                    agg["adj"], pri = adjust(agg, "mass", source_prior(Xtr, ltr), self.sys_of)
                    self.notes.append(f"priors {pri}")
                    agents = agents_by(agg, "adj", "adj")
                else:
                    agents = agents_by(agg, "mass", "mass")
                steps = steps_of(steps, agents)
        else:  # L4: v10's scorer, its shares adjusted
            m = BlameModel(**{**V10, "calibration_cv": None}).fit_frame(Xtr, ltr)
            st, ag = m.rank_frame(Xte)
            S = structure(Xte)
            roles = S.drop_duplicates(["run_id", "agent_key"]).set_index(["run_id", "agent_key"])["role"]
            ag = ag.assign(first_pos=ag["run_id"].map(st.groupby("run_id")["pos"].min()))
            first_pos = (
                st.assign(agent_key=st["agent"].fillna("<none>"))
                .groupby(["run_id", "agent_key"])["pos"]
                .min()
            )
            key = pd.MultiIndex.from_arrays([ag["run_id"], ag["agent"]])
            ag["first_pos"] = first_pos.reindex(key).to_numpy()
            ag["role"] = roles.reindex(key).fillna("neither").to_numpy()
            ag["p"] = ag["score"].clip(lower=1e-12)
            ag["adj"], pri = adjust(ag, "p", source_prior(Xtr, ltr), self.sys_of)
            self.notes.append(f"priors {pri}")
            agents = agents_by(ag, "adj", "adj")
            steps = steps_of(st.assign(agent_key=st["agent"].fillna("<none>")), agents)
        verdict = None
        if calibrate:
            top = agents[agents["rank"] == 1].set_index("run_id")
            culprit = set(zip(labels["run_id"], labels["agent"].astype(object), strict=True))
            verdict = pd.DataFrame(
                {
                    "confidence": top["confidence"].to_numpy(dtype=float),
                    "hit": [(r, a) in culprit for r, a in zip(top.index, top["agent"], strict=True)],
                },
                index=top.index,
            )
        return _metrics(labels[labels["run_id"].isin(test)], steps, agents, 3, 2), verdict


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frame", type=Path, required=True)
    ap.add_argument("--variant", nargs="+", choices=["L1", "L2", "L3", "L4"], required=True)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    X = pd.read_parquet(args.frame.with_suffix(".X.parquet"))
    labels = pd.read_parquet(args.frame.with_suffix(".labels.parquet"))
    for name in args.variant:
        c0, t0 = time.process_time(), time.perf_counter()
        var = Variant(name, X, labels)
        rows = figures(var)
        print(
            f"\nvariant {name}, frame {args.frame}, {X['run_id'].nunique()} runs; {time.process_time() - c0:.0f} "
            f"CPU s, {time.perf_counter() - t0:.0f} s wall; load average {np.round(os.getloadavg(), 1)}\n"
        )
        print(markdown(pd.DataFrame(rows)), flush=True)
        for n in var.notes:
            print("  note:", n)


if __name__ == "__main__":
    main()

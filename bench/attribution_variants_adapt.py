"""Three more log-only transfer ideas, measured like ``attribution_variants.py`` (never Hand-Crafted).

Usage::

    python bench/attribution_variants_adapt.py [--cache DIR] [--variants v5,em-name,...]

Same data and columns as ``bench/attribution_variants.py`` (Alg-Gen 5-fold CV, the mean of three
shuffled splits, Alg-Gen -> two simulator samples, simulator -> Alg-Gen; agent / step top-1). None of
these variants is in the package. The target-prior EM, text roles and clipping lost on the selection
data; ``iw`` won there and lost on Hand-Crafted, the one real held-out system
(``bench/attribution_shift_look.py``: Alg-Gen -> Hand-Crafted 41.4 / 6.9 % against v5's 51.7 / 12.1 %).

- ``em-name`` / ``em-order``: **unsupervised adaptation to the scored system** by label-shift EM
  (Saerens, Latinne and Decaestecker, Neural Computation 2002). The runs scored together are
  grouped by system; each run's candidate agents (those with a turn of their own) get a softmax
  posterior over their scores (their best move's log-odds); each agent *name* (``em-name``), or
  each place in the order in which a run's agents first act (``em-order``), gets the log-offset
  ``log((S + 1) / (U + 1))`` -- ``S`` the posteriors' sum, ``U`` the culprit count an even prior
  would give (the sum over runs of 1 / candidates) -- and the posteriors are recomputed until they
  settle. The offset is added to every move of the agent, so steps and agents can change. In CV
  the target is the test fold; across systems, all the target system's runs. No label is read.
- ``neutral-order``: the reverse: offsets that make the scorer's expected culprit count of each
  order place equal to an even prior's, i.e. remove whatever lean toward the first (or last) agent
  the source system taught it.
- ``agent-roles`` / ``value-source``: **roles inferred from text**, per agent and relative to the
  run: the share of the final answer's numbers its moves stated first (``value-source`` alone), the
  share of its moves with code, with verification words, whether it states the final answer (the
  last agent move of more than 20 characters), whether it is the agent of the last move before the
  final two that states a number the task does not.
- ``clip``: every feature clipped, before scoring, to the range it had in the training runs (a
  linear scorer then cannot extrapolate beyond what it saw, e.g. to runs five times as long).
- ``iw``: **importance weighting for covariate shift** toward the target's unlabelled runs. A
  logistic domain classifier (L2, C = 0.1 as the scorer; moves standardised over both sets; each
  set weighing half) tells training moves from the target's; each training move's fit weight is
  multiplied by its odds of being a target move, normalised to mean 1 and capped at [1/10, 10],
  and the scorer is refitted. Only toward a system that is not a training system: within a system
  there is no shift to correct, and the classifier would fit noise (it cost 7 points of Alg-Gen CV
  when applied to the test folds). ``iw-cap5`` / ``iw-cap20`` / ``iw-C1`` / ``iw-C0.01``: the
  same with other caps or classifier strengths, to see that the effect does not hang on them.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import attribution_variants as av  # noqa: E402

from workbench.attribution import _blame_model  # noqa: E402
from workbench.attribution._blame_params import run_weights  # noqa: E402
from workbench.attribution._heuristics import rank_agents, rank_steps  # noqa: E402
from workbench.attribution._linear import LinearScorer  # noqa: E402

_SILENT = ("tool", "retriever", "human")


def _candidates(steps: pd.DataFrame, systems: pd.Series) -> pd.DataFrame:
    """One row per run's candidate agent (talkers, as ``talkers_only``): system, run, agent, score, order."""
    frame = pd.DataFrame(
        {
            "system": systems.to_numpy(dtype=object),
            "run": steps["run_id"].to_numpy(dtype=object),
            "agent": steps["agent"].fillna("<none>").to_numpy(dtype=object),
            "logit": steps["logit"].to_numpy(dtype=np.float64),
            "pos": steps["pos"].to_numpy(dtype=np.float64),
            "talks": ~steps["kind"].isin(_SILENT).to_numpy(),
        }
    )
    cand = (
        frame.groupby(["system", "run", "agent"], sort=False)
        .agg(score=("logit", "max"), talks=("talks", "any"), first=("pos", "min"))
        .reset_index()
    )
    cand = cand[cand["talks"] | ~cand.groupby("run")["talks"].transform("any")]
    return cand.assign(order=cand.groupby("run")["first"].rank(method="first").astype(int) - 1)


def _offsets(
    run: np.ndarray, key: np.ndarray, score: np.ndarray, neutral_target: bool, tau: float = 1.0
) -> np.ndarray:
    runs, r = np.unique(run, return_inverse=True)
    k = np.unique(key, return_inverse=True)[1]
    even = np.bincount(k, weights=1.0 / np.bincount(r).astype(np.float64)[r])
    off = np.zeros(len(even))
    for _ in range(300):
        z = score + off[k]
        w = np.exp(z - pd.Series(z).groupby(r).transform("max").to_numpy())
        p = w / np.bincount(r, weights=w, minlength=len(runs))[r]
        s = np.bincount(k, weights=p, minlength=len(even))
        # EM: offsets = log(estimated prior / even prior); neutral: move until the sums equal the even ones.
        new = off + np.log((even + tau) / (s + tau)) if neutral_target else np.log((s + tau) / (even + tau))
        new -= new.mean()
        done = np.abs(new - off).max() < 1e-7
        off = new
        if done:
            break
    return off[k]


def adapt(key: str, neutral: bool = False) -> Callable:
    def fit(X: pd.DataFrame, labels: pd.DataFrame, train: list[str], test: list[str]) -> av.Fitted:
        model = av._fit(X, labels, train, **av.V5)

        def score(F: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
            steps, _ = model.rank_frame(F)
            systems = steps["run_id"].map(F.drop_duplicates("run_id").set_index("run_id")["system"])
            cand = _candidates(steps, systems)
            off = pd.Series(0.0, index=pd.MultiIndex.from_frame(cand[["run", "agent"]]))
            for _, c in cand.groupby("system", sort=False):
                off.loc[pd.MultiIndex.from_frame(c[["run", "agent"]])] = _offsets(
                    c["run"].to_numpy(dtype=object),
                    c[key].to_numpy(),
                    c["score"].to_numpy(dtype=np.float64),
                    neutral,
                )
            rows = pd.MultiIndex.from_arrays([steps["run_id"], steps["agent"].fillna("<none>")])
            steps = steps.assign(logit=steps["logit"] + off.reindex(rows).fillna(0.0).to_numpy())
            steps["score"] = 1.0 / (1.0 + np.exp(-steps["logit"]))
            steps = rank_steps(steps.drop(columns="rank"))
            return steps, rank_agents(steps, talkers_only=True)

        return score

    return fit


ROLES = ["agent_value_source", "agent_code_share", "agent_verify_share", "agent_answers", "agent_last_value"]
_NUM = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")


def _nums(text: str) -> set[str]:
    return {
        v for v in (m.replace(",", "").rstrip(".") for m in _NUM.findall(text or "")) if v and v.strip("0.")
    }


def role_features(X: pd.DataFrame) -> pd.DataFrame:
    """:data:`ROLES` of every move (the value of its agent), from the moves' texts and portable features."""
    X = X.sort_values(["run_id", "pos"], kind="stable")
    out = {k: np.full(len(X), np.nan) for k in ROLES}
    run = X["run_id"].to_numpy(dtype=object)
    kind, agent = X["kind"].to_numpy(dtype=object), X["agent"].fillna("<none>").to_numpy(dtype=object)
    text, task = X["output"].fillna("").to_numpy(dtype=object), X["task"].fillna("").to_numpy(dtype=object)
    code, verify = X["has_code"].fillna(0).to_numpy(), X["verify_words"].fillna(0).to_numpy()
    origin = X["final_origin"].fillna(0).to_numpy()
    bounds = np.flatnonzero(np.r_[True, run[1:] != run[:-1], True])
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        talk = np.array([k not in (*_SILENT, "system") for k in kind[lo:hi]])
        idx = np.flatnonzero(talk)
        if not len(idx):
            continue
        ag, task_nums = agent[lo:hi], _nums(task[lo])
        stated = [_nums(t) - task_nums for t in text[lo:hi]]
        content = [i for i in idx if len(text[lo + i].strip()) > 20]
        answerer = ag[content[-1]] if content else ag[idx[-1]]
        valued = [i for i in idx[:-2] if stated[i]]
        last_value = ag[valued[-1]] if valued else None
        total = origin[lo:hi][talk].sum()
        for a in dict.fromkeys(ag[idx]):
            mine, rows = talk & (ag == a), np.flatnonzero(ag == a) + lo
            out["agent_value_source"][rows] = origin[lo:hi][mine].sum() / total if total else 0.0
            out["agent_code_share"][rows] = code[lo:hi][mine].mean()
            out["agent_verify_share"][rows] = (verify[lo:hi][mine] > 0).mean()
            out["agent_answers"][rows] = float(a == answerer)
            out["agent_last_value"][rows] = float(a == last_value)
    return X.assign(**{k: np.nan_to_num(v) for k, v in out.items()}).sort_index()


def with_roles(names: list[str]) -> Callable:
    def fit(X: pd.DataFrame, labels: pd.DataFrame, train: list[str], test: list[str]) -> av.Fitted:
        for name in ROLES:
            _blame_model.ALL_FEATURES.setdefault(name, ("experiment", name))
        model = av._fit(X, labels, train, features=av.PF + names, **av.V5)
        return lambda F: model.rank_frame(X.loc[F.index])

    return fit


class _Clipped(LinearScorer):
    lo: np.ndarray
    hi: np.ndarray

    def _z(self, X: np.ndarray) -> np.ndarray:
        return super()._z(np.clip(np.asarray(X, dtype=np.float64), self.lo, self.hi))


def clip() -> Callable:
    def fit(X: pd.DataFrame, labels: pd.DataFrame, train: list[str], test: list[str]) -> av.Fitted:
        model = av._fit(X, labels, train, **av.V5)
        sc = model.step_model_
        T = X.loc[X["run_id"].isin(train), list(model.feature_names_in_)].to_numpy(dtype=np.float64)
        c = _Clipped(sc.median, sc.mean, sc.scale, sc.coef, sc.intercept)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an all-missing column: no bound
            c.lo = np.nan_to_num(np.nanmin(T, axis=0), nan=-np.inf)
            c.hi = np.nan_to_num(np.nanmax(T, axis=0), nan=np.inf)
        model.step_model_ = c
        return model.rank_frame

    return fit


def shift_weights(source: np.ndarray, target: np.ndarray, C: float = 0.1, cap: float = 10.0) -> np.ndarray:
    """Importance weights of the source rows toward the target rows (mean 1, within [1/cap, cap])."""
    A = np.vstack([source, target])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        median = np.nan_to_num(np.nanmedian(A, axis=0))
    A = np.where(np.isnan(A), median, A)
    sd = A.std(axis=0)
    A = (A - A.mean(axis=0)) / np.where(sd > 1e-12, sd, 1.0)
    y = np.r_[np.zeros(len(source)), np.ones(len(target))]
    balance = np.where(y == 1, len(y) / (2 * len(target)), len(y) / (2 * len(source)))
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=C, max_iter=2000).fit(A, y, sample_weight=balance)
    odds = np.exp(clf.decision_function(A[: len(source)]))
    w = np.clip(odds / odds.mean(), 1.0 / cap, cap)
    return w / w.mean()


def iw(C: float = 0.1, cap: float = 10.0) -> Callable:
    def fit(X: pd.DataFrame, labels: pd.DataFrame, train: list[str], test: list[str]) -> av.Fitted:
        model = av._fit(X, labels, train, **av.V5)
        S, T = X[X["run_id"].isin(train)], X[X["run_id"].isin(test)]
        if set(T["system"]) <= set(S["system"]):
            return model.rank_frame  # the same system: no shift to correct
        names = list(model.feature_names_in_)
        S = S[S["run_id"].isin(model_runs(S, labels))]
        y = model._targets(S, labels)
        w = run_weights(S["run_id"], y, model.run_weight) * shift_weights(
            S[names].to_numpy(dtype=np.float64), T[names].to_numpy(dtype=np.float64), C, cap
        )
        model.step_model_ = LinearScorer.fit(S[names].to_numpy(dtype=np.float64), y, model.C, sample_weight=w)
        return model.rank_frame

    return fit


def model_runs(S: pd.DataFrame, labels: pd.DataFrame) -> list[str]:
    """The runs whose labelled step is one of their moves (the ones the scorer is fitted on)."""
    steps = set(zip(labels["run_id"], labels["step_id"].astype(object), strict=True))
    hit = [(r, s) in steps for r, s in zip(S["run_id"], S["step_id"], strict=True)]
    return S.loc[hit, "run_id"].unique().tolist()


VARIANTS: dict[str, Callable] = {
    "v5": av.plain(**av.V5),
    "em-name": adapt("agent"),
    "em-order": adapt("order"),
    "neutral-order": adapt("order", neutral=True),
    "agent-roles": with_roles(ROLES),
    "value-source": with_roles(["agent_value_source"]),
    "clip": clip(),
    "iw": iw(),
    "iw-cap5": iw(cap=5.0),
    "iw-cap20": iw(cap=20.0),
    "iw-C1": iw(C=1.0),
    "iw-C0.01": iw(C=0.01),
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated, of {list(VARIANTS)}")
    ap.add_argument("--cache", type=Path, default=None, help="folder of attribution_variants.py --cache")
    args = ap.parse_args()
    chosen = [v.strip() for v in args.variants.split(",") if v.strip()]
    if unknown := [v for v in chosen if v not in VARIANTS]:
        ap.error(f"unknown variant(s) {unknown}; known: {list(VARIANTS)}")
    warnings.simplefilter("ignore")
    start = time.perf_counter()
    if args.cache is not None and (args.cache / "moves.parquet").is_file():
        X, labels = (
            pd.read_parquet(args.cache / "moves.parquet"),
            pd.read_parquet(args.cache / "labels.parquet"),
        )
        g = {s: sorted(X.loc[X["system"] == s, "run_id"].unique()) for s in ("AG", "sim303", "sim404")}
    else:
        X, labels, g = av.load()
    X = role_features(X)  # per run, no labels: once for every fold
    print(
        f"data: {len(g['AG'])} Alg-Gen runs, {len(g['sim303'])} + {len(g['sim404'])} simulator runs; "
        f"Hand-Crafted not read; load average {os.getloadavg()}\n"
    )
    cols = ["AG cv", "AG cv x3", "AG->sim", "AG->sim2", "sim->AG"]
    print("| variant | " + " | ".join(f"{c} agent / step" for c in cols) + " | s |")
    print("|---|" + "---|" * (len(cols) + 1))
    for name in chosen:
        t = time.perf_counter()
        res = av.evaluate(VARIANTS[name], X, labels, g)
        cells = " | ".join(f"{res[c][0]:.1%} / {res[c][1]:.1%}" for c in cols)
        print(f"| {name} | {cells} | {time.perf_counter() - t:.0f} |", flush=True)
    print(f"\ntotal {time.perf_counter() - start:.0f} s; load average {os.getloadavg()}")


if __name__ == "__main__":
    main()

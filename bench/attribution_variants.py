"""Fast selection bench for log-only transfer variants, on the selection data only (never Hand-Crafted).

Usage::

    python bench/attribution_variants.py                    # every variant
    python bench/attribution_variants.py --variants v3,C=0.15

Protocol (issue 12): variants are chosen on Who&When Algorithm-Generated 5-fold CV and on the
Algorithm-Generated <-> simulator transfer; Hand-Crafted is kept for one go/no-go look before
shipping a model, so this script has no option to read it. Besides the bench's official folds
(``GroupKFold`` by run, as ``evaluate_attribution(cv=5, groups="run")``) it prints the mean of
three shuffled 5-fold splits and the transfer to a second simulator sample (another seed): a
variant whose gain does not survive these is fold or sample noise.

Each row: agent / step accuracy (exact, top-1) for
- ``AG cv``: Alg-Gen 5-fold CV, the official folds; ``AG cv x3``: mean of 3 shuffled splits;
- ``AG->sim``: fitted on all Alg-Gen, scored on ``procurement(seed=303)`` failed runs (the
  bench's simulator); ``AG->sim2``: on ``procurement(seed=404)``; ``sim->AG``: the reverse.

Variants (the uncalibrated ranking; calibration changes no ranking):

- ``v3``: the shipped configuration (portable features, linear, C = 0.1).
- ``C=...``: another L2 strength.
- ``system-z``: unsupervised domain adaptation -- every feature z-scored within its own system,
  the target's statistics taken from its unlabelled runs (what a user has on day one).
- ``system-robust``: the same with median / IQR, count-like features only.
- ``self-train``: pseudo-labels -- the top move of the target runs the source model is surest
  of (largest logit margin, half the runs) join the training set, refit once.
- ``lineage+names``: value lineage over numbers *and* capitalised names: who first stated a
  value of the final answer (two added features).
- ``heuristic-ensemble``: learned log-odds plus 0.5 on the run's first agent move stating a
  number the task does not (a fixed prior, not fitted).
- ``value_prior=0.5``: the same prior as ``BlameModel(value_prior=0.5)`` (the pretrained v4); it
  must match ``heuristic-ensemble``.
- ``no-order-prior``: without the features that say which agent spoke first (a system's prior
  on its first agent, 49 % culprit in Alg-Gen, 21 % in the simulator).
- ``v4+run_weight=...``: the non-culprit moves of a run weigh ``(mean moves / run's moves) ** w``
  in the fit, so long runs do not dominate it (``BlameModel(run_weight=w)``).
- ``v4+talkers_only``: an agent with no turn of its own (a code executor, a human) is never named
  culprit when its run has one that talks (``BlameModel(talkers_only=True)``).
- ``v5``: v4 with both (``run_weight=0.5, talkers_only=True``).
- ``v5+disputed`` / ``v5+drift`` / ``v5+claims``: v5 plus claims another agent disputes (its later
  moves with dispute language repeat the move's numbers; the first such move; pushback in the next
  agent move), drift away from the task's content words (the move's share of them; the drop after
  it), or all five (:func:`claims_features`; experiments, not in the package).
- ``v5-pairwise`` / ``v5-pairwise-mix``: the scorer's weights fitted on pairs (culprit step minus
  each other move of its run, each run weighing 1), or averaged with the pointwise weights.

``--calibration`` prints, instead, the Brier score of the calibrated agent confidence per setting
(Alg-Gen CV, Alg-Gen -> each simulator sample, simulator -> Alg-Gen) beside a constant at the
held-out hit rate, for v5 and v6 (v5 with ``shift_scale=0.1``: the confidence falls toward 0.5 on a
run unlike the training runs). ``--cache DIR`` keeps the loaded moves between invocations.
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
from sklearn.model_selection import GroupKFold, KFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from attribution_logonly import SAMPLES  # noqa: E402  (the same ../shared lookup as the full bench)

import workbench as wb  # noqa: E402
from workbench.attribution import _blame_model  # noqa: E402
from workbench.attribution._blame_model import BlameModel  # noqa: E402
from workbench.attribution._evaluate import _metrics  # noqa: E402
from workbench.attribution._heuristics import culprit_labels, rank_agents, rank_steps  # noqa: E402

PF = BlameModel(features="portable")._feature_list()
# A fitted model, and a function that scores a frame with it: (steps, agents) of rank_frame.
Fitted = Callable[[pd.DataFrame], tuple[pd.DataFrame, pd.DataFrame]]


def load() -> tuple[pd.DataFrame, pd.DataFrame, dict[str, list[str]]]:
    """Moves (portable features and texts) and labels of Alg-Gen and two simulator samples."""
    ws = wb.open()
    files = sorted((SAMPLES / "whowhen-algorithm-generated").glob("*.json"))
    if not files:
        sys.exit(f"no Algorithm-Generated runs under {SAMPLES}")
    ws.ingest([str(p) for p in files], format="whowhen", progress=False)
    ws.con.execute("UPDATE runs SET system = 'AG' WHERE system LIKE 'whowhen%'")
    for seed in (303, 404):
        ws.ingest(wb.sim.procurement(seed=seed, fault_rate=1.0).generate(300), progress=False)
        ws.con.execute("UPDATE runs SET system = ? WHERE system = 'procurement'", [f"sim{seed}"])
    labels = culprit_labels(ws)
    ids = sorted(labels["run_id"].unique())
    X = BlameModel(features="portable").frame(ws, ids)
    texts = ws.con.execute(
        "SELECT s.run_id, s.step_id, coalesce(s.output, '') AS output, r.task "
        "FROM steps s JOIN runs r USING (run_id)"
    ).df()
    X = X.merge(texts, on=["run_id", "step_id"], how="left")
    groups = {s: sorted(X.loc[X["system"] == s, "run_id"].unique()) for s in ("AG", "sim303", "sim404")}
    return X, labels, groups


def _fit(X: pd.DataFrame, labels: pd.DataFrame, train: list[str], **params) -> BlameModel:
    params = {"features": list(PF), "calibration_cv": None, **params}
    return BlameModel(**params).fit_frame(X[X["run_id"].isin(train)], labels[labels["run_id"].isin(train)])


def plain(**params) -> Callable:
    def fit(X: pd.DataFrame, labels: pd.DataFrame, train: list[str], test: list[str]) -> Fitted:
        return _fit(X, labels, train, **params).rank_frame

    return fit


def system_z(robust: bool) -> Callable:
    def fit(X: pd.DataFrame, labels: pd.DataFrame, train: list[str], test: list[str]) -> Fitted:
        # Flags (0/1) keep their meaning ("present") across systems: the robust form leaves them.
        cols = [f for f in PF if not set(X[f].dropna().unique()) <= {0.0, 1.0}] if robust else PF
        Z = X.copy()
        for _, idx in Z.groupby("system").groups.items():
            B = Z.loc[idx, cols]
            if robust:
                spread = B.quantile(0.75) - B.quantile(0.25)
                spread = spread.where(spread > 1e-12, B.std().where(B.std() > 1e-12, 1.0))
                Z.loc[idx, cols] = (B - B.median()) / spread
            else:
                sd = B.std()
                Z.loc[idx, cols] = (B - B.mean()) / sd.where(sd > 1e-12, 1.0)
        model = _fit(Z, labels, train)
        return lambda F: model.rank_frame(Z.loc[F.index])

    return fit


def self_train(frac: float = 0.5) -> Callable:
    def fit(X: pd.DataFrame, labels: pd.DataFrame, train: list[str], test: list[str]) -> Fitted:
        model = _fit(X, labels, train)
        steps, _ = model.rank_frame(X[X["run_id"].isin(test)])
        top = steps[steps["rank"] == 1].copy()
        second = steps[steps["rank"] == 2].set_index("run_id")["logit"]
        top["margin"] = top["logit"].to_numpy() - top["run_id"].map(second).fillna(-10.0).to_numpy()
        pseudo = top.nlargest(int(len(top) * frac), "margin")[["run_id", "agent", "step_id"]]
        both = pd.concat([labels[labels["run_id"].isin(train)][["run_id", "agent", "step_id"]], pseudo])
        return _fit(X, both, list(train) + pseudo["run_id"].tolist()).rank_frame

    return fit


_NUM = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")
_NAME = re.compile(r"\b[A-Z][a-zA-Z]{2,}(?:\s+[A-Z][a-zA-Z]{2,})*")


def _values(text: str) -> set[str]:
    nums = {m.replace(",", "").rstrip(".") for m in _NUM.findall(text)} - {""}
    return nums | {m.lower() for m in _NAME.findall(text)}


def lineage_names() -> Callable:
    def add(X: pd.DataFrame) -> pd.DataFrame:
        count, first = np.zeros(len(X)), np.zeros(len(X))
        X = X.sort_values(["run_id", "pos"], kind="stable")
        for _, g in X.groupby("run_id", sort=False):
            rows = [X.index.get_loc(i) for i in g.index]
            task = _values(g["task"].iloc[0] or "")
            kinds = g["kind"].tolist()
            vals = [_values(t) - task for t in g["output"].fillna("")]
            agent_moves = [
                i for i, k in enumerate(kinds) if k not in ("tool", "retriever", "human", "system")
            ]
            final = set().union(*(vals[i] for i in agent_moves[-2:])) if agent_moves else set()
            first_at: dict[str, int] = {}
            for i, v in enumerate(vals):
                for x in v:
                    first_at.setdefault(x, i)
            origins: dict[int, int] = {}
            for x in final:
                i = first_at[x]
                j = i - 1 if kinds[i] in ("tool", "retriever") and i > 0 else i
                origins[j] = origins.get(j, 0) + 1
            for j, c in origins.items():
                count[rows[j]] = c
            movers = sorted(j for j in origins if j in agent_moves[:-1])
            if movers:
                first[rows[movers[0]]] = 1.0
        return X.assign(lineage_names=count, lineage_names_first=first).sort_index()

    def fit(X: pd.DataFrame, labels: pd.DataFrame, train: list[str], test: list[str]) -> Fitted:
        for name in ("lineage_names", "lineage_names_first"):
            _blame_model.ALL_FEATURES.setdefault(name, ("experiment", name))
        Y = add(X)
        model = _fit(Y, labels, train, features=PF + ["lineage_names", "lineage_names_first"])
        return lambda F: model.rank_frame(Y.loc[F.index])

    return fit


def heuristic_ensemble(feature: str = "first_numbers", weight: float = 0.5) -> Callable:
    def fit(X: pd.DataFrame, labels: pd.DataFrame, train: list[str], test: list[str]) -> Fitted:
        model = _fit(X, labels, train)

        def score(F: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
            steps, _ = model.rank_frame(F)
            steps = steps.merge(F[["run_id", "step_id", feature]], on=["run_id", "step_id"])
            steps["logit"] += weight * steps.pop(feature).fillna(0.0)
            steps["score"] = 1.0 / (1.0 + np.exp(-steps["logit"]))
            steps = rank_steps(steps.drop(columns="rank"))
            return steps, rank_agents(steps)

        return score

    return fit


_DISPUTE = re.compile(
    r"(incorrect|not correct|wrong|mistake|discrepan|inaccura|error in|does ?n[o']t match|"
    r"should (be|have)|instead of|overlook|missed|misinterpret|misread|not accurate|"
    r"re-?evaluat|reconsider|contradict|inconsisten|not (quite )?right)"
)
_CONTENT = re.compile(r"[a-z][a-z0-9]{3,}")
_STOP = frozenset(
    "this that with from have what which when where there their they them were been will would "
    "could should into your about than then also only does each such these those some more most "
    "over under very just like make made many much other being following given using based".split()
)


def _nums(text: str) -> set[str]:
    return {v for v in (m.replace(",", "").rstrip(".") for m in _NUM.findall(text)) if v and v.strip("0.")}


def claims_features(X: pd.DataFrame) -> pd.DataFrame:
    """Disputes by another agent and drift away from the task's key words, per move (experiment).

    - ``disputed_later``: later moves (next 64) of *another* agent with dispute language that repeat
      one of this move's numbers (not the task's): a claim another agent contradicts.
    - ``disputed_first``: the earliest agent move with ``disputed_later`` > 0.
    - ``pushback_next``: the next agent move is another agent's and has dispute language.
    - ``task_cover``: share of the task's content words (4+ letters, not stop words) the move uses.
    - ``drift_after``: mean ``task_cover`` of the 3 agent moves up to this one minus that of the 3 after.
    """
    X = X.sort_values(["run_id", "pos"], kind="stable")
    out = {k: np.full(len(X), np.nan) for k in CLAIMS}
    run = X["run_id"].to_numpy(dtype=object)
    kind = X["kind"].to_numpy(dtype=object)
    agent = X["agent"].to_numpy(dtype=object)
    text = X["output"].fillna("").to_numpy(dtype=object)
    task = X["task"].fillna("").to_numpy(dtype=object)
    bounds = np.flatnonzero(np.r_[True, run[1:] != run[:-1], True])
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        n = hi - lo
        low = [t.lower() for t in text[lo:hi]]
        is_agent = np.array([k not in ("tool", "retriever", "human", "system") for k in kind[lo:hi]])
        ag = agent[lo:hi]
        tnums = _nums(task[lo])
        tw = {w for w in _CONTENT.findall(task[lo].lower()) if w not in _STOP}
        nums = [_nums(t) - tnums for t in text[lo:hi]]
        dispute = np.array([bool(_DISPUTE.search(t)) for t in low]) & is_agent
        f = {k: np.zeros(n) for k in CLAIMS}
        idx = np.flatnonzero(is_agent)
        for i in idx:
            if nums[i]:
                f["disputed_later"][i] = sum(
                    1
                    for j in range(i + 1, min(n, i + 65))
                    if dispute[j] and ag[j] != ag[i] and nums[i] & nums[j]
                )
        first = next((i for i in idx if f["disputed_later"][i] > 0), None)
        if first is not None:
            f["disputed_first"][first] = 1
        for a, b in zip(idx[:-1], idx[1:], strict=True):
            f["pushback_next"][a] = float(ag[b] != ag[a] and dispute[b])
        cover = np.array([len(set(_CONTENT.findall(t)) & tw) / len(tw) if tw else 0.0 for t in low])
        f["task_cover"] = cover
        c = cover[idx]
        for k, i in enumerate(idx):
            before, after = c[max(0, k - 2) : k + 1], c[k + 1 : k + 4]
            f["drift_after"][i] = before.mean() - (after.mean() if len(after) else before.mean())
        for k in CLAIMS:
            v = f[k]
            v[~is_agent] = np.nan if k in ("task_cover", "drift_after") else 0.0
            out[k][lo:hi] = v
    return X.assign(**out).sort_index()


CLAIMS = ["disputed_later", "disputed_first", "pushback_next", "task_cover", "drift_after"]
V5 = {"value_prior": 0.5, "run_weight": 0.5, "talkers_only": True}


def with_features(names: list[str], **params) -> Callable:
    def fit(X: pd.DataFrame, labels: pd.DataFrame, train: list[str], test: list[str]) -> Fitted:
        for name in CLAIMS:
            _blame_model.ALL_FEATURES.setdefault(name, ("experiment", name))
        Y = X if set(names) <= set(X.columns) else claims_features(X)
        model = _fit(Y, labels, train, features=PF + names, **{**V5, **params})
        return lambda F: model.rank_frame(Y.loc[F.index])

    return fit


def pairwise(mix: float = 1.0, **params) -> Callable:
    """Pairwise ranking: logistic on z(culprit step) - z(other move of its run), each run weighing 1.

    ``mix`` < 1 averages the pairwise weights with the pointwise scorer's (both standardised alike).
    """

    def fit(X: pd.DataFrame, labels: pd.DataFrame, train: list[str], test: list[str]) -> Fitted:
        from sklearn.linear_model import LogisticRegression

        model = _fit(X, labels, train, **{**V5, **params})
        sc = model.step_model_
        T = X[X["run_id"].isin(train)]
        Z = sc._z(T[list(model.feature_names_in_)].to_numpy(dtype=np.float64))
        y = BlameModel._targets(T, labels)
        run = T["run_id"].to_numpy(dtype=object)
        D, W = [], []
        for r in np.unique(run[y]):
            rows = np.flatnonzero(run == r)
            pos = rows[y[rows]]
            neg = rows[~y[rows]]
            if not len(neg):
                continue
            d = Z[pos[0]] - Z[neg]
            D.append(d)
            W.append(np.full(len(neg), 1.0 / len(neg)))
        D, W = np.vstack(D), np.concatenate(W)
        lr = LogisticRegression(C=model.C, fit_intercept=False, max_iter=5000).fit(
            np.vstack([D, -D]),
            np.r_[np.ones(len(D)), np.zeros(len(D))],
            sample_weight=np.r_[W, W] * len(W) / W.sum(),
        )
        coef = mix * lr.coef_[0] + (1 - mix) * sc.coef
        model.step_model_ = type(sc)(sc.median, sc.mean, sc.scale, coef, sc.intercept)
        return model.rank_frame

    return fit


ORDER = ["agent_order", "agent_order_rel", "agent_first_rel", "first_model_turn"]
VARIANTS: dict[str, Callable] = {
    "v3": plain(),
    "C=0.15": plain(C=0.15),
    "C=0.2": plain(C=0.2),
    "system-z": system_z(robust=False),
    "system-robust": system_z(robust=True),
    "self-train": self_train(),
    "lineage+names": lineage_names(),
    "heuristic-ensemble": heuristic_ensemble(),
    "value_prior=0.5": plain(value_prior=0.5),
    "no-order-prior": plain(features=[f for f in PF if f not in ORDER]),
    "v4+run_weight=0.5": plain(value_prior=0.5, run_weight=0.5),
    "v4+run_weight=1": plain(value_prior=0.5, run_weight=1.0),
    "v4+talkers_only": plain(value_prior=0.5, talkers_only=True),
    "v5": plain(value_prior=0.5, run_weight=0.5, talkers_only=True),
    "v5+disputed": with_features(["disputed_later", "disputed_first", "pushback_next"]),
    "v5+drift": with_features(["task_cover", "drift_after"]),
    "v5+claims": with_features(CLAIMS),
    "v5-pairwise": pairwise(),
    "v5-pairwise-mix": pairwise(mix=0.5),
}


def _acc(
    labels: pd.DataFrame, parts: list[tuple[pd.DataFrame, pd.DataFrame]], ids: list[str]
) -> tuple[float, float]:
    steps = pd.concat([p[0] for p in parts], ignore_index=True)
    agents = pd.concat([p[1] for p in parts], ignore_index=True)
    m = _metrics(labels[labels["run_id"].isin(ids)], steps, agents, 3, 2)
    return m["agent_acc"], m["step_acc"]


def evaluate(
    fit: Callable, X: pd.DataFrame, labels: pd.DataFrame, g: dict[str, list[str]]
) -> dict[str, tuple]:
    ag = np.array(g["AG"])

    def cv(splits) -> tuple[float, float]:
        parts = []
        for tr, te in splits:
            score = fit(X, labels, list(ag[tr]), list(ag[te]))
            parts.append(score(X[X["run_id"].isin(ag[te])]))
        return _acc(labels, parts, list(ag))

    out = {"AG cv": cv(GroupKFold(5).split(ag, groups=ag))}
    reps = [cv(KFold(5, shuffle=True, random_state=s).split(ag)) for s in (1, 2, 3)]
    out["AG cv x3"] = tuple(np.mean(reps, axis=0))
    for name, sim in (("AG->sim", g["sim303"]), ("AG->sim2", g["sim404"])):
        out[name] = _acc(labels, [fit(X, labels, list(ag), sim)(X[X["run_id"].isin(sim)])], sim)
    out["sim->AG"] = _acc(labels, [fit(X, labels, g["sim303"], list(ag))(X[X["run_id"].isin(ag)])], list(ag))
    return out


CALIBRATIONS = {"v5": dict(V5), "v6": {**V5, "shift_scale": 0.1}}


def calibration(
    params: dict, X: pd.DataFrame, labels: pd.DataFrame, g: dict[str, list[str]]
) -> dict[str, tuple]:
    """Brier of the calibrated agent confidence, beside a constant at the held-out hit rate, and the
    "uncertain" flag (flagged verdicts right / the others right), per selection setting."""
    from workbench.attribution._calibration import brier

    culprits = set(zip(labels["run_id"], labels["agent"], strict=True))

    def fit(train: list[str]) -> BlameModel:
        return BlameModel(features=list(PF), calibration_cv=5, **params).fit_frame(
            X[X["run_id"].isin(train)], labels[labels["run_id"].isin(train)]
        )

    def top(model: BlameModel, test: list[str]) -> pd.DataFrame:
        _, agents = model.rank_frame(X[X["run_id"].isin(test)])
        t = agents[agents["rank"] == 1]
        return t.assign(ok=[(r, a) in culprits for r, a in zip(t["run_id"], t["agent"], strict=True)])

    ag = np.array(g["AG"])
    sets = {
        "AG cv": pd.concat(
            [top(fit(list(ag[tr])), list(ag[te])) for tr, te in GroupKFold(5).split(ag, groups=ag)]
        )
    }
    whole = fit(g["AG"])
    sets["AG->sim"] = top(whole, g["sim303"])
    sets["AG->sim2"] = top(whole, g["sim404"])
    sets["sim->AG"] = top(fit(g["sim303"]), g["AG"])
    out = {}
    for name, t in sets.items():
        ok, conf = t["ok"].to_numpy(dtype=float), t["confidence"].to_numpy()
        flag = conf < 0.5
        out[name] = (
            brier(conf, ok),
            brier(np.full(len(ok), ok.mean()), ok),
            ok[flag].mean() if flag.any() else float("nan"),
            ok[~flag].mean() if (~flag).any() else float("nan"),
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated, of {list(VARIANTS)}")
    ap.add_argument(
        "--calibration",
        action="store_true",
        help=f"instead of the rankings, the confidence's Brier score per setting for {list(CALIBRATIONS)}",
    )
    ap.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="folder to keep the loaded moves in (parquet), so later invocations skip the ingest",
    )
    args = ap.parse_args()
    chosen = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in chosen if v not in VARIANTS]
    if unknown:
        ap.error(f"unknown variant(s) {unknown}; known: {list(VARIANTS)}")
    warnings.simplefilter("ignore")  # scipy's KS fallback notice from the drift detector
    start = time.perf_counter()
    if args.cache is not None and (args.cache / "moves.parquet").is_file():
        X = pd.read_parquet(args.cache / "moves.parquet")
        labels = pd.read_parquet(args.cache / "labels.parquet")
        g = {s: sorted(X.loc[X["system"] == s, "run_id"].unique()) for s in ("AG", "sim303", "sim404")}
    else:
        X, labels, g = load()
        if args.cache is not None:
            args.cache.mkdir(parents=True, exist_ok=True)
            X.to_parquet(args.cache / "moves.parquet")
            labels.to_parquet(args.cache / "labels.parquet")
    if any(v.startswith("v5+") for v in chosen) and not set(CLAIMS) <= set(X.columns):
        X = claims_features(X)  # per run, no labels: once for every fold
    print(
        f"data: {len(g['AG'])} Alg-Gen runs, {len(g['sim303'])} + {len(g['sim404'])} labelled failed simulator "
        f"runs (seeds 303, 404); Hand-Crafted not read; load average {os.getloadavg()}\n"
    )
    if args.calibration:
        print(
            "Brier (constant at the held-out hit rate); flagged uncertain verdicts right / the others right\n"
        )
        print(
            "| calibration | AG cv | AG->sim | AG->sim2 | sim->AG | mean excess over the constant |\n|---|---|---|---|---|---:|"
        )
        for name, params in CALIBRATIONS.items():
            res = calibration(params, X, labels, g)
            cells = " | ".join(f"{b:.3f} ({c:.3f}); {f:.0%} / {o:.0%}" for b, c, f, o in res.values())
            print(
                f"| {name} | {cells} | {np.mean([b - c for b, c, _, _ in res.values()]):+.4f} |", flush=True
            )
        print(f"\ntotal {time.perf_counter() - start:.0f} s; load average {os.getloadavg()}")
        return
    cols = ["AG cv", "AG cv x3", "AG->sim", "AG->sim2", "sim->AG"]
    print("| variant | " + " | ".join(f"{c} agent | {c} step" for c in cols) + " | s |")
    print("|---|" + "---:|" * (2 * len(cols) + 1))
    for name in chosen:
        t = time.perf_counter()
        res = evaluate(VARIANTS[name], X, labels, g)
        cells = " | ".join(f"{res[c][0]:.1%} | {res[c][1]:.1%}" for c in cols)
        print(f"| {name} | {cells} | {time.perf_counter() - t:.0f} |", flush=True)
    print(f"\ntotal {time.perf_counter() - start:.0f} s; load average {os.getloadavg()}")


if __name__ == "__main__":
    main()

"""blame19's declared variants (bench/protocol_blame19.md): the within-system figure of a refit on your own runs.

Usage::

    python bench/attribution_blame19.py --frame /tmp/blame18/k --variant r3

Alg-Gen 5-fold CV by run on the folds of the v10 figure (GroupKFold over the sorted run ids, as
bench/attribution_blame14.py), for: r0 v10's parameters fitted from nothing (the v10 figure, harness check);
r1 ``BlameModel.pretrained()`` refined on the training folds (its prior, the shipped file, was fitted on all 126
Alg-Gen runs: optimistic); r2 the same refine with an honest prior (v10's mix and parameters refitted without the
test fold's runs); r3 r2 + the name rates; r4 r2 + rates and role-token indicators; r5 ``BlameModel()`` as
today; r6 ``BlameModel()`` + rates and tokens; r7 v10's parameters + rates and tokens, no prior; r8 / r9 an
agent-level second stage (r9 with the name rates). The name features (bench/blame19_roles.py) were measured as
``BlameModel(system_roles=...)`` in the library at commit 73b2961; nothing shipped, so they live here (``_Roles``).
r12 the prior alone (v10's mix with the training folds in it); r13 a learning curve of r2; r14 / r15 r2 / r3 with
a tree refine; r16 / r17 r2 / r3 with a prior fitted without any Alg-Gen run (the user's case: r2's prior is
in-sample on the refine's training runs); r18 r13 with r16's prior.
For r3 / r4 also: prior fitted on Alg-Gen alone (so nothing saw Hand-Crafted), refined on all Alg-Gen, scored on
Hand-Crafted, as shipped (another system: the prior's verdict) and with the name features forced on.
No calibration in any fit (agent and step accuracy do not depend on it).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import pandas as pd
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from attribution_logonly import AG, HC, PARAMS, markdown  # noqa: E402
from blame19_roles import SystemRoles  # noqa: E402

from workbench.attribution._blame_model import ALL_FEATURES, BlameModel  # noqa: E402
from workbench.attribution._evaluate import _metrics  # noqa: E402

V10 = {**PARAMS, "system_balance": True, "calibration_cv": None}
ROLES = {"r3": "rates", "r4": "tokens", "r6": "tokens", "r7": "tokens", "r15": "rates", "r17": "rates"}


class _Roles(BlameModel):
    """BlameModel + the name features of blame19_roles (``roles``: "off", "rates", "tokens"), as measured.

    Scoring: a run of a system not fitted on, or sharing no agent name with the fitted runs, gets the prior's
    verdict when there is a prior, else the name features unknown (median-imputed)."""

    roles = "off"

    def fit_frame(self, X: pd.DataFrame, labels: pd.DataFrame) -> BlameModel:
        self.roles_ = None
        if self.roles != "off":
            self.roles_ = SystemRoles(tokens=self.roles == "tokens").fit(X, labels)
            X = pd.concat([X, self.roles_.transform(X, labels)], axis=1)
        return super().fit_frame(X, labels)

    def _feature_list(self) -> list[str]:
        roles = getattr(self, "roles_", None)
        return super()._feature_list() + (roles.feature_names if roles is not None else [])

    def rank_frame(self, X: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        roles = getattr(self, "roles_", None)
        if roles is None:
            return super().rank_frame(X)
        known = X["run_id"].map(roles.known(X)).fillna(False).to_numpy(dtype=bool)
        if self.prior_ is not None and not known.all():
            parts = [self.prior_.rank_frame(X[~known])] + ([self.rank_frame(X[known])] if known.any() else [])
            return (
                pd.concat([p[0] for p in parts], ignore_index=True),
                pd.concat([p[1] for p in parts], ignore_index=True),
            )
        feats = roles.transform(X)
        feats.loc[~known, :] = float("nan")
        return super().rank_frame(pd.concat([X, feats], axis=1))


class _GivenPrior(_Roles):
    """A refine whose prior is a model fitted here (not the shipped file)."""

    given_prior: BlameModel | None = None

    def _load_prior(self) -> BlameModel:
        return self.given_prior


def _with_roles(cls: type, roles: str, **params: object) -> BlameModel:
    m = cls(**params)
    m.roles = roles
    return m


def refine_params() -> dict:
    shipped = BlameModel.pretrained().get_params()
    return {**shipped, "calibration_cv": None, "prior": "pretrained"}


def fit(
    variant: str, X: pd.DataFrame, labels: pd.DataFrame, train: list[str], prior_runs: list[str]
) -> BlameModel:
    tr, lab = X[X["run_id"].isin(train)], labels[labels["run_id"].isin(train)]
    roles = ROLES.get(variant, "off")
    if variant == "r0":
        return BlameModel(**V10).fit_frame(tr, lab)
    if variant == "r1":
        return BlameModel(**refine_params()).fit_frame(tr, lab)
    if variant in ("r16", "r17"):  # the prior never saw this system: a user's new system
        sys_of = X.drop_duplicates("run_id").set_index("run_id")["system"]
        prior_runs = [r for r in prior_runs if sys_of[r] != AG]
    if variant in ("r2", "r3", "r4", "r14", "r15", "r16", "r17"):
        prior = BlameModel(**V10).fit_frame(
            X[X["run_id"].isin(prior_runs)], labels[labels["run_id"].isin(prior_runs)]
        )
        trees = {"estimator": "trees"} if variant in ("r14", "r15") else {}
        m = _with_roles(_GivenPrior, roles, **{**refine_params(), **trees})
        m.given_prior = prior
        return m.fit_frame(tr, lab)
    if variant == "r12":  # the honest prior alone: v10's whole mix with the user's runs in it as one system
        return BlameModel(**V10).fit_frame(
            X[X["run_id"].isin(prior_runs)], labels[labels["run_id"].isin(prior_runs)]
        )
    if variant in ("r5", "r6"):
        return _with_roles(_Roles, roles, calibration_cv=None).fit_frame(tr, lab)
    if variant == "r7":
        return _with_roles(_Roles, roles, **V10).fit_frame(tr, lab)
    raise SystemExit(f"unknown variant {variant}")


def scored(model: BlameModel, X: pd.DataFrame, labels: pd.DataFrame, test: list[str]) -> dict:
    steps, agents = model.rank_frame(X[X["run_id"].isin(test)])
    return _metrics(labels[labels["run_id"].isin(test)], steps, agents, 3, 2)


def figures(variant: str, X: pd.DataFrame, labels: pd.DataFrame) -> list[dict]:
    sys_of = X.drop_duplicates("run_id").set_index("run_id")["system"]
    every = sorted(sys_of.index)
    ag, hc = sorted(sys_of.index[sys_of == AG]), sorted(sys_of.index[sys_of == HC])
    parts = []
    for tr, te in GroupKFold(n_splits=5).split(ag, groups=ag):
        test = [ag[i] for i in te]
        m = fit(variant, X, labels, [ag[i] for i in tr], [r for r in every if r not in set(test)])
        parts.append(scored(m, X, labels, test))
    n, ns = sum(p["runs"] for p in parts), sum(p["step_runs"] for p in parts)
    rows = [
        {
            "figure": f"{variant}: Alg-Gen 5-fold CV by run",
            "runs": n,
            "agent": sum(p["runs"] * p["agent_acc"] for p in parts) / n,
            "step": sum(p["step_runs"] * p["step_acc"] for p in parts) / ns,
        }
    ]
    if variant in ("r2", "r3", "r4", "r14", "r15", "r16", "r17"):
        # nothing saw Hand-Crafted: r2-r15 prior and refine on Alg-Gen only; r16/r17 prior on neither Alg-Gen nor HC
        m = fit(
            variant,
            X,
            labels,
            ag,
            ag if variant not in ("r16", "r17") else [r for r in every if r not in set(hc)],
        )
        r = scored(m, X, labels, hc)
        rows.append(
            {
                "figure": f"{variant}: refined on Alg-Gen -> Hand-Crafted (name features: fallback to the prior)",
                "runs": r["runs"],
                "agent": r["agent_acc"],
                "step": r["step_acc"],
            }
        )
        r = scored(m.prior_, X, labels, hc)
        rows.append(
            {
                "figure": f"{variant}: its prior alone -> Hand-Crafted",
                "runs": r["runs"],
                "agent": r["agent_acc"],
                "step": r["step_acc"],
            }
        )
        forced = SystemRoles.known
        try:
            SystemRoles.known = lambda self, X: pd.Series(True, index=X["run_id"].unique())
            r = scored(m, X, labels, hc)
        finally:
            SystemRoles.known = forced
        rows.append(
            {
                "figure": f"{variant}: refined on Alg-Gen -> Hand-Crafted, name features forced on",
                "runs": r["runs"],
                "agent": r["agent_acc"],
                "step": r["step_acc"],
            }
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frame", type=Path, required=True)
    ap.add_argument("--variant", required=True, nargs="+")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    X = pd.read_parquet(args.frame.with_suffix(".X.parquet"))
    labels = pd.read_parquet(args.frame.with_suffix(".labels.parquet"))
    for name in ALL_FEATURES:
        if name not in X.columns:
            X[name] = float("nan")
    for v in args.variant:
        c0 = time.process_time()
        rows = (
            stage_figures(v, X, labels)
            if v in ("r8", "r9")
            else curve(X, labels, new_system=v == "r18")
            if v in ("r13", "r18")
            else figures(v, X, labels)
        )
        print(
            f"variant {v}, frame {args.frame}; {time.process_time() - c0:.0f} CPU s; load {os.getloadavg()}"
        )
        print(markdown(pd.DataFrame(rows)), flush=True)


# -- r8 / r9: an agent-level second stage within the system (declared after r0-r7's figures) -------------------
AGENT_BASE = ("best", "top2", "gap", "share", "moves", "order", "first")
AGENT_ROLES = ("sys_name_rate", "sys_token_rate")


def agent_table(
    steps: pd.DataFrame,
    agents: pd.DataFrame,
    X: pd.DataFrame,
    roles: SystemRoles | None,
    labels: pd.DataFrame | None,
) -> pd.DataFrame:
    """One row per candidate agent (the ranked agents: talkers only) with its run-relative evidence."""
    s = steps.sort_values(["run_id", "agent", "logit"], ascending=[True, True, False])
    g = s.groupby(["run_id", "agent"], sort=False)["logit"]
    ev = pd.DataFrame(
        {"best": g.max(), "top2": g.apply(lambda v: v.iloc[:2].mean()), "n": g.size()}
    ).reset_index()
    A = agents[["run_id", "agent", "share"]].merge(ev, on=["run_id", "agent"], how="left")
    A["gap"] = A["best"] - A.groupby("run_id")["best"].transform("max")
    A["moves"] = A["n"] / steps.groupby("run_id").size().reindex(A["run_id"]).to_numpy()
    first = X.loc[X["agent"].notna()].groupby(["run_id", "agent"])["pos"].min().rename("fpos").reset_index()
    A = A.merge(first, on=["run_id", "agent"], how="left")
    A["order"] = A.groupby("run_id")["fpos"].rank(method="first") - 1
    A["first"] = (A["order"] == 0).astype(float)
    if roles is not None:
        t = pd.concat([X[["run_id", "agent"]], roles.transform(X, labels)[list(AGENT_ROLES)]], axis=1)
        A = A.merge(t.drop_duplicates(["run_id", "agent"]), on=["run_id", "agent"], how="left")
    return A.fillna({c: 0.0 for c in A.columns if c not in ("run_id", "agent")})


class ConditionalLogit:
    """Softmax over a run's candidate agents, L2-penalised, on standardised features."""

    def __init__(self, lam: float = 1.0) -> None:
        self.lam = lam

    def fit(self, F, groups, y):  # noqa: ANN001, ANN201
        import numpy as np
        from scipy.optimize import minimize

        self.mu, self.sd = F.mean(0), np.where(F.std(0) > 1e-12, F.std(0), 1.0)
        Z = (F - self.mu) / self.sd
        _, gi = np.unique(groups, return_inverse=True)
        ng = gi.max() + 1

        def loss(b):  # noqa: ANN001, ANN202
            u = Z @ b
            m = np.full(ng, -np.inf)
            np.maximum.at(m, gi, u)
            e = np.exp(u - m[gi])
            den = np.bincount(gi, e, ng)
            p = e / den[gi]
            ll = (u[y] - m[gi[y]] - np.log(den[gi[y]])).sum()
            grad = -(Z[y].sum(0) - (p[:, None] * Z).sum(0)) + self.lam * b
            return -ll + 0.5 * self.lam * b @ b, grad

        self.b = minimize(loss, np.zeros(Z.shape[1]), jac=True, method="L-BFGS-B").x
        return self

    def score(self, F):  # noqa: ANN001, ANN201
        return ((F - self.mu) / self.sd) @ self.b


def _stage_fit(
    variant: str, X: pd.DataFrame, labels: pd.DataFrame, train: list[str], prior: BlameModel
) -> tuple:
    """Refined scorer (r2's) on ``train``, and the second stage fitted on its inner out-of-fold agent evidence."""
    import numpy as np

    roles_on = variant == "r9"

    def refine(runs: list[str]) -> BlameModel:
        m = _GivenPrior(**refine_params())
        m.given_prior = prior
        return m.fit_frame(X[X["run_id"].isin(runs)], labels[labels["run_id"].isin(runs)])

    rows = []
    for tr, te in GroupKFold(n_splits=5).split(train, groups=train):
        inner, held = [train[i] for i in tr], [train[i] for i in te]
        m = refine(inner)
        Xh = X[X["run_id"].isin(held)]
        steps, agents = m.rank_frame(Xh)
        roles = (
            SystemRoles().fit(X[X["run_id"].isin(inner)], labels[labels["run_id"].isin(inner)])
            if roles_on
            else None
        )
        rows.append(agent_table(steps, agents, Xh, roles, None))
    A = pd.concat(rows, ignore_index=True)
    cul = labels.dropna(subset=["agent"]).drop_duplicates("run_id").set_index("run_id")["agent"]
    A["y"] = A["run_id"].map(cul).eq(A["agent"])
    A = A[A.groupby("run_id")["y"].transform("any")]
    cols = list(AGENT_BASE) + (list(AGENT_ROLES) if roles_on else [])
    second = ConditionalLogit().fit(A[cols].to_numpy(float), A["run_id"].to_numpy(), A["y"].to_numpy(bool))
    roles = (
        SystemRoles().fit(X[X["run_id"].isin(train)], labels[labels["run_id"].isin(train)])
        if roles_on
        else None
    )
    return refine(train), second, roles, cols, np.array(second.b)


def stage_scored(
    first: BlameModel,
    second: ConditionalLogit,
    roles: SystemRoles | None,
    cols: list[str],
    X: pd.DataFrame,
    labels: pd.DataFrame,
    test: list[str],
) -> tuple[dict, dict]:
    Xt = X[X["run_id"].isin(test)]
    steps, agents = first.rank_frame(Xt)
    A = agent_table(steps, agents, Xt, roles, None)
    A["score"] = second.score(A[cols].to_numpy(float))
    A = A.sort_values(["run_id", "score"], ascending=[True, False])
    A["rank"] = A.groupby("run_id").cumcount() + 1
    top = A[A["rank"] == 1].set_index("run_id")["agent"]
    # coherent verdict: the decisive step is the chosen agent's best move
    s = steps.assign(own=steps["agent"].eq(steps["run_id"].map(top)))
    s = s.sort_values(["run_id", "own", "logit"], ascending=[True, False, False])
    s["rank"] = s.groupby("run_id").cumcount() + 1
    lab = labels[labels["run_id"].isin(test)]
    return _metrics(lab, s, A, 3, 2), _metrics(lab, steps, A, 3, 2)


def stage_figures(variant: str, X: pd.DataFrame, labels: pd.DataFrame) -> list[dict]:
    sys_of = X.drop_duplicates("run_id").set_index("run_id")["system"]
    every = sorted(sys_of.index)
    ag = sorted(sys_of.index[sys_of == AG])
    coh, free, coefs = [], [], []
    for tr, te in GroupKFold(n_splits=5).split(ag, groups=ag):
        test = set(ag[i] for i in te)
        rest = [r for r in every if r not in test]
        prior = BlameModel(**V10).fit_frame(X[X["run_id"].isin(rest)], labels[labels["run_id"].isin(rest)])
        first, second, roles, cols, b = _stage_fit(variant, X, labels, [ag[i] for i in tr], prior)
        a, f = stage_scored(first, second, roles, cols, X, labels, sorted(test))
        coh.append(a)
        free.append(f)
        coefs.append(dict(zip(cols, b.round(2), strict=True)))
    out = []
    for name, parts in (("step = chosen agent's best move", coh), ("step = refined scorer's top move", free)):
        n, ns = sum(p["runs"] for p in parts), sum(p["step_runs"] for p in parts)
        out.append(
            {
                "figure": f"{variant}: Alg-Gen 5-fold CV by run ({name})",
                "runs": n,
                "agent": sum(p["runs"] * p["agent_acc"] for p in parts) / n,
                "step": sum(p["step_runs"] * p["step_acc"] for p in parts) / ns,
            }
        )
    print("second-stage weights per fold:", coefs)
    return out


def curve(
    X: pd.DataFrame,
    labels: pd.DataFrame,
    sizes: tuple[int, ...] = (10, 25, 50, 100),
    new_system: bool = False,
) -> list[dict]:
    """r13: r2 (refine, prior without the test fold) on the first n training runs of each fold (shuffled, seed 0);
    r18 (``new_system``): r16's, the prior fitted without any Alg-Gen run."""
    import numpy as np

    sys_of = X.drop_duplicates("run_id").set_index("run_id")["system"]
    every = sorted(sys_of.index)
    ag = sorted(sys_of.index[sys_of == AG])
    parts: dict[int, list[dict]] = {n: [] for n in sizes}
    for tr, te in GroupKFold(n_splits=5).split(ag, groups=ag):
        test = [ag[i] for i in te]
        rest = [r for r in every if r not in set(test) and not (new_system and sys_of[r] == AG)]
        prior = BlameModel(**V10).fit_frame(X[X["run_id"].isin(rest)], labels[labels["run_id"].isin(rest)])
        order = list(np.random.default_rng(0).permutation([ag[i] for i in tr]))
        for n in sizes:
            train = order[:n]
            m = _GivenPrior(**refine_params())
            m.given_prior = prior
            m.fit_frame(X[X["run_id"].isin(train)], labels[labels["run_id"].isin(train)])
            parts[n].append(scored(m, X, labels, test))
    rows = []
    for n, ps in parts.items():
        k, ks = sum(p["runs"] for p in ps), sum(p["step_runs"] for p in ps)
        rows.append(
            {
                "figure": f"{'r18' if new_system else 'r13'}: refine on {min(n, 100)} labelled runs per fold",
                "runs": k,
                "agent": sum(p["runs"] * p["agent_acc"] for p in ps) / k,
                "step": sum(p["step_runs"] * p["step_acc"] for p in ps) / ks,
            }
        )
    return rows


if __name__ == "__main__":
    main()

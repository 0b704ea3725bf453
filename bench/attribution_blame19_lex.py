"""r10 / r11 of bench/protocol_blame19.md: a within-system lexical move scorer on the refine path (harness only).

Usage::

    python bench/attribution_blame19_lex.py --frame /tmp/blame18/k [--samples /work/shared/samples]

The move texts come from a fresh ingest of the Algorithm-Generated files, matched to the frame on run and step
ids. r10: the refine of r2 (honest prior) plus ``lex_logit``, the log-odds of a TF-IDF (unigrams + bigrams,
min_df 3, sublinear tf) L2 logistic regression (C = 1) of "this move is the labelled culprit step", out of fold
(inner 5 folds) on the training runs, from a fit on all of them on the test fold. r11: that scorer alone.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from attribution_blame19 import V10, _GivenPrior, refine_params  # noqa: E402
from attribution_logonly import AG, SAMPLES  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.attribution._blame_model import BlameModel  # noqa: E402
from workbench.attribution._evaluate import _metrics  # noqa: E402
from workbench.attribution._heuristics import rank_agents, rank_steps  # noqa: E402


class _Lex(_GivenPrior):
    def _feature_list(self) -> list[str]:
        return super()._feature_list() + ["lex_logit"]


def move_texts(samples: Path) -> pd.DataFrame:
    ws = wb.open()
    files = sorted((samples / "whowhen-algorithm-generated").glob("*.json"))
    ws.ingest([str(p) for p in files], format="whowhen", progress=False)
    return ws.con.execute("SELECT run_id, step_id, output FROM steps").df()


def lex_scorer(X: pd.DataFrame, target: set, runs: list[str]):  # noqa: ANN201
    tr = X[X["run_id"].isin(runs)]
    y = np.array([(r, s) in target for r, s in zip(tr["run_id"], tr["step_id"], strict=True)])
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=3, sublinear_tf=True)
    lr = LogisticRegression(C=1.0, max_iter=2000).fit(vec.fit_transform(tr["_text"]), y)
    return lambda Z: lr.decision_function(vec.transform(Z["_text"]))


def lex_logit(X: pd.DataFrame, target: set, train: list[str], test: list[str]) -> pd.Series:
    """Out of fold on ``train`` (inner 5 folds); on ``test`` from a fit on all of ``train``."""
    out = pd.Series(np.nan, index=X.index)
    for a, b in GroupKFold(n_splits=5).split(train, groups=train):
        f = lex_scorer(X, target, [train[i] for i in a])
        held = X["run_id"].isin([train[i] for i in b])
        out[held] = f(X[held])
    f = lex_scorer(X, target, train)
    other = X["run_id"].isin(test)
    out[other] = f(X[other])
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frame", type=Path, required=True)
    ap.add_argument("--samples", type=Path, default=SAMPLES)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    X = pd.read_parquet(args.frame.with_suffix(".X.parquet"))
    L = pd.read_parquet(args.frame.with_suffix(".labels.parquet"))
    T = move_texts(args.samples)
    X = X.assign(
        _text=X[["run_id", "step_id"]]
        .merge(T, on=["run_id", "step_id"], how="left")["output"]
        .fillna("")
        .str.lower()
        .to_numpy()
    )
    target = set(zip(L["run_id"], L["step_id"], strict=True))
    sys_of = X.drop_duplicates("run_id").set_index("run_id")["system"]
    every, ag = sorted(sys_of.index), sorted(sys_of.index[sys_of == AG])
    p10, p11 = [], []
    for tr, te in GroupKFold(n_splits=5).split(ag, groups=ag):
        train, test = [ag[i] for i in tr], [ag[i] for i in te]
        Xl = X.assign(lex_logit=lex_logit(X, target, train, test))
        rest = [r for r in every if r not in set(test)]
        m = _Lex(**refine_params())
        m.given_prior = BlameModel(**V10).fit_frame(X[X["run_id"].isin(rest)], L[L["run_id"].isin(rest)])
        m.fit_frame(Xl[Xl["run_id"].isin(train)], L[L["run_id"].isin(train)])
        names = list(m.feature_names_in_)
        print(
            "fold: lex_logit weight",
            round(m.step_model_.coef[names.index("lex_logit")], 3),
            "prior_logit",
            round(m.step_model_.coef[names.index("prior_logit")], 3),
        )
        lab = L[L["run_id"].isin(test)]
        p10.append(_metrics(lab, *m.rank_frame(Xl[Xl["run_id"].isin(test)]), 3, 2))
        Xt = Xl[Xl["run_id"].isin(test)]
        s = Xt[["run_id", "step_id", "agent", "kind", "pos"]].assign(logit=Xt["lex_logit"].to_numpy())
        s = rank_steps(s.assign(score=1 / (1 + np.exp(-s["logit"]))))
        p11.append(_metrics(lab, s, rank_agents(s, talkers_only=True), 3, 2))
    print("| variant | runs | agent | step |\n|---|---|---|---|")
    for name, parts in (("r10 refine + lex_logit", p10), ("r11 lexical scorer alone", p11)):
        n, ns = sum(p["runs"] for p in parts), sum(p["step_runs"] for p in parts)
        print(
            f"| {name} | {n} | {sum(p['runs'] * p['agent_acc'] for p in parts) / n:.3f} | "
            f"{sum(p['step_runs'] * p['step_acc'] for p in parts) / ns:.3f} |"
        )


if __name__ == "__main__":
    main()

"""pair24's declared variants (bench/protocol_pair24.md): a second stage between v10's top two agents.

Usage::

    # the steps' texts of bench/attribution_public_sets.py's runs (answer-text lineage needs the words, which
    # the frame does not keep)
    python bench/attribution_pair24.py --save-texts TEXTS --hand-crafted HC --tau-bench TAU --aegis AEGIS
    python bench/attribution_pair24.py --frame FRAME --texts TEXTS --variant v10 p1 p2 p3 p4

FRAME is a frame of bench/attribution_blame14.py (``--save-frame``) over the same runs.

- (p1) v10 + a pair stage: a logistic regression on "#2 minus #1" pair features (score gap, final author, first
  stater of the final numbers, first speaker, turns, later corrections) decides between v10's top two agents;
  fitted on out-of-fold v10 rankings of the training runs only.
- (p2) (p1) + the answer-text lineage agent (who first stated the final answer's text) as a pair feature.
- (p3) v10's scorer + ``agent_text_origin`` (1 on every move of that agent), no pair stage.
- (p4) (p3)'s scorer + (p2)'s pair stage.

Figures: bench/attribution_blame14.py's (Alg-Gen 5-fold CV by run; Alg-Gen only -> Hand-Crafted; pooled
leave-one-system-out agent over the 7 real systems) and, on the first two, the Brier score and a 5-bin reliability
table of the verdict's confidence (calibration on).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import attribution_blame14 as b14  # noqa: E402
from attribution_logonly import PARAMS, markdown  # noqa: E402

from workbench.attribution._blame_model import ALL_FEATURES, PORTABLE_GROUPS, BlameModel  # noqa: E402
from workbench.attribution._evaluate import _metrics  # noqa: E402

NOT_AGENT = ("tool", "retriever", "human", "system")
F_A = ["d_logit", "final", "num_origin", "first", "turns", "corrected"]
NEW_FEATURE = "agent_text_origin"

# -- answer-text lineage ----------------------------------------------------------------------------------------
_QUOTED = re.compile(r"\"([^\"\n]{2,60})\"|'([^'\n]{2,60})'|`([^`\n]{2,60})`")
_IDENT = re.compile(r"\b[A-Za-z_][A-Za-z0-9_.]*[A-Za-z0-9_]\b")
_CAPS = re.compile(r"\b[A-Z][a-zA-Z]+(?:\s+[A-Z][a-zA-Z]+)+\b")
_NUM = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")
_TOK = re.compile(r"[a-z0-9]+")
_STOP = set(
    """the a an and or of to in on for with by from at as is are was were be been it this that these those
there their they we you i he she his her its our your not no yes but if then than so such which who whom what when
where how all any each can could should would will shall may might must have has had do does did done also into
about over under more most less very just only final answer terminate therefore conclusion summary result results
based provided given above below here value values step steps""".split()
)


def _is_ident(t: str) -> bool:
    return len(t) >= 4 and ("_" in t or "." in t.strip(".") or re.search(r"[a-z][A-Z]", t) is not None)


def answer_items(final: str, task: str) -> tuple[set[str], set[tuple[str, ...]]]:
    """Substring items (quoted strings, identifiers, capitalised names, numbers) and word 3-grams of the final
    text that the task does not state; all lower-cased."""
    low_task = task.lower()
    subs: set[str] = set()
    for m in _QUOTED.finditer(final):
        subs.add(next(g for g in m.groups() if g))
    subs |= {t for t in _IDENT.findall(final) if _is_ident(t)}
    subs |= set(_CAPS.findall(final))
    subs |= {v.replace(",", "").rstrip(".") for v in _NUM.findall(final)}
    subs = {s.lower().strip() for s in subs if s.strip(" 0.")}
    subs = {s for s in subs if len(s) >= 2 and s not in low_task}
    toks = _TOK.findall(final.lower())
    task_grams = set(zip(*(_TOK.findall(low_task)[i:] for i in range(3)), strict=False))
    grams = {
        g
        for g in zip(toks, toks[1:], toks[2:], strict=False)
        if any(len(w) >= 4 and w not in _STOP for w in g) and g not in task_grams
    }
    return subs, grams


def text_origin(kinds: list[str], agents: list, outputs: list[str], task: str) -> object | None:
    """The agent whose moves first stated most items of the final answer's text (None: no item)."""
    is_agent = [k not in NOT_AGENT and a is not None for k, a in zip(kinds, agents, strict=True)]
    idx = [i for i, x in enumerate(is_agent) if x]
    if not idx:
        return None
    final = "\n".join(outputs[i] for i in idx[-2:])
    subs, grams = answer_items(final, task or "")
    low = [o.lower() for o in outputs]
    gram_sets: list[set | None] = [None] * len(low)
    count: dict[object, int] = {}
    first: dict[object, int] = {}

    def credit(i: int) -> None:
        j = (
            i - 1 if kinds[i] in ("tool", "retriever") and i > 0 else i
        )  # a tool's output: its caller stated it
        if is_agent[j]:
            count[agents[j]] = count.get(agents[j], 0) + 1
            first[agents[j]] = min(first.get(agents[j], j), j)

    for s in subs:
        i = next((i for i, t in enumerate(low) if s in t), None)
        if i is not None:
            credit(i)
    for g in grams:
        for i, t in enumerate(low):
            if gram_sets[i] is None:
                w = _TOK.findall(t)
                gram_sets[i] = set(zip(w, w[1:], w[2:], strict=False))
            if g in gram_sets[i]:
                credit(i)
                break
    if not count:
        return None
    return min(count, key=lambda a: (-count[a], first[a]))


def run_facts(X: pd.DataFrame, T: pd.DataFrame) -> pd.DataFrame:
    """Per run: final author, first speaker, first stater of the final numbers, text-origin agent."""
    M = X[["run_id", "step_id", "agent", "kind", "pos", "final_origin_first"]].merge(
        T[["run_id", "step_id", "output", "task"]], on=["run_id", "step_id"], how="left"
    )
    M = M.sort_values(["run_id", "pos"], kind="stable")
    rows = []
    for run, g in M.groupby("run_id", sort=False):
        kinds, agents = g["kind"].tolist(), [a if isinstance(a, str) else None for a in g["agent"]]
        talk = [a for k, a in zip(kinds, agents, strict=True) if k not in NOT_AGENT and a is not None]
        fo = g.loc[g["final_origin_first"] > 0, "agent"]
        task = g["task"].dropna()
        rows.append(
            {
                "run_id": run,
                "final": talk[-1] if talk else None,
                "first": talk[0] if talk else None,
                "num_origin": fo.iloc[0] if len(fo) and isinstance(fo.iloc[0], str) else None,
                "text_origin": text_origin(
                    kinds, agents, g["output"].fillna("").tolist(), task.iloc[0] if len(task) else ""
                ),
            }
        )
    return pd.DataFrame(rows).set_index("run_id")


# -- the pair stage ---------------------------------------------------------------------------------------------
def pair_rows(
    steps: pd.DataFrame, agents: pd.DataFrame, X: pd.DataFrame, facts: pd.DataFrame, with_text: bool
) -> pd.DataFrame:
    """One row per run with two or more candidate agents: #1, #2 and the "#2 minus #1" features."""
    A = agents[agents["rank"] <= 2]
    two = A.groupby("run_id")["agent"].transform("size") == 2
    A = A[two]
    a1 = A[A["rank"] == 1].set_index("run_id")
    a2 = A[A["rank"] == 2].set_index("run_id")
    R = pd.DataFrame(
        {
            "a1": a1["agent"],
            "a2": a2["agent"].reindex(a1.index),
            "s1": a1["score"],
            "s2": a2["score"].reindex(a1.index),
        }
    )
    lg = lambda s: np.log(np.clip(s, 1e-9, 1 - 1e-9) / (1 - np.clip(s, 1e-9, 1 - 1e-9)))  # noqa: E731
    R["d_logit"] = lg(R["s2"]) - lg(R["s1"])
    F = facts.reindex(R.index)
    for c in ["final", "num_origin", "first"] + (["text_origin"] if with_text else []):
        R[c] = (F[c] == R["a2"]).astype(float) - (F[c] == R["a1"]).astype(float)
    talk = X[~X["kind"].isin(NOT_AGENT) & X["agent"].notna()]
    turns = talk.groupby(["run_id", "agent"]).size()
    corr = X.groupby(["run_id", "agent"])["corrected_later"].sum()
    k1 = pd.MultiIndex.from_arrays([R.index, R["a1"]])
    k2 = pd.MultiIndex.from_arrays([R.index, R["a2"]])
    R["turns"] = np.log(
        (turns.reindex(k2).fillna(0).to_numpy() + 1) / (turns.reindex(k1).fillna(0).to_numpy() + 1)
    )
    R["corrected"] = np.log1p(corr.reindex(k2).fillna(0).to_numpy()) - np.log1p(
        corr.reindex(k1).fillna(0).to_numpy()
    )
    R["system"] = X.drop_duplicates("run_id").set_index("run_id")["system"].reindex(R.index)
    return R


def fit_stage(R: pd.DataFrame, labels: pd.DataFrame, cols: list[str]):  # noqa: ANN201
    culprit = set(zip(labels["run_id"], labels["agent"].astype(object), strict=True))
    y1 = np.array([(r, a) in culprit for r, a in zip(R.index, R["a1"], strict=True)])
    y2 = np.array([(r, a) in culprit for r, a in zip(R.index, R["a2"], strict=True)])
    keep = y1 ^ y2
    R, y = R[keep], y2[keep]
    # each training system weighs the same (as v10's system_balance)
    w = 1.0 / R["system"].map(R["system"].value_counts()).to_numpy(dtype=float)
    w *= len(w) / w.sum()
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))
    clf.fit(R[cols].to_numpy(dtype=float), y, logisticregression__sample_weight=w)
    return clf


def apply_stage(
    clf,
    R: pd.DataFrame,
    steps: pd.DataFrame,
    agents: pd.DataFrame,  # noqa: ANN001
    cols: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Steps and agents re-ranked by the stage's choice; q (P(#2)) per run it saw."""
    q = (
        pd.Series(clf.predict_proba(R[cols].to_numpy(dtype=float))[:, 1], index=R.index)
        if len(R)
        else pd.Series(dtype=float)
    )
    flip = set(q.index[q > 0.5])
    agents = agents.copy()
    fr = agents["run_id"].isin(flip) & agents["rank"].isin([1, 2])
    agents.loc[fr, "rank"] = 3 - agents.loc[fr, "rank"]
    agents = agents.sort_values(["run_id", "rank"], kind="stable").reset_index(drop=True)
    steps = steps.copy()
    if flip:
        chosen = dict(zip(R.loc[list(flip)].index, R.loc[list(flip), "a2"], strict=True))
        in_flip = steps["run_id"].isin(flip)
        mine = in_flip & (steps["agent"] == steps["run_id"].map(chosen))
        best = steps[mine].sort_values(["run_id", "rank"]).drop_duplicates("run_id")
        key = steps["rank"].astype(float)
        key[best.index] = 0.0
        steps["rank"] = key.groupby(steps["run_id"]).rank(method="first").astype(int)
    return steps, agents, q


# -- figures ----------------------------------------------------------------------------------------------------
class Variant:
    def __init__(self, name: str, X: pd.DataFrame, labels: pd.DataFrame, facts: pd.DataFrame) -> None:
        self.name, self.X, self.labels, self.facts = name, X, labels, facts
        self.stage = name in ("p1", "p2", "p4")
        self.with_text = name in ("p2", "p4")
        self.cols = F_A + (["text_origin"] if self.with_text else [])
        feats = [
            f
            for f, (needs, _) in ALL_FEATURES.items()
            if (f in PORTABLE_GROUPS or needs in PORTABLE_GROUPS) and f != NEW_FEATURE
        ]
        if name in ("p3", "p4"):
            feats = feats + [NEW_FEATURE]
        self.params = {**PARAMS, "system_balance": True, "features": feats}

    def _fit_rank(self, train: list[str], test: list[str], calibrate: bool):  # noqa: ANN202
        X, labels = self.X, self.labels
        p = self.params if calibrate else {**self.params, "calibration_cv": None}
        m = BlameModel(**p).fit_frame(X[X["run_id"].isin(train)], labels[labels["run_id"].isin(train)])
        return m.rank_frame(X[X["run_id"].isin(test)])

    def score(self, train: list[str], test: list[str], calibrate: bool = False) -> tuple[dict, pd.DataFrame]:
        steps, agents = self._fit_rank(train, test, calibrate)
        conf = agents.set_index(["run_id", "rank"])["confidence"] if calibrate else None
        if self.stage:
            tr = sorted(train)
            oof_s, oof_a = [], []
            for a, b in GroupKFold(n_splits=5).split(tr, groups=tr):
                s, g = self._fit_rank([tr[i] for i in a], [tr[i] for i in b], False)
                oof_s.append(s)
                oof_a.append(g)
            Rtr = pair_rows(pd.concat(oof_s), pd.concat(oof_a), self.X, self.facts, self.with_text)
            clf = fit_stage(Rtr, self.labels[self.labels["run_id"].isin(train)], self.cols)
            Rte = pair_rows(steps, agents, self.X, self.facts, self.with_text)
            steps, agents, q = apply_stage(clf, Rte, steps, agents, self.cols)
        verdict = None
        if calibrate:
            top = agents[agents["rank"] == 1].set_index("run_id")
            c1 = conf.xs(1, level="rank").reindex(top.index)
            if self.stage:
                c2 = conf.xs(2, level="rank").reindex(top.index)
                qq = q.reindex(top.index)
                both = np.minimum(1.0, c1 + c2) * np.maximum(qq, 1 - qq)
                c = both.where(qq.notna(), c1)
            else:
                c = c1
            culprit = set(zip(self.labels["run_id"], self.labels["agent"].astype(object), strict=True))
            verdict = pd.DataFrame(
                {
                    "confidence": c.to_numpy(dtype=float),
                    "hit": [(r, a) in culprit for r, a in zip(top.index, top["agent"], strict=True)],
                },
                index=top.index,
            )
        lab = self.labels[self.labels["run_id"].isin(test)]
        return _metrics(lab, steps, agents, 3, 2), verdict


def reliability(v: pd.DataFrame) -> tuple[float, str]:
    brier = float(((v["confidence"] - v["hit"].astype(float)) ** 2).mean())
    bins = pd.cut(v["confidence"], [0, 0.2, 0.4, 0.6, 0.8, 1.0001], right=False)
    t = v.groupby(bins, observed=True).agg(
        n=("hit", "size"), conf=("confidence", "mean"), hit=("hit", "mean")
    )
    cells = "; ".join(
        f"{iv.left:.1f}-{min(iv.right, 1):.1f}: n {r.n}, conf {r.conf:.2f}, hit {r.hit:.2f}"
        for iv, r in t.iterrows()
    )
    return brier, cells


def figures(var: Variant) -> list[dict]:
    """bench/attribution_blame14.py's figures, calibrated on the first two, with their Brier score and reliability."""
    return b14.figure_rows(
        var.X,
        lambda train, test, first: var.score(train, test, calibrate=first),
        calibration=lambda v: dict(zip(("brier", "reliability"), reliability(v), strict=True)),
    )


def save_texts(args: argparse.Namespace) -> None:
    import tempfile

    import pyarrow as pa

    with tempfile.TemporaryDirectory() as tmp:
        ws, every = b14.public_runs(args, Path(tmp))
        ws.con.register("_p24_runs", pa.table({"run_id": pa.array(every, type=pa.string())}))
        T = ws.con.execute(
            "SELECT s.run_id, s.step_id, coalesce(s.output, '') AS output, r.task FROM steps s "
            "JOIN runs r USING (run_id) SEMI JOIN _p24_runs USING (run_id)"
        ).df()
    T.to_parquet(args.save_texts)
    print(f"texts of {len(every)} runs, {len(T)} steps -> {args.save_texts}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frame", type=Path)
    ap.add_argument("--texts", type=Path)
    ap.add_argument("--variant", nargs="+", choices=["v10", "p1", "p2", "p3", "p4"])
    ap.add_argument("--save-texts", type=Path)
    b14.public_set_args(ap)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    if args.save_texts:
        save_texts(args)
        return
    if not (args.frame and args.texts and args.variant):
        ap.error("--frame, --texts and --variant are needed (or --save-texts)")
    X = pd.read_parquet(args.frame.with_suffix(".X.parquet"))
    labels = pd.read_parquet(args.frame.with_suffix(".labels.parquet"))
    T = pd.read_parquet(args.texts)
    c0, t0 = time.process_time(), time.perf_counter()
    facts = run_facts(X, T)
    print(
        f"run facts of {len(facts)} runs: {time.process_time() - c0:.0f} CPU s; text origin found in "
        f"{facts['text_origin'].notna().sum()}"
    )
    ALL_FEATURES.setdefault(
        NEW_FEATURE, ("portable", "the move's agent first stated most of the final answer's text")
    )
    X = X.copy()
    X[NEW_FEATURE] = (X["agent"].notna() & (X["run_id"].map(facts["text_origin"]) == X["agent"])).astype(
        float
    )
    for name in args.variant:
        c0, t0 = time.process_time(), time.perf_counter()
        rows = figures(Variant(name, X, labels, facts))
        print(
            f"\nvariant {name}, frame {args.frame}, {X['run_id'].nunique()} runs; {time.process_time() - c0:.0f} "
            f"CPU s, {time.perf_counter() - t0:.0f} s wall; load average {np.round(os.getloadavg(), 1)}\n"
        )
        print(markdown(pd.DataFrame(rows)), flush=True)


if __name__ == "__main__":
    main()

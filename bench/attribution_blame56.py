"""blame56 harness (issue 12): looks S (endorsement of a move's values by other agents) and T (a success read off a
failed tool call), each v11's recipe with the look's columns (:data:`RELATION_FEATURES`, defined here; they were
``workbench/attribution/_portable_relations.py`` when the run was made, moved here unchanged once both looks had failed)
added, beside v11 on the Who&When splits; and the calibration of v11 as shipped on the same held-out runs.
Protocol: bench/protocol_blame56.md.

Usage::

    python bench/attribution_blame56.py FRAME TEXTS

FRAME is ``bench/attribution_blame14.py --save-frame``'s; TEXTS a parquet of the same runs' moves (run_id, step_id,
agent, kind, output, task) read from a store the frame's own loader (``attribution_blame14.public_runs``) filled.
Prints per split its fit's progress, then the gates' table (span48's Who&When splits and scoring), the pooled
McNemar figures, how often each column fires, the new columns' coefficients, and v11's shipped calibration
(blame51's code).
"""

from __future__ import annotations

import os
import re
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
from workbench.attribution._portable import _numbers  # noqa: E402

# Relations between moves no feature of v11 reads (bench/protocol_blame56.md): what another agent says of a move's
# values when it agrees with them, and a move that reports success over a failed tool output. A move's values are
# its numbers and named items (capitalised word runs, quoted strings), less the task's and the run's boilerplate.
RELATION_FEATURES: dict[str, str] = {
    "endorsed_by_other": "later moves (of the next 64) of another agent with agreement words that repeat one of "
    "this move's values (numbers, named items)",
    "endorses_other": "the move has agreement words and repeats a value an earlier move of another agent stated",
    "success_over_fail": "the move reports success and the latest tool output of the 3 moves before it reports "
    "a failure",
}
_WINDOW = 64  # as the other pairwise features: linear time on long traces
_BACK = 3  # a success claim answers the tool output just before it, not one from long ago
_AGREE = re.compile(
    r"\b(i agree|agreed|we agree|agree with|that'?s (correct|right)|(is|are|was|looks|seems) (correct|right|"
    r"accurate)|looks good|well done|good job|great (work|job)|confirm(s|ed)? (that|the)|i have verified|"
    r"has been verified|have been verified|verified|makes sense|consistent with)\b"
)
_SUCCESS = re.compile(
    r"\b(success(ful|fully)?|succeeded|(is|was|has been|have been) (complete|completed|resolved|fixed)|"
    r"works (now|correctly|fine|as expected)|worked)\b"
)
_FAIL = re.compile(r"(exitcode: [1-9]|execution failed|traceback|error|exception|failed|not found)")
_CAPS = re.compile(r"\b[A-Z][A-Za-z'&-]*(?:[ \t]+[A-Z][A-Za-z'&-]*)+")
_QUOTED = re.compile(r"\"([^\"\n]{2,60})\"|\u201c([^\u201d\n]{2,60})\u201d")


def named_items(text: str) -> set[str]:
    """Runs of two or more capitalised words and double-quoted strings of 2-60 characters, lower-cased."""
    out = {m.strip().lower() for m in _CAPS.findall(text)}
    out |= {(a or b).strip().lower() for a, b in _QUOTED.findall(text)}
    return {v for v in out if len(v) >= 2}


def relation_features(
    agent: np.ndarray,
    is_agent: np.ndarray,
    is_tool: np.ndarray,
    texts: list[str],
    task: str,
    nums: list[set[str]],
    task_nums: set[str],
) -> dict[str, np.ndarray]:
    """:data:`RELATION_FEATURES` of one run's moves (in order); ``nums`` are each move's numbers."""
    n = len(texts)
    f = {k: np.zeros(n) for k in RELATION_FEATURES}
    low = [t.lower() for t in texts]
    low_task = (task or "").lower()
    vals = [(nums[i] - task_nums) | {v for v in named_items(texts[i]) if v not in low_task} for i in range(n)]
    stated: dict[str, int] = {}
    for v in vals:
        for x in v:
            stated[x] = stated.get(x, 0) + 1
    common = {x for x, c in stated.items() if c >= 3 and c > n / 2}
    vals = [v - common for v in vals]
    agree = np.array([bool(_AGREE.search(t)) for t in low]) & is_agent
    # Who stated each value first: a tool's output is the calling move's (the move before it).
    first_by: dict[str, object] = {}
    for i in range(n):
        src = agent[i - 1] if is_tool[i] and i > 0 else agent[i]
        for x in vals[i]:
            first_by.setdefault(x, src)
        if agree[i] and any(first_by[x] != agent[i] for x in vals[i]):
            f["endorses_other"][i] = 1.0
    for i in range(n):
        if is_agent[i] and vals[i]:
            f["endorsed_by_other"][i] = sum(
                1
                for j in range(i + 1, min(n, i + 1 + _WINDOW))
                if agree[j] and agent[j] != agent[i] and vals[i] & vals[j]
            )
    fails = np.array([bool(_FAIL.search(t[:400])) for t in low]) & is_tool
    for i in range(n):
        if is_agent[i] and _SUCCESS.search(low[i]):
            back = [j for j in range(max(0, i - _BACK), i) if is_tool[j]]
            if back and fails[back[-1]]:
                f["success_over_fail"][i] = 1.0
    return f


LOOKS = {"S": ["endorsed_by_other", "endorses_other"], "T": ["success_over_fail"]}
NOT_AGENT = ("tool", "retriever", "human", "system")  # _run_features' rule


def with_columns(cols: list[str]) -> type[BlameModel]:
    class WithRelations(BlameModel):
        """v11's features and the look's relation columns (columns the harness adds to the frame)."""

        def _feature_list(self) -> list[str]:
            return [*super()._feature_list(), *cols]

    return WithRelations


def relation_frame(X: pd.DataFrame, texts: pd.DataFrame) -> pd.DataFrame:
    """``X`` with :data:`RELATION_FEATURES` computed per run over the moves in frame order (run, then ``pos``)."""
    T = texts[["run_id", "step_id", "output", "task"]].drop_duplicates(["run_id", "step_id"])
    Y = X.merge(T, on=["run_id", "step_id"], how="left", validate="one_to_one")
    missing = int(Y["output"].isna().sum())
    print(f"moves without a text in TEXTS: {missing} of {len(Y)}", flush=True)
    Y["output"] = Y["output"].fillna("")
    Y["task"] = Y.groupby("run_id")["task"].transform(lambda s: s.dropna().iloc[0] if s.notna().any() else "")
    Y = Y.sort_values(["run_id", "pos"], kind="stable")
    out = {k: np.zeros(len(Y)) for k in RELATION_FEATURES}
    run = Y["run_id"].to_numpy(dtype=object)
    kind = Y["kind"].to_numpy(dtype=object)
    agent = Y["agent"].to_numpy(dtype=object)
    outputs = Y["output"].to_numpy(dtype=object)
    tasks = Y["task"].to_numpy(dtype=object)
    bounds = np.flatnonzero(np.r_[True, run[1:] != run[:-1], True])
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        k = kind[lo:hi]
        is_agent = np.array([x not in NOT_AGENT for x in k])
        is_tool = np.array([x in ("tool", "retriever") for x in k])
        tx = [str(t) for t in outputs[lo:hi]]
        task = str(tasks[lo] or "")
        f = relation_features(
            agent[lo:hi], is_agent, is_tool, tx, task, [_numbers(t) for t in tx], _numbers(task)
        )
        for name, v in f.items():
            out[name][lo:hi] = v
    R = pd.DataFrame(out, index=Y.index).reindex(X.index)
    return X.assign(**{k: R[k].to_numpy() for k in RELATION_FEATURES})


def tops(m: BlameModel, Xt: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    steps, agents = m.rank_frame(Xt)
    s = steps[steps["rank"] == 1].drop_duplicates("run_id").set_index("run_id")["step_id"]
    a = agents[agents["rank"] == 1].drop_duplicates("run_id").set_index("run_id")["agent"]
    return s, a


def run(X: pd.DataFrame, labels: pd.DataFrame) -> None:
    plan, ls, la = s48.whowhen_plan(X, labels)
    res: dict[str, dict] = {}
    held, coefs = [], []
    for name, train, test in plan:
        c0 = time.process_time()
        key = "Alg-Gen 5-fold CV" if name.startswith("cv") else name
        r = res.setdefault(key, {"runs": []})
        r["runs"] += list(test)
        Xtr, Ltr = X[X["run_id"].isin(train)], labels[labels["run_id"].isin(train)]
        Xt = X[X["run_id"].isin(test)].reset_index(drop=True)
        models = {"v11": BlameModel(**s48.FAST)}
        models.update({look: with_columns(cols)(**s48.FAST) for look, cols in LOOKS.items()})
        for look, m in models.items():
            m.fit_frame(Xtr, Ltr)
            step, agent = tops(m, Xt)
            r.setdefault(f"{look} agents", []).extend(agent.get(t) in la.get(t, set()) for t in test)
            r.setdefault(f"{look} steps", []).extend(step.get(t) in ls.get(t, set()) for t in test)
            if look != "v11" and not name.startswith("cv"):
                names = list(m.feature_names_in_)
                for c in LOOKS[look]:
                    i = names.index(c)
                    coefs.append((name, look, c, m.agent_model_.coef[i], m.step_model_.coef[i]))
        ms = BlameModel(**V11).fit_frame(Xtr, Ltr)
        v = (
            shipped_verdicts(ms, Xt)
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
    report(res)
    print(
        "## after the gates (decides nothing): moves / runs each column is > 0 on, per system of the splits"
    )
    scored = {t for r in res.values() for t in r["runs"]}
    sys_of = X["system"]
    systems = sorted(sys_of[X["run_id"].isin(scored)].unique())
    for c in RELATION_FEATURES:
        cells = []
        for s in systems:
            on = X[(sys_of == s) & (X[c] > 0)]
            cells.append(f"{s.split('/')[-1]} {len(on)} moves / {on['run_id'].nunique()} runs")
        print(f"  {c}: " + "; ".join(cells))
    who_holds_most(X, labels, systems)
    print("## the new columns' standardised coefficients (agent scorer, step scorer)")
    for name, look, c, a, s in coefs:
        print(f"  {name} {look} {c}: agent {a:+.3f}, step {s:+.3f}")
    calibration(pd.concat(held, ignore_index=True))


def who_holds_most(X: pd.DataFrame, labels: pd.DataFrame, systems: list) -> None:
    """After the result (decides nothing): per system, over the runs where the column fires on an agent move, how
    often the agent with the largest sum of it is a labelled culprit (a tie shares its credit), beside a random
    candidate agent's rate on the same runs."""
    print(
        "## after the result (decides nothing): the agent holding most of each column is the culprit (runs it fires)"
    )
    la = labels.groupby("run_id")["agent"].apply(lambda s: set(s.dropna().astype(object)))
    talk = X[~X["kind"].isin(NOT_AGENT) & X["agent"].notna()]
    for c in RELATION_FEATURES:
        cells = []
        for s in systems:
            per = talk[talk["system"] == s].groupby(["run_id", "agent"])[c].sum()
            hit, base, runs = 0.0, 0.0, 0
            for run, g in per.groupby(level="run_id"):
                if g.max() <= 0:
                    continue
                cul = la.get(run, set())
                top = [a for (_, a), v in g.items() if v == g.max()]
                hit += sum(a in cul for a in top) / len(top)
                base += sum(a in cul for _, a in g.index) / len(g)
                runs += 1
            cells.append(f"{s.split('/')[-1]} {hit:.1f} of {runs} (random candidate {base:.1f})")
        print(f"  {c}: " + "; ".join(cells))


def report(res: dict) -> None:
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


def main() -> None:
    warnings.filterwarnings("ignore")
    c0, t0 = time.process_time(), time.perf_counter()
    X, labels = read_frame(Path(sys.argv[1]))
    X = relation_frame(X, pd.read_parquet(sys.argv[2]))
    print(f"relation columns: {time.process_time() - c0:.1f} CPU s", flush=True)
    run(X, labels)
    print(
        f"{time.process_time() - c0:.1f} CPU s, {time.perf_counter() - t0:.0f} s wall; "
        f"load {np.round(os.getloadavg(), 1)}"
    )


if __name__ == "__main__":
    main()

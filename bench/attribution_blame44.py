"""blame44 harness (issue 12): v11 blended with a fixed-weight portable rule. Protocol: bench/protocol_blame44.md.

Usage::

    python bench/attribution_blame44.py rank FRAME OUT.parquet     # v11 fitted per split, ranked moves saved
    python bench/attribution_blame44.py choose FRAME OUT.parquet   # rule hit rates, blends: no Hand-Crafted run
    python bench/attribution_blame44.py score FRAME OUT.parquet RULE W   # the chosen blend, Hand-Crafted included
    python bench/attribution_blame44.py calib FRAME OUT.parquet    # the addendum's A1 / A2 confidences
    python bench/attribution_blame44.py pool FRAME OUT.parquet     # addendum 2: v11's recipe without AEGIS (T1)
    python bench/attribution_blame44.py persys FRAME OUT.parquet   # addendum 4: per-system standardisation (P1)
    python bench/attribution_blame44.py steps FRAME OUT.parquet [S1|S2]   # addendum 5 (with a name: Hand-Crafted)

FRAME is ``bench/attribution_blame14.py --save-frame``'s (PATH of PATH.X.parquet / PATH.labels.parquet). ``rank``
fits v11's recipe (``attribution_blame31.V11``, calibration off: rankings do not depend on it) once per split: the
5 Alg-Gen CV folds (GroupKFold over the sorted run ids, as blame14), Alg-Gen only -> Hand-Crafted, and each real
system held out (every other run of the frame trains, the simulator included). ``choose`` reads those rankings but
never a Hand-Crafted row; ``score`` is the one look at Hand-Crafted, for the chosen (rule, w).
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from attribution_blame31 import V11  # noqa: E402
from attribution_logonly import AG, HC, SIM, markdown  # noqa: E402

from workbench.attribution._blame_model import ALL_FEATURES, BlameModel  # noqa: E402
from workbench.attribution._evaluate import _metrics  # noqa: E402

RULES = ("R1", "R2")
WEIGHTS = (0.5, 1.0, 2.0)


def read_frame(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    X = pd.read_parquet(path.with_suffix(".X.parquet"))
    labels = pd.read_parquet(path.with_suffix(".labels.parquet"))
    for name in ALL_FEATURES:
        if name not in X.columns:
            X[name] = float("nan")
    return X, labels


def splits(X: pd.DataFrame) -> list[tuple[str, list[str], list[str]]]:
    sys_of = X.drop_duplicates("run_id").set_index("run_id")["system"]
    ids = {s: sorted(sys_of.index[sys_of == s]) for s in sorted(sys_of.unique())}
    ag, every = ids[AG], sorted(sys_of.index)
    out = [
        (f"cv{k}", [ag[i] for i in tr], [ag[i] for i in te])
        for k, (tr, te) in enumerate(GroupKFold(n_splits=5).split(ag, groups=ag))
    ]
    out.append(("ag->hc", ag, ids[HC]))
    out += [(f"loso:{s}", [x for x in every if sys_of[x] != s], ids[s]) for s in ids if s != SIM]
    return out


def rank(frame: Path, out: Path) -> None:
    X, labels = read_frame(frame)
    params = {**V11, "calibration_cv": None}
    steps, agents = [], []
    for name, train, test in splits(X):
        c0 = time.process_time()
        m = BlameModel(**params).fit_frame(X[X["run_id"].isin(train)], labels[labels["run_id"].isin(train)])
        s, a = m.rank_frame(X[X["run_id"].isin(test)])
        steps.append(s.assign(split=name))
        agents.append(a.assign(split=name))
        print(
            f"{name}: {len(train)} -> {len(test)} runs, {time.process_time() - c0:.0f} CPU s; load "
            f"{np.round(os.getloadavg(), 1)}",
            flush=True,
        )
    pd.concat(steps, ignore_index=True).to_parquet(out.with_suffix(".steps.parquet"))
    pd.concat(agents, ignore_index=True).to_parquet(out.with_suffix(".agents.parquet"))


def rule_agents(X: pd.DataFrame, rule: str) -> pd.Series:
    """Per run, the agent of the rule's move (the run's earliest agent move meeting it); runs with none left out."""
    moves = X[X["is_model"].fillna(0).astype(bool) & X["agent"].notna()]
    if rule == "R1":
        hit = moves["final_origin_first"].fillna(0) > 0
    elif rule == "R2":
        hit = (moves["corrected_later"].fillna(0) > 0) | (moves["contra_next"].fillna(0) > 0)
    else:
        raise ValueError(rule)
    first = moves[hit].sort_values(["run_id", "pos"], kind="stable").drop_duplicates("run_id")
    return first.set_index("run_id")["agent"]


def blend(
    steps: pd.DataFrame, agents: pd.DataFrame, named: pd.Series, w: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """v11's ranked agents with ``+w`` log-odds on the rule's agent; the step moved into the new top agent."""
    a = agents.copy()
    lift = [w if named.get(r) == ag else 0.0 for r, ag in zip(a["run_id"], a["agent"], strict=True)]
    # The agent table keeps the agent scorer's best-move probability (v11 ranks agents by its listwise-blended
    # scorer, not the step scorer): its log-odds, clipped where it saturates (ties keep v11's rank order below).
    p = np.clip(a["score"].to_numpy(dtype=float), 1e-12, 1 - 1e-12)
    a["blend"] = np.log(p) - np.log1p(-p) + np.array(lift)
    a = a.sort_values(["run_id", "blend", "rank"], ascending=[True, False, True], kind="stable")
    a["rank"] = a.groupby("run_id").cumcount() + 1
    top = a[a["rank"] == 1].set_index("run_id")["agent"]
    old_top = agents[agents["rank"] == 1].set_index("run_id")["agent"]
    moved = top[top.ne(old_top.reindex(top.index))].index
    s = steps.copy()
    if len(moved):
        keep = s[~s["run_id"].isin(moved)]
        parts = [keep]
        for r in moved:
            g = s[s["run_id"] == r].sort_values(["logit", "pos"], ascending=[False, True], kind="stable")
            own = g["agent"].fillna("<none>") == top[r]
            g = pd.concat([g[own], g[~own]])
            parts.append(g.assign(rank=np.arange(1, len(g) + 1)))
        s = pd.concat(parts, ignore_index=True)
    return s, a


def blend_splits(
    steps: pd.DataFrame, agents: pd.DataFrame, named: pd.Series, w: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`blend` within each split (a run is scored in several: a CV fold and its system held out)."""
    parts = [blend(steps[steps["split"] == k], a, named, w) for k, a in agents.groupby("split", sort=False)]
    return pd.concat([p[0] for p in parts], ignore_index=True), pd.concat(
        [p[1] for p in parts], ignore_index=True
    )


def figures(
    labels: pd.DataFrame, steps: pd.DataFrame, agents: pd.DataFrame, names: list[str]
) -> dict[str, tuple]:
    """(runs, agents right, steps right) per split name (the CV folds summed as ``cv``)."""
    out = {}
    for name in names:
        parts = [n for n in steps["split"].unique() if n.startswith("cv")] if name == "cv" else [name]
        s, a = steps[steps["split"].isin(parts)], agents[agents["split"].isin(parts)]
        lab = labels[labels["run_id"].isin(a["run_id"].unique())]
        m = _metrics(lab, s, a, 3, 2)
        out[name] = (
            m["runs"],
            round(m["agent_acc"] * m["runs"]),
            round(m["step_acc"] * m["step_runs"]) if m["step_runs"] else 0,
        )
    return out


def rule_table(
    X: pd.DataFrame, labels: pd.DataFrame, agents: pd.DataFrame, systems: list[str]
) -> pd.DataFrame:
    culprit = set(zip(labels["run_id"], labels["agent"].astype(object), strict=True))
    rows = []
    for rule in RULES:
        named = rule_agents(X, rule)
        for s in systems:
            a = agents[agents["split"] == f"loso:{s}"]
            cand = a.groupby("run_id")["agent"].apply(set)
            fires = [r for r in cand.index if named.get(r) in cand[r]]
            hits = sum((r, named[r]) in culprit for r in fires)
            v11 = a[(a["rank"] == 1) & a["run_id"].isin(fires)]
            v11_hits = sum((r, x) in culprit for r, x in zip(v11["run_id"], v11["agent"], strict=True))
            rand = float(np.mean([1 / len(cand[r]) for r in fires])) if fires else float("nan")
            rows.append(
                {
                    "rule": rule,
                    "system": s,
                    "runs": len(cand),
                    "fires": len(fires),
                    "rule right": hits,
                    "rule rate": hits / len(fires) if fires else float("nan"),
                    "random rate": rand,
                    "v11 right there": v11_hits,
                    "agrees with v11": int(
                        sum(named[r] == x for r, x in zip(v11["run_id"], v11["agent"], strict=True))
                    ),
                }
            )
    return pd.DataFrame(rows)


def agreement_rows(X: pd.DataFrame, labels: pd.DataFrame, agents: pd.DataFrame, rule: str) -> pd.DataFrame:
    """Per held-out (LOSO) verdict: its system, whether it is right, its agreement group with the rule, its agents."""
    culprit = set(zip(labels["run_id"], labels["agent"].astype(object), strict=True))
    named = rule_agents(X, rule)
    loso = agents[agents["split"].str.startswith("loso:")]
    n_agents = loso.groupby(["split", "run_id"])["agent"].transform("size")
    top = loso[loso["rank"] == 1].assign(n_agents=n_agents[loso["rank"] == 1])
    group = [
        "none" if r not in named.index else ("agree" if named[r] == a else "disagree")
        for r, a in zip(top["run_id"], top["agent"], strict=True)
    ]
    return pd.DataFrame(
        {
            "system": top["split"].str.removeprefix("loso:").to_numpy(),
            "ok": [(r, a) in culprit for r, a in zip(top["run_id"], top["agent"], strict=True)],
            "group": group,
            "n_agents": top["n_agents"].to_numpy(),
        }
    )


def agreement_confidence(v: pd.DataFrame) -> np.ndarray:
    """A1/A2: each verdict's group hit rate over the other systems' held-out verdicts; one candidate agent: 1."""
    conf = np.empty(len(v))
    for s in v["system"].unique():
        mine = (v["system"] == s).to_numpy()
        rate = v[~mine].groupby("group")["ok"].mean()
        conf[mine] = v.loc[mine, "group"].map(rate).fillna(v.loc[~mine, "ok"].mean()).to_numpy()
    return np.where(v["n_agents"].to_numpy() == 1, 1.0, conf)


def calib(X: pd.DataFrame, labels: pd.DataFrame, agents: pd.DataFrame) -> None:
    from workbench.attribution._calibration import brier, reliability

    for name, rule in (("A1", "R1"), ("A2", "R2")):
        v = agreement_rows(X, labels, agents, rule)
        v["conf"] = agreement_confidence(v)
        ok = v["ok"].to_numpy()
        # the out-of-system constant: each system's confidence = the other systems' hit rate
        const = np.array([v.loc[v["system"] != s, "ok"].mean() for s in v["system"]])
        rows = []
        for s, g in [*v.groupby("system"), ("POOLED", v)]:
            sure = g["conf"] >= 0.5
            rows.append(
                {
                    "held out": s,
                    "verdicts": len(g),
                    "sure right / all": f"{int(g.loc[sure, 'ok'].sum())} / {int(sure.sum())}",
                    "uncertain right / all": f"{int(g.loc[~sure, 'ok'].sum())} / {int((~sure).sum())}",
                    "agree / disagree / none right": " / ".join(
                        f"{int(g.loc[g['group'] == k, 'ok'].sum())}/{int((g['group'] == k).sum())}"
                        for k in ("agree", "disagree", "none")
                    ),
                    "Brier": brier(g["conf"].to_numpy(), g["ok"].to_numpy()),
                }
            )
        print(
            f"## {name}: confidence from v11's agreement with {rule}, by other systems' held-out verdicts\n"
        )
        print(markdown(pd.DataFrame(rows)) + "\n")
        print(
            f"pooled Brier {brier(v['conf'].to_numpy(), ok):.3f}; oracle constant {brier(np.full(len(ok), ok.mean()), ok):.3f}; "
            f"out-of-system constant {brier(const, ok):.3f}\n"
        )
        print(markdown(reliability(v["conf"].to_numpy(), ok, n_bins=5)) + "\n")


NATURAL = (AG, "tau-bench/retail", HC)


def t1_fit(X: pd.DataFrame, labels: pd.DataFrame, held: str) -> tuple[pd.DataFrame, pd.DataFrame, int, float]:
    """T1: v11's recipe (uncalibrated) trained on every run but ``held``'s and AEGIS's, ranking ``held``'s runs:
    (steps, agents, training runs, CPU s)."""
    sys_of = X.drop_duplicates("run_id").set_index("run_id")["system"]
    test = sorted(sys_of.index[sys_of == held])
    train = sorted(sys_of.index[(sys_of != held) & ~sys_of.str.startswith("aegis/")])
    c0 = time.process_time()
    m = BlameModel(**{**V11, "calibration_cv": None}).fit_frame(
        X[X["run_id"].isin(train)], labels[labels["run_id"].isin(train)]
    )
    s, a = m.rank_frame(X[X["run_id"].isin(test)])
    return s, a, len(train), time.process_time() - c0


def pool(X: pd.DataFrame, labels: pd.DataFrame, steps: pd.DataFrame, agents: pd.DataFrame) -> None:
    """Addendum 2 (T1): each natural-failure system held out, v11's recipe with and without the AEGIS runs."""
    rows, tot = [], {"v11 (every other run)": [0, 0, 0], "T1 (no AEGIS)": [0, 0, 0]}
    for held in NATURAL:
        s, a, n_train, cpu = t1_fit(X, labels, held)
        f_new = figures(labels, s.assign(split="t1"), a.assign(split="t1"), ["t1"])["t1"]
        f_old = figures(labels, steps, agents, [f"loso:{held}"])[f"loso:{held}"]
        for k, f in (("v11 (every other run)", f_old), ("T1 (no AEGIS)", f_new)):
            tot[k] = [t + x for t, x in zip(tot[k], f, strict=True)]
        rows.append(
            {
                "held out": held,
                "runs": f_old[0],
                "v11 agent / step": f"{f_old[1]} / {f_old[2]}",
                "T1 agent / step": f"{f_new[1]} / {f_new[2]}",
                "T1 training runs": n_train,
                "T1 fit CPU s": round(cpu, 1),
            }
        )
    rows.append(
        {
            "held out": "POOLED",
            "runs": tot["T1 (no AEGIS)"][0],
            "v11 agent / step": "{1} / {2}".format(*tot["v11 (every other run)"]),
            "T1 agent / step": "{1} / {2}".format(*tot["T1 (no AEGIS)"]),
        }
    )
    print(markdown(pd.DataFrame(rows)))


RAW = ("first_numbers",)  # read raw by the unfitted value_prior


def per_system(X: pd.DataFrame, names: list[str], group: pd.Series) -> pd.DataFrame:
    """Addendum 4 (P1): each group's moves imputed by its own median and standardised by its own statistics."""
    out = X.copy()
    cols = [c for c in names if c not in RAW]
    for _, idx in X.groupby(group.to_numpy(), sort=False).groups.items():
        block = X.loc[idx, cols].to_numpy(dtype=np.float64)
        seen = ~np.isnan(block).all(axis=0)
        med = np.where(seen, np.nanmedian(np.where(seen, block, 0.0), axis=0), np.nan)
        filled = np.where(np.isnan(block), med, block)
        mean, sd = filled.mean(axis=0), filled.std(axis=0)
        z = np.where(sd > 1e-12, (filled - mean) / np.where(sd > 1e-12, sd, 1.0), 0.0)
        out.loc[idx, cols] = np.where(seen, z, np.nan)
    return out


def persys(X: pd.DataFrame, labels: pd.DataFrame, steps: pd.DataFrame, agents: pd.DataFrame) -> None:
    """Addendum 4: v11's recipe on per-system standardised moves, every split of :func:`splits`, beside v11."""
    params = {**V11, "calibration_cv": None}
    names = BlameModel(
        **params
    )._input_names()  # every input of the recipe (a fit drops the ones it never saw)
    new_s, new_a = [], []
    for name, train, test in splits(X):
        tr, te = X[X["run_id"].isin(train)], X[X["run_id"].isin(test)]
        tr = per_system(tr, names, tr["system"].fillna(""))
        te = per_system(te, names, pd.Series("scored", index=te.index))
        m = BlameModel(**params).fit_frame(tr, labels[labels["run_id"].isin(train)])
        s, a = m.rank_frame(te)
        new_s.append(s.assign(split=name))
        new_a.append(a.assign(split=name))
    s, a = pd.concat(new_s, ignore_index=True), pd.concat(new_a, ignore_index=True)
    print(beside_v11(labels, steps, agents, {"P1 per-system standardised": (s, a)}))


def beside_v11(labels: pd.DataFrame, steps: pd.DataFrame, agents: pd.DataFrame, variants: dict) -> str:
    """The protocol's figures of v11 (``steps``, ``agents``) and of each variant's (steps, agents), as a table."""
    real = sorted({n.removeprefix("loso:") for n in agents["split"].unique() if n.startswith("loso:")})
    names = ["cv", "ag->hc", *[f"loso:{x}" for x in real]]
    rows = []
    for variant, (s, a) in {"v11": (steps, agents), **variants}.items():
        f = figures(labels, s, a, names)
        rows.append(
            {
                "variant": variant,
                "CV agent / step": f"{f['cv'][1]} / {f['cv'][2]}",
                "Alg-Gen -> HC agent / step": f"{f['ag->hc'][1]} / {f['ag->hc'][2]}",
                "pooled LOSO agent": f"{sum(f[n][1] for n in names[2:])} / {sum(f[n][0] for n in names[2:])}",
                **{n.removeprefix("loso:"): f"{f[n][1]} / {f[n][2]}" for n in names[2:]},
            }
        )
    return markdown(pd.DataFrame(rows))


def step_in_agent(X: pd.DataFrame, steps: pd.DataFrame, agents: pd.DataFrame, how: str) -> pd.DataFrame:
    """Addendum 5: each run's step moved to a move of its named agent, by S1 (earliest within 0.25 log-odds of the
    agent's best) or S2 (earliest corrected or contradicted, else the agent's best); the other moves follow."""
    cue = X[["run_id", "step_id", "corrected_later", "contra_next"]]
    top = agents.loc[agents["rank"] == 1, ["split", "run_id", "agent"]].rename(columns={"agent": "_named"})
    s = steps.merge(top, on=["split", "run_id"], how="left").merge(cue, on=["run_id", "step_id"], how="left")
    own = s["agent"].fillna("<none>").astype(object) == s["_named"]
    best = s["logit"].where(own).groupby([s["split"], s["run_id"]]).transform("max")
    if how == "S1":
        pick = own & (s["logit"] >= best - 0.25)
    else:
        flagged = own & ((s["corrected_later"].fillna(0) > 0) | (s["contra_next"].fillna(0) > 0))
        has = flagged.groupby([s["split"], s["run_id"]]).transform("any")
        pick = flagged | (own & ~has & (s["logit"] >= best))
    s["_first"] = np.where(pick, s["pos"], np.inf)
    chosen = s["_first"] == s.groupby(["split", "run_id"])["_first"].transform("min")
    s["_chosen"] = chosen & pick
    s = s.sort_values(["split", "run_id", "rank"], kind="stable")
    key = [s["split"], s["run_id"]]
    moved = s["_chosen"].groupby(key).transform("any")  # a run with no pick keeps v11's order
    later = (~s["_chosen"]).astype(int).groupby(key).cumsum() + 1
    s["rank"] = np.where(moved, np.where(s["_chosen"], 1, later), s["rank"])
    return s.drop(columns=["_named", "_first", "_chosen", "corrected_later", "contra_next"])


def step_looks(
    X: pd.DataFrame, labels: pd.DataFrame, steps: pd.DataFrame, agents: pd.DataFrame, final: str
) -> None:
    """Addendum 5's figures: without Hand-Crafted (``final`` empty), or the chosen one with it."""
    names = ["cv", f"loso:{AG}", "loso:tau-bench/retail"]
    if final:
        names += ["ag->hc", f"loso:{HC}"]
    keep = steps["split"].isin(names) | steps["split"].str.startswith("cv")
    steps, agents = steps[keep], agents[agents["split"].isin(steps["split"].unique())]
    rows = []
    for variant in ("v11", *((final,) if final else ("S1", "S2"))):
        s = steps if variant == "v11" else step_in_agent(X, steps, agents, variant)
        f = figures(labels, s, agents, names)
        rows.append({"variant": variant, **{n: f"{f[n][2]} of {f[n][0]} (agent {f[n][1]})" for n in names}})
    print(markdown(pd.DataFrame(rows)))


def main() -> None:
    warnings.simplefilter("ignore")
    cmd, frame, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    if cmd == "rank":
        rank(frame, out)
        return
    X, labels = read_frame(frame)
    steps = pd.read_parquet(out.with_suffix(".steps.parquet"))
    agents = pd.read_parquet(out.with_suffix(".agents.parquet"))
    real = sorted({n.removeprefix("loso:") for n in agents["split"].unique() if n.startswith("loso:")})
    print(f"load average {np.round(os.getloadavg(), 1)}\n")
    if cmd == "steps":
        step_looks(X, labels, steps, agents, sys.argv[4] if len(sys.argv) > 4 else "")
        return
    if cmd == "persys":
        persys(X, labels, steps, agents)
        return
    if cmd == "pool":
        pool(X, labels, steps, agents)
        return
    if cmd == "calib":
        calib(X, labels, agents)
        return
    if cmd == "choose":
        others = [s for s in real if s != HC]
        names = ["cv", *[f"loso:{s}" for s in others]]
        steps, agents = (
            steps[steps["split"].isin(names) | steps["split"].str.startswith("cv")],
            agents[agents["split"].isin(names) | agents["split"].str.startswith("cv")],
        )
        print(
            "## Rules alone, each real system but Hand-Crafted held out (candidates: v11's ranked agents)\n"
        )
        print(markdown(rule_table(X, labels, agents, others)) + "\n")
        rows = []
        for rule, w in [("v11", 0.0)] + [(r, w) for r in RULES for w in WEIGHTS]:
            s, a = (steps, agents) if rule == "v11" else blend_splits(steps, agents, rule_agents(X, rule), w)
            f = figures(labels, s, a, names)
            rows.append(
                {
                    "variant": rule if rule == "v11" else f"{rule} w={w:g}",
                    "CV agent": f["cv"][1],
                    "CV step": f["cv"][2],
                    "pooled LOSO agent (non-HC)": sum(f[n][1] for n in names[1:]),
                    "of": sum(f[n][0] for n in names[1:]),
                    **{n.removeprefix("loso:"): f[n][1] for n in names[1:]},
                }
            )
        print("## Blends (no Hand-Crafted run)\n")
        print(markdown(pd.DataFrame(rows)))
        return
    rule, w = sys.argv[4], float(sys.argv[5])
    print(
        beside_v11(
            labels, steps, agents, {f"{rule} w={w:g}": blend_splits(steps, agents, rule_agents(X, rule), w)}
        )
    )


if __name__ == "__main__":
    main()

"""blame45 harness (issue 12): natural-failure systems apart. Protocol: bench/protocol_blame45.md.

Usage::

    python bench/attribution_blame45.py rules FRAME R            # look B0: the rules on natural systems but HC
    python bench/attribution_blame45.py blends FRAME R           # look B1: T1 pool + rule blends, no Hand-Crafted
    python bench/attribution_blame45.py blends FRAME R RULE W    # the chosen (rule, w) (or T1 0), Hand-Crafted too
    python bench/attribution_blame45.py conf FRAME CAPTURE [hc]  # look C: C1-C4 (with hc: Hand-Crafted held out too)
    python bench/attribution_blame45.py labels FRAME R HC MAGENTIC GROUND_TRUTH   # diagnostic: a second labelling
    python bench/attribution_blame45.py table FRAME R CAPTURE    # issue 12's table for the shipped recipe (v11)

FRAME is ``bench/attribution_blame14.py --save-frame``'s; R is ``bench/attribution_blame44.py rank``'s output (v11's
rankings per split); CAPTURE is ``bench/attribution_blame42.py capture``'s (v11's held-out verdicts per real system
and the nested inner verdicts its calibration is fitted on). ``labels`` compares Who&When Hand-Crafted's labels (HC: its
folder of JSON records) with AgentRx's root causes of the same Magentic-One runs (github.com/microsoft/AgentRx,
``data/magentic_dataset/`` and ``data/ground_truth/magentic_one_ground_truth.json``; MIT), and v11's verdicts with both.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import attribution_blame42 as b42  # noqa: E402
from attribution_blame42 import _sigmoid, reliability_table  # noqa: E402
from attribution_blame44 import blend_splits, figures, read_frame, rule_agents, rule_table, t1_fit  # noqa: E402
from attribution_logonly import AG, HC, markdown  # noqa: E402

TAU = "tau-bench/retail"
NATURAL = (AG, HC, TAU)
CHOOSE_ON = (AG, TAU)  # natural systems but the held-out Hand-Crafted
WEIGHTS = (0.5, 1.0, 2.0)


def read_ranks(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.read_parquet(path.with_suffix(".steps.parquet")), pd.read_parquet(
        path.with_suffix(".agents.parquet")
    )


# -- look B ------------------------------------------------------------------------------------------------------
def t1_ranks(X: pd.DataFrame, labels: pd.DataFrame, held: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """blame44's T1 (every run but the held-out system's and AEGIS's trains), per held-out system."""
    steps, agents = [], []
    for s in held:
        st, ag, n_train, cpu = t1_fit(X, labels, s)
        steps.append(st.assign(split=f"loso:{s}"))
        agents.append(ag.assign(split=f"loso:{s}"))
        print(f"T1 {s}: {n_train} training runs, {cpu:.0f} CPU s", flush=True)
    return pd.concat(steps, ignore_index=True), pd.concat(agents, ignore_index=True)


def blends(
    X: pd.DataFrame, labels: pd.DataFrame, steps: pd.DataFrame, agents: pd.DataFrame, final: tuple
) -> None:
    """B1: per (rule, w), Alg-Gen CV (v11 blended) and the natural systems held out with the T1 pool (blended)."""
    held = [*CHOOSE_ON, *((HC,) if final else ())]
    t1s, t1a = t1_ranks(X, labels, held)
    cv = steps["split"].str.startswith("cv")
    cvs, cva = steps[cv], agents[agents["split"].str.startswith("cv")]
    names = ["cv", *[f"loso:{s}" for s in held], *(["ag->hc"] if final else [])]
    hc_s, hc_a = steps[steps["split"] == "ag->hc"], agents[agents["split"] == "ag->hc"]
    variants = [("v11 pool (no blend)", "v11", 0.0), ("T1 (no blend)", "T1", 0.0)]
    variants += [(f"T1 + {r} w={w:g}", r, w) for r in ("R1", "R2") for w in WEIGHTS] if not final else [final]
    rows = []
    for label, rule, w in variants:
        if rule == "v11":
            s = steps[steps["split"].isin(names) | cv]
            a = agents[agents["split"].isin(names) | agents["split"].str.startswith("cv")]
        else:
            s = pd.concat([cvs, t1s, hc_s]) if final else pd.concat([cvs, t1s])
            a = pd.concat([cva, t1a, hc_a]) if final else pd.concat([cva, t1a])
            if w:
                s, a = blend_splits(s, a, rule_agents(X, rule), w)
        f = figures(labels, s, a, names)
        rows.append(
            {
                "variant": label,
                "CV agent / step": f"{f['cv'][1]} / {f['cv'][2]}",
                **{
                    n.removeprefix("loso:") + " held out": f"{f[n][1]} / {f[n][2]} of {f[n][0]}"
                    for n in names[1:]
                },
                "AG + tau held-out agents": sum(f[f"loso:{x}"][1] for x in CHOOSE_ON),
            }
        )
    print(markdown(pd.DataFrame(rows)))


# -- look C ------------------------------------------------------------------------------------------------------
INPUTS = {
    "C1": (["margin", "log_agents"], "natural"),
    "C2": (["margin", "log_agents", "agree", "disagree", "log_moves"], "natural"),
    "C3": (["agree", "disagree"], "natural"),
    "C4": (["margin", "log_agents", "agree", "disagree", "log_moves"], "real"),
}
SIGN = {"margin": 1, "agree": 1, "disagree": -1}
# blame42's calibrator (its sign rule, its nested 5-fold constant fallback, unweighted rows) with these inputs' signs
b42._SIGN.update(SIGN)


def verdict_inputs(rows: pd.DataFrame, X: pd.DataFrame) -> pd.DataFrame:
    """The top agent of each (outer, part, run) with the protocol's inputs and ``sole`` (one candidate agent)."""
    key = ["outer", "part", "run_id"]
    p = rows["score"].astype(float).clip(1e-6, 1 - 1e-6)
    r = rows.assign(_lo=np.log(p / (1 - p))).sort_values([*key, "rank"], kind="stable")
    second = r.groupby(key, sort=False)["_lo"].nth(1)
    second = pd.Series(second.to_numpy(), index=pd.MultiIndex.from_frame(r.loc[second.index, key]))
    cands = r.groupby(key, sort=False)["agent"].agg(lambda a: set(a.dropna()))
    top = r[r["rank"] == 1].drop_duplicates(key).reset_index(drop=True)
    idx = pd.MultiIndex.from_frame(top[key])
    n = top["n_agents"].astype(float).to_numpy()
    top["margin"] = np.where(n > 1, top["_lo"].to_numpy() - second.reindex(idx).fillna(0.0).to_numpy(), 0.0)
    top["log_agents"] = np.log(n)
    named = rule_agents(X, "R1")
    rule = [named.get(x) for x in top["run_id"]]
    fires = [a is not None and a in c for a, c in zip(rule, cands.reindex(idx), strict=True)]
    top["agree"] = [float(f and a == t) for f, a, t in zip(fires, rule, top["agent"], strict=True)]
    top["disagree"] = [float(f and a != t) for f, a, t in zip(fires, rule, top["agent"], strict=True)]
    top["log_moves"] = np.log(top["run_id"].map(X.groupby("run_id").size()).astype(float).to_numpy())
    top["sole"] = (n == 1) & top["agent"].notna() & (top["agent"] != "<none>")
    return top.drop(columns="_lo")


def test_row(conf: np.ndarray, y: np.ndarray, base: float) -> dict:
    """The protocol's test on one held-out system: (i) Brier < the constant at ``base``; (ii) sure - uncertain
    >= 5 points with >= 3 of each."""
    sure = conf >= 0.5
    b, bc = float(np.mean((conf - y) ** 2)), float(np.mean((base - y) ** 2))
    gap = 100 * (y[sure].mean() - y[~sure].mean()) if sure.sum() >= 3 and (~sure).sum() >= 3 else float("nan")
    return {
        "sure right / all": f"{int(y[sure].sum())} / {int(sure.sum())}",
        "uncertain right / all": f"{int(y[~sure].sum())} / {int((~sure).sum())}",
        "gap (points)": round(gap, 1),
        "Brier": round(b, 4),
        "const Brier": round(bc, 4),
        "base": round(base, 3),
        "pass": bool(b < bc and gap >= 5),
    }


def conf(X: pd.DataFrame, cap: pd.DataFrame, with_hc: bool) -> None:
    F = verdict_inputs(cap, X)
    held_sys = [s for s in sorted(F["outer"].unique()) if with_hc or s != HC]
    rows, fitted, pooled = [], [], {k: [] for k in ["K0", *INPUTS]}
    for s in held_sys:
        part = F[F["outer"] == s]
        inner, h = part[part["part"] != "held"], part[part["part"] == "held"]
        y = h["y"].to_numpy(dtype=float)
        sole = h["sole"].to_numpy()
        real = inner[inner["part"].isin([x for x in F["outer"].unique()])]
        nat = inner[inner["part"].isin(NATURAL)]
        # K0: the shipped confidence, against its own rows' base rate (every inner system, simulator included)
        rows.append(
            {
                "held out": s,
                "candidate": "K0 (shipped)",
                **test_row(h["confidence"].to_numpy(), y, float(inner["y"].mean())),
            }
        )
        pooled["K0"].append((h["confidence"].to_numpy(), y))
        for k, (names, pool) in INPUTS.items():
            train = nat if pool == "natural" else real
            coef, b, const = b42.signed_platt(train, names, balanced=False)
            c = np.where(sole, 1.0, _sigmoid(np.nan_to_num(h[names].to_numpy(dtype=np.float64)) @ coef + b))
            rows.append(
                {
                    "held out": s,
                    "candidate": k,
                    **test_row(c, y, float(train["y"].mean())),
                    "rows": f"{len(train)} ({', '.join(sorted(train['part'].unique()))})",
                }
            )
            fitted.append((s, k, dict(zip(names, coef.round(3), strict=True)), round(b, 3), const))
            pooled[k].append((c, y))
    for f in fitted:
        print("fitted", *f)
    t = pd.DataFrame(rows)
    print(markdown(t.drop(columns="rows")) + "\n")
    print(
        "rows:",
        t.dropna(subset=["rows"])
        .drop_duplicates(["held out", "candidate"])[["held out", "candidate", "rows"]]
        .to_string(),
    )
    chosen = []
    for k in INPUTS:
        c = t[(t["candidate"] == k) & t["held out"].isin(CHOOSE_ON)]
        if len(c) == len(CHOOSE_ON) and c["pass"].all():
            chosen.append((c["Brier"].mean(), len(INPUTS[k][0]), k))
    print(
        "\nchoice (Alg-Gen and tau-bench held out only):",
        sorted(chosen)[0][2] if chosen else "none passes",
        chosen,
    )
    for k, parts in pooled.items():
        nat = [p for s, p in zip(held_sys, parts, strict=True) if s in NATURAL]
        for label, ps in (("natural", nat), ("all held out", parts)):
            c, y = np.concatenate([p[0] for p in ps]), np.concatenate([p[1] for p in ps])
            print(
                f"{k} pooled {label}: Brier {np.mean((c - y) ** 2):.4f}; reliability {reliability_table(pd.Series(c), pd.Series(y))}"
            )


# -- diagnostic: two labellings of the same runs ----------------------------------------------------------------------
def second_labelling(hc: Path, magentic: Path, ground_truth: Path) -> pd.DataFrame:
    """Per run labelled by both: Who&When's culprit agent / step and AgentRx's root cause's (0-based step index)."""
    from workbench.ingest.whowhen import run_id_of

    gt = {g["trajectory_id"]: g for g in json.loads(ground_truth.read_text())}
    by_question = {}
    for f in sorted(hc.glob("*.json")):
        rec = json.loads(f.read_text())
        by_question[rec["question"].strip()] = rec
    rows = []
    for f in sorted(magentic.glob("*.json")):
        traj = json.loads(f.read_text())
        if not isinstance(traj, list) or f.stem not in gt or not traj:
            continue  # AgentRx's folder also holds an index (a JSON object) and runs it did not label
        rec = by_question.get(str(traj[0].get("content", "")).strip())
        root = (gt[f.stem].get("root_cause") or {}).get("failure_id")
        failure = next((x for x in gt[f.stem]["failures"] if x.get("failure_id") == root), None)
        if rec is None or failure is None or len(rec["history"]) != len(traj):
            continue
        rows.append(
            {
                "run_id": run_id_of(rec),
                "ww_agent": rec["mistake_agent"].lower(),
                "ww_step": f"t{int(rec['mistake_step']):03d}",
                "rx_agent": failure["failed_agent"].lower(),
                "rx_step": f"t{failure['step_number'] - 1:03d}",
            }
        )
    return pd.DataFrame(rows)


def labels_diag(agents: pd.DataFrame, steps: pd.DataFrame, t: pd.DataFrame) -> None:
    print(
        f"{len(t)} Hand-Crafted runs labelled by both: culprit agent equal {int((t.ww_agent == t.rx_agent).sum())}, "
        f"decisive step equal {int((t.ww_step == t.rx_step).sum())}\n"
    )
    rows = []
    for split in ("ag->hc", f"loso:{HC}"):
        a = agents[(agents["split"] == split) & (agents["rank"] == 1)].set_index("run_id")["agent"]
        s = steps[(steps["split"] == split) & (steps["rank"] == 1)].set_index("run_id")["step_id"]
        va, vs = t["run_id"].map(a).fillna("").str.lower(), t["run_id"].map(s)
        rows.append(
            {
                "v11 verdicts": split,
                "agent = Who&When": int((va == t.ww_agent).sum()),
                "agent = AgentRx": int((va == t.rx_agent).sum()),
                "agent = either": int(((va == t.ww_agent) | (va == t.rx_agent)).sum()),
                "step = Who&When": int((vs == t.ww_step).sum()),
                "step = AgentRx": int((vs == t.rx_step).sum()),
            }
        )
    print(markdown(pd.DataFrame(rows)))


# -- issue 12's table ------------------------------------------------------------------------------------------------
def calibrated_rows(X: pd.DataFrame, labels: pd.DataFrame) -> list[dict]:
    """Alg-Gen CV and Alg-Gen only -> Hand-Crafted with v11's calibrated confidence (as shipped: run folds within one
    training system, the familiarity shrink), tested against a constant at the out-of-fold hit rate of the training
    runs (a CV fold: the other folds' verdicts; Hand-Crafted: every CV verdict)."""
    from attribution_blame31 import V11
    from attribution_blame44 import splits

    from workbench.attribution._blame_model import BlameModel

    culprit = set(zip(labels["run_id"], labels["agent"].astype(object), strict=True))
    got = {}
    for name, train, test in splits(X):
        if name.startswith("cv") or name == "ag->hc":
            m = BlameModel(**V11).fit_frame(X[X["run_id"].isin(train)], labels[labels["run_id"].isin(train)])
            _, a = m.rank_frame(X[X["run_id"].isin(test)])
            top = a[a["rank"] == 1]
            ok = np.array(
                [(r, x) in culprit for r, x in zip(top["run_id"], top["agent"], strict=True)], dtype=float
            )
            got[name] = (top["confidence"].to_numpy(dtype=float), ok)
    folds = [k for k in got if k.startswith("cv")]
    cv_c = np.concatenate([got[k][0] for k in folds])
    cv_ok = np.concatenate([got[k][1] for k in folds])
    cv_base = np.concatenate(
        [
            np.full(len(got[k][1]), np.mean(np.concatenate([got[j][1] for j in folds if j != k])))
            for k in folds
        ]
    )
    hc_c, hc_ok = got["ag->hc"]
    rows = [
        {"figure": "Alg-Gen 5-fold CV", "runs": len(cv_ok), **test_row(cv_c, cv_ok, 0.0)},
        {
            "figure": "Alg-Gen only -> Hand-Crafted",
            "runs": len(hc_ok),
            **test_row(hc_c, hc_ok, float(cv_ok.mean())),
        },
    ]
    rows[0]["const Brier"] = round(float(np.mean((cv_base - cv_ok) ** 2)), 4)  # per fold's own constant
    rows[0]["base"] = "per fold"
    rows[0]["pass"] = bool(rows[0]["Brier"] < rows[0]["const Brier"] and rows[0]["gap (points)"] >= 5)
    return rows


def table(
    X: pd.DataFrame, labels: pd.DataFrame, steps: pd.DataFrame, agents: pd.DataFrame, cap: pd.DataFrame
) -> None:
    real = sorted({n.removeprefix("loso:") for n in agents["split"].unique() if n.startswith("loso:")})
    f = figures(labels, steps, agents, ["cv", "ag->hc", *[f"loso:{s}" for s in real]])
    H = verdict_inputs(cap, X)
    rows = []
    for name, label in (("cv", "Alg-Gen 5-fold CV by run"), ("ag->hc", "Alg-Gen only -> Hand-Crafted")):
        n, a, st = f[name]
        rows.append(
            {
                "figure": label,
                "runs": n,
                "agent": f"{a} ({100 * a / n:.1f} %)",
                "step": f"{st} ({100 * st / n:.1f} %)",
            }
        )
    for s in real:
        n, a, st = f[f"loso:{s}"]
        h = H[(H["outer"] == s) & (H["part"] == "held")]
        inner = H[(H["outer"] == s) & (H["part"] != "held")]
        t = test_row(
            h["confidence"].to_numpy(dtype=float), h["y"].to_numpy(dtype=float), float(inner["y"].mean())
        )
        rows.append(
            {
                "figure": f"held out: {s}",
                "runs": n,
                "agent": f"{a} ({100 * a / n:.1f} %)",
                "step": f"{st} ({100 * st / n:.1f} %)" if s in NATURAL else "(agent labels only)",
                "Brier / constant": f"{t['Brier']:.3f} / {t['const Brier']:.3f}",
                "sure right / all": t["sure right / all"],
                "uncertain right / all": t["uncertain right / all"],
            }
        )
    print(markdown(pd.DataFrame(rows)) + "\n")
    print(markdown(pd.DataFrame(calibrated_rows(X, labels))))


def main() -> None:
    warnings.simplefilter("ignore")
    cmd, frame = sys.argv[1], Path(sys.argv[2])
    X, labels = read_frame(frame)
    print(f"load average {np.round(os.getloadavg(), 1)}\n")
    if cmd == "conf":
        conf(X, pd.read_parquet(sys.argv[3]), len(sys.argv) > 4 and sys.argv[4] == "hc")
        return
    steps, agents = read_ranks(Path(sys.argv[3]))
    if cmd == "rules":
        a = agents[agents["split"].isin([f"loso:{s}" for s in CHOOSE_ON])]
        print(markdown(rule_table(X, labels, a, list(CHOOSE_ON))))
    elif cmd == "table":
        table(X, labels, steps, agents, pd.read_parquet(sys.argv[4]))
    elif cmd == "labels":
        labels_diag(agents, steps, second_labelling(*map(Path, sys.argv[4:7])))
    elif cmd == "blends":
        final = (
            (f"{sys.argv[4]} w={sys.argv[5]}", sys.argv[4], float(sys.argv[5])) if len(sys.argv) > 5 else ()
        )
        blends(X, labels, steps, agents, final)


if __name__ == "__main__":
    main()

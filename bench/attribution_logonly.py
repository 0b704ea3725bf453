"""Log-only attribution on real multi-agent logs: the table of issue 12, for the data present.

Usage::

    python bench/attribution_logonly.py                       # the table (Who&When + simulator)
    python bench/attribution_logonly.py --quick               # 3-fold, fewer simulator runs
    python bench/attribution_logonly.py --write-pretrained    # also refit and write the shipped model

Data (each row says which it used):

- ``../shared/samples/whowhen-algorithm-generated/*.json``: Who&When Algorithm-Generated, 126 runs.
- ``../shared/samples/whowhen/Hand-Crafted/*.json``: the Hand-Crafted runs present (a sample).
- ``wb.sim.procurement(seed=303, fault_rate=1.0)``: simulated runs of another system (5 agents,
  tools), scored with the model's portable features only.

Metrics are the Who&When paper's: exact culprit agent and exact decisive step (top-1), plus
step top-3 and the Brier score of the calibrated agent confidence. Cross-validation is 5-fold by
run (``groups="run"``); cross-system rows fit on one system and score another
(``groups="system"``). The machine's load average is printed with the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import workbench as wb  # noqa: E402
from workbench.attribution._blame_model import BlameModel  # noqa: E402
from workbench.attribution._calibration import brier, reliability  # noqa: E402
from workbench.attribution._evaluate import evaluate_attribution  # noqa: E402
from workbench.attribution._heuristics import culprit_labels  # noqa: E402
from workbench.attribution._persist import PRETRAINED  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
for candidate in (SAMPLES, Path("/work/shared/samples")):
    if candidate.is_dir():
        SAMPLES = candidate
        break
AG = "whowhen/Algorithm-Generated"
HC = "whowhen/Hand-Crafted"
SIM = "procurement"
PARAMS = {"features": "portable"}


def markdown(df: pd.DataFrame) -> str:
    def fmt(v: object) -> str:
        return f"{v:.3f}" if isinstance(v, float) else str(v)

    head = "| " + " | ".join(df.columns) + " |\n|" + "---|" * len(df.columns) + "\n"
    return head + "\n".join("| " + " | ".join(fmt(v) for v in row) + " |" for row in df.itertuples(index=False))


def load(n_sim: int) -> wb.Workspace:
    ws = wb.open()
    ag = sorted((SAMPLES / "whowhen-algorithm-generated").glob("*.json"))
    if ag:
        ws.ingest([str(p) for p in ag], format="whowhen", progress=False)
        # The folder name does not say the subset: name the system so groups="system" sees it.
        ws.con.execute("UPDATE runs SET system = ? WHERE system = 'whowhen'", [AG])
    hc = sorted((SAMPLES / "whowhen" / "Hand-Crafted").glob("*.json"))
    if hc:
        ws.ingest([str(p) for p in hc], format="whowhen", progress=False)
    if n_sim:
        ws.ingest(wb.sim.procurement(seed=303, fault_rate=1.0).generate(n_sim), progress=False)
    return ws


def runs_of(ws: wb.Workspace, system: str) -> list[str]:
    labelled = set(culprit_labels(ws)["run_id"])
    ids = [r for (r,) in ws.con.execute("SELECT run_id FROM runs WHERE system = ? ORDER BY run_id", [system]).fetchall()]
    return [r for r in ids if r in labelled]


def row(name: str, data: str, res: pd.DataFrame) -> dict:
    r = res.iloc[0]
    return {"setting": name, "data": data, "runs": int(r["runs"]), "agent": r["agent_acc"], "step": r["step_acc"],
            "step_top3": r["step_top3"], "brier": r.get("brier", float("nan"))}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--write-pretrained", action="store_true")
    args = ap.parse_args()
    warnings.simplefilter("ignore")  # scipy's KS fallback notice from the drift detector
    cv = 3 if args.quick else 5
    start = time.perf_counter()
    ws = load(150 if args.quick else 300)
    ag, hc, sim = runs_of(ws, AG), runs_of(ws, HC), runs_of(ws, SIM)
    print(f"data: {len(ag)} Algorithm-Generated runs, {len(hc)} Hand-Crafted runs (of 58 in the full set), "
          f"{len(sim)} labelled failed simulator runs; load average {os.getloadavg()}\n")
    rows = []
    if len(ag) >= cv:
        for m in ("blame_model", "first_agent_turn", "random"):
            res = evaluate_attribution(ws, m, cv=cv if m == "blame_model" else None, run_ids=ag, groups="run",
                                       **(PARAMS if m == "blame_model" else {}))
            rows.append(row(f"{m}, {cv}-fold CV by run" if m == "blame_model" else m, f"Alg-Gen ({len(ag)})", res))
    if len(hc) >= 10:
        res = evaluate_attribution(ws, "blame_model", cv=cv, run_ids=hc, groups="run", **PARAMS)
        rows.append(row(f"blame_model, {cv}-fold CV by run", f"Hand-Crafted ({len(hc)})", res))
    fitted = {}
    for train, test, tname, sname in ((ag, hc, "Alg-Gen", "Hand-Crafted"), (ag, sim, "Alg-Gen", "simulator"),
                                      (sim, ag, "simulator", "Alg-Gen"), (hc, ag, "Hand-Crafted", "Alg-Gen")):
        if len(train) < 10 or not test:
            continue
        key = tname
        if key not in fitted:
            fitted[key] = BlameModel(**PARAMS).fit(ws, train)
        res = evaluate_attribution(ws, "blame_model", model=fitted[key], run_ids=test)
        rows.append(row(f"trained on {tname} only, scored on {sname}", f"{sname} ({len(test)})", res))
        for m in ("first_agent_turn", "random"):
            rows.append(row(f"{m} (baseline)", f"{sname} ({len(test)})", evaluate_attribution(ws, m, run_ids=test)))
    systems = [x for x in (ag, hc, sim) if x]
    if len(systems) >= 2:
        ids = [r for x in systems for r in x]
        res = evaluate_attribution(ws, "blame_model", cv=len(systems), run_ids=ids, groups="system", **PARAMS)
        rows.append(row(f"leave-one-system-out ({len(systems)} systems, groups='system')",
                        f"Alg-Gen + Hand-Crafted + simulator ({len(ids)})", res))
    try:
        shipped = BlameModel.pretrained()
        for test, sname in ((hc, "Hand-Crafted"), (sim, "simulator")):
            if test:
                res = evaluate_attribution(ws, "blame_model", model=shipped, run_ids=test)
                rows.append(row("shipped pretrained model", f"{sname} ({len(test)})", res))
    except wb.WorkbenchError as exc:
        print(f"(no pretrained model: {exc})")
    print("## Log-only attribution (exact agent / exact step, top-1)\n")
    print(markdown(pd.DataFrame(rows)) + "\n")

    if len(ag) >= cv:
        res = evaluate_attribution(ws, "blame_model", cv=cv, run_ids=ag, groups="run", **PARAMS)
        print(calibration_table(ws, ag, res, cv))
    print(span_table(n_train=60 if args.quick else 150, n_test=40 if args.quick else 100))
    if args.write_pretrained and ag:
        write_pretrained(ws, ag, rows)
    print(f"\ntotal {time.perf_counter() - start:.0f} s; load average {os.getloadavg()}")


def calibration_table(ws: wb.Workspace, ag: list[str], res: pd.DataFrame, cv: int) -> str:
    """Reliability of the verdict's confidence on out-of-fold runs (each scored by a model that never saw it)."""
    folds = res.attrs["folds"]
    labels = culprit_labels(ws, ag)
    culprits = set(zip(labels["run_id"], labels["agent"], strict=True))
    conf, ok = [], []
    model = BlameModel(**PARAMS)
    X = model.frame(ws, ag)
    for fold in folds:
        m = BlameModel(**PARAMS).fit_frame(X[X["run_id"].isin(fold["train"])], labels[labels["run_id"].isin(fold["train"])])
        _, agents = m.rank_frame(X[X["run_id"].isin(fold["test"])])
        top = agents[agents["rank"] == 1]
        conf += top["confidence"].tolist()
        ok += [(r, a) in culprits for r, a in zip(top["run_id"], top["agent"], strict=True)]
    conf, ok = np.array(conf), np.array(ok)
    rel = reliability(conf, ok, n_bins=5)
    base = brier(np.full(len(ok), ok.mean()), ok)
    return (f"## Calibration of the agent confidence (Alg-Gen, {cv}-fold, out-of-fold)\n\n{markdown(rel)}\n\n"
            f"Brier {brier(conf, ok):.3f} (constant at the base rate {ok.mean():.3f}: {base:.3f}); "
            f"verdicts marked uncertain (< 0.5): {(conf < 0.5).mean():.1%}, their accuracy "
            f"{ok[conf < 0.5].mean() if (conf < 0.5).any() else float('nan'):.3f}; the others' "
            f"{ok[conf >= 0.5].mean() if (conf >= 0.5).any() else float('nan'):.3f}")


def span_table(n_train: int, n_test: int) -> str:
    """Long single-agent span trees (smolagents style, generated): annotated error spans ranked first?"""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "attribution"))
    import tempfile

    from _spantree_fixture import write_traces

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        stores = {}
        for name, n, seed in (("train", n_train, 1), ("test", n_test, 2)):
            ws = wb.open()
            path = Path(tmp) / f"{name}.jsonl"
            labels = write_traces(path, n, seed)
            ws.ingest(str(path), format="span-tree", progress=False)
            rows = [{"run_id": r, "outcome": "failure", "source": "ground_truth"} for r in sorted({r for r, _, _ in labels})]
            rows += [{"run_id": r, "step_id": s, "kind": k, "source": "ground_truth"} for r, s, k in labels]
            (Path(tmp) / f"{name}.labels.jsonl").write_text("\n".join(json.dumps(x) for x in rows))
            ws.label_file(Path(tmp) / f"{name}.labels.jsonl")
            stores[name] = ws
        train, test = stores["train"], stores["test"]
        moves = BlameModel().frame(test)
        n_moves = moves.groupby("run_id").size()
        for est in ("linear", "trees"):
            m = BlameModel(estimator=est).fit(train)
            r = evaluate_attribution(test, "blame_model", model=m).iloc[0]
            out.append({"method": f"BlameModel ({est})", "traces": int(r["runs"]), "top1": r["step_acc"],
                        "top3": r["step_top3"]})
        out.append({"method": "trivial: random span of the most error-prone kind", "traces": int(r["runs"]),
                    **trivial_ranking(train, test)})
    return (f"## Span-level localisation, long single-agent traces (generated smolagents-style span trees; "
            f"{n_train} training traces, {n_test} held out, {n_moves.mean():.0f} leaf spans per trace)\n\n"
            f"{markdown(pd.DataFrame(out))}\n")


def trivial_ranking(train: wb.Workspace, test: wb.Workspace, draws: int = 200) -> dict[str, float]:
    """Expected top-1 / top-3 of ranking the spans of the kind most often annotated (in training) first, at random."""
    def kinds(ws: wb.Workspace) -> pd.DataFrame:
        X = BlameModel().frame(ws)[["run_id", "step_id", "kind"]]
        lab = culprit_labels(ws)[["run_id", "step_id"]].assign(error=True)
        return X.merge(lab, on=["run_id", "step_id"], how="left").fillna({"error": False})

    k = kinds(train)
    worst = k.groupby("kind")["error"].mean().idxmax()
    t = kinds(test)
    rng = np.random.default_rng(0)
    hits = {1: 0.0, 3: 0.0}
    for _, g in t.groupby("run_id"):
        err = g["error"].to_numpy(dtype=bool)
        first = (g["kind"] == worst).to_numpy()
        for _ in range(draws):
            order = np.lexsort((rng.random(len(g)), ~first))
            for n in hits:
                hits[n] += err[order[:n]].any() / draws
    runs = t["run_id"].nunique()
    return {"top1": hits[1] / runs, "top3": hits[3] / runs}


def write_pretrained(ws: wb.Workspace, ag: list[str], rows: list[dict]) -> None:
    model = BlameModel(**PARAMS).fit(ws, ag)
    model.set_params(prior="pretrained")   # fit() on a user's runs then refines it
    cvrow = next((r for r in rows if r["setting"].startswith("blame_model") and r["data"].startswith("Alg-Gen")), {})
    path = Path(__file__).resolve().parents[1] / "workbench" / "attribution" / "models" / PRETRAINED
    path.parent.mkdir(exist_ok=True)
    model.save(path, provenance={
        "trained_on": f"Who&When Algorithm-Generated, {len(ag)} labelled failed runs (MIT licence)",
        "cv_agent_acc": cvrow.get("agent"), "cv_step_acc": cvrow.get("step"),
        "written_by": "bench/attribution_logonly.py --write-pretrained"})
    print(f"\nwrote {path} ({path.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()

"""Log-only attribution benchmark: BlameModel vs one-line heuristics (and replay methods) on held-out seeds.

Usage::

    python bench/attribution_logonly.py            # ~600 single-fault + ~160 multi-fault held-out runs
    python bench/attribution_logonly.py --quick    # smaller stores, no replay methods
    python bench/attribution_logonly.py --no-replay

The model is fitted on ``procurement(seed=101, fault_rate=1.0)`` runs and scored on
``procurement(seed=202, fault_rate=1.0)`` runs (another catalogue and other random streams): no
scored run was seen in training. Tables (markdown):

1. Single-fault failed runs: every method (agent / step accuracy, top-k, replays, time).
2. Multi-fault failed runs: the same (``*_first`` = match with the run's first fault).
3. Per fault kind (single-fault runs), BlameModel vs the best heuristic.
4. Leave-one-fault-kind-out: the model is fitted without any run of one kind and scored on the
   single-fault runs of that kind — how it does on a failure mode it never saw.
5. Timing of the pipeline (ingest, detect, features, fit, predict).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import workbench as wb  # noqa: E402
from workbench.attribution._blame_model import BlameModel  # noqa: E402
from workbench.attribution._evaluate import evaluate_attribution, labelled_failures  # noqa: E402
from workbench.attribution._features import step_features  # noqa: E402
from workbench.attribution._heuristics import HEURISTICS, culprit_labels  # noqa: E402
from workbench.detect import detect  # noqa: E402

COLS = ["method", "runs", "agent_acc", "agent_acc_first", "agent_top2", "step_acc", "step_acc_first", "step_top3",
        "replays", "seconds"]


def markdown(df: pd.DataFrame) -> str:
    def fmt(v: object) -> str:
        return f"{v:.3f}" if isinstance(v, float) else str(v)

    head = "| " + " | ".join(df.columns) + " |\n|" + "---|" * len(df.columns) + "\n"
    return head + "\n".join("| " + " | ".join(fmt(v) for v in row) + " |" for row in df.itertuples(index=False))


def build(seed: int, n: int) -> tuple[wb.Workspace, dict[str, float], object]:
    system = wb.sim.procurement(seed=seed, fault_rate=1.0)
    ws = wb.open()
    t = {}
    start = time.perf_counter()
    ws.ingest(system.generate(n), progress=False)
    t["ingest"] = time.perf_counter() - start
    start = time.perf_counter()
    detect(ws, detectors=["loop", "retry", "storm", "breach", "ping_pong", "silent_failure", "cascade"])
    t["detect"] = time.perf_counter() - start
    return ws, t, system


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-replay", action="store_true")
    args = ap.parse_args()
    n_train, n_test = (400, 300) if args.quick else (1000, 1100)
    replay = not (args.quick or args.no_replay)
    warnings.simplefilter("ignore")  # scipy's KS fallback notice from the drift detector

    train, t_train, _ = build(101, n_train)
    test, t_test, system = build(202, n_test)
    start = time.perf_counter()
    model = BlameModel().fit(train)
    t_fit = time.perf_counter() - start
    portable = BlameModel(features="portable").fit(train)
    single, multi = labelled_failures(test, max_faults=1), labelled_failures(test, min_faults=2)
    print(f"train: {len(labelled_failures(train))} labelled failed runs of {n_train} (seed 101); "
          f"test: {len(single)} single-fault + {len(multi)} multi-fault failed runs of {n_test} (seed 202)\n")

    for title, ids in (("Single-fault failed runs", single), ("Multi-fault failed runs", multi)):
        rows = [evaluate_attribution(test, "blame_model", model=model, run_ids=ids),
                evaluate_attribution(test, "blame_model", model=portable, run_ids=ids).assign(
                    method="blame_model (portable features)"),
                evaluate_attribution(test, list(HEURISTICS), run_ids=ids)]
        if replay:
            rows.append(evaluate_attribution(test, ["shapley", "ablation"], replay=system.replay, run_ids=ids))
        table = pd.concat(rows, ignore_index=True)[COLS]
        print(f"## {title}\n\n{markdown(table)}\n")

    # Per fault kind, single-fault runs.
    labels = culprit_labels(test, single)
    pred = model.predict(test, single).merge(labels[["run_id", "agent", "step_id", "kind"]], on="run_id",
                                             suffixes=("", "_true"))
    per_kind = pred.assign(agent_ok=pred["agent"] == pred["agent_true"], step_ok=pred["step_id"] == pred["step_id_true"])
    per_kind = per_kind.groupby("kind").agg(runs=("run_id", "size"), agent_acc=("agent_ok", "mean"),
                                            step_acc=("step_ok", "mean")).reset_index()
    print(f"## BlameModel per fault kind (single-fault runs)\n\n{markdown(per_kind)}\n")

    # Leave one fault kind out of training.
    train_labels = culprit_labels(train)
    rows = []
    for kind in sorted(labels["kind"].unique()):
        bad = set(train_labels.loc[train_labels["kind"] == kind, "run_id"])
        keep = [r for r in train_labels["run_id"].unique() if r not in bad]
        m = BlameModel().fit(train, keep)
        ids = labels.loc[labels["kind"] == kind, "run_id"].tolist()
        res = evaluate_attribution(test, "blame_model", model=m, run_ids=ids)
        rows.append({"held-out kind": kind, "train runs": len(keep), "test runs": len(ids),
                     "agent_acc": float(res["agent_acc"].iat[0]), "step_acc": float(res["step_acc"].iat[0]),
                     "step_top3": float(res["step_top3"].iat[0])})
    print(f"## Leave-one-fault-kind-out (fitted without that kind)\n\n{markdown(pd.DataFrame(rows))}\n")

    start = time.perf_counter()
    X = step_features(test, single + multi)
    t_feat = time.perf_counter() - start
    start = time.perf_counter()
    model.predict(test, single + multi)
    t_pred = time.perf_counter() - start
    timing = pd.DataFrame([
        {"stage": "ingest (train + test)", "seconds": t_train["ingest"] + t_test["ingest"]},
        {"stage": "detect (train + test)", "seconds": t_train["detect"] + t_test["detect"]},
        {"stage": f"features ({len(X)} moves of {len(single) + len(multi)} runs)", "seconds": t_feat},
        {"stage": f"fit ({model.n_runs_} runs)", "seconds": t_fit},
        {"stage": f"predict ({len(single) + len(multi)} runs, features included)", "seconds": t_pred},
    ])
    print(f"## Timing\n\n{markdown(timing)}")


if __name__ == "__main__":
    main()

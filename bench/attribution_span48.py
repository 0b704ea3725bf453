"""blame48 addendum H (bench/protocol_blame48.md): v11's recipe with agent-only labels kept as agent labels and novelty
read against the task and the whole run (NULL at a first move), refitted on the pretrained pool; its gates in order.

    python bench/attribution_span48.py frame OUT --hand-crafted HC --tau-bench TAU --aegis AEGIS
    python bench/attribution_span48.py gates FRAME_V11 FRAME_H STORES

``frame`` writes the pool's feature table with ``novelty="run"`` (the same runs and labels as
``bench/attribution_blame14.py --save-frame``); ``gates`` fits H on it and prints, in the protocol's order, the TRAIL
table (beside P = v11 as shipped, the trivial and uniform rankings), the generated span trees and the Who&When
steps / agents of v11's recipe and H's fitted per split. STORES holds ``{gaia,swe}.duckdb``
(``bench/attribution_trail46.py build``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import attribution_blame14 as b14  # noqa: E402
from attribution_blame31 import V11  # noqa: E402
from attribution_blame44 import read_frame  # noqa: E402
from attribution_logonly import PARAMS  # noqa: E402
from attribution_trail46 import SPLITS, _hit_chance, _kinds, _scorable, generated_store  # noqa: E402
from attribution_trail48 import bars, topk, whowhen_plan  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.attribution import BlameModel  # noqa: E402

H = {"novelty": "run", "agent_only_labels": "agent"}
FAST = {**V11, "calibration_cv": None}


def save_frame(args: argparse.Namespace) -> None:
    from workbench.attribution._heuristics import culprit_labels

    c0, t0 = time.process_time(), time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        ws, every = b14.public_runs(args, Path(tmp))
        X = BlameModel(**PARAMS, novelty="run").frame(ws, every)
        labels = culprit_labels(ws, every)
    X.to_parquet(args.out.with_suffix(".X.parquet"))
    labels.to_parquet(args.out.with_suffix(".labels.parquet"))
    print(
        f"H frame of {len(every)} runs, {len(X)} moves: {time.process_time() - c0:.0f} CPU s, "
        f"{time.perf_counter() - t0:.0f} s wall; load {os.getloadavg()}"
    )


def first_pick(steps: pd.DataFrame) -> pd.Series:
    """Position of each run's top move (diagnostic)."""
    return steps[steps["rank"] == 1].drop_duplicates("run_id").set_index("run_id")["pos"]


def trail(pre: BlameModel, h: BlameModel, stores: Path) -> None:
    frames, rows = {}, []
    for n in SPLITS:
        ws = wb.open(str(stores / f"{n}.duckdb"), read_only=True)
        runs, info = _scorable(ws)
        kinds = _kinds(ws)
        frames[n] = (kinds, runs)
        truth = kinds[kinds["err"]].groupby("run_id")["step_id"].agg(set).to_dict()
        print(f"{n}: {info}", file=sys.stderr)
        for name, m in (("P: pretrained v11", pre), ("H", h)):
            X = m.frame(ws)
            steps, _ = m.rank_frame(X[X["run_id"].isin(runs)].reset_index(drop=True))
            t1, t3 = topk(steps, truth, runs)
            pick = first_pick(steps)
            rows.append(
                {
                    "ranking": name,
                    "on": n,
                    "traces": len(runs),
                    "top1": t1,
                    "top3": t3,
                    "top pick median pos": float(pick.median()),
                    "top pick at pos 0": float((pick == 0).mean()),
                }
            )
        ws.close()
    rows += bars(frames)
    print("## gate 1: TRAIL\n" + pd.DataFrame(rows).round(3).to_string(index=False))


def generated(pre: BlameModel, h: BlameModel) -> None:
    gen = generated_store()
    kinds = _kinds(gen)
    truth = kinds[kinds["err"]].groupby("run_id")["step_id"].agg(set).to_dict()
    runs = sorted(truth)
    rows = []
    for name, m in (("P: pretrained v11", pre), ("H", h)):
        steps, _ = m.rank_frame(m.frame(gen))
        t1, t3 = topk(steps, truth, runs)
        pick = first_pick(steps).reindex(runs)
        rows.append(
            {
                "ranking": name,
                "traces": len(runs),
                "top1": t1,
                "top3": t3,
                "top pick median pos": float(pick.median()),
            }
        )
    test = kinds[kinds.run_id.isin(runs)]
    u = _hit_chance(test, pd.Series(False, index=test.index))
    rows.append({"ranking": "uniformly random row", "traces": len(runs), **u})
    print("## gate 2: generated span trees\n" + pd.DataFrame(rows).round(3).to_string(index=False))


def whowhen(XV: pd.DataFrame, XH: pd.DataFrame, labels: pd.DataFrame) -> None:
    plan, ls, la = whowhen_plan(XV, labels)
    res: dict[str, dict[str, list]] = {}
    for name, train, test in plan:
        key = "Alg-Gen 5-fold CV" if name.startswith("cv") else name
        r = res.setdefault(key, {"runs": []})
        r["runs"] += list(test)
        for look, X, params in (("v11", XV, FAST), ("H", XH, {**FAST, **H})):
            m = BlameModel(**params).fit_frame(
                X[X["run_id"].isin(train)], labels[labels["run_id"].isin(train)]
            )
            steps, agents = m.rank_frame(X[X["run_id"].isin(test)].reset_index(drop=True))
            top_step = steps[steps["rank"] == 1].drop_duplicates("run_id").set_index("run_id")["step_id"]
            top_agent = agents[agents["rank"] == 1].drop_duplicates("run_id").set_index("run_id")["agent"]
            r.setdefault(f"{look} steps", []).extend(top_step.get(t) in ls.get(t, set()) for t in test)
            r.setdefault(f"{look} agents", []).extend(top_agent.get(t) in la.get(t, set()) for t in test)
    rows = []
    for key, r in res.items():
        d = {"split": key, "runs": len(r["runs"])}
        for k in ("v11 steps", "H steps", "v11 agents", "H agents"):
            d[k] = int(sum(r[k]))
        d["agents only H / only v11"] = (
            f"{sum(h and not v for h, v in zip(r['H agents'], r['v11 agents'], strict=True))}"
            f" / {sum(v and not h for h, v in zip(r['H agents'], r['v11 agents'], strict=True))}"
        )
        rows.append(d)
    print(
        "## gate 3: Who&When (fitted per split, calibration off)\n"
        + pd.DataFrame(rows).to_string(index=False)
    )


def main() -> None:
    warnings.filterwarnings("ignore")
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("frame")
    f.add_argument("out", type=Path)
    b14.public_set_args(f)
    g = sub.add_parser("gates")
    g.add_argument("frame_v11", type=Path)
    g.add_argument("frame_h", type=Path)
    g.add_argument("stores", type=Path)
    args = ap.parse_args()
    if args.cmd == "frame":
        save_frame(args)
        return
    c0, t0 = time.process_time(), time.perf_counter()
    XV, labels = read_frame(args.frame_v11)
    XH, labels_h = read_frame(args.frame_h)
    if not labels.equals(labels_h) or not XV[["run_id", "step_id"]].equals(XH[["run_id", "step_id"]]):
        raise SystemExit("the two frames do not hold the same runs, moves and labels")
    pre = BlameModel.pretrained()
    h = BlameModel(**FAST, **H).fit_frame(XH, labels)
    coef = pd.Series(h.step_model_.coef, index=h.feature_names_in_)
    v11 = pd.Series(pre.step_model_.coef, index=pre.feature_names_in_)
    watch = [
        "first_of_agent",
        "first_model_turn",
        "position",
        "rel_pos",
        "max_sim_earlier",
        "novel_word_frac",
        "step_novel_rank",
        "step_loop_after",
        "agent_move_idx",
    ]
    print(
        "step coefficients (v11 -> H): " + ", ".join(f"{n} {v11[n]:+.2f} -> {coef[n]:+.2f}" for n in watch),
        file=sys.stderr,
    )
    trail(pre, h, args.stores)
    generated(pre, h)
    whowhen(XV, XH, labels)
    print(
        f"CPU {time.process_time() - c0:.1f} s, wall {time.perf_counter() - t0:.0f} s, load {os.getloadavg()}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()

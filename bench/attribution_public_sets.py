"""Does more real labelled data of other systems lift log-only attribution on a system never seen?

Usage::

    python bench/attribution_public_sets.py --hand-crafted HC --tau-bench TAU --aegis AEGIS [--aegis-cap N]
    python bench/attribution_public_sets.py --hand-crafted HC --tau-bench TAU --aegis AEGIS --write-pretrained
    python bench/attribution_public_sets.py ... --lean --save-frame /tmp/x   # only the pools a shipped choice needs

``--write-pretrained`` fits the shipped model (v8) on every run loaded (the shipped mix, tau-bench and
AEGIS, v7's parameters) and writes it with each set's provenance and the leave-one-system-out rows as
its measured figures; it skips the training-pool comparison that follows the first table.

Data (each read from a path you give; nothing here is shipped):

- Who&When Algorithm-Generated (``../shared/samples/whowhen-algorithm-generated``) and Hand-Crafted
  (``--hand-crafted``, a folder of its *.json), and 300 failed ``wb.sim.procurement(seed=303)`` runs:
  the shipped model's training data.
- ``--tau-bench``: a folder holding AgentRx's ``tau_dataset_failed.json`` and ``tau_ground_truth.json``
  (github.com/microsoft/AgentRx, ``data/tau_retail/`` and ``data/ground_truth/``; MIT): 29 failed
  tau-bench retail runs, culprit agent and step.
- ``--aegis``: a folder of AEGIS runs, *.json one per run or *.jsonl (Hugging Face Fancylalala/AEGIS,
  MIT; a flattened copy is in github.com/nguyenddat/failure_attribution history, commit 11110d4, folder
  ``data/multi_fault/json/fancylalala__aegis``): culprit agent only, runs with one injected agent.
  One system per set of speakers (the flattened rows lost the framework); Magentic-One runs are left
  out, since Who&When Hand-Crafted is Magentic-One and they would leak it into its held-out rows;
  at most ``--aegis-cap`` runs per system (the first by file order), so no one framework outweighs the rest.

Since commit 08a2386 ``BlameModel.fit`` itself gives an agent-only label its agent's first move, so the
pools data12 measured with "proxy steps" equal those without and are no longer repeated; before it they showed
AEGIS teaching nothing.

Protocol (declared before measuring): for each real system held out, a model trained on the other
systems of the shipped training set (Alg-Gen, Hand-Crafted, simulator) against one trained on those plus
the new systems; the pooled figure is over the held-out runs of every real system. The shipped model
would change only if the added data lifts the pooled leave-one-system-out agent accuracy and does not
lower Alg-Gen -> Hand-Crafted agent accuracy (trained on Alg-Gen alone vs Alg-Gen plus the new sets).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from attribution_logonly import AG, HC, PARAM_NOTES, PARAMS, SAMPLES, SIM, markdown, runs_of, save_pretrained  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.attribution._blame_model import BlameModel  # noqa: E402
from workbench.attribution._evaluate import _calibration_metrics, _metrics, cv_folds, evaluate_attribution  # noqa: E402
from workbench.attribution._heuristics import culprit_labels  # noqa: E402
from workbench.attribution._persist import PRETRAINED  # noqa: E402
from workbench.attribution._public_sets import aegis_records, agent_signature, tau_bench_records  # noqa: E402

TAU = "tau-bench/retail"
CHOSEN_BY = (
    "the lead, declared from data12's leave-one-system-out figures before this fit: adding tau-bench and AEGIS "
    "to v7's training runs lifted pooled agent accuracy over the real systems 38.9 -> 42.6 % "
    "(bench/attribution_public_sets.py); v7's parameters unchanged"
)


def _ingest_records(ws: wb.Workspace, records: list[dict], system: str, tmp: Path) -> None:
    """Ingest Who&When records as one system (the file's folder must not name a Who&When subset)."""
    path = tmp / f"{system.replace('/', '_')}.json"
    path.write_text(json.dumps(records))
    before = {r for (r,) in ws.con.execute("SELECT run_id FROM runs").fetchall()}
    ws.ingest([str(path)], format="whowhen", progress=False)
    new = [r for (r,) in ws.con.execute("SELECT run_id FROM runs").fetchall() if r not in before]
    ws.con.executemany("UPDATE runs SET system = ? WHERE run_id = ?", [[system, r] for r in new])


def _read_aegis(folder: Path) -> list:
    items: list = []
    for p in sorted(folder.rglob("*.json*"), key=lambda p: (len(p.stem), p.stem)):
        try:
            if p.suffix == ".jsonl":
                items += [json.loads(line) for line in p.read_text().splitlines() if line.strip()]
            else:
                items.append(json.loads(p.read_text()))
        except (OSError, ValueError) as exc:
            print(f"  skipped {p}: {exc}")
    return items


def load(
    hand: Path, tau: Path | None, aegis: Path | None, cap: int, n_sim: int, tmp: Path
) -> tuple[wb.Workspace, list[str], dict[str, int]]:
    """The shipped mix plus the new sets; also how many AEGIS runs each speaker set had before the cap."""
    ws = wb.open()
    found: dict[str, int] = {}
    ag_files = sorted((SAMPLES / "whowhen-algorithm-generated").glob("*.json"))
    for files, system in ((ag_files, AG), (sorted(hand.glob("*.json")), HC)):
        ws.ingest([str(p) for p in files], format="whowhen", progress=False)
        ws.con.execute(
            "UPDATE runs SET system = ? WHERE system LIKE 'whowhen%' AND system <> ? AND system <> ?",
            [system, AG, HC],
        )
    if n_sim:
        ws.ingest(wb.sim.procurement(seed=303, fault_rate=1.0).generate(n_sim), progress=False)
    new: list[str] = []
    if tau is not None:
        recs, problems = tau_bench_records(
            json.loads((tau / "tau_dataset_failed.json").read_text()),
            json.loads((tau / "tau_ground_truth.json").read_text()),
        )
        print(f"tau-bench: {len(recs)} runs, {len(problems)} not converted {problems[:3]}")
        _ingest_records(ws, recs, TAU, tmp)
        new.append(TAU)
    if aegis is not None:
        recs, problems = aegis_records(_read_aegis(aegis))
        print(f"AEGIS: {len(recs)} single-culprit runs, {len(problems)} not converted")
        groups: dict[str, list[dict]] = {}
        for r in recs:
            sig = agent_signature(r)
            if "MagenticOne" not in sig:
                groups.setdefault(sig, []).append(r)
        for sig, rs in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            if len(rs) < 20:
                continue
            system = f"aegis/{sig}"
            _ingest_records(ws, rs[:cap], system, tmp)
            new.append(system)
            found[system] = len(rs)
            print(f"  {system}: {min(len(rs), cap)} of {len(rs)} runs")
    return ws, new, found


def score(
    X: pd.DataFrame,
    labels: pd.DataFrame,
    train: list[str],
    test: list[str],
    train_labels: pd.DataFrame | None = None,
) -> dict:
    """Fit on ``train``'s rows of the feature table, rank ``test``'s: the figures evaluate_attribution gives,
    without recomputing every run's features for every fit (as bench/attribution_logonly.py's invariant rows)."""
    fit_labels = labels if train_labels is None else train_labels
    model = BlameModel(**PARAMS).fit_frame(
        X[X["run_id"].isin(train)], fit_labels[fit_labels["run_id"].isin(train)]
    )
    steps, agents = model.rank_frame(X[X["run_id"].isin(test)])
    truth = labels[labels["run_id"].isin(test)]
    return {**_metrics(truth, steps, agents, 3, 2), **_calibration_metrics(truth, agents)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hand-crafted", type=Path, required=True)
    ap.add_argument("--tau-bench", type=Path)
    ap.add_argument("--aegis", type=Path)
    ap.add_argument("--aegis-cap", type=int, default=150)
    ap.add_argument("--sim", type=int, default=300)
    ap.add_argument(
        "--write-pretrained",
        action="store_true",
        help="fit the shipped model on every run loaded and write it (needs --tau-bench and --aegis)",
    )
    ap.add_argument(
        "--save-frame", type=Path, help="also write the feature frame and labels (PATH.X.parquet ...)"
    )
    ap.add_argument(
        "--lean",
        action="store_true",
        help="only the pools the shipped choice needs (v7 mix, v8 mix, "
        "real only with and without the new sets)",
    )
    ap.add_argument(
        "--chosen-by", default=CHOSEN_BY, help="the provenance's chosen_by text (why this fit ships)"
    )
    ap.add_argument(
        "--pretrained-file",
        default=PRETRAINED,
        help="file name under workbench/attribution/models (default: the shipped one)",
    )
    args = ap.parse_args()
    if args.write_pretrained and (args.tau_bench is None or args.aegis is None):
        ap.error(
            "--write-pretrained builds the shipped model, trained on tau-bench and AEGIS too: "
            "give --tau-bench and --aegis"
        )
    warnings.simplefilter("ignore")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        ws, new, found = load(
            args.hand_crafted, args.tau_bench, args.aegis, args.aegis_cap, args.sim, Path(tmp)
        )
    ids = {s: runs_of(ws, s) for s in [AG, HC, SIM, *new]}
    print(f"runs: { {s: len(v) for s, v in ids.items()} }; load average {os.getloadavg()}\n")
    every = [x for v in ids.values() for x in v]
    X = BlameModel(**PARAMS).frame(ws, every)
    labels = culprit_labels(ws, every)
    print(f"features of {len(every)} runs: {time.perf_counter() - start:.0f} s", flush=True)
    base_train = [AG, HC, SIM]
    real = [AG, HC, *new]
    rows = []
    pooled = {"base": [], "added": []}
    for held in real:
        rnd = evaluate_attribution(ws, "random", run_ids=ids[held]).iloc[0]
        fat = evaluate_attribution(ws, "first_agent_turn", run_ids=ids[held]).iloc[0]
        for name, train_sys in (
            ("base", [s for s in base_train if s != held]),
            ("added", [s for s in base_train + new if s != held]),
        ):
            r = score(X, labels, [x for s in train_sys for x in ids[s]], ids[held])
            pooled[name].append((int(r["runs"]), float(r["agent_acc"]), r["step_acc"], r["step_runs"]))
            rows.append(
                {
                    "held out": held,
                    "trained on": name + ": " + " + ".join(train_sys),
                    "runs": int(r["runs"]),
                    "agent": r["agent_acc"],
                    "step": r["step_acc"],
                    "step_top3": r["step_top3"],
                    "brier": r["brier"],
                    "random agent": rnd["agent_acc"],
                    "random step": rnd["step_acc"],
                    "first-agent-turn agent": fat["agent_acc"],
                    "first-agent-turn step": fat["step_acc"],
                }
            )
    for name, parts in pooled.items():
        n = sum(p[0] for p in parts)
        agent = sum(p[0] * p[1] for p in parts) / n
        rows.append(
            {
                "held out": f"POOLED over {len(parts)} real systems",
                "trained on": name,
                "runs": n,
                "agent": agent,
                "step": float("nan"),
                "random agent": float("nan"),
                "random step": float("nan"),
            }
        )
    # The cross-system row: trained on Alg-Gen (alone / plus the new systems), scored on Hand-Crafted.
    for name, train_sys in (
        ("Alg-Gen only", [AG]),
        ("Alg-Gen + new", [AG, *new]),
        ("Alg-Gen + simulator (shipped mix minus HC)", [AG, SIM]),
        ("Alg-Gen + simulator + new", [AG, SIM, *new]),
    ):
        r = score(X, labels, [x for s in train_sys for x in ids[s]], ids[HC])
        rows.append(
            {
                "held out": HC,
                "trained on": name,
                "runs": int(r["runs"]),
                "agent": r["agent_acc"],
                "step": r["step_acc"],
                "step_top3": r["step_top3"],
                "brier": r["brier"],
                "random agent": float("nan"),
                "random step": float("nan"),
            }
        )
    # The in-system row on the same frame: Alg-Gen, 5-fold CV by run (evaluate_attribution's folds).
    folds, _ = cv_folds(ws, sorted(ids[AG]), 5, "run")
    cv_parts = [score(X, labels, tr, te) for tr, te in folds]
    n_cv = sum(int(r["runs"]) for r in cv_parts)
    rows.append(
        {
            "held out": AG,
            "trained on": "Alg-Gen, 5-fold CV by run",
            "runs": n_cv,
            "agent": sum(r["runs"] * r["agent_acc"] for r in cv_parts) / n_cv,
            "step": sum(r["step_runs"] * r["step_acc"] for r in cv_parts)
            / sum(r["step_runs"] for r in cv_parts),
            "random agent": float("nan"),
            "random step": float("nan"),
        }
    )
    print(markdown(pd.DataFrame(rows)))
    if args.save_frame:
        X.to_parquet(args.save_frame.with_suffix(".X.parquet"))
        labels.to_parquet(args.save_frame.with_suffix(".labels.parquet"))
    # Since 08a2386 BlameModel.fit gives an agent-only label its agent's first move itself, so the
    # "proxy steps" pools data12 measured equal these and are not repeated.
    aegis = [s for s in new if s.startswith("aegis/")]
    variants = [
        ("shipped mix: Alg-Gen + Hand-Crafted + simulator", base_train),
        ("shipped mix + every new system", base_train + new),
        ("real only: Alg-Gen + Hand-Crafted", [AG, HC]),
        ("real only + every new system", [AG, HC, *new]),
    ]
    if not args.lean:
        variants[2:2] = [
            ("shipped mix + tau-bench", base_train + [s for s in new if s == TAU]),
            ("shipped mix + AEGIS", base_train + aegis),
        ]
    summary = []
    for name, pool in variants:
        parts = []
        for held in real:
            r = score(X, labels, [x for s in pool if s != held for x in ids[s]], ids[held])
            parts.append((held, int(r["runs"]), float(r["agent_acc"]), int(r["step_runs"]), r["step_acc"]))
        n = sum(p[1] for p in parts)
        n_step = sum(p[3] for p in parts)
        summary.append(
            {
                "training pool (held-out system left out)": name,
                "runs": n,
                "pooled agent": sum(p[1] * p[2] for p in parts) / n,
                "pooled step (Alg-Gen, HC, tau)": sum(p[3] * p[4] for p in parts if p[3]) / n_step,
                **{p[0].split("/")[-1][:14]: p[2] for p in parts},
            }
        )
    print("\n## Pooled leave-one-system-out over the real systems, per training pool\n")
    print(markdown(pd.DataFrame(summary)))
    if args.write_pretrained:
        write_shipped(X, labels, ids, new, found, rows, args)
        # The same fit without the simulator runs, beside it (blame13's declared test decides which ships).
        no_sim = {**ids, SIM: []}
        write_shipped(
            X,
            labels,
            no_sim,
            new,
            found,
            rows,
            args,
            name=args.pretrained_file.replace(".json", "_no_simulator.json"),
        )
    print(f"\ntotal {time.perf_counter() - start:.0f} s; load average {os.getloadavg()}")


def write_shipped(
    X: pd.DataFrame,
    labels: pd.DataFrame,
    ids: dict[str, list[str]],
    new: list[str],
    found: dict[str, int],
    rows: list[dict],
    args: argparse.Namespace,
    name: str | None = None,
    written_by: str | None = None,
    params: dict | None = None,
    notes: dict | None = None,
) -> None:
    """Fit v7's parameters on every run loaded and write the shipped file with each set's provenance.

    The choice of training data was declared from the leave-one-system-out figures before this fit
    (v8: pooled agent accuracy 38.9 -> 42.6 %); nothing is tuned here."""
    every = [x for v in ids.values() for x in v]
    t0, c0 = time.perf_counter(), time.process_time()
    model = BlameModel(**(params or PARAMS)).fit_frame(
        X[X["run_id"].isin(every)], labels[labels["run_id"].isin(every)]
    )
    print(
        f"\nfit on {len(every)} runs: {time.perf_counter() - t0:.0f} s wall, {time.process_time() - c0:.0f} s CPU"
    )
    aegis = {s: len(ids[s]) for s in new if s.startswith("aegis/")}
    measured = {
        f"held out {r['held out']}, trained on {r['trained on']}": {
            k: r[k] for k in ("runs", "agent", "step", "step_top3", "brier") if k in r and pd.notna(r[k])
        }
        for r in rows
    }
    save_pretrained(
        model,
        name or args.pretrained_file,
        {
            "trained_on": (
                f"Who&When Algorithm-Generated ({len(ids[AG])} runs) and Hand-Crafted ({len(ids[HC])} runs), MIT licence, "
                "github.com/ag2ai/Agents_Failure_Attribution @ f4d2b6d, folders Who&When/Algorithm-Generated and "
                f"Who&When/Hand-Crafted; {len(ids[SIM])} failed wb.sim.procurement(seed=303) runs (of {args.sim}); "
                f"tau-bench retail labelled by AgentRx ({len(ids.get(TAU, []))} failed runs, culprit agent and step), "
                "MIT licence, github.com/microsoft/AgentRx @ f228165, data/tau_retail/tau_dataset_failed.json + "
                "data/ground_truth/tau_ground_truth.json; AEGIS ("
                + ", ".join(f"{s}: {n} of {found[s]} runs" for s, n in aegis.items())
                + f"; at most {args.aegis_cap} per set of speakers, first by file order; Magentic-One runs and runs "
                "with more than one injected agent left out), MIT licence, Hugging Face Fancylalala/AEGIS, read from "
                "the flattened copy github.com/nguyenddat/failure_attribution @ 11110d4, "
                "data/multi_fault/json/fancylalala__aegis: faults are injected, not natural, and labelled by agent "
                "only; fit takes the culprit agent's first move of the run as its step"
            ),
            "converters": "workbench/attribution/_public_sets.py (tau_bench_records, aegis_records)",
            "chosen_by": args.chosen_by,
            **PARAM_NOTES,
            **(notes or {}),
            "measured_before_refit": measured,
            "written_by": written_by
            or (
                "bench/attribution_public_sets.py --hand-crafted HC --tau-bench TAU --aegis AEGIS "
                f"--aegis-cap {args.aegis_cap} --sim {args.sim} --write-pretrained"
            ),
        },
    )


if __name__ == "__main__":
    main()

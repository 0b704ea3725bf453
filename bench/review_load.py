"""Review load benchmark (``wb.review_load``), A/B against another checkout's Python.

Usage::

    python bench/review_load.py --baseline-python /work/wt/base/.venv/bin/python --pairs 2
    python bench/review_load.py --sizes demo 1000000 --signals latency_ms tool_calls

Stores: ``demo`` (the embedded demo data, ingested once into a DuckDB file) and N steps filled inside
DuckDB as bench/thresholds.py fills them, with a third of the runs' outcome set to unknown (what a review
load is for: runs no sweep can price). Each store is built once into ``--dir`` and every child process
opens a copy, so A and B read the same bytes. Per store and signal, a child times ``wb.review_load`` (wall
and CPU seconds, best of ``--repeat``) and prints a digest of what it returned (the curve and the counts):
A and B must agree. Children alternate A, B, B, A ... and each imports the workbench its Python has
installed (no path of this checkout is put on ``sys.path``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def build(size: str, path: Path) -> None:
    """Fill the store ``size`` (``demo`` or a step count) into ``path``."""
    import workbench as wb

    ws = wb.open(path)
    if size == "demo":
        from workbench.demo import demo_data_path

        ws.ingest(demo_data_path(), progress=False)
    else:
        sys.path.insert(0, str(HERE))
        from thresholds import FILL_RUNS, FILL_STEPS, STEPS_PER_RUN

        n_runs = int(size) // STEPS_PER_RUN
        ws.con.execute(FILL_RUNS, {"n_runs": n_runs, "k": STEPS_PER_RUN})
        ws.con.execute(FILL_STEPS, {"n_runs": n_runs, "k": STEPS_PER_RUN})
        ws.con.execute(
            "UPDATE runs SET outcome = 'unknown', outcome_source = NULL WHERE hash(run_id, 'u') % 3 = 0"
        )
    ws.close()


def child(store: Path, signals: list[str], repeat: int) -> dict:
    import workbench as wb

    ws = wb.open(store)
    out: dict = {"workbench": str(Path(wb.__file__).parent)}
    for signal in signals:
        best_wall, best_cpu = float("inf"), float("inf")
        for _ in range(repeat):
            w0, c0 = time.perf_counter(), time.process_time()
            load = wb.review_load(ws, signal)
            best_wall = min(best_wall, time.perf_counter() - w0)
            best_cpu = min(best_cpu, time.process_time() - c0)
        digest = hashlib.sha256(load.curve.round(9).to_csv(index=False).encode()).hexdigest()[:12]
        out[signal] = {
            "wall": best_wall,
            "cpu": best_cpu,
            "digest": digest,
            "runs": load.n_runs,
            "steps": load.n_steps,
            "with": load.runs_with_signal,
        }
    ws.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-python", default=None, help="the A side (B: this Python)")
    parser.add_argument("--sizes", nargs="+", default=["demo", "1000000"])
    parser.add_argument("--signals", nargs="+", default=["latency_ms", "entropy", "tool_calls", "retries"])
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--dir", default="/tmp/bench_review_load")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--build", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        build(args.build, Path(args.one))
        return
    if args.one:
        print(json.dumps(child(Path(args.one), args.signals, args.repeat)))
        return
    work = Path(args.dir)
    work.mkdir(parents=True, exist_ok=True)
    sides = {"B": sys.executable}
    if args.baseline_python:
        sides["A"] = args.baseline_python
    order = (["A", "B", "B", "A"] * args.pairs)[: 2 * args.pairs] if "A" in sides else ["B"] * args.pairs
    rows = []
    for size in args.sizes:
        store = work / f"store_{size}.duckdb"
        if not store.exists():
            # (built by the oldest code: a newer release migrates a store to its schema, which an older one refuses)
            subprocess.run(
                [sides.get("A", sys.executable), __file__, "--build", size, "--one", str(store)], check=True
            )
        for i, side in enumerate(order):
            copy = work / f"copy_{side}.duckdb"
            shutil.copyfile(store, copy)
            out = subprocess.run(
                [
                    sides[side],
                    __file__,
                    "--one",
                    str(copy),
                    "--repeat",
                    str(args.repeat),
                    "--signals",
                    *args.signals,
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            got = json.loads(out.stdout.strip().splitlines()[-1])
            copy.unlink()
            for signal in args.signals:
                rows.append({"size": size, "run": i + 1, "side": side, "signal": signal, **got[signal]})
    load = os.getloadavg()
    print(
        f"review load benchmark, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} "
        f"cores; A = {sides.get('A', '-')}, B = {sides['B']}; best of {args.repeat} per child\n"
    )
    print("| store | signal | child | side | wall (s) | CPU (s) | runs | steps | runs with it | digest |")
    print("|---|---|---:|---|---:|---:|---:|---:|---:|---|")
    for r in rows:
        print(
            f"| {r['size']} | {r['signal']} | {r['run']} | {r['side']} | {r['wall']:.3f} | {r['cpu']:.3f} "
            f"| {r['runs']:,} | {r['steps']:,} | {r['with']:,} | {r['digest']} |"
        )
    agree = {(r["size"], r["signal"]): set() for r in rows}
    for r in rows:
        agree[(r["size"], r["signal"])].add(r["digest"])
    bad = [k for k, v in agree.items() if len(v) != 1]
    print("\nsame results on both sides:", "yes" if not bad else f"NO: {bad}")


if __name__ == "__main__":
    main()

"""A scoped detector call on a large store: ``detect(ws, run_ids=[one run])``, this tree beside a baseline.

Usage::

    python bench/detect_scoped.py --baseline-python /work/wt/base28/.venv/bin/python
    python bench/detect_scoped.py --sizes 1000000 10000000 --pairs 2 --baseline-python ...

Since attack31 the silent-failure vocabulary (the values the backend uses for each key, detect/sql/vocab.sql) is read
over the whole store, so that a run's findings do not depend on which runs a call names: a scoped call now scans
every tool output once. This prints what that costs. The store is bench/detect.py's (runs of 50 steps, a third of
them tool calls whose outputs carry "key": "value" pairs), filled once per size; each call runs in a process of its
own (peak RSS is its own), this tree and the baseline alternating, ``--pairs`` times. Calls: every detector on one
run (drift reads the whole history whatever the scope), and silent_failure alone on one run (the vocabulary's share
shows best). Prints: steps, code, call, seconds, CPU seconds (all threads), peak RSS, findings, and the ratio of this
tree's median CPU seconds over the baseline's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CALLS = {"all detectors, 1 run": None, "silent_failure, 1 run": ["silent_failure"]}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child(db: str, call: str) -> None:
    import workbench as wb

    with wb.open(db) as ws:
        run_id = ws.con.execute("SELECT min(run_id) FROM runs").fetchall()[0][0]
        start, cpu = time.perf_counter(), _cpu()
        found = wb.detect(ws, run_ids=[run_id], detectors=CALLS[call], progress=False)
        row = {"seconds": time.perf_counter() - start, "cpu": _cpu() - cpu, "findings": len(found)}
    row["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(row))


def _run(python: str, args: list[str], own_tree: bool) -> dict:
    env = {"PATH": "/usr/bin:/bin"}
    if own_tree:  # the baseline interpreter imports its own installed workbench
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    out = subprocess.run([python, __file__, *args], capture_output=True, text=True, check=False, env=env)
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000_000])
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--baseline-python", help="also run with this interpreter (an earlier workbench)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    codes = [("this tree", sys.executable, True)]
    if args.baseline_python:
        codes.append(("baseline", args.baseline_python, False))
    fill = Path(__file__).with_name("detect.py")
    print("| steps | code | call | seconds | CPU s | peak RSS MB | findings | load |")
    print("|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            # (filled by the oldest code, each child given a fresh copy: a newer release migrates a store it opens
            # to its schema, which an older one then refuses)
            filled = str(Path(tmp) / "filled.duckdb")
            db = str(Path(tmp) / "bench.duckdb")
            subprocess.run([codes[-1][1], str(fill), "--fill", filled, str(size)], check=True)
            for call in CALLS:
                cpus: dict[str, list[float]] = {label: [] for label, _, _ in codes}
                for _ in range(args.pairs):
                    for label, python, own in codes:
                        shutil.copyfile(filled, db)
                        row = _run(python, ["--child", db, call], own)
                        cpus[label].append(row["cpu"])
                        load = "/".join(f"{x:.1f}" for x in os.getloadavg())
                        print(
                            f"| {size:,} | {label} | {call} | {row['seconds']:.2f} | {row['cpu']:.2f} | "
                            f"{row['peak_mb']:,.0f} | {row['findings']:,} | {load} |",
                            flush=True,
                        )
                if len(codes) == 2:
                    ratio = statistics.median(cpus["this tree"]) / statistics.median(cpus["baseline"])
                    print(f"| {size:,} | ratio | {call} | | {ratio:.2f}x median CPU | | | |", flush=True)


if __name__ == "__main__":
    main()

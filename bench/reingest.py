"""Benchmark: the same log ingested again, by the same path and by another (issue 11; store39).

Usage::

    python bench/reingest.py                                       # 100k steps
    python bench/reingest.py --steps 100000 --baseline-python /work/wt/base33/.venv/bin/python

Simulated runs (``wb.sim.procurement(seed=0)``) until ``--steps`` steps are written to a native file by
``write_jsonl`` (sorted keys). Each interpreter, in a process of its own, on a fresh store on disk: ingests the
file (``first``), the same file again (``file again``: every step is compared with the stored one and adds
nothing), then the runs' records as Python objects (``objects again``: the same runs, keys in the order the
simulator made them; it must add and quarantine nothing). CPU seconds are the process's user + system over the
call (DuckDB's threads included); the records are made before the calls are timed. Peak RSS is the process's
over all three. The baseline (``--baseline-python``: another checkout's venv) runs the same calls after ours; the
ratio is baseline CPU over ours (>1: ours is cheaper). Say the load average beside every figure: on a shared
machine only CPU seconds and RSS compare.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _child(path: str, n_runs: int, db: str) -> None:
    import workbench as wb

    runs = list(wb.sim.procurement(seed=0).generate(n_runs=n_runs))
    records = [rec for run in runs for rec in run.to_records()]
    out = {}
    with wb.open(db) as ws:
        for name, source in (("first", path), ("file again", path), ("objects again", records)):
            t0, c0 = time.perf_counter(), _cpu()
            rep = ws.ingest(source, progress=False)
            out[name] = {
                "seconds": time.perf_counter() - t0,
                "cpu": _cpu() - c0,
                "added": rep.added,
                "quarantined": rep.quarantined,
            }
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def _measure(python: str, path: Path, n_runs: int, tmp: Path) -> dict:
    db = tmp / f"reingest-{os.getpid()}-{abs(hash(python))}.duckdb"
    try:
        done = subprocess.run(
            [python, __file__, "--child", str(path), str(n_runs), str(db)],
            check=True,
            capture_output=True,
            text=True,
        )
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        for p in (db, Path(f"{db}.wal")):
            p.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument(
        "--baseline-python", help="also run the calls with this interpreter (earlier release)"
    )
    parser.add_argument("--tmp", help="folder for the file and stores (default: the system's temp folder)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], int(args.child[1]), args.child[2])
        return
    import workbench as wb

    tmp = Path(args.tmp or tempfile.gettempdir())
    path = tmp / f"reingest-{args.steps}.jsonl"
    runs = list(wb.sim.procurement(seed=0).generate(n_runs=max(1, args.steps // 26)))
    wb.sim.write_jsonl(runs, path)
    steps = sum(1 for line in path.open("rb") if b'"record":"step"' in line)
    try:
        results = {"ours": _measure(sys.executable, path, len(runs), tmp)}
        if args.baseline_python:
            results["base"] = _measure(args.baseline_python, path, len(runs), tmp)
    finally:
        path.unlink(missing_ok=True)
    load = open("/proc/loadavg").read().split()[0] if os.path.exists("/proc/loadavg") else "?"
    print(f"{len(runs):,} runs, {steps:,} steps, load {load}")
    print("| call | who | seconds | CPU s | added | quarantined | CPU ratio base/ours |")
    print("|---|---|---|---|---|---|---|")
    for call in ("first", "file again", "objects again"):
        for who, res in results.items():
            r = res[call]
            ratio = (
                f"{results['base'][call]['cpu'] / r['cpu']:.2f}x"
                if who == "ours" and "base" in results
                else ""
            )
            print(
                f"| {call} | {who} | {r['seconds']:.2f} | {r['cpu']:.2f} | {r['added']:,} | {r['quarantined']:,} "
                f"| {ratio} |"
            )
    for who, res in results.items():
        print(f"peak RSS {who}: {res['rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()

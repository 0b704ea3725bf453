"""What the native time-unit rule costs an ingest of a large file written in another unit (storeb47).

Usage::

    python bench/time_units47.py --steps 100000 --baseline-python /work/wt/base33/.venv/bin/python

Writes native JSONL files of ``--steps`` steps (runs of 20 steps, a second apart) whose integer times are
``ms`` (``Date.now()`` milliseconds: every time is scaled by the rule), ``ms_odd`` (the same, one time an odd small
value: the rule's notes name its line) and ``ns`` (nanoseconds: no small time, the rule does nothing, a control),
then ingests each into a fresh in-memory store, one process per run (peak RSS its own), ``--repeat`` times,
ours and the baseline's interpreter alternating. CPU seconds (user + system, DuckDB's threads included) count the
ingest call only. Ratios are the baseline's over ours (>1: ours cheaper).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

S = 1_767_268_800
KINDS = ("ms", "ms_odd", "ns")

_CHILD = r"""
import os, resource, sys, time
import workbench as wb
ws = wb.open()
t = os.times()
report = ws.ingest(sys.argv[1], progress=False)
u = os.times()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(u.user - t.user + u.system - t.system, rss, report.stored, len(report.notes))
"""


def write(path: Path, kind: str, steps: int) -> None:
    with path.open("w") as f:
        for i in range(steps):
            start = (S + i) * 1000 if kind != "ns" else (S + i) * 10**9
            end = start + (500 if kind != "ns" else 5 * 10**8)
            if kind == "ms_odd" and i == steps // 2:
                start = 5
            f.write(
                json.dumps(
                    {
                        "run_id": f"r{i // 20}",
                        "step_id": f"s{i}",
                        "agent": "a",
                        "kind": "llm",
                        "started_at": start,
                        "ended_at": end,
                    }
                )
                + "\n"
            )


def run(python: str, path: Path) -> tuple[float, float, int, int]:
    out = subprocess.run([python, "-c", _CHILD, str(path)], capture_output=True, text=True, check=True).stdout
    cpu, rss, stored, notes = out.split()
    return float(cpu), float(rss), int(stored), int(notes)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--baseline-python", required=True)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print("| file | steps | ours CPU s | base CPU s | ratio | ours MB | base MB | stored (ours/base) |")
        print("|---|---|---|---|---|---|---|---|")
        for kind in KINDS:
            path = Path(tmp) / f"{kind}.jsonl"
            write(path, kind, args.steps)
            ours, base = [], []
            for _ in range(args.repeat):
                ours.append(run(sys.executable, path))
                base.append(run(args.baseline_python, path))
            oc, bc = statistics.median(r[0] for r in ours), statistics.median(r[0] for r in base)
            om, bm = max(r[1] for r in ours), max(r[1] for r in base)
            print(
                f"| {kind} | {args.steps:,} | {oc:.2f} | {bc:.2f} | {bc / oc:.2f} | {om:.0f} | {bm:.0f} "
                f"| {ours[0][2]:,} / {base[0][2]:,} |",
                flush=True,
            )


if __name__ == "__main__":
    main()

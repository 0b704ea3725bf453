"""Start-up time of the ``workbench`` command and of ``import workbench``, against an eager baseline.

Usage::

    python bench/cli_startup.py            # 7 runs each
    python bench/cli_startup.py --runs 15

Each row is the median wall time of N fresh interpreters. The baseline rows do the same work after an
eager import of every heavy subpackage in the same interpreter (what ``import workbench`` cost before
imports were lazy), so the ratio is measured in one invocation on the same machine load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

EAGER = (
    "import workbench.attribution, workbench.detect, workbench.ingest, workbench.store, "
    "workbench.sim, workbench.workspace, workbench.demo, workbench.replay; "
)
HEAVY = ("duckdb", "pandas", "numpy", "scipy", "sklearn", "ipywidgets", "altair")

CASES = [
    (
        "workbench --help",
        "import sys; from workbench.cli import main; sys.argv[0] = 'workbench'\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass",
    ),
    ("python -c 'import workbench'", "import workbench"),
]


def _time(code: str, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, stdout=subprocess.DEVNULL)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _heavy_loaded(code: str) -> str:
    probe = code + f"\nimport sys; print(','.join(m for m in {HEAVY!r} if m in sys.modules) or '-')"
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(
        f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}, "
        f"{os.cpu_count()} cores, median of {args.runs} runs\n"
    )
    print("| command | lazy (s) | eager baseline (s) | ratio | heavy modules loaded (lazy) |")
    print("|---|---:|---:|---:|---|")
    for label, code in CASES:
        lazy = _time(code, args.runs)
        eager = _time(EAGER + code, args.runs)
        print(f"| {label} | {lazy:.3f} | {eager:.3f} | {eager / lazy:.1f}x | {_heavy_loaded(code)} |")
    # the real console script, as a user types it (includes the entry-point shim)
    exe = os.path.join(os.path.dirname(sys.executable), "workbench")
    if os.path.exists(exe):
        samples = []
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run([exe, "--help"], check=True, stdout=subprocess.DEVNULL)
            samples.append(time.perf_counter() - start)
        print(f"| `workbench --help` (console script) | {statistics.median(samples):.3f} | | | |")


if __name__ == "__main__":
    main()

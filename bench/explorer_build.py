"""What building an IncidentExplorer costs on a small store: the CPU a user (and every explorer test) pays per view.

Usage::

    python bench/explorer_build.py                                                   # this checkout only
    python bench/explorer_build.py --baseline-python /work/wt/base33/.venv/bin/python --n 7

The store: ``--runs`` simulated procurement runs (seed 1, fault rate 0.7: the newest failed, so the explorer opens
on a failed run and its log-only verdict is scored with the pretrained model), ingested and detected. Each
interpreter runs in a fresh process of its own (``--baseline-python``: another checkout's venv, which imports that
checkout's package), the two alternating case by case. A process builds one explorer left uncounted (imports, the
pretrained model's first load), then ``--n`` builds; the table gives the median CPU ms of a build (user + system of
the whole process, DuckDB's threads included: ``time.process_time``) and the process's peak RSS. The cases:

* ``new store``: each build on a store of its own (the same runs ingested again, not counted): a notebook opened
  fresh, a test's own store;
* ``same store``: each build on one store: a cell run again, a second view of the same store.

No event loop runs, so the opened run's attribution is computed inside the build (in a notebook it waits for the
cell's end). The ratio is baseline over ours (>1: ours is cheaper). 2 shared cores: the load average is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import warnings

CASES = ("new store", "same store")


def _store(runs: int):  # noqa: ANN202
    import workbench as wb

    ws = wb.open()
    ws.ingest(wb.sim.procurement(seed=1, fault_rate=0.7).generate(runs), progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        wb.detect(ws, progress=False)
    return ws


def child(case: str, runs: int, n: int) -> dict:
    from workbench.widgets import IncidentExplorer

    ws = _store(runs)
    first = IncidentExplorer(ws)
    opened = first.run_id
    cpu = []
    for _ in range(n):
        here = _store(runs) if case == "new store" else ws
        c0 = time.process_time()
        ex = IncidentExplorer(here)
        cpu.append(time.process_time() - c0)
        assert ex.run_id == opened, (ex.run_id, opened)
        assert "Log-only BlameModel" in ex.verdict.value, ex.verdict.value[:200]
    return {
        "cpu_ms": statistics.median(cpu) * 1000,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "opened": opened,
    }


def measure(python: str, case: str, runs: int, n: int) -> dict:
    out = subprocess.run(
        [python, os.path.abspath(__file__), "--child", case, "--runs", str(runs), "--n", str(n)],
        capture_output=True,
        text=True,
        check=True,
        cwd=os.path.dirname(os.path.abspath(__file__)),
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--n", type=int, default=7)
    parser.add_argument("--baseline-python", default=None)
    parser.add_argument("--child", default=None, choices=CASES)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.runs, args.n)))
        return
    load = os.getloadavg()
    print(
        f"IncidentExplorer build, {args.runs} runs, median of {args.n} builds a case; load {load[0]:.1f} "
        f"{load[1]:.1f} {load[2]:.1f}\nours {sys.executable}; baseline {args.baseline_python or '-'}\n"
    )
    print("| case | ours CPU ms | ours peak RSS MB | baseline CPU ms | baseline peak RSS MB | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for case in CASES:
        ours = measure(sys.executable, case, args.runs, args.n)
        base = measure(args.baseline_python, case, args.runs, args.n) if args.baseline_python else None
        if base is not None and base["opened"] != ours["opened"]:
            raise SystemExit(f"{case}: the two opened different runs ({ours['opened']} vs {base['opened']})")
        cells = (
            f"{base['cpu_ms']:,.0f} | {base['rss_mb']:,.0f} | {base['cpu_ms'] / ours['cpu_ms']:.2f}"
            if base
            else "- | - | -"
        )
        print(f"| {case} | {ours['cpu_ms']:,.0f} | {ours['rss_mb']:,.0f} | {cells} |")
    load = os.getloadavg()
    print(f"\nload after: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")


if __name__ == "__main__":
    main()

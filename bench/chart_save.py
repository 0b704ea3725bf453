"""What ``plots.save`` costs per chart and format: the CPU a user (and every chart test that saves) pays per file.

Usage::

    python bench/chart_save.py                                   # this checkout only
    python bench/chart_save.py --baseline-src /tmp/base --n 3    # beside another checkout's package

The charts: a timeline (with handoffs), blame bars, a histogram, the drift chart, detector bars and a sweep curve of
``--runs`` simulated procurement runs (seed 11, fault rate 0.5, detected), built once per process. Each checkout runs
in fresh processes of its own (``--baseline-src``: a checkout whose ``workbench`` package is imported first, through
``PYTHONPATH``, by this interpreter), the two alternating format by format. A process saves every chart once
uncounted (imports, vl-convert's first start), then ``--n`` times; the table gives the median CPU ms of saving all
the charts in one format (user + system of the whole process: ``time.process_time``) and the process's peak RSS.
The ratio is baseline over ours (>1: ours is cheaper). 2 shared cores: the load average is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

FORMATS = ("png", "svg", "html")


def _charts(runs: int) -> dict:
    import pandas as pd

    import workbench as wb
    from workbench import plots

    ws = wb.open()
    ws.ingest(wb.sim.procurement(seed=11, fault_rate=0.5, drift_at=runs // 2).generate(runs), progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        wb.detect(ws, progress=False)
    run = ws.sql("SELECT run_id FROM runs WHERE outcome = 'failure' ORDER BY run_id LIMIT 1").fetchall()[0][0]
    sweep = pd.DataFrame(
        {"threshold": [0.1, 0.5, 0.9], "escalation_rate": [0.9, 0.4, 0.05], "recall": [1, 0.7, 0.1]}
    )
    return {
        "timeline": plots.timeline(plots.timeline_data(ws, run), plots.handoff_data(ws, run), title=run),
        "blame": plots.blame_bars(
            pd.DataFrame({"player": ["planner", "pricer", "writer"], "blame": [0.6, 0.3, 0.1]})
        ),
        "hist": plots.histogram(plots.histogram_data(ws, "confidence"), "confidence", threshold=0.5),
        "drift": plots.drift_over_time(plots.agent_series(ws), "confidence", plots.change_points(ws)),
        "detectors": plots.detector_bars(plots.detector_counts(ws)),
        "sweep": plots.sweep_curve(sweep, current=0.5),
    }


def child(fmt: str, runs: int, n: int) -> dict:
    from workbench import plots

    charts = _charts(runs)
    cpu = []
    with tempfile.TemporaryDirectory() as out:
        for i in range(n + 1):
            c0 = time.process_time()
            sizes = [os.path.getsize(plots.save(c, f"{out}/{name}.{fmt}")) for name, c in charts.items()]
            if i:  # (the first round: imports, vl-convert's start)
                cpu.append(time.process_time() - c0)
    return {
        "cpu_ms": statistics.median(cpu) * 1000,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "files": len(sizes),
    }


def measure(src: str | None, fmt: str, runs: int, n: int) -> dict:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    out = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--child", fmt, "--runs", str(runs), "--n", str(n)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=tempfile.gettempdir(),  # (not this checkout: its package would be imported from the folder)
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--n", type=int, default=3)
    parser.add_argument("--baseline-src", default=None)
    parser.add_argument("--child", default=None, choices=FORMATS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.runs, args.n)))
        return
    load = os.getloadavg()
    print(
        f"plots.save of 6 charts, {args.runs} runs, median of {args.n} rounds a format; load {load[0]:.1f} "
        f"{load[1]:.1f} {load[2]:.1f}\nbaseline package: {args.baseline_src or '-'}\n"
    )
    print(
        "| format | charts | ours CPU ms | ours peak RSS MB | baseline CPU ms | baseline peak RSS MB | ratio |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for fmt in FORMATS:
        ours = measure(None, fmt, args.runs, args.n)
        base = measure(args.baseline_src, fmt, args.runs, args.n) if args.baseline_src else None
        cells = (
            f"{base['cpu_ms']:,.0f} | {base['rss_mb']:,.0f} | {base['cpu_ms'] / ours['cpu_ms']:.2f}"
            if base
            else "- | - | -"
        )
        print(f"| {fmt} | {ours['files']} | {ours['cpu_ms']:,.0f} | {ours['rss_mb']:,.0f} | {cells} |")
    load = os.getloadavg()
    print(f"\nload after: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")


if __name__ == "__main__":
    main()

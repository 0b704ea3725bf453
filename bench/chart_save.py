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
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _child_bench import figures, load, measure, table  # noqa: E402

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
    return figures(cpu, files=len(sizes))


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
    print(
        f"plots.save of 6 charts, {args.runs} runs, median of {args.n} rounds a format; load {load()}\n"
        f"baseline package: {args.baseline_src or '-'}\n"
    )
    more = ["--runs", str(args.runs), "--n", str(args.n)]
    table(
        "format",
        FORMATS,
        lambda fmt: measure(__file__, fmt, more),
        (lambda fmt: measure(__file__, fmt, more, src=args.baseline_src)) if args.baseline_src else None,
        shown=[("charts", "files")],
    )


if __name__ == "__main__":
    main()

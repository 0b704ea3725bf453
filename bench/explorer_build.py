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
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _child_bench import figures, load, measure, table  # noqa: E402

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
    return figures(cpu, opened=opened)


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
    print(
        f"IncidentExplorer build, {args.runs} runs, median of {args.n} builds a case; load {load()}\n"
        f"ours {sys.executable}; baseline {args.baseline_python or '-'}\n"
    )
    more = ["--runs", str(args.runs), "--n", str(args.n)]
    table(
        "case",
        CASES,
        lambda case: measure(__file__, case, more),
        (lambda case: measure(__file__, case, more, python=args.baseline_python))
        if args.baseline_python
        else None,
        same="opened",
    )


if __name__ == "__main__":
    main()

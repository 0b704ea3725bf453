"""What the same file ingested again costs, now that its runs keep their detected marks when nothing changed (mend48).

Usage::

    python bench/reingest_marks.py                                 # 20k and 100k steps
    python bench/reingest_marks.py --sizes 20000 --baseline-python /work/wt/base33/.venv/bin/python

An ingest giving stored steps again fingerprints the marked runs it touches before and after its merge
(``store/sql/kept_marks.sql``: their steps' and edges' rows hashed) to keep the marks of those nothing changed. Each
size, in a process of its own per interpreter: a native JSONL file of runs of 50 steps (a tool loop), ingested into a
store file, every detector run, then the same file ingested again (timed: CPU seconds of the process, all threads,
and wall) and a file of the same runs' next step each (every run changed: the marks all go). Prints those, the marks
kept after each, and peak RSS. Run the baseline beside it: wall figures compare only within one invocation.
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

STEPS_PER_RUN = 50


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _write(path: Path, n_runs: int, first: int, last: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for r in range(n_runs):
            run = f"r{r}"
            if first == 0:
                fh.write(
                    json.dumps({"record": "run", "run_id": run, "outcome": "failure" if r % 3 else "success"})
                )
                fh.write("\n")
            for i in range(first, last):
                step = {
                    "record": "step",
                    "run_id": run,
                    "step_id": f"s{i}",
                    "agent": "pricer",
                    "kind": "llm" if i == 0 else "tool",
                    "tool": None if i == 0 else "lookup",
                    "parent_id": None if i == 0 else "s0",
                    "input": '{"q": 1}',
                    "output": "the same answer",
                    "started_at": f"2026-01-05T10:{i // 60:02d}:{i % 60:02d}Z",
                }
                fh.write(json.dumps(step) + "\n")


def _timed(ws, path: Path) -> dict:  # noqa: ANN001
    start, cpu = time.perf_counter(), _cpu()
    report = ws.ingest(path, progress=False)
    return {
        "seconds": time.perf_counter() - start,
        "cpu": _cpu() - cpu,
        "added": report.added,
        "marks": ws.sql("SELECT count(*) FROM detected").fetchall()[0][0],
    }


def _child(folder: str, n_steps: int) -> None:
    import workbench as wb

    n_runs = n_steps // STEPS_PER_RUN
    logs, more = Path(folder) / "runs.jsonl", Path(folder) / "more.jsonl"
    _write(logs, n_runs, 0, STEPS_PER_RUN)
    _write(more, n_runs, STEPS_PER_RUN, STEPS_PER_RUN + 1)
    with wb.open(Path(folder) / "store.duckdb") as ws:
        first = _timed(ws, logs)
        wb.detect(ws, progress=False)
        marks = ws.sql("SELECT count(*) FROM detected").fetchall()[0][0]
        again = _timed(ws, logs)
        changed = _timed(ws, more)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"first": first, "marks": marks, "again": again, "changed": changed, "peak_mb": peak}))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--baseline-python", default=None)
    parser.add_argument("--child", nargs=2, metavar=("FOLDER", "STEPS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], int(args.child[1]))
        return
    pythons = [("this", sys.executable)] + (
        [("baseline", args.baseline_python)] if args.baseline_python else []
    )
    print(f"load {os.getloadavg()[0]:.1f}")
    print(
        f"{'steps':>8} {'build':>9} | {'again cpu s':>11} {'wall s':>7} {'marks kept':>10} | "
        f"{'changed cpu s':>13} {'marks':>6} | {'peak MB':>7}"
    )
    for n in args.sizes:
        for name, python in pythons:
            with tempfile.TemporaryDirectory(prefix="reingest_marks_") as folder:
                out = subprocess.run(
                    [python, __file__, "--child", folder, str(n)],
                    capture_output=True,
                    text=True,
                    check=True,
                    cwd=folder,
                ).stdout
            r = json.loads(out.strip().splitlines()[-1])
            print(
                f"{n:>8,} {name:>9} | {r['again']['cpu']:>11.2f} {r['again']['seconds']:>7.2f} "
                f"{r['again']['marks']:>4,}/{r['marks']:<5,} | {r['changed']['cpu']:>13.2f} "
                f"{r['changed']['marks']:>6,} | {r['peak_mb']:>7.0f}"
            )
    print(f"load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

"""What ``wb.detect`` holding the workspace's write lock costs an ingest given meanwhile (race47).

Usage::

    python bench/detect_lock.py                                   # 50k and 500k steps
    python bench/detect_lock.py --sizes 50000 --baseline-python /work/wt/base33/.venv/bin/python

``wb.detect`` reads, computes and stores under the lock its workspace's ingests take (two detects at once stored
every finding twice; an ingest committed between its read and its store left stale marks), so an ingest of another
thread waits until the detect ends. Each size, in a process of its own per interpreter: a store of runs of 50 steps
(bench/detect.py's fill), then a small ingest (a new run's record and first step) alone; the detectors alone; and an
ingest of that run's next five steps started in the main thread once a detect of every detector began in another
(``_runner._detect`` entered). Prints the ingest's latency (wall: waiting is what the lock costs) alone and during the detect, the
detect's wall and CPU seconds (the wait's bound), the process's CPU seconds for the overlapped phase, peak RSS, and
whether the ingest failed or its run was left marked detected (stale: marks of the steps the detect read, which
``detect="auto"`` then trusts). Run the baseline beside it:
the wall figures are only comparable within one invocation, on one machine's load.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from detect import _fill  # noqa: E402  (the detector benchmark's store)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _records(run_id: str = "x") -> list[dict]:
    step = {"record": "step", "run_id": run_id, "agent": "pricer"}
    return [
        {"record": "run", "run_id": run_id, "outcome": "failure"},
        {**step, "step_id": "s0", "kind": "llm", "started_at": "2026-01-05T10:00:00Z", "output": "plan"},
        *(
            {
                **step,
                "step_id": f"s{i}",
                "parent_id": "s0",
                "kind": "tool",
                "tool": "lookup",
                "input": '{"q": 1}',
                "output": "the same answer",
                "started_at": f"2026-01-05T10:00:0{i}Z",
            }
            for i in range(1, 6)
        ),
    ]


def _child(db: str, n_steps: int) -> None:
    import workbench as wb
    from workbench.detect import _runner

    _fill(db, n_steps)
    out: dict = {"steps": n_steps}
    with wb.open(db) as ws:
        wb.detect(ws, progress=False)  # (warm: the first call plans every statement once)
        start, cpu = time.perf_counter(), _cpu()
        wb.detect(ws, progress=False)
        out["detect_s"], out["detect_cpu"] = time.perf_counter() - start, _cpu() - cpu
        start = time.perf_counter()
        ws.ingest(_records()[:2], progress=False)  # (a new run, its record and first step: not detected)
        out["ingest_alone_s"] = time.perf_counter() - start
        began = threading.Event()
        inner = _runner._detect

        def told(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            began.set()
            return inner(*args, **kwargs)

        _runner._detect = told
        done: dict = {}

        def detect() -> None:
            try:
                wb.detect(ws, progress=False)
                done["detect_error"] = None
            except Exception as exc:  # noqa: BLE001
                done["detect_error"] = f"{type(exc).__name__}: {str(exc)[:60]}"

        thread = threading.Thread(target=detect)
        start, cpu = time.perf_counter(), _cpu()
        thread.start()
        began.wait()
        asked = time.perf_counter()
        try:
            ws.ingest(
                _records()[2:], progress=False
            )  # (the run's five tool calls: the detect read it before)
            out["ingest_error"] = None
        except Exception as exc:  # noqa: BLE001
            out["ingest_error"] = type(exc).__name__
        out["ingest_during_s"] = time.perf_counter() - asked
        thread.join()
        _runner._detect = inner
        out["overlap_s"], out["overlap_cpu"] = time.perf_counter() - start, _cpu() - cpu
        out["detect_error"] = done["detect_error"]
        out["stale_marks"] = ws.sql("SELECT count(*) FROM detected WHERE run_id = 'x'").fetchall()[0][0]
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def _run(python: str, db: str, n_steps: int, own_tree: bool) -> dict:
    env = dict(os.environ)
    if own_tree:  # (this tree's workbench; a baseline interpreter imports its own release)
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    else:
        env.pop("PYTHONPATH", None)
    done = subprocess.run(
        [python, __file__, "--child", db, "--sizes", str(n_steps)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50_000, 500_000])
    parser.add_argument("--baseline-python")
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.sizes[0])
        return
    print(
        "| build | steps | ingest alone s | detect s (CPU) | ingest during detect s | overlap CPU s | "
        "ingest error | detect error | stale marks | peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        builds = [("this", sys.executable, True)]
        if args.baseline_python:
            builds.append(("baseline", args.baseline_python, False))
        for name, python, own in builds:
            with tempfile.TemporaryDirectory(prefix="detect_lock_") as tmp:
                r = _run(python, str(Path(tmp) / "s.duckdb"), n, own)
            print(
                f"| {name} | {n:,} | {r['ingest_alone_s']:.2f} | {r['detect_s']:.2f} ({r['detect_cpu']:.2f}) | "
                f"{r['ingest_during_s']:.2f} | {r['overlap_cpu']:.2f} | {r['ingest_error']} | "
                f"{r['detect_error']} | {r['stale_marks']} | {r['peak_rss_mb']:.0f} |"
            )
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

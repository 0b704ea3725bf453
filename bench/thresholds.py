"""Threshold sweep benchmark: computing a sweep once, then moving the threshold (``sweep.at(t)``).

Usage::

    python bench/thresholds.py                   # 1M and 10M steps
    python bench/thresholds.py --sizes 1000000

The store is filled inside DuckDB: runs of 25 steps (an agent span, then LLM steps with confidence
and entropy and tool calls) over five agents; a fifth of the runs fail, most with a labelled decisive
step whose entropy runs high. Each size runs in its own process so its peak RSS is its own.
Per size: the time to compute the sweep (``wb.sweep_thresholds``), the time per threshold update with
``sweep.at(t)`` over 2,000 random thresholds (mean, p99, max), and as the baseline the same update done
the obvious way, one parameterised DuckDB query per slider move (mean of 5). Target: ``at`` ≤ 30 ms
per update at 10M steps.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

STEPS_PER_RUN = 25

FILL_RUNS = """
INSERT INTO runs (run_id, system, outcome, outcome_source, n_steps)
SELECT 'r' || r, 'bench', CASE WHEN hash(r, 'fail') % 5 = 0 THEN 'failure' ELSE 'success' END, 'label', $k
FROM range($n_runs) t(r)
"""
FILL_STEPS = """
INSERT INTO steps (run_id, step_id, seq, depth, agent, kind, tool, latency_ms, status, confidence, entropy,
                   tokens_in, tokens_out)
SELECT 'r' || r, 's' || lpad(k::VARCHAR, 3, '0'), k, CASE WHEN k = 0 THEN 0 ELSE 1 END,
       ['planner', 'retriever', 'pricer', 'executor', 'verifier'][1 + (k * 5) // $k],
       CASE WHEN k = 0 THEN 'agent' WHEN k % 3 = 0 THEN 'tool' ELSE 'llm' END,
       CASE WHEN k % 3 = 0 AND k > 0 THEN 'get_price' END,
       100 + hash(r, k, 'l') % 2000, CASE WHEN hash(r, k, 's') % 50 = 0 THEN 'error' ELSE 'ok' END,
       CASE WHEN k % 3 <> 0 THEN 0.4 + (hash(r, k, 'c') % 600) / 1000.0
                                 - CASE WHEN hash(r, 'fail') % 5 = 0 AND k = 7 THEN 0.3 ELSE 0 END END,
       CASE WHEN k % 3 <> 0 THEN (hash(r, k, 'e') % 1000) / 1000.0
                                 + CASE WHEN hash(r, 'fail') % 5 = 0 AND k = 7 THEN 0.6 ELSE 0 END END,
       CASE WHEN k % 3 <> 0 THEN 500 + hash(r, k) % 500 END, CASE WHEN k % 3 <> 0 THEN 40 + hash(r, k) % 60 END
FROM range($n_runs) t(r), range($k) s(k)
"""
FILL_LABELS = """
INSERT INTO labels (run_id, agent, step_id, kind, source)
SELECT 'r' || r, 'retriever', 's007', 'hallucination', 'ground_truth'
FROM range($n_runs) t(r) WHERE hash(r, 'fail') % 5 = 0 AND hash(r, 'lab') % 4 <> 0
"""
# The obvious per-update query a slider would otherwise run: runs escalated and failures caught.
NAIVE = """
SELECT count(*) FILTER (WHERE hit), count(*) FILTER (WHERE hit AND r.outcome = 'failure')
FROM (SELECT run_id, max(entropy) >= $t AS hit FROM steps WHERE kind NOT IN ('agent', 'system')
      GROUP BY run_id) x JOIN runs r USING (run_id)
"""


def one(n_steps: int) -> dict:
    import numpy as np

    import workbench as wb

    ws = wb.open()
    n_runs = n_steps // STEPS_PER_RUN
    t = time.perf_counter()
    ws.con.execute(FILL_RUNS, {"n_runs": n_runs, "k": STEPS_PER_RUN})
    ws.con.execute(FILL_STEPS, {"n_runs": n_runs, "k": STEPS_PER_RUN})
    ws.con.execute(FILL_LABELS, {"n_runs": n_runs})
    fill = time.perf_counter() - t
    t = time.perf_counter()
    sweep = wb.sweep_thresholds(ws, signal="entropy", budget=0.1)
    compute = time.perf_counter() - t
    rng = np.random.default_rng(0)
    thresholds = rng.uniform(0, 1.6, 2000)
    times = []
    for th in thresholds:
        t0 = time.perf_counter()
        sweep.at(float(th))
        times.append(time.perf_counter() - t0)
    naive = []
    for th in thresholds[:5]:
        t0 = time.perf_counter()
        got = ws.con.execute(NAIVE, {"t": float(th)}).fetchall()[0]
        naive.append(time.perf_counter() - t0)
        assert got[0] == sweep.at(float(th)).escalated_runs  # the same answer, the slow way
    ms = np.array(times) * 1000
    return {
        "steps": n_steps,
        "runs": n_runs,
        "fill_s": fill,
        "sweep_s": compute,
        "at_mean_ms": float(ms.mean()),
        "at_p99_ms": float(np.percentile(ms, 99)),
        "at_max_ms": float(ms.max()),
        "naive_ms": float(np.mean(naive)) * 1000,
        "best": repr(sweep.best.threshold),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one)))
        return
    rows = []
    for n in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n)], capture_output=True, text=True, check=True
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    load = os.getloadavg()
    print(
        f"threshold sweep benchmark, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} "
        f"on {os.cpu_count()} cores\n"
    )
    print(
        "| steps | runs | compute sweep (s) | at(t) mean (ms) | at(t) p99 (ms) | at(t) max (ms) "
        "| baseline: SQL per update (ms) | speed-up | peak RSS (MB) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['steps']:,} | {r['runs']:,} | {r['sweep_s']:.1f} | {r['at_mean_ms']:.3f} | {r['at_p99_ms']:.3f} "
            f"| {r['at_max_ms']:.3f} | {r['naive_ms']:.0f} | {r['naive_ms'] / r['at_mean_ms']:,.0f}x "
            f"| {r['rss_mb']:.0f} |"
        )


if __name__ == "__main__":
    main()

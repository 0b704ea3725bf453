"""Detector benchmark: all detectors over 1M and 10M steps.

Usage::

    python bench/detect.py                  # 1M and 10M steps
    python bench/detect.py --sizes 1000000
    python bench/detect.py --all-only --baseline-python /tmp/old-venv/bin/python   # old release beside

The store is filled by one process and read by another, so the peak RSS is the detectors' own.
``--baseline-python`` runs the same detection with another interpreter (a venv holding an earlier
workbench release, imported from its site-packages) in the same invocation, for a before/after table.

The store is filled inside DuckDB (ingest has its own benchmark): runs of 50 steps across five
agents, with tool calls, inputs and outputs carrying prices and ids, consumes edges (an LLM call reads
the tool result before it; hand-offs between agents), a share of loops, retries and unsupported answers, and a model change half-way for drift. Each size runs in
its own process so peak RSS is its own. Prints: steps, detector, seconds, steps/s, CPU seconds (all threads), findings, peak RSS,
and, with a baseline, whether both gave the same findings (EXCEPT ALL both ways).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STEPS_PER_RUN = 50

_FILL = """
INSERT INTO steps BY NAME
SELECT 'r' || r AS run_id, 's' || lpad(k::VARCHAR, 3, '0') AS step_id,
       CASE WHEN k = 0 THEN NULL ELSE 's000' END AS parent_id, k AS seq, CASE WHEN k = 0 THEN 0 ELSE 1 END AS depth,
       CASE WHEN k = 0 THEN NULL ELSE ['planner', 'retriever', 'pricer', 'executor', 'verifier'][1 + (k // 10)] END AS agent,
       NULL AS agent_own,
       CASE WHEN k = 0 THEN 'system' WHEN k % 3 = 0 THEN 'tool' ELSE 'llm' END AS kind,
       'step' AS name,
       CASE WHEN k % 3 = 0 AND r % 40 = 0 AND k BETWEEN 3 AND 12 THEN 'get_price'
            WHEN k % 3 = 0 THEN ['search', 'get_price', 'place_order'][1 + (k % 9) // 3] END AS tool,
       CASE WHEN r > $n_runs // 2 AND k // 10 = 2 THEN 'pricer-v2' ELSE 'm-v1' END AS model,
       TIMESTAMP '2026-01-01' + to_seconds(r * 60 + k) AS started_at,
       TIMESTAMP '2026-01-01' + to_seconds(r * 60 + k) + to_milliseconds(500) + CASE WHEN k = 0 THEN to_seconds(50) ELSE to_seconds(0) END AS ended_at,
       500.0 + (hash(r, k) % 1000) * (CASE WHEN r > $n_runs // 2 AND k // 10 = 2 THEN 3 ELSE 1 END) AS latency_ms,
       CASE WHEN k % 3 = 0 AND hash(r, k) % 50 = 0 THEN 'error' ELSE 'ok' END AS status,
       NULL AS error,
       CASE WHEN k % 3 = 0 AND r % 40 = 0 AND k BETWEEN 3 AND 12 THEN '{"sku": "SKU-1"}'
            ELSE '{"sku": "SKU-' || (hash(r, k) % 500) || '"}' END AS input,
       CASE WHEN k = 0 THEN 'ordered 40 at ' || (CASE WHEN r % 25 = 0 THEN 99.99 ELSE 12.5 END) || ' order PO-' || r
            WHEN k % 3 = 0 THEN '{"price": 12.5, "order": "PO-' || r || '"}'
            ELSE 'thinking about ' || (hash(r, k) % 100) END AS output,
       100 AS tokens_in, 20 AS tokens_out, 0.001 AS cost,
       0.5 + (hash(r, k) % 500) / 1000.0 AS confidence, (hash(r, k) % 300) / 100.0 AS entropy,
       NULL AS attributes, 'bench' AS source, 'bench' AS file, k AS line, k AS order_hint
FROM range($n_runs) t(r), range(50) u(k);

INSERT INTO runs BY NAME
SELECT 'r' || r AS run_id, 'bench' AS source, 'bench' AS system,
       TIMESTAMP '2026-01-01' + to_seconds(r * 60) AS started_at,
       TIMESTAMP '2026-01-01' + to_seconds(r * 60 + 50) AS ended_at,
       CASE WHEN r % 7 = 0 THEN 'failure' ELSE 'success' END AS outcome, 'root_status' AS outcome_source,
       'success' AS reported_outcome, 'buy 40 units' AS task, 50 AS n_steps
FROM range($n_runs) t(r);

-- an LLM call reads the tool result before it; each agent hands over to the next
INSERT INTO edges
SELECT 'r' || r, 's' || lpad(k::VARCHAR, 3, '0'), 's' || lpad((k + 1)::VARCHAR, 3, '0'),
       CASE WHEN k % 10 = 9 THEN 'handoff' ELSE 'consumes' END
FROM range($n_runs) t(r), range(1, 49) u(k)
WHERE k % 3 = 0 OR k % 10 = 9;
"""


def _fill(db: str, n_steps: int) -> None:
    import workbench as wb

    with wb.open(db) as ws:
        for stmt in [s for s in _FILL.split(";\n") if s.strip()]:
            ws.con.execute(stmt, {"n_runs": n_steps // STEPS_PER_RUN})


def _cpu() -> float:
    # CPU seconds of this process, all threads: beside the wall time, the work itself, which the
    # load of other processes on a shared machine does not inflate.
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child(db: str, all_only: bool, dump: str | None) -> None:
    import workbench as wb
    from workbench.detect import DETECTORS, detect

    rows = []
    with wb.open(db) as ws:
        for name in () if all_only else DETECTORS:
            start, cpu = time.perf_counter(), _cpu()
            found = detect(ws, detectors=[name], progress=False)
            rows.append(
                {
                    "detector": name,
                    "seconds": time.perf_counter() - start,
                    "cpu": _cpu() - cpu,
                    "findings": len(found),
                }
            )
        start, cpu = time.perf_counter(), _cpu()
        found = detect(ws, progress=False)
        rows.append(
            {
                "detector": "all (one call)",
                "seconds": time.perf_counter() - start,
                "cpu": _cpu() - cpu,
                "findings": len(found),
            }
        )
        temp = ws.con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchall()[0][0]
        if dump:  # the findings, for the comparison with the other code's (a path the parent chose)
            ws.con.execute(
                f"COPY (SELECT run_id, step_id, agent, detector, severity, detail, attributes::VARCHAR "
                f"AS attributes FROM findings) TO '{dump}' (FORMAT parquet)"
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "peak_mb": peak, "temp_tables_left": temp}))


def _run(python: str, args: list[str], own_tree: bool) -> str:
    # The baseline interpreter imports its own installed workbench, not this checkout.
    env = {"PATH": "/usr/bin:/bin"}
    if own_tree:
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    out = subprocess.run([python, __file__, *args], capture_output=True, text=True, check=False, env=env)
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return out.stdout


def _compare(mine: str, theirs: str, size: int) -> None:
    # The same findings, row for row (EXCEPT ALL both ways: duplicates count).
    import duckdb

    con = duckdb.connect()
    rows = con.execute("SELECT count(*) FROM read_parquet(?)", [mine]).fetchall()[0][0]
    only = [
        con.execute(
            "SELECT count(*) FROM (FROM read_parquet(?) EXCEPT ALL FROM read_parquet(?))", [a, b]
        ).fetchall()[0][0]
        for a, b in ((mine, theirs), (theirs, mine))
    ]
    print(
        f"\n{size:,} steps: {rows:,} findings; only in this tree's {only[0]:,}, only in the baseline's {only[1]:,}"
        f" ({'identical' if only == [0, 0] else 'DIFFERENT'})\n",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000_000, 10_000_000])
    parser.add_argument(
        "--all-only", action="store_true", help="time only the one call running every detector"
    )
    parser.add_argument("--baseline-python", help="also run with this interpreter (an earlier release)")
    parser.add_argument("--fill", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--dump", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fill:
        _fill(args.fill[0], int(args.fill[1]))
        return
    if args.child:
        _child(args.child, args.all_only, args.dump)
        return
    runs = [("this tree", sys.executable, True)]
    if args.baseline_python:
        runs.append(("baseline", args.baseline_python, False))
    print(f"load average at start: {os.getloadavg()}")
    print(
        "| steps | code | detector | seconds | steps/s | CPU s | findings | peak RSS MB | temp tables left | load |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            # (filled by the oldest code, and each run given its own copy: a newer release migrates the store it
            # opens to its schema, which an older one then refuses)
            filled = str(Path(tmp) / "filled.duckdb")
            _run(runs[-1][1], ["--fill", filled, str(size)], runs[-1][2])
            dumps = []
            for label, python, own in runs:
                db = str(Path(tmp) / f"bench-{len(dumps)}.duckdb")
                shutil.copyfile(filled, db)
                extra = ["--all-only"] if args.all_only else []
                dumps.append(str(Path(tmp) / f"findings-{len(dumps)}.parquet"))
                res = json.loads(
                    _run(python, ["--child", db, *extra, "--dump", dumps[-1]], own).strip().splitlines()[-1]
                )
                load = "/".join(f"{x:.1f}" for x in os.getloadavg())
                for row in res["rows"]:
                    print(
                        f"| {size:,} | {label} | {row['detector']} | {row['seconds']:.2f} | "
                        f"{size / row['seconds']:,.0f} | {row['cpu']:.1f} | {row['findings']:,} | {res['peak_mb']:,.0f} | "
                        f"{res['temp_tables_left']} | {load} |",
                        flush=True,
                    )
            if len(dumps) == 2:
                _compare(*dumps, size)


if __name__ == "__main__":
    main()

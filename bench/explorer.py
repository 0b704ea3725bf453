"""IncidentExplorer paging benchmark: one page of the run list at 100k and 1M runs.

Usage::

    python bench/explorer.py                      # 100k and 1M runs
    python bench/explorer.py --sizes 1000000 --repeat 30

The store is filled inside DuckDB (ingest has its own benchmark): runs over a year, a seventh of them
failed, two systems, ~1.2 warning/critical findings per failed run plus cascade infos, and a stored
verdict for every tenth run, so every filter has something to do. For each filter the page is fetched
at the first, a middle and the last page, as the widget does it: a ``RunPager`` once per filter
change (the filtered runs sorted once into a temp table with hits and culprits), then ``page()`` per
page (a range scan on position). Also timed: the one-shot ``run_page`` (filter, top-N with OFFSET and
lookups in one query).

Baseline, in the same invocation: the plain pandas path — read the runs (and the flags the filter
needs) into a DataFrame, then filter, sort and slice it — which is what a notebook does without the
widget. Prints a markdown table: runs, filter, page, median ms per page (DuckDB), pages/s, baseline ms,
ratio, peak RSS, and the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import datetime

import psutil

import workbench as wb
from workbench.widgets import RunFilter, RunPager, run_page

_FILL = """
INSERT INTO runs BY NAME
SELECT 'r' || lpad(r::VARCHAR, 8, '0') AS run_id, 'bench' AS source,
       CASE WHEN r % 3 = 0 THEN 'billing' ELSE 'procurement' END AS system,
       TIMESTAMP '2026-01-01' + to_seconds(r * (31536000 // $n)) AS started_at,
       TIMESTAMP '2026-01-01' + to_seconds(r * (31536000 // $n) + 40) AS ended_at,
       CASE WHEN r % 7 = 0 THEN 'failure' ELSE 'success' END AS outcome, 'root_status' AS outcome_source,
       CASE WHEN r % 14 = 0 THEN 'success' WHEN r % 7 = 0 THEN 'failure' ELSE 'success' END AS reported_outcome,
       'buy ' || (r % 500) || ' units' AS task, 20 + r % 30 AS n_steps
FROM range($n) t(r);

INSERT INTO findings BY NAME
SELECT 'r' || lpad(r::VARCHAR, 8, '0') AS run_id, 's' || lpad((k * 3)::VARCHAR, 4, '0') AS step_id,
       ['planner', 'retriever', 'pricer', 'executor', 'verifier'][1 + (r + k) % 5] AS agent,
       ['retry', 'loop', 'silent_failure', 'cascade', 'latency_breach'][1 + (r // 7 + k) % 5] AS detector,
       CASE WHEN k = 0 THEN 'critical' WHEN k = 1 THEN 'warning' ELSE 'info' END AS severity,
       'bench finding' AS detail
FROM range($n) t(r), range(3) u(k)
WHERE r % 7 = 0 OR (r % 11 = 0 AND k = 1);

INSERT INTO attributions (run_id, method, unit, target, value, params)
SELECT 'r' || lpad(r::VARCHAR, 8, '0'), 'shapley-exact', 'verdict',
       ['planner', 'retriever', 'pricer', 'executor', 'verifier'][1 + (r // 10) % 5], 1.0, '{}'
FROM range($n) t(r) WHERE r % 10 = 0;
"""

FILTERS = {
    "none": RunFilter(),
    "outcome=failure": RunFilter(outcome="failure"),
    "system+window": RunFilter(system="billing", since=datetime(2026, 3, 1), until=datetime(2026, 9, 1)),
    "detector=retry": RunFilter(detector="retry"),
    "culprit=pricer": RunFilter(culprit="pricer"),
}
PAGE = 12


def fill(n: int) -> wb.Workspace:
    ws = wb.open()
    for stmt in [s for s in _FILL.split(";") if s.strip()]:
        ws.con.execute(stmt, {"n": n})
    return ws


def baseline_page(ws: wb.Workspace, flt: RunFilter, page: int) -> list[str]:
    # The path without the widget: everything into pandas, then filter / sort / slice there.
    runs = ws.con.execute("SELECT * FROM runs").df()
    p = flt.params()
    if p["outcome"]:
        runs = runs[runs["outcome"] == p["outcome"]]
    if p["system"]:
        runs = runs[runs["system"] == p["system"]]
    if p["since"]:
        runs = runs[runs["started_at"] >= p["since"]]
    if p["until"]:
        runs = runs[runs["started_at"] < p["until"]]
    if p["detector"]:
        f = ws.con.execute("SELECT run_id, detector, severity FROM findings").df()
        runs = runs[runs["run_id"].isin(f.loc[(f["detector"] == p["detector"]) & (f["severity"] != "info"), "run_id"])]
    if p["culprit"]:
        a = ws.con.execute("SELECT run_id, target FROM attributions WHERE unit = 'verdict'").df()
        runs = runs[runs["run_id"].isin(a.loc[a["target"] == p["culprit"], "run_id"])]
    runs = runs.sort_values(["started_at", "run_id"], ascending=[False, True])
    return runs.iloc[page * PAGE:(page + 1) * PAGE]["run_id"].tolist()


def timed(fn, repeat: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--baseline-repeat", type=int, default=3)
    args = ap.parse_args()
    proc = psutil.Process()
    print(f"load average at start: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} "
          f"({os.cpu_count()} cores)\n")
    print("| runs | filter | matching | page | page ms (RunPager, median) | pages/s | filter change ms "
          "| one-shot run_page ms | pandas baseline ms/page | vs baseline | RSS MB |")
    print("|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        ws = fill(n)
        for name, flt in FILTERS.items():
            t0 = time.perf_counter()
            pager = RunPager(ws, flt)
            change_ms = (time.perf_counter() - t0) * 1000
            last = max(0, (pager.total - 1) // PAGE)
            for label, page in (("first", 0), ("middle", last // 2), ("last", last)):
                got = pager.page(page, PAGE)["run_id"].tolist()
                assert got == run_page(ws, flt, page, PAGE)["run_id"].tolist() == baseline_page(ws, flt, page)
                ms = timed(lambda p=pager, page=page: p.page(page, PAGE), args.repeat)
                one = timed(lambda flt=flt, page=page, ws=ws: run_page(ws, flt, page, PAGE), 3)
                base = timed(lambda flt=flt, page=page, ws=ws: baseline_page(ws, flt, page), args.baseline_repeat) \
                    if label == "first" else float("nan")
                ratio = f"{base / ms:.0f}× faster" if base == base else "—"
                rss = proc.memory_info().rss / 2**20
                print(f"| {n:,} | {name} | {pager.total:,} | {label} | {ms:.1f} | {1000 / ms:.0f} | {change_ms:.0f} | "
                      f"{one:.0f} | {'—' if base != base else f'{base:.0f}'} | {ratio} | {rss:.0f} |", flush=True)
            pager.close()
        ws.close()
    print(f"\nload average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

"""IncidentExplorer run list benchmark: a filter change, then paging, at 100k and 1M runs.

Usage::

    python bench/explorer.py                      # 100k and 1M runs
    python bench/explorer.py --sizes 1000000 --repeat 9

The store is filled inside DuckDB (ingest has its own benchmark): runs over a year, a seventh of them
failed, two systems, ~1.2 warning/critical findings per failed run plus cascade infos, and a stored
verdict for every tenth run, so every filter has something to do. For each filter, what a person
waits for in the explorer, as the widget does it (``RunPager``: keyset pagination, see its docstring):

* **filter change → first page**: a new pager and its first page (what the list shows); the count
  (``total``, the "page 1 of N" label) is timed apart, since the widget shows the page before it counts;
* **next** (page 1 after page 0, and a deep page after the one before it), **previous** (back from a page
  reached by a jump: a backward seek), **jump** to the middle and to the last page (count known).

Every page is checked against the one-shot ``run_page`` (filter, ORDER BY, OFFSET in one query) and the
pandas baseline. Beside them, in the same invocation: the **old pager** (the previous release: the
filtered runs sorted once into a temp table with hits and culprits at every filter change, then a range
scan per page) and the **pandas baseline** (read the runs and the flags the filter needs into
DataFrames, filter, sort, slice: what a notebook does without the widget). Prints a markdown table with
medians, the ratio of the filter change against both, peak RSS, and the load average (2 shared cores:
the numbers move with it).
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
from workbench.widgets._runs import _filter_sql

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
        runs = runs[
            runs["run_id"].isin(f.loc[(f["detector"] == p["detector"]) & (f["severity"] != "info"), "run_id"])
        ]
    if p["culprit"]:
        a = ws.con.execute("SELECT run_id, target FROM attributions WHERE unit = 'verdict'").df()
        runs = runs[runs["run_id"].isin(a.loc[a["target"] == p["culprit"], "run_id"])]
    runs = runs.sort_values(["started_at", "run_id"], ascending=[False, True])
    return runs.iloc[page * PAGE : (page + 1) * PAGE]["run_id"].tolist()


# The previous release's pager, kept here as the baseline: one sort of all filtered runs per filter change.
_OLD = """
CREATE OR REPLACE TEMP TABLE _old_pager AS
WITH f AS (__FILTER__),
hits AS (SELECT run_id, count(*) AS hits, string_agg(DISTINCT detector, ', ' ORDER BY detector) AS detectors
         FROM findings WHERE severity <> 'info' GROUP BY run_id),
verdicts AS (SELECT run_id, arg_max(nullif(target, ''), created_at) AS culprit
             FROM attributions WHERE unit = 'verdict' GROUP BY run_id)
SELECT (row_number() OVER (ORDER BY f.started_at DESC NULLS LAST, f.run_id) - 1) AS pos,
       f.run_id, f.system, f.started_at, f.outcome, f.reported_outcome, f.n_steps, f.task,
       coalesce(h.hits, 0) AS hits, coalesce(h.detectors, '') AS detectors, v.culprit
FROM f LEFT JOIN hits h USING (run_id) LEFT JOIN verdicts v USING (run_id) ORDER BY pos
"""


def old_first_page(ws: wb.Workspace, flt: RunFilter) -> list[str]:
    ws.con.execute(_OLD.replace("__FILTER__", _filter_sql(flt.active())), flt.params(only_active=True))
    ws.con.execute("SELECT count(*) FROM _old_pager").fetchall()
    return [
        r
        for (r,) in ws.con.execute(
            "SELECT run_id FROM _old_pager WHERE pos >= 0 AND pos < ? ORDER BY pos", [PAGE]
        ).fetchall()
    ]


class Ms(float):
    """A median wall time in ms that also knows its median CPU time (this process, all DuckDB threads):
    on 2 cores shared with other work the wall time follows the load, the CPU time much less."""

    cpu: float = 0.0

    def __format__(self, spec: str) -> str:
        return f"{float(self):{spec}} ({self.cpu:{spec}})"


def median_ms(fn, repeat: int, setup=None) -> Ms:  # noqa: ANN001
    """Median wall (and CPU) time of ``fn(setup())`` over ``repeat`` calls; ``setup`` is not timed."""
    wall, cpu = [], []
    for _ in range(repeat):
        arg = setup() if setup is not None else None
        t0, c0 = time.perf_counter(), time.process_time()
        fn(arg)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    out = Ms(statistics.median(wall) * 1000)
    out.cpu = statistics.median(cpu) * 1000
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--baseline-repeat", type=int, default=1)
    args = ap.parse_args()
    proc = psutil.Process()

    def load() -> str:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())

    print(f"load average at start: {load()} ({os.cpu_count()} cores)\n")
    print("Times are medians in ms: wall (CPU of this process).\n")
    print(
        "| runs | filter | matching | filter change → first page | count | next | next, deep "
        "| previous | jump middle | jump last | old pager: filter change | pandas: first page "
        "| vs old (wall) | vs pandas (wall) | RSS MB | load 1 min |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        ws = fill(n)
        for name, flt in FILTERS.items():
            total = RunPager(ws, flt).total
            last = max(0, (total - 1) // PAGE)
            mid = last // 2
            # Correctness first: the pager's pages are the one-shot query's and pandas'.
            check = RunPager(ws, flt)
            for page in (0, 1, mid, mid + 1, last):
                got = check.page(page, PAGE)["run_id"].tolist()
                assert got == run_page(ws, flt, page, PAGE)["run_id"].tolist(), (name, page)
            assert check.page(0, PAGE)["run_id"].tolist() == baseline_page(ws, flt, 0)

            def fresh(flt=flt, ws=ws) -> RunPager:
                return RunPager(ws, flt)

            def counted(flt=flt, ws=ws) -> RunPager:
                p = RunPager(ws, flt)
                p.total  # noqa: B018 - the widget knows the count before anyone pages
                return p

            def at(page: int, flt=flt) -> RunPager:
                p = counted(flt)
                p.page(page, PAGE)
                return p

            first = median_ms(lambda p: p.page(0, PAGE), args.repeat, fresh)
            count = median_ms(lambda p: p.total, args.repeat, fresh)
            nxt = median_ms(lambda p: p.page(1, PAGE), args.repeat, lambda: at(0))
            deep = median_ms(lambda p, m=mid: p.page(m + 1, PAGE), args.repeat, lambda m=mid: at(m))
            prev = median_ms(lambda p, m=mid: p.page(m - 1, PAGE), args.repeat, lambda m=mid: at(m))
            jump = median_ms(lambda p, m=mid: p.page(m, PAGE), args.repeat, counted)
            jlast = median_ms(lambda p, k=last: p.page(k, PAGE), args.repeat, counted)
            assert old_first_page(ws, flt) == baseline_page(ws, flt, 0)
            old = median_ms(lambda _, flt=flt, ws=ws: old_first_page(ws, flt), args.baseline_repeat)
            base = median_ms(lambda _, flt=flt, ws=ws: baseline_page(ws, flt, 0), args.baseline_repeat)
            rss = proc.memory_info().rss / 2**20
            print(
                f"| {n:,} | {name} | {total:,} | {first:.1f} | {count:.1f} | {nxt:.1f} | {deep:.1f} | {prev:.1f} "
                f"| {jump:.1f} | {jlast:.1f} | {old:.0f} | {base:.0f} | {old / first:,.0f}× | {base / first:,.0f}× "
                f"| {rss:,.0f} | {os.getloadavg()[0]:.1f} |",
                flush=True,
            )
        ws.close()
    print(f"\nload average at end: {load()}")


if __name__ == "__main__":
    main()

"""A list of run ids handed to SQL: the store's one helper against the ways callers did it before (tidy24).

Usage::

    python bench/run_scope.py                           # 10,000 and 1,000,000 ids
    python bench/run_scope.py --sizes 10000 --slow-max 1000000

Methods, each in a process of its own (peak RSS is its own), each scoping a query over a table of as many
runs as ids (``SELECT count(*) FROM runs SEMI JOIN <scope> USING (run_id)``):

- ``helper``: ``store/_run_scope.py``'s ``run_scope`` (a temp table filled from one bound list, unnested by
  DuckDB), what every caller uses now;
- ``arrow``: a registered Arrow table (attribution/_evidence.py, _features.py, _heuristics.py,
  detect/_runner.py did this), pyarrow's import counted, as on a path that had not imported it;
- ``executemany``: a temp table filled row by row (store/_outcomes.py's learn_scope, the backtest's
  _bt_scope); about 2.6 CPU s per 10,000 ids (253 CPU s, 22 min wall for 1,000,000 under load, run once as
  ``--child executemany 1000000``): sizes above ``--slow-max`` are left out unless it is raised;
- ``inline``: ``run_id IN (SELECT unnest($ids))`` in the query itself (_outcomes.run_ids, propose, sweep).

Seconds and CPU seconds (user + system, DuckDB's threads included) count the scoping and the query, not
the import of duckdb or building the runs table. Ratio: the method's seconds over the helper's.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

QUERY = "SELECT count(*) FROM runs SEMI JOIN {t} USING (run_id)"


def _child(method: str, n: int) -> dict:
    import duckdb

    if method == "helper":  # imported before the clock starts (the package is loaded on any caller's path)
        from workbench.store._run_scope import run_scope
    ids = [f"run-{i:08d}" for i in range(n)]
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE runs AS SELECT 'run-' || lpad(i::VARCHAR, 8, '0') AS run_id FROM range(?) t(i)", [n]
    )
    t0, c0 = time.perf_counter(), _cpu()
    if method == "helper":
        with run_scope(con, "_scope", ids):
            hits = con.execute(QUERY.format(t="_scope")).fetchall()[0][0]
    elif method == "arrow":
        import pyarrow as pa

        con.register("_scope", pa.table({"run_id": pa.array(ids, type=pa.string())}))
        hits = con.execute(QUERY.format(t="_scope")).fetchall()[0][0]
        con.unregister("_scope")
    elif method == "executemany":
        con.execute("CREATE TEMP TABLE _scope (run_id VARCHAR PRIMARY KEY)")
        con.executemany("INSERT INTO _scope VALUES (?)", [[r] for r in ids])
        hits = con.execute(QUERY.format(t="_scope")).fetchall()[0][0]
    elif method == "inline":
        hits = con.execute(
            "SELECT count(*) FROM runs WHERE run_id IN (SELECT unnest($ids))", {"ids": ids}
        ).fetchall()[0][0]
    else:
        raise SystemExit(f"unknown method {method}")
    seconds, cpu = time.perf_counter() - t0, _cpu() - c0
    assert hits == n, (method, hits, n)
    return {
        "seconds": seconds,
        "cpu": cpu,
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "pyarrow": "pyarrow" in sys.modules,
    }


def _cpu() -> float:
    t = resource.getrusage(resource.RUSAGE_SELF)
    return t.ru_utime + t.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    ap.add_argument("--slow-max", type=int, default=100_000, help="largest size executemany runs at")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(_child(args.child[0], int(args.child[1]))))
        return
    with open("/proc/loadavg") as f:
        print(f"load: {f.read().split()[:3]}")
    print(
        f"{'ids':>9} {'method':<12} {'seconds':>8} {'cpu s':>7} {'ids/s':>11} {'peak MiB':>9} {'pyarrow':>8} {'÷helper':>8}"
    )
    for n in args.sizes:
        base = None
        for method in ("helper", "arrow", "executemany", "inline"):
            if method == "executemany" and n > args.slow_max:
                print(f"{n:>9} {method:<12} {'(left out: above --slow-max)':>40}")
                continue
            out = subprocess.run(
                [sys.executable, __file__, "--child", method, str(n)],
                capture_output=True,
                text=True,
                check=True,
            )
            r = json.loads(out.stdout)
            base = base or r["seconds"]
            print(
                f"{n:>9} {method:<12} {r['seconds']:8.3f} {r['cpu']:7.3f} {n / r['seconds']:11,.0f} "
                f"{r['rss_mib']:9.1f} {str(r['pyarrow']):>8} {r['seconds'] / base:8.2f}"
            )


if __name__ == "__main__":
    main()

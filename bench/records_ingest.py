"""Records given in memory: ``ws.ingest(records)`` against writing them to a file and ingesting that (issue: the
records path cost 1,400 simulated runs 10.4 CPU s, the file path 1.8).

Usage::

    python bench/records_ingest.py --baseline-root /tmp/main_checkout            # 10, 100, 1,400 runs
    python bench/records_ingest.py --runs 10 100 1400 10000 --baseline-root <checkout>
    python bench/records_ingest.py --check --baseline-root <checkout>             # stores equal, no timing

Methods, each in a process of its own (peak RSS its own), on a fresh in-memory store after one uncounted small
ingest (imports, first plans):

* ``runs``: ``ws.ingest(runs)``, a list of simulated runs (objects with ``to_records()``: the tests' fixtures give
  a generator of them);
* ``dicts``: ``ws.ingest(list of native record dicts)`` (the runs' records, as a user gives them);
* ``frame``: ``ws.ingest(df.to_dict("records"))`` of those records in a pandas DataFrame (a missing key is NaN,
  numbers numpy's: pandas rows as a user gives them);
* ``file``: ``wb.sim.write_jsonl(runs, path)`` then ``ws.ingest(path)`` (both counted);
* ``base-runs`` / ``base-dicts`` / ``base-frame``: the same calls by ``--baseline-root``'s workbench (a checkout
  of main), its records path, on the same records.

CPU seconds are the call's (user + system, DuckDB's threads included; the runs and records built before it are
not counted; ``file`` counts writing the file). "stmts" counts the
statements sent through the workspace's connection and its cursors. "ratio" is CPU over the ``file`` method's at
that size (the goal: the records path within 1.3x of the file path at 1,400 runs).

``--check`` ingests, by this checkout and by the baseline, the records of several simulated systems (fault rates
0, 0.5 and 1, drift) with hand-made odd and bad records put among them (not dicts, NaN, infinity, enums, tuples,
datetimes, numpy values, big integers, surrogates, deep nesting, bad times, duplicates conflicting at the merge,
run records ending before they start, unknown record types, float epoch seconds), as dicts and as a DataFrame's
rows, in calls of more than 1,000 records (the file path) and of fewer (Python): the two stores must be equal
table by table (EXCEPT ALL both ways, every column but the times a row was written) and the reports (read,
stored, quarantined, errors) the same.
"""

from __future__ import annotations

import argparse
import datetime as dt
import enum
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

_VOLATILE = {"created_at", "ingested_at", "updated_at"}


class _Counting:
    """The workspace's connection, counting the statements sent through it (and its cursors)."""

    def __init__(self, con: object, parent: _Counting | None = None) -> None:
        self._con = con
        self._parent = parent
        self.n = 0

    def __getattr__(self, name: str) -> object:
        attr = getattr(self._con, name)
        if name == "cursor":
            return lambda *a, **k: _Counting(attr(*a, **k), self)
        if name in ("execute", "executemany", "sql", "query"):

            def counted(*a: object, **k: object) -> object:
                c: _Counting | None = self
                while c is not None:
                    c.n += 1
                    c = c._parent
                return attr(*a, **k)

            return counted
        return attr


def _system(seed: int = 3, fault_rate: float = 0.3, **options: object):  # noqa: ANN202
    import workbench as wb

    return wb.sim.procurement(seed=seed, fault_rate=fault_rate, **options)


class _Color(enum.Enum):
    RED = "red"


def odd_records() -> list[object]:
    """Hand-made records the two readers must read alike: odd values, bad records, merge rejects."""
    import numpy as np

    step = {"run_id": "odd-1", "agent": "a", "kind": "llm", "started_at": "2026-01-01T00:00:00Z"}
    return [
        None,
        ["not", "a", "dict"],
        "text",
        {**step, "step_id": "nan-cost", "cost": float("nan")},
        {**step, "step_id": "inf-latency", "latency_ms": float("inf")},
        {**step, "step_id": "nested-nan", "attributes": {"x": [1.0, float("nan")]}},
        {**step, "step_id": "nested-inf", "input": {"x": float("-inf")}},
        {**step, "step_id": "enum", "attributes": {"color": _Color.RED}},
        {**step, "step_id": "tuple-nested", "attributes": {"t": (1, 2)}},
        {**step, "step_id": "tuple-top", "input": ("a", "b")},
        {**step, "step_id": "datetime-top", "started_at": dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc)},
        {**step, "step_id": "datetime-nested", "attributes": {"when": dt.datetime(2026, 1, 2)}},
        {**step, "step_id": "numpy", "tokens_in": np.int64(5), "attributes": {"f": np.float64(0.5)}},
        {**step, "step_id": "big-int", "tokens_in": 2**70},
        {**step, "step_id": "big-int-nested", "attributes": {"n": 2**70}},
        {**step, "step_id": "surrogate", "agent": "a\ud800b"},
        {**step, "step_id": "deep", "input": json.loads("[" * 300 + "]" * 300)},
        {**step, "step_id": "bad-time", "started_at": "yesterday"},
        {**step, "step_id": "float-epoch", "started_at": 1767225600.5, "ended_at": 1767225601.25},
        {**step, "step_id": "upper-kind", "kind": "TOOL"},
        {**step, "step_id": "seq", "seq": 7},
        {**step, "step_id": "bool-tokens", "tokens_in": True},
        {**step, "step_id": "text-number", "cost": "0.5"},
        {**step, "step_id": "neg-latency", "latency_ms": -3},
        {**step, "step_id": "ends-early", "ended_at": "2025-12-31T00:00:00Z"},
        {**step, "step_id": "dup", "output": "first"},
        {**step, "step_id": "dup", "output": "second, conflicting"},
        {"step_id": "no-run", "agent": "a"},
        {"record": None, "run_id": "odd-1", "step_id": "null-record"},
        {"record": "bogus", "run_id": "odd-1"},
        {"record": "run", "run_id": "odd-1", "outcome": "failure", "started_at": 20, "ended_at": 10},
        {"record": "run", "run_id": "odd-2", "outcome": "maybe"},
        {"record": "label", "run_id": "odd-1", "outcome": "failure", "agent": "a", "kind": 5},
        {"record": "edge", "run_id": "odd-1", "src_step": "seq", "dst_step": "dup", "kind": "sideways"},
        {"record": "edge", "run_id": "odd-1", "src_step": "seq", "dst_step": "dup", "kind": "handoff"},
        {**step, "step_id": "stored-conflict", "output": "x"},
    ]


def check_records(name: str) -> list[object]:
    """The records of one --check case (built alike in both processes)."""
    if name.startswith("small-"):
        return odd_records()
    seed, rate, drift = {"f0": (5, 0.0, None), "f5": (6, 0.5, 40), "f10": (7, 1.0, None)}[name.split("-")[0]]
    runs = list(_system(seed, rate, **({"drift_at": drift} if drift else {})).generate(60))
    recs: list[object] = [r for run in runs for r in run.to_records()]
    odd = odd_records()
    # (spread among the runs' records: each batch of the file writer sees some)
    step = max(1, len(recs) // len(odd))
    for i, rec in enumerate(odd):
        recs.insert(i * step + i, rec)
    return recs


def _frame_rows(recs: list[object]) -> list[object]:
    import pandas as pd

    # (pandas' text columns refuse a lone surrogate: that record is the dicts' case only)
    dicts = [r for r in recs if isinstance(r, dict) and r.get("step_id") != "surrogate"]
    return pd.DataFrame(dicts).to_dict("records")


def _do_check(case: str, db: str) -> dict:
    import workbench as wb

    recs = check_records(case.removesuffix("-frame"))
    if case.endswith("-frame"):
        recs = _frame_rows(recs)
    ws = wb.open(db)
    ws.ingest(
        [{"run_id": "odd-1", "step_id": "stored-conflict", "output": "stored", "agent": "a"}], progress=False
    )
    report = ws.ingest(recs, progress=False)
    ws.close()
    return {
        "n": len(recs),
        "read": report.read,
        "stored": report.stored,
        "quarantined": report.quarantined,
        "errors": report.errors,
    }


def _do_time(method: str, runs: int) -> dict:
    import workbench as wb

    system = _system()
    warm = wb.open()
    warm.ingest(list(system.generate(2)), progress=False)
    warm.close()
    ws = wb.open()
    counter = _Counting(ws._con)
    ws._con = counter
    base = method.removeprefix("base-")
    made = list(system.generate(runs))
    source: object = made
    if base in ("dicts", "frame"):
        recs = [r for run in made for r in run.to_records()]
        source = _frame_rows(recs) if base == "frame" else recs
    folder = tempfile.mkdtemp()
    start, cpu = time.perf_counter(), time.process_time()
    if base == "file":
        wb.sim.write_jsonl(made, os.path.join(folder, "runs.jsonl"))
        report = ws.ingest(os.path.join(folder, "runs.jsonl"), progress=False)
    else:
        report = ws.ingest(source, progress=False)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    ws._con = counter._con
    return {
        "records": report.read,
        "stored": report.stored,
        "cpu": cpu,
        "seconds": seconds,
        "stmts": counter.n,
        "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _child(args: list[str], root: str | None) -> dict:
    env = dict(os.environ)
    if root:
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args], env=env, capture_output=True, text=True, check=False
    )
    if out.returncode:
        raise SystemExit(f"child {args} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare_stores(a: str, b: str) -> list[str]:
    """The tables of the two store files that differ (EXCEPT ALL both ways, times a row was written left out)."""
    import duckdb

    con = duckdb.connect()
    con.execute("ATTACH ? AS a (READ_ONLY)", [a])
    con.execute("ATTACH ? AS b (READ_ONLY)", [b])
    tables = [
        t
        for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'a' ORDER BY 1"
        ).fetchall()
    ]
    diffs = []
    for t in tables:
        cols = [
            c
            for (c,) in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = 'a' AND table_name = ?", [t]
            ).fetchall()
            if c not in _VOLATILE and not (t == "meta" and c == "value")
        ]
        # (names from the stores' own catalogue, quoted)
        cs = ", ".join('"' + c.replace('"', '""') + '"' for c in cols)
        one = f"SELECT {cs} FROM a.main.{t} EXCEPT ALL SELECT {cs} FROM b.main.{t}"
        two = f"SELECT {cs} FROM b.main.{t} EXCEPT ALL SELECT {cs} FROM a.main.{t}"
        n1 = con.execute(f"SELECT count(*) FROM ({one})").fetchall()[0][0]
        n2 = con.execute(f"SELECT count(*) FROM ({two})").fetchall()[0][0]
        rows = con.execute(f"SELECT count(*) FROM a.main.{t}").fetchall()[0][0]
        if n1 or n2:
            diffs.append(f"{t}: {n1} rows only in ours, {n2} only in the baseline's (of {rows})")
    return diffs


def run_check(root: str) -> int:
    cases = ["f0", "f5", "f10", "f5-frame", "small-odd"]
    bad = 0
    with tempfile.TemporaryDirectory() as folder:
        for case in cases:
            ours, base = (
                os.path.join(folder, f"{case}-ours.duckdb"),
                os.path.join(folder, f"{case}-base.duckdb"),
            )
            r1, r2 = _child(["check", case, ours], None), _child(["check", case, base], root)
            diffs = compare_stores(ours, base)
            same = r1 == r2
            print(
                f"{case:10} records {r1['n']:>6,}  read {r1['read']:>6,}  stored {r1['stored']:>6,}  "
                f"quarantined {r1['quarantined']:>3}  report {'same' if same else 'DIFFERS'}  "
                f"stores {'equal' if not diffs else 'DIFFER: ' + '; '.join(diffs)}"
            )
            if not same:
                for k in r1:
                    if r1[k] != r2[k]:
                        print(f"    {k}: ours {r1[k]!r}\n    {k}: base {r2[k]!r}")
            bad += bool(diffs) + (not same)
    print("DIFFERENCES", bad)
    return 1 if bad else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, nargs="+", default=[10, 100, 1400])
    p.add_argument("--methods", nargs="+", default=["runs", "dicts", "frame", "file"])
    p.add_argument("--baseline-root", help="a checkout of main: its workbench's records path as the baseline")
    p.add_argument("--check", action="store_true", help="compare the stores and reports, no timing")
    p.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        if a.child[0] == "check":
            print(json.dumps(_do_check(a.child[1], a.child[2])))
        else:
            print(json.dumps(_do_time(a.child[0], int(a.child[1]))))
        return 0
    if a.check:
        if not a.baseline_root:
            raise SystemExit("--check needs --baseline-root")
        return run_check(a.baseline_root)
    print(
        f"{'runs':>6} {'records':>9} {'method':>10} {'CPU s':>7} {'wall s':>7} {'RSS MB':>7} "
        f"{'stmts':>6} {'ratio':>6}"
    )
    for n in a.runs:
        methods = list(a.methods)
        if a.baseline_root:
            methods += [f"base-{m}" for m in a.methods if m != "file"]
        rows = {}
        for m in methods:  # (alternated: ours, then the baseline's, at each size)
            rows[m] = _child([m, str(n)], a.baseline_root if m.startswith("base-") else None)
        ref = rows.get("file", {}).get("cpu")
        for m in methods:
            r = rows[m]
            ratio = f"{r['cpu'] / ref:6.2f}" if ref else "     -"
            print(
                f"{n:>6,} {r['records']:>9,} {m:>10} {r['cpu']:7.2f} {r['seconds']:7.2f} "
                f"{r['rss']:7.0f} {r['stmts']:>6} {ratio}"
            )
        sys.stdout.flush()
    print(f"load {os.getloadavg()[0]:.1f} (1 min) at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())

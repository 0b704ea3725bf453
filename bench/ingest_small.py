"""Ingest benchmark for many small files: the fixed cost of one ingest call (issue 11).

Usage::

    python bench/ingest_small.py                                   # 1 and 100 files of each kind
    python bench/ingest_small.py --counts 1 100 1000               # and 1,000
    python bench/ingest_small.py --baseline-python /work/wt/base/.venv/bin/python
    python bench/ingest_small.py --store-runs 10000 100000 --baseline-python <venv>/bin/python

Writes N small files (1-50 spans or steps each, sizes drawn from a fixed seed) of one kind into a folder
(kinds from ``bench/ingest.py``: ``generated`` OTLP in the Collector's encoding, ``sdk`` OTLP as the
opentelemetry SDK writes it, ``native`` JSONL cut from the demo), then ingests them into a fresh store on disk
two ways: ``each`` (one ``ws.ingest(file)`` call per file, as a notebook user or an exporter's rotating files
feed it) and ``folder`` (one ``ws.ingest(folder)`` call). Beside them: ``bare``, DuckDB's ``read_json`` of
each file into a table (one read per file: the bare read the issue names as the reference, called as often as
``each`` calls ingest), and ``bare-glob`` (one read of the whole folder).

Each method runs in a process of its own (peak RSS is its own). Seconds and CPU seconds (user + system,
DuckDB's threads included) count the ingest calls only, not the import or opening the store. "stmts/call"
counts the statements sent through the workspace's connection (``execute``, ``executemany``, ``sql``,
``query``) per ingest call, each ``executemany`` counting once. The baseline (``--baseline-python``: another
checkout's venv) runs the same methods on the same files, alternating with ours, and the ratios are baseline
over ours (>1: ours is faster).

``--store-runs N ...`` measures instead what one small call costs in a store that already holds N runs of 20
steps each (a store that grows must not make every call dearer): a template store is built once per N (one
20-span generated OTLP trace ingested, its rows copied N times under fresh run ids: by the baseline's
interpreter when given, so both can open it; ours migrates a copy on opening, outside the measured calls),
then each interpreter, on its own copy, makes ``--calls`` calls of a 20-span OTLP file of a new trace
(``otlp20``), as many calls of 2 records given in memory (``records2``) and of the same 20-span file again
(``again20``: a call of a run the store holds, which runs the merge's rules on stored runs), after one call of
each left uncounted (imports, first plans). The table gives the median and the total of the calls' CPU seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import NATIVE_COLUMNS, write_native, write_otlp, write_sdk  # noqa: E402

KINDS = ("generated", "sdk", "native")


def _sizes(n: int, seed: int = 11) -> list[int]:
    rng = random.Random(seed)
    return [rng.randint(1, 50) for _ in range(n)]


def write_files(folder: Path, kind: str, n: int) -> int:
    """``n`` small files of ``kind`` in ``folder`` (each its own traces or runs); the spans or steps asked for."""
    folder.mkdir(parents=True, exist_ok=True)
    sizes = _sizes(n)
    if kind == "native":
        # whole demo runs cut to size: a run record, its steps, edges and labels (fresh run ids per file)
        src = folder.parent / "native_src.jsonl"
        write_native(src, sum(sizes) + 200)
        lines = src.read_bytes().splitlines()
        src.unlink()
        runs: list[list[bytes]] = []
        for line in lines:
            if b'"record":"run"' in line or not runs:
                runs.append([])
            runs[-1].append(line)
        for i, size in enumerate(sizes):
            run = runs[i % len(runs)]
            kept, steps = [], 0
            for x in run:
                is_step = b'"record":"step"' in x
                if is_step and steps >= size:
                    continue
                steps += is_step
                kept.append(x.replace(b'"proc-s7-', b'"small-%d-' % i))
            (folder / f"native_{i:05d}.jsonl").write_bytes(b"\n".join(kept) + b"\n")
        return sum(sizes)
    writer = write_otlp if kind == "generated" else write_sdk
    for i, size in enumerate(sizes):
        path = folder / f"otlp_{kind}_{i:05d}.jsonl"
        writer(path, max(size, 20))  # (whole traces: 20 spans for generated, the SDK's template for sdk)
        # fresh trace ids per file, else every file repeats file 0's traces and all but one call store nothing
        text = path.read_text()
        text = (
            text.replace('"traceId":"0000', f'"traceId":"{i + 1:04x}')
            if kind == "generated"
            else _sdk_fresh(text, i)
        )
        path.write_text(text)
    return -1  # (counted from the store)


def _sdk_fresh(text: str, i: int) -> str:
    import base64

    out = []
    for t in range(1, 400):
        old = '"' + base64.b64encode(t.to_bytes(16, "big")).decode() + '"'
        if old not in text:
            break
        new = '"' + base64.b64encode(((i + 1) << 64 | t).to_bytes(16, "big")).decode() + '"'
        out.append((old, new))
    for old, new in out:
        text = text.replace(old, new)
    return text


class _Counting:
    """The workspace's connection, counting the statements sent through it."""

    def __init__(self, con: object) -> None:
        self._con = con
        self.n = 0

    def __getattr__(self, name: str) -> object:
        attr = getattr(self._con, name)
        if name == "cursor":  # (an ingest runs on a cursor of its own: its statements count too)

            def counted_cursor() -> _Counting:
                cur = _Counting(attr())
                cur._parent = self
                return cur

            return counted_cursor
        if name in ("execute", "executemany", "sql", "query"):

            def counted(*a: object, **k: object) -> object:
                counter = self
                while counter is not None:
                    counter.n += 1
                    counter = counter.__dict__.get("_parent")
                return attr(*a, **k)

            return counted
        return attr


def _files(folder: str) -> list[str]:
    return sorted(str(p) for p in Path(folder).iterdir() if p.is_file())


def run_each(folder: str, db: str, count: bool) -> dict:
    import workbench as wb

    ws = wb.open(db)
    counter = _Counting(ws._con) if count else None
    if counter is not None:
        ws._con = counter
    start, cpu = time.perf_counter(), time.process_time()
    files = _files(folder)
    for f in files:
        ws.ingest(f, progress=False)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    if counter is not None:
        ws._con = counter._con
    n = ws.sql("SELECT count(*) FROM steps").fetchall()[0][0]
    ws.close()
    return {
        "spans": int(n),
        "seconds": seconds,
        "cpu": cpu,
        "calls": len(files),
        "stmts": counter.n / len(files) if counter else None,
    }


def run_folder(folder: str, db: str, count: bool) -> dict:
    import workbench as wb

    ws = wb.open(db)
    counter = _Counting(ws._con) if count else None
    if counter is not None:
        ws._con = counter
    start, cpu = time.perf_counter(), time.process_time()
    ws.ingest(folder, progress=False)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    if counter is not None:
        ws._con = counter._con
    n = ws.sql("SELECT count(*) FROM steps").fetchall()[0][0]
    ws.close()
    return {
        "spans": int(n),
        "seconds": seconds,
        "cpu": cpu,
        "calls": 1,
        "stmts": counter.n if counter else None,
    }


_SPAN_TYPE = (
    "STRUCT(traceId VARCHAR, spanId VARCHAR, parentSpanId VARCHAR, name VARCHAR, kind VARCHAR, "
    "startTimeUnixNano UBIGINT, endTimeUnixNano UBIGINT, "
    "attributes STRUCT(key VARCHAR, value STRUCT(stringValue VARCHAR, intValue BIGINT))[], "
    "status STRUCT(code VARCHAR, message VARCHAR))"
)
_OTLP_SELECT = """
    SELECT s.traceId AS trace_id, s.spanId AS span_id, s.parentSpanId AS parent_id, s.name,
           make_timestamp((s.startTimeUnixNano // 1000)::BIGINT) AS started_at,
           make_timestamp((s.endTimeUnixNano // 1000)::BIGINT) AS ended_at,
           s.status.code AS status, s.status.message AS error,
           map_from_entries([(a.key, coalesce(a.value.stringValue, a.value.intValue::VARCHAR))
                             FOR a IN s.attributes]) AS attributes
    FROM (SELECT unnest(ss.spans) AS s FROM (SELECT unnest(rs.scopeSpans) AS ss
          FROM (SELECT unnest(resourceSpans) AS rs FROM raw)))"""


def _bare_read(con: object, path: str, first: bool) -> None:
    native = "native" in Path(path).name
    if native:
        rel = con.read_json(path, format="newline_delimited", columns=NATIVE_COLUMNS)
        rel.create_view("raw", replace=True)
        con.execute(
            "CREATE TABLE records AS SELECT * FROM raw" if first else "INSERT INTO records SELECT * FROM raw"
        )
    else:
        columns = {
            "resourceSpans": f"STRUCT(resource JSON, scopeSpans STRUCT(scope JSON, spans {_SPAN_TYPE}[])[])[]"
        }
        rel = con.read_json(path, format="newline_delimited", columns=columns)
        rel.create_view("raw", replace=True)
        con.execute(("CREATE TABLE spans AS " if first else "INSERT INTO spans ") + _OTLP_SELECT)


def _bare_count(con: object) -> int:
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if "records" in tables:
        return int(
            con.execute("SELECT count(*) FROM records WHERE coalesce(record, 'step') = 'step'").fetchall()[0][
                0
            ]
        )
    return int(con.execute("SELECT count(*) FROM spans").fetchall()[0][0])


def run_bare(folder: str, db: str, count: bool) -> dict:
    import duckdb

    con = duckdb.connect(db)
    files = _files(folder)
    start, cpu = time.perf_counter(), time.process_time()
    for i, f in enumerate(files):
        _bare_read(con, f, i == 0)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    n = _bare_count(con)
    con.close()
    return {"spans": n, "seconds": seconds, "cpu": cpu, "calls": len(files), "stmts": None}


def run_bare_glob(folder: str, db: str, count: bool) -> dict:
    import duckdb

    con = duckdb.connect(db)
    files = _files(folder)
    start, cpu = time.perf_counter(), time.process_time()
    _bare_read(con, str(Path(folder) / Path(files[0]).name.split("_")[0]) + "_*.jsonl", True)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    n = _bare_count(con)
    con.close()
    return {"spans": n, "seconds": seconds, "cpu": cpu, "calls": 1, "stmts": None}


METHODS = {"each": run_each, "folder": run_folder, "bare": run_bare, "bare-glob": run_bare_glob}


def build_store(db: str, n_runs: int) -> dict:
    """A store of ``n_runs`` runs of 20 steps: one generated trace ingested, its rows copied under new run ids (in
    the order of their runs, as calls of whole traces append them). The ids are hashes, as trace ids are random:
    ids in ascending order would let DuckDB's zone maps skip most of a scan for one run, which real stores never
    allow."""
    import workbench as wb

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "one.jsonl"
        write_otlp(path, 20)
        path.write_text(path.read_text().replace('"traceId":"0000', '"traceId":"ffff'))
        with wb.open(db) as ws:
            ws.ingest(path, progress=False)
            for table in ("steps", "runs", "edges"):
                ws.con.execute(
                    f"INSERT INTO {table} SELECT {table}.* REPLACE (md5(i::VARCHAR)[:8] || lpad(to_hex(i), 8, '0') || "
                    f"run_id[17:] AS run_id) FROM {table}, range(1, ?) r(i) ORDER BY i, {table}.rowid",
                    [n_runs],
                )
            ws.con.execute("CHECKPOINT")
            (steps,) = ws.con.execute("SELECT count(*) FROM steps").fetchone()
    return {"steps": steps}


def run_store_calls(db: str, folder: str, count: bool) -> dict:
    """One call per file of ``folder`` and as many calls of 2 records into the store ``db``: CPU s of each."""
    import workbench as wb

    files = _files(folder)
    ws = wb.open(db)  # (a migration, if any, runs here: not counted)
    counter = _Counting(ws._con) if count else None
    if counter is not None:
        ws._con = counter
    out: dict[str, list[float]] = {"otlp20": [], "records2": [], "again20": []}
    stmts: dict[str, int] = {}
    for i, f in enumerate(files):
        for kind, source in (
            ("otlp20", f),
            (
                "records2",
                [
                    {"run_id": f"small-{i}", "step_id": "s", "agent": "a", "kind": "llm"},
                    {"run_id": f"small-{i}", "step_id": "t", "agent": "b", "kind": "tool"},
                ],
            ),
            # (the same file again: a call of a run the store holds, the merge's rules on stored runs)
            ("again20", f),
        ):
            n0 = counter.n if counter is not None else 0
            t0 = time.process_time()
            ws.ingest(source, progress=False)
            if i:  # (the first call of each kind: imports, first plans)
                out[kind].append(time.process_time() - t0)
                if counter is not None:
                    stmts[kind] = counter.n - n0
    ((steps,),) = ws.sql("SELECT count(*) FROM steps").fetchall()
    ws.close()
    return {"cpu": out, "stmts": stmts, "steps": steps}


def _store_child(what: str, db: str, arg: str) -> None:
    res = build_store(db, int(arg)) if what == "build" else run_store_calls(db, arg, True)
    res["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(res))


def _store_measure(what: str, db: Path, arg: str, python: str | None) -> dict:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.pop("WORKBENCH_INGEST_TIMINGS", None)
    if python is None:
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    out = subprocess.run(
        [python or sys.executable, __file__, "--store-child", what, str(db), arg],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{what} failed on {db}:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def store_calls(n_runs: list[int], calls: int, baseline: str | None, tmp: str | None) -> None:
    """The ``--store-runs`` table: CPU s per small call into stores of ``n_runs`` runs, ours beside the baseline."""
    import shutil
    import statistics

    print(f"load average at start: {os.getloadavg()}; {os.cpu_count()} CPUs")
    print(
        "CPU s of one call (median of the calls after the first; user + system, DuckDB's threads included) into a "
        "store already holding the runs; 'base/ours' = baseline's median over ours.\n"
    )
    head = (
        "store runs",
        "store steps",
        "call",
        "calls",
        "ours median CPU s",
        "ours total CPU s",
        "ours stmts/call",
        "base median CPU s",
        "base total CPU s",
        "base stmts/call",
        "base/ours",
        "load 1/5/15",
    )
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    print("\n".join(rows), flush=True)
    with tempfile.TemporaryDirectory(dir=tmp) as folder:
        files = Path(folder) / "calls"
        files.mkdir()
        for i in range(calls + 1):
            path = files / f"call_{i:04d}.jsonl"
            write_otlp(path, 20)
            path.write_text(path.read_text().replace('"traceId":"0000', f'"traceId":"c{i:03x}'))
        for n in n_runs:
            template = Path(folder) / f"store_{n}.duckdb"
            built = _store_measure("build", template, str(n), baseline)
            res = {}
            for who, python in (("ours", None), ("base", baseline)):
                if who == "base" and baseline is None:
                    continue
                db = Path(folder) / f"{who}_{n}.duckdb"
                shutil.copyfile(template, db)
                res[who] = _store_measure("calls", db, str(files), python)
                db.unlink()
            template.unlink()
            load = "/".join(f"{x:.1f}" for x in os.getloadavg())
            for kind in ("otlp20", "records2", "again20"):
                ours, base = res["ours"], res.get("base")
                med = statistics.median(ours["cpu"][kind])
                bmed = statistics.median(base["cpu"][kind]) if base else None
                cells = [
                    f"{n:,}",
                    f"{built['steps']:,}",
                    kind,
                    str(len(ours["cpu"][kind])),
                    f"{med:.4f}",
                    f"{sum(ours['cpu'][kind]):.2f}",
                    str(ours["stmts"].get(kind, "-")),
                    "-" if base is None else f"{bmed:.4f}",
                    "-" if base is None else f"{sum(base['cpu'][kind]):.2f}",
                    "-" if base is None else str(base["stmts"].get(kind, "-")),
                    "-" if base is None else f"{bmed / med:.2f}x",
                    load,
                ]
                rows.append("| " + " | ".join(cells) + " |")
                print(rows[-1], flush=True)
    print("\n" + "\n".join(rows))


def _child(method: str, folder: str, count: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        res = METHODS[method](folder, str(Path(tmp) / "bench.duckdb"), count == "1")
    res["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(res))


def measure(method: str, folder: Path, python: str | None = None, count: bool = True) -> dict:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.pop("WORKBENCH_INGEST_TIMINGS", None)
    if python is None:
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    out = subprocess.run(
        [python or sys.executable, __file__, "--child", method, str(folder), "1" if count else "0"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{method} failed on {folder}:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--counts", type=int, nargs="*", default=[1, 100])
    parser.add_argument("--kinds", nargs="*", default=list(KINDS), choices=KINDS)
    parser.add_argument("--methods", nargs="*", default=list(METHODS), choices=list(METHODS))
    parser.add_argument("--baseline-python", help="also run the workbench methods with this interpreter")
    parser.add_argument(
        "--no-count", action="store_true", help="do not count statements (no connection wrapper)"
    )
    parser.add_argument("--tmp", help="folder for the generated files (default: the system's temp folder)")
    parser.add_argument(
        "--store-runs",
        type=int,
        nargs="*",
        help="instead: CPU s of a small call into stores of these many runs (20 steps each)",
    )
    parser.add_argument(
        "--calls", type=int, default=30, help="with --store-runs: calls of each kind measured"
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--store-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    if args.store_child:
        _store_child(*args.store_child)
        return
    if args.store_runs:
        store_calls(args.store_runs, args.calls, args.baseline_python, args.tmp)
        return
    print(f"load average at start: {os.getloadavg()}; {os.cpu_count()} CPUs")
    print(
        "each = one ws.ingest(file) per file; folder = one ws.ingest(folder); bare = DuckDB read_json of each file "
        "into a table; bare-glob = one read_json of the folder. Seconds and CPU s: the ingest calls only "
        "(user + system, DuckDB's threads included); stmts/call: statements through the workspace's connection "
        "per call; 'base/ours' = baseline's figure over ours (>1: ours is faster).\n"
    )
    head = (
        "files",
        "kind",
        "method",
        "spans",
        "ours s",
        "ours CPU s",
        "files/s",
        "peak RSS MB",
        "stmts/call",
        "base s",
        "base CPU s",
        "base peak RSS MB",
        "base stmts/call",
        "base/ours CPU",
        "base/ours s",
        "ours CPU / bare CPU",
        "load 1/5/15",
    )
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    print("\n".join(rows), flush=True)
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        for n in args.counts:
            for kind in args.kinds:
                folder = Path(tmp) / f"{kind}_{n}" / "files"
                write_files(folder, kind, n)
                res: dict[str, dict] = {}
                for m in args.methods:
                    if m.startswith("bare"):
                        res[m] = measure(m, folder)
                        continue
                    # alternate: ours, then the baseline's, on the same files
                    res[m] = measure(m, folder, count=not args.no_count)
                    if args.baseline_python:
                        res["base-" + m] = measure(m, folder, args.baseline_python, count=not args.no_count)
                load = "/".join(f"{x:.1f}" for x in os.getloadavg())
                bare = res.get("bare")
                for m in args.methods:
                    rows.append(_row(n, kind, m, res[m], res.get("base-" + m), bare, load))
                    print(rows[-1], flush=True)
    print("\n" + "\n".join(rows))


def _row(n: int, kind: str, method: str, ours: dict, base: dict | None, bare: dict | None, load: str) -> str:
    def f(x: float | None, fmt: str = ".2f") -> str:
        return "-" if x is None else format(x, fmt)

    cells = [
        f"{n:,}",
        kind,
        method,
        f"{ours['spans']:,}",
        f(ours["seconds"]),
        f(ours["cpu"]),
        f(n / ours["seconds"] if ours["seconds"] else None, ",.1f"),
        f(ours["peak_mb"], ",.0f"),
        f(ours.get("stmts"), ".0f"),
        f(base and base["seconds"]),
        f(base and base["cpu"]),
        f(base and base["peak_mb"], ",.0f"),
        f(base and base.get("stmts"), ".0f"),
        f(base["cpu"] / ours["cpu"] if base and ours["cpu"] else None) + ("x" if base else ""),
        f(base["seconds"] / ours["seconds"] if base and ours["seconds"] else None) + ("x" if base else ""),
        f(ours["cpu"] / bare["cpu"] if bare and bare["cpu"] and not method.startswith("bare") else None)
        + ("x" if bare and not method.startswith("bare") else ""),
        load,
    ]
    return "| " + " | ".join(cells) + " |"


if __name__ == "__main__":
    main()

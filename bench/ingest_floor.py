"""Where an OTLP ingest's CPU goes, against the bare DuckDB read of the same file: the floor of the fast path's design.

Usage::

    python bench/ingest_floor.py                          # 1M generated spans
    python bench/ingest_floor.py --files generated sdk --sizes 100000 1000000

Issue 11 asks for an ingest at least as fast as the bare ``read_json`` + ``unnest`` of the file
(``bench/ingest.py``'s ``duckdb-bare``). This script runs, each in its own process on the same file (CPU
seconds = user + system, DuckDB's threads included; peak RSS), the fast path cut at each of its stages:

- ``bare``: the bare read (``bench/ingest.py``'s, into a table on disk);
- ``decode``: the file in the reader's ~32 MB blocks of lines (its own Python split and checks), each block's
  lines decoded by the reader's ``json_transform`` and unnested into a temporary table, nothing mapped;
- ``mapping``: the same blocks through the reader's whole mapping statement (``_otlp_sql``), as the reader runs
  it, the mapped rows then dropped;
- ``floor``: ``mapping`` with its rows written straight into a table of the store's columns on disk, 130k rows
  an INSERT (no staging copy, no merge, no quarantine, no hand-back to the Python reader): the least a design
  that maps blocks with this statement and stores the rows can cost;
- ``workbench``: the whole ingest (``ws.ingest``).

So ``floor / bare`` bounds what any change to the staging and the merge can give, and ``mapping - decode`` is
what the mapping adds to the one decode of the lines. Files are written by ``bench/ingest.py``'s writers
(``generated``: the Collector's encoding, one trace a line; ``sdk``: the real SDK's encoder, 512 spans a line).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import ingest as bench_ingest  # noqa: E402  (bench/ingest.py: the writers and the bare read)

STAGES = ("bare", "decode", "mapping", "floor", "workbench")
# The columns a store's step row is made of, from the mapped rows (finalize_insert.sql's INSERT INTO steps).
_STORE_ROW = (
    "run_id, step_id, parent_id, agent, kind, name, tool, model, make_timestamp(start_ns // 1000) AS "
    "started_at, make_timestamp(end_ns // 1000) AS ended_at, latency_ms, status, error, input, output, "
    "tokens_in, tokens_out, cost, confidence, entropy, attributes::JSON AS attributes, line, order_hint"
)
_INSERT_ROWS = 130_000


def _blocks(con, path: Path):  # noqa: ANN001, ANN202
    """The reader's blocks of ``path`` (Arrow tables of line and text), as ``stage_jsonl_sql`` gets them."""
    from workbench.ingest._base import Stage
    from workbench.ingest._otlp_sql import _BATCH_BYTES, _rechunked
    from workbench.ingest._otlp_sql_blocks import blocks

    stage = Stage(con)
    for texts in blocks(path, stage, _BATCH_BYTES, lambda *_: None, ahead=False):
        yield _rechunked(texts)


def run_stage(stage: str, path: Path, db: str) -> int:
    """Run one stage on ``path``; the number of spans (rows) it produced."""
    if stage == "bare":
        return bench_ingest.run_duckdb(str(path), db)
    if stage == "workbench":
        return bench_ingest.run_workbench(str(path), db)
    import duckdb
    import orjson

    from workbench.ingest._one_thread import unordered
    from workbench.ingest._otlp_sql import _DOC, _MACROS, _q, _spans_sql

    con = duckdb.connect(db)
    con.execute(_MACROS)
    doc = _q(orjson.dumps(_DOC).decode())
    decode = (
        "CREATE OR REPLACE TEMP TABLE _wb_otlp_spans AS SELECT line, unnest(x.spans) AS s FROM (SELECT line, "
        "unnest(r.scopeSpans) AS x FROM (SELECT line, unnest(d.resourceSpans) AS r FROM (SELECT line, "
        f"json_transform(json, {doc}) AS d FROM _wb_otlp_in)))"
    )
    sql = decode if stage == "decode" else _spans_sql()
    n, pending, first = 0, [], True
    for k, texts in enumerate(_blocks(con, path)):
        con.register("_wb_otlp_in", texts)
        with unordered(con):
            con.execute(sql)
        con.unregister("_wb_otlp_in")
        rows = con.execute("SELECT count(*) FROM _wb_otlp_spans").fetchall()[0][0]
        if stage != "floor":
            n += rows
            continue
        con.execute(f"ALTER TABLE _wb_otlp_spans RENAME TO _wb_otlp_spans_{k}")
        pending.append((f"_wb_otlp_spans_{k}", rows))
        if sum(r for _, r in pending) >= _INSERT_ROWS:
            n += _write(con, [t for t, _ in pending], first)
            pending, first = [], False
    if pending:
        n += _write(con, [t for t, _ in pending], first)
    con.close()
    return n


def _write(con, tables: list[str], first: bool) -> int:  # noqa: ANN001
    """Write the fast rows of ``tables`` (mapped blocks) into ``steps``, in the file's order; drop them."""
    union = " UNION ALL ".join(f"SELECT * FROM {t}" for t in tables)
    select = f"SELECT {_STORE_ROW} FROM ({union}) WHERE fast ORDER BY order_hint"
    before = 0 if first else con.execute("SELECT count(*) FROM steps").fetchall()[0][0]
    con.execute(f"CREATE TABLE steps AS {select}" if first else f"INSERT INTO steps {select}")
    for t in tables:
        con.execute(f"DROP TABLE {t}")
    return con.execute("SELECT count(*) FROM steps").fetchall()[0][0] - before


def measure(stage: str, path: Path) -> dict:
    """One stage on one file in a fresh process (its own peak RSS)."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    out = subprocess.run(
        [sys.executable, __file__, "--child", stage, str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{stage} failed on {path}:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000_000])
    parser.add_argument("--files", nargs="*", default=["generated"], choices=["generated", "sdk"])
    parser.add_argument("--stages", nargs="*", default=list(STAGES), choices=list(STAGES))
    parser.add_argument("--tmp", help="folder for the generated files (default: the system's temp folder)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:  # (bench/ingest.py's child, which runs and measures a method of its METHODS)
        bench_ingest.METHODS[args.child[0]] = lambda path, db: run_stage(args.child[0], Path(path), db)
        bench_ingest._child(*args.child)
        return
    print(f"load average at start: {os.getloadavg()}; {os.cpu_count()} CPUs")
    head = (
        "spans",
        "file",
        "MB",
        *(f"{s} CPU s / RSS MB" for s in args.stages),
        *(f"{s} vs bare, CPU" for s in args.stages if s != "bare"),
        "load 1/5/15",
    )
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    print("\n".join(rows), flush=True)
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        for size in args.sizes:
            for kind in args.files:
                path = Path(tmp) / f"otlp_{kind}_{size}.jsonl"
                bench_ingest.WRITERS[kind](path, size)
                bench_ingest._settle(path)
                res = {s: measure(s, path) for s in args.stages}
                bare = res.get("bare")
                cells = [
                    f"{size:,}",
                    kind,
                    f"{path.stat().st_size / 2**20:,.0f}",
                    *(f"{r['cpu']:.1f} / {r['peak_mb']:,.0f}" for r in res.values()),
                    *(
                        f"{bare['cpu'] / r['cpu']:.2f}x" if bare else "-"
                        for s, r in res.items()
                        if s != "bare"
                    ),
                    "/".join(f"{x:.1f}" for x in os.getloadavg()),
                ]
                rows.append("| " + " | ".join(cells) + " |")
                print(rows[-1], flush=True)
                path.unlink()
    print("\n" + "\n".join(rows))


if __name__ == "__main__":
    main()

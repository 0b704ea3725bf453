"""What each part of the OTLP fast path's mapping statement costs, on the reader's own blocks of a file.

Usage::

    python bench/ingest_mapping.py                                  # generated spans, 3 blocks, 5 rounds
    python bench/ingest_mapping.py --files generated sdk --blocks 2 --repeat 7

``bench/ingest_floor.py`` showed the mapping statement (``_otlp_sql._spans_sql``, one a ~32 MB block) costing
more CPU than the whole bare ``read_json`` of the file. This script says where, part by part: on the first
``--blocks`` blocks of a file written by ``bench/ingest.py``'s writers, it runs the statement as the reader does
(``unordered``, every thread) and variants of it with one part taken out, the variants interleaved round by
round (so a change of the machine's load falls on all of them alike), and prints the CPU seconds a block
(user + system of this process, DuckDB's threads included; the least and the median of the rounds) and what
taking the part out saved:

- ``whole``: the statement as the reader runs it;
- ``plan``: ``EXPLAIN`` of it: parsing, binding and optimising alone, paid once a block;
- ``no guard``: without the regular expression that sends lines the typed decode would read leniently to Python;
- ``no fast flag``: every span flagged fast (the ~60 tests that send a span to the Python mapper not run);
- ``no attributes``: the attributes' JSON text not built;
- ``no id checks``: trace, span and parent ids taken as they are (not checked as hex or base64);
- ``decode``: the blocks decoded by the same ``json_transform`` and unnested, nothing mapped
  (``bench/ingest_floor.py``'s ``decode`` stage).

And whether the statement could be planned once a file rather than once a block (issue 11's "plan once per file
shape"; :func:`plan_once`): DuckDB can keep a statement's plan (``PREPARE``) only over tables it knows, so the
block is copied into a fixed input table and the statement, prepared once, run on it (``EXECUTE``) into a fixed
output table:

- ``from a table``: the statement over the fixed input table, planned every block (the input's cost alone);
- ``prepared``: the block copied in and the prepared statement run (what a plan-once reader would pay);
- ``prepared, empty``: the prepared statement run on an empty input (what a run costs besides its rows, with
  the plan reused: DuckDB's per-run setup of the statement's expressions, which no plan cache takes away).

Each variant is the statement's own text with one part replaced; a part the statement no longer has stops the
script with an error (so the figures never silently describe another statement).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import ingest as bench_ingest  # noqa: E402  (bench/ingest.py: the writers)
import ingest_floor  # noqa: E402  (the reader's blocks; the decode-only statement)


def _replaced(sql: str, old: str, new: str, *, regex: bool = False) -> str:
    """``sql`` with ``old`` replaced; an error when the statement has no ``old`` (it changed since)."""
    out = re.sub(old, new, sql, flags=re.S) if regex else sql.replace(old, new)
    if out == sql:
        raise SystemExit(f"the mapping statement no longer has the part {old[:60]!r}: update this script")
    return out


def variants() -> dict[str, str]:
    """The statement and its variants, by name (the SQL text each runs)."""
    import orjson

    from workbench.ingest._otlp_sql import _DOC, _GUARD, _q, _spans_sql

    whole = _spans_sql()
    doc = _q(orjson.dumps(_DOC).decode())
    return {
        "whole": whole,
        "plan": "EXPLAIN " + whole,
        "no guard": _replaced(whole, f" OR regexp_matches(json, {_q(_GUARD)})", ""),
        "no fast flag": _replaced(
            whole, r"NOT coalesce\(bad\n.*\n  true\) AS fast", "true AS fast", regex=True
        ),
        "no attributes": _replaced(
            whole,
            r"_wb_obj\(list_concat\(list_transform\(list_filter\(attrs.*?\)\) AS attributes",
            "NULL::VARCHAR AS attributes",
            regex=True,
        ),
        "no id checks": _replaced(
            _replaced(
                _replaced(whole, "_wb_id(s.traceId, 16)", "lower(s.traceId)"),
                "_wb_id(s.spanId, 8)",
                "lower(s.spanId)",
            ),
            "_wb_id(s.parentSpanId, 8)",
            "lower(s.parentSpanId)",
        ),
        "decode": (
            "CREATE OR REPLACE TEMP TABLE _wb_otlp_spans AS SELECT line, unnest(x.spans) AS s FROM (SELECT line, "
            "unnest(r.scopeSpans) AS x FROM (SELECT line, unnest(d.resourceSpans) AS r FROM (SELECT line, "
            f"json_transform(json, {doc}) AS d FROM _wb_otlp_in)))"
        ),
    }


#: The mapping statement's head, replaced by an INSERT into a fixed table for the prepared form.
_HEAD = "CREATE OR REPLACE TEMP TABLE _wb_otlp_spans AS"


def plan_once(con: object, whole: str) -> dict[str, Callable[[object], None]]:
    """The plan-once forms of the mapping statement ``whole`` on ``con``: for each, a function mapping one
    block (an Arrow table) into the table ``_wb_plan_out`` (emptied first). Creates the fixed input and
    output tables and prepares the statement once (see the module's docstring)."""
    if not whole.lstrip().startswith(_HEAD):
        raise SystemExit("the mapping statement no longer starts with its CREATE TABLE: update this script")
    select = whole.lstrip()[len(_HEAD) :]
    if "FROM _wb_otlp_in)" not in select:
        raise SystemExit("the mapping statement no longer reads _wb_otlp_in: update this script")
    select = select.replace("FROM _wb_otlp_in)", "FROM _wb_plan_in)")
    con.execute("CREATE OR REPLACE TEMP TABLE _wb_plan_in (line BIGINT, json VARCHAR)")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _wb_plan_out AS {select} LIMIT 0")
    con.execute(f"PREPARE _wb_mapping AS INSERT INTO _wb_plan_out {select}")

    def fill(block: object) -> None:
        con.execute("DELETE FROM _wb_plan_out")
        con.execute("DELETE FROM _wb_plan_in")
        con.register("_wb_plan_block", block)
        con.execute("INSERT INTO _wb_plan_in SELECT line, json FROM _wb_plan_block")
        con.unregister("_wb_plan_block")

    def from_table(block: object) -> None:
        fill(block)
        con.execute(f"INSERT INTO _wb_plan_out {select}")

    def prepared(block: object) -> None:
        fill(block)
        con.execute("EXECUTE _wb_mapping")

    def prepared_empty(block: object) -> None:
        con.execute("DELETE FROM _wb_plan_out")
        con.execute("DELETE FROM _wb_plan_in")
        con.execute("EXECUTE _wb_mapping")

    return {"from a table": from_table, "prepared": prepared, "prepared, empty": prepared_empty}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(path: Path, n_blocks: int, repeat: int) -> dict[str, list[float]]:
    """CPU seconds a block of each variant, one figure a round (the variants interleaved)."""
    import duckdb

    from workbench.ingest._one_thread import unordered
    from workbench.ingest._otlp_sql import _MACROS

    con = duckdb.connect()
    con.execute(_MACROS)
    texts = []
    for table in ingest_floor._blocks(con, path):
        texts.append(table)
        if len(texts) == n_blocks:
            break
    sqls = variants()
    once = plan_once(con, sqls["whole"])
    out: dict[str, list[float]] = {name: [] for name in [*sqls, *once]}
    for _ in range(repeat):
        for name, sql in sqls.items():
            spent = 0.0
            for table in texts:
                con.register("_wb_otlp_in", table)
                before = _cpu()
                with unordered(con):
                    con.execute(sql)
                spent += _cpu() - before
                con.unregister("_wb_otlp_in")
            out[name].append(spent / len(texts))
        for name, run in once.items():
            spent = 0.0
            for table in texts:
                before = _cpu()
                with unordered(con):
                    run(table)
                spent += _cpu() - before
            out[name].append(spent / len(texts))
    con.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", nargs="*", default=["generated"], choices=["generated", "sdk"])
    parser.add_argument(
        "--spans", type=int, default=300_000, help="spans written (enough for --blocks blocks)"
    )
    parser.add_argument("--blocks", type=int, default=3, help="blocks measured (the file's first)")
    parser.add_argument("--repeat", type=int, default=5, help="rounds (each variant once a round)")
    parser.add_argument("--tmp", help="folder for the generated files (default: the system's temp folder)")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()}; {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        for kind in args.files:
            path = Path(tmp) / f"otlp_{kind}_{args.spans}.jsonl"
            bench_ingest.WRITERS[kind](path, args.spans)
            bench_ingest._settle(path)
            res = measure(path, args.blocks, args.repeat)
            whole = min(res["whole"])
            print(
                f"\n{kind}: {args.spans:,} spans written, {path.stat().st_size / 2**20:,.0f} MB; first "
                f"{args.blocks} blocks, {args.repeat} rounds; load now {os.getloadavg()[0]:.1f}"
            )
            print(
                "| variant | CPU s a block, least | median | saved against the whole (least) | share of the whole |"
            )
            print("|---|---|---|---|---|")
            for name, figures in res.items():
                least = min(figures)
                saved = (
                    "-" if name in ("whole", "plan", "decode", "prepared, empty") else f"{whole - least:+.3f}"
                )
                share = (
                    f"{least / whole:.0%}"
                    if name in ("plan", "decode", "prepared, empty")
                    else ("-" if name == "whole" else f"{(whole - least) / whole:.0%}")
                )
                print(f"| {name} | {least:.3f} | {statistics.median(figures):.3f} | {saved} | {share} |")
            path.unlink()


if __name__ == "__main__":
    main()

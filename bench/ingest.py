"""Ingest benchmark: workbench vs a plain pandas path vs a bare DuckDB read, on the same OTLP files.

Usage::

    python bench/ingest.py                 # 100k and 1M spans
    python bench/ingest.py --sizes 100000  # just one size
    python bench/ingest.py --huge          # adds 5M spans

Each method runs in its own process so peak RSS is its own. Prints a table: spans, method,
seconds, spans/s, peak RSS, and the ratio of each baseline's time to the workbench's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SPANS_PER_TRACE = 20
AGENTS = ("planner", "retriever", "pricer", "executor", "verifier")


def _attr(key: str, value: object) -> dict:
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    return {"key": key, "value": {"stringValue": str(value)}}


def _trace(t: int) -> dict:
    """One trace of SPANS_PER_TRACE spans: root, agent spans, chat and tool spans under them."""
    trace_id = f"{t:032x}"
    base = 1_767_225_600_000_000_000 + t * 10_000_000_000
    spans = []

    def span(i: int, parent: int | None, name: str, attrs: list, dur: int, error: bool = False) -> None:
        spans.append({
            "traceId": trace_id, "spanId": f"{t * 64 + i:016x}",
            "parentSpanId": "" if parent is None else f"{t * 64 + parent:016x}",
            "name": name, "kind": 1,
            "startTimeUnixNano": str(base + i * 100_000_000),
            "endTimeUnixNano": str(base + i * 100_000_000 + dur),
            "attributes": attrs,
            "status": {"code": 2, "message": "tool failed"} if error else {},
        })

    span(0, None, "invoke_agent procurement", [_attr("gen_ai.operation.name", "invoke_agent"),
                                               _attr("gen_ai.agent.name", "orchestrator")], 1_900_000_000)
    i = 1
    for a, agent in enumerate(AGENTS):
        parent = i
        span(i, 0, f"invoke_agent {agent}", [_attr("gen_ai.operation.name", "invoke_agent"),
                                             _attr("gen_ai.agent.name", agent)], 300_000_000)
        i += 1
        span(i, parent, "chat gpt-4o", [
            _attr("gen_ai.operation.name", "chat"), _attr("gen_ai.request.model", "gpt-4o"),
            _attr("gen_ai.usage.input_tokens", 120 + a), _attr("gen_ai.usage.output_tokens", 40 + a),
            _attr("gen_ai.system", "openai")], 80_000_000)
        i += 1
        span(i, parent, "execute_tool get_price", [
            _attr("gen_ai.operation.name", "execute_tool"), _attr("gen_ai.tool.name", "get_price"),
            _attr("gen_ai.tool.call.arguments", json.dumps({"sku": f"SKU-{t % 997}"}))],
            20_000_000, error=(t % 13 == 0 and a == 2))
        i += 1
    while i < SPANS_PER_TRACE:
        span(i, 1, "chat gpt-4o", [_attr("gen_ai.operation.name", "chat"),
                                   _attr("gen_ai.request.model", "gpt-4o")], 50_000_000)
        i += 1
    return {"resourceSpans": [{
        "resource": {"attributes": [_attr("service.name", "procurement")]},
        "scopeSpans": [{"scope": {"name": "bench"}, "spans": spans}],
    }]}


def write_otlp(path: Path, n_spans: int) -> None:
    """OTLP JSON lines as the Collector's file exporter writes them: one trace per line."""
    with path.open("w") as fh:
        for t in range(1, n_spans // SPANS_PER_TRACE + 1):
            fh.write(json.dumps(_trace(t), separators=(",", ":")) + "\n")


# -- the three methods, each run in a child process ------------------------------------------------
def run_workbench(path: str, db: str) -> int:
    import workbench as wb

    with wb.open(db) as ws:
        report = ws.ingest(path, format="otlp", progress=False)
        return report.stored


def run_pandas(path: str, db: str) -> int:
    import duckdb
    import pandas as pd

    con = duckdb.connect(db)
    con.execute("CREATE TABLE spans AS SELECT * FROM (SELECT NULL::VARCHAR AS x) WHERE false")
    total = 0
    first = True
    batch = []
    with open(path) as fh:
        for line in fh:
            doc = json.loads(line)
            for rs in doc["resourceSpans"]:
                for ss in rs["scopeSpans"]:
                    batch.extend(ss["spans"])
            if len(batch) >= 50_000:
                total += _pandas_insert(con, pd, batch, first)
                first = False
                batch = []
    if batch:
        total += _pandas_insert(con, pd, batch, first)
    con.close()
    return total


def _pandas_insert(con, pd, spans: list, first: bool) -> int:  # noqa: ANN001
    df = pd.json_normalize(spans)
    df["attributes"] = df["attributes"].map(lambda a: {x["key"]: next(iter(x["value"].values())) for x in a})
    df = pd.concat([df.drop(columns=["attributes"]), pd.json_normalize(df["attributes"].tolist())], axis=1)
    df = df.astype(str)
    con.register("batch", df)
    if first:
        con.execute("DROP TABLE spans")
        con.execute("CREATE TABLE spans AS SELECT * FROM batch")
    else:
        con.execute("INSERT INTO spans BY NAME SELECT * FROM batch")
    con.unregister("batch")
    return len(df)


def run_duckdb(path: str, db: str) -> int:
    import duckdb

    con = duckdb.connect(db)
    span_type = ("STRUCT(traceId VARCHAR, spanId VARCHAR, parentSpanId VARCHAR, name VARCHAR, kind INTEGER, "
                 "startTimeUnixNano UBIGINT, endTimeUnixNano UBIGINT, "
                 "attributes STRUCT(key VARCHAR, value STRUCT(stringValue VARCHAR, intValue BIGINT))[], "
                 "status STRUCT(code INTEGER, message VARCHAR))")
    columns = {"resourceSpans": f"STRUCT(resource JSON, scopeSpans STRUCT(scope JSON, spans {span_type}[])[])[]"}
    rel = con.read_json(path, format="newline_delimited", columns=columns)
    rel.create_view("raw")
    con.execute("""
        CREATE TABLE spans AS
        SELECT s.traceId AS trace_id, s.spanId AS span_id, s.parentSpanId AS parent_id, s.name,
               make_timestamp((s.startTimeUnixNano // 1000)::BIGINT) AS started_at,
               make_timestamp((s.endTimeUnixNano // 1000)::BIGINT) AS ended_at,
               s.status.code AS status, s.status.message AS error,
               map_from_entries([(a.key, coalesce(a.value.stringValue, a.value.intValue::VARCHAR))
                                 FOR a IN s.attributes]) AS attributes
        FROM (SELECT unnest(ss.spans) AS s
              FROM (SELECT unnest(rs.scopeSpans) AS ss
                    FROM (SELECT unnest(resourceSpans) AS rs FROM raw)))
    """)
    n = con.execute("SELECT count(*) FROM spans").fetchall()[0][0]
    con.close()
    return int(n)


METHODS = {"workbench": run_workbench, "pandas": run_pandas, "duckdb-bare": run_duckdb}


def _child(method: str, path: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        n = METHODS[method](path, str(Path(tmp) / "bench.duckdb"))
        seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"spans": n, "seconds": seconds, "peak_mb": peak_mb}))


def measure(method: str, path: Path) -> dict:
    """Run one method on one file in a fresh process; return spans, seconds, peak_mb."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    out = subprocess.run([sys.executable, __file__, "--child", method, str(path)], capture_output=True,
                         text=True, env=env, check=False)
    if out.returncode != 0:
        raise SystemExit(f"{method} failed on {path}:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--huge", action="store_true", help="also 5M spans")
    parser.add_argument("--methods", nargs="*", default=list(METHODS))
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    sizes = args.sizes + ([5_000_000] if args.huge else [])
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            path = Path(tmp) / f"otlp_{size}.jsonl"
            write_otlp(path, size)
            mb = path.stat().st_size / 2**20
            results = {m: measure(m, path) for m in args.methods}
            ours = results.get("workbench")
            for method, res in results.items():
                ratio = res["seconds"] / ours["seconds"] if ours else float("nan")
                rows.append((size, f"{mb:,.0f} MB", method, res["spans"], res["seconds"],
                             res["spans"] / res["seconds"], res["peak_mb"], ratio))
            path.unlink()
    head = ("spans", "file", "method", "stored", "seconds", "spans/s", "peak RSS MB", "time / workbench")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for size, mb, method, n, sec, rate, peak, ratio in rows:
        print(f"| {size:,} | {mb} | {method} | {n:,} | {sec:.2f} | {rate:,.0f} | {peak:,.0f} | {ratio:.2f}x |")


if __name__ == "__main__":
    main()

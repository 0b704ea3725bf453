"""Ingest benchmark: workbench vs a plain pandas path vs a bare DuckDB read, on the same OTLP files.

Usage::

    python bench/ingest.py                 # 100k and 1M spans, generated and SDK-written files
    python bench/ingest.py --sizes 100000  # just one size
    python bench/ingest.py --huge          # adds 5M spans
    python bench/ingest.py --files sdk     # only the SDK-written file

Two kinds of file: ``generated`` (written by this script in the Collector's encoding: hex ids,
integer enums, one trace per line) and ``sdk`` (spans recorded by the real ``opentelemetry-sdk`` in
another multi-agent topology, encoded by its OTLP encoder and protobuf's JSON mapping: base64 ids,
enum names, exception events; 512-span export requests per line, replicated with fresh trace ids).

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


def _sdk_template() -> tuple[dict, list[str], str]:
    """One trace recorded with the real SDK: (resource+scope shell, span JSON texts, trace id as written)."""
    from google.protobuf.json_format import MessageToDict
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import Status, StatusCode

    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "research-desk"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("research.agents", "0.3")

    def agent(name: str):  # noqa: ANN202
        return tracer.start_as_current_span(f"invoke_agent {name}", attributes={
            "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": name})

    def chat(model: str, prompt: str, answer: str) -> None:
        with tracer.start_as_current_span(f"chat {model}", attributes={
                "gen_ai.operation.name": "chat", "gen_ai.request.model": model, "gen_ai.usage.input_tokens": 310,
                "gen_ai.usage.output_tokens": 42, "gen_ai.input.messages": json.dumps([{"role": "user", "parts": [
                    {"type": "text", "content": prompt}]}]),
                "gen_ai.output.messages": json.dumps([{"role": "assistant", "parts": [
                    {"type": "text", "content": answer}]}])}):
            pass

    def tool(name: str, args: dict, result: str | None) -> None:
        with tracer.start_as_current_span(f"execute_tool {name}", attributes={
                "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": name,
                "gen_ai.tool.call.arguments": json.dumps(args)}) as sp:
            if result is None:
                sp.record_exception(TimeoutError(f"{name} timed out"))
                sp.set_status(Status(StatusCode.ERROR))
            else:
                sp.set_attribute("gen_ai.tool.call.result", result)

    with agent("supervisor"):
        chat("gpt-4o", "split the question", "ask researcher twice, then writer")
        for round_ in range(2):
            with agent("researcher"):
                chat("gpt-4o-mini", f"round {round_}: what to search", "search filings")
                tool("search", {"q": f"filings round {round_}"}, '["10-K 2025", "10-Q Q3"]')
                tool("fetch", {"url": "https://example.com/10k"}, None if round_ else "revenue 4.2bn")
                chat("gpt-4o-mini", "summarise", "revenue 4.2bn, margin 12%")
        with agent("writer"):
            chat("gpt-4o", "draft the note", "Revenue was 4.2bn with a 12% margin.")
        with agent("critic"):
            chat("gpt-4o", "check the note", "ok")
    provider.shutdown()
    doc = MessageToDict(encode_spans(list(exporter.get_finished_spans())))
    rs = doc["resourceSpans"][0]
    spans = rs["scopeSpans"][0]["spans"]
    shell = {"resource": rs["resource"], "scope": rs["scopeSpans"][0]["scope"]}
    return shell, [json.dumps(sp, separators=(",", ":")) for sp in spans], spans[0]["traceId"]


def write_sdk(path: Path, n_spans: int) -> None:
    """SDK-written OTLP (protobuf JSON: base64 ids, enum names), one 512-span export request per line."""
    import base64

    shell, spans, trace_id = _sdk_template()
    head = json.dumps({"resourceSpans": [{"resource": shell["resource"], "scopeSpans": [
        {"scope": shell["scope"], "spans": []}]}]}, separators=(",", ":"))
    head, tail = head[:-len("]}]}]}")], "]}]}]}"
    per_line = max(1, 512 // len(spans))
    n_traces = max(1, n_spans // len(spans))
    quoted = f'"{trace_id}"'
    with path.open("w") as fh:
        for first in range(0, n_traces, per_line):
            parts = []
            for t in range(first, min(first + per_line, n_traces)):
                new = '"' + base64.b64encode((t + 1).to_bytes(16, "big")).decode() + '"'
                parts.extend(sp.replace(quoted, new) for sp in spans)
            fh.write(head + ",".join(parts) + tail + "\n")


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
    # kind and status code as text: the Collector writes integers, the SDK's encoder enum names
    span_type = ("STRUCT(traceId VARCHAR, spanId VARCHAR, parentSpanId VARCHAR, name VARCHAR, kind VARCHAR, "
                 "startTimeUnixNano UBIGINT, endTimeUnixNano UBIGINT, "
                 "attributes STRUCT(key VARCHAR, value STRUCT(stringValue VARCHAR, intValue BIGINT))[], "
                 "status STRUCT(code VARCHAR, message VARCHAR))")
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
WRITERS = {"generated": write_otlp, "sdk": write_sdk}


def _child(method: str, path: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        n = METHODS[method](path, str(Path(tmp) / "bench.duckdb"))
        seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"spans": n, "seconds": seconds, "peak_mb": peak_mb}))


def measure(method: str, path: Path, python: str | None = None) -> dict:
    """Run one method on one file in a fresh process; return spans, seconds, peak_mb.

    ``python``: another interpreter (a venv with an earlier workbench release, imported from its own
    site-packages) for a before/after row.
    """
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if python is None:
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    out = subprocess.run([python or sys.executable, __file__, "--child", method, str(path)], capture_output=True,
                         text=True, env=env, check=False)
    if out.returncode != 0:
        raise SystemExit(f"{method} failed on {path}:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--huge", action="store_true", help="also 5M spans")
    parser.add_argument("--methods", nargs="*", default=list(METHODS))
    parser.add_argument("--baseline-python", help="also run the workbench with this interpreter (earlier release)")
    parser.add_argument("--files", nargs="*", default=list(WRITERS), choices=list(WRITERS))
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    sizes = args.sizes + ([5_000_000] if args.huge else [])
    print(f"load average at start: {os.getloadavg()}")
    head = ("spans", "file", "method", "stored", "seconds", "spans/s", "peak RSS MB", "time / workbench",
            "RSS / workbench", "load")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            for kind in args.files:
                path = Path(tmp) / f"otlp_{kind}_{size}.jsonl"
                WRITERS[kind](path, size)
                mb = path.stat().st_size / 2**20
                results = {m: measure(m, path) for m in args.methods}
                if args.baseline_python:
                    results["workbench (baseline release)"] = measure("workbench", path, args.baseline_python)
                ours = results.get("workbench")
                load = "/".join(f"{x:.1f}" for x in os.getloadavg())
                for method, res in results.items():
                    ratio = res["seconds"] / ours["seconds"] if ours else float("nan")
                    mem = res["peak_mb"] / ours["peak_mb"] if ours else float("nan")
                    print(f"| {size:,} | {kind} {mb:,.0f} MB | {method} | {res['spans']:,} | {res['seconds']:.2f} | "
                          f"{res['spans'] / res['seconds']:,.0f} | {res['peak_mb']:,.0f} | {ratio:.2f}x | "
                          f"{mem:.2f}x | {load} |", flush=True)
                path.unlink()


if __name__ == "__main__":
    main()

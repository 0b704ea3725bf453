"""Ingest benchmark: workbench vs a plain pandas path vs a bare DuckDB read, on the same files.

Usage::

    python bench/ingest.py                 # 100k and 1M spans/steps: OTLP generated + SDK-written, native, the demo
    python bench/ingest.py --sizes 100000  # just one size
    python bench/ingest.py --huge          # adds 5M
    python bench/ingest.py --files sdk     # only the SDK-written file
    python bench/ingest.py --files demo    # only the embedded demo (native JSONL, gzip)
    python bench/ingest.py --files native-logprobs  # native JSONL with long (OpenAI-shaped) log-probabilities
    python bench/ingest.py --pipeline serial parallel --repeat 2  # the OTLP reader's two block pipelines, pairs

OTLP files, two kinds: ``generated`` (written by this script in the Collector's encoding: hex ids,
integer enums, one trace per line) and ``sdk`` (spans recorded by the real ``opentelemetry-sdk`` in
another multi-agent topology, encoded by its OTLP encoder and protobuf's JSON mapping: base64 ids,
enum names, exception events; 512-span export requests per line, replicated with fresh trace ids).

Native JSONL: ``native`` is the embedded demo (``data/demo.jsonl.gz``, simulator output: runs, steps with
log-probabilities, edges, labels) replicated with fresh run ids up to the size in steps, uncompressed;
``native-logprobs`` is ``native`` with each step's log-probabilities as a real answer's (40 tokens, 5
alternatives each: OpenAI's shape); ``native-nested`` is ``native`` with every step's input, output and
attributes nested as a chat system logs them (messages, a tool call, objects within objects); ``native-cut`` is ``native`` with its last line cut off mid-record (a log
being written; its bare read skips that line with ``ignore_errors``); ``demo`` is the demo file itself (52,875 steps, gzip), once whatever the
sizes. Their bare DuckDB read
is ``read_json`` of the same file into one table with the native format's typed columns; ``duckdb-tables``
(native files only) is the same read written as the store's tables, one per record type, timestamps
parsed: the least work any store of the format does (see :func:`run_duckdb_tables`).

Each method runs in its own process so peak RSS is its own. Prints one markdown row per file (as it
goes, and the whole table again at the end): seconds, spans/s, peak RSS and CPU seconds of this
checkout's workbench; the bare DuckDB read's, pandas' and the baseline release's (``--baseline-python``)
seconds and RSS; the ratios against each; the load average.

Every child reads one bytecode cache (``PYTHONPYCACHEPREFIX`` in the bench's temporary folder), filled by an
untimed run of each method and interpreter on a small file of each kind first: an installed package imports
its modules compiled, and with ``PYTHONDONTWRITEBYTECODE=1`` set each child compiled the workbench's modules
again (~0.15 CPU s a process; a checkout another process once compiled paid less). ``--cold-bytecode``
measures as before.
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
        spans.append(
            {
                "traceId": trace_id,
                "spanId": f"{t * 64 + i:016x}",
                "parentSpanId": "" if parent is None else f"{t * 64 + parent:016x}",
                "name": name,
                "kind": 1,
                "startTimeUnixNano": str(base + i * 100_000_000),
                "endTimeUnixNano": str(base + i * 100_000_000 + dur),
                "attributes": attrs,
                "status": {"code": 2, "message": "tool failed"} if error else {},
            }
        )

    span(
        0,
        None,
        "invoke_agent procurement",
        [_attr("gen_ai.operation.name", "invoke_agent"), _attr("gen_ai.agent.name", "orchestrator")],
        1_900_000_000,
    )
    i = 1
    for a, agent in enumerate(AGENTS):
        parent = i
        span(
            i,
            0,
            f"invoke_agent {agent}",
            [_attr("gen_ai.operation.name", "invoke_agent"), _attr("gen_ai.agent.name", agent)],
            300_000_000,
        )
        i += 1
        span(
            i,
            parent,
            "chat gpt-4o",
            [
                _attr("gen_ai.operation.name", "chat"),
                _attr("gen_ai.request.model", "gpt-4o"),
                _attr("gen_ai.usage.input_tokens", 120 + a),
                _attr("gen_ai.usage.output_tokens", 40 + a),
                _attr("gen_ai.system", "openai"),
            ],
            80_000_000,
        )
        i += 1
        span(
            i,
            parent,
            "execute_tool get_price",
            [
                _attr("gen_ai.operation.name", "execute_tool"),
                _attr("gen_ai.tool.name", "get_price"),
                _attr("gen_ai.tool.call.arguments", json.dumps({"sku": f"SKU-{t % 997}"})),
            ],
            20_000_000,
            error=(t % 13 == 0 and a == 2),
        )
        i += 1
    while i < SPANS_PER_TRACE:
        span(
            i,
            1,
            "chat gpt-4o",
            [_attr("gen_ai.operation.name", "chat"), _attr("gen_ai.request.model", "gpt-4o")],
            50_000_000,
        )
        i += 1
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [_attr("service.name", "procurement")]},
                "scopeSpans": [{"scope": {"name": "bench"}, "spans": spans}],
            }
        ]
    }


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
        return tracer.start_as_current_span(
            f"invoke_agent {name}",
            attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": name},
        )

    def chat(model: str, prompt: str, answer: str) -> None:
        with tracer.start_as_current_span(
            f"chat {model}",
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": model,
                "gen_ai.usage.input_tokens": 310,
                "gen_ai.usage.output_tokens": 42,
                "gen_ai.input.messages": json.dumps(
                    [{"role": "user", "parts": [{"type": "text", "content": prompt}]}]
                ),
                "gen_ai.output.messages": json.dumps(
                    [{"role": "assistant", "parts": [{"type": "text", "content": answer}]}]
                ),
            },
        ):
            pass

    def tool(name: str, args: dict, result: str | None) -> None:
        with tracer.start_as_current_span(
            f"execute_tool {name}",
            attributes={
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": name,
                "gen_ai.tool.call.arguments": json.dumps(args),
            },
        ) as sp:
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
    head = json.dumps(
        {
            "resourceSpans": [
                {"resource": shell["resource"], "scopeSpans": [{"scope": shell["scope"], "spans": []}]}
            ]
        },
        separators=(",", ":"),
    )
    head, tail = head[: -len("]}]}]}")], "]}]}]}"
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


DEMO = Path(__file__).resolve().parents[1] / "data" / "demo.jsonl.gz"


def write_native(path: Path, n_steps: int) -> None:
    """The demo's records, replicated with fresh run ids until ``n_steps`` steps (whole runs)."""
    import gzip

    lines = gzip.decompress(DEMO.read_bytes()).splitlines()
    per_run: list[list[bytes]] = []
    for line in lines:
        if b'"record":"run"' in line or not per_run:
            per_run.append([])
        per_run[-1].append(line)
    written = 0
    with path.open("wb") as fh:
        copy = 0
        while written < n_steps:
            tag = b'"proc-s7-c%d-' % copy
            for run in per_run:
                n = sum(1 for x in run if b'"record":"step"' in x)
                fh.write(b"\n".join(x.replace(b'"proc-s7-', tag) for x in run) + b"\n")
                written += n
                if written >= n_steps:
                    break
            copy += 1


def write_native_logprobs(path: Path, n_steps: int) -> None:
    """``native``, each step's log-probabilities as a real answer's: 40 tokens with 5 alternatives each."""
    tmp = path.with_suffix(".src")
    write_native(tmp, n_steps)
    tokens = [
        {
            "token": f"t{j}",
            "logprob": round(-0.05 * (j % 7), 4),
            "top_logprobs": [
                {"token": f"t{j}.{m}", "logprob": round(-0.05 * (j % 7) - 0.7 * m, 4)} for m in range(5)
            ],
        }
        for j in range(40)
    ]
    with tmp.open("rb") as src, path.open("wb") as fh:
        for line in src:
            if b'"logprobs"' in line:
                rec = json.loads(line)
                rec["logprobs"] = tokens
                line = (json.dumps(rec, separators=(",", ":")) + "\n").encode()
            fh.write(line)
    tmp.unlink()


def write_native_nested(path: Path, n_steps: int) -> None:
    """``native``, each step's values nested as a chat system logs them: ``input`` a list of messages, ``output`` an
    assistant message with a tool call (its arguments an object), ``attributes`` objects within objects."""
    tmp = path.with_suffix(".src")
    write_native(tmp, n_steps)
    with tmp.open("rb") as src, path.open("wb") as fh:
        for i, line in enumerate(src):
            if b'"record":"step"' in line:
                rec = json.loads(line)
                text = json.dumps(rec.get("input"))
                rec["input"] = {
                    "messages": [
                        {"role": "system", "content": "You are the %s." % rec.get("agent")},
                        {"role": "user", "content": text, "name": "orchestrator"},
                    ]
                }
                rec["output"] = {
                    "role": "assistant",
                    "content": json.dumps(rec.get("output")),
                    "tool_calls": [
                        {
                            "id": "call_%d" % i,
                            "type": "function",
                            "function": {"name": rec.get("name"), "arguments": {"step": i, "retry": i % 3}},
                        }
                    ],
                }
                rec["attributes"] = {
                    "gen_ai": {
                        "system": "openai",
                        "request": {"model": "m", "temperature": 0.2},
                        "usage": {"input_tokens": i % 500, "output_tokens": i % 90},
                    },
                    "span": {"kind": "internal", "index": i},
                }
                line = (json.dumps(rec, separators=(",", ":")) + "\n").encode()
            fh.write(line)
    tmp.unlink()


def write_native_cut(path: Path, n_steps: int) -> None:
    """``native`` whose last line is cut off mid-record, as a log being written (or a crash) leaves it."""
    write_native(path, n_steps)
    with path.open("ab") as fh:
        fh.write(b'{"record":"step","run_id":"proc-s7-c0-000000","step_id":"s9999","inp')


def write_demo(path: Path, n_steps: int) -> None:
    """The demo file itself (gzip); ``n_steps`` is ignored."""
    path.write_bytes(DEMO.read_bytes())


# -- the methods, each run in a child process ------------------------------------------------
def run_workbench(path: str, db: str) -> int:
    import workbench as wb

    with wb.open(db) as ws:
        report = ws.ingest(path, format="native" if _is_native(path) else "otlp", progress=False)
        return report.stored


def _is_native(path: str) -> bool:
    return "native" in Path(path).name or "demo" in Path(path).name


def run_pandas(path: str, db: str) -> int:
    import duckdb
    import pandas as pd

    if _is_native(path):
        return _pandas_native(path, db)
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


def _pandas_native(path: str, db: str) -> int:
    import gzip

    import duckdb
    import pandas as pd

    con = duckdb.connect(db)
    steps, batch, first = 0, [], True
    with gzip.open(path, "rt") if path.endswith(".gz") else open(path) as fh:
        for line in fh:
            batch.append(json.loads(line))
            if len(batch) >= 50_000:
                steps += _pandas_native_insert(con, pd, batch, first)
                first, batch = False, []
    if batch:
        steps += _pandas_native_insert(con, pd, batch, first)
    con.close()
    return steps


def _pandas_native_insert(con, pd, records: list, first: bool) -> int:  # noqa: ANN001
    df = pd.DataFrame.from_records(records)
    for col in ("input", "output", "logprobs", "attributes"):
        if col in df:
            df[col] = df[col].map(lambda v: None if v is None or v != v else json.dumps(v))
    df = df.astype(str)
    con.register("batch", df)
    con.execute(
        "CREATE TABLE records AS SELECT * FROM batch"
        if first
        else "INSERT INTO records BY NAME SELECT * FROM batch"
    )
    con.unregister("batch")
    return int((df["record"] == "step").sum()) if "record" in df else len(df)


NATIVE_COLUMNS = {
    **{
        k: "VARCHAR"
        for k in (
            "record",
            "run_id",
            "step_id",
            "parent_id",
            "agent",
            "kind",
            "name",
            "tool",
            "model",
            "started_at",
            "ended_at",
            "status",
            "error",
            "system",
            "task",
            "outcome",
            "outcome_detail",
            "src_step",
            "dst_step",
            "source",
            "detail",
        )
    },
    **{k: "DOUBLE" for k in ("latency_ms", "cost", "confidence", "entropy")},
    **{k: "BIGINT" for k in ("tokens_in", "tokens_out", "seq")},
    **{k: "JSON" for k in ("input", "output", "logprobs", "attributes")},
}


def run_duckdb(path: str, db: str) -> int:
    import duckdb

    con = duckdb.connect(db)
    if _is_native(path):
        # the native format's typed columns, every record type in one table
        # (a file cut off in its last line stops the reader: that line is then skipped)
        rel = con.read_json(
            path, format="newline_delimited", columns=NATIVE_COLUMNS, ignore_errors="cut" in Path(path).name
        )
        rel.create_view("raw")
        con.execute("CREATE TABLE records AS SELECT * FROM raw")
        n = con.execute("SELECT count(*) FROM records WHERE coalesce(record, 'step') = 'step'").fetchall()[0][
            0
        ]
        con.close()
        return int(n)
    # kind and status code as text: the Collector writes integers, the SDK's encoder enum names
    span_type = (
        "STRUCT(traceId VARCHAR, spanId VARCHAR, parentSpanId VARCHAR, name VARCHAR, kind VARCHAR, "
        "startTimeUnixNano UBIGINT, endTimeUnixNano UBIGINT, "
        "attributes STRUCT(key VARCHAR, value STRUCT(stringValue VARCHAR, intValue BIGINT))[], "
        "status STRUCT(code VARCHAR, message VARCHAR))"
    )
    columns = {
        "resourceSpans": f"STRUCT(resource JSON, scopeSpans STRUCT(scope JSON, spans {span_type}[])[])[]"
    }
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


def run_duckdb_tables(path: str, db: str) -> int:
    """Native JSONL only: the bare read, then each record type written to a table of its own.

    The least any store of this format does: one typed read, and steps (timestamps as TIMESTAMP), edges,
    runs and labels each written once, where ``duckdb-bare`` writes every record to one table. Neither
    checks a value's type (DuckDB's reader casts a number where text belongs, and so on), computes the
    log-probability statistics, drops duplicates, walks the step tree for agents and depth or orders the
    steps: the work the workbench adds.
    """
    import duckdb

    if not _is_native(path):
        return run_duckdb(path, db)
    con = duckdb.connect(db)
    rel = con.read_json(
        path, format="newline_delimited", columns=NATIVE_COLUMNS, ignore_errors="cut" in Path(path).name
    )
    rel.create_view("raw")
    con.execute("CREATE TEMP TABLE records AS SELECT * FROM raw")
    con.execute("""
        CREATE TABLE steps AS
        SELECT run_id, step_id, parent_id, agent, coalesce(kind, 'other') AS kind, name, tool, model,
               TRY_CAST(started_at AS TIMESTAMP) AS started_at, TRY_CAST(ended_at AS TIMESTAMP) AS ended_at,
               latency_ms, coalesce(status, 'ok') AS status, error, input::VARCHAR AS input,
               output::VARCHAR AS output, tokens_in, tokens_out, cost, confidence, entropy, seq,
               attributes::VARCHAR AS attributes
        FROM records WHERE coalesce(record, 'step') = 'step'""")
    con.execute(
        "CREATE TABLE edges AS SELECT run_id, src_step, dst_step, kind FROM records WHERE record = 'edge'"
    )
    con.execute(
        "CREATE TABLE runs AS SELECT run_id, system, task, outcome, outcome_detail, "
        "attributes::VARCHAR AS attributes FROM records WHERE record = 'run'"
    )
    con.execute(
        "CREATE TABLE labels AS SELECT run_id, agent, step_id, kind, coalesce(source, 'ground_truth') "
        "AS source, outcome, detail FROM records WHERE record = 'label'"
    )
    n = con.execute("SELECT count(*) FROM steps").fetchall()[0][0]
    con.close()
    return int(n)


METHODS = {
    "workbench": run_workbench,
    "pandas": run_pandas,
    "duckdb-bare": run_duckdb,
    "duckdb-tables": run_duckdb_tables,
}
WRITERS = {
    "generated": write_otlp,
    "sdk": write_sdk,
    "native": write_native,
    "native-logprobs": write_native_logprobs,
    "native-cut": write_native_cut,
    "native-nested": write_native_nested,
    "demo": write_demo,
}


def _child(method: str, path: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        n = METHODS[method](path, str(Path(tmp) / "bench.duckdb"))
        seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "spans": n,
                "seconds": seconds,
                "peak_mb": usage.ru_maxrss / 1024,
                "cpu": usage.ru_utime + usage.ru_stime,
            }
        )
    )


# The bytecode cache every child process reads (PYTHONPYCACHEPREFIX; None: each interpreter's own, or none). An
# installed package imports its modules compiled; with PYTHONDONTWRITEBYTECODE=1 in the environment (as here) and
# no __pycache__ beside the sources, every child compiled the workbench's ~130 modules again: ~0.15 CPU s a
# process counted as ingest, and a baseline checkout another helper happened to compile (128 of its 278 modules,
# once) paid less than this one. _warm fills one cache for every method and interpreter before they are timed.
_PYCACHE: list[str] = []
_WARMED: set[tuple[str, str, str]] = set()


def _env(python: str | None, pipeline: str | None) -> dict:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if pipeline is not None:
        env["WORKBENCH_OTLP_PIPELINE"] = pipeline
    if python is None:
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    if _PYCACHE:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = _PYCACHE[0]
    return env


def _warm(method: str, kind: str, small: Path, python: str | None) -> None:
    """Run ``method`` once, untimed, on ``small`` (a small file of ``kind``), so that every module it imports,
    those imported on the way too, is compiled into the shared cache before the timed runs."""
    key = (method, kind, python or "")
    if not _PYCACHE or key in _WARMED:
        return
    _WARMED.add(key)
    subprocess.run(
        [python or sys.executable, __file__, "--child", method, str(small)],
        capture_output=True,
        env=_env(python, None),
        check=False,
    )


def measure(method: str, path: Path, python: str | None = None, pipeline: str | None = None) -> dict:
    """Run one method on one file in a fresh process; return spans, seconds, peak_mb.

    ``python``: another interpreter (a venv with an earlier workbench release, imported from its own
    site-packages) for a before/after row. ``pipeline``: the OTLP reader's block pipeline
    (WORKBENCH_OTLP_PIPELINE: "serial", "unordered" or "parallel"; None leaves the reader's default).
    """
    env = _env(python, pipeline)
    out = subprocess.run(
        [python or sys.executable, __file__, "--child", method, str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{method} failed on {path}:\n{out.stderr[-2000:]}")
    res = json.loads(out.stdout.strip().splitlines()[-1])
    # (the workbench logs a warning when its merge ran out of memory and ran again within MERGE_RETRY_MEMORY:
    # that run's peak RSS and CPU are the second try's. A release before perf44 ran again silently.)
    res["merge_again"] = "ran again alone within" in out.stderr
    return res


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--huge", action="store_true", help="also 5M spans")
    # (duckdb-tables only when asked: without a memory limit it held 1.5 GB at 1M native steps)
    parser.add_argument(
        "--methods", nargs="*", default=["workbench", "pandas", "duckdb-bare"], choices=list(METHODS)
    )
    parser.add_argument(
        "--baseline-python", help="also run the workbench with this interpreter (earlier release)"
    )
    parser.add_argument("--files", nargs="*", default=list(WRITERS), choices=list(WRITERS))
    parser.add_argument("--tmp", help="folder for the generated files (default: the system's temp folder)")
    parser.add_argument(
        "--pipeline",
        nargs="*",
        default=[],
        choices=["serial", "unordered", "parallel"],
        help="the OTLP reader's block pipeline(s) to run ours with, a row each (default: its own)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="measure each file this many times, the methods interleaved (a row each round)",
    )
    parser.add_argument(
        "--cold-bytecode",
        action="store_true",
        help="let each child compile what it imports as the environment says (PYTHONDONTWRITEBYTECODE) instead "
        "of reading one warmed bytecode cache: the figures of benches before perf50",
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    sizes = args.sizes + ([5_000_000] if args.huge else [])
    print(f"load average at start: {os.getloadavg()}; {os.cpu_count()} CPUs")
    print(
        "bytecode: "
        + (
            "as the environment says (--cold-bytecode)"
            if args.cold_bytecode
            else "one cache warmed by an untimed run of each method and interpreter on a small file of each kind"
        )
    )
    print(
        "ours = this checkout's workbench; bare = DuckDB read_json (+ unnest for OTLP) of the same file into a "
        "table; baseline = --baseline-python's workbench. 'vs bare' = bare seconds / ours (>= 1 is the target), "
        "'RSS vs bare' = our peak RSS / bare's (<= 1 is the target), 'vs pandas' = pandas seconds / ours "
        "(>= 10 is the target); 'tables' = duckdb-tables, the bare read written as one table per record type "
        "(native files). CPU s = user + system seconds of the process (DuckDB threads included).\n"
    )
    head = (
        "spans/steps",
        "file",
        "MB",
        "ours s",
        "spans/s",
        "ours peak RSS MB",
        "ours CPU s",
        "bare s / RSS MB",
        "bare CPU s",
        "pandas s",
        "baseline s / RSS MB",
        "baseline CPU s",
        "vs bare",
        "vs bare, CPU",
        "RSS vs bare",
        "vs pandas",
        "vs baseline",
        "tables s / RSS MB",
        "tables CPU s",
        "vs tables",
        "vs tables, CPU",
        "RSS vs tables",
        "load 1/5/15",
    )
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    print("\n".join(rows), flush=True)
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        if not args.cold_bytecode:
            _PYCACHE.append(str(Path(tmp) / "pycache"))
        for size in sizes:
            for kind in args.files:
                if kind == "demo" and size != sizes[0]:
                    continue  # one size only
                name = {
                    "native": f"native_{size}.jsonl",
                    "native-logprobs": f"native-logprobs_{size}.jsonl",
                    "native-cut": f"native-cut_{size}.jsonl",
                    "native-nested": f"native-nested_{size}.jsonl",
                    "demo": "demo.jsonl.gz",
                }.get(kind, f"otlp_{kind}_{size}.jsonl")
                path = Path(tmp) / name
                if _PYCACHE and not any(k == kind for _, k, _ in _WARMED):
                    small = Path(tmp) / f"small_{name}"
                    WRITERS[kind](small, 500)
                    for m in args.methods:
                        _warm(m, kind, small, None)
                    if args.baseline_python:  # (measured whether or not ours is)
                        _warm("workbench", kind, small, args.baseline_python)
                    small.unlink()
                WRITERS[kind](path, size)
                mb = path.stat().st_size / 2**20
                _settle(path)
                for _ in range(args.repeat):
                    # (duckdb-tables is the native format's; on OTLP it would be the bare read again)
                    results = {
                        m: measure(m, path)
                        for m in args.methods
                        if m != "workbench"
                        and (m != "duckdb-tables" or kind in ("native", "native-logprobs", "demo"))
                    }
                    ours = {}
                    if "workbench" in args.methods:  # (one row per pipeline, the others' figures beside each)
                        ours = {p: measure("workbench", path, pipeline=p) for p in args.pipeline or [None]}
                    if args.baseline_python:
                        results["baseline"] = measure("workbench", path, args.baseline_python)
                    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
                    for p, res in (ours or {None: None}).items():
                        rows.append(
                            _row(
                                size,
                                kind if p is None else f"{kind} ({p})",
                                mb,
                                {**results, "workbench": res} if res else results,
                                load,
                            )
                        )
                        print(rows[-1], flush=True)
                    for who, r in [
                        *((f"ours{'' if p is None else f' ({p})'}", r) for p, r in ours.items()),
                        ("baseline", results.get("baseline")),
                    ]:
                        if r and r.get("merge_again"):
                            print(
                                f"  note: {who} on {kind} {size:,}: the merge ran out of memory and ran again "
                                "(its peak RSS and CPU are the second try's)",
                                flush=True,
                            )
                path.unlink()
    print("\n" + "\n".join(rows))


def _settle(path: Path) -> None:
    """Flush the just-written file to disk and read it once, so every method starts from the same warm page cache.

    (Without it the first method, ours, ran while the kernel was still writing the file back: the 1M native
    file took 33-40 s right after it was written against 26-28 s warm, the other methods unchanged.)
    """
    os.sync()
    with open(path, "rb") as fh:
        while fh.read(16 * 2**20):
            pass


def _row(size: int, kind: str, mb: float, res: dict, load: str) -> str:
    """One markdown row; a method not run shows as a dash."""
    ours, bare, pandas, base = (res.get(k) for k in ("workbench", "duckdb-bare", "pandas", "baseline"))
    tables = res.get("duckdb-tables")

    def ratio(a: dict | None, b: dict | None, key: str = "seconds") -> str:
        return f"{a[key] / b[key]:.2f}x" if a and b else "-"

    def pair(r: dict | None) -> str:
        return f"{r['seconds']:.1f} / {r['peak_mb']:,.0f}" if r else "-"

    n = (ours or bare or pandas or base)["spans"]
    cells = [
        f"{n:,}" if kind == "demo" else f"{size:,}",
        kind,
        f"{mb:,.0f}",
        f"{ours['seconds']:.1f}" if ours else "-",
        f"{ours['spans'] / ours['seconds']:,.0f}" if ours else "-",
        f"{ours['peak_mb']:,.0f}" if ours else "-",
        f"{ours['cpu']:.1f}" if ours else "-",
        pair(bare),
        f"{bare['cpu']:.1f}" if bare else "-",
        f"{pandas['seconds']:.1f}" if pandas else "-",
        pair(base),
        f"{base['cpu']:.1f}" if base else "-",
        ratio(bare, ours),
        ratio(bare, ours, "cpu"),
        ratio(ours, bare, "peak_mb"),
        ratio(pandas, ours),
        ratio(base, ours),
        pair(tables),
        f"{tables['cpu']:.1f}" if tables else "-",
        ratio(tables, ours),
        ratio(tables, ours, "cpu"),
        ratio(ours, tables, "peak_mb"),
        load,
    ]
    return "| " + " | ".join(cells) + " |"


if __name__ == "__main__":
    main()

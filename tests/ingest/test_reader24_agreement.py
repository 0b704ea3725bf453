"""One rule set, two readers: the SQL fast paths (OTLP and native JSONL) and the Python reader store the same
rows for every framework and format fixture the test suite writes, for the real sample logs, and across the
64 KB line where the default (``fast=None``) switches reader (``_jsonio.SQL_MIN_BYTES``). A rule one reader has
and the other lacks would make a user's small test file and their production file give different stores.

Compared: every table of the store, every column, but
- ``created_at`` (the time of the call);
- ``quarantine.raw`` / ``raw_bytes`` / ``raw_sha256`` only where both readers kept the text: a span the SQL path
  staged carries no raw text (its file and line locate it), so one the merge then quarantines (a duplicate, a
  conflict) has none from the SQL path and its text from the Python reader (README, "Many small files").
JSON columns are compared as parsed values (both readers write compact JSON, in key order of their own).

The files the framework and format tests write are compared as each of those tests ends, by
tests/ingest/conftest.py (the comparison itself: tests/ingest/_reader_agreement.py); this module compares the
checked-in fixtures, the SDKs' own encodings, the real samples and the 64 KB line.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from _deep import deep
from _otel_fixtures import collector_style, multi_agent_spans, otlp_request, write_jsonl
from _reader_agreement import (
    _TWO_READERS,
    WRITERS,
    _as_read_alone,
    _joined,
    _runs_across_units,
    _two_reader_files,
    assert_same,
    assert_same_each,
    differences,
    independent_batches,
    readers,  # noqa: F401  (other modules import it from here)
    store,
)

from workbench.ingest import _jsonio

FIXTURES = Path(__file__).parent / "fixtures"
# (beside the project, as in the other sample tests; a worktree one level deeper finds it one level up)
SAMPLES = next(
    (
        p / "shared" / "samples"
        for p in Path(__file__).resolve().parents[3:5]
        if (p / "shared" / "samples").is_dir()
    ),
    None,
)

# ---------------------------------------------------------------------------------------------------------------
# Real-run fixtures checked in under fixtures/, and the encodings of the OTel SDK and Collector.


def test_the_modules_whose_files_both_readers_read_are_there() -> None:
    """The files of WRITERS' tests are compared where those tests run (tests/ingest/conftest.py): a module renamed
    or a test no longer writing in its ``tmp_path`` would drop out of the comparison without a failure."""
    import importlib
    import inspect

    from _pytest.fixtures import FixtureFunctionDefinition

    for name in WRITERS:
        module = importlib.import_module(name)
        fns = [
            f._get_wrapped_function() if isinstance(f, FixtureFunctionDefinition) else f
            for n, f in vars(module).items()
            if isinstance(f, FixtureFunctionDefinition) or (n.startswith("test_") and inspect.isfunction(f))
        ]
        assert any("tmp_path" in inspect.signature(f).parameters for f in fns), (
            f"{name}: writes in no tmp_path"
        )


def test_checked_in_fixtures_read_the_same_by_both_readers() -> None:
    # (~100 files in a few calls a reader, not two calls a file: assert_same_each; a difference names the file)
    files = _two_reader_files(FIXTURES)
    assert len(files) > 90
    for batch in independent_batches([[p] for p in files]):
        tables = assert_same_each([[files[n]] for n in batch])
        assert tables["runs"] or tables["quarantine"]


def test_files_naming_a_trace_in_common_are_never_read_in_one_batch(tmp_path: Path) -> None:
    # (what keeps assert_same_each's one call the union of each file's own: a trace continued, linked or logged in
    # another file would join them; a file naming no id found is read alone)
    doc = otlp_request(multi_agent_spans())
    a, b = write_jsonl(tmp_path / "a.jsonl", [doc]), write_jsonl(tmp_path / "b.jsonl", [collector_style(doc)])
    native = write_jsonl(tmp_path / "c.jsonl", _native_records(1))
    nameless = tmp_path / "d.jsonl"
    nameless.write_text('{"resourceSpans": []}\n', encoding="utf-8")
    assert independent_batches([[a], [b], [native], [nameless], [a, native]]) == [[0, 2], [1], [3], [4]]
    runs = {
        "steps": [{"run_id": "r1", "file": str(a)}, {"run_id": "r2", "file": str(b)}],
        "quarantine": [{"run_id": "r1", "file": str(b)}, {"run_id": None, "file": str(a)}],
    }
    assert _runs_across_units(runs, [[a], [b]]) == {"r1": [0, 1]} and not _runs_across_units(runs, [[a, b]])
    # The one-file units of a format are read as one file of their lines (_joined), each row then given the file
    # and line it came from; a unit of several files, or the one unit of its format, is read as it is.
    (tmp_path / "j").mkdir()
    files, starts = _joined([[a], [b], [native], [nameless], [a, native]], tmp_path / "j")
    assert files[1:] == [a, native, native] and [p for _, p in starts[str(files[0])]] == [a, b, nameless]
    assert files[0].read_bytes() == a.read_bytes() + b.read_bytes() + nameless.read_bytes()
    at = a.read_bytes().count(b"\n") + 1
    rows = {"steps": [{"file": str(files[0]), "line": at, "order_hint": (at << 24) + 2}], "quarantine": []}
    assert _as_read_alone(rows, starts)["steps"] == [
        {"file": str(b.resolve()), "line": 1, "order_hint": (1 << 24) + 2}
    ]


def test_the_sdks_own_encodings_read_the_same_by_both_readers(tmp_path: Path) -> None:
    doc = otlp_request(multi_agent_spans())
    for name, d in (
        ("sdk", doc),
        ("collector", collector_style(doc)),
        ("snake", otlp_request(multi_agent_spans(), True)),
    ):
        assert_same(write_jsonl(tmp_path / f"{name}.jsonl", [d]))


# ---------------------------------------------------------------------------------------------------------------
# The boundary itself: the default reader (fast=None) changes at SQL_MIN_BYTES of file.

T0 = 1_767_225_600_000_000_000


def _kv(key: str, value: Any) -> dict:
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    return {"key": key, "value": {"stringValue": value}}


def _otlp_trace(t: int) -> dict:
    """A small multi-agent trace: an agent, its model call and a tool call that fails with an exception."""
    tid, base = f"{t + 1:032x}", T0 + t * 10**10

    def span(i: int, parent: int | None, name: str, attrs: dict, error: str | None = None) -> dict:
        s = {
            "traceId": tid,
            "spanId": f"{t * 16 + i + 1:016x}",
            "parentSpanId": f"{t * 16 + parent + 1:016x}" if parent is not None else "",
            "name": name,
            "kind": 1,
            "startTimeUnixNano": str(base + i * 10**8),
            "endTimeUnixNano": str(base + i * 10**8 + 5 * 10**7),
            "attributes": [_kv(k, v) for k, v in attrs.items()],
            "status": {"code": 2, "message": error} if error else {"code": 1},
        }
        if error:
            s["events"] = [
                {
                    "name": "exception",
                    "timeUnixNano": str(base + i * 10**8 + 10**7),
                    "attributes": [_kv("exception.type", "TimeoutError"), _kv("exception.message", error)],
                }
            ]
        return s

    spans = [
        span(
            0,
            None,
            "invoke_agent planner",
            {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner"},
        ),
        span(
            1,
            0,
            "chat gpt-4o",
            {
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.usage.input_tokens": 120 + t,
                "gen_ai.usage.output_tokens": 30,
                "gen_ai.output.messages": json.dumps(
                    [{"role": "assistant", "parts": [{"type": "text", "content": f"look up order {t}"}]}]
                ),
            },
        ),
        span(
            2,
            0,
            "execute_tool lookup",
            {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "lookup",
                "gen_ai.tool.call.arguments": json.dumps({"order": t}),
            },
            error="lookup timed out" if t % 3 == 0 else None,
        ),
    ]
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [_kv("service.name", "shop")]},
                "scopeSpans": [
                    {"scope": {"name": "opentelemetry.instrumentation.openai_v2"}, "spans": spans}
                ],
            }
        ]
    }


def _native_records(t: int) -> list[dict]:
    run = f"run-{t}"
    return [
        {"record": "run", "run_id": run, "system": "shop", "task": f"order {t}"},
        {
            "record": "step",
            "run_id": run,
            "step_id": "s1",
            "seq": 1,
            "agent": "planner",
            "kind": "llm",
            "input": {"q": f"order {t}"},
            "output": "look it up",
            "started_at": "2025-10-01T10:00:00Z",
            "ended_at": "2025-10-01T10:00:01.5Z",
            "tokens_in": 10,
            "tokens_out": 3,
        },
        {
            "record": "step",
            "run_id": run,
            "step_id": "s2",
            "seq": 2,
            "parent_id": "s1",
            "agent": "worker",
            "kind": "tool",
            "tool": "lookup",
            "status": "error" if t % 3 == 0 else "ok",
            "error": "timed out" if t % 3 == 0 else None,
            "attributes": {"try": t},
        },
        {"record": "edge", "run_id": run, "src_step": "s1", "dst_step": "s2", "kind": "handoff"},
    ]


def _lines(fmt: str, n: int) -> list[str]:
    if fmt == "otlp":
        return [json.dumps(_otlp_trace(t), separators=(",", ":")) for t in range(n)]
    return [json.dumps(r, separators=(",", ":")) for t in range(n) for r in _native_records(t)]


def _padded(path: Path, lines: list[str], size: int) -> Path:
    """``lines`` written to exactly ``size`` bytes, the difference as blanks after the records (JSON
    whitespace: the same records)."""
    pad = size - len(("\n".join(lines) + "\n").encode())
    assert pad >= 0
    each, rest = divmod(pad, len(lines))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join(line + " " * (each + (i < rest)) + "\n" for i, line in enumerate(lines)), encoding="utf-8"
    )
    assert path.stat().st_size == size
    return path


def _by_name(tables: dict[str, Any]) -> dict[str, Any]:
    """The store with each row's file given by its name (the same file written to two folders)."""
    for rows in tables.values():
        if isinstance(rows, list):
            for row in rows:
                if row.get("file"):
                    row["file"] = Path(row["file"]).name
    return tables


def _fitting(fmt: str, limit: int) -> list[str]:
    n = 1
    while len("\n".join(_lines(fmt, n + 1)).encode()) + 1 < limit:
        n += 1
    return _lines(fmt, n)


@pytest.mark.parametrize("fmt", _TWO_READERS)
def test_a_file_just_under_and_just_over_the_line_gives_the_same_store(tmp_path: Path, fmt: str) -> None:
    lines = _fitting(fmt, _jsonio.SQL_MIN_BYTES - 1)
    under = _padded(tmp_path / "under" / f"t.{fmt}.jsonl", lines, _jsonio.SQL_MIN_BYTES - 1)
    over = _padded(tmp_path / "over" / f"t.{fmt}.jsonl", lines, _jsonio.SQL_MIN_BYTES)
    assert not _jsonio.sql_path(None, under) and _jsonio.sql_path(None, over)
    small, large = _by_name(store(under, None)), _by_name(store(over, None))
    assert not differences(small, large), "\n".join(differences(small, large))
    assert small["report"][1] == len(small["steps"]) > 100 and small["edges"]
    assert any(s["status"] == "error" for s in small["steps"])
    # and each equals what the other reader makes of the same file
    assert not differences(large, _by_name(store(over, False)))
    assert not differences(small, _by_name(store(under, True)))


@pytest.mark.parametrize("fmt", _TWO_READERS)
def test_a_gzip_file_gives_the_store_its_text_gives(tmp_path: Path, fmt: str) -> None:
    # (compressed it is under the line, whatever its text's size: the size read is the file's. A text a quarter
    # over the line shows it as well as three times over did, in a third of the rows read four times below)
    text = tmp_path / "plain" / f"t.{fmt}.jsonl"
    over = _jsonio.SQL_MIN_BYTES + _jsonio.SQL_MIN_BYTES // 4
    _padded(text, _fitting(fmt, over), over)
    packed = tmp_path / "gz" / f"t.{fmt}.jsonl"
    packed.parent.mkdir()
    packed.write_bytes(gzip.compress(text.read_bytes()))
    assert not _jsonio.sql_path(None, packed) and _jsonio.sql_path(None, text)
    want = _by_name(store(text, None))
    # (the default reads it as fast=False does, the Python reader: sql_path above; fast=None as well with
    # WORKBENCH_DEEP_TESTS=1, the same read again)
    for fast in (None, True, False) if deep() else (True, False):
        got = _by_name(store(packed, fast))
        assert not differences(want, got), (fast, differences(want, got))


def test_a_folder_of_small_and_large_files_in_one_call(tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    otlp, native = _lines("otlp", 400), _lines("native", 600)
    # small and large files of each format, a trace of one file continued in another (its second copy)
    _padded(folder / "a-small.otlp.jsonl", otlp[:20], len("\n".join(otlp[:20]).encode()) + 1)
    _padded(folder / "b-large.otlp.jsonl", otlp[10:], len("\n".join(otlp[10:]).encode()) + 1)
    _padded(folder / "c-small.jsonl", native[:40], len("\n".join(native[:40]).encode()) + 1)
    _padded(folder / "d-large.jsonl", native[30:], len("\n".join(native[30:]).encode()) + 1)
    sizes = {p.name: _jsonio.sql_path(None, p) for p in folder.iterdir()}
    assert sizes == {
        "a-small.otlp.jsonl": False,
        "b-large.otlp.jsonl": True,
        "c-small.jsonl": False,
        "d-large.jsonl": True,
    }
    default, sql, python = store(folder, None), store(folder, True), store(folder, False)
    assert not differences(default, python), "\n".join(differences(default, python))
    assert not differences(sql, python), "\n".join(differences(sql, python))
    assert len(default["steps"]) > 1000 and default["quarantine"] == []


# ---------------------------------------------------------------------------------------------------------------
# The real sample logs (skipped where ../shared/samples is absent). Those in a format with one reader are read
# as they are with both settings; the real attribute maps (the Langfuse exports' OTel attributes and scopes, the
# OpenInference / GenAI samples) are also written as the OTLP JSONL spans they were, which the SQL path reads.


@pytest.mark.skipif(SAMPLES is None, reason="the shared samples are not beside the project")
def test_the_real_samples_in_a_format_of_two_readers_read_the_same_by_both() -> None:
    # (the samples in formats of one reader, Who&When and Langfuse, read the same with either setting by design)
    files = _two_reader_files(SAMPLES)
    if not files:
        pytest.skip("no sample is OTLP or native JSONL (their attribute maps are read as OTLP below)")
    for path in files:
        assert_same(path)


def _langfuse_as_otlp(path: Path) -> list[str]:
    """A Langfuse export's observations as the OTLP spans their SDK sent (their attributes, scope and resource
    as the export kept them in ``metadata``), one trace a line."""
    data = json.loads(path.read_text(encoding="utf-8"))
    spans, scope, resource = [], "unknown", {}
    for o in data["observations"]:
        meta = o.get("metadata") or {}
        meta = json.loads(meta) if isinstance(meta, str) else meta
        attrs = meta.get("attributes") or {}
        scope = (meta.get("scope") or {}).get("name", scope)
        resource = meta.get("resourceAttributes") or resource
        ns = [_iso_ns(o["startTime"]), _iso_ns(o.get("endTime") or o["startTime"])]
        spans.append(
            {
                "traceId": o["traceId"],
                "spanId": o["id"],
                "parentSpanId": o.get("parentObservationId") or "",
                "name": o["name"],
                "kind": 1,
                "startTimeUnixNano": str(ns[0]),
                "endTimeUnixNano": str(ns[1]),
                "attributes": [_any_kv(k, v) for k, v in attrs.items()],
                "status": {"code": 2, "message": o.get("statusMessage") or ""}
                if o.get("level") == "ERROR"
                else {},
            }
        )
    doc = {
        "resourceSpans": [
            {
                "resource": {"attributes": [_any_kv(k, v) for k, v in resource.items()]},
                "scopeSpans": [{"scope": {"name": scope}, "spans": spans}],
            }
        ]
    }
    return [json.dumps(doc)]


def _iso_ns(text: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 10**6) * 1000


def _any_value(v: Any) -> dict:
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}
    if isinstance(v, float):
        return {"doubleValue": v}
    if isinstance(v, list):
        return {"arrayValue": {"values": [_any_value(x) for x in v]}}
    return {"stringValue": v if isinstance(v, str) else json.dumps(v)}


def _any_kv(key: str, value: Any) -> dict:
    return {"key": key, "value": _any_value(value)}


@pytest.mark.skipif(SAMPLES is None, reason="the shared samples are not beside the project")
def test_the_real_attribute_maps_as_otlp_read_the_same_by_both_readers(tmp_path: Path) -> None:
    langfuse = sorted((SAMPLES / "langfuse").glob("*.trace.json"))
    assert langfuse
    outs = []
    for path in langfuse:
        outs.append(tmp_path / f"{path.stem}.otlp.jsonl")
        outs[-1].write_text("\n".join(_langfuse_as_otlp(path)) + "\n", encoding="utf-8")
    # (one trace a file, each its own: read in one call a reader, batches naming no trace id in common)
    for batch in independent_batches([[p] for p in outs]):
        tables = assert_same_each([[outs[n]] for n in batch])
        assert {s["file"] for s in tables["steps"]} == {str(outs[n]) for n in batch}
    maps = sorted((SAMPLES / "openinference-genai").glob("*.json"))
    spans = []
    for n, path in enumerate(maps):
        attrs = json.loads(path.read_text(encoding="utf-8"))
        spans.append(
            {
                "traceId": "ef" * 16,
                "spanId": f"{n + 1:016x}",
                "name": path.stem,
                "kind": 3,
                "startTimeUnixNano": str(T0 + n),
                "endTimeUnixNano": str(T0 + n + 10),
                "attributes": [_any_kv(k, v) for k, v in attrs.items()],
                "status": {},
            }
        )
    out = write_jsonl(
        tmp_path / "genai.otlp.jsonl",
        [
            {
                "resourceSpans": [
                    {"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": "x"}, "spans": spans}]}
                ]
            }
        ],
    )
    assert len(assert_same(out)["steps"]) == len(maps)


# ---------------------------------------------------------------------------------------------------------------
# Rules the SQL path read otherwise than the Python reader (found by the comparison above; mended in _otlp_sql).


def _one_span_store(tmp_path: Path, scope: str, name: str, attrs: dict[str, Any]) -> dict[str, Any]:
    span = {
        "traceId": "ab" * 16,
        "spanId": "00000000000000a1",
        "parentSpanId": "",
        "name": name,
        "kind": 1,
        "startTimeUnixNano": str(T0),
        "endTimeUnixNano": str(T0 + 500),
        "attributes": [_kv(k, v) for k, v in attrs.items()],
        "status": {},
    }
    path = write_jsonl(
        tmp_path / "one.otlp.jsonl",
        [
            {
                "resourceSpans": [
                    {
                        "resource": {"attributes": [_kv("service.name", "svc")]},
                        "scopeSpans": [{"scope": {"name": scope}, "spans": [span]}],
                    }
                ]
            }
        ],
    )
    return assert_same(path)["steps"][0]


def test_a_tool_span_named_with_the_prefix_and_the_call_suffix_names_its_tool_alike(tmp_path: Path) -> None:
    # "execute_tool <tool>" and DSPy's "<tool>.__call__" both: the SQL path cut the prefix only
    step = _one_span_store(
        tmp_path, "lib", "execute_tool get_rate.__call__", {"gen_ai.operation.name": "execute_tool"}
    )
    assert (step["kind"], step["tool"]) == ("tool", "get_rate")


def test_an_agno_run_span_declaring_its_span_name_as_agent_names_the_agent_alike(tmp_path: Path) -> None:
    # Agno's <name>.run names agent <name> (README, Input formats); the SQL path kept a declared "<name>.run"
    step = _one_span_store(
        tmp_path,
        "openinference.instrumentation.agno",
        "researcher.run",
        {"openinference.span.kind": "AGENT", "agent.name": "researcher.run"},
    )
    assert (step["kind"], step["agent"]) == ("agent", "researcher")


def test_native_lines_only_duckdb_reads_are_read_alike(tmp_path: Path) -> None:
    lines = _lines("native", 3) + [
        '{"record": "step", "run_id": "run-0", "step_id": "s9", "seq": 9, "kind": "llm",}'
    ]
    assert_same(_padded(tmp_path / "lenient.jsonl", lines, 4096))

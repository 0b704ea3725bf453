"""Seed files of all six formats, mutations of them, and the checks every ingest of a mutant must pass.

Shared by ``test_fuzz.py`` (Hypothesis, bounded examples) and ``bench/fuzz_ingest.py`` (a larger campaign).
"""

from __future__ import annotations

import copy
import gzip
import json
import sys
from pathlib import Path
from typing import Any

import workbench as wb

T0 = 1_767_225_600_000_000_000
_ISO = "2026-01-01T00:00:0{}Z"


def _otlp_attr(key: str, value: Any) -> dict:
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    return {"key": key, "value": {"stringValue": value}}


def seeds() -> dict[str, tuple[list[Any], bool]]:
    """Per format: (records, is_jsonl). A JSONL seed is one record per line; else one document."""
    native = [
        {"record": "run", "run_id": "r1", "system": "fz", "task": "t", "outcome": "failure"},
        {
            "run_id": "r1",
            "step_id": "a",
            "agent": "planner",
            "kind": "agent",
            "started_at": T0,
            "ended_at": T0 + 900,
            "status": "ok",
        },
        {
            "run_id": "r1",
            "step_id": "b",
            "parent_id": "a",
            "kind": "llm",
            "model": "m",
            "started_at": T0 + 1,
            "ended_at": T0 + 500,
            "input": "q",
            "output": {"x": [1, 2]},
            "tokens_in": 3,
            "tokens_out": 4,
            "logprobs": [{"token": "4", "logprob": -0.1, "top_logprobs": [{"token": "4", "logprob": -0.1}]}],
            "attributes": {"k": "v"},
        },
        {
            "run_id": "r1",
            "step_id": "c",
            "parent_id": "a",
            "kind": "tool",
            "tool": "db",
            "started_at": _ISO.format(1),
            "ended_at": _ISO.format(2),
            "status": "error",
            "error": "boom",
        },
        {"record": "edge", "run_id": "r1", "src_step": "b", "dst_step": "c", "kind": "consumes"},
        {"record": "label", "run_id": "r1", "agent": "planner", "step_id": "b", "kind": "hallucination"},
    ]
    tid = "0af7651916cd43dd8448eb211c80319c"
    spans = [
        {
            "traceId": tid,
            "spanId": f"{i + 1:016x}",
            "parentSpanId": "" if i == 0 else f"{1:016x}",
            "name": n,
            "startTimeUnixNano": str(T0 + i),
            "endTimeUnixNano": str(T0 + 100 + i),
            "status": {"code": 2 if i == 2 else 1},
            "attributes": [
                _otlp_attr("gen_ai.operation.name", op),
                _otlp_attr("gen_ai.agent.name", "planner"),
                _otlp_attr("gen_ai.usage.input_tokens", 7),
            ],
            "events": [{"name": "e", "attributes": [_otlp_attr("k", "v")]}],
        }
        for i, (n, op) in enumerate(
            [("invoke_agent planner", "invoke_agent"), ("chat m", "chat"), ("execute_tool t", "execute_tool")]
        )
    ]
    otlp = [
        {
            "resourceSpans": [
                {
                    "resource": {"attributes": [_otlp_attr("service.name", "svc")]},
                    "scopeSpans": [{"scope": {"name": "fz"}, "spans": spans}],
                }
            ]
        }
    ]
    oi = [
        {
            "name": n,
            "span_kind": k,
            "parent_id": None if i == 0 else "s0",
            "context.trace_id": "t1",
            "context.span_id": f"s{i}",
            "start_time": _ISO.format(i),
            "end_time": _ISO.format(i + 1),
            "status_code": "OK",
            "status_message": "",
            "events": [],
            "attributes.input.value": "in",
            "attributes.output.value": "out",
            "attributes.llm.token_count.prompt": 5 if k == "LLM" else None,
        }
        for i, (n, k) in enumerate([("agent", "AGENT"), ("llm", "LLM"), ("tool", "TOOL")])
    ]
    tree = [
        {
            "trace_id": "t1",
            "spans": [
                {
                    "span_id": "s0",
                    "parent_span_id": None,
                    "span_name": "agent",
                    "span_kind": "AGENT",
                    "scope_name": "fz",
                    "span_attributes": {"openinference.span.kind": "AGENT", "input.value": "go"},
                    "duration": "PT2S",
                    "timestamp": _ISO.format(0),
                    "status_code": "OK",
                    "events": [],
                    "child_spans": [
                        {
                            "span_id": "s1",
                            "span_name": "llm",
                            "span_kind": "LLM",
                            "duration": "PT1.5S",
                            "span_attributes": {
                                "openinference.span.kind": "LLM",
                                "llm.token_count.prompt": 3,
                            },
                            "timestamp": _ISO.format(0),
                            "status_code": "ERROR",
                            "status_message": "bad",
                            "child_spans": [],
                        }
                    ],
                }
            ],
        }
    ]
    langfuse = [
        {
            "trace": {"id": "t1", "projectId": "p", "name": "fz", "input": {"q": 1}, "scores": []},
            "observations": [
                {
                    "id": f"o{i}",
                    "traceId": "t1",
                    "projectId": "p",
                    "type": ty,
                    "name": n,
                    "parentObservationId": None if i == 0 else "o0",
                    "startTime": _ISO.format(i),
                    "endTime": _ISO.format(i + 1),
                    "level": "ERROR" if i == 2 else "DEFAULT",
                    "input": {"m": "hi"},
                    "output": "ok",
                    "model": "m" if ty == "GENERATION" else None,
                    "usageDetails": {"input": 3, "output": 4} if ty == "GENERATION" else {},
                    "metadata": {"scope": {"name": "fz"}, "attributes": {"gen_ai.agent.name": "planner"}},
                }
                for i, (ty, n) in enumerate([("AGENT", "planner"), ("GENERATION", "chat"), ("TOOL", "db")])
            ],
        }
    ]
    whowhen = [
        [
            {
                "question": "q",
                "question_ID": f"q{j}",
                "ground_truth": "1",
                "is_correct": False,
                "history": [
                    {"content": "plan", "name": "Planner", "role": "assistant"},
                    {
                        "content": "exitcode: 1 (execution failed)",
                        "name": "Computer_terminal",
                        "role": "user",
                    },
                    {"content": "answer 2", "name": "Checker", "role": "user"},
                ],
                "mistake_agent": "Checker",
                "mistake_step": "2",
                "mistake_reason": "guessed",
            }
            for j in range(2)
        ]
    ]
    return {
        "native": (native, True),
        "otlp": (otlp, True),
        "openinference": (oi, True),
        "span-tree": (tree, False),
        "langfuse": (langfuse, False),
        "whowhen": (whowhen, False),
    }


FORMATS = sorted(seeds())


def _slots(value: Any, max_depth: int = 12) -> list[tuple[Any, Any]]:
    """Every (container, key or index) in a JSON value down to ``max_depth``, depth first, no recursion."""
    out: list[tuple[Any, Any]] = []
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth >= max_depth:
            continue
        keys = list(item) if isinstance(item, dict) else range(len(item)) if isinstance(item, list) else ()
        for key in reversed(keys):
            out.append((item, key))
            stack.append((item[key], depth + 1))
    return out


def mutate(records: list[Any], edits: list[tuple[int, str, Any]]) -> list[Any]:
    """Apply ``(position, action, value)`` edits: set a slot to ``value``, drop it, or repeat it."""
    recs = copy.deepcopy(records)  # the seeds are shallow; edits only add values, never copy them deeply
    for pos, action, value in edits:
        slots = _slots(recs)
        if not slots:
            break
        container, key = slots[pos % len(slots)]
        if action == "set":
            container[key] = value
        elif action == "drop":
            if isinstance(container, dict):
                del container[key]
            elif len(container) > 1:
                container.pop(key)
        elif action == "copy" and isinstance(container, list):
            container.append(container[key])
    return recs


def to_bytes(records: list[Any], jsonl: bool) -> bytes:
    """The file text: JSONL or one document (the stdlib encoder, which writes anything JSON can hold)."""

    def dump(v: Any) -> str:
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 5000))  # mutants may nest ~1,100 deep: the writer must not give up
        try:
            return json.dumps(v, default=str, allow_nan=True)
        finally:
            sys.setrecursionlimit(limit)

    if jsonl:
        return ("\n".join(dump(r) for r in records) + "\n").encode("utf-8", "surrogatepass")
    return dump(records[0]).encode("utf-8", "surrogatepass")


def edit_bytes(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """Cut ``n`` bytes at a position and insert others, for each edit."""
    buf = bytearray(data)
    for pos, cut, insert in edits:
        at = pos % (len(buf) + 1)
        buf[at : at + cut] = insert
    return bytes(buf)


def check_file(path: Path, fmt: str) -> dict[str, int]:
    """Ingest ``path`` twice into a fresh store; assert the invariants; return the counts.

    Raises AssertionError when an invariant breaks; any other exception escaping ``ingest`` is a bug.
    """
    ws = wb.open()
    report = ws.ingest(path, format=fmt, progress=False)
    assert report.read == report.stored + report.quarantined, report
    assert ws.count("quarantine") == report.quarantined, (ws.count("quarantine"), report)
    # (stored counts a step given twice with the same content twice, as two calls would; it is added once)
    assert ws.count("steps") == report.added <= report.stored, report
    again = ws.ingest(path, format=fmt, progress=False)
    assert again.added == 0, again
    assert (again.read, again.stored, again.quarantined) == (
        report.read,
        report.stored,
        report.quarantined,
    ), again
    assert ws.count("quarantine") == report.quarantined and ws.count("steps") == report.added
    temp = ws.sql("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchall()[0][0]
    assert temp == 0, f"{temp} temporary tables left"
    ws.close()
    return {"read": report.read, "stored": report.stored, "quarantined": report.quarantined}


def write(path: Path, data: bytes, gz: bool) -> Path:
    """Write ``data`` to ``path`` (gzipped with a .gz suffix when ``gz``)."""
    if gz:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path

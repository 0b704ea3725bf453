"""The SQL path of the native adapter stages exactly what the Python path stages, odd lines included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from _deep import deep
from _otel_fixtures import counts_reconcile, rows, run_adapter

import workbench as wb
from workbench.ingest import native
from workbench.ingest._base import MAX_FIELD_BYTES
from workbench.ingest.native import NativeJsonl

T0 = 1_767_225_600_000_000_000
LOGPROBS = [
    {
        "token": "4",
        "logprob": -0.25,
        "top_logprobs": [{"token": "4", "logprob": -0.25}, {"token": "5", "logprob": -1.75}],
    },
    {
        "token": "2",
        "logprob": -0.01,
        "top_logprobs": [{"token": "2", "logprob": -0.01}, "junk", {"token": "3", "logprob": "x"}],
    },
    {"token": "!", "logprob": True},
    7,
    {"token": "?", "logprob": -0.5, "top_logprobs": "x"},
    {"token": "-", "logprob": -0.5, "top_logprobs": {"logprob": -1}},
]
# Only numbers (typed in one parse), and a number in quotes among them (typed value by value: not a number)
CLEAN_LOGPROBS = [
    {
        "token": "a",
        "logprob": -0.5,
        "top_logprobs": [{"token": "a", "logprob": -0.5}, {"token": "b", "logprob": -1.5e-05}],
    },
    {"token": "c", "logprob": 0, "top_logprobs": [{"logprob": 12345678901234567890123}, {"logprob": -3}]},
    {"token": "d", "logprob": 0.25, "top_logprobs": []},
    {"token": "e", "logprob": None},
]
QUOTED_LOGPROBS = [
    {"token": "a", "logprob": "-0.5", "top_logprobs": [{"logprob": -0.1}, {"logprob": "-0.2"}]},
    {"token": "b", "logprob": -0.75, "top_logprobs": [{"logprob": -0.75}, {"logprob": False}]},
]


def step(n: int, **over: Any) -> dict:
    rec = {
        "record": "step",
        "run_id": "r1",
        "step_id": f"s{n}",
        "parent_id": "s0" if n else None,
        "agent": "planner",
        "kind": "llm",
        "name": f"step {n}",
        "started_at": T0 + n * 1000,
        "ended_at": T0 + n * 1000 + 500,
        "status": "ok",
        "input": {"q": n, "x": 1.5e-05},
        "output": f"out {n}",
    }
    rec.update(over)
    return rec


def good_lines() -> list[str]:
    out = [
        json.dumps(
            {
                "record": "run",
                "run_id": "r1",
                "system": "sys",
                "task": "t",
                "outcome": "failure",
                "outcome_detail": "od",
                "attributes": {"seed": 7, "nested": {"a": [1, 2.0, None, True]}},
            }
        )
    ]
    out.append(json.dumps(step(0, kind="agent", agent="orchestrator", parent_id=None, seq=0)))
    out.append(
        json.dumps(
            step(
                1,
                started_at="2026-01-01T00:00:01.123456789Z",
                ended_at="2026-01-01T01:00:02+01:00",
                logprobs=LOGPROBS,
                tokens_in=12,
                tokens_out=3,
                cost=0.25,
                latency_ms=12.5,
            )
        )
    )
    out.append(
        json.dumps(
            step(
                2,
                status="ERROR",
                error="boom",
                tool="db",
                kind="tool",
                confidence=0.5,
                logprobs=LOGPROBS,
                attributes={"k": "v"},
                output=["a", {"b": "é\u2028"}],
            )
        )
    )
    out.append(
        json.dumps(step(3, status="Success", kind=None, started_at="1767225600000003000", attributes={}))
    )
    out.append(json.dumps(step(4, started_at="", ended_at=None, model="m", input='{"q": 1}', seq=9)))
    # a step without a "record" key is a step; ensure_ascii escapes and surrogate pairs read the same
    out.append(json.dumps({"run_id": "r1", "step_id": "s5", "name": "naïve 😀", "kind": "handoff"}))
    out.append(
        json.dumps({"record": "edge", "run_id": "r1", "src_step": "s1", "dst_step": "s2", "kind": "consumes"})
    )
    out.append(
        json.dumps(
            {
                "record": "label",
                "run_id": "r1",
                "agent": "planner",
                "step_id": "s1",
                "kind": "hallucination",
                "source": "",
                "outcome": "failure",
                "detail": "d",
            }
        )
    )
    out.append(json.dumps({"record": "label", "run_id": "r1", "kind": None}))
    out.append(
        json.dumps(
            step(
                6,
                seq=10,
                logprobs=CLEAN_LOGPROBS,
                started_at="2026-01-01T00:00:03.5",
                ended_at="2026-01-01T05:30:04.25+05:30",
            )
        )
    )
    out.append(
        json.dumps(
            step(
                7,
                seq=11,
                logprobs=QUOTED_LOGPROBS,
                started_at="2026-01-01T00:00:04-00:30",
                ended_at="2026-01-01T00:00:05-00:30",
            )
        )
    )
    # as OpenAI's responses hold them: the list under "content"
    out.append(json.dumps(step(8, seq=12, logprobs={"content": CLEAN_LOGPROBS, "refusal": None})))
    # the largest integer in 64 bits and the smallest count (a count below zero is quarantined), and tokens
    # that look like exponents (no number is past a double here)
    out.append(
        json.dumps(
            step(
                9,
                seq=13,
                tokens_in=2**63 - 1,
                tokens_out=0,
                logprobs=[
                    {
                        "token": "e123",
                        "logprob": -0.5,
                        "top_logprobs": [
                            {"token": "E+100", "logprob": -0.5},
                            {"token": "9e999", "logprob": -2},
                        ],
                    }
                ],
            )
        )
    )
    return out


def odd_lines() -> list[str]:
    """Lines the SQL path must hand to Python: each is read (or quarantined) there."""
    deep: Any = "x"
    for _ in range(120):
        deep = [deep]
    return [
        "not json",
        "[1, 2]",
        '"text"',
        "{}",
        '{"run_id": "r1", "step_id": "t1", "kind": "llm",}',
        '{"run_id": "r1", "step_id": "t2", "cost": NaN}',
        '{"run_id": "r1", "step_id": "t3", "cost": Infinity}',
        '{"run_id": "r1", "step_id": "t4", "run_id": "r2"}',  # a repeated key: orjson keeps the last
        '{"run_id": "r1", "step_id": "t5", "tokens_in": 12345678901234567890123}',
        '{"run_id": "r1", "step_id": "t6", "tokens_in": 1.0}',
        '{"run_id": "r1", "step_id": "t7", "tokens_in": 2.5}',
        '{"run_id": "r1", "step_id": "t8", "tokens_in": "12"}',
        '{"run_id": "r1", "step_id": "t9", "cost": "0.5"}',
        '{"run_id": "r1", "step_id": "t10", "cost": true}',
        '{"run_id": 5, "step_id": "t11"}',
        '{"run_id": "r1", "step_id": "t12", "agent": {"a": 1}}',
        '{"run_id": "r1", "step_id": "t13", "input": 5}',
        '{"run_id": "r1", "step_id": "t14", "input": true}',
        '{"run_id": "r1", "step_id": "t15", "attributes": "{}"}',
        '{"run_id": "r1", "step_id": "t16", "attributes": [1]}',
        '{"run_id": "r1", "step_id": "t17", "kind": "wizard"}',
        '{"run_id": "r1", "step_id": "t18", "status": "maybe"}',
        '{"run_id": "r1", "step_id": "t19", "confidence": 1.5}',
        '{"run_id": "r1", "step_id": "t20", "started_at": "2026-02-30T00:00:00Z"}',
        '{"run_id": "r1", "step_id": "t21", "started_at": "2026-01-01 00:00:00"}',
        '{"run_id": "r1", "step_id": "t22", "started_at": -5}',
        '{"run_id": "r1", "step_id": "t23", "started_at": 1.5e18}',
        '{"run_id": "r1", "step_id": "t24", "started_at": "1969-12-31T23:59:59Z"}',
        '{"run_id": "r1", "step_id": "t37", "started_at": "2026-01-01T00:00:00+24:00"}',
        '{"run_id": "r1", "step_id": "t25", "started_at": "3000-01-01T00:00:00Z"}',
        '{"run_id": "r1", "step_id": "t26", "ended_at": true}',
        '{"run_id": "", "step_id": "t27"}',
        '{"record": null, "run_id": "r1", "step_id": "t28"}',
        '{"record": "span", "run_id": "r1"}',
        '{"run_id": "r1", "step_id": "t29", "seq": null}',
        '{"run_id": "r1", "step_id": "t30", "logprobs": "[]"}',
        '{"run_id": "r1", "step_id": "t31", "logprobs": {"content": []}}',
        '{"run_id": "r1", "step_id": "t38", "seq": 38, "logprobs": {"content": "x"}}',
        '{"run_id": "r1", "step_id": "t39", "seq": 39, "logprobs": {"logprobs": {"content": [{"logprob": -1}]}}}',
        '{"run_id": "r1", "step_id": "t42", "seq": 42, "logprobs": {"content": [{"logprob": -1}], "content": [{"logprob": -2}]}}',
        '{"run_id": "r1", "step_id": "t32", "name": "a\\u0000b"}',
        '{"run_id": "r1", "step_id": "t33", "x": 1e999}',
        # a NUL character in a nested value, a word key and an unused key (the block path hands them back; the
        # whole-file read, which does not look for NUL, stores what Python stores)
        '{"run_id": "r1", "step_id": "t48", "seq": 48, "input": {"q": ["a\\u0000b"]}}',
        '{"run_id": "r1", "step_id": "t49", "seq": 49, "status": "ok\\u0000"}',
        '{"run_id": "r1", "step_id": "t50", "seq": 50, "attributes": {"k": 1}, "note": "\\u0000"}',
        # an integer just past 64 bits; a log-probability past a double, its exponent in capitals
        '{"run_id": "r1", "step_id": "t43", "seq": 43, "tokens_in": 9223372036854775808}',
        '{"run_id": "r1", "step_id": "t44", "seq": 44, "logprobs": [{"logprob": -0.5, "top_logprobs": [{"logprob": -1E+400}]}]}',
        '{"run_id": "r1", "step_id": "t34", "name": "\\ud800"}',
        # a kind in capitals beyond ASCII: DuckDB lowers the dotted I to "i", Python not (no kind, either path)
        '{"run_id": "r1", "step_id": "t45", "seq": 45, "kind": "RETR\\u0130EVER"}',
        '{"run_id": "r1", "step_id": "t46", "seq": 46, "kind": "TOOL_"}',
        json.dumps({"run_id": "r1", "step_id": "t35", "input": deep}),
        json.dumps({"run_id": "r1", "step_id": "t36", "output": "y" * (MAX_FIELD_BYTES // 4 + 10)}),
        '{"record": "run", "run_id": "r1", "outcome": "maybe"}',
        '{"record": "run", "run_id": "r1", "system": 3}',
        '{"record": "run", "run_id": "r1", "task": {"t": 1}}',
        '{"record": "edge", "run_id": "r1", "src_step": "s1"}',
        '{"record": "edge", "run_id": "r1", "src_step": "s1", "dst_step": "s2", "kind": "parent"}',
        '{"record": "label", "run_id": "r1", "agent": ["a"]}',
        '{"record": "label", "run_id": "r1", "outcome": "ok"}',
        '{"record": "label", "run_id": "r1", "source": 0}',
    ]


def _stage_both(path: Path) -> tuple[dict, dict]:
    out = []
    for fast in (True, False):
        con, stage = run_adapter(NativeJsonl(fast=fast), path)
        assert counts_reconcile(con, stage)
        out.append(
            {
                t: rows(con, f"stage_{t}", order)
                for t, order in (
                    ("steps", "line"),
                    ("runs", "line"),
                    ("edges", "ALL"),
                    ("labels", "ALL"),
                    ("quarantine", "line, reason"),
                )
            }
            | {"read": stage.read}
        )
    return out[0], out[1]


def test_sql_path_stages_what_the_python_path_stages(tmp_path: Path) -> None:
    path = tmp_path / "odd.jsonl"
    lines = good_lines() + odd_lines() + good_lines()[1:3]
    path.write_text("\n".join(lines) + "\n\n   \n", encoding="utf-8")
    # (the block path: the whole-file read takes files with such lines too now, and reads two of them more
    # leniently, as test_native_file.py checks)
    with mock.patch.object(native, "stage_native_file", return_value=False):
        fast, slow = _stage_both(path)
    assert fast["read"] == slow["read"]
    for key in ("runs", "edges", "labels", "quarantine"):
        assert fast[key] == slow[key], key
    # the SQL path keeps no raw text for the steps it stages (file and line locate them)
    assert [dict(r, raw=None) for r in fast["steps"]] == [dict(r, raw=None) for r in slow["steps"]]
    good = {r["step_id"] for r in fast["steps"]}
    assert {"s0", "s1", "s2", "s3", "s4", "s5", "t6", "t8", "t9", "t13", "t14", "t21", "t29", "t31"} <= good
    step1 = next(r for r in fast["steps"] if r["step_id"] == "s1")
    assert step1["start_ns"] == 1_767_225_601_123_456_789 and step1["end_ns"] == 1_767_225_602_000_000_000
    assert step1["confidence"] is not None and step1["entropy"] is not None
    assert fast["steps"][0]["input"] == '{"q":0,"x":0.000015}'  # an object's compact JSON, on both paths


@pytest.mark.parametrize("path_taken", ["whole file", "blocks", "python", "records"])
def test_a_kind_written_in_capitals_is_that_kind_stored_lower(tmp_path: Path, path_taken: str) -> None:
    # (a user's own logger writing "TOOL" or "Tool" means a tool call: quarantined, the run lost its tool steps)
    recs = [
        step(0, kind="AGENT", parent_id=None),
        step(1, kind="Tool", tool="db"),
        step(2, kind="LLM"),
        step(3, kind="HandOff"),
        {"record": "edge", "run_id": "r1", "src_step": "s1", "dst_step": "s2", "kind": "CONSUMES"},
    ]
    path = tmp_path / "kinds.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in recs) + "\n", encoding="utf-8")
    if path_taken == "records":
        ws = wb.open()
        assert ws.ingest(recs).quarantined == 0
        steps = [
            (*r, r[1] == "agent")
            for r in ws.sql("SELECT step_id, kind FROM steps ORDER BY step_id").fetchall()
        ]
        edges = ws.sql("SELECT kind FROM edges WHERE kind <> 'parent'").fetchall()
    else:
        with mock.patch.object(native, "stage_native_file", wraps=native.stage_native_file) as whole:
            if path_taken == "blocks":
                whole.return_value = False
                whole.side_effect = None
            con, stage = run_adapter(NativeJsonl(fast=path_taken != "python"), path)
        assert whole.called == (path_taken != "python")
        assert not rows(con, "stage_quarantine")
        steps = [(r["step_id"], r["kind"], r["is_agent"]) for r in rows(con, "stage_steps")]
        edges = [(r["kind"],) for r in rows(con, "stage_edges", "ALL")]
    assert steps == [
        ("s0", "agent", True),
        ("s1", "tool", False),
        ("s2", "llm", False),
        ("s3", "handoff", False),
    ]
    assert edges == [("consumes",)]


def test_records_in_memory_and_in_a_file_store_the_same(tmp_path: Path) -> None:
    recs = [json.loads(x) for x in good_lines()]
    path = tmp_path / "good.jsonl"
    path.write_text("\n".join(good_lines()) + "\n", encoding="utf-8")
    ws = wb.open()
    first = ws.ingest(recs)
    again = ws.ingest(path)
    assert first.stored == again.stored == 10 and again.added == 0 and again.quarantined == 0


# (gzipped: the whole-file read and the decompression in one; the plain file with deep(), its whole-file read and
# idempotence being test_native_file's test_files_read_whole_in_one_ingest_reconcile_and_add_nothing_again)
@pytest.mark.parametrize("gz", [False, True] if deep() else [True])
def test_fast_path_ingest_is_idempotent_and_reconciles(tmp_path: Path, gz: bool) -> None:
    import gzip

    # (a run record conflicting with an earlier one of the same file is left out: its reason names the
    # earlier record the first time and the stored run the second, a second quarantine row either path)
    odd = [x for x in odd_lines() if '"task": {' not in x]
    text = ("\n".join(good_lines() + odd) + "\n").encode()
    path = tmp_path / ("mixed.jsonl.gz" if gz else "mixed.jsonl")
    path.write_bytes(gzip.compress(text) if gz else text)
    ws = wb.open()
    report = ws.ingest(path, format="native")
    assert report.read == report.stored + report.quarantined and report.quarantined > 20
    assert ws.count("quarantine") == report.quarantined
    again = ws.ingest(path, format="native")
    assert again.added == 0 and ws.count("quarantine") == report.quarantined

"""The SQL path of the OTLP adapter stages exactly what the Python path stages, odd inputs included."""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path
from typing import Any

import pytest
from _otel_fixtures import (
    LOGPROBS,
    collector_style,
    counts_reconcile,
    multi_agent_spans,
    otlp_request,
    rows,
    run_adapter,
)

from workbench.ingest._base import MAX_FIELD_BYTES
from workbench.ingest.otlp import OtlpJson

T0 = 1_767_225_600_000_000_000


def kv(key: str, value: Any) -> dict:
    if isinstance(value, dict):
        return {"key": key, "value": value}
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    if isinstance(value, float):
        return {"key": key, "value": {"doubleValue": value}}
    return {"key": key, "value": {"stringValue": value}}


def span(n: int, *attrs: dict, trace: str = "ab" * 16, parent: str = "", **over: Any) -> dict:
    out = {
        "traceId": trace,
        "spanId": f"{n:016x}",
        "parentSpanId": parent,
        "name": f"span {n}",
        "kind": 1,
        "startTimeUnixNano": str(T0 + n * 1000),
        "endTimeUnixNano": str(T0 + n * 1000 + 500),
        "attributes": list(attrs),
        "status": {},
    }
    out.update(over)
    return out


def line(*spans: dict, service: Any = "svc", scope: str = "lib") -> str:
    resource = {"attributes": [kv("service.name", service)]} if service is not None else {}
    return json.dumps(
        {
            "resourceSpans": [
                {"resource": resource, "scopeSpans": [{"scope": {"name": scope}, "spans": list(spans)}]}
            ]
        }
    )


def odd_lines() -> list[str]:
    body = json.dumps({"choices": [{"message": {"content": "ok"}, "logprobs": {"content": LOGPROBS}}]})
    doc = collector_style(otlp_request(multi_agent_spans()))
    two = {
        "resourceSpans": [
            {
                "resource": {"attributes": [kv("service.name", "one")]},
                "scopeSpans": [
                    {"scope": {"name": "a"}, "spans": [span(201), span(202)]},
                    {"scope": {"name": "b"}, "spans": [span(203)]},
                ],
            },
            {
                "resource": {"attributes": [kv("service.name", "two"), kv("k8s.pod", "p")]},
                "scopeSpans": [{"spans": [span(204, trace="cd" * 16)]}],
            },
        ]
    }
    half_bad = {
        "resourceSpans": [
            two["resourceSpans"][0],
            {"resource": {"attributes": [kv("service.name", 7)]}, "scopeSpans": [{"spans": [span(206)]}]},
        ]
    }
    legacy = {
        "resourceSpans": [
            {
                "resource": {},
                "instrumentationLibrarySpans": [
                    {"instrumentationLibrary": {"name": "old"}, "spans": [span(205)]}
                ],
            }
        ]
    }
    return [
        "\ufeff" + json.dumps(doc),
        "",
        line(
            span(
                1,
                kv("gen_ai.operation.name", "chat"),
                kv("gen_ai.request.model", "m"),
                kv("gen_ai.usage.input_tokens", 5),
                kv("gen_ai.usage.output_tokens", {"intValue": 6}),
                kv("workbench.cost", 0.25),
                kv("flag", True),
                kv("ratio", 1.0),
            )
        ),
        line(
            span(2, trace="AB" * 16, parent="0000000000000000", startTimeUnixNano=T0, endTimeUnixNano="0"),
            span(3, parent="0000000000000002", status={"code": "STATUS_CODE_ERROR", "message": ""}),
            span(4, kv("error.type", "Timeout"), status={"code": "ERROR"}),
            span(5, status={"code": 1, "message": "fine"}),
            span(7, status={"code": 0}),
        ),
        line(span(6, name=None)),
        line(
            span(
                8,
                kv("list", {"arrayValue": {"values": [{"intValue": "1"}, {"stringValue": "x"}]}}),
                kv("map", {"kvlistValue": {"values": [kv("a", "b")]}}),
                kv("blob", {"bytesValue": "AAE="}),
                kv("empty", {}),
                kv("dup", "a"),
                kv("dup", "b"),
            )
        ),
        line(
            span(
                9,
                kv("openinference.span.kind", "LLM"),
                kv("llm.input_messages.0.message.role", "user"),
                kv("llm.input_messages.0.message.content", "hi"),
                kv("output.value", body),
            )
        ),
        line(
            span(
                10,
                kv("gen_ai.operation.name", "chat"),
                events=[
                    {"name": "gen_ai.user.message", "attributes": [kv("content", "q")]},
                    {
                        "name": "gen_ai.choice",
                        "attributes": [kv("message", "a"), kv("logprobs", json.dumps(LOGPROBS))],
                    },
                    {"name": "exception", "attributes": [kv("exception.message", "boom")]},
                ],
                status={"code": 2},
            )
        ),
        line(
            span(11, kv("gen_ai.usage.input_tokens", "12"), kv("workbench.confidence", 1.5)),
            span(12, kv("workbench.entropy", 0), kv("workbench.confidence", 0.5), kv("gen_ai.agent.name", 5)),
            span(13, kv("service.name", "mine"), kv("gen_ai.response.logprobs", json.dumps(LOGPROBS))),
        ),
        line(span(14), service=7),
        line(
            span(15, name="Handoff"),
            span(16, kv("openinference.span.kind", "TOOL"), name="handoff to pricer"),
            span(17, kv("gen_ai.operation.name", "invoke_agent"), name="invoke_agent "),
            span(18, kv("gen_ai.operation.name", "execute_tool"), name="execute_tool lookup"),
            span(19, kv("gen_ai.operation.name", "create_agent"), name="create_agent builder"),
            span(20, kv("openinference.span.kind", "GUARDRAIL")),
            span(21, kv("gen_ai.operation.name", "nope")),
        ),
        line(
            span(22, startTimeUnixNano=float(T0)),
            span(23, kv("x", {"doubleValue": "NaN"})),
            span(24, trace="q83vEjRWeJCrze8SNFZ4kA==", spanId="ASNFZ4mrze8="),
            span(25, startTimeUnixNano="007"),
            span(26, kv("big", "x" * (MAX_FIELD_BYTES // 4 + 10))),
            span(27, links=[{"traceId": "x"}]),
        ),
        line(span(28, kv("input.value", "y" * (MAX_FIELD_BYTES + 10)))),
        json.dumps(two),
        json.dumps(legacy),
        json.dumps(half_bad).replace("ab" * 16, "ef" * 16),
        line(span(29), service=None),
        '{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "'
        + "ab" * 16
        + '", "spanId": "1",}]}]}]}',
        '{"resourceSpans": [{"scopeSpans": [{"spans": [{"spanId": 5, "name": "x"}]}]}]}',
        '{"resourceSpans": [{"scopeSpans": [{"spans": ['
        + json.dumps(span(30, kv("v", {"doubleValue": 1}))).replace('"doubleValue": 1', '"doubleValue": NaN')
        + "]}]}]}",
        line(span(31, endTimeUnixNano=str(2**63)), span(32, parentSpanId="zz"), span(33, status="bad")),
    ]


def snapshot(path: Path, fast: bool) -> tuple[list, list, list, int]:
    con, stage = run_adapter(OtlpJson(fast=fast), path)
    assert counts_reconcile(con, stage)
    steps = []
    for r in rows(con, "stage_steps", "order_hint"):
        r.pop("raw")
        r["attributes"] = json.loads(r["attributes"]) if r["attributes"] else None
        for key in ("latency_ms", "confidence", "entropy", "cost"):
            r[key] = None if r[key] is None else round(r[key], 9)
        steps.append(r)
    runs = [
        (r["run_id"], r["line"], r["system"], json.loads(r["attributes"] or "null"))
        for r in rows(con, "stage_runs", "run_id")
    ]
    rejects = [
        (r["line"], r["reason"], r["run_id"], r["step_id"])
        for r in rows(con, "stage_quarantine", "line, reason, step_id")
    ]
    return steps, runs, rejects, stage.read


@pytest.fixture(scope="module")
def odd_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("otlp") / "odd.jsonl"
    path.write_text("\n".join(odd_lines()) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def odd_snapshots(odd_file: Path) -> dict[bool, tuple[list, list, list, int]]:
    """What each reader stages of the odd file (fast: True, the SQL path), staged once for the tests that read it
    (plain rows: read only)."""
    return {fast: snapshot(odd_file, fast) for fast in (True, False)}


def test_sql_path_equals_python_path(odd_snapshots: dict[bool, tuple[list, list, list, int]]) -> None:
    fast, slow = odd_snapshots[True], odd_snapshots[False]
    assert fast[3] == slow[3]
    assert fast[2] == slow[2]
    assert fast[1] == slow[1]
    assert len(fast[0]) == len(slow[0])
    for a, b in zip(fast[0], slow[0], strict=True):
        assert a == b, a["name"]


def test_odd_inputs_map_as_documented(odd_snapshots: dict[bool, tuple[list, list, list, int]]) -> None:
    steps, runs, rejects, read = odd_snapshots[True]
    by = {r["step_id"]: r for r in steps}
    s = by[f"{1:016x}"]
    assert (s["tokens_in"], s["tokens_out"], s["cost"]) == (5, 6, 0.25)
    assert s["attributes"]["flag"] is True and s["attributes"]["ratio"] == 1.0
    assert by[f"{2:016x}"]["run_id"] == "ab" * 16 and by[f"{2:016x}"]["parent_id"] is None
    assert by[f"{2:016x}"]["end_ns"] is None
    assert by[f"{4:016x}"]["error"] == "Timeout" and by[f"{5:016x}"]["error"] == "fine"
    assert by[f"{8:016x}"]["attributes"]["list"] == [1, "x"] and by[f"{8:016x}"]["attributes"]["dup"] == "b"
    assert json.loads(by[f"{9:016x}"]["input"]) == [{"role": "user", "content": "hi"}]
    assert by[f"{9:016x}"]["confidence"] == pytest.approx(math.sqrt(0.125))
    ten = by[f"{10:016x}"]
    assert (ten["error"], json.loads(ten["input"])[0]["content"]) == ("boom", "q")
    assert ten["entropy"] is not None
    assert f"{11:016x}" not in by  # confidence 1.5: quarantined
    assert by[f"{12:016x}"]["agent"] == "5" and by[f"{12:016x}"]["entropy"] == 0.0
    assert by[f"{13:016x}"]["attributes"]["service.name"] == "svc"
    assert [by[f"{n:016x}"]["kind"] for n in range(15, 22)] == [
        "handoff",
        "handoff",
        "agent",
        "tool",
        "agent",
        "system",
        "other",
    ]
    assert by[f"{18:016x}"]["tool"] == "lookup" and by[f"{19:016x}"]["agent"] == "builder"
    assert by[f"{17:016x}"]["agent"] == "invoke_agent "
    assert by["0123456789abcdef"]["run_id"] == base64.b64decode("q83vEjRWeJCrze8SNFZ4kA==").hex()
    assert by[f"{22:016x}"]["start_ns"] == T0 and by[f"{25:016x}"]["start_ns"] == 7
    assert by[f"{205:016x}"]["attributes"]["otel.scope.name"] == "old"
    reasons = " | ".join(r[1] for r in rejects)
    for text in (
        "confidence must be in [0, 1]",
        "broken JSON",
        "endTimeUnixNano is out of range",
        "parentSpanId",
        "is 4194",
        "traceId",
    ):
        assert text in reasons, text
    systems = {r[0]: r[2] for r in runs}
    assert systems["ab" * 16] == "svc" and systems["cd" * 16] == "two"
    assert systems["ef" * 16] == "one"
    assert len(runs) == 6 and list(systems.values()).count("procurement") == 2
    assert read == len(steps) + len(rejects)


def test_many_spans_a_line_are_decoded_in_several_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Exporters write hundreds of spans a line; the block is cut into batches of ~_CHUNK_BYTES of text
    # (one a thread) and the rows are the same as the Python reader's.
    from workbench.ingest import _otlp_sql

    long = tmp_path / "long.jsonl"
    long.write_text(
        "\n".join(line(*[span(100 * k + i + 1, trace=f"{k + 1:032x}") for i in range(40)]) for k in range(20))
        + "\n"
    )
    per_line = long.stat().st_size // 20
    sizes: list[int] = []
    real = _otlp_sql._rechunked
    monkeypatch.setattr(_otlp_sql, "_CHUNK_BYTES", 4 * per_line)
    monkeypatch.setattr(
        _otlp_sql,
        "_rechunked",
        lambda t: (sizes.extend(b.num_rows for b in real(t).to_batches()), real(t))[1],
    )
    fast = snapshot(long, True)
    assert sum(sizes) == 20 and len(sizes) >= 5 and max(sizes) <= 4, sizes
    assert fast == snapshot(long, False) and len(fast[0]) == 800


def test_a_block_duckdb_cannot_run_is_read_by_the_python_path(
    odd_file: Path, odd_snapshots: dict[bool, tuple[list, list, list, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.ingest import _otlp_sql

    monkeypatch.setitem(_otlp_sql._SQL_CACHE, "spans", "SELECT error('the SQL path broke')")
    assert snapshot(odd_file, True) == odd_snapshots[False]


def test_a_failed_statement_while_staging_does_not_abort_the_ingest(
    odd_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Staging runs before the ingest's transaction: the SQL path's failure costs only its fallback to the
    # Python reader (inside a transaction it would abort the whole ingest).
    import workbench as wb
    from workbench.ingest import _otlp_sql

    with wb.open() as ws:  # (the reference: what the file stores when nothing breaks)
        good = ws.ingest(odd_file, format="otlp")
        expected = ws.sql("SELECT run_id, step_id, agent, kind, error FROM steps ORDER BY ALL").fetchall()
    monkeypatch.setitem(_otlp_sql._SQL_CACHE, "spans", "SELECT error('the SQL path broke')")
    with wb.open(tmp_path / "fallback.duckdb") as ws:
        report = ws.ingest(odd_file, format="otlp")
        assert (report.read, report.stored, report.quarantined) == (good.read, good.stored, good.quarantined)
        assert (
            ws.sql("SELECT run_id, step_id, agent, kind, error FROM steps ORDER BY ALL").fetchall()
            == expected
        )


def test_many_blocks_keep_the_file_order_of_rejects_and_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Across many blocks, and several blocks an INSERT: what the reader quarantines (a line over the
    # limit, a broken gzip stream) or hands to the Python reader (not UTF-8, maybe too deep) is as the
    # Python path has it, and the spans are staged in file order (the merge keeps the first of two duplicates).
    import gzip

    from workbench.ingest import _jsonio, _otlp_sql

    monkeypatch.setattr(_jsonio, "MAX_LINE_BYTES", 8 * 1024)
    monkeypatch.setattr(_jsonio.jsonl_lines, "__defaults__", (None, 8 * 1024))
    monkeypatch.setattr(_otlp_sql, "_BATCH_BYTES", 4 * 1024)
    monkeypatch.setattr(_otlp_sql, "_INSERT_ROWS", 40)  # several batches an INSERT
    deep: Any = {"stringValue": "x"}
    for _ in range(120):
        deep = {"arrayValue": {"values": [deep]}}
    texts = [line(*[span(10 * k + i, trace=f"{k + 1:032x}") for i in range(4)]).encode() for k in range(60)]
    texts[7] = line(span(1000, kv("input.value", "y" * 9000))).encode()
    texts[21] = line(span(1001, kv("note", "cafe"))).encode().replace(b"cafe", b"caf\xe9")
    texts[33] = line(span(1002, kv("deep", deep))).encode()
    texts[40] = line(span(3, trace=f"{3:032x}")).encode()  # a duplicate of line 3's span, staged after it
    data = gzip.compress(b"\n".join(texts) + b"\n")
    path = tmp_path / "ahead.jsonl.gz"
    path.write_bytes(data[:-12])  # the stream breaks inside the last lines
    fast, slow = snapshot(path, True), snapshot(path, False)
    assert fast == slow
    reasons = {r[0]: r[1] for r in fast[2]}
    assert "over the limit" in reasons[8] and "nested deeper" in reasons[34] and "UTF-8" in reasons[22], (
        reasons
    )
    assert any("compressed stream broken" in r for r in reasons.values())
    con, _ = run_adapter(OtlpJson(), path)
    hints = [r[0] for r in con.execute("SELECT order_hint FROM stage_steps ORDER BY rowid").fetchall()]
    assert hints == sorted(hints) and len(hints) > 150


def test_the_parallel_pipeline_stages_as_the_serial_one_in_file_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The parallel pipeline maps a block out of order (on every thread) and reads the next block on a thread
    # meanwhile: the staged rows in their order (rowid) and the quarantine (bad lines in the 2nd block, named
    # by their lines) are the serial loop's. Batches of a few lines, so that DuckDB's threads each take some
    # (without the INSERT's ORDER BY the staged order broke here, measured).
    from workbench.ingest import _jsonio, _otlp_sql

    monkeypatch.setattr(_jsonio, "MAX_LINE_BYTES", 16 * 1024)
    monkeypatch.setattr(_otlp_sql, "_BATCH_BYTES", 48 * 1024)
    monkeypatch.setattr(_otlp_sql, "_CHUNK_BYTES", 2 * 1024)
    texts = [
        line(*[span(10 * k + i + 1, trace=f"{k + 1:032x}") for i in range(4)]).encode() for k in range(110)
    ]
    texts[60] = line(span(5000, kv("input.value", "y" * 20_000))).encode()  # over the limit
    texts[61] = b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"spanId": 5, "name": "x"}]}]}]}'
    texts[62] = line(span(5001, kv("note", "cafe"))).encode().replace(b"cafe", b"caf\xe9")
    path = tmp_path / "parallel.jsonl"
    path.write_bytes(b"\n".join(texts) + b"\n")
    assert len(texts[0]) * 60 > _otlp_sql._BATCH_BYTES and path.stat().st_size > 2 * _otlp_sql._BATCH_BYTES
    staged = {}
    for pipeline in ("serial", "unordered", "parallel"):
        monkeypatch.setattr(_otlp_sql, "PIPELINE", pipeline)
        con, stage = run_adapter(OtlpJson(fast=True), path)
        assert counts_reconcile(con, stage)
        # (the runs in no order either way: they come from a GROUP BY)
        staged[pipeline] = [
            con.execute(f"SELECT * FROM {t} ORDER BY {o}").fetchall()
            for t, o in (("stage_steps", "rowid"), ("stage_runs", "ALL"), ("stage_quarantine", "rowid"))
        ]
        hints = [r[0] for r in con.execute("SELECT order_hint FROM stage_steps ORDER BY rowid").fetchall()]
        assert hints == sorted(hints) and len(hints) == 4 * 107, pipeline
    assert staged["parallel"] == staged["serial"] == staged["unordered"]
    rejects = dict(con.execute("SELECT line, reason FROM stage_quarantine").fetchall())
    assert sorted(rejects) == [61, 62, 63] and "over the limit" in rejects[61] and "UTF-8" in rejects[63], (
        rejects
    )

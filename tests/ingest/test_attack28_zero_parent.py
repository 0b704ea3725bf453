"""A root span's parentSpanId written as base64 zeros (the protobuf JSON mapping of bytes) reads as a root, as hex
zeros do, in both OTLP readers: it was quarantined ('parentSpanId is all zeros'), the run's root and its outcome
lost with it."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from _otel_fixtures import rows, run_adapter

import workbench as wb
from workbench.ingest.otlp import OtlpJson

TRACE = "ab" * 16
T0 = 1_767_225_600_000_000_000


def _span(n: int, parent: object, **over: object) -> dict:
    span = {
        "traceId": TRACE,
        "spanId": f"{n:016x}",
        "parentSpanId": parent,
        "name": f"span {n}",
        "kind": 1,
        "startTimeUnixNano": str(T0 + n),
        "endTimeUnixNano": str(T0 + n + 500),
        "attributes": [],
        "status": {},
    }
    span.update(over)
    return span


def _write(path: Path, spans: list[dict]) -> Path:
    path.write_text(
        "".join(
            json.dumps(
                {
                    "resourceSpans": [
                        {"resource": {}, "scopeSpans": [{"scope": {"name": "lib"}, "spans": [s]}]}
                    ]
                }
            )
            + "\n"
            for s in spans
        )
    )
    return path


ZEROS = {
    "base64 8": base64.b64encode(bytes(8)).decode(),
    "base64 16": base64.b64encode(bytes(16)).decode(),
    "hex 8": "0" * 16,
    "hex 16": "0" * 32,
    "empty": "",
}


@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_every_spelling_of_a_zero_parent_is_a_root(tmp_path: Path, fast: bool) -> None:
    spans = [_span(i + 1, parent) for i, parent in enumerate(ZEROS.values())]
    spans += [_span(9, [0] * 8)]  # (a list is no id: quarantined with a reason naming it, not a TypeError)
    con, stage = run_adapter(OtlpJson(fast=fast), _write(tmp_path / "zeros.jsonl", spans))
    staged = {r["step_id"]: r["parent_id"] for r in rows(con, "stage_steps")}
    assert staged == {f"{i + 1:016x}": None for i in range(len(ZEROS))}
    reasons = [r["reason"] for r in rows(con, "stage_quarantine")]
    assert reasons == [
        "bad span: invalid parentSpanId '[0, 0, 0, 0, 0, 0, 0, 0]' (not 8 bytes as hex or base64)"
    ]


def test_a_base64_zero_parent_root_gives_its_run_its_outcome(tmp_path: Path) -> None:
    root = _span(
        1,
        ZEROS["base64 8"],
        name="invoke_agent planner",
        status={"code": "STATUS_CODE_ERROR"},
        attributes=[{"key": "gen_ai.operation.name", "value": {"stringValue": "invoke_agent"}}],
    )
    ws = wb.open()
    report = ws.ingest(_write(tmp_path / "run.jsonl", [root, _span(2, "0000000000000001")]))
    assert (report.stored, report.quarantined) == (2, 0), report.errors
    assert ws.sql("SELECT outcome FROM runs").fetchall() == [("failure",)]

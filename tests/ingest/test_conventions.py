"""One table of conventions: the SQL fast path, the Python reader and the Langfuse adapter agree on it."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from _otel_fixtures import LOGPROBS, run_adapter

from workbench.ingest._convention_table import OPERATION_KINDS, STATUS_CODES
from workbench.ingest._span_values import find_logprobs
from workbench.ingest.langfuse import LangfuseExport
from workbench.ingest.otlp import OtlpJson

T0 = 1_767_225_600_000_000_000


def _kv(key: str, value: str) -> dict:
    return {"key": key, "value": {"stringValue": value}}


def _otlp_file(path: Path, spans: list[dict]) -> Path:
    doc = {
        "resourceSpans": [
            {
                "resource": {"attributes": [_kv("service.name", "svc")]},
                "scopeSpans": [{"scope": {"name": "lib"}, "spans": spans}],
            }
        ]
    }
    path.write_text(json.dumps(doc) + "\n")
    return path


def _span(n: int, name: str, attrs: list[dict], status: dict | None = None) -> dict:
    return {
        "traceId": "ab" * 16,
        "spanId": f"{n + 1:016x}",
        "parentSpanId": "",
        "name": name,
        "startTimeUnixNano": str(T0 + n),
        "endTimeUnixNano": str(T0 + n + 10),
        "attributes": attrs,
        "status": status or {},
    }


def _otlp_rows(path: Path, fast: bool) -> dict[str, dict[str, Any]]:
    con, stage = run_adapter(OtlpJson(fast=fast), path)
    cur = con.execute("SELECT step_id, kind, agent, tool, status, confidence, entropy FROM stage_steps")
    cols = [c[0] for c in cur.description]
    rows = {r[0]: dict(zip(cols, r, strict=True)) for r in cur.fetchall()}
    assert stage.read == len(rows), "a span was quarantined"
    return rows


def _langfuse_rows(path: Path, observations: list[dict]) -> dict[str, dict[str, Any]]:
    path.write_text(json.dumps(observations))
    con, stage = run_adapter(LangfuseExport(), path)
    cur = con.execute("SELECT step_id, kind, agent, tool, confidence, entropy FROM stage_steps")
    cols = [c[0] for c in cur.description]
    return {r[0]: dict(zip(cols, r, strict=True)) for r in cur.fetchall()}


def _observation(n: int, name: str, attributes: dict, output: Any = None) -> dict:
    return {
        "id": f"obs-{n}",
        "traceId": "lf-1",
        "type": "SPAN",
        "name": name,
        "startTime": "2025-10-01T10:00:00.000Z",
        "endTime": "2025-10-01T10:00:01.000Z",
        "level": "DEFAULT",
        "output": output,
        "metadata": {"attributes": attributes, "scope": {"name": "my.framework"}},
    }


def test_every_operation_maps_to_the_tables_kind_on_every_path(tmp_path: Path) -> None:
    ops = sorted(OPERATION_KINDS)
    spans = [_span(n, f"{op} thing", [_kv("gen_ai.operation.name", op)]) for n, op in enumerate(ops)]
    path = _otlp_file(tmp_path / "ops.jsonl", spans)
    fast, slow = _otlp_rows(path, fast=True), _otlp_rows(path, fast=False)
    assert fast == slow
    lf = _langfuse_rows(
        tmp_path / "ops.json",
        [_observation(n, f"{op} thing", {"gen_ai.operation.name": op}) for n, op in enumerate(ops)],
    )
    for n, op in enumerate(ops):
        want = OPERATION_KINDS[op]
        assert fast[f"{n + 1:016x}"]["kind"] == want, op
        assert lf[f"obs-{n}"]["kind"] == want, op
    # the agent and tool named after the operation prefix, the same way everywhere
    agents = {OPERATION_KINDS[op]: fast[f"{n + 1:016x}"] for n, op in enumerate(ops)}
    assert agents["agent"]["agent"] == "thing" and agents["tool"]["tool"] == "thing"
    lf_agents = {op: lf[f"obs-{n}"] for n, op in enumerate(ops)}
    assert lf_agents["invoke_agent"]["agent"] == lf_agents["create_agent"]["agent"] == "thing"


@pytest.mark.parametrize("as_int", [False, True])
def test_every_status_code_maps_the_same_in_sql_and_python(tmp_path: Path, as_int: bool) -> None:
    codes = [c for c in STATUS_CODES if c.isdigit() == as_int]
    codes += [c.lower() for c in codes if not as_int]  # OpenInference writes "Error", "ok" …
    spans = [_span(n, "op", [], {"code": int(c) if as_int else c}) for n, c in enumerate(codes)]
    path = _otlp_file(tmp_path / "codes.jsonl", spans)
    fast, slow = _otlp_rows(path, fast=True), _otlp_rows(path, fast=False)
    assert fast == slow
    for n, code in enumerate(codes):
        assert fast[f"{n + 1:016x}"]["status"] == STATUS_CODES[code.upper()], code


def test_one_logprob_finder_for_otlp_and_langfuse(tmp_path: Path) -> None:
    body = json.dumps(
        {
            "id": "c1",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "ac"},
                    "logprobs": {"content": LOGPROBS},
                }
            ],
        }
    )
    assert find_logprobs(body) == LOGPROBS
    path = _otlp_file(
        tmp_path / "lp.jsonl",
        [_span(0, "chat m", [_kv("gen_ai.operation.name", "chat"), _kv("gen_ai.output.messages", body)])],
    )
    fast, slow = _otlp_rows(path, fast=True), _otlp_rows(path, fast=False)
    lf = _langfuse_rows(
        tmp_path / "lp.json", [_observation(0, "chat m", {"gen_ai.operation.name": "chat"}, output=body)]
    )
    want = (math.sqrt(0.125), (math.log(2) - (0.25 * math.log(0.25) + 0.75 * math.log(0.75))) / 2)
    for row in (fast["0000000000000001"], slow["0000000000000001"], lf["obs-0"]):
        assert (row["confidence"], row["entropy"]) == pytest.approx(want)

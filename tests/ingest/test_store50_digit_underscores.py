"""A number written as text with Python's digit-group underscores (``"tokens_in": "1_000"``): ``int()`` and
``float()`` take them, so a native record's count read as 1000, a cost ``"0_5"`` as 5.0, a ``seq`` ``"1_0"`` as 10
(attack49 / mend49 named it). No exporter writes one (JSON numbers have no underscores); such a record is malformed and
quarantined naming the field, as ``"abc"`` is, by both native readers alike (the whole-file reader hands numbers
written as text to the Python reader's checks). Stored as numbers on 0a8c4fd4."""

from __future__ import annotations

import json
from pathlib import Path

from test_native_file import stage_file, staged

import workbench as wb

FIELDS = {
    "tokens_in": "1_000",
    "tokens_out": "2_0",
    "cost": "0_5",
    "latency_ms": "1_000.5",
    "confidence": "0_5",
    "entropy": "1_0",
    "seq": "1_0",
}


def test_a_number_with_underscores_is_quarantined_by_both_native_readers(tmp_path: Path) -> None:
    step = {"record": "step", "run_id": "r1", "agent": "a", "kind": "llm"}
    lines = [
        json.dumps({**step, "step_id": f"s{i}", key: text}) for i, (key, text) in enumerate(FIELDS.items())
    ]
    lines.append(json.dumps({**step, "step_id": "plain", "tokens_in": "12", "cost": "0.5", "seq": "3"}))
    path = tmp_path / "steps.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    python = staged(*stage_file(path, fast=False)[:2])
    con, stage, whole = stage_file(path, fast=True)
    assert whole and staged(con, stage) == python
    assert [(s["step_id"], s["tokens_in"], s["cost"]) for s in python["steps"]] == [("plain", 12, 0.5)]
    reasons = [q["reason"] for q in python["quarantine"]]
    for reason, (key, text) in zip(reasons, FIELDS.items(), strict=True):
        assert repr(text) in reason and ("order_hint" if key == "seq" else key) in reason


def test_an_otlp_int_value_with_underscores_is_read_as_abc_is(tmp_path: Path) -> None:
    def doc(count: str) -> dict:
        attrs = {
            "gen_ai.operation.name": {"stringValue": "chat"},
            "gen_ai.usage.input_tokens": {"intValue": count},
        }
        span = {
            "traceId": "0af7651916cd43dd8448eb211c80319c",
            "spanId": "0000000000000001",
            "parentSpanId": "",
            "name": "chat",
            "kind": 1,
            "startTimeUnixNano": "1760000000000000000",
            "endTimeUnixNano": "1760000001000000000",
            "attributes": [{"key": k, "value": v} for k, v in attrs.items()],
            "status": {},
        }
        return {"resourceSpans": [{"resource": {"attributes": []}, "scopeSpans": [{"spans": [span]}]}]}

    read = []
    for count in ("abc", "1_000", "\u0661\u0662", " 12", "12", "007"):
        path = tmp_path / f"{len(read)}.json"
        path.write_text(json.dumps(doc(count)), encoding="utf-8")
        ws = wb.open()
        report = ws.ingest(path, progress=False)
        read.append((report.stored, report.quarantined))
    assert read == [(0, 1)] * 4 + [(1, 0)] * 2

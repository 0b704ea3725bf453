"""OTLP written from JavaScript protobuf objects: ids as Node.js Buffers, times and integers as long.js Longs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import workbench as wb

TRACE = bytes(range(1, 17))
START = 1_767_225_600_123_456_789  # above 2**32 ns: high and low both matter


def _buffer(data: bytes) -> dict:
    return {"type": "Buffer", "data": list(data)}


def _long(n: int, unsigned: bool = True) -> dict:
    # long.js keeps two signed 32-bit halves
    def signed(x: int) -> int:
        return x - 2**32 if x >= 2**31 else x

    return {"low": signed(n & 0xFFFFFFFF), "high": signed(n >> 32), "unsigned": unsigned}


def _span(sid: int, parent: Any, **over: Any) -> dict:
    span = {
        "traceId": _buffer(TRACE),
        "spanId": _buffer(bytes([0] * 7 + [sid])),
        "parentSpanId": parent,
        "name": f"chat {sid}",
        "kind": 3,
        "startTimeUnixNano": _long(START + sid),
        "endTimeUnixNano": _long(START + sid + 2**32 + 5),
        "attributes": [
            {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
            {"key": "gen_ai.usage.input_tokens", "value": {"intValue": _long(120, False)}},
        ],
        "status": {"code": 1},
    }
    span.update(over)
    return span


def _write(path: Path, spans: list[dict], lines: bool) -> Path:
    doc = {
        "resourceSpans": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]},
                "scopeSpans": [{"scope": {"name": "openlit"}, "spans": spans}],
            }
        ]
    }
    text = (
        "".join(
            json.dumps(
                {
                    **doc,
                    "resourceSpans": [
                        {
                            **doc["resourceSpans"][0],
                            "scopeSpans": [{"scope": {"name": "openlit"}, "spans": [s]}],
                        }
                    ],
                }
            )
            + "\n"
            for s in spans
        )
        if lines
        else json.dumps(doc, indent=2)
    )
    path.write_text(text)
    return path


@pytest.mark.parametrize("lines", [True, False], ids=["jsonl", "document"])
def test_buffers_and_longs_are_read(tmp_path: Path, lines: bool) -> None:
    spans = [_span(1, _buffer(b"")), _span(2, _buffer(bytes([0] * 7 + [1])))]
    ws = wb.open()
    report = ws.ingest(_write(tmp_path / "js.json", spans, lines))
    assert (report.stored, report.quarantined) == (2, 0), report.errors
    rows = ws.sql(
        "SELECT run_id, step_id, parent_id, epoch_us(started_at), latency_ms, tokens_in "
        "FROM steps ORDER BY step_id"
    ).fetchall()
    assert rows == [
        (TRACE.hex(), "0000000000000001", None, (START + 1) // 1000, (2**32 + 5) / 1e6, 120),
        (TRACE.hex(), "0000000000000002", "0000000000000001", (START + 2) // 1000, (2**32 + 5) / 1e6, 120),
    ]


_MALFORMED = [
    ("spanId", _buffer(b"\x01\x02"), "invalid spanId: a Node.js Buffer of 2 bytes (not 8)"),
    (
        "traceId",
        {"type": "Buffer", "data": [1, 300]},
        "invalid traceId: a Node.js Buffer whose data are not all bytes",
    ),
    (
        "spanId",
        {"0": 1, "1": 2},
        "invalid spanId: an object {'0', '1'}, not hex, base64 or a Node.js Buffer",
    ),
    (
        "startTimeUnixNano",
        {"low": 1, "high": "x"},
        "startTimeUnixNano is an object {'low', 'high'}, not a number",
    ),
    ("startTimeUnixNano", _long(-5, unsigned=False), "startTimeUnixNano is out of range: -5"),
]


def test_a_malformed_js_object_names_its_field(tmp_path: Path) -> None:
    # (each malformed span a line of its own after a good one, all in one file: each costs only its line)
    spans = [_span(1, _buffer(b""))] + [
        _span(2 + n, _buffer(b""), **{field: value}) for n, (field, value, _) in enumerate(_MALFORMED)
    ]
    ws = wb.open()
    report = ws.ingest(_write(tmp_path / "bad.jsonl", spans, True))
    assert (report.stored, report.quarantined) == (1, len(_MALFORMED))
    got = dict(ws.sql("SELECT line, reason FROM quarantine").fetchall())
    assert sorted(got) == list(range(2, 2 + len(_MALFORMED)))
    for n, (field, value, reason) in enumerate(_MALFORMED):
        assert got[2 + n].startswith("bad span: " + reason), (field, value, got[2 + n])

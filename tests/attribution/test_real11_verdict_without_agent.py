"""The log-only verdict of a run whose log names no agent. AutoGen 0.7's runtime (autogen-core) writes a
group chat as many short traces linked by span links; most hold only its messaging spans ("autogen publish
group_topic_…" → "autogen process researcher_…"), with no gen_ai.agent.name. ``predict`` named no agent for
them and still said 65 % sure, not uncertain."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

import workbench as wb

_TEAM = "0c8e9f20-5d8b-46ff-99de-794d0688dfc9"


def _kv(key: str, value: str) -> dict:
    return {"key": key, "value": {"stringValue": value}}


def _span(
    span_id: str, parent: str | None, name: str, kind: str, start_us: int, end_us: int, attrs: list
) -> dict:
    span = {
        "traceId": "d54d6d2e1aac2e7d203531bf5ee0082c",
        "spanId": span_id,
        "name": name,
        "kind": kind,
        "startTimeUnixNano": str(start_us * 1000),
        "endTimeUnixNano": str(end_us * 1000),
        "status": {},
        "attributes": attrs,
        "links": [{"traceId": "ce3df95e77cb82230b71abc3d9b11cae", "spanId": "30c9055600fdd544"}],
    }
    if parent:
        span["parentSpanId"] = parent
    return span


def _autogen_message_trace(path: Path) -> None:
    t0 = 1_764_594_705_754_461
    topic = f"group_topic_{_TEAM}.({_TEAM})-T"
    spans = [
        _span(
            "938b6937828a93d0",
            None,
            f"autogen publish {topic}",
            "SPAN_KIND_PRODUCER",
            t0,
            t0 + 5196,
            [_kv("messaging.operation", "publish"), _kv("messaging.destination", topic)],
        ),
        _span(
            "b2e82d2c154846ff",
            "938b6937828a93d0",
            f"autogen process researcher_{_TEAM}.({_TEAM})-A",
            "SPAN_KIND_CONSUMER",
            t0 + 100,
            t0 + 120,
            [
                _kv("sender_agent_type", f"RoundRobinGroupChatManager_{_TEAM}"),
                _kv("recipient_agent_type", f"researcher_{_TEAM}"),
                _kv("messaging.operation", "process"),
                _kv("message", '{"messages":[{"source":"user","content":"Write a short weather report."}]}'),
            ],
        ),
        _span(
            "973106ed534c9f31",
            "938b6937828a93d0",
            f"autogen process writer_{_TEAM}.({_TEAM})-A",
            "SPAN_KIND_CONSUMER",
            t0 + 130,
            t0 + 150,
            [
                _kv("sender_agent_type", f"RoundRobinGroupChatManager_{_TEAM}"),
                _kv("recipient_agent_type", f"writer_{_TEAM}"),
                _kv("messaging.operation", "process"),
                _kv("message", '{"messages":[{"source":"user","content":"Write a short weather report."}]}'),
            ],
        ),
    ]
    doc = {
        "resourceSpans": [
            {
                "resource": {"attributes": [_kv("service.name", "weather-team")]},
                "scopeSpans": [{"scope": {"name": "autogen SingleThreadedAgentRuntime"}, "spans": spans}],
            }
        ]
    }
    path.write_text(json.dumps(doc) + "\n", encoding="utf-8")


def test_a_verdict_naming_no_agent_claims_no_confidence(tmp_path: Path) -> None:
    _autogen_message_trace(tmp_path / "autogen.otlp.jsonl")
    ws = wb.open()
    ws.ingest(tmp_path / "autogen.otlp.jsonl", progress=False)
    run = ws.runs().run_id.iloc[0]
    assert ws.sql("SELECT count(*) FROM steps WHERE agent IS NOT NULL").fetchall()[0][0] == 0
    ws.label(run, outcome="failure")
    p = wb.BlameModel.pretrained().predict(ws, [run])
    row = p.iloc[0]
    assert pd.isna(row["agent"]) and isinstance(row["step_id"], str)
    assert math.isnan(row["agent_confidence"])
    assert bool(row["uncertain"])
    # stored too: the investigate table and the explorer read the verdict row
    wb.BlameModel.pretrained().store_predictions(ws, [run])
    target, value = ws.sql(
        "SELECT target, value FROM attributions WHERE method = 'blame_model' AND unit = 'verdict'"
    ).fetchall()[0]
    assert target == "" and (value is None or math.isnan(value))

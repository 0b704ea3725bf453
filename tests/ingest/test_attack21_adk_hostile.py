"""Google ADK spans (``gcp.vertex.agent.llm_request`` / ``llm_response``) and Strands' details events with
hostile values: a wrong type where a list of contents or parts belongs cost the whole span (``TypeError: 'int'
object is not iterable``), and JSON nested about 1,000 deep (read by orjson, which stops at 1,024, then written
back by the mapper, which cannot past Python's recursion limit) quarantined the span whole as well."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest._map_span import map_span
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

REQUEST = "gcp.vertex.agent.llm_request"


def _deep(n: int) -> str:
    return '{"a":' * n + "1" + "}" * n


def _span(i: int, attrs: dict) -> dict:
    return {
        "traceId": "ab" * 16,
        "spanId": f"{i + 16:016x}",
        "parentSpanId": f"{15:016x}",
        "name": "call_llm",
        "kind": 1,
        "startTimeUnixNano": str(1796183900000000000 + i),
        "endTimeUnixNano": str(1796183900000000000 + i + 9),
        "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()],
        "status": {},
    }


HOSTILE = [  # (what, attributes); each a model call that must be stored, whatever its request says
    ("contents a number", {REQUEST: '{"contents": 5}'}),
    ("parts a number", {REQUEST: '{"contents": [{"role": "user", "parts": 7}]}'}),
    ("system parts a number", {REQUEST: '{"config": {"system_instruction": {"parts": 3}}, "contents": []}'}),
    (
        "arguments 1,000 deep",
        {
            REQUEST: '{"contents": [{"role": "model", "parts": [{"function_call": {"name": "f", '
            '"args": ' + _deep(1000) + "}}]}]}"
        },
    ),
    (
        "response 1,000 deep",
        {
            REQUEST: "{}",
            "gcp.vertex.agent.llm_response": '{"content": {"role": "model", "parts": [{"text": '
            + _deep(1000)
            + "}]}}",
        },
    ),
]


# (the chosen reader: both store the same rows for the file, compared by tests/ingest/conftest.py)
def test_adk_hostile_requests_cost_nothing_but_their_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", None)
    spans = [
        {
            "traceId": "ab" * 16,
            "spanId": f"{15:016x}",
            "name": "invocation",
            "kind": 1,
            "startTimeUnixNano": "1796183900000000000",
            "endTimeUnixNano": "1796183900000009999",
            "status": {},
        }
    ]
    spans += [_span(i + 1, attrs) for i, (_, attrs) in enumerate(HOSTILE)]
    path = tmp_path / "adk.otlp.jsonl"
    path.write_text(
        json.dumps(
            {"resourceSpans": [{"scopeSpans": [{"scope": {"name": "gcp.vertex.agent"}, "spans": spans}]}]}
        )
        + "\n"
    )
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored, rep.quarantined) == (6, 6, 0), ws.sql(
        "SELECT reason FROM quarantine"
    ).fetchall()
    rows = {
        int(s[-4:], 16) - 16: r
        for s, *r in ws.sql("SELECT step_id, kind, input, output, attributes FROM steps").fetchall()
    }
    assert all(rows[i][0] == "llm" for i in range(1, 6))
    assert json.loads(rows[1][1]) == [] and json.loads(rows[2][1]) == [{"role": "user", "parts": []}]
    # too deep to read as messages: the request stays as written, in the attributes
    assert rows[4][1] is None and json.loads(rows[4][3])[REQUEST] == HOSTILE[3][1][REQUEST]
    assert rows[5][2] is None and "gcp.vertex.agent.llm_response" in json.loads(rows[5][3])


def test_adk_role_not_a_name_reads_as_user() -> None:
    attrs = {REQUEST: '{"contents": [{"role": ["model"], "parts": [{"text": "hi"}]}]}'}
    assert json.loads(map_span(attrs, "call_llm", [], None)["input"]) == [
        {"role": "user", "parts": [{"type": "text", "content": "hi"}]}
    ]


def test_details_event_nested_1000_deep_keeps_the_span() -> None:
    deep = '[{"a":' * 500 + "1" + "}]" * 500
    ev = [
        {"name": "gen_ai.client.inference.operation.details", "attributes": {"gen_ai.input.messages": deep}}
    ]
    step = map_span({"gen_ai.operation.name": "chat"}, "chat", ev, None)
    assert json.loads(step["input"]) == [deep]  # (as written)


def test_tool_message_content_nested_1000_deep_keeps_the_span_and_its_failure() -> None:
    deep = '{"a":' * 1000 + "1" + "}" * 1000
    out = (
        '{"output": {"lc": 1, "type": "constructor", "id": ["langchain_core", "messages", "ToolMessage"], '
        '"kwargs": {"content": ' + deep + ', "tool_call_id": "c1", "status": "error"}}}'
    )
    step = map_span({"openinference.span.kind": "TOOL", "output.value": out}, "search", [], None)
    assert (step["failed"], step["output"]) == (True, out)

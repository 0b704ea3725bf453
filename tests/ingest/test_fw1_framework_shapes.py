"""Spans of frameworks run for real (PyPI releases, their own tracing or OpenInference's instrumentor,
exported by the OpenTelemetry SDK), in the shapes those runs wrote, read alike by both OTLP readers.

The fixtures copy the relevant spans of traces recorded from openai-agents 0.24 with
openinference-instrumentation-openai-agents 2.6, smolagents 1.26 with openinference-instrumentation-smolagents
0.1.43 and crewai 1.15 with openinference-instrumentation-crewai 1.1.21.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from _otel_fixtures import run_adapter

import workbench as wb
from workbench.ingest.otlp import OtlpJson

OA_SCOPE = "openinference.instrumentation.openai_agents"


def _kv(key: str, value: Any) -> dict:
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    if isinstance(value, list):
        return {"key": key, "value": {"arrayValue": {"values": [{"stringValue": v} for v in value]}}}
    return {"key": key, "value": {"stringValue": value}}


def _otlp(path: Path, spans: list[tuple[str, str | None, str, dict[str, Any]]], scope: str) -> Path:
    """One OTLP JSON line as the SDK's encoder and the Collector write it (hex ids), of (id, parent, name,
    attributes) spans."""
    ids = {sid: f"{n + 1:016x}" for n, (sid, *_rest) in enumerate(spans)}
    out = [{"traceId": "cd" * 16, "spanId": ids[sid], "parentSpanId": ids[p] if p else "", "name": name,
            "kind": 1, "startTimeUnixNano": str(1_796_130_827_000_000_000 + n * 1000),
            "endTimeUnixNano": str(1_796_130_827_000_000_000 + (len(spans) - n) * 1000 + 500_000),
            "attributes": [_kv(k, v) for k, v in attrs.items()], "status": {"code": 1}}
           for n, (sid, p, name, attrs) in enumerate(spans)]
    path.write_text(json.dumps({"resourceSpans": [{
        "resource": {"attributes": [_kv("service.name", "unknown_service")]},
        "scopeSpans": [{"scope": {"name": scope, "version": "1.0"}, "spans": out}]}]}) + "\n")
    return path


def _staged(path: Path, fast: bool) -> dict[str, dict[str, Any]]:
    con, stage = run_adapter(OtlpJson(fast=fast), path)
    assert con.execute("SELECT count(*) FROM stage_quarantine").fetchall()[0][0] == 0
    cols = ("step_id", "name", "kind", "agent", "is_agent", "input", "output", "attributes")
    return {r[0]: dict(zip(cols, r, strict=True))
            for r in con.execute(f"SELECT {', '.join(cols)} FROM stage_steps").fetchall()}


def _both(path: Path) -> dict[str, dict[str, Any]]:
    """The staged steps by span id, the same from the SQL fast path and the Python reader."""
    fast = _staged(path, fast=True)
    slow = _staged(path, fast=False)
    for sid in fast:
        fast[sid]["attributes"] = json.loads(fast[sid]["attributes"] or "{}")
        slow[sid]["attributes"] = json.loads(slow[sid]["attributes"] or "{}")
    assert fast == slow
    return {v["name"] + ("#" + sid if v["name"] in ("response", "turn", "Support run") else ""): v
            for sid, v in fast.items()}


def _response(n: int, output: list[dict[str, Any]], usage: tuple[int, int]) -> str:
    """The Responses API object the instrumentor writes as an LLM span's ``output.value``."""
    return json.dumps({"id": f"resp_{n}", "access_programs": None, "created_at": 1796130827.0, "error": None,
                       "model": "gpt-4o-2024-08-06", "object": "response", "output": output,
                       "parallel_tool_calls": True, "status": "completed", "tool_choice": "auto", "tools": [],
                       "usage": {"input_tokens": usage[0], "input_tokens_details": {"cached_tokens": 0},
                                 "output_tokens": usage[1], "output_tokens_details": {"reasoning_tokens": 0},
                                 "total_tokens": sum(usage)}}, separators=(",", ":"))


ANSWER = "Invoice INV-42 for 210.50 EUR is still unpaid."


def _openai_agents() -> list[tuple[str, str | None, str, dict[str, Any]]]:
    """openai-agents' triage → billing hand-off over the real Responses model, as OpenInference traced it."""
    def llm(n: int, out: list[dict[str, Any]], msgs: dict[str, Any], usage: tuple[int, int]) -> dict[str, Any]:
        return {"llm.system": "openai", "output.mime_type": "application/json", "output.value": _response(n, out, usage),
                "llm.token_count.completion": str(usage[1]), "llm.token_count.prompt": str(usage[0]),
                **msgs, "llm.model_name": "gpt-4o-2024-08-06", "llm.finish_reason": "stop",
                "input.mime_type": "application/json",
                "input.value": json.dumps([{"content": "Is invoice INV-42 paid?", "role": "user"}]),
                "llm.input_messages.1.message.role": "user",
                "llm.input_messages.1.message.content": "Is invoice INV-42 paid?",
                "openinference.span.kind": "LLM"}

    call = {"arguments": "{}", "call_id": "call_h1", "name": "transfer_to_billing_agent", "type": "function_call",
            "id": "fc_call_h1", "status": "completed"}
    text = {"id": "msg_4", "content": [{"annotations": [], "text": ANSWER, "type": "output_text", "logprobs": None}],
            "role": "assistant", "status": "completed", "type": "message"}
    return [
        ("root", None, "Support run", {"openinference.span.kind": "AGENT"}),
        ("wf", "root", "Support run", {"openinference.span.kind": "CHAIN"}),
        ("triage", "wf", "Triage agent", {"graph.node.id": "Triage agent", "agent.name": "Triage agent",
                                          "openinference.span.kind": "AGENT"}),
        ("t1", "triage", "turn", {"openinference.span.kind": "CHAIN"}),
        ("r1", "t1", "response", llm(1, [call], {
            "llm.output_messages.0.message.role": "assistant",
            "llm.output_messages.0.message.tool_calls.0.tool_call.id": "call_h1",
            "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "transfer_to_billing_agent"},
            (200, 20))),
        ("ho", "t1", "handoff to Billing agent", {"input.value": "Triage agent", "output.value": "Billing agent",
                                                   "openinference.span.kind": "TOOL"}),
        ("billing", "wf", "Billing agent", {"graph.node.id": "Billing agent", "agent.name": "Billing agent",
                                            "graph.node.parent_id": "Triage agent",
                                            "openinference.span.kind": "AGENT"}),
        ("t2", "billing", "turn", {"openinference.span.kind": "CHAIN"}),
        ("r2", "t2", "response", llm(5, [text], {
            "llm.output_messages.0.message.role": "assistant",
            "llm.output_messages.0.message.contents.0.message_content.type": "text",
            "llm.output_messages.0.message.contents.0.message_content.text": ANSWER,
            "llm.output_messages.0.message.content": ANSWER}, (380, 30))),
    ]


def test_an_llm_spans_output_messages_beat_the_raw_response_object(tmp_path: Path) -> None:
    """openai-agents + OpenInference: ``output.value`` is the whole Responses API object (ids, created_at,
    usage); the step's output is the output messages, the object stays in the attributes."""
    steps = _both(_otlp(tmp_path / "oa.otlp.json", _openai_agents(), OA_SCOPE))
    final = next(v for k, v in steps.items() if k.startswith("response") and ANSWER in (v["output"] or ""))
    assert json.loads(final["output"]) == [{"role": "assistant", "content": ANSWER}]
    assert json.loads(final["attributes"]["output.value"])["created_at"] == 1796130827.0
    first = next(v for k, v in steps.items() if k.startswith("response") and v is not final)
    assert json.loads(first["output"]) == [{"role": "assistant", "tool_calls": [
        {"id": "call_h1", "name": "transfer_to_billing_agent"}]}]
    # a tool's output.value is its result, not beaten by anything
    assert steps["handoff to Billing agent"]["output"] == "Billing agent"
    # the response object's timestamp and token counts were read as values the triage agent made up
    ws = wb.open()
    assert ws.ingest(tmp_path / "oa.otlp.json").stored == len(_openai_agents())
    said = " ".join(str(d) for d in wb.detect(ws)["detail"])
    assert "1796130827" not in said and "380" not in said


def test_an_llm_span_with_only_output_value_keeps_it(tmp_path: Path) -> None:
    spans = [("a", None, "planner", {"openinference.span.kind": "AGENT"}),
             ("l", "a", "ChatOpenAI", {"openinference.span.kind": "LLM", "output.value": "42",
                                       "llm.output_messages.0.message.role": "assistant"})]
    steps = _both(_otlp(tmp_path / "oi.otlp.json", spans, "openinference.instrumentation.langchain"))
    assert steps["ChatOpenAI"]["output"] == "42"

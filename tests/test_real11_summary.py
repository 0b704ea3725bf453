"""The workspace summary on traces whose agents the adapters cannot read. A LlamaIndex AgentWorkflow traced
by OpenInference names its agents only inside event reprs (current_agent_name='researcher'): every step
has no agent, and the summary said nothing about agents at all ("1 runs (1 success), 31 steps"), as for an
empty store. AutoGen's message-passing spans: the agents were listed as if they covered the run."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb
from workbench._summary import summary_html, summary_text

_TRACE = "6f43fc7b54fe53a45d5d541097a367c3"


def _kv(key: str, value: str) -> dict:
    return {"key": key, "value": {"stringValue": value}}


def _span(sid: str, parent: str | None, name: str, kind: str, start_ms: int, *attrs: dict) -> dict:
    t0 = 1_764_595_466_827_363_000
    s = {
        "traceId": _TRACE,
        "spanId": sid,
        "name": name,
        "kind": "SPAN_KIND_INTERNAL",
        "startTimeUnixNano": str(t0 + start_ms * 1_000_000),
        "endTimeUnixNano": str(t0 + (start_ms + 5) * 1_000_000),
        "status": {"code": "STATUS_CODE_OK"},
        "attributes": [_kv("openinference.span.kind", kind), *attrs],
    }
    if parent:
        s["parentSpanId"] = parent
    return s


def _write(path: Path, spans: list[dict]) -> Path:
    doc = {
        "resourceSpans": [
            {
                "resource": {"attributes": [_kv("service.name", "research")]},
                "scopeSpans": [
                    {"scope": {"name": "openinference.instrumentation.llama_index"}, "spans": spans}
                ],
            }
        ]
    }
    path.write_text(json.dumps(doc) + "\n", encoding="utf-8")
    return path


def test_a_store_with_no_agent_named_says_so(tmp_path: Path) -> None:
    # (an event naming current_agent_name='researcher' now names the agent: ingest reads it since fw1)
    setup = (
        '{"ctx": "<workflows.context.context.Context object at 0x7ff111a55d90>", "ev": "AgentInput('
        "input=[ChatMessage(role=<MessageRole.USER: 'user'>)])\"}"
    )  # names no agent
    path = _write(
        tmp_path / "llamaindex.otlp.jsonl",
        [
            _span("a470082071a78e75", None, "AgentWorkflow.run", "CHAIN", 0),
            _span(
                "d0457159c93c73aa",
                "a470082071a78e75",
                "AgentWorkflow.setup_agent",
                "CHAIN",
                10,
                _kv("input.value", setup),
            ),
            _span("40fa816c19abe053", "a470082071a78e75", "AgentWorkflow.run_agent_step", "CHAIN", 20),
            _span(
                "286496cb769e3afe",
                "40fa816c19abe053",
                "MockFunctionCallingLLM.astream_chat",
                "LLM",
                21,
                _kv("llm.output_messages.0.message.role", "assistant"),
                _kv("llm.output_messages.0.message.content", "The Eiffel Tower is 300 metres tall."),
            ),
        ],
    )
    ws = wb.open()
    ws.ingest(path, progress=False)
    text = summary_text(ws)
    assert "1 run (1 success), 4 steps" in text
    assert "agents: none named in these logs" in text
    assert "agents: none named in these logs" in summary_html(ws) and ">1 run<" in summary_html(ws)
    # a notebook's next cell after showing ws: its check of a closed store had left a result pending on the
    # connection, and ws.sql raised ResourceInUseException ("connection has an unfinished result")
    assert ws.sql("SELECT count(*) FROM steps WHERE agent IS NULL").fetchall() == [(4,)]


def test_steps_outside_every_agent_are_counted(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "mixed.otlp.jsonl",
        [
            _span("a470082071a78e75", None, "workflow", "CHAIN", 0),
            _span("d0457159c93c73aa", "a470082071a78e75", "router", "CHAIN", 5),
            _span("40fa816c19abe053", "a470082071a78e75", "researcher", "AGENT", 10),
            _span("286496cb769e3afe", "40fa816c19abe053", "chat", "LLM", 12),
        ],
    )
    ws = wb.open()
    ws.ingest(path, progress=False)
    assert "agents: researcher (2 of 4 steps outside any agent)" in summary_text(ws)
    empty = summary_text(wb.open())
    assert "0 runs, 0 steps" in empty and "agents" not in empty

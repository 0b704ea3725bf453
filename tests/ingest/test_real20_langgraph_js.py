"""LangGraph.js (@langchain/langgraph 1.7.3, @langchain/core 1.4.0) through @arizeai/openinference-instrumentation-
langchain 4.1.1, in the shape a real run wrote (real20, /work/wt/_notes/real20_out/langgraph_js_quote.otlp.jsonl:
a StateGraph of two prebuilt ReAct agents; get_price throws once, ToolNode hands the error back, the call is made
again and returns 41.20). LangChain.js' tool span ends with its ToolMessage serialized as a constructor under
``output`` (``{"output": {"lc": 1, "type": "constructor", "id": [..., "ToolMessage"], "kwargs": {"content": "41.20",
…}}}``): before, that whole JSON was the tool's result, not 41.20."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest._tool_message import tool_message
from workbench.ingest.otlp import OtlpJson

TRACE = "d41b8acb0675690dfc2f6e5cb9cdbe87"
NS = "researcher:0d8148b2-9cbb-519b-9d5b-7602d27c0230|tools:{}"


def _js_message(cls: str, **kwargs: object) -> dict:
    return {"lc": 1, "type": "constructor", "id": ["langchain_core", "messages", cls], "kwargs": kwargs}


def _tool_msg(n: int, content: str, status: str) -> dict:
    return _js_message(
        "ToolMessage",
        status=status,
        content=content,
        tool_call_id=f"call_{n}",
        name="get_price",
        additional_kwargs={},
        response_metadata={},
    )


def _meta(node: str, n: int) -> str:
    ns = NS.format(f"eed004e1-ffd2-5c91-9910-2c088b0986b{n}")
    return json.dumps(
        {
            "ls_integration": "langgraph",
            "langgraph_step": 2 * n,
            "langgraph_node": node,
            "langgraph_path": ["__pregel_pull", node],
            "langgraph_checkpoint_ns": ns,
            "checkpoint_ns": ns,
        }
    )


def trace() -> dict:
    rows = [  # (span id, parent, name, attributes, status)
        ("a0", None, "LangGraph", {"openinference.span.kind": "CHAIN"}, {"code": 1}),
        (
            "a1",
            "a0",
            "researcher",
            {
                "openinference.span.kind": "CHAIN",
                "metadata": json.dumps(
                    {
                        "langgraph_node": "researcher",
                        "langgraph_checkpoint_ns": "researcher:0d8148b2-9cbb-519b-9d5b-7602d27c0230",
                    }
                ),
            },
            {"code": 1},
        ),
        (
            "b1",
            "a1",
            "get_price",
            {
                "openinference.span.kind": "TOOL",
                "tool.name": "get_price",
                "input.value": "widget",
                "input.mime_type": "text/plain",
                "metadata": _meta("tools", 1),
            },
            {
                "code": 2,
                "message": "price service timed out\n\nError: price service timed out\n    at getPrice (file:///app/mock.mjs:41:29)",
            },
        ),
        (
            "b2",
            "a1",
            "get_price",
            {
                "openinference.span.kind": "TOOL",
                "tool.name": "get_price",
                "input.value": "widget",
                "input.mime_type": "text/plain",
                "metadata": _meta("tools", 2),
                "output.value": json.dumps({"output": _tool_msg(2, "41.20", "success")}),
                "output.mime_type": "application/json",
            },
            {"code": 1},
        ),
    ]
    spans = []
    for i, (sid, parent, name, attrs, status) in enumerate(rows):
        sp = {
            "traceId": TRACE,
            "spanId": "00000000000000" + sid,
            "name": name,
            "kind": 1,
            "startTimeUnixNano": str(1796183900000000000 + i * 1_000_000),
            "endTimeUnixNano": str(1796183900000000000 + i * 1_000_000 + 500_000),
            "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()],
            "status": status,
        }
        if parent:
            sp["parentSpanId"] = "00000000000000" + parent
        spans.append(sp)
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "quote-app"}}]},
                "scopeSpans": [
                    {
                        "scope": {
                            "name": "@arizeai/openinference-instrumentation-langchain",
                            "version": "4.1.1",
                        },
                        "spans": spans,
                    }
                ],
            }
        ]
    }


# (the chosen reader: both store the same rows for the file, compared by tests/ingest/conftest.py)
def test_langgraph_js_tool_message_read_as_its_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", None)
    path = tmp_path / "lgjs.otlp.jsonl"
    path.write_text(json.dumps(trace()) + "\n")
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored, rep.quarantined) == (4, 4, 0)
    s = {
        r[0][-2:]: r[1:]
        for r in ws.sql("SELECT step_id, kind, agent, tool, status, output FROM steps").fetchall()
    }
    assert s["b2"] == ("tool", "researcher", "get_price", "ok", "41.20")
    assert s["b1"][:4] == ("tool", "researcher", "get_price", "error")
    f = wb.detect(ws)
    assert list(f[f.detector == "retry"].agent) == ["researcher"]


def test_langgraph_js_tool_message_shapes() -> None:
    failed = json.dumps({"output": _tool_msg(1, "Error: price service timed out", "error")})
    assert tool_message(failed) == ("Error: price service timed out", True)
    assert tool_message(json.dumps(_tool_msg(2, "41.20", "success"))) == ("41.20", False)
    # another message class, or an output that only holds a message among other keys, is left as written
    ai = _js_message("AIMessage", content="hi", tool_call_id="call_3")
    assert tool_message(json.dumps({"output": ai})) is None
    assert tool_message(json.dumps({"output": _tool_msg(2, "41.20", "success"), "other": 1})) is None

"""LangChain tool calls whose failure was handed back to the model, in the shape openinference-instrumentation-
langchain 0.1.80 wrote them on a real LangChain 1.5 create_agent run (real16,
/work/wt/_notes/real16_out/langchain/lc_quote.otlp.jsonl): the tool span has status OK and its output is the
serialized ToolMessage, ``status: "error"`` for the failed call. Before: the failed call was a success whose
output was the whole message, and the retry after it a loop."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

TRACE = "2ad613ace7f05aa9e1af63b1be020c47"


def _span(sid: str, parent: str | None, name: str, attrs: dict, start: int) -> dict:
    out = {
        "traceId": TRACE,
        "spanId": sid,
        "name": name,
        "kind": "SPAN_KIND_INTERNAL",
        "startTimeUnixNano": str(1796160000000000000 + start * 1_000_000),
        "endTimeUnixNano": str(1796160000000000000 + (start + 1) * 1_000_000),
        "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()],
        "status": {"code": "STATUS_CODE_OK"},
    }
    if parent:
        out["parentSpanId"] = parent
    return out


def _tool_message(call: str, content: str, status: str) -> str:
    return json.dumps(
        {
            "type": "tool",
            "data": {
                "content": content,
                "additional_kwargs": {},
                "response_metadata": {},
                "type": "tool",
                "name": "get_price",
                "id": None,
                "tool_call_id": call,
                "artifact": None,
                "status": status,
            },
        }
    )


def _tool(call: str, content: str, status: str) -> dict:
    return {
        "openinference.span.kind": "TOOL",
        "tool.name": "get_price",
        "input.value": "widget",
        "output.value": _tool_message(call, content, status),
        "output.mime_type": "application/json",
    }


def _agent(name: str, out: str) -> dict:
    return {"openinference.span.kind": "AGENT", "input.value": '{"messages": []}', "output.value": out}


def trace_doc() -> dict:
    sp = [
        _span(
            "0000000000000001",
            None,
            "quote",
            {"openinference.span.kind": "CHAIN", "output.value": "Quote: the widget costs 14.20 USD."},
            0,
        ),
        _span("00000000000000a1", "0000000000000001", "researcher", _agent("researcher", "41.20 USD"), 1),
        _span(
            "00000000000000a2",
            "00000000000000a1",
            "get_price",
            _tool("call_1", "price service timed out", "error"),
            2,
        ),
        _span("00000000000000a3", "00000000000000a1", "get_price", _tool("call_2", "41.20", "success"), 4),
        _span(
            "00000000000000b1",
            "0000000000000001",
            "writer",
            _agent("writer", "Quote: the widget costs 14.20 USD."),
            6,
        ),
    ]
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": []},
                "scopeSpans": [{"scope": {"name": "openinference.instrumentation.langchain"}, "spans": sp}],
            }
        ]
    }


# One reader, the chosen one (``fast`` None): both readers store the same rows for the file, compared by
# tests/ingest/conftest.py as each test here ends (WRITERS), so each test's assertions hold for both.
@pytest.fixture()
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> wb.Workspace:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", None)
    path = tmp_path / "lc.otlp.jsonl"
    path.write_text(json.dumps(trace_doc()) + "\n")
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored, rep.quarantined) == (5, 5, 0)
    return ws


def test_tool_message_with_error_status_is_a_failed_call(ws: wb.Workspace) -> None:
    s = {r[0][-2:]: r[1:] for r in ws.sql("SELECT step_id, status, output, error FROM steps").fetchall()}
    assert s["a2"] == ("error", "price service timed out", "price service timed out")
    assert s["a3"] == ("ok", "41.20", None)


def test_retry_after_a_handed_back_failure_is_no_loop(ws: wb.Workspace) -> None:
    f = wb.detect(ws)
    assert list(f[f.detector == "retry"].agent) == ["researcher"]
    assert f[f.detector == "loop"].empty


def test_phoenix_export_reads_the_same(tmp_path: Path) -> None:
    # the same spans as Phoenix's span dataframe exports them (JSON lines, one span a line)
    rows = []
    for sp in trace_doc()["resourceSpans"][0]["scopeSpans"][0]["spans"]:
        attrs = {a["key"]: a["value"]["stringValue"] for a in sp["attributes"]}
        rows.append(
            {
                "name": sp["name"],
                "span_kind": attrs["openinference.span.kind"],
                "context.trace_id": sp["traceId"],
                "context.span_id": sp["spanId"],
                "parent_id": sp.get("parentSpanId"),
                "start_time": int(sp["startTimeUnixNano"]) // 1_000_000,
                "end_time": int(sp["endTimeUnixNano"]) // 1_000_000,
                "status_code": "OK",
                "status_message": "",
                "attributes.openinference.span.kind": attrs["openinference.span.kind"],
                **{f"attributes.{k}": v for k, v in attrs.items() if k != "openinference.span.kind"},
            }
        )
    path = tmp_path / "spans.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored) == (5, 5)
    st = dict(ws.sql("SELECT right(step_id, 2), status FROM steps").fetchall())
    assert st["a2"] == "error" and st["a3"] == "ok"

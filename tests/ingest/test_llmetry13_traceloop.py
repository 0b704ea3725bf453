"""OpenLLMetry (Traceloop) decorator spans, in the shape traceloop-sdk 0.62.4 wrote them on a real run
(llmetry13, /work/wt/_notes/real13_out/tl_trip.otlp.jsonl), and as its releases before gen_ai.agent.name /
gen_ai.tool.name / gen_ai.operation.name write them (traceloop.* and llm.request.type only)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

TRACE = "d4d896f099216bba87bb6dbd389e60be"


def _span(sid: str, parent: str | None, name: str, attrs: dict, error: str | None = None) -> dict:
    out = {
        "traceId": TRACE,
        "spanId": sid,
        "name": name,
        "kind": 1,
        "startTimeUnixNano": str(1796150790000000000 + int(sid, 16) % 1000 * 1000),
        "endTimeUnixNano": str(1796150790000000000 + int(sid, 16) % 1000 * 1000 + 500),
        "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()],
        "status": {"code": 2, "message": error} if error else {},
    }
    if parent:
        out["parentSpanId"] = parent
    return out


def _entity(kind: str, name: str, inp: object, out: object | None, new: bool) -> dict:
    attrs = {
        "traceloop.workflow.name": "plan_trip",
        "traceloop.span.kind": kind,
        "traceloop.entity.name": name,
        "traceloop.entity.input": json.dumps(inp),
    }
    if out is not None:
        attrs["traceloop.entity.output"] = json.dumps(out)
    if new and kind == "agent":
        attrs["gen_ai.agent.name"] = name
    if new and kind == "tool":
        attrs["gen_ai.tool.name"] = name
    return attrs


def trip(new: bool) -> Path:
    args = {"args": [], "kwargs": {"origin": "BER", "dest": "LIS"}}
    spans = [
        _span(
            "00000000000000a1",
            None,
            "plan_trip.workflow",
            _entity(
                "workflow", "plan_trip", {"args": ["BER to LIS"], "kwargs": {}}, "Flight at 240 EUR", new
            ),
        ),
        _span(
            "00000000000000a2",
            "00000000000000a1",
            "flight_agent.agent",
            _entity("agent", "flight_agent", {"args": ["BER to LIS"], "kwargs": {}}, "420 EUR", new),
        ),
    ]
    for i in range(3):
        spans.append(
            _span(
                f"00000000000000b{i}",
                "00000000000000a2",
                "search_flights.tool",
                _entity("tool", "search_flights", args, {"price_eur": 420}, new),
            )
        )
    chat = {
        "llm.request.type": "chat",
        "gen_ai.system": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.prompt.0.role": "user",
        "gen_ai.prompt.0.content": "BER to LIS",
        "gen_ai.completion.0.role": "assistant",
        "gen_ai.completion.0.content": "420 EUR",
    }
    if new:
        chat["gen_ai.operation.name"] = "chat"
    spans.append(_span("00000000000000c1", "00000000000000a2", "openai.chat", chat))
    spans.append(
        _span(
            "00000000000000a3",
            "00000000000000a1",
            "planner.agent",
            _entity("agent", "planner", {"args": ["420 EUR"], "kwargs": {}}, "Flight at 240 EUR", new),
        )
    )
    doc = {
        "resourceSpans": [
            {
                "resource": {"attributes": []},
                "scopeSpans": [{"scope": {"name": "traceloop.tracer"}, "spans": spans}],
            }
        ]
    }
    return doc


def _steps(tmp_path: Path, new: bool, fast: bool | None, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", fast)
    path = tmp_path / "tl.otlp.jsonl"
    path.write_text(json.dumps(trip(new)) + "\n")
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored, rep.quarantined) == (7, 7, 0)
    rows = ws.sql("SELECT step_id, kind, agent, tool, input, output FROM steps").fetchall()
    return {r[0][-2:]: r[1:] for r in rows}


# (the chosen reader: both store the same rows for the file, compared by tests/ingest/conftest.py)
@pytest.mark.parametrize("new", [True, False])
def test_traceloop_span_kinds_entities_and_values(
    tmp_path: Path, new: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = _steps(tmp_path, new, None, monkeypatch)
    assert s["a1"][:2] == ("chain", None)  # the @workflow
    assert s["a2"][:2] == ("agent", "flight_agent") and s["a3"][:2] == ("agent", "planner")
    # a @tool: its name, and the call's keyword arguments and the returned value (not Traceloop's wrapping)
    assert s["b0"][:3] == ("tool", "flight_agent", "search_flights")
    assert json.loads(s["b0"][3]) == {"origin": "BER", "dest": "LIS"} and json.loads(s["b0"][4]) == {
        "price_eur": 420
    }
    assert (s["a2"][3], s["a2"][4]) == ("BER to LIS", "420 EUR")  # a returned str is unquoted
    assert s["a1"][4] == "Flight at 240 EUR"
    assert s["c1"][0] == "llm"  # llm.request.type "chat", with or without gen_ai.operation.name


def test_traceloop_loop_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "tl.otlp.jsonl"
    path.write_text(json.dumps(trip(False)) + "\n")
    ws = wb.open()
    ws.ingest(path)
    f = wb.detect(ws)
    loops = f[f.detector == "loop"]
    assert list(loops.agent) == ["flight_agent"] and "search_flights" in loops.detail.iloc[0]


# OpenLLMetry's LangChain instrumentation (0.62.4) on a LangGraph graph of create_react_agent workers
# (real13_out/tl_langgraph.otlp.jsonl): a node's span is "execute_task <node>" (entity = node), the LangGraph
# metadata in traceloop.association.properties.*, a tool's call {"input_str", "tags", "metadata"}.
def _lg(node: str, ns: str) -> dict:
    p = "traceloop.association.properties."
    return {
        p + "langgraph_node": node,
        p + "langgraph_checkpoint_ns": ns,
        p + "langgraph_step": "1",
        "traceloop.workflow.name": "LangGraph",
    }


def langgraph_trip() -> dict:
    ns = "researcher:ade58c03-129d-4a9b-fb02-851f6d9435c0"
    call = json.dumps(
        {
            "input_str": "{'item': 'widget'}",
            "tags": ["seq:step:1"],
            "metadata": {"langgraph_step": 2, "langgraph_node": "tools"},
        }
    )
    spans = [
        _span(
            "00000000000000a1",
            None,
            "LangGraph.workflow",
            {
                "traceloop.span.kind": "workflow",
                "traceloop.entity.name": "LangGraph",
                "gen_ai.operation.name": "invoke_agent",
            },
        ),
        _span(
            "00000000000000a2",
            "00000000000000a1",
            "execute_task researcher",
            {
                "traceloop.span.kind": "task",
                "traceloop.entity.name": "researcher",
                "gen_ai.operation.name": "execute_task",
                **_lg("researcher", ns),
            },
        ),
        _span(
            "00000000000000a3",
            "00000000000000a2",
            "execute_task agent",
            {
                "traceloop.span.kind": "task",
                "traceloop.entity.name": "agent",
                "gen_ai.operation.name": "execute_task",
                **_lg("agent", ns + "|agent:e9379fde"),
            },
        ),
        _span(
            "00000000000000c1",
            "00000000000000a3",
            "ChatOpenAI.chat",
            {"gen_ai.operation.name": "chat", **_lg("agent", ns + "|agent:e9379fde")},
        ),
    ]
    for i, ok in ((0, False), (1, True)):
        spans.append(
            _span(
                f"00000000000000b{i}",
                "00000000000000a2",
                "execute_tool get_price",
                {
                    "traceloop.span.kind": "tool",
                    "traceloop.entity.name": "get_price",
                    "gen_ai.operation.name": "execute_tool",
                    "gen_ai.tool.name": "get_price",
                    "gen_ai.tool.call.arguments": call,
                    "traceloop.entity.input": call,
                    **_lg("tools", ns + f"|tools:0{i}"),
                },
                None if ok else "price service timed out",
            )
        )
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": []},
                "scopeSpans": [
                    {"scope": {"name": "opentelemetry.instrumentation.langchain"}, "spans": spans}
                ],
            }
        ]
    }


# (the chosen reader: both store the same rows for the file, compared by tests/ingest/conftest.py)
def test_openllmetry_langgraph_nodes_name_the_agents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", None)
    path = tmp_path / "lg.otlp.jsonl"
    path.write_text(json.dumps(langgraph_trip()) + "\n")
    ws = wb.open()
    assert ws.ingest(path).stored == 6
    rows = {
        r[0]: r[1:]
        for r in ws.sql(
            "SELECT name, agent, input FROM steps WHERE name <> 'execute_tool get_price' OR status = 'error'"
        ).fetchall()
    }
    assert rows["execute_task researcher"][0] == "researcher"
    assert rows["execute_task agent"][0] == "researcher"  # the worker's loop node acts for it
    assert rows["ChatOpenAI.chat"][0] == "researcher"
    assert rows["execute_tool get_price"] == ("researcher", "{'item': 'widget'}")
    f = wb.detect(ws)
    assert list(f[f.detector == "retry"].agent) == ["researcher"]

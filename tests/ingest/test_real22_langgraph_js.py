"""LangGraph.js through OpenInference, read from a real run's export (real22,
``fixtures/langgraph_js/langgraph_js_quote.otlp.jsonl``: @langchain/langgraph 1.7.3, @langchain/core 1.4.0,
@langchain/openai 1.5.8, @arizeai/openinference-instrumentation-langchain 4.1.1, @opentelemetry/sdk-trace-node
2.12.1; a StateGraph researcher -> writer of two ``createReactAgent`` agents, ChatOpenAI against a scripted
OpenAI-compatible server on loopback; get_price throws once, ToolNode hands the error back, the model calls it
again and gets 41.20; the writer quotes 14.20. Trimmed: the chains' input/output and the model calls' input and
parameters dropped, the stack trace shortened; the rest as exported).

Before: a tool's input was ``widget``, not its arguments (OpenInference's JS ``formatIO`` writes an input that
holds one string as that string), and the plumbing nodes of each agent's subgraph (``__start__``, the ToolNode
``tools``) were agent steps, more agent spans per worker and turn."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

FIXTURE = Path(__file__).parent / "fixtures" / "langgraph_js" / "langgraph_js_quote.otlp.jsonl"


def _ingest(
    monkeypatch: pytest.MonkeyPatch, fast: bool | None, path: Path = FIXTURE
) -> tuple[wb.Workspace, wb.IngestReport]:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", fast)
    ws = wb.open()
    rep = ws.ingest(path, progress=False)
    assert (rep.read, rep.stored, rep.quarantined) == (32, 32, 0)
    return ws, rep


# (the chosen reader: both store the same rows for every checked-in fixture, test_reader24_agreement.py)
def test_langgraph_js_tool_input_is_the_calls_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    check_tool_input_is_the_calls_arguments(*_ingest(monkeypatch, None))


def check_tool_input_is_the_calls_arguments(ws: wb.Workspace, rep: wb.IngestReport) -> None:
    """The real22 pipeline's run (researcher -> writer, get_price throwing once), whatever model wrote the calls:
    the tool steps' input is the call's arguments, the retry is the researcher's, the silent failure the writer's."""
    tools = ws.sql(
        "SELECT agent, tool, status, input, output FROM steps WHERE kind = 'tool' ORDER BY started_at"
    ).fetchall()
    assert [(a, t, s, json.loads(i)) for a, t, s, i, _ in tools] == [
        ("researcher", "get_price", "error", {"item": "widget"}),  # old code: 'widget'
        ("researcher", "get_price", "ok", {"item": "widget"}),
    ]
    assert tools[1][4] == "41.20"
    assert any("tool call(s) whose input was the text" in n for n in rep.notes)
    f = wb.detect(ws)
    assert list(f[f.detector == "retry"].agent) == ["researcher"]
    assert list(f[f.detector == "silent_failure"].agent) == ["writer"]


# (the chosen reader: both store the same rows for every checked-in fixture, test_reader24_agreement.py)
def test_langgraph_js_plumbing_nodes_are_steps_not_agents(monkeypatch: pytest.MonkeyPatch) -> None:
    ws, _ = _ingest(monkeypatch, None)
    agents = ws.sql(
        "SELECT name, agent, count(*) FROM steps WHERE kind = 'agent' GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    # each worker's node span and its subgraph's span, and its model turns (the `agent` node); old code: also
    # each worker's __start__ and tools nodes
    assert agents == [
        ("agent", "researcher", 3),
        ("agent", "writer", 1),
        ("researcher", "researcher", 2),
        ("writer", "writer", 2),
    ]
    inner = ws.sql(
        "SELECT name, kind, agent, count(*) FROM steps WHERE name IN ('__start__', 'tools') "
        "GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert inner == [
        ("__start__", "chain", "researcher", 1),
        ("__start__", "chain", "writer", 1),
        ("__start__", "chain", None, 1),
        ("tools", "chain", "researcher", 2),
    ]
    # still steps of the run, under their agent's span
    llm = ws.sql(
        "SELECT p.name, p.kind, s.agent FROM steps s JOIN steps p ON p.run_id = s.run_id "
        "AND p.step_id = s.parent_id WHERE s.kind = 'tool'"
    ).fetchall()
    assert llm == [("tools", "chain", "researcher")] * 2


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("gadget", {"item": "widget"}),  # another value: not this call's argument
        ("widget", {"item": "widget", "currency": "USD"}),  # two arguments: the text is not the input
    ],
)
def test_langgraph_js_tool_text_left_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, args: dict
) -> None:
    lines = []
    for line in FIXTURE.read_text().splitlines():
        doc = json.loads(line)
        for sp in doc["resourceSpans"][0]["scopeSpans"][0]["spans"]:
            for a in sp["attributes"]:
                if a["key"].endswith("tool_call.function.arguments"):
                    a["value"] = {"stringValue": json.dumps(args)}
                if sp["name"] == "get_price" and a["key"] == "input.value":
                    a["value"] = {"stringValue": text}
                if sp["name"] == "ChatOpenAI" and a["key"] == "output.value":
                    out = json.loads(a["value"]["stringValue"])
                    for g in out["generations"][0]:
                        for c in g["message"]["kwargs"].get("tool_calls", []):
                            c["args"] = args
                        for c in g["message"]["kwargs"].get("additional_kwargs", {}).get("tool_calls", []):
                            c["function"]["arguments"] = json.dumps(args)
                    a["value"] = {"stringValue": json.dumps(out)}
        lines.append(json.dumps(doc))
    path = tmp_path / "lgjs.otlp.jsonl"
    path.write_text("\n".join(lines) + "\n")
    ws, rep = _ingest(monkeypatch, True, path)
    assert [i for (i,) in ws.sql("SELECT input FROM steps WHERE kind = 'tool'").fetchall()] == [text, text]
    assert not any("tool call(s)" in n for n in rep.notes)


def oi_span(trace: str, sid: int, parent: int | None, name: str, attrs: dict) -> dict:
    """Span ``sid`` of ``trace`` (string attributes, 0.5 ms long, started ``sid`` ms into the trace)."""
    sp = {
        "traceId": trace,
        "spanId": f"{sid:016x}",
        "name": name,
        "kind": 1,
        "startTimeUnixNano": str(1796183900000000000 + sid * 1_000_000),
        "endTimeUnixNano": str(1796183900000000000 + sid * 1_000_000 + 500_000),
        "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()],
        "status": {},
    }
    if parent:
        sp["parentSpanId"] = f"{parent:016x}"
    return sp


def oi_request(spans: list[dict]) -> dict:
    return {
        "resourceSpans": [
            {"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": "oi"}, "spans": spans}]}
        ]
    }


def _oi_trace(arguments: list[str]) -> dict:
    """An OpenInference LLM span asking for get_price once per arguments text, each call then a tool span whose
    input is the text ``widget`` (as the JS instrumentation writes one string argument)."""

    def span(sid: int, parent: int | None, name: str, attrs: dict) -> dict:
        return oi_span("ab" * 16, sid, parent, name, attrs)

    llm = {
        "openinference.span.kind": "LLM",
        "llm.model_name": "gpt-4o-mini",
        "llm.output_messages.0.message.role": "assistant",
    }
    for i, args in enumerate(arguments):
        pre = f"llm.output_messages.0.message.tool_calls.{i}.tool_call.function."
        llm |= {pre + "name": "get_price", pre + "arguments": args}
    spans = [span(1, None, "agent", {"openinference.span.kind": "AGENT"}), span(2, 1, "ChatOpenAI", llm)]
    spans += [
        span(
            3 + i,
            1,
            "get_price",
            {
                "openinference.span.kind": "TOOL",
                "tool.name": "get_price",
                "input.value": "widget",
                "input.mime_type": "text/plain",
            },
        )
        for i in range(len(arguments))
    ]
    return oi_request(spans)


@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_tool_text_input_survives_hostile_arguments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast: bool
) -> None:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", fast)
    deep = '{"item": ' + "[" * 5000 + "]" * 5000 + "}"
    for arguments, want in [
        ([deep, "not json {"], "widget"),
        ([deep, '{"item": "widget"}'], '{"item": "widget"}'),
    ]:
        path = tmp_path / "oi.otlp.json"
        path.write_text(json.dumps(_oi_trace(arguments)))
        ws = wb.open()
        rep = ws.ingest(path, progress=False)
        assert (rep.stored, rep.quarantined) == (2 + len(arguments), 0), rep.errors
        assert {i for (i,) in ws.sql("SELECT input FROM steps WHERE kind = 'tool'").fetchall()} == {want}

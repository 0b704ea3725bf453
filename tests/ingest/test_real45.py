"""real45: real frameworks' traces the readers still got wrong (fixtures' sources in each test's docstring)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from _otel_fixtures import run_adapter

import workbench as wb
from workbench.ingest.otlp import OtlpJson

FIXTURES = Path(__file__).parent / "fixtures"


def _attr(key: str, value: object) -> dict:
    return {
        "key": key,
        "value": {"intValue": str(value)} if isinstance(value, int) else {"stringValue": value},
    }


def _otlp(spans: list[dict], scope: str = "openinference.instrumentation.langchain") -> str:
    return json.dumps(
        {
            "resourceSpans": [
                {
                    "resource": {"attributes": [_attr("service.name", "desk")]},
                    "scopeSpans": [{"scope": {"name": scope}, "spans": spans}],
                }
            ]
        }
    )


def _span(sid: str, parent: str | None, name: str, at: int, attrs: dict, error: bool = False) -> dict:
    return {
        "traceId": "7d5c0c7e3f2a4b8e9a1b2c3d4e5f6a7b",
        "spanId": sid,
        **({"parentSpanId": parent} if parent else {}),
        "name": name,
        "kind": "SPAN_KIND_INTERNAL",
        "startTimeUnixNano": str(1772443800_000_000_000 + at * 1_000_000_000),
        "endTimeUnixNano": str(1772443800_500_000_000 + at * 1_000_000_000),
        "attributes": [_attr(k, v) for k, v in attrs.items()],
        "status": {"code": "STATUS_CODE_ERROR" if error else "STATUS_CODE_OK"},
    }


def test_otlp_spans_of_a_flat_langgraph_graph_give_its_tool_calls_to_the_agent_node(tmp_path: Path) -> None:
    """Failed at main: the OTLP reader (its SQL path hands LangGraph spans to map_span) left the tool calls of a
    flat graph's top-level ToolNode with no agent. Spans as OpenInference's LangChain instrumentor writes them
    (fixtures/langgraph/openinference_two_agents is its real capture; this is create_react_agent's flat loop)."""

    def meta(node: str, step: int) -> str:
        return json.dumps(
            {"langgraph_step": step, "langgraph_node": node, "langgraph_checkpoint_ns": f"{node}:1"}
        )

    spans = [
        _span("a000000000000001", None, "LangGraph", 0, {"openinference.span.kind": "CHAIN"}),
        _span(
            "a000000000000002",
            "a000000000000001",
            "agent",
            1,
            {"openinference.span.kind": "CHAIN", "metadata": meta("agent", 1)},
        ),
        _span(
            "a000000000000003",
            "a000000000000001",
            "tools",
            2,
            {"openinference.span.kind": "CHAIN", "metadata": meta("tools", 2)},
        ),
        _span(
            "a000000000000004",
            "a000000000000003",
            "check_stock",
            2,
            {"openinference.span.kind": "TOOL", "tool.name": "check_stock", "metadata": meta("tools", 2)},
            error=True,
        ),
    ]
    path = tmp_path / "flat.otlp.jsonl"
    path.write_text(_otlp(spans) + "\n")
    ws = wb.open()
    report = ws.ingest(path, progress=False)
    assert (report.read, report.stored) == (4, 4)
    got = dict(ws.sql("SELECT name, agent FROM steps").fetchall())
    assert got == {"LangGraph": None, "agent": "agent", "tools": "agent", "check_stock": "agent"}


def test_a_llamaindex_step_whose_event_was_cut_early_is_read_by_the_mapper(tmp_path: Path) -> None:
    """Failed at main; the SQL path also sends such a step to the mapper: a ``setup_agent`` input cut before any
    ``ToolCall`` text (the first turn of a long question) took the fast path, which names no agent. Spans of the
    real capture fixtures/llamaindex-attr-limit-4096/pricer_shipping_pingpong (its README), their inputs cut at
    300 characters as a lower OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT would."""
    spans = []
    with gzip.open(
        FIXTURES / "llamaindex-attr-limit-4096" / "pricer_shipping_pingpong.otlp.jsonl.gz", "rt"
    ) as fh:
        for line in fh:
            for rs in json.loads(line)["resourceSpans"]:
                for ss in rs["scopeSpans"]:
                    spans += ss["spans"]
    root = next(s for s in spans if s["name"] == "AgentWorkflow.run")

    def value(span: dict, key: str) -> str:
        return next((a["value"]["stringValue"] for a in span["attributes"] if a["key"] == key), "")

    # the first setup_agent whose AgentSetup output names its agent (pricer's, after clerk's hand-off), and the
    # run_agent_step that handles that event
    setup = next(
        s
        for s in spans
        if s["name"] == "AgentWorkflow.setup_agent" and "current_agent_name" in value(s, "output.value")
    )
    step = min(
        (
            s
            for s in spans
            if s["name"] == "AgentWorkflow.run_agent_step"
            and s["startTimeUnixNano"] > setup["startTimeUnixNano"]
        ),
        key=lambda s: s["startTimeUnixNano"],
    )
    steps = [setup, step]
    for s in steps:
        for a in s["attributes"]:
            if a["key"] == "input.value":
                a["value"]["stringValue"] = a["value"]["stringValue"][:300]
                assert "ToolCall" not in a["value"]["stringValue"]
    path = tmp_path / "cut.otlp.jsonl"
    path.write_text(_otlp([root, *steps], "openinference.instrumentation.llama_index") + "\n")
    for fast in (False, True):  # the Python reader, and the SQL path (a large file's) handing the steps to it
        con, stage = run_adapter(OtlpJson(fast=fast), path)
        staged = con.execute("SELECT step_id, name, agent FROM stage_steps ORDER BY start_ns").fetchall()
        assert [r[1:] for r in staged] == [
            ("AgentWorkflow.run", None),
            ("AgentWorkflow.setup_agent", "pricer"),
            ("AgentWorkflow.run_agent_step", None),
        ], fast
        # (run_agent_step takes setup_agent's agent once staged: _step_agents)
        assert [sid for _, sid in stage.agent_of_previous] == [staged[2][0]], fast

"""A LangGraph state whose answer the last node wrote to a key of its own (``report``) beside ``messages`` (real24).

``class State(MessagesState): report: str``, the writer node returning ``{"report": ...}`` and no message: the
graph's span (OpenInference, ``output.value``) holds the state, messages as LangChain serialises them
(``{"lc": 1, "type": "constructor", "id": [..., "AIMessage"], "kwargs": {...}}``). Before, the step's answer
was the last AI message's text alone and the report, with the writer's made-up figure, was never read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

RESULT = json.dumps({"city": "Lisbon", "population": 545000, "year": 2024})
WRONG = "Lisbon, home to 454,000 people, is Portugal's capital."


def _msg(cls: str, **kwargs) -> dict:
    return {"lc": 1, "type": "constructor", "id": ["langchain", "schema", "messages", cls], "kwargs": kwargs}


STATE = {
    "messages": [
        _msg("HumanMessage", content="What is the population of Lisbon?", type="human"),
        _msg(
            "AIMessage",
            content="",
            type="ai",
            tool_calls=[
                {"name": "get_population", "args": {"city": "Lisbon"}, "id": "call_1", "type": "tool_call"}
            ],
            response_metadata={"token_usage": {"prompt_tokens": 160, "completion_tokens": 14}},
        ),
        _msg("ToolMessage", content=RESULT, type="tool", tool_call_id="call_1", name="get_population"),
        _msg(
            "AIMessage",
            content="I have the figure; handing it to the writer.",
            type="ai",
            response_metadata={"token_usage": {"prompt_tokens": 210, "completion_tokens": 11}},
        ),
    ],
    "report": WRONG,
}


def _trace() -> dict:
    def span(sid: int, parent: int | None, name: str, attrs: dict) -> dict:
        sp = {
            "traceId": "ba" * 16,
            "spanId": f"{sid:016x}",
            "name": name,
            "kind": 1,
            "startTimeUnixNano": str(1796183900000000000 + sid * 1_000_000),
            "endTimeUnixNano": str(1796183900000000000 + (10 - sid) * 1_000_000 + 10_000_000),
            "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()],
            "status": {},
        }
        if parent:
            sp["parentSpanId"] = f"{parent:016x}"
        return sp

    spans = [
        span(
            1,
            None,
            "LangGraph",
            {
                "openinference.span.kind": "CHAIN",
                "output.value": json.dumps(STATE),
                "output.mime_type": "application/json",
            },
        ),
        span(
            2,
            1,
            "get_population",
            {
                "openinference.span.kind": "TOOL",
                "tool.name": "get_population",
                "input.value": json.dumps({"city": "Lisbon"}),
                "output.value": RESULT,
            },
        ),
    ]
    return {
        "resourceSpans": [
            {"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": "oi"}, "spans": spans}]}
        ]
    }


@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_the_reports_figure_is_read_as_the_graphs_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast: bool
) -> None:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", fast)
    path = tmp_path / "graph.otlp.json"
    path.write_text(json.dumps(_trace()))
    ws = wb.open()
    rep = ws.ingest(path, progress=False)
    assert (rep.stored, rep.quarantined) == (2, 0), rep.errors
    ((out,),) = ws.sql("SELECT output FROM steps WHERE name = 'LangGraph'").fetchall()
    assert out == "I have the figure; handing it to the writer.\n" + WRONG  # old code: the message alone
    wb.detect(ws)
    found = ws.sql("SELECT severity, detail FROM findings WHERE detector = 'silent_failure'").fetchall()
    # (a warning: the root's status is unset, no outcome reported)
    assert len(found) == 1 and "454,000 (unsupported)" in found[0][1], found

"""traceloop-sdk 0.33: a @tool that raises never ends its span and leaves its context current, so the failed
span is missing from the export and the spans after it name it as their parent (real run: llmetry13,
/work/wt/_notes/real13_out/tl_trip_0.33.otlp.jsonl, where get_hotels failed once). Each span names the
@agent it runs in as ``traceloop.workflow.name``: those orphans act for that agent (logs14)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

TRACE = "5e1bd0b1c2a64d0f8a3e6b7c9d0e1f20"
ROOT, HOTEL, PLANNER, LOST = "20300b64ee1eef9c", "9f1349301138c2f5", "e073287f8b5420d2", "cb5cfb0ca22659c9"
ORPHAN_CHAT, ORPHAN_TOOL = "662887275e7dbce0", "53d0965415241968"


def _span(sid: str, parent: str | None, name: str, attrs: dict, at: int) -> dict:
    out = {
        "traceId": TRACE,
        "spanId": sid,
        "name": name,
        "kind": 1,
        "startTimeUnixNano": str(1796150790000000000 + at * 1000),
        "endTimeUnixNano": str(1796150790000000000 + at * 1000 + 500),
        "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()],
        "status": {},
    }
    if parent:
        out["parentSpanId"] = parent
    return out


def _entity(kind: str, name: str, workflow: str) -> dict:
    return {
        "traceloop.workflow.name": workflow,
        "traceloop.span.kind": kind,
        "traceloop.entity.name": name,
        "traceloop.entity.input": json.dumps({"args": ["Lisbon"], "kwargs": {}}),
    }


def _chat(workflow: str, path: str | None = None) -> dict:
    attrs = {
        "llm.request.type": "chat",
        "gen_ai.system": "OpenAI",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.prompt.0.role": "user",
        "gen_ai.prompt.0.content": "Find a hotel in Lisbon",
        "gen_ai.completion.0.role": "assistant",
        "gen_ai.completion.0.content": "Hotel at 95 EUR",
        "traceloop.workflow.name": workflow,
    }
    if path:
        attrs["traceloop.entity.path"] = path
    return attrs


def trip(path: Path, workflow_of_agents: bool = True) -> Path:
    """0.33 names the @agent as the workflow of the spans inside it; 0.4x names the top @workflow there."""
    wf = (lambda agent: agent) if workflow_of_agents else (lambda agent: "plan_trip")
    spans = [
        _span(ROOT, None, "plan_trip.workflow", _entity("workflow", "plan_trip", "plan_trip"), 0),
        _span(HOTEL, ROOT, "hotel_agent.agent", _entity("agent", "hotel_agent", wf("hotel_agent")), 1),
        _span("23021686ee5041d9", HOTEL, "openai.chat", _chat(wf("hotel_agent")), 2),
        # (the failed get_hotels span LOST is not in the export: these three name it as their parent)
        _span(ORPHAN_CHAT, LOST, "openai.chat", _chat(wf("hotel_agent"), "get_hotels"), 4),
        _span(
            ORPHAN_TOOL,
            LOST,
            "get_hotels.tool",
            {**_entity("tool", "get_hotels", wf("hotel_agent")), "traceloop.entity.path": "get_hotels"},
            5,
        ),
        _span(PLANNER, ROOT, "planner.agent", _entity("agent", "planner", wf("planner")), 6),
        _span("7600c7b152ffe430", PLANNER, "openai.chat", _chat(wf("planner")), 7),
    ]
    path.write_text(
        json.dumps(
            {
                "resourceSpans": [
                    {
                        "resource": {"attributes": []},
                        "scopeSpans": [{"scope": {"name": "traceloop.tracer"}, "spans": spans}],
                    }
                ]
            }
        )
        + "\n"
    )
    return path


def _agents(ws: wb.Workspace) -> dict:
    return dict(ws.sql("SELECT step_id, agent FROM steps").fetchall())


# (the chosen reader: both store the same rows for the file, compared by tests/ingest/conftest.py)
def test_spans_orphaned_by_a_failed_tool_act_for_the_agent_their_workflow_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", None)
    ws = wb.open()
    rep = ws.ingest(trip(tmp_path / "trip.jsonl"))
    assert (rep.read, rep.stored, rep.quarantined) == (7, 7, 0)
    agents = _agents(ws)
    assert agents[ORPHAN_CHAT] == agents[ORPHAN_TOOL] == "hotel_agent"
    assert agents["7600c7b152ffe430"] == "planner"


def test_the_orphans_keep_their_agent_when_a_later_call_adds_to_the_run(tmp_path: Path) -> None:
    ws = wb.open()
    ws.ingest(trip(tmp_path / "trip.jsonl"))
    late = _span("00000000000000f1", PLANNER, "openai.chat", _chat("planner"), 8)
    (tmp_path / "late.jsonl").write_text(
        json.dumps(
            {
                "resourceSpans": [
                    {
                        "resource": {"attributes": []},
                        "scopeSpans": [{"scope": {"name": "traceloop.tracer"}, "spans": [late]}],
                    }
                ]
            }
        )
    )
    ws.ingest(tmp_path / "late.jsonl")
    agents = _agents(ws)
    assert agents[ORPHAN_CHAT] == agents[ORPHAN_TOOL] == "hotel_agent"


def test_a_workflow_that_is_no_agent_names_no_orphan(tmp_path: Path) -> None:
    """0.4x writes the top @workflow's name on every span: it is no agent of the run, so it names nobody."""
    ws = wb.open()
    ws.ingest(trip(tmp_path / "trip.jsonl", workflow_of_agents=False))
    agents = _agents(ws)
    assert agents[ORPHAN_CHAT] is None and agents[ORPHAN_TOOL] is None

"""Real Langfuse trace exports of two frameworks (fixtures/langfuse-ui, README there): what a user saw.

Before: LangGraph.js's own ``ChannelWrite`` runnables inside a ``tools`` node were read as two more tool calls
(``ChannelWrite<...>``) beside the one real ``get_weather`` call; BeeAI's tool emitter events (a call's start,
finish and success, typed TOOL) were three calls of three tools named after the events, where the OTLP readers
read them as the events they are. A page of observations the Python SDK gave and the user saved with pydantic's
``model_dump()`` (field names ``trace_id``, ``parent_observation_id``: the SDK's Python names) was no format at all.
"""

from __future__ import annotations

from pathlib import Path

import workbench as wb

FIXTURES = Path(__file__).parent / "fixtures" / "langfuse-ui"


def _steps(name: str):
    ws = wb.open()
    ws.ingest(FIXTURES / name, progress=False)
    return ws.steps(ws.runs().run_id[0])


def test_langgraph_js_plumbing_is_no_tool_call() -> None:
    steps = _steps("langgraph-js-2025-10-30.trace.json")
    tools = steps[steps.kind == "tool"]
    assert list(zip(tools.tool, tools.agent, strict=True)) == [("get_weather", "model_request")]
    writes = steps[steps.name.str.startswith("ChannelWrite")]
    assert len(writes) == 6 and set(writes.kind) == {"chain"} and writes.tool.isna().all()


def test_beeai_tool_events_are_events_not_calls() -> None:
    steps = _steps("beeai-2025-08-01.trace.json")
    assert not (steps.kind == "tool").any()
    events = steps[steps.name.str.startswith("tool.search.wikipedia.")]
    assert len(events) == 3 and set(events.kind) == {"chain"} and events.tool.isna().all()
    assert set(events.agent) == {"beeai-framework-main"}


def test_an_sdk_page_saved_with_model_dump_reads_as_the_api_names_do() -> None:
    steps = _steps("crewai-2025-07-11.observations.model_dump.json")
    assert len(steps) == 6 and steps.started_at.notna().all() and steps.ended_at.notna().all()
    assert steps.parent_id.notna().sum() == 5 and set(steps.agent.dropna()) == {"Software developer"}
    assert (steps.kind == "llm").sum() == 1 and steps.tokens_in.notna().any()

"""Haystack's own OpenTelemetry tracing read by both OTLP readers: each span's kind, the agent of each step (the
Agent component's name; for an Agent offered to another as a ComponentTool, the tool's name), a caught tool error
as an error step, the outcome left to what the trace says. The shape: tests/ingest/_haystack_otel.py (deepset-ai/
haystack c7cb46c0, haystack-core-integrations 50a84e94).

Before, every span read as kind "other" with no agent: the run named nobody and the researcher's failed
``fetch_price`` call (status unset, the error only in its content output) was no error at all.
"""

from __future__ import annotations

import json

import pytest
from _haystack_otel import export, run
from _otlp_json import by_each_reader

import workbench as wb

# span n of each run (tests/ingest/_haystack_otel.py's order) -> (kind, agent, tool)
EXPECTED = {
    1: ("chain", None, None),  # haystack.pipeline.run
    2: ("chain", None, None),  # the ChatPromptBuilder component
    3: ("agent", "planner", None),  # the Agent component
    4: ("chain", "planner", None),  # its haystack.agent.run (naming no agent)
    5: ("chain", "planner", None),  # step 0
    6: ("llm", "planner", None),
    7: (
        "tool",
        "planner",
        "researcher",
    ),  # the planner's call of the researcher (the call stays the caller's)
    8: ("agent", "researcher", None),  # the researcher's run, under the call: the tool's name
    9: ("chain", "researcher", None),
    10: ("llm", "researcher", None),
    11: ("tool", "researcher", "fetch_price"),
    12: ("chain", "researcher", None),
    13: ("llm", "researcher", None),
    14: ("chain", "planner", None),
    15: ("llm", "planner", None),
}
FAILED = (
    "Failed to invoke Tool `fetch_price` with parameters {'item': 'widget'}. Error: 503 Service Unavailable"
)


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict:
    # a1: content tracing on, the researcher's tool call failing (caught); a2: content tracing off; a3: all well,
    # the planner's call confirmed by a ConfirmationHook first
    doc = export(
        [run("a1" * 16, tool_error=True), run("a2" * 16, content=False), run("a3" * 16, confirm=True)]
    )
    path = tmp_path_factory.mktemp("hay49") / "haystack.otlp.json"
    path.write_text(json.dumps(doc))
    return by_each_reader(path, (47, 47, 0))


def _steps(ws: wb.Workspace) -> dict:
    rows = ws.sql("SELECT run_id[:2], step_id, kind, agent, tool, status, error, model, tokens_in FROM steps")
    return {(r, int(s, 16)): tuple(rest) for r, s, *rest in rows.fetchall()}


@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_kinds_and_agents(stores: dict, fast: bool) -> None:
    s = _steps(stores[fast])
    for r in ("a1", "a2", "a3"):  # (content tracing off changes none of it: the span names say it)
        assert {n: s[r, n][:3] for n in EXPECTED} == EXPECTED, r
    # a model call's reply names the model and counts its tokens (only with content tracing on)
    assert s["a1", 6][5:] == ("gpt-4o-mini-2024-07-18", 120)
    assert s["a2", 6][5:] == (None, None)
    # a ConfirmationHook's run (a chain step of the planner's), its strategy asking about the researcher's call
    assert [s["a3", n][:3] for n in (16, 17)] == [
        ("chain", "planner", None),
        ("human", "planner", "researcher"),
    ]


@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_caught_tool_error_is_an_error_step(stores: dict, fast: bool) -> None:
    s = _steps(stores[fast])
    assert s["a1", 11][3:5] == ("error", FAILED)
    assert [n for n in EXPECTED if s["a1", n][3] == "error"] == [11]  # (the caught error stays the call's)
    # content tracing off: the error is not in the trace, so no step says it; a good result is no error
    assert all(s[r, n][3] == "unset" for r in ("a2", "a3") for n in EXPECTED)
    # the run's outcome: its root says nothing (the error was handed back to the model, which answered)
    assert dict(stores[fast].sql("SELECT run_id[:2], outcome FROM runs").fetchall()) == {
        "a1": "unknown",
        "a2": "unknown",
        "a3": "unknown",
    }


def test_both_readers_read_it_alike(stores: dict) -> None:
    assert _steps(stores[True]) == _steps(stores[False])


def test_agent_run_read_after_its_tool_call(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A trace read in two calls, the researcher's run after the planner's call of it: still the tool's agent."""
    spans = run("a4" * 16)
    first, second = tmp_path / "a.otlp.json", tmp_path / "b.otlp.json"
    first.write_text(json.dumps(export([spans[:7]])))
    second.write_text(json.dumps(export([spans[7:]])))
    ws = wb.open()
    for path in (first, second):
        ws.ingest(path, progress=False)
    s = _steps(ws)
    assert {n: s["a4", n][:3] for n in EXPECTED} == EXPECTED

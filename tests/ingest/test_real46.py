"""real46: model calls exported without their LangGraph node's span (fixtures' sources in each test's docstring)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb

FIXTURES = Path(__file__).parent / "fixtures"
PHOENIX_LLM = FIXTURES / "phoenix-llm-only" / "llm_spans.jsonl"
LANGSMITH = FIXTURES / "langsmith"


def _calls(ws: wb.Workspace) -> list[tuple]:
    return ws.sql("SELECT step_id, kind, agent, agent_own FROM steps ORDER BY run_id, step_id").fetchall()


def test_a_phoenix_export_of_model_calls_alone_names_their_agents() -> None:
    """Phoenix's ``get_spans_dataframe("span_kind == 'LLM'")`` of a real OpenInference LangGraph capture (a
    researcher and a writer, each a ``create_react_agent`` node; fixtures/phoenix-llm-only/_build.py): no agent
    span above the calls, but each call's metadata names its node (``researcher:…|agent:…``). On main every call
    was nobody's, so the writer's 41.20 quote and the researcher's made-up 41.20 had no agent to blame."""
    ws = wb.open()
    report = ws.ingest(PHOENIX_LLM, progress=False)
    assert (report.stored, report.quarantined) == (4, 0)
    rows = ws.sql("SELECT kind, agent, agent_own FROM steps ORDER BY started_at").fetchall()
    assert rows == [("llm", "researcher", "researcher")] * 2 + [("llm", "writer", "writer")] * 2


@pytest.fixture(scope="module")
def langsmith_parts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """runs.jsonl (LangSmith SDK schema, fixtures/langsmith/SOURCE.txt) in two files: the model calls
    (``list_runs(run_type="llm")``: llm_runs.jsonl) and every other run (the nodes, the graph, the tools)."""
    folder = tmp_path_factory.mktemp("langsmith46")
    nodes = folder / "nodes.jsonl"
    lines = (LANGSMITH / "runs.jsonl").read_text().splitlines(keepends=True)
    nodes.write_text("".join(line for line in lines if json.loads(line)["run_type"] != "llm"))
    whole = wb.open()
    whole.ingest(LANGSMITH / "runs.jsonl", progress=False)
    return {"nodes": nodes, "calls": LANGSMITH / "llm_runs.jsonl", "whole": _calls(whole)}


@pytest.mark.parametrize("order", [("calls", "nodes"), ("nodes", "calls")])
def test_model_calls_and_their_nodes_in_two_calls_store_as_one(langsmith_parts: dict, order: tuple) -> None:
    """The model calls read first named their node's agent themselves (their node's run not in the file); the
    node runs read next must take that back (the stored-run rules), as one call of both never gives it: a call
    under its node takes the node's agent down the tree. Read the other way round, the calls' nodes are stored:
    no name of their own either. On main both orders kept the calls' own agent (agent_own) in six steps."""
    ws = wb.open()
    for part in order:
        ws.ingest(langsmith_parts[part], progress=False)
    assert _calls(ws) == langsmith_parts["whole"]
    assert ws.sql("SELECT count(*) FROM steps WHERE kind = 'llm' AND agent_own IS NULL").fetchall() == [(6,)]


def test_model_calls_alone_in_two_calls_keep_their_agents(tmp_path: Path) -> None:
    """The calls of one export in two files (their nodes in neither): the second call's rules leave the first's
    names alone, as one call of both gives them (each call its node's agent)."""
    lines = (LANGSMITH / "llm_runs.jsonl").read_text().splitlines(keepends=True)
    (tmp_path / "a.jsonl").write_text("".join(lines[:3]))
    (tmp_path / "b.jsonl").write_text("".join(lines[3:]))
    ws = wb.open()
    ws.ingest(tmp_path / "a.jsonl", progress=False)
    ws.ingest(tmp_path / "b.jsonl", progress=False)
    rows = _calls(ws)
    assert sorted(a for _, _, a, _ in rows) == [
        "agent",
        "agent",
        "researcher",
        "researcher",
        "writer",
        "writer",
    ]
    assert all(own == agent for _, _, agent, own in rows)


AUTOGEN = FIXTURES / "autogen-termination"


def _chat_outcome(path: Path) -> tuple:
    ws = wb.open()
    ws.ingest(path, progress=False)
    return ws.sql("SELECT outcome, outcome_source FROM runs ORDER BY n_steps DESC LIMIT 1").fetchall()[0]


def test_an_autogen_chat_a_group_chat_error_ended_failed() -> None:
    """A real AutoGen AgentChat SelectorGroupChat (autogen-agentchat 0.7.5, fixtures/autogen-termination/README.md)
    whose shipping agent's model request failed: the manager handled the GroupChatError (its process span's message
    ``{"error": ...}``) and ended the chat on it. autogen-core sets no status on its messaging spans, so on main the
    run's outcome was unknown and investigate attributed nothing."""
    assert _chat_outcome(AUTOGEN / "model_error.otlp.jsonl.gz") == ("failure", "root_status")


def test_an_autogen_chat_that_stopped_says_no_stop_reason() -> None:
    """The same desk answering and stopping on TERMINATE (TaskResult.stop_reason "Text 'TERMINATE' mentioned"),
    with autogen-core's event logger sent to OTel logs: no span nor log record states the stop reason (the event's
    payload "Message could not be serialized"), so the outcome stays unknown, not guessed from the text."""
    assert _chat_outcome(AUTOGEN / "answered_events.otlp.jsonl.gz") == ("unknown", "none")

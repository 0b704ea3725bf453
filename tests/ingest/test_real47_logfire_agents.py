"""real47: the OpenAI Agents SDK traced by Logfire (fixtures/logfire-openai-agents/README.md: real captures). Logfire
names each span by its SDK type's message template and writes the span data as attributes, with no GenAI operation
nor OpenInference kind: on main every agent run, model call and tool call was an "other" step of nobody's (only the
hand-off was read), so investigate had no agent to blame for the pricer's made-up price."""

from __future__ import annotations

from pathlib import Path

import workbench as wb

DESK = Path(__file__).parent / "fixtures" / "logfire-openai-agents"


def test_logfire_spans_of_the_agents_sdk_are_its_agents_model_calls_and_tools() -> None:
    # (both OTLP readers: test_reader24_agreement reads every checked-in fixture with each and compares)
    ws = wb.open()
    report = ws.ingest(DESK / "tool_error.otlp.jsonl", progress=False)
    assert (report.read, report.stored, report.quarantined) == (12, 12, 0)
    rows = ws.sql(
        "SELECT kind, agent, tool, model, status, error FROM steps "
        "WHERE kind IN ('agent', 'llm', 'tool', 'handoff') ORDER BY started_at, depth"
    ).fetchall()
    failed = "Error running tool (non-fatal): Tool execution failed. Error details are redacted."
    assert rows == [
        ("agent", "triage", None, None, "unset", None),
        ("llm", "triage", None, "gpt-4o-mini", "unset", None),
        ("handoff", "triage", None, None, "unset", None),
        ("agent", "pricer", None, None, "unset", None),
        ("llm", "pricer", None, "gpt-4o-mini", "unset", None),
        ("tool", "pricer", "get_price", None, "error", failed),
        ("llm", "pricer", None, "gpt-4o-mini", "unset", None),
    ]
    calls = ws.sql(
        "SELECT input, output, tokens_in FROM steps WHERE kind = 'llm' ORDER BY started_at"
    ).fetchall()
    assert all(i and o and t == 200 for i, o, t in calls)
    assert "12.40 USD each" in calls[-1][1]  # (the made-up price, the pricer's)
    # (real48: the run went on after the tool's error and answered: not read a success, as the GenAI rule reads it)
    assert ws.sql("SELECT outcome FROM runs").fetchall() == [("unknown",)]
    # ... and its made-up price, stated after the tool failed, is flagged though no outcome was reported (no finding
    # at all before, detect56)
    found = wb.detect(ws, progress=False)
    assert found[["detector", "severity", "agent"]].values.tolist() == [
        ["silent_failure", "warning", "pricer"]
    ]
    assert "the final answer 12.40 (made up); 124.00 (made up)" in found.detail.iloc[0]  # (pricer answered)


def test_a_responses_api_call_reads_its_input_items_and_reply() -> None:
    """On the SDK's default model (the Responses API) the span data holds no messages: the call's input and reply
    are read from what Logfire adds (``raw_input``, ``response``'s output items); the tool's answer is its output."""
    ws = wb.open()
    ws.ingest(DESK / "responses_ok.otlp.jsonl", progress=False)
    calls = ws.sql("SELECT agent, input, output FROM steps WHERE kind = 'llm' ORDER BY started_at").fetchall()
    assert [a for a, _, _ in calls] == ["triage", "pricer", "pricer"]
    assert all("Quote me 10 widgets." in i for _, i, _ in calls)
    assert '"name":"transfer_to_pricer"' in calls[0][2] and '"name":"get_price"' in calls[1][2]
    assert '"content":"10 widgets at 4.12 USD each: 41.20 USD in all."' in calls[2][2]
    tool = ws.sql("SELECT agent, tool, input, output, status FROM steps WHERE kind = 'tool'").fetchall()
    assert tool == [("pricer", "get_price", '{"item":"widget"}', "widget: 4.12 USD each", "unset")]
    # (real48: the root says nothing; the run answered, no step in error)
    assert ws.sql("SELECT outcome, outcome_source FROM runs").fetchall() == [("success", "root_status")]


def test_a_run_that_raised_is_a_failure() -> None:
    """real48: Logfire's root span of the SDK's trace ("OpenAI Agents trace: {name}") ends with no status however the
    run ended (``LogfireTraceWrapper.on_ending`` sets only its ids: pydantic/logfire
    ``logfire/_internal/integrations/openai_agents.py``); the SDK puts its error on the agent span whose turn raised
    (``SpanError("Error in agent run")``) and Logfire gives that span its error level. ``tool_crash``: ``get_price``
    raises with no ``failure_error_function``, and ``Runner.run`` raises ``UserError`` to the caller. Before, such a
    run's outcome was unknown."""
    ws = wb.open()
    ws.ingest(DESK / "tool_crash.otlp.jsonl", progress=False)
    assert ws.sql("SELECT outcome, outcome_source FROM runs").fetchall() == [("failure", "root_status")]
    agent = ws.sql(
        "SELECT agent, status, error FROM steps WHERE kind = 'agent' AND status = 'error'"
    ).fetchall()
    assert agent == [
        ("pricer", "error", "Error in agent run: Error running tool get_price: price feed unavailable (503)")
    ]

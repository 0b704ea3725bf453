"""gave_up: a tool call failed, nothing made it again with success, and the run's answer gave up (detect40).

real39's audit of 58 real traces missed three runs that end this way (an MCP server down, the GenAI
instrumentation's handled tool error, smolagents' caught timeout): no step is in error at the end and the answer
states no wrong value, so no other detector saw that the user got no answer. Written runs first (one store, one
detect), then the three real traces, then the real traces with a tool failure where the run did not give up.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from _runs import RunBuilder, S, _ws

import workbench as wb
from workbench._flagged import flagged_runs

FIXTURES = Path(__file__).parents[1] / "ingest" / "fixtures"


def _run(
    run_id: str,
    outcome: str = "unknown",
    answer: str = "Sorry, I could not get the widget's price.",
    tool_status: str = "error",
    tool_error: str | None = "TimeoutError: price service timed out",
    tool_output: str | None = None,
) -> RunBuilder:
    """researcher: a model call asking for get_price, the call, and the model's answer (the run's answer)."""
    r = RunBuilder(run_id, task="Quote me a widget.", outcome=outcome)
    r.add(kind="agent", name="researcher", agent="researcher", latency=20 * S)
    r.add(
        kind="llm",
        name="chat",
        agent="researcher",
        input="Quote me a widget.",
        output='{"tool_calls": [{"name": "get_price", "arguments": "{\\"item\\": \\"widget\\"}"}]}',
    )
    r.add(
        kind="tool",
        name="get_price",
        tool="get_price",
        agent="researcher",
        input='{"item": "widget"}',
        status=tool_status,
        error=tool_error,
        output=tool_output,
    )
    r.add(kind="llm", name="chat", agent="researcher", input="Quote me a widget.", output=answer)
    r.answer(answer)
    return r


@pytest.fixture(scope="module")
def found() -> dict[str, list[dict]]:
    runs = [
        _run("refused"),  # error, then a refusal
        _run("refused_ok", outcome="success"),  # ... in a run that said success
        _run(
            "mcp_like",
            tool_status="unset",
            tool_error=None,  # the result reports the failure
            tool_output='{"type": "text", "text": "Error executing tool get_price"}',
            answer="I am unable to quote the widget: its price is unavailable.",
        ),
        _run(
            "no_error",
            tool_error=None,
            tool_status="ok",  # a refusal, no tool failed
            tool_output='{"item": "widget", "price": 14.2}',
            answer="Sorry, we do not sell widgets.",
        ),
        _run(
            "error_inside",
            tool_error=None,
            tool_status="ok",  # error words inside a result
            tool_output='{"item": "widget", "price": 14.2, "log": "Error: none"}',
            answer="Sorry, widgets are not available in blue; the widget costs 14.20 USD.",
        ),
        _run("answered", answer="The widget costs 41.20 USD."),  # no give-up (a silent failure)
        _run("quoted", answer="Sorry for the wait: the widget costs 14.20 USD."),  # quotes a backend number
    ]
    # a quoted number needs a backend record: a second tool (stock) that answered
    runs[-1].add(
        kind="tool",
        name="get_stock",
        tool="get_stock",
        agent="researcher",
        input='{"item": "widget"}',
        output='{"item": "widget", "price": 14.2, "units": 120}',
    )
    retried = _run("retried", answer="Sorry for the delay: the widget costs 14.20 USD.")
    retried.add(
        kind="tool",
        name="get_price",
        tool="get_price",
        agent="researcher",
        input='{"item": "widget"}',
        output='{"item": "widget", "price": 14.2}',
    )
    recovered = _run("recovered_refusal", answer="Sorry, we cannot ship widgets to you.")
    recovered.add(
        kind="tool",
        name="get_price",
        tool="get_price",
        agent="researcher",
        input='{"item": "widget"}',
        output='{"item": "widget", "price": 14.2}',
    )
    below = _run("error_below", tool_status="unset", tool_error=None, tool_output=None)
    below.add(kind="chain", name="tools/call get_price", status="error", error="tool_error", parent_id="s03")
    crashed = _run("crashed", answer="Error: price service timed out")  # the run ended on the error
    crashed.records[-1]["status"] = "error"
    looped = RunBuilder("looped", task="Quote me a widget.", outcome="unknown")  # a loop before the give-up
    for _ in range(2):
        looped.add(
            kind="tool",
            name="get_stock",
            tool="get_stock",
            agent="researcher",
            input='{"item": "widget"}',
            output='{"item": "widget", "units": 120}',
        )
    looped.add(
        kind="tool",
        name="get_price",
        tool="get_price",
        agent="researcher",
        input='{"item": "widget"}',
        status="error",
        error="TimeoutError: price service timed out",
    )
    looped.add(
        kind="llm",
        name="chat",
        agent="researcher",
        input="Quote me a widget.",
        output="Sorry, I could not get the widget's price.",
    )
    looped.answer("Sorry, I could not get the widget's price.")
    # Who&When's shape: the executor is an agent and the tool it runs has its name
    terminal = RunBuilder("terminal", task="Quote me a widget.", outcome="unknown")
    terminal.add(
        kind="tool",
        name="Computer_terminal",
        tool="Computer_terminal",
        agent="Computer_terminal",
        input="print(price('widget'))",
        status="error",
        error="exitcode: 1 (execution failed)",
    )
    terminal.add(
        kind="llm",
        name="chat",
        agent="Planner",
        input="Quote me a widget.",
        output="Sorry, I could not get the widget's price.",
    )
    terminal.answer("Sorry, I could not get the widget's price.")
    runs += [retried, recovered, below, crashed, looped, terminal]
    ws = _ws(*runs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        findings = wb.detect(ws, progress=False)
    out: dict[str, list[dict]] = {r.run_id: [] for r in runs}
    for f in findings[findings["detector"] == "gave_up"].to_dict("records"):
        out[f["run_id"]].append(f)
    out["_flagged"] = flagged_runs(ws, None)
    return out


def test_a_tool_error_then_a_refusal_is_found_at_the_failed_call(found: dict[str, list[dict]]) -> None:
    (f,) = found["refused"]
    assert (f["agent"], f["step_id"], f["severity"]) == ("researcher", "s03", "warning")
    assert 'get_price failed ("TimeoutError: price service timed out")' in f["detail"]
    assert 'gave up: "Sorry, I could not get the widget\'s price."' in f["detail"]
    attrs = json.loads(f["attributes"])
    assert attrs["tool"] == "get_price" and attrs["answer_step"] == "s00" and attrs["failed_calls"] == 1
    # a run that reported success answered nothing: critical
    (g,) = found["refused_ok"]
    assert g["severity"] == "critical" and g["detail"].endswith("(the run reported success)")


def test_a_failure_the_result_or_a_span_below_reports_counts(found: dict[str, list[dict]]) -> None:
    (f,) = found["mcp_like"]
    assert f["step_id"] == "s03" and '("Error executing tool get_price")' in f["detail"]
    (g,) = found["error_below"]
    assert g["step_id"] == "s03" and '("tool_error")' in g["detail"]
    # a tool named as its agent: no "Computer_terminal's call of Computer_terminal" (values56)
    (t,) = found["terminal"]
    assert t["detail"].startswith('Computer_terminal\'s own run failed ("exitcode: 1 (execution failed)")'), t


@pytest.mark.parametrize(
    "run_id", ["no_error", "error_inside", "answered", "quoted", "retried", "recovered_refusal", "crashed"]
)
def test_no_give_up_without_a_failed_call_and_an_answer_that_gave_up(
    found: dict[str, list[dict]], run_id: str
) -> None:
    # no_error: a refusal, no tool failed; error_inside: a result with error words further in; answered: the
    # answer gives a figure (its own: silent_failure's); quoted: "sorry" but quoting the backend's number;
    # retried / recovered_refusal: the call made again with success (a refusal after it has another reason);
    # crashed: the run ended on the error
    assert found[run_id] == []


def test_a_give_up_is_the_worst_finding_of_its_run(found: dict) -> None:
    # like a silent failure, it says the user got no answer: before a loop that only cost calls, and earlier
    ((_, _, _, detectors, worst),) = [r for r in found["_flagged"] if r[0] == "looped"]
    assert detectors == "gave_up, loop" and worst.startswith("researcher's call of get_price failed")


# (the files of each give-up: the MCP client's and server's traces are one run)
REAL_GIVE_UPS = {
    ("mcp/agents_mcp_down.otlp.jsonl", "mcp/agents_mcp_down.server.otlp.jsonl"): (
        "researcher",
        "get_price",
        "warning",
    ),
    ("otel-genai-openai-agents/tool_error.otlp.jsonl",): ("writer", "format_quote", "warning"),
    ("smolagents/caught_tool_exception.otlp.jsonl",): ("researcher", "get_price", "critical"),
}


# a tool failed in each, then: a retry that worked (ADK's reflect-and-retry, LangGraph.js), a made-up figure
# (AG2, CrewAI, LlamaIndex: silent_failure's), an error that ended the run (the crashes)
NO_GIVE_UP = [
    "adk/adk213_legacy_quote",
    "adk/openinference_transfer_crash",
    "ag2/openinference_groupchat_tool_error",
    "crewai/native_tracing_tool_error",
    "crewai/openllmetry_tool_error",
    "langgraph_js/langgraph_js_quote",
    "llamaindex/tool_error",
    "openai-agents/openinference_tool_crash",
    "pydantic-ai/delegation_crash",
    "vercel_ai/ai7_quote_wrapped",
    "otel-genai-openai-agents/answered_ok",
]


@pytest.fixture(scope="module")
def real_gave_up() -> list[tuple]:
    """The give-ups found in one store of every real file below (their traces name no id in common; a finding is
    its run's, told by its step's file), where each case had a store of its own: an ingest and the detector's fixed
    cost, ~1 CPU s, a case. (file, agent, tool, severity) a finding."""
    paths = [FIXTURES / p for group in REAL_GIVE_UPS for p in group]
    paths += [FIXTURES / f"{n}.otlp.jsonl" for n in NO_GIVE_UP]
    ws = wb.open()
    ws.ingest([str(p) for p in paths], progress=False)
    mcp = sorted(str(FIXTURES / p) for p in next(iter(REAL_GIVE_UPS)))
    shared = ws.sql(
        "SELECT list(DISTINCT file ORDER BY file) FROM steps GROUP BY run_id HAVING count(DISTINCT file) > 1"
    )
    assert all(files == mcp for (files,) in shared.fetchall()), (
        "a run of two files, other than MCP's client and server"
    )
    wb.detect(ws, detectors=["gave_up"], progress=False)
    return ws.sql(
        "SELECT s.file, f.agent, s.tool, f.severity FROM findings f JOIN steps s USING (run_id, step_id) "
        "WHERE detector = 'gave_up'"
    ).fetchall()


def test_the_three_real_give_ups(real_gave_up: list[tuple]) -> None:
    for paths, expected in REAL_GIVE_UPS.items():
        files = {str(FIXTURES / p) for p in paths}
        assert [tuple(row[1:]) for row in real_gave_up if row[0] in files] == [expected], paths


def test_real_tool_failures_that_did_not_end_in_a_give_up(real_gave_up: list[tuple]) -> None:
    files = {str(FIXTURES / f"{n}.otlp.jsonl") for n in NO_GIVE_UP}
    assert [row for row in real_gave_up if row[0] in files] == []
    assert len(real_gave_up) == len(REAL_GIVE_UPS), real_gave_up  # (and no file's finding went unseen)

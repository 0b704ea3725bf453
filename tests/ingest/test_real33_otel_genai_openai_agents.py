"""What a user sees of the OpenAI Agents SDK traced by the official OpenTelemetry GenAI instrumentations
(opentelemetry-instrumentation-genai-openai-agents and -genai-openai 1.3b0, util-genai's newest conventions:
``invoke_workflow`` / ``invoke_agent`` / ``execute_tool`` spans, ``chat`` spans with structured
``gen_ai.input.messages`` / ``gen_ai.output.messages``): fixtures/otel-genai-openai-agents (its README says how
each was made and where the planted fault is).

The instrumentation writes no span of a hand-off (the model's ``transfer_to_<agent>`` tool call is in its chat
output; the SDK's hand-off span is left out), and ends the workflow span with no status however the run ended:
a run that raised says so only on the agent span whose turn raised.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _otlp_edits import ingested_whole, logonly_verdicts
from _read_together import ReadTogether
from _variants import variants_file

from workbench.plots._data import handoff_data

FIXTURES = Path(__file__).parent / "fixtures" / "otel-genai-openai-agents"
FAULT = FIXTURES / "handoffs_fault.otlp.jsonl"  # content on the spans (SPAN_ONLY)
EVENTS = FIXTURES / "handoffs_fault_events.otlp.jsonl"  # content in log records only (EVENT_ONLY)
EVENT_LOGS = FIXTURES / "handoffs_fault_events.logs.jsonl"
CRASH = FIXTURES / "tool_crash.otlp.jsonl"  # format_quote raised; the run raised
TOOL_ERROR = FIXTURES / "tool_error.otlp.jsonl"  # format_quote failed; the writer apologised


@pytest.fixture(scope="module")
def read() -> ReadTogether:
    """The checked-in files the tests below read whole (the events-only spans with their log records), in one
    call of the chosen reader, detected once (_read_together: a file's runs and findings as in a store of its
    own)."""
    return ReadTogether([FAULT, EVENTS, EVENT_LOGS, CRASH, TOOL_ERROR], None)


# (the chosen reader: both store the same rows for every checked-in fixture, test_reader24_agreement.py)
def test_agents_tools_and_handoffs_read_right(read: ReadTogether) -> None:
    ws, steps = read.ws, read.steps(FAULT)
    assert read.runs_frame(FAULT).system.tolist() == ["quote-desk"]
    assert steps.kind.tolist() == [
        "chain",
        "agent",
        "llm",
        "agent",
        "llm",
        "tool",
        "llm",
        "agent",
        "llm",
        "tool",
        "llm",
    ]
    assert steps[steps.kind == "agent"].agent.tolist() == ["triage", "researcher", "writer"]
    assert steps[steps.kind == "llm"].agent.tolist() == [
        "triage",
        "researcher",
        "researcher",
        "writer",
        "writer",
    ]
    tools = steps[steps.kind == "tool"]
    assert list(zip(tools.tool, tools.agent, strict=True)) == [
        ("get_price", "researcher"),
        ("format_quote", "writer"),
    ]
    assert json.loads(tools.output.iloc[0])["price"] == 14.2
    assert json.loads(tools.input.iloc[1]) == {"item": "widget", "price": 41.2}
    assert (steps.status == "unset").all() and (steps.latency_ms > 0).all()
    pairs = handoff_data(ws, read.run(FAULT))
    assert list(zip(pairs.src_agent, pairs.dst_agent, strict=True)) == [
        ("triage", "researcher"),
        ("researcher", "writer"),
    ]


def _researchers_second_chat(steps) -> str:  # noqa: ANN001
    chats = steps[(steps.kind == "llm") & (steps.agent == "researcher")]
    assert "41.20" in chats.output.iloc[1]
    return chats.step_id.iloc[1]


def test_made_up_price_is_the_researchers(read: ReadTogether) -> None:
    """The researcher's model states 41.20 beside its hand-off (the tool said 14.2); the writer quotes it."""
    findings = read.findings(FAULT)
    origin = _researchers_second_chat(read.steps(FAULT))
    critical = findings[findings.severity == "critical"]  # the run answered: a silent failure (real34)
    assert list(zip(critical.detector, critical.agent, critical.step_id, strict=True)) == [
        ("cascade", "researcher", origin),
        ("silent_failure", "researcher", origin),
    ]


def test_content_in_log_records_only_reads_the_same_chats(read: ReadTogether) -> None:
    """With content captured as events only, the chats' messages are log records of their spans; the tool
    spans then carry neither arguments nor result (the instrumentation writes those on spans only). (The
    spans and their log records read in the module's one call, with the other files.)"""
    chats, span_chats = (s[s.kind == "llm"] for s in (read.steps(EVENTS), read.steps(FAULT)))
    assert chats.output.tolist() == span_chats.output.tolist()
    assert chats.input.tolist() == span_chats.input.tolist()
    critical = read.findings(EVENTS).query("severity == 'critical'")
    assert list(zip(critical.detector, critical.agent, strict=True)) == [
        ("cascade", "researcher"),
        ("silent_failure", "researcher"),
    ]
    assert critical.step_id.tolist() == [_researchers_second_chat(read.steps(EVENTS))] * 2


# (the chosen reader: both store the same rows for every checked-in fixture, test_reader24_agreement.py)
def test_a_run_that_raised_is_a_failure(read: ReadTogether) -> None:
    """The writer's ``format_quote`` raised and the SDK raised to the caller: the writer's agent span is in
    error, the workflow span unset. Read as ``unknown`` before: investigate listed no failed run."""
    runs = read.runs_frame(CRASH)
    assert runs[["outcome", "outcome_source"]].values.tolist() == [["failure", "root_status"]]
    steps = read.steps(CRASH)
    errors = steps[steps.status == "error"]
    assert list(zip(errors.kind, errors.agent, strict=True)) == [("agent", "writer"), ("tool", "writer")]
    assert "quote service unavailable: 503" in errors.error.iloc[1]


def test_a_recovered_tool_error_is_no_failure(read: ReadTogether) -> None:
    """The SDK's default: the tool's failure goes back to the model as text and the writer answers; nothing
    says the run failed."""
    assert read.runs_frame(TOOL_ERROR).outcome.tolist() == ["unknown"]
    tools = read.steps(TOOL_ERROR).query("kind == 'tool'")
    assert tools.status.tolist() == ["unset", "error"]


def _later_agent(span: dict) -> None:
    """The crashed trace with an agent invoked after the writer's failed one (an app that went on)."""
    if span["name"] == "invoke_agent triage":
        span["startTimeUnixNano"] = str(int(span["startTimeUnixNano"]) + 10**10)
        span["endTimeUnixNano"] = str(int(span["endTimeUnixNano"]) + 10**10)


def _agent_ok(span: dict) -> None:
    """The crashed trace with the writer's agent span ending well (its tool still failed)."""
    if span["name"] == "invoke_agent writer":
        span["status"] = {}
        span["attributes"] = [a for a in span["attributes"] if a["key"] != "error.type"]


def test_only_a_last_failed_agent_fails_the_run(tmp_path: Path) -> None:
    # (both edited copies in one file, a trace id each, read in one call: _variants.variants_file)
    ids = variants_file(tmp_path / CRASH.name, CRASH, {"later agent": _later_agent, "agent ok": _agent_ok})
    ws = ingested_whole(tmp_path / CRASH.name)
    outcomes = dict(ws.sql("SELECT run_id, outcome FROM runs").fetchall())
    assert {case: [outcomes.get(r) for r in run] for case, run in ids.items()} == {
        "later agent": ["unknown"],
        "agent ok": ["unknown"],
    }


@pytest.mark.usefixtures("_own_cache")
def test_the_verdict_names_the_tool_that_raised() -> None:
    """The error chain runs from the unset workflow span through the writer's agent span to the tool that
    raised. The model alone named the researcher, at a step of the writer's."""
    ws, rows = logonly_verdicts(CRASH)
    assert len(rows) == 1
    culprit, confidence, params = rows[0]
    tool_step = ws.sql("SELECT step_id FROM steps WHERE kind = 'tool' AND tool = 'format_quote'").fetchall()[
        0
    ][0]
    assert culprit == "writer" and params["decisive_step"] == tool_step
    assert params["evidence"] == "error" and confidence > 0.5
    assert "format_quote" in params["why"] and "quote service unavailable: 503" in params["why"]

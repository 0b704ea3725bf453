"""What a user sees of the real framework traces checked in by real32 (each fixture's README says how it was made
and where the planted fault is): Google ADK's own tracer on a coordinator handing the conversation on through
``transfer_to_agent`` (no arguments written), and a Strands Agents swarm whose researcher hands to the writer
through the swarm's ``handoff_to_agent`` (arguments as a span event; the researcher states 41.20 where its tool
said 14.20).

Agents, hand-offs, tool calls, outcome, the detectors' findings, through both OTLP readers where a reader rule was
added (both readers' agreement on every checked-in fixture is tests/ingest/test_reader24_agreement.py's; the span
guard against the backtest on these files is tests/policy/test_guard16_span_processor.py's realism test).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from _otlp_edits import edited_copy, edited_text, ingested_whole, string_attr
from _read_together import ReadTogether, own_copy
from _variants import variants_file

import workbench as wb
from workbench.plots._data import handoff_data
from workbench.policy import Budgets, Policy

FIXTURES = Path(__file__).parent / "fixtures"
ADK_OWN = FIXTURES / "adk" / "own_transfer.otlp.jsonl"
STRANDS = FIXTURES / "strands" / "swarm_fault.otlp.jsonl"


def _handoffs(ws: wb.Workspace, run: str | None = None) -> list[tuple[str, str | None]]:
    steps = ws.steps(run or ws.runs().run_id[0])
    handoffs = steps[steps.kind == "handoff"].sort_values("seq")
    return [(h.agent, h.output if isinstance(h.output, str) else None) for _, h in handoffs.iterrows()]


def _tools(ws: wb.Workspace, run: str | None = None) -> list[tuple[str, str]]:
    steps = ws.steps(run or ws.runs().run_id[0])
    tools = steps[steps.kind == "tool"].sort_values("seq")
    return list(zip(tools.tool, tools.agent, strict=True))


def _decisions(ws: wb.Workspace) -> list[str]:
    """The backtest's decisions with a budget of 2 tool calls a run (the runs' outcome as the user labelled it:
    neither trace reports one)."""
    for run_id in ws.runs().run_id:
        ws.label(run_id, outcome="success")
    return wb.backtest(Policy(budgets=Budgets(max_tool_calls_run=2)), ws).runs.decision.tolist()


# (the chosen reader: both store the same rows for every checked-in fixture, test_reader24_agreement.py)
def test_adk_own_tracer_transfer_without_arguments_is_a_handoff() -> None:
    """ADK's own tracer writes ``transfer_to_agent`` with its name and type only: a hand-off all the same, to the
    next agent that starts (each agent's span a sibling under the workflow's). Read as a tool call, a tool budget
    of 2 stopped the run at the second transfer and the hand-off view showed none."""
    ws = ingested_whole(ADK_OWN, None)
    runs = ws.runs()
    assert runs.n_steps.tolist() == [13]
    assert _handoffs(ws) == [("coordinator", "researcher"), ("researcher", "writer")]
    assert _tools(ws) == [("get_price", "researcher"), ("format_quote", "writer")]
    pairs = handoff_data(ws, runs.run_id[0])
    assert list(zip(pairs.src_agent, pairs.dst_agent, strict=True)) == [
        ("coordinator", "researcher"),
        ("researcher", "writer"),
    ]
    assert _decisions(ws) == ["allowed"]


def _rename(to: str) -> Callable[[dict], None]:
    def edit(span: dict) -> None:
        for a in span["attributes"]:
            if a["key"] == "gen_ai.tool.name" and a["value"].get("stringValue") == "transfer_to_agent":
                a["value"] = {"stringValue": to}
        if span["name"] == "execute_tool transfer_to_agent":
            span["name"] = f"execute_tool {to}"

    return edit


def test_a_handoff_tool_is_known_by_its_name_in_any_spelling(tmp_path: Path) -> None:
    """And a tool called with no arguments written whose name says no hand-off (a funds transfer) is a tool
    call, whatever agent starts after it. (The three renamed copies in one file, a trace id each: _variants.)"""
    names = ["Transfer-To-Agent", "transferToAgent", "transfer_funds"]
    ids = variants_file(tmp_path / ADK_OWN.name, ADK_OWN, {n: _rename(n) for n in names})
    ws = ingested_whole(tmp_path / ADK_OWN.name)
    assert sorted(ws.runs().run_id) == sorted(r for run in ids.values() for r in run)
    for name in names[:2]:
        (run,) = ids[name]
        assert _handoffs(ws, run) == [("coordinator", "researcher"), ("researcher", "writer")], name
    (run,) = ids["transfer_funds"]
    assert _handoffs(ws, run) == []
    assert [t for t, _ in _tools(ws, run)].count("transfer_funds") == 2


def _agents_start_first(span: dict) -> None:
    if span["name"] in ("invoke_agent researcher", "invoke_agent writer"):
        span["startTimeUnixNano"] = str(int(span["startTimeUnixNano"]) - 10**11)


def test_a_handoff_no_agent_follows_names_none(read: ReadTogether) -> None:
    """With the agents handed to cut from the trace, the hand-offs name no agent: none is guessed (not the
    agent handing over, not one that ran before). (The edited copy: _COPIES, read by the module's ``read``.)"""
    copy = read.copies["no_agent_follows"]
    assert _handoffs(read.ws, read.run(copy)) == [("coordinator", None), ("researcher", None)]


# (the chosen reader: both store the same rows for every checked-in fixture, test_reader24_agreement.py)
def test_strands_swarm_handoff_to_agent_is_a_handoff() -> None:
    """Strands' swarm gives each agent ``handoff_to_agent``; its arguments are the span's ``gen_ai.tool.message``
    event. The call hands the conversation to the agent named: a hand-off step, its arguments the input, not a
    tool call (a tool budget of 2 stopped the run there)."""
    ws = ingested_whole(STRANDS, None)
    runs = ws.runs()
    # (Strands never sets the swarm span's status, whether the swarm completed or failed: unknown is what it says)
    assert runs[["outcome", "n_steps"]].values.tolist() == [["unknown", 16]]
    steps = ws.steps(runs.run_id[0])
    assert steps[steps.kind == "agent"].sort_values("seq").agent.tolist() == ["researcher", "writer"]
    assert _handoffs(ws) == [("researcher", "writer")]
    handoff = steps[steps.kind == "handoff"].iloc[0]
    assert json.loads(handoff.input)["agent_name"] == "writer" and pd.isna(handoff.tool)
    assert _tools(ws) == [("get_price", "researcher"), ("format_quote", "writer")]
    assert _decisions(ws) == ["allowed"]


def _ticket_argument(span: dict) -> None:
    for ev in span.get("events", []):
        for a in ev.get("attributes", []):
            if ev["name"] == "gen_ai.tool.message" and '"agent_name"' in a["value"].get("stringValue", ""):
                a["value"] = {"stringValue": json.dumps({"agent_name": "writer", "ticket": "T-7"})}


def test_a_handoff_tool_taking_other_arguments_stays_a_tool_call(read: ReadTogether) -> None:
    """A developer's ``handoff_to_agent`` taking arguments the built-ins do not (a ticket) is a tool call."""
    run = read.run(read.copies["other_arguments"])
    assert _handoffs(read.ws, run) == []
    assert [t for t, _ in _tools(read.ws, run)] == ["get_price", "handoff_to_agent", "format_quote"]


def _replaced(old: str, new: str) -> Callable[[Path], str]:
    return lambda source: source.read_text().replace(old, new)


def _each_span(edit: Callable[[dict], None]) -> Callable[[Path], str]:
    return lambda source: edited_text(source, edit)


def _tool_output(tool: str, output: dict) -> Callable[[dict], None]:
    def edit(span: dict) -> None:
        if string_attr(span, "tool.name") == tool:
            for a in span["attributes"]:
                if a["key"] == "output.value":
                    a["value"] = {"stringValue": json.dumps(output)}

    return edit


ADK_OI = FIXTURES / "adk" / "openinference_transfer_fault.otlp.jsonl"
HAYSTACK_NESTED = FIXTURES / "haystack" / "nested_agents_fault.otlp.jsonl"
DSPY = FIXTURES / "dspy" / "two_react_fault.otlp.jsonl"
_ANOTHER_TOOL = {"id": "call_3", "name": "get_quote", "response": {"result": "widget: 14.20 USD"}}
# Copies of the fixtures with an edit (each test below says why), read beside them
_COPIES = {
    "no_agent_follows": (ADK_OWN, _each_span(_agents_start_first)),
    "other_arguments": (STRANDS, _each_span(_ticket_argument)),
    "strands_right": (STRANDS, _replaced("41.20", "14.20")),
    "another_tool": (ADK_OI, _each_span(_tool_output("get_price", _ANOTHER_TOOL))),
    "haystack_right": (HAYSTACK_NESTED, _replaced("41.20", "14.20")),
}


@pytest.fixture(scope="module")
def read(tmp_path_factory: pytest.TempPathFactory) -> ReadTogether:
    """The fixtures the tests below read whole (but those they label) and the edited copies, each copy's trace ids
    its own, read in one call of the chosen reader and detected once (_read_together)."""
    folder = tmp_path_factory.mktemp("real32")
    copies = {
        case: own_copy(folder, f"{case}.otlp.jsonl", text(source), n)
        for n, (case, (source, text)) in enumerate(_COPIES.items(), start=1)
    }
    return ReadTogether([STRANDS, HAYSTACK_NESTED, DSPY, ADK_OI], None, copies)


def test_strands_swarm_made_up_price_is_the_researchers(read: ReadTogether) -> None:
    """The researcher's model says 41.20 after get_price said 14.20: a silent failure first stated by the
    researcher (a warning: the swarm reports no outcome), the critical cascade from its model call on."""
    findings = read.findings(STRANDS)
    silent = findings[findings.detector == "silent_failure"]
    assert list(zip(silent.agent, silent.severity, strict=True)) == [("researcher", "warning")]
    assert "41.20" in silent.detail.iloc[0] and "first stated by researcher" in silent.detail.iloc[0]
    critical = findings[findings.severity == "critical"]
    assert list(zip(critical.detector, critical.agent, strict=True)) == [("cascade", "researcher")]
    assert set(findings.detector) == {"silent_failure", "cascade"}


def test_strands_swarm_quoting_its_tool_has_no_finding(read: ReadTogether) -> None:
    assert len(read.findings(read.copies["strands_right"])) == 0


def test_strands_fixture_is_what_the_readme_says() -> None:
    """(The fixture's spans are Strands' own, not edited: its scope and the swarm's span.)"""
    first = json.loads(STRANDS.read_text().splitlines()[-1])
    span = first["resourceSpans"][0]["scopeSpans"][0]
    assert span["scope"]["name"] == "strands.telemetry.tracer"
    assert string_attr(span["spans"][0], "gen_ai.operation.name") == "invoke_swarm"


_REFLECTED = {
    "response_type": "ERROR_HANDLED_BY_REFLECT_AND_RETRY_PLUGIN",
    "error_type": "TimeoutError",
    "error_details": "price service timed out",
    "retry_count": 1,
    "reflection_guidance": "Try again.",
}


def test_adk_tool_output_through_openinference_is_the_function_response(read: ReadTogether) -> None:
    """OpenInference writes an ADK tool call's output as the google-genai FunctionResponse handed back to the
    model: the call's output is its ``response`` (as ADK's own tracer writes it), the whole kept beside."""
    steps = read.steps(ADK_OI)
    tools = steps[steps.kind == "tool"].sort_values("seq")
    assert [json.loads(o) for o in tools.output] == [
        {"result": "widget: 14.20 USD"},
        {"result": "Quote: widget at 41.20 USD"},
    ]
    assert json.loads(json.loads(tools.attributes.iloc[0])["output.value"])["name"] == "get_price"


@pytest.mark.parametrize("fast", [True, False])
def test_adk_reflected_failure_through_openinference_is_a_failed_call(tmp_path: Path, fast: bool) -> None:
    """A failure ADK's ReflectAndRetryToolPlugin handed back to the model is the FunctionResponse's response:
    read inside it, the call failed (it read as a success holding the plugin's text)."""
    response = {"id": "call_3", "name": "get_price", "response": _REFLECTED}
    ws = ingested_whole(edited_copy(tmp_path, _tool_output("get_price", response), ADK_OI), fast)
    steps = ws.steps(ws.runs().run_id[0])
    tool = steps[steps.tool == "get_price"].iloc[0]
    assert (tool.status, tool.error) == ("error", "TimeoutError: price service timed out")


def test_a_response_naming_another_tool_is_the_output_as_written(read: ReadTogether) -> None:
    steps = read.steps(read.copies["another_tool"])
    assert json.loads(steps[steps.tool == "get_price"].output.iloc[0]) == _ANOTHER_TOOL


# (the chosen reader: both store the same rows for every checked-in fixture, test_reader24_agreement.py)
def test_haystack_agent_offered_as_a_tool_to_one_offered_as_a_tool_is_its_own(read: ReadTogether) -> None:
    """Haystack's pricer Agent, a ComponentTool of the researcher Agent, a ComponentTool of the coordinator: each
    Agent.run is the agent of the tool its caller's model called with the text it was given, at every level
    (the pricer's run was read as the researcher's)."""
    steps = read.steps(HAYSTACK_NESTED)
    runs_of = steps[steps.name == "Agent.run"].sort_values("seq")
    assert runs_of.agent.tolist() == ["coordinator", "researcher", "pricer", "writer"]


def test_haystack_nested_agents_made_up_price_is_the_pricers(read: ReadTogether) -> None:
    """The pricer made the price up (its get_price said 14.20): a critical silent failure first stated by the
    pricer; the run quoting the tool's price throughout has no finding (read as the researcher's own run, the
    pricer's tool result backed nothing and the run had no finding at all)."""
    findings = read.findings(HAYSTACK_NESTED)
    silent = findings[findings.detector == "silent_failure"]
    assert list(zip(silent.agent, silent.severity, strict=True)) == [("pricer", "critical")]
    assert "41.20 (unsupported); first stated by pricer" in silent.detail.iloc[0]
    assert len(read.findings(read.copies["haystack_right"])) == 0


@pytest.mark.parametrize(
    "args", [{"agent_name": "writer", "message": "Quote the widget at 41.20 USD."}, None]
)
def test_a_handoff_tool_in_a_langfuse_export_is_a_handoff(tmp_path: Path, args: dict | None) -> None:
    """Langfuse's export of such spans (its observations: Strands' swarm with the call's arguments, ADK's own
    tracer without) reads the hand-off tool as the OTLP readers do."""
    meta = json.dumps({"scope": {"name": "strands.telemetry.tracer"}})

    def obs(oid: str, parent: str | None, otype: str, name: str, t: int, **more: object) -> dict:
        return {
            "id": oid,
            "traceId": "t1",
            "parentObservationId": parent,
            "type": otype,
            "name": name,
            "startTime": f"2026-12-03T09:00:0{t}.000Z",
            "endTime": f"2026-12-03T09:00:0{t + 1}.000Z",
            "level": "DEFAULT",
            "input": None,
            "output": None,
            "metadata": meta,
            **more,
        }

    doc = {
        "trace": {"id": "t1", "name": "invoke_swarm", "timestamp": "2026-12-03T09:00:00.000Z"},
        "observations": [
            obs("s1", None, "SPAN", "invoke_swarm", 0),
            obs("a1", "s1", "AGENT", "invoke_agent researcher", 1),
            obs(
                "h1",
                "a1",
                "TOOL",
                "execute_tool handoff_to_agent",
                2,
                input=args,
                output="Handing off to writer",
            ),
            obs("a2", "s1", "AGENT", "invoke_agent writer", 4),
            obs("t1", "a2", "TOOL", "execute_tool format_quote", 5, input={"price": "41.20"}),
        ],
    }
    path = tmp_path / "swarm.trace.json"
    path.write_text(json.dumps(doc))
    ws = ingested_whole(path)
    assert _handoffs(ws) == [("researcher", "writer")]
    assert _tools(ws) == [("format_quote", "writer")]


def test_dspy_react_answer_is_its_signatures_output_fields(read: ReadTogether) -> None:
    """A ReAct module's prediction answers in its signature's output fields (``price``, ``quote``), beside
    ``trajectory`` and ``reasoning``: read as the answer, the researcher's made-up 41.20 is the one unsupported
    value, first stated at the researcher's extract step (the whole prediction listed the trajectory's keys,
    thought_0, observation_0 ..., as values nobody backed)."""
    steps = read.steps(DSPY)
    modules = steps[steps.name.isin(["ReAct.forward", "Quote.forward"])].sort_values("seq")
    assert modules.output.tolist() == [
        "Quote for the customer: the widget costs 41.20 USD.",
        "41.20 USD",
        "Quote for the customer: the widget costs 41.20 USD.",
    ]
    silent = read.findings(DSPY).query("detector == 'silent_failure'")
    assert silent.severity.tolist() == ["critical"]
    assert (
        silent.detail.iloc[0].count("(unsupported)") == 1 and "41.20 (unsupported)" in silent.detail.iloc[0]
    )
    first = steps.set_index("step_id").loc[silent.step_id.iloc[0]]
    assert "41.20 USD" in first.output and first.parent_id in set(
        steps[steps.name.str.startswith("Predict")].step_id
    )

"""What a user sees of three real framework traces checked in by real28 (each fixture's README says how it was
made and where the planted fault is): Semantic Kernel's own GenAI diagnostics, OpenLLMetry's LangChain
instrumentation over LangGraph, and AutoGen AgentChat's Swarm on autogen-core's linked runtime spans.

Agent names, every model / tool / agent step has its agent, tool calls counted, outcomes, hand-offs (the arrows
between agents' lanes), the detectors' findings and the log-only culprit. The span guard against the backtest
on these files is tests/policy/test_guard16_span_processor.py's realism test; both readers' agreement is
tests/ingest/test_reader24_agreement.py's checked-in fixture test.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _otlp_edits import DetectedTogether
from test_reader24_agreement import readers

import workbench as wb
from workbench.plots._data import handoff_data

FIXTURES = Path(__file__).parent / "fixtures"
SK = FIXTURES / "semantic-kernel" / "sequential_fault.otlp.jsonl"
OPENLLMETRY = FIXTURES / "openllmetry" / "langgraph_loop.otlp.jsonl"
AUTOGEN = FIXTURES / "autogen" / "swarm_handoffs.otlp.jsonl"
ACTING = ("llm", "tool", "agent", "handoff")


@pytest.fixture(scope="module")
def detected() -> DetectedTogether:
    """The files whose findings the tests below look at (read by the chosen reader), detected in one store."""
    return DetectedTogether([SK, OPENLLMETRY, AUTOGEN])


def _open(path: Path, stored: int) -> wb.Workspace:
    ws = wb.open()
    report = ws.ingest(path, progress=False)
    assert (report.read, report.stored, report.quarantined) == (stored, stored, 0)
    return ws


def _stored(detected: DetectedTogether, path: Path, stored: int) -> wb.Workspace:
    """The detected store (every record of its call stored, DetectedTogether asserts), holding ``stored`` steps of
    ``path`` (as a store of that file alone: its runs' rows are the same either way)."""
    ((n,),) = detected.ws.sql("SELECT count(*) FROM steps WHERE file = ?", [str(path.resolve())]).fetchall()
    assert n == stored, (path.name, n)
    return detected.ws


def _tools(ws: wb.Workspace, run_id: str) -> list[tuple[str, str]]:
    steps = ws.steps(run_id)
    tools = steps[steps.kind == "tool"].sort_values("seq")
    return list(zip(tools.tool, tools.agent, strict=True))


def _arrows(ws: wb.Workspace, run_id: str) -> list[tuple[str, str]]:
    h = handoff_data(ws, run_id)
    return list(zip(h.src_agent, h.dst_agent, strict=True))


def _culprit(detected: DetectedTogether, path: Path, run_id: str) -> tuple[str, bool]:
    """The pretrained model's verdict on ``path``'s run, in the detected store (the tests asked it after detect)."""
    p = detected.predicted(path, [run_id])
    row = p[p.run_id == run_id].iloc[0]
    return row.agent, bool(row.uncertain)


def test_semantic_kernel_sequential_orchestration() -> None:
    ws = _open(SK, 23)
    (run,) = ws.runs().run_id
    assert ws.runs().outcome.tolist() == ["unknown"]  # the app span and SK's spans leave their status unset
    steps = ws.steps(run)
    acting = steps[steps.kind.isin(ACTING)]
    assert acting.agent.notna().all()
    assert set(acting.agent) == {"researcher", "writer"}
    # SK's runtime hops (agent_runtime create / send / process / ack) act for no agent
    runtime = steps[steps.name.str.startswith("agent_runtime ")]
    assert len(runtime) == 12 and runtime.agent.isna().all()
    llm = steps[steps.kind == "llm"]
    assert sorted(llm.agent) == ["researcher", "researcher", "writer", "writer"]
    assert set(llm.model) == {"gpt-4o-mini"} and llm.tool.isna().all()
    assert _tools(ws, run) == [
        ("PricePlugin-get_price", "researcher"),
        ("QuotePlugin-format_quote", "writer"),
    ]
    tool = steps[steps.tool == "PricePlugin-get_price"].iloc[0]
    assert tool.input == '{"item": "widget"}' and tool.output == "widget: 14.20 USD"
    said = steps[(steps.kind == "agent") & (steps.agent == "researcher")].iloc[0].output
    assert "41.20" in said  # the planted fault: the researcher misstates its tool
    assert _arrows(ws, run) == [("researcher", "writer")]
    # (asked of the store as read, before any detect: as this test always asked it)
    assert wb.BlameModel.pretrained().predict(ws, [run]).agent.tolist() == ["researcher"]


def test_semantic_kernel_researchers_made_up_price_is_found(detected: DetectedTogether) -> None:
    """(An xfail until real29: the writer's format_quote, repeating the 41.20 it was given, backed it.)"""
    findings = detected.findings(SK)
    assert "researcher" in set(findings.agent)


def test_openllmetry_langgraph_loop(detected: DetectedTogether) -> None:
    ws = _stored(detected, OPENLLMETRY, 36)
    run = detected.run(OPENLLMETRY)
    # the root (invoke_agent LangGraph) is unset; OpenLLMetry's workflow span under it says success (real29)
    assert ws.runs().query("run_id == @run").outcome.tolist() == ["success"]
    steps = ws.steps(run)
    acting = steps[steps.kind.isin(ACTING)]
    assert acting.agent.notna().all()
    # the compiled graph (invoke_agent LangGraph, which OpenLLMetry declares an agent) is the workflow, not an
    # agent (real29); every model call and tool call is one of the two ReAct agents'
    assert set(acting.agent) == {"researcher", "writer"}
    assert set(steps[steps.kind.isin(["llm", "tool"])].agent) == {"researcher", "writer"}
    assert sorted(steps[steps.kind == "llm"].agent) == ["researcher"] * 3 + ["writer"]
    assert _tools(ws, run) == [("get_price", "researcher"), ("get_price", "researcher")]
    assert _arrows(ws, run) == [("researcher", "writer")]
    findings = detected.findings(OPENLLMETRY)
    assert list(zip(findings.detector, findings.agent, strict=True)) == [("loop", "researcher")]
    assert steps.set_index("step_id").loc[findings.step_id.iloc[0]].tool == "get_price"
    assert _culprit(detected, OPENLLMETRY, run)[0] == "researcher"


def test_autogen_swarm_linked_traces(detected: DetectedTogether) -> None:
    """Read by the default reader (the file is over the SQL path's threshold: its hand-off spans are handed back
    to the Python mapper); the Python reader's store is the same (test_reader24_agreement). (The module's store,
    read with the other files: AUTOGEN's runs are those of steps read from it.)"""
    ws = _stored(detected, AUTOGEN, 92)
    runs = ws.runs().query("run_id in @detected.runs(@AUTOGEN)").sort_values("n_steps")
    # 30 traces: the message hops join by their links into one run, and so do the three create_agent spans (the
    # agents' construction, before the team ran, each a trace linked to nothing: three runs of one step before
    # real51), each set-up under its agent's first invoke_agent span
    assert runs.n_steps.tolist() == [92]
    assert set(runs.outcome) == {"unknown"}
    run = runs.run_id.iloc[-1]
    steps = ws.steps(run)
    acting = steps[steps.kind.isin(ACTING)]
    assert acting.agent.notna().all()
    invoked = steps[steps.name.str.startswith("invoke_agent ")].sort_values("seq")
    assert sorted(invoked.agent) == ["researcher", "researcher", "triage", "writer"]
    made = steps[steps.name.str.startswith("create_agent ")]
    assert set(made.kind) == {"system"}
    first = invoked.drop_duplicates("agent").set_index("agent").step_id
    assert sorted(zip(made.agent, made.parent_id, strict=True)) == sorted(first.items())
    assert (steps.kind == "llm").sum() == 0  # autogen-ext's model client writes no spans
    # the Swarm's transfer_to_<agent> tools are its hand-offs, not tool calls: before, 4 tool calls for 2
    handoffs = steps[steps.kind == "handoff"].sort_values("seq")
    assert list(zip(handoffs.agent, handoffs.output, strict=True)) == [
        ("triage", "researcher"),
        ("researcher", "writer"),
    ]
    assert handoffs.tool.isna().all()
    assert _tools(ws, run) == [("get_price", "researcher"), ("format_quote", "writer")]
    assert _arrows(ws, run) == [("triage", "researcher"), ("researcher", "writer")]
    # no message or tool content in the spans: nothing for a detector to find, and the culprit is a guess
    assert len(detected.findings(AUTOGEN)) == 0
    assert _culprit(detected, AUTOGEN, run)[1] is True


@pytest.mark.parametrize("fast", [True, False])
def test_only_autogens_described_hand_off_tool_is_a_hand_off(tmp_path: Path, fast: bool) -> None:
    """Another system's tool named transfer_to_<x> (a bank's transfer_to_savings) is a tool call, by both readers."""
    text = (
        AUTOGEN.read_text()
        .replace('"stringValue":"autogen"', '"stringValue":"bank"')
        .replace('"stringValue": "autogen"', '"stringValue": "bank"')
    )
    assert '"autogen"' not in text
    path = tmp_path / "not_autogen.otlp.jsonl"
    path.write_text(text)
    with readers(fast):
        ws = wb.open()
        ws.ingest(path, progress=False)
    run = ws.runs().sort_values("n_steps").run_id.iloc[-1]
    assert (ws.steps(run).kind == "handoff").sum() == 0
    assert [t for t, _ in _tools(ws, run)] == [
        "transfer_to_researcher",
        "get_price",
        "transfer_to_writer",
        "format_quote",
    ]

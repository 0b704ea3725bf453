"""What a user sees of the real framework traces checked in by real30 (each fixture's README says how it was made
and where the planted fault is): CrewAI crews (sequential; a writer delegating to the researcher) and LlamaIndex
AgentWorkflow hand-offs (one with a failing tool) through OpenInference, the Langfuse Python SDK's own export (a
fault, a crash) and an Agno Team in route mode. Mostly the researcher states 41.20 where its tool said 14.20.

Agents, every acting step's agent, tool calls, hand-offs, outcome, the detectors' findings and the log-only
culprit (through both OTLP readers where a reader rule was added; both readers' agreement on every checked-in
fixture is tests/ingest/test_reader24_agreement.py's). The span guard against the backtest on these files is
tests/policy/test_guard16_span_processor.py's realism test.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from _otlp_edits import edited_copy, edited_text, ingested_whole, string_attr
from _read_together import ReadTogether, own_copy
from _variants import variants_file

import workbench as wb
from workbench.plots._data import handoff_data
from workbench.policy import Budgets, Policy

FIXTURES = Path(__file__).parent / "fixtures"
CREW = FIXTURES / "crewai" / "sequential_fault.otlp.jsonl"
DELEGATION = FIXTURES / "crewai" / "delegation_fault.otlp.jsonl"
LLAMA = FIXTURES / "llamaindex" / "handoff_fault.otlp.jsonl"
LANGFUSE_SDK = FIXTURES / "langfuse-sdk"
AGNO = FIXTURES / "agno" / "route_fault.otlp.jsonl"
LLAMA_TOOL_ERROR = FIXTURES / "llamaindex" / "tool_error.otlp.jsonl"
ACTING = ("llm", "tool", "agent", "handoff")


@pytest.fixture(scope="module")
def detected(tmp_path_factory: pytest.TempPathFactory) -> ReadTogether:
    """The files the tests below read whole but to label or backtest them, and the copies of
    test_an_answer_not_cut_is_read_as_it_is (each copy's trace ids its own), read in one call of the chosen
    reader and detected once (_read_together)."""
    folder = tmp_path_factory.mktemp("real30")
    copies = {
        case: own_copy(folder, f"{case}.otlp.jsonl", edited_text(LLAMA, edit), n)
        for n, (case, edit) in enumerate({"right": _right, "said_so": _said_so}.items(), start=1)
    }
    return ReadTogether(
        [
            CREW,
            LLAMA,
            LANGFUSE_SDK / "agents_fault.otlp.jsonl",
            LANGFUSE_SDK / "agents_crash.otlp.jsonl",
            AGNO,
            LLAMA_TOOL_ERROR,
            DELEGATION,
        ],
        None,
        copies,
    )


def _variant(tmp_path: Path, edit: Callable[[dict], None], source: Path = LLAMA) -> Path:
    """(test_attack30_private_model_call's edited copies.)"""
    return edited_copy(tmp_path, edit, source)


def _set(span: dict, key: str, value: str) -> None:
    for a in span["attributes"]:
        if a["key"] == key:
            a["value"] = {"stringValue": value}


def test_crewai_sequential_crew(detected: ReadTogether) -> None:
    runs = detected.runs_frame(CREW)
    assert runs[["outcome", "n_steps"]].values.tolist() == [["success", 9]]
    steps = detected.steps(CREW)
    acting = steps[steps.kind.isin(ACTING)]
    assert acting.agent.notna().all()
    assert steps[steps.kind == "agent"].sort_values("seq").agent.tolist() == ["Researcher", "Writer"]
    assert sorted(steps[steps.kind == "llm"].agent) == ["Researcher", "Researcher", "Writer", "Writer"]
    tools = steps[steps.kind == "tool"].sort_values("seq")
    assert list(zip(tools.tool, tools.agent, tools.output, strict=True)) == [
        ("get_price", "Researcher", "widget: 14.20 USD"),
        ("format_quote", "Writer", "Quote: widget at 41.20 USD"),
    ]
    kickoff = steps[steps.parent_id.isna()]
    assert kickoff.output.tolist() == ["Quote for the customer: the widget costs 41.20 USD."]
    findings = detected.findings(CREW)
    silent = findings[findings.detector == "silent_failure"]
    assert list(zip(silent.agent, silent.severity, strict=True)) == [("Researcher", "critical")]
    assert "41.20 (made up upstream)" in silent.detail.iloc[0]
    worst = findings[findings.severity == "critical"]
    assert set(worst.agent) == {"Researcher"}
    assert detected.culprits(CREW) == ["Researcher"]


# (the chosen reader: both store the same rows for every checked-in fixture, test_reader24_agreement.py)
def test_llamaindex_handoff_tool_is_a_handoff(detected: ReadTogether) -> None:
    """AgentWorkflow's built-in ``handoff`` tool passes the work on: a hand-off step of the agent handing over,
    naming the agent handed to, not one more tool call (a tool budget counted it; the hand-off counts missed it)."""
    runs = detected.runs_frame(LLAMA)
    assert runs[["outcome", "n_steps"]].values.tolist() == [["success", 31]]
    steps = detected.steps(LLAMA)
    assert steps[steps.kind.isin(ACTING)].agent.notna().all()
    tools = steps[steps.kind == "tool"].sort_values("seq")
    assert list(zip(tools.tool, tools.agent, strict=True)) == [
        ("get_price", "researcher"),
        ("format_quote", "writer"),
    ]
    handoff = steps[steps.kind == "handoff"]
    assert handoff[["agent", "output"]].values.tolist() == [["researcher", "writer"]]
    assert handoff.tool.isna().all()
    assert json.loads(handoff.input.iloc[0])["kwargs"]["to_agent"] == "writer"
    # what the tool answered stays among the step's attributes
    assert "Agent writer is now handling the request" in handoff.attributes.iloc[0]
    assert ("researcher", "writer") in list(
        zip(*(handoff_data(detected.ws, runs.run_id[0])[c] for c in ("src_agent", "dst_agent")), strict=True)
    )


def test_llamaindex_handoff_is_no_tool_call_against_a_budget() -> None:
    """Two tool calls and a hand-off: a budget of two tool calls lets the run through."""
    ws = ingested_whole(LLAMA)
    report = wb.backtest(Policy(budgets=Budgets(max_tool_calls_run=2)), ws)
    assert report.runs.decision.tolist() == ["allowed"]


def _refused(span: dict) -> None:
    if string_attr(span, "tool.name") == "handoff":
        _set(
            span,
            "output.value",
            json.dumps(
                {
                    "blocks": [
                        {
                            "text": "Agent writer not found. Please select a "
                            "valid agent to hand off to. Valid agents: "
                        }
                    ]
                }
            ),
        )


def _own_tool(span: dict) -> None:
    if string_attr(span, "tool.name") == "handoff":
        _set(span, "input.value", json.dumps({"kwargs": {"ticket": "T-7", "queue": "billing"}}))


def _cases_read(
    tmp_path: Path, fast: bool, edits: dict[str, Callable[[dict], None]], source: Path = LLAMA
) -> dict[str, object]:
    """Each edit's copy of ``source``, all read in one call (``_variants.variants_file``): its run's steps, by
    the edit's name."""
    ids = variants_file(tmp_path / source.name, source, edits)
    ws = ingested_whole(tmp_path / source.name, fast)
    assert sorted(ws.runs().run_id) == sorted(i for run in ids.values() for i in run)
    return {case: ws.steps(run) for case, (run,) in ids.items()}


@pytest.mark.parametrize("fast", [True, False])
def test_a_handoff_call_that_handed_nothing_over_stays_a_tool_call(tmp_path: Path, fast: bool) -> None:
    """A hand-off the workflow refused (an agent it does not know) and a developer's tool that happens to be
    called ``handoff`` (other arguments) are tool calls."""
    for case, steps in _cases_read(tmp_path, fast, {"refused": _refused, "own_tool": _own_tool}).items():
        assert (steps.kind == "handoff").sum() == 0, case
        assert steps[steps.kind == "tool"].tool.tolist().count("handoff") == 1, case


# (the chosen reader: both store the same rows for every checked-in fixture, test_reader24_agreement.py)
def test_llamaindex_model_helper_span_is_no_model_call(detected: ReadTogether) -> None:
    """OpenInference types ``OpenAI._prepare_chat_with_tools`` (the messages made ready beside the call) LLM:
    read as a call, each agent made four model calls for two."""
    steps = detected.steps(LLAMA)
    llm = steps[steps.kind == "llm"]
    assert sorted(llm.agent) == ["researcher", "researcher", "writer", "writer"]
    assert set(llm.name) == {"OpenAI.astream_chat"} and llm.tokens_in.notna().all()
    helpers = steps[steps.name == "OpenAI._prepare_chat_with_tools"]
    assert helpers.kind.tolist() == ["chain"] * 4 and helpers.agent.notna().all()


def _public(span: dict) -> None:
    if span["name"] == "OpenAI._prepare_chat_with_tools":
        span["name"] = "OpenAI.prepare_chat_with_tools"


def _counted(span: dict) -> None:
    if span["name"] == "OpenAI._prepare_chat_with_tools":
        span["attributes"].append({"key": "llm.token_count.prompt", "value": {"intValue": "12"}})


@pytest.mark.parametrize("fast", [True, False])
def test_a_model_span_that_may_be_a_call_stays_one(tmp_path: Path, fast: bool) -> None:
    """A public method's span, or a private one that counted tokens, is a model call."""
    for case, steps in _cases_read(tmp_path, fast, {"public": _public, "counted": _counted}).items():
        assert (steps.kind == "llm").sum() == 8, case


def _cut_repr(span: dict) -> bool:
    return (string_attr(span, "output.value") or "").startswith("StopEvent(")


def test_llamaindex_answer_cut_short_by_its_tracer_is_read_whole(detected: ReadTogether) -> None:
    """The workflow's result is its StopEvent repr cut at 200 characters ("... the widget cost..."): the
    answer is the writer's whole reply, whose 41.20 is the researcher's made-up price, a silent failure."""
    findings = detected.findings(LLAMA)
    silent = findings[findings.detector == "silent_failure"]
    assert list(zip(silent.agent, silent.severity, strict=True)) == [("researcher", "critical")]
    assert "41.20 (made up upstream)" in silent.detail.iloc[0]


def _right(span: dict) -> None:
    """The researcher quoting its tool: 14.20 wherever the run said 41.20."""
    span.update(json.loads(json.dumps(span).replace("41.20", "14.20")))


def _said_so(span: dict) -> None:
    if _cut_repr(span):
        _set(
            span,
            "output.value",
            "The quote is ready and was sent to the customer, who will reply soon, we hope, and then we shall see...",
        )


def test_an_answer_not_cut_is_read_as_it_is(detected: ReadTogether) -> None:
    """The same run with the researcher quoting its tool (14.20 throughout): no finding. And an answer that
    ends in "..." as it was said (no step goes on from its last words) stays the answer: the cut result
    replaced by a long text of its own that ends so, which states no figure, backs nothing made up. (Both
    copies, a trace id each, read by the module's store, detected once: a run's findings come from its own
    steps.)"""
    assert "41.20" not in detected.copies["right"].read_text(), "the right copy still says 41.20"
    assert len(detected.findings(detected.copies["right"])) == 0
    assert "silent_failure" not in set(detected.findings(detected.copies["said_so"]).detector)


# (the chosen reader: both store the same rows for every checked-in fixture, test_reader24_agreement.py)
def test_crewai_coworkers_run_asked_by_a_delegating_agent_is_the_coworkers(detected: ReadTogether) -> None:
    """The writer, allowed to delegate, asks the researcher (CrewAI's "Ask question to coworker" tool), who
    looks the price up again and says 41.20 again: those model and tool calls are the researcher's, not the
    writer's (OpenInference writes no agent span for the coworker's run)."""
    ws = detected.ws
    runs = detected.runs_frame(DELEGATION)
    assert runs[["outcome", "n_steps"]].values.tolist() == [["success", 14]]
    run = runs.run_id[0]
    steps = ws.steps(run)
    assert steps[steps.kind.isin(ACTING)].agent.notna().all()
    asked = steps[steps.name == "Ask question to coworker.run"]
    assert asked[["kind", "agent"]].values.tolist() == [["agent", "Researcher"]] and asked.tool.isna().all()
    assert "Ask question to coworker" in asked.attributes.iloc[0]
    inside = steps[steps.parent_id == asked.step_id.iloc[0]]
    assert list(zip(inside.kind, inside.agent, strict=True)) == [
        ("llm", "Researcher"),
        ("tool", "Researcher"),
        ("llm", "Researcher"),
    ]
    tools = steps[steps.kind == "tool"].sort_values("seq")
    assert list(zip(tools.tool, tools.agent, strict=True)) == [
        ("get_price", "Researcher"),
        ("get_price", "Researcher"),
        ("format_quote", "Writer"),
    ]
    arrows = handoff_data(ws, run)
    assert list(zip(arrows.src_agent, arrows.dst_agent, strict=True)) == [
        ("Researcher", "Writer"),
        ("Writer", "Researcher"),
        ("Researcher", "Writer"),
    ]
    findings = detected.findings(DELEGATION)
    critical = findings[findings.severity == "critical"]
    assert sorted(zip(critical.detector, critical.agent, strict=True)) == [
        ("cascade", "Researcher"),
        ("silent_failure", "Researcher"),
    ]
    # (the researcher's second get_price, with the same arguments as its first: a warning, true as stated)
    assert set(findings[findings.severity == "warning"].detector) <= {"loop"}
    assert detected.culprits(DELEGATION) == ["Researcher"]


def _other_arguments(span: dict) -> None:
    if string_attr(span, "tool.name") == "Ask question to coworker":
        _set(span, "input.value", json.dumps({"coworker": "Researcher", "shift": "late"}))


def _coworker_refused(span: dict) -> None:
    if string_attr(span, "tool.name") == "Ask question to coworker":
        _set(
            span,
            "output.value",
            "\nError executing tool. coworker mentioned not found, it must be one of "
            "the following options:\n- researcher\n",
        )


@pytest.mark.parametrize("fast", [True, False])
def test_a_tool_with_other_arguments_naming_a_coworker_stays_a_tool(tmp_path: Path, fast: bool) -> None:
    """A tool of other arguments naming a coworker, and a delegation CrewAI refused (no such coworker), ran no
    coworker: tool calls of the writer."""
    edits = {"other_arguments": _other_arguments, "refused": _coworker_refused}
    for case, steps in _cases_read(tmp_path, fast, edits, DELEGATION).items():
        asked = steps[steps.name == "Ask question to coworker.run"]
        assert asked[["kind", "agent", "tool"]].values.tolist() == [
            ["tool", "Writer", "Ask question to coworker"]
        ], case


def test_langfuse_sdk_agents_run(detected: ReadTogether) -> None:
    """The Langfuse SDK's own OTLP export: agents, tools and model calls by langfuse.observation.type, tool
    inputs as called (not @observe's {"args", "kwargs"}), an outcome nobody reported: the made-up price a
    warning at the researcher, its cascade critical, the researcher the culprit."""
    path = LANGFUSE_SDK / "agents_fault.otlp.jsonl"
    runs = detected.runs_frame(path)
    assert runs[["outcome", "n_steps"]].values.tolist() == [["unknown", 9]]
    steps = detected.steps(path)
    assert steps[steps.kind.isin(ACTING)].agent.notna().all()
    assert steps[steps.kind == "agent"].sort_values("seq").agent.tolist() == ["researcher", "writer"]
    llm = steps[steps.kind == "llm"]
    assert (
        sorted(llm.agent) == ["researcher", "researcher", "writer", "writer"] and llm.tokens_in.notna().all()
    )
    tools = steps[steps.kind == "tool"].sort_values("seq")
    assert list(zip(tools.tool, tools.agent, tools.input, strict=True)) == [
        ("get_price", "researcher", '{"item":"widget"}'),
        ("format_quote", "writer", '{"item":"widget","price":"41.20"}'),
    ]
    findings = detected.findings(path)
    assert sorted(
        zip(
            findings[findings.severity != "info"].detector,
            findings[findings.severity != "info"].severity,
            findings[findings.severity != "info"].agent,
            strict=True,
        )
    ) == [("cascade", "critical", "researcher"), ("silent_failure", "warning", "researcher")]
    assert detected.culprits(path) == ["researcher"]


def test_langfuse_sdk_crash_is_a_failure(detected: ReadTogether) -> None:
    path = LANGFUSE_SDK / "agents_crash.otlp.jsonl"
    assert detected.runs_frame(path)[["outcome", "n_steps"]].values.tolist() == [["failure", 4]]
    steps = detected.steps(path)
    failed = steps[steps.status == "error"].sort_values("seq")
    assert list(zip(failed.name, failed.error, strict=True)) == [
        ("quote_workflow", "price feed unreachable: 503"),
        ("researcher", "price feed unreachable: 503"),
        ("get_price", "price feed unreachable: 503"),
    ]
    assert len(detected.findings(path).query("severity != 'info'")) == 0


def test_agno_route_team(detected: ReadTogether) -> None:
    """An Agno Team in route mode: the leader's delegate_task_to_member call, the member's run beside it (not
    under it) and the member's answer as the team's; the made-up price found at the member."""
    runs = detected.runs_frame(AGNO)
    assert runs[["outcome", "n_steps"]].values.tolist() == [["success", 7]]
    steps = detected.steps(AGNO)
    assert steps[steps.kind.isin(ACTING)].agent.notna().all()
    assert steps[steps.kind == "agent"].sort_values("seq").agent.tolist() == ["desk", "researcher"]
    tools = steps[steps.kind == "tool"].sort_values("seq")
    assert list(zip(tools.tool, tools.agent, strict=True)) == [
        ("delegate_task_to_member", "desk"),
        ("get_price", "researcher"),
    ]
    findings = detected.findings(AGNO)
    critical = findings[findings.severity == "critical"]
    assert sorted(zip(critical.detector, critical.agent, strict=True)) == [
        ("cascade", "researcher"),
        ("silent_failure", "researcher"),
    ]
    assert detected.culprits(AGNO) == ["researcher"]


def test_llamaindex_failed_tool_and_a_made_up_answer(detected: ReadTogether) -> None:
    """get_price raises; the workflow goes on, the writer makes up the price: the failed call is an error step of
    the researcher, the run a reported success whose (cut) answer is read whole: a silent failure at the writer."""
    assert detected.runs_frame(LLAMA_TOOL_ERROR).outcome.tolist() == ["success"]
    steps = detected.steps(LLAMA_TOOL_ERROR)
    failed = steps[steps.status == "error"]
    assert list(zip(failed.kind, failed.tool, failed.agent, strict=True)) == [
        ("tool", "get_price", "researcher")
    ]
    assert steps[steps.kind == "handoff"][["agent", "output"]].values.tolist() == [["researcher", "writer"]]
    findings = detected.findings(LLAMA_TOOL_ERROR)
    critical = findings[findings.severity == "critical"]
    assert list(zip(critical.detector, critical.agent, strict=True)) == [("silent_failure", "writer")]

"""What a user sees of the real framework traces checked in by real31 (each fixture's README says how it was made
and where the planted fault is): a Google ADK coordinator with two sub-agents handing the conversation on through
ADK's ``transfer_to_agent``, traced by OpenInference (a fault: the researcher states 41.20 where its tool said
14.20; a crash: the writer's tool raises), and a Haystack coordinator Agent offered two Agents as ComponentTools,
traced by OpenInference (the same fault).

Agents, hand-offs, tool calls, outcome, the detectors' findings, through both OTLP readers where a reader rule was
added (both readers' agreement on every checked-in fixture is tests/ingest/test_reader24_agreement.py's; the span
guard against the backtest on these files is tests/policy/test_guard16_span_processor.py's realism test).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from _otlp_edits import ingested_whole, string_attr
from _read_together import ReadTogether, own_copy
from _variants import variants_file
from test_reader24_agreement import SAMPLES

import workbench as wb
from workbench.plots._data import handoff_data
from workbench.policy import Budgets, Policy

FIXTURES = Path(__file__).parent / "fixtures"
ADK = FIXTURES / "adk" / "openinference_transfer_fault.otlp.jsonl"
ADK_CRASH = FIXTURES / "adk" / "openinference_transfer_crash.otlp.jsonl"
HAYSTACK = FIXTURES / "haystack" / "agents_as_tools_fault.otlp.jsonl"
ACTING = ("llm", "tool", "agent", "handoff")


# Copies of the fixtures with a text edited (each test below says why), read beside them
_COPIES = {
    "adk_right": (ADK, [("41.20", "14.20", -1)]),
    "right": (HAYSTACK, [("41.20", "14.20", -1)]),
    "tool_adds": (HAYSTACK, [("Quote: widget at 41.20 USD", "Quote Q-88: widget at 41.20 USD", -1)]),
    "not_asked": (
        HAYSTACK,
        [
            (
                "TextContent(text='Look up the list price of a widget.')",
                "TextContent(text='Look up the list price of a gadget.')",
                1,
            )
        ],
    ),
}


@pytest.fixture(scope="module")
def read(tmp_path_factory: pytest.TempPathFactory) -> ReadTogether:
    """The fixtures the tests below read whole and the edited copies, each copy's trace ids its own, read in one
    call of the chosen reader and detected once (_read_together)."""
    folder = tmp_path_factory.mktemp("real31")
    copies = {}
    for n, (case, (source, edits)) in enumerate(_COPIES.items(), start=1):
        text = source.read_text()
        for old, new, count in edits:
            assert old in text, (case, old)
            text = text.replace(old, new, count)
        copies[case] = own_copy(folder, f"{case}.otlp.jsonl", text, n)
    return ReadTogether([ADK, ADK_CRASH, HAYSTACK], None, copies)


# (the chosen reader: both store the same rows for every checked-in fixture, test_reader24_agreement.py)
def test_adk_transfer_to_agent_is_a_handoff() -> None:
    """ADK's built-in ``transfer_to_agent`` passes the conversation on: a hand-off step of the agent handing
    over, naming the agent handed to, not one more tool call (a tool budget counted it, the hand-off view
    showed none)."""
    ws = ingested_whole(ADK, None)
    runs = ws.runs()
    assert runs[["outcome", "n_steps"]].values.tolist() == [["success", 9]]
    steps = ws.steps(runs.run_id[0])
    assert steps[steps.kind.isin(ACTING)].agent.notna().all()
    assert steps[steps.kind == "agent"].sort_values("seq").agent.tolist() == [
        "coordinator",
        "researcher",
        "writer",
    ]
    tools = steps[steps.kind == "tool"].sort_values("seq")
    assert list(zip(tools.tool, tools.agent, strict=True)) == [
        ("get_price", "researcher"),
        ("format_quote", "writer"),
    ]
    handoffs = steps[steps.kind == "handoff"].sort_values("seq")
    assert handoffs[["agent", "output"]].values.tolist() == [
        ["coordinator", "researcher"],
        ["researcher", "writer"],
    ]
    assert handoffs.tool.isna().all()
    assert json.loads(handoffs.input.iloc[0]) == {"agent_name": "researcher"}
    pairs = handoff_data(ws, runs.run_id[0])
    assert list(zip(pairs.src_agent, pairs.dst_agent, strict=True)) == [
        ("coordinator", "researcher"),
        ("researcher", "writer"),
    ]
    report = wb.backtest(Policy(budgets=Budgets(max_tool_calls_run=2)), ws)
    assert report.runs.decision.tolist() == ["allowed"]


def _transfer_edit(case: str) -> Callable[[dict], None]:
    def edit(span: dict) -> None:
        if string_attr(span, "tool.name") != "transfer_to_agent":
            return
        if case == "other_system":
            span["attributes"] = [
                a
                for a in span["attributes"]
                if not a["key"].startswith("gcp.vertex.agent.") and a["key"] != "gen_ai.tool.type"
            ]
        else:
            for a in span["attributes"]:
                if a["key"] in ("input.value", "tool.parameters"):
                    a["value"] = {"stringValue": json.dumps({"agent_name": "billing", "ticket": "T-7"})}

    return edit


def test_a_transfer_to_agent_tool_taking_other_arguments_stays_a_tool_call(tmp_path: Path) -> None:
    """A tool called ``transfer_to_agent`` of the developer's, taking other arguments, is a tool call. On another
    system's spans (no ADK key, no ADK tool type) the built-in's call is a hand-off all the same (real32: a
    framework's hand-off tool is known by its name and arguments, ingest/_handoff_tool.py). (Both edited copies in
    one file, a trace id each, read once by each reader: _variants.variants_file.)"""
    cases = ("other_system", "own_arguments")
    ids = variants_file(tmp_path / ADK.name, ADK, {case: _transfer_edit(case) for case in cases})
    for fast in (True, False):
        ws = ingested_whole(tmp_path / ADK.name, fast)
        for case in cases:
            (run,) = ids[case]
            steps = ws.steps(run)
            handed = 2 if case == "other_system" else 0
            assert (steps.kind == "handoff").sum() == handed, (case, fast)
            assert steps[steps.kind == "tool"].tool.tolist().count("transfer_to_agent") == 2 - handed, (
                case,
                fast,
            )


def test_adk_event_output_is_read_as_its_text(read: ReadTogether) -> None:
    """An agent run's and the invocation's output is ADK's last Event (content beside token counts, ids, a
    timestamp): the answer is the content's text. Read whole, the run's answer stated token counts and a
    timestamp nobody backed, a critical silent failure listing them."""
    steps = read.steps(ADK)
    answer = "Quote for the customer: the widget costs 41.20 USD."
    assert steps[steps.parent_id.isna()].output.tolist() == [answer]
    assert steps[steps.kind == "agent"].output.dropna().tolist() == [answer]
    # the event as written stays among the step's attributes
    assert "usage_metadata" in steps[steps.parent_id.isna()].attributes.iloc[0]
    findings = read.findings(ADK)
    silent = findings[findings.detector == "silent_failure"]
    # the researcher's words are in no span (no model span is written): the log shows 41.20 first in the writer's
    assert list(zip(silent.agent, silent.severity, strict=True)) == [("writer", "critical")]
    assert (
        silent.detail.iloc[0].count("(unsupported)") == 1 and "41.20 (unsupported)" in silent.detail.iloc[0]
    )


def test_adk_event_answer_quoting_its_tool_backs_nothing_made_up(
    read: ReadTogether,
) -> None:
    """The same run with the price as the tool gave it throughout: no finding."""
    copies = read.copies
    assert len(read.findings(copies["adk_right"])) == 0


def test_adk_crash_is_a_failed_run_at_the_writers_tool(
    read: ReadTogether,
) -> None:
    assert read.runs_frame(ADK_CRASH).outcome.tolist() == ["failure"]
    steps = read.steps(ADK_CRASH)
    failed = steps[(steps.status == "error") & steps.kind.isin(ACTING)]
    assert failed[["agent", "kind"]].values.tolist() == [["writer", "agent"], ["writer", "tool"]]
    assert failed.tool.iloc[1] == "format_quote"
    assert set(failed.error) == {"RuntimeError: quote service unavailable"}
    assert steps[steps.kind == "handoff"].output.tolist() == ["researcher", "writer"]


_EVENT = {
    "model_version": "gpt-4o-mini",
    "content": {"parts": [{"text": "The widget costs 14.20 USD."}], "role": "model"},
    "partial": False,
    "finish_reason": "STOP",
    "usage_metadata": {"candidates_token_count": 20, "prompt_token_count": 204, "total_token_count": 224},
    "invocation_id": "e-2bf0a7f8-d923-444e-ac34-c4301392be6a",
    "author": "researcher",
    "actions": {"state_delta": {}},
    "id": "97ca4723-7390-47cf-b21b-67148ce8a6af",
    "timestamp": 1796278988.99,
}


def test_adk_event_output_in_a_langfuse_export_is_read_as_its_text(tmp_path: Path) -> None:
    """Langfuse's export of an ADK run traced by OpenInference holds the same Event JSON as the agent's and the
    invocation's output: read as its text there too, the price the tool gave backs the answer (no finding)."""
    event = json.dumps(_EVENT)
    meta = json.dumps({"scope": {"name": "openinference.instrumentation.google_adk"}})

    def obs(oid: str, parent: str | None, otype: str, name: str, output: str, t: int) -> dict:
        return {
            "id": oid,
            "traceId": "t1",
            "parentObservationId": parent,
            "type": otype,
            "name": name,
            "startTime": f"2026-12-03T06:00:0{t}.000Z",
            "endTime": f"2026-12-03T06:00:0{t + 1}.000Z",
            "level": "DEFAULT",
            "input": None,
            "output": output,
            "metadata": meta,
        }

    doc = {
        "trace": {
            "id": "t1",
            "name": "invocation [quote]",
            "timestamp": "2026-12-03T06:00:00.000Z",
            "output": event,
        },
        "observations": [
            obs("c1", None, "CHAIN", "invocation [quote]", event, 0),
            obs("a2", "c1", "AGENT", "agent_run [researcher]", event, 1),
            obs("t3", "a2", "TOOL", "execute_tool get_price", '{"result": "widget: 14.20 USD"}', 2),
        ],
    }
    path = tmp_path / "adk.trace.json"
    path.write_text(json.dumps(doc))
    ws = ingested_whole(path)
    steps = ws.steps(ws.runs().run_id[0])
    assert steps[steps.kind.isin(("chain", "agent"))].output.tolist() == ["The widget costs 14.20 USD."] * 2
    assert "usage_metadata" in steps[steps.kind == "agent"].attributes.iloc[0]
    assert len(wb.detect(ws)) == 0
    real = SAMPLES / "langfuse" / "google-adk-2025-08-28.trace.json" if SAMPLES is not None else None
    if real is not None and real.exists():  # (a real export, when the shared samples are beside the checkout)
        ws = ingested_whole(real)
        steps = ws.steps(ws.runs().run_id[0])
        assert (
            steps[steps.kind.isin(("chain", "agent"))].output.tolist()
            == ["Hello Langfuse \N{WAVING HAND SIGN}!\n"] * 2
        )


# (the chosen reader: both store the same rows for every checked-in fixture, test_reader24_agreement.py)
def test_haystack_agents_offered_as_tools_are_their_own(
    read: ReadTogether,
) -> None:
    """OpenInference writes each Agent.run (no model or tool span); an agent run inside the coordinator's, called
    as a ComponentTool, is the agent of the tool the coordinator's model called with the text it was given."""
    assert read.runs_frame(HAYSTACK)[["outcome", "n_steps"]].values.tolist() == [["success", 4]]
    steps = read.steps(HAYSTACK)
    runs_of = steps[steps.name == "Agent.run"].sort_values("seq")
    assert runs_of.agent.tolist() == ["coordinator", "researcher", "writer"]


def test_haystack_agent_tools_reply_is_no_backend_record(
    read: ReadTogether,
) -> None:
    """The researcher's 41.20 reached the coordinator as its tool's result, and format_quote's result only
    repeats its arguments: neither backs the answer, the researcher made the price up (its get_price said
    14.20). Read as backend records, the run had no finding."""
    findings = read.findings(HAYSTACK)
    silent = findings[findings.detector == "silent_failure"]
    assert list(zip(silent.agent, silent.severity, strict=True)) == [("researcher", "critical")]
    assert "41.20 (unsupported); first stated by researcher" in silent.detail.iloc[0]


@pytest.mark.parametrize("case", ["right", "tool_adds", "not_asked"])
def test_haystack_results_that_are_records_still_back_the_answer(read: ReadTogether, case: str) -> None:
    """The run with the tool's price throughout has no finding; a format_quote result stating a value of its
    own (a quote number) is a backend record; an inner run given a text no call of the coordinator holds stays
    the coordinator's. (The edited copies: _COPIES.)"""
    copies = read.copies
    if case == "right":
        assert len(read.findings(copies[case])) == 0
        return
    if case == "tool_adds":
        assert read.steps(copies[case]).agent.dropna().nunique() == 3
        assert "silent_failure" not in set(read.findings(copies[case]).detector)
        return
    steps = read.steps(copies[case])
    assert steps[steps.name == "Agent.run"].sort_values("seq").agent.tolist() == [
        "coordinator",
        "coordinator",
        "writer",
    ]

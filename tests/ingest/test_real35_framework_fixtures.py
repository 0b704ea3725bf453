"""Real runs of framework/instrumentation pairs (real35, real36; the READMEs beside the fixtures say how each was
made): what a user saw on 2cae41c, and what now reads right.

CrewAI under OpenLLMetry (fixtures/crewai/openllmetry_*): the crew's kickoff span (``crewai.workflow``) and each
task's (``<description>.task``), which the instrumentation writes as ``invoke_agent`` beside the agents' own, were
read as agents: the run's agents were ``crewai.workflow``, "Look up the list price of a widget..task",
Researcher, "Write the customer's quote for a widget..task" and Writer. Now the crew is the workflow around the
agents and each task a step of the agent it is given to.

AG2 under OpenInference (fixtures/ag2): every tool call was the agent ``_Group_Tool_Executor``'s, AG2's own agent
that runs the tools the speaking agent asks for (OpenInference names it on each tool span, and its turn was an
agent of its own): the researcher's failed ``get_price`` was the executor's. AG2's own tracing was read right
(test_real14_ag2); now OpenInference's is too: the executor's turn acts for the agent whose turn came before it,
and its calls are that agent's.

The OpenAI Agents SDK under OpenInference, cut off by its caller (fixtures/openai-agents/openinference_timeout_*):
``asyncio.wait_for`` cancels the run and raises ``TimeoutError`` to the caller, but no span says an error: the
SDK ends every open span, the trace's root OK (``on_trace_end``), so the run read ``success`` (real34's rule reads
an OpenInference run as failed only when its last agent is in error). What the spans do say: the run's last step
but agents is a model call that got no answer (no output, no usage: OpenInference writes both for every answer),
or one whose answer asked for a hand-off that never ran. Now such a run is a failure; a run that answered stays a
success (test_real34_openllmetry_openai_agents, test_real34_finished_runs).

real36 (what a user saw on e0db886): spans that record an exception with no error status, and a made-up zero.

smolagents under OpenInference (fixtures/smolagents/stream_model_crash, caught_tool_exception): code that catches an
exception and goes on records it with ``span.record_exception(e)`` and leaves the status alone, and OpenInference's
run wrapper sets OK in a ``finally`` over the ERROR it set for an exception the run raised to its caller. Both spans
were read ``ok`` with no error: the streamed run whose model failed read ``success``, and the tool whose price
service timed out read as a call that worked. Now the span is in error, the exception's type and message its error,
in both OTLP readers; the run's outcome is still the outcome rules' (the caught exception's run, whose root says
OK, stays a success). The streamed run's output, every step's repr joined, is read for its final answer.

AG2 under OpenInference (fixtures/ag2/openinference_groupchat_tool_error, real35's): get_price failed, the
researcher said so, and the writer called format_quote with a price of 0.0 it made up and quoted 0.00 USD. The
chat's span is OK whenever it returns, so the run is a reported success, and no finding said otherwise: the
silent-failure check took the writer's 0.0 as computed from its input, whose tool-call ids
("call_researcher_0_0") hold a 0 (0 times anything). Digits inside an identifier are no number the step was
given: the made-up 0.0 is the writer's, a critical silent failure of the reported success.

real37: CrewAI's own tracing (fixtures/crewai/native_tracing_tool_error, crewai 1.15.30's TraceSession) names each
agent span by the agent's key, a hash (``gen_ai.agent.name``), its role beside it (``crewai.agent.role``): the
agents read ``agent`` and ``agent 2``. Beside a failed tool call it writes a ``tool failure`` span (the failure
policy's row for the same call): read as a second call, one failure was two calls of get_price (a retry that
never was). Now the agents are Researcher and Writer, and the failure row is a step of the call's agent, no call.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _otlp_edits import edited_text
from _read_together import ReadTogether, own_copy

from workbench.ingest._jsonio import sql_path

FIXTURES = Path(__file__).parent / "fixtures"
CREW_FAULT = FIXTURES / "crewai" / "openllmetry_fault.otlp.jsonl"
CREW_CRASH = FIXTURES / "crewai" / "openllmetry_crash.otlp.jsonl"
AG2_FAULT = FIXTURES / "ag2" / "openinference_groupchat_fault.otlp.jsonl"
AG2_TOOL_ERROR = FIXTURES / "ag2" / "openinference_groupchat_tool_error.otlp.jsonl"
SMOL_CRASH = FIXTURES / "smolagents" / "stream_model_crash.otlp.jsonl"
SMOL_CAUGHT = FIXTURES / "smolagents" / "caught_tool_exception.otlp.jsonl"
CREW_NATIVE = FIXTURES / "crewai" / "native_tracing_tool_error.otlp.jsonl"
TIMEOUT = {
    name: FIXTURES / "openai-agents" / f"openinference_timeout_{name}.otlp.jsonl"
    for name in ("answer", "handoff")
}
FILES = [
    CREW_FAULT,
    CREW_CRASH,
    AG2_FAULT,
    AG2_TOOL_ERROR,
    SMOL_CRASH,
    SMOL_CAUGHT,
    CREW_NATIVE,
    *TIMEOUT.values(),
]


@pytest.fixture(scope="module")
def read() -> ReadTogether:
    """Every file the tests below read whole, in one call of the chosen reader (each file's own choice, as when
    read alone; the tests read no file whose runs another file names) and detected once: _read_together."""
    return ReadTogether(FILES, None)


def _outcome(read: ReadTogether, path: Path, column: str = "outcome") -> list[str]:
    return read.runs_frame(path)[column].tolist()


def _silent_criticals(read: ReadTogether, path: Path) -> list[tuple[str, str]]:
    """(agent, step_id) of each critical silent_failure finding of ``path``'s run."""
    found = read.findings(path).query("severity == 'critical' and detector == 'silent_failure'")
    return list(zip(found.agent, found.step_id, strict=True))


# (the chosen reader: both store the same rows for every checked-in fixture, test_reader24_agreement.py)
def test_crewai_agents_are_the_crews_and_the_made_up_price_is_the_researchers(read: ReadTogether) -> None:
    steps = read.steps(CREW_FAULT)
    assert steps[steps.kind == "agent"].agent.tolist() == ["Researcher", "Writer"]
    assert set(steps.agent.dropna()) == {"Researcher", "Writer"}
    root = steps[steps.parent_id.isna()]
    assert list(zip(root.name, root.kind, root.agent.isna(), strict=True)) == [
        ("crewai.workflow", "chain", True)
    ]
    tasks = steps[steps.name.str.endswith(".task")]
    assert list(zip(tasks.kind, tasks.agent, strict=True)) == [("chain", "Researcher"), ("chain", "Writer")]
    said = steps[(steps.kind == "llm") & (steps.agent == "Researcher")]
    assert _silent_criticals(read, CREW_FAULT) == [("Researcher", said.step_id.iloc[1])]


def test_crewai_crash_is_the_writers(read: ReadTogether) -> None:
    steps = read.steps(CREW_CRASH)
    assert _outcome(read, CREW_CRASH) == ["failure"]
    assert set(steps.agent.dropna()) == {"Researcher", "Writer"}
    failed = steps[steps.status == "error"]
    assert set(zip(failed.kind, failed.agent.fillna(""), strict=True)) == {
        ("chain", ""),
        ("chain", "Writer"),
        ("agent", "Writer"),
        ("llm", "Writer"),
    }


# (the chosen reader: both store the same rows for every checked-in fixture, test_reader24_agreement.py)
def test_ag2_tool_calls_are_the_asking_agents(read: ReadTogether) -> None:
    steps = read.steps(AG2_TOOL_ERROR)
    assert set(steps.agent.dropna()) == {"user", "chat_manager", "researcher", "writer"}
    tools = steps[steps.kind == "tool"]
    assert list(zip(tools.tool, tools.agent, tools.status, strict=True)) == [
        ("get_price", "researcher", "error"),
        ("format_quote", "writer", "ok"),
    ]
    turns = steps[steps.name == "_Group_Tool_Executor.generate_reply"]
    assert list(zip(turns.kind, turns.agent, strict=True)) == [("chain", "researcher"), ("chain", "writer")]


def test_ag2_made_up_price_is_the_researchers(read: ReadTogether) -> None:
    steps = read.steps(AG2_FAULT)
    said = steps[(steps.kind == "llm") & (steps.agent == "researcher")]
    assert _silent_criticals(read, AG2_FAULT) == [("researcher", said.step_id.iloc[1])]
    assert steps[steps.kind == "tool"].agent.tolist() == ["researcher", "writer"]


@pytest.mark.parametrize("name", ["answer", "handoff"])
def test_openai_agents_run_its_caller_cut_off_is_a_failure(read: ReadTogether, name: str) -> None:
    runs = read.runs_frame(TIMEOUT[name])
    assert runs[["outcome", "outcome_source"]].values.tolist() == [["failure", "root_status"]]
    assert (read.steps(TIMEOUT[name]).status == "error").sum() == 0


# (the chosen reader: both store the same rows for every checked-in fixture, test_reader24_agreement.py)
def test_a_streamed_smolagents_run_that_raised_is_a_failure(read: ReadTogether) -> None:
    steps = read.steps(SMOL_CRASH)
    assert _outcome(read, SMOL_CRASH) == ["failure"]
    root = steps[steps.parent_id.isna()]
    assert list(zip(root.kind, root.agent, root.status, strict=True)) == [("agent", "researcher", "error")]
    assert root.error.iloc[0] == (
        "smolagents.utils.AgentGenerationError: Error while generating output:\n"
        "Error code: 500 - upstream overloaded"
    )


def test_a_caught_tool_exception_is_the_tools_error_not_the_runs(read: ReadTogether, tmp_path: Path) -> None:
    """By each reader; and by the SQL reader with the tool span's status unset. (The Python reader's store is the
    module's, the chosen reader of a file this small; the SQL reader's the fixture and the edited copy, its trace
    ids its own, in one call.)"""

    def unset(span: dict) -> None:
        if span["name"] == "SimpleTool":
            span.pop("status")

    unset_copy = own_copy(tmp_path, SMOL_CAUGHT.name, edited_text(SMOL_CAUGHT, unset), 1)
    assert not sql_path(None, SMOL_CAUGHT)  # (the module's store: the Python reader's)
    sql = ReadTogether([SMOL_CAUGHT, unset_copy], True)
    for case, (store, path) in {
        "python": (read, SMOL_CAUGHT),
        "sql": (sql, SMOL_CAUGHT),
        "sql, unset": (sql, unset_copy),
    }.items():
        steps = store.steps(path)
        assert _outcome(store, path) == ["success"], case
        failed = steps[steps.status == "error"]
        assert list(zip(failed.kind, failed.tool, failed.error, strict=True)) == [
            ("tool", "get_price", "TimeoutError: price service timed out after 5 s")
        ], case
        assert steps[steps.parent_id.isna()].output.tolist() == [
            "Sorry, the widget's price is unavailable right now."
        ], case


def test_a_streamed_smolagents_runs_answer_is_its_final_step_not_the_stream(read: ReadTogether) -> None:
    # (OpenInference writes the run span's output as every streamed step's repr joined: ActionStep(timing=...,
    # token_usage=...) ... FinalAnswerStep(output=...); read whole, its timings and token counts were an answer's
    # unsupported numbers, a critical silent failure of a run that answered well; the answer read from each
    # reader: test_a_caught_tool_exception_is_the_tools_error_not_the_runs)
    assert _silent_criticals(read, SMOL_CAUGHT) == []


def test_ag2_writer_quoting_a_made_up_zero_after_a_tool_error_is_a_silent_failure(read: ReadTogether) -> None:
    steps = read.steps(AG2_TOOL_ERROR)
    assert _outcome(read, AG2_TOOL_ERROR, "reported_outcome") == ["success"]
    asked = steps[(steps.kind == "llm") & (steps.agent == "writer")]
    assert _silent_criticals(read, AG2_TOOL_ERROR) == [("writer", asked.step_id.iloc[0])]


# (the chosen reader: both store the same rows for every checked-in fixture, test_reader24_agreement.py)
def test_crewai_own_tracing_names_agents_by_role_and_a_failure_row_is_no_second_call(
    read: ReadTogether,
) -> None:
    steps = read.steps(CREW_NATIVE)
    agents = steps[steps.kind == "agent"]
    assert list(agents.agent) == ["Researcher", "Writer"]
    calls = steps[steps.kind == "tool"]
    assert list(zip(calls.agent, calls.tool, calls.status, strict=True)) == [
        ("Researcher", "get_price", "error"),
        ("Writer", "format_quote", "ok"),
    ]
    assert set(steps.agent.dropna()) == {"Researcher", "Writer"}
    assert list(steps[steps.name == "tool failure"].agent) == ["Researcher"]

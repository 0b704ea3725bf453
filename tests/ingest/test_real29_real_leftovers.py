"""What real28's real framework traces still read wrong (real29), on its checked-in fixtures and variants of them
the tests write: OpenLLMetry's LangGraph run has an outcome (its workflow span's ``gen_ai.task.status``), its
compiled graph is no agent (its nodes are), and its chain and tool outputs are what the chain and tool gave, not
LangChain's callback record around them; Semantic Kernel's writer's ``format_quote``, which only repeats the
price it was given, does not back the price the researcher made up (test_real28's xfail, now a pass there)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from _otlp_edits import edited_copy, edited_text
from _read_together import ReadTogether, own_copy
from _variants import variants_file
from test_reader24_agreement import readers

import workbench as wb

FIXTURES = Path(__file__).parent / "fixtures"
OPENLLMETRY = FIXTURES / "openllmetry" / "langgraph_loop.otlp.jsonl"
SK = FIXTURES / "semantic-kernel" / "sequential_fault.otlp.jsonl"
ERROR = {"code": "STATUS_CODE_ERROR", "message": "GraphRecursionError"}


def _variant(tmp_path: Path, edit: Callable[[dict], None], source: Path = OPENLLMETRY) -> Path:
    return edited_copy(tmp_path, edit, source)


def _set(span: dict, key: str, value: object) -> None:
    attrs = [a for a in span["attributes"] if a["key"] != key]
    if value is not None:
        attrs.append(
            {
                "key": key,
                "value": {"arrayValue": {"values": [{"stringValue": v} for v in value]}}
                if isinstance(value, list)
                else {"stringValue": value},
            }
        )
    span["attributes"] = attrs


def _ws(path: Path, fast: bool | None = None) -> wb.Workspace:
    with readers(fast):
        ws = wb.open()
        report = ws.ingest(path, progress=False)
    assert report.quarantined == 0
    return ws


def _graph(span: dict) -> bool:
    return span["name"] == "invoke_agent LangGraph"


def _workflow(span: dict) -> bool:
    return span["name"] == "LangGraph.workflow"


# (the chosen reader: both store the same rows for every checked-in fixture, test_reader24_agreement.py)
def test_openllmetry_run_that_ended_well_is_a_success(read: ReadTogether) -> None:
    """The graph's root span is left unset when the graph returned; the workflow span under it says success."""
    runs = read.runs_frame(OPENLLMETRY)
    assert runs[["outcome", "outcome_source"]].values.tolist() == [["success", "root_status"]]


# (root status, the workflow span's gen_ai.task.status, the run's outcome)
STATUSES = {
    "workflow failed": (None, "failure", "failure"),  # the workflow span says the graph failed
    "root error": (ERROR, "success", "failure"),  # the root's own error is not overridden by its child
    # nor its own ok: the child is read only when it is unset
    "root ok": ({"code": "STATUS_CODE_OK"}, "failure", "success"),
    "nothing said": (None, None, "unknown"),  # nothing said: unknown, as before
}


def _statuses(root: dict | None, workflow: str | None) -> Callable[[dict], None]:
    def edit(span: dict) -> None:
        if _graph(span) and root is not None:
            span["status"] = root
        if _workflow(span):
            _set(span, "gen_ai.task.status", workflow)

    return edit


def _task_span(span: dict) -> None:
    if _workflow(span):
        _set(span, "traceloop.span.kind", "task")


@pytest.fixture(scope="module")
def statuses(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[str]]]:
    """Each case of STATUSES a copy of the trace with its own trace id, in one file (_variants.variants_file):
    the file and each case's run ids."""
    path = tmp_path_factory.mktemp("statuses") / OPENLLMETRY.name
    return path, variants_file(path, OPENLLMETRY, {k: _statuses(r, w) for k, (r, w, _) in STATUSES.items()})


@pytest.fixture(scope="module")
def read(
    tmp_path_factory: pytest.TempPathFactory, statuses: tuple[Path, dict[str, list[str]]]
) -> ReadTogether:
    """The fixtures the tests below read whole, the STATUSES copies and the edited copies (each copy's trace ids
    its own) read in one call of the chosen reader and detected once (_read_together)."""
    folder = tmp_path_factory.mktemp("real29")
    copies = {
        "task_span": own_copy(folder, "task.otlp.jsonl", edited_text(OPENLLMETRY, _task_span), 1),
        "sk_right": own_copy(folder, "right.otlp.jsonl", SK.read_text().replace("41.20", "14.20"), 2),
        "statuses": statuses[0],
    }
    return ReadTogether([OPENLLMETRY, SK, SMOLAGENTS], None, copies)


def test_openllmetry_workflow_status_is_read_only_where_the_root_says_nothing(
    read: ReadTogether, statuses: tuple[Path, dict[str, list[str]]]
) -> None:
    ids = statuses[1]
    outcomes = dict(read.runs_frame(statuses[0])[["run_id", "outcome"]].values.tolist())
    assert {case: [outcomes.get(r) for r in ids[case]] for case in STATUSES} == {
        case: [outcome] for case, (_, _, outcome) in STATUSES.items()
    }


def test_a_task_spans_status_is_not_the_runs(read: ReadTogether) -> None:
    """Only OpenLLMetry's workflow span speaks for the run: the same child as a task span (every node's, every
    chain's carries gen_ai.task.status) leaves the unset root unknown."""
    assert read.runs_frame(read.copies["task_span"]).outcome.tolist() == ["unknown"]


# (the chosen reader: both store the same rows for every checked-in fixture, test_reader24_agreement.py)
def test_openllmetry_compiled_graph_is_no_agent(read: ReadTogether) -> None:
    steps = read.steps(OPENLLMETRY)
    assert set(steps.agent.dropna()) == {"researcher", "writer"}
    graph = steps[steps.name.isin(["invoke_agent LangGraph", "LangGraph.workflow"])]
    assert graph.kind.tolist() == ["chain", "chain"] and graph.agent.isna().all()
    # a ReAct agent's own graph (its nodes agent / tools), inside the node running it, is that node's agent
    react = steps[steps.name.isin(["invoke_agent researcher", "invoke_agent writer"])]
    assert react.agent.tolist() == ["researcher", "writer"]
    # what the graph answered is its state's last AI message, not LangChain's record around the state
    assert graph.output.tolist()[1] == "Quote for the customer: the widget costs 14.20 USD."
    tools = steps[steps.kind == "tool"]
    assert tools.output.tolist() == ["widget: 14.20 USD"] * 2 and (tools.status != "error").all()


@pytest.mark.parametrize("fast", [True, False])
def test_a_graph_of_one_react_agent_stays_that_agent(tmp_path: Path, fast: bool) -> None:
    """A graph whose nodes are one agent's loop (create_react_agent as the whole app) is that agent."""

    def edit(span: dict) -> None:
        if _graph(span):
            _set(span, "gen_ai.workflow.nodes", ["agent", "tools"])

    ws = _ws(_variant(tmp_path, edit), fast)
    steps = ws.steps(ws.runs().run_id[0])
    assert steps[steps.name == "invoke_agent LangGraph"][["kind", "agent"]].values.tolist() == [
        ["agent", "LangGraph"]
    ]


def test_openllmetry_success_carries_no_silent_failure(read: ReadTogether) -> None:
    """Read as a reported success, the run's answer is the writer's quote (14.20, get_price's): before the
    state was read for its answer, its token counts and model name were 'unsupported' values."""
    findings = read.findings(OPENLLMETRY)
    assert list(zip(findings.detector, findings.agent, strict=True)) == [("loop", "researcher")]


def test_semantic_kernel_echoing_tool_backs_nothing_but_a_record_still_does(read: ReadTogether) -> None:
    """The researcher states 41.20 where get_price said 14.20; the writer's format_quote only repeats the
    41.20 it was given, so the answer's 41.20 stays unsupported, found at the researcher. The same run with
    the researcher quoting the tool: format_quote repeats 14.20 and get_price's record backs it: no finding."""
    findings = read.findings(SK)
    # (and, since real42, the cascade of that unsupported value from the researcher into the writer's steps)
    assert sorted(set(zip(findings.detector, findings.severity, findings.agent, strict=True))) == [
        ("cascade", "critical", "researcher"),
        ("cascade", "info", "writer"),
        ("silent_failure", "warning", "researcher"),
    ]
    assert "41.20 (unsupported)" in findings[findings.detector == "silent_failure"].detail.iloc[0]
    assert len(read.findings(read.copies["sk_right"])) == 0


SMOLAGENTS = FIXTURES / "smolagents" / "managed_fault.otlp.jsonl"


# (the chosen reader: both store the same rows for every checked-in fixture, test_reader24_agreement.py)
def test_smolagents_managed_agent_run(read: ReadTogether) -> None:
    """A real smolagents manager / managed researcher run through OpenInference: the researcher misstates its
    tool's price, the manager quotes it. What a user sees: the two agents, each model call and tool call theirs,
    the run a reported success, the silent failure and its cascade traced to the researcher, who is the culprit."""
    runs = read.runs_frame(SMOLAGENTS)
    assert runs[["outcome", "n_steps"]].values.tolist() == [["success", 13]]
    steps = read.steps(SMOLAGENTS)
    assert steps[steps.kind == "agent"].agent.tolist() == ["manager", "researcher"]
    assert steps.agent.notna().all()
    assert sorted(steps[steps.kind == "llm"].agent) == ["manager", "manager", "researcher", "researcher"]
    tools = steps[steps.kind == "tool"].sort_values("seq")
    assert list(zip(tools.tool, tools.agent, strict=True)) == [
        ("get_price", "researcher"),
        ("final_answer", "researcher"),
        ("final_answer", "manager"),
    ]
    assert tools.output.tolist()[0] == "widget: 14.20 USD"
    # the arguments the model called the tool with, not smolagents' Tool.__call__ bound arguments around them
    assert tools.input.tolist()[0] == '{"item":"widget"}'
    findings = read.findings(SMOLAGENTS)
    silent = findings[findings.detector == "silent_failure"]
    assert list(zip(silent.agent, silent.severity, strict=True)) == [("researcher", "critical")]
    assert "41.20 (made up upstream)" in silent.detail.iloc[0]
    worst = findings[(findings.detector == "cascade") & (findings.severity == "critical")]
    assert worst.agent.tolist() == ["researcher"]
    verdict = wb.BlameModel.pretrained().predict(read.ws, list(runs.run_id))
    assert verdict.agent.tolist() == ["researcher"]

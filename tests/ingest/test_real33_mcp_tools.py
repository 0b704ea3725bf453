"""What a user sees of an agent's tool served by an MCP server in another process, both traced (fixtures/mcp: its
README says how each was made): the OpenAI Agents SDK under the official OTel GenAI instrumentation, its MCP
client and the MCP server under the MCP SDK's own spans, joined by the W3C trace context the client puts in each
request's ``_meta``.

The one call was two tool steps: the agent's ``execute_tool get_price`` and, under the client's ``MCP send
tools/call get_price``, the server's ``tools/call get_price``, also typed ``execute_tool``; tool counts and
budgets counted it twice. Known wrong and left: the session's ``server/discover`` before the workflow is a run
of its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _built import copy_of
from _deep import deep
from _otlp_edits import edited_copy
from test_reader24_agreement import readers

import workbench as wb
from workbench.policy import Budgets, Policy

FIXTURES = Path(__file__).parent / "fixtures" / "mcp"
FAULT = [FIXTURES / "agents_mcp_fault.otlp.jsonl", FIXTURES / "agents_mcp_fault.server.otlp.jsonl"]
DOWN = [FIXTURES / "agents_mcp_down.otlp.jsonl", FIXTURES / "agents_mcp_down.server.otlp.jsonl"]


def _read(paths: list[Path], fast: bool | None) -> wb.Workspace:
    with readers(fast):
        ws = wb.open()
        report = ws.ingest(paths, progress=False)
    assert report.read == report.stored and report.quarantined == 0
    return ws


def _workflow(paths: list[Path], fast: bool | None = None) -> tuple[wb.Workspace, object]:
    # (a store of the checked-in files read once a process, each test given a copy of its own: several tests
    # read the same files by the same reader, and two write labels or findings)
    ws = copy_of(("real33_mcp", tuple(paths), fast), lambda: _read(paths, fast))
    run = ws.sql("SELECT run_id FROM steps WHERE name = 'invoke_workflow quote desk'").fetchall()[0][0]
    return ws, ws.steps(run).sort_values("seq")


def test_the_mcp_servers_spans_join_the_researchers_call() -> None:
    ws, steps = _workflow(FAULT)
    served = steps[steps.name.str.startswith("tools/")]
    assert list(zip(served.name, served.kind, served.agent, strict=True)) == [
        ("tools/list", "other", "researcher"),
        ("tools/call get_price", "chain", "researcher"),
    ]
    calls = steps[steps.name == "execute_tool get_price"]
    assert '\\"price\\": 14.2' in calls.output.iloc[0]


def test_made_up_price_over_mcp_is_the_researchers() -> None:
    ws, steps = _workflow(FAULT)
    chats = steps[(steps.kind == "llm") & (steps.agent == "researcher")]
    origin = chats.step_id.iloc[1]
    assert "41.20" in chats.output.iloc[1]
    findings = wb.detect(ws)
    critical = findings[findings.severity == "critical"]  # the run answered: a silent failure (real34)
    assert list(zip(critical.detector, critical.agent, critical.step_id, strict=True)) == [
        ("cascade", "researcher", origin),
        ("silent_failure", "researcher", origin),
    ]


def test_a_failure_only_the_server_saw_is_an_error_step_of_the_researcher() -> None:
    """The agent side reads the server's isError answer as text; only the server's span says it failed."""
    _, steps = _workflow(DOWN)
    errors = steps[steps.status == "error"]
    assert list(zip(errors.name, errors.kind, errors.agent, strict=True)) == [
        ("tools/call get_price", "chain", "researcher")
    ]


# Each fixture by one reader (both readers store the same rows for every checked-in fixture:
# test_reader24_agreement.py); each by both with WORKBENCH_DEEP_TESTS=1.
_ONE_CALL = [(FAULT, True, "fault-True"), (DOWN, False, "down-False")] + (
    [(FAULT, False, "fault-False"), (DOWN, True, "down-True")] if deep() else []
)


@pytest.mark.parametrize(("paths", "fast"), [pytest.param(p, f, id=i) for p, f, i in _ONE_CALL])
def test_one_mcp_call_is_one_tool_step(paths: list[Path], fast: bool) -> None:
    """Before, get_price was called twice: a budget of two tool calls a run stopped the run at format_quote."""
    ws, steps = _workflow(paths, fast)
    tools = steps[steps.kind == "tool"]
    # (the writer declines to quote when the price is down: no call of its own)
    writer = [("format_quote", "writer")] if paths is FAULT else []
    assert list(zip(tools.tool, tools.agent, strict=True)) == [("get_price", "researcher"), *writer]
    run = steps.run_id.iloc[0]
    ws.label(run, outcome="success")
    decided = wb.backtest(Policy(budgets=Budgets(max_tool_calls_run=len(tools))), ws, runs=[run])
    assert decided.runs.decision.tolist() == ["allowed"]


def test_a_server_span_alone_is_the_call() -> None:
    """The server's file on its own (the agent side not traced): its span is the only record of the call."""
    ws = wb.open()
    ws.ingest(FAULT[1], progress=False)
    assert ws.sql("SELECT kind, tool FROM steps WHERE name = 'tools/call get_price'").fetchall() == [
        ("tool", "get_price")
    ]


def test_a_server_call_of_another_tool_stays_a_call(tmp_path: Path) -> None:
    """Under the agent's get_price, a server span of another tool is not the same call."""

    def rename(span: dict) -> None:
        if span["name"] == "tools/call get_price":
            span["name"] = "tools/call get_cost"
            for a in span["attributes"]:
                if a["key"] == "gen_ai.tool.name":
                    a["value"] = {"stringValue": "get_cost"}

    ws = _read([FAULT[0], edited_copy(tmp_path, rename, FAULT[1])], None)
    run = ws.sql("SELECT run_id FROM steps WHERE name = 'invoke_workflow quote desk'").fetchall()[0][0]
    steps = ws.steps(run).sort_values("seq")
    tools = steps[steps.kind == "tool"]
    assert tools.tool.tolist() == ["get_price", "get_cost", "format_quote"]


def test_a_servers_file_ingested_after_the_agents_reads_the_same() -> None:
    """The steps above the server's span are found among the stored ones: the server's file ingested in a later
    call (a collector's files, an incremental ingest), or either file again, stores nothing new and
    quarantines nothing (a re-read server span differing from its stored self would be a conflict)."""
    ws = wb.open()
    for paths in ([DOWN[0]], [DOWN[1]], [DOWN[0]], [DOWN[1]]):
        report = ws.ingest(paths, progress=False)
        assert report.quarantined == 0
    together, _ = _workflow(DOWN)
    assert (
        ws.sql("SELECT step_id, kind, tool, status FROM steps ORDER BY ALL").fetchall()
        == together.sql("SELECT step_id, kind, tool, status FROM steps ORDER BY ALL").fetchall()
    )
    assert ws.sql("SELECT count(*) FROM steps WHERE kind = 'tool'").fetchall() == [(1,)]


# (by the SQL reader; the test above reads the other order by the default reader, Python for files this small:
# both readers store the same rows for these checked-in files, test_reader24_agreement.py, so the calls after the
# first run the same merge on the same staged rows either way; by the Python reader too with deep())
@pytest.mark.parametrize("fast", [True, False] if deep() else [True])
def test_a_servers_file_ingested_before_the_agents_reads_the_same(fast: bool) -> None:
    """The server's file read in an earlier call: its span is stored as a call (its client span not there yet).
    When the agent's file comes, that stored span becomes a step of the agent's call, as when both are read in
    one call (real34: it stayed a second tool step); either file again changes nothing."""
    with readers(fast):
        ws = wb.open()
        for paths in ([FAULT[1]], [FAULT[0]], [FAULT[1]], [FAULT[0]]):
            report = ws.ingest(paths, progress=False)
            assert report.quarantined == 0 and report.read == report.stored
    together, _ = _workflow(FAULT, fast)
    shown = "SELECT step_id, kind, tool, status, agent FROM steps ORDER BY ALL"
    assert ws.sql(shown).fetchall() == together.sql(shown).fetchall()
    assert ws.sql("SELECT tool FROM steps WHERE kind = 'tool' ORDER BY started_at").fetchall() == [
        ("get_price",),
        ("format_quote",),
    ]

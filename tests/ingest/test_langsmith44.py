"""LangSmith run exports (the ``langsmith`` format): the runs a user already holds in LangSmith were "not in any
known format". The fixture (``fixtures/langsmith/runs.jsonl``, see its SOURCE.txt) is hand-built on the SDK's
``Run`` schema: a LangGraph graph whose researcher reads 14.20 from its tool and states 41.20, which the writer
quotes (planted), and a ReAct graph whose stock tool raises and whose answer gives up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest._driver import choose_adapter

FIXTURES = Path(__file__).parent / "fixtures"
RUNS = FIXTURES / "langsmith" / "runs.jsonl"
COLS = "step_id, parent_id, run_id, agent, kind, name, tool, model, tokens_in, tokens_out, status, error"


def _runs() -> list[dict]:
    return [json.loads(line) for line in RUNS.read_text().splitlines()]


def _steps(ws: wb.Workspace) -> set[tuple]:
    return set(ws.sql(f"SELECT {COLS} FROM steps").fetchall())


@pytest.fixture(scope="module")
def read() -> tuple[wb.Workspace, object]:
    ws = wb.open()
    return ws, ws.ingest(RUNS, progress=False)


def test_list_runs_dumped_as_jsonl_is_read_as_the_langchain_spans_of_the_same_runs(read) -> None:
    ws, report = read
    assert choose_adapter(RUNS).name == "langsmith"
    assert (report.read, report.stored, report.quarantined) == (22, 22, 0)
    by_name = {}
    for row in ws.sql(f"SELECT {COLS} FROM steps ORDER BY started_at").fetchall():
        by_name.setdefault(row[5], []).append(row)
    # LangGraph's node metadata names the agents: the workers' loops act for the node running them
    assert {r[3] for r in by_name["agent"][:2]} == {"researcher"} and by_name["writer"][0][3:5] == (
        "writer",
        "agent",
    )
    (price,) = by_name["get_price"]
    assert price[3:7] == ("researcher", "tool", "get_price", "get_price") and price[10] == "ok"
    llm = by_name["ChatOpenAI"][1]
    assert llm[3:5] == ("researcher", "llm") and llm[7:10] == ("gpt-4o-mini-2024-07-18", 66, 20)
    # the tool that raised: its error is the exception, not LangChain's traceback after it
    (stock,) = by_name["check_stock"]
    assert stock[4] == "tool" and stock[10:] == ("error", "TimeoutError('inventory service timed out')")
    # a flat graph's ToolNode runs the calls of the agent node before it: they are that agent's
    assert stock[3] == "agent"
    # tokens and cost are the model calls' only (a chain's LangSmith counts are its children's summed)
    assert ws.sql("SELECT sum(tokens_in), sum(tokens_out), round(sum(cost), 7) FROM steps").fetchall()[0] == (
        379,
        107,
        0.0001212,
    )
    assert ws.sql("SELECT count(*) FROM steps WHERE kind <> 'llm' AND tokens_in IS NOT NULL").fetchall()[
        0
    ] == (0,)
    assert ws.sql("SELECT count(*), min(outcome) FROM runs").fetchall()[0] == (2, "success")
    out = ws.sql("SELECT output FROM steps WHERE name = 'get_price'").fetchall()[0][0]
    assert out == "widget: 14.20 USD"


def test_the_planted_faults_are_found(read) -> None:
    ws, _ = read
    found = wb.detect(ws, progress=False)
    researcher_llm = ws.sql(
        "SELECT step_id FROM steps WHERE name = 'ChatOpenAI' AND output LIKE '%41.20%' "
        "AND agent = 'researcher'"
    ).fetchall()[0][0]
    origin = found[(found.detector == "cascade") & (found.severity == "critical")]
    assert list(origin.step_id) == [researcher_llm] and "41.20" in origin.detail.iloc[0]
    gave_up = found[(found.detector == "gave_up") & (found.agent == "agent")]
    assert list(gave_up.step_id) == [
        ws.sql("SELECT step_id FROM steps WHERE name = 'check_stock'").fetchall()[0][0]
    ]


def _nested(runs: list[dict]) -> list[dict]:
    """The runs as ``read_run(id, load_child_runs=True)`` gives them: children nested, and (as the stride-nyc
    export script writes them) without trace_id, parent_run_id or dotted_order."""
    by_id = {
        r["id"]: {k: v for k, v in r.items() if k not in ("trace_id", "parent_run_id", "dotted_order")}
        | {"child_runs": []}
        for r in runs
    }
    roots = []
    for r in sorted(runs, key=lambda r: r["start_time"]):
        (by_id[r["parent_run_id"]]["child_runs"] if r["parent_run_id"] else roots).append(by_id[r["id"]])
    return roots


def test_the_same_runs_nested_in_child_runs_or_in_an_api_page_read_the_same(read, tmp_path: Path) -> None:
    ws, _ = read
    runs = _runs()
    nested = tmp_path / "traces_export.json"
    nested.write_text(json.dumps({"export_metadata": {"total_traces": 2}, "traces": _nested(runs)}, indent=2))
    page = tmp_path / "page.json"
    # json.dumps(run.dict(), default=str): times with a space and +00:00, the cost a Decimal's text
    for r in runs:
        for key in ("start_time", "end_time"):
            r[key] = r[key].replace("T", " ").replace("Z", "+00:00")
    page.write_text(json.dumps({"runs": runs, "cursors": {"next": None}}))
    want = _steps(ws)
    for path in (nested, page):
        other = wb.open()
        report = other.ingest(path, progress=False)
        assert (report.read, report.stored, report.quarantined) == (22, 22, 0), path.name
        assert _steps(other) == want, path.name
        assert (
            other.sql("SELECT sum(latency_ms), round(sum(cost), 7) FROM steps").fetchall()[0]
            == ws.sql("SELECT sum(latency_ms), round(sum(cost), 7) FROM steps").fetchall()[0]
        )


def test_bad_runs_are_quarantined_at_their_line_and_cost_only_themselves(tmp_path: Path) -> None:
    runs = _runs()[-4:]  # the first trace's root and its first three runs (the file is newest first)
    orphan = dict(runs[1], id="6c1f1e4e-0000-4000-8000-000000000001", trace_id=None, dotted_order="")
    late = dict(runs[2], id="6c1f1e4e-0000-4000-8000-000000000002", start_time="yesterday")
    lines = [json.dumps(r) for r in runs] + ["{not json", json.dumps(orphan), json.dumps(late), "[1]"]
    path = tmp_path / "runs.jsonl"
    path.write_text("\n".join(lines) + "\n")
    ws = wb.open()
    report = ws.ingest(path, progress=False)
    assert (report.read, report.stored, report.quarantined) == (8, 4, 4)
    reasons = dict(ws.sql("SELECT line, reason FROM quarantine").fetchall())
    assert sorted(reasons) == [5, 6, 7, 8]
    assert "no trace_id or dotted_order" in reasons[6] and "start_time 'yesterday' is no time" in reasons[7]
    assert reasons[8].startswith("not a LangSmith run: a JSON number")


def test_sniffing_takes_no_other_format_s_file() -> None:
    files = [
        p
        for p in FIXTURES.rglob("*")
        if p.is_file() and p.suffix in (".json", ".jsonl") and "langsmith" not in p.parts
    ]
    assert len(files) > 50
    taken = []
    for p in files:
        try:
            if choose_adapter(p).name == "langsmith":
                taken.append(p)
        except wb.WorkbenchError:
            continue
    assert taken == []


def _phoenix_span(
    sid: str, parent: str | None, name: str, kind: str, node: str | None, at: int, **attrs
) -> str:
    meta = (
        {"langgraph_step": at, "langgraph_node": node, "langgraph_checkpoint_ns": f"{node}:{sid}"}
        if node
        else {}
    )
    return json.dumps(
        {
            "context.trace_id": "7d5c0c7e3f2a4b8e9a1b2c3d4e5f6a7b",
            "context.span_id": sid,
            "parent_id": parent,
            "name": name,
            "span_kind": kind,
            "start_time": f"2026-03-02T09:30:0{at}.000000+00:00",
            "end_time": f"2026-03-02T09:30:0{at}.500000+00:00",
            "status_code": "ERROR" if name == "check_stock" else "OK",
            "status_message": "TimeoutError('inventory service timed out')" if name == "check_stock" else "",
            "attributes.openinference.span.kind": kind,
            "attributes.metadata": json.dumps(meta) if meta else None,
            **{f"attributes.{k}": v for k, v in attrs.items()},
        }
    )


def test_openinference_spans_of_a_flat_graph_give_its_tool_calls_to_the_agent_node(tmp_path: Path) -> None:
    path = tmp_path / "spans.jsonl"
    lines = [
        _phoenix_span("a1", None, "LangGraph", "CHAIN", None, 0),
        _phoenix_span("a2", "a1", "agent", "AGENT", "agent", 1),
        _phoenix_span("a3", "a1", "tools", "CHAIN", "tools", 2),
        _phoenix_span("a4", "a3", "check_stock", "TOOL", "tools", 2, **{"tool.name": "check_stock"}),
    ]
    path.write_text("\n".join(lines) + "\n")
    ws = wb.open()
    report = ws.ingest(path, progress=False)
    assert (report.read, report.stored) == (4, 4)
    assert ws.sql("SELECT agent FROM steps WHERE name = 'check_stock'").fetchall() == [("agent",)]

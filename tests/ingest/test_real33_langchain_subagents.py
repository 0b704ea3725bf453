"""What a user sees of LangChain 1.x agents (``create_agent``, the LangChain agent API, not a hand-built LangGraph
graph): a supervisor calling two named subagents wrapped as tools (LangChain's "subagents" pattern), traced by
OpenInference's LangChain instrumentor and by the official OpenTelemetry GenAI one (fixtures/langchain: its
README says how each was made and where the planted fault is).

``create_agent(name=...)`` writes the agent's name as ``lc_agent_name`` in the metadata of every run inside
it; OpenInference keeps that metadata beside LangGraph's node (``model`` / ``tools``, the same in every agent).
Read by the node, every agent was ``model`` and ``tools``: the culprit named was ``tools``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _otlp_edits import edited_copy, ingested_whole, logonly_verdicts
from _read_together import ReadTogether

import workbench as wb
from workbench.plots._data import handoff_data

FIXTURES = Path(__file__).parent / "fixtures" / "langchain"
OI_FAULT = FIXTURES / "openinference_subagents_fault.otlp.jsonl"
OI_CRASH = FIXTURES / "openinference_subagents_crash.otlp.jsonl"
OTEL_FAULT = FIXTURES / "otel_genai_subagents_fault.otlp.jsonl"
OTEL_CRASH = FIXTURES / "otel_genai_subagents_crash.otlp.jsonl"
OTEL_UNNAMED = FIXTURES / "otel_genai_unnamed_subagents_fault.otlp.jsonl"
OI_UNNAMED = FIXTURES / "openinference_unnamed_subagents_fault.otlp.jsonl"


@pytest.fixture(scope="module")
def detected() -> ReadTogether:
    """The checked-in files the tests below read whole, read in one call of the chosen reader and detected once
    (_read_together)."""
    return ReadTogether([OI_FAULT, OTEL_FAULT, OI_UNNAMED, OTEL_UNNAMED], None)


def _steps(ws: wb.Workspace, run: str | None = None):  # noqa: ANN202
    return ws.steps(run or ws.runs().run_id[0]).sort_values("seq")


def _who(ws: wb.Workspace, run: str | None = None) -> dict[str, list]:
    steps = _steps(ws, run)
    tools = steps[steps.kind == "tool"]
    return {
        "agents": steps[steps.kind == "agent"].agent.tolist(),
        "llm": steps[steps.kind == "llm"].agent.tolist(),
        "tools": list(zip(tools.tool, tools.agent, strict=True)),
    }


EXPECTED = {
    "agents": ["supervisor", "researcher", "writer"],
    "llm": ["supervisor", "researcher", "researcher", "supervisor", "writer", "writer", "supervisor"],
    "tools": [
        ("ask_researcher", "supervisor"),
        ("get_price", "researcher"),
        ("ask_writer", "supervisor"),
        ("format_quote", "writer"),
    ],
}


# (by the chosen reader, as every test below: that both readers store the same rows for these checked-in files is
# test_reader24_agreement.py's test_checked_in_fixtures_read_the_same_by_both_readers)
def test_openinference_names_each_create_agent_agent(detected: ReadTogether) -> None:
    ws, run = detected.ws, detected.run(OI_FAULT)
    assert _who(ws, run) == EXPECTED
    steps = _steps(ws, run)
    # the loop's nodes are steps of their agent, not agents named "model" and "tools"
    nodes = steps[steps.name.isin(["model", "tools"])]
    assert (nodes.kind == "chain").all() and set(nodes.agent) == {"supervisor", "researcher", "writer"}
    pairs = handoff_data(ws, run)
    assert list(zip(pairs.src_agent, pairs.dst_agent, strict=True)) == [
        ("supervisor", "researcher"),
        ("researcher", "supervisor"),
        ("supervisor", "writer"),
        ("writer", "supervisor"),
    ]


def test_the_official_instrumentation_reads_the_same_agents(detected: ReadTogether) -> None:
    """opentelemetry-instrumentation-genai-langchain writes ``invoke_agent <name>`` spans itself."""
    assert _who(detected.ws, detected.run(OTEL_FAULT)) == EXPECTED


def _researchers_second_llm(ws: wb.Workspace, run: str) -> str:
    steps = _steps(ws, run)
    llm = steps[(steps.kind == "llm") & (steps.agent == "researcher")]
    assert "41.20" in llm.output.iloc[1]
    return llm.step_id.iloc[1]


@pytest.mark.parametrize(("path", "severity"), [(OI_FAULT, "critical"), (OTEL_FAULT, "critical")])
def test_made_up_price_is_the_researchers(detected: ReadTogether, path: Path, severity: str) -> None:
    """The researcher answers 41.20 where get_price said 14.2; the supervisor passes it to the writer. OpenInference
    ends the supervisor's span OK (a reported success: critical); the official instrumentation sets no status, and
    the run that ended on the supervisor's answer is read as finished (test_real34_finished_runs; a warning before)."""
    findings = detected.findings(path)
    origin = _researchers_second_llm(detected.ws, detected.run(path))
    silent = findings[findings.detector == "silent_failure"]
    assert list(zip(silent.severity, silent.agent, silent.step_id, strict=True)) == [
        (severity, "researcher", origin)
    ]
    cascade = findings[(findings.detector == "cascade") & (findings.severity == "critical")]
    assert list(zip(cascade.agent, cascade.step_id, strict=True)) == [("researcher", origin)]


@pytest.mark.usefixtures("_own_cache")
@pytest.mark.parametrize("path", [OI_CRASH, OTEL_CRASH], ids=["openinference", "otel"])
def test_the_crashed_run_is_the_writers(path: Path) -> None:
    """The writer's format_quote raised ConnectionError up through ask_writer to the caller."""
    ws, rows = logonly_verdicts(path)
    assert ws.sql("SELECT outcome FROM runs").fetchall() == [("failure",)]
    tool_step = ws.sql("SELECT step_id FROM steps WHERE kind = 'tool' AND tool = 'format_quote'").fetchall()[
        0
    ][0]
    assert [(culprit, params["decisive_step"]) for culprit, _, params in rows] == [("writer", tool_step)]


def _metadata_as_object(span: dict) -> None:
    """The metadata as an OTLP key-value list instead of JSON text (an exporter that keeps attribute maps
    whole: read flattened, ``metadata.lc_agent_name``)."""
    for a in span["attributes"]:
        if a["key"] == "metadata":
            meta = json.loads(a["value"]["stringValue"])
            a["value"] = {
                "kvlistValue": {
                    "values": [
                        {
                            "key": k,
                            "value": {"stringValue": v}
                            if isinstance(v, str)
                            else {"stringValue": json.dumps(v)},
                        }
                        for k, v in meta.items()
                    ]
                }
            }


# (by the chosen reader: both readers store the same rows for the copy, tests/ingest/conftest.py's check of
# WRITERS' files)
def test_the_agent_name_in_a_metadata_object(tmp_path: Path) -> None:
    assert _who(ingested_whole(edited_copy(tmp_path, _metadata_as_object, OI_FAULT))) == EXPECTED


def test_a_phoenix_span_frame_names_the_agent(tmp_path: Path) -> None:
    """Phoenix's span dataframe keeps the metadata as an object (``attributes.metadata``), read flattened
    (``metadata.lc_agent_name``); the agent's own graph span has no LangGraph node."""
    import pandas as pd
    from test_real14_phoenix_parquet import _row

    def meta(**more: object) -> dict:
        return {"ls_integration": "langchain_create_agent", "lc_agent_name": "supervisor", **more}

    node = meta(langgraph_node="model", langgraph_step=1, langgraph_checkpoint_ns="model:1")
    frame = pd.DataFrame(
        [
            _row("a1", None, "supervisor", "CHAIN", 0, 10, metadata=meta()),
            _row("a2", "a1", "model", "CHAIN", 1, 2, metadata=node),
            _row("b1", "a2", "ChatOpenAI", "LLM", 1.5, 1, llm__model_name="gpt-4o-mini", metadata=node),
        ]
    )
    frame.set_index(frame["context.span_id"].rename(None)).rename_axis("context.span_id").to_parquet(
        tmp_path / "spans.parquet"
    )
    ws = wb.open()
    ws.ingest(tmp_path / "spans.parquet", progress=False)
    steps = _steps(ws)
    assert list(zip(steps.name, steps.kind, steps.agent, strict=True)) == [
        ("supervisor", "agent", "supervisor"),
        ("model", "chain", "supervisor"),
        ("ChatOpenAI", "llm", "supervisor"),
    ]


UNNAMED = {
    "agents": [],
    "llm": ["-", "ask_researcher", "ask_researcher", "-", "ask_writer", "ask_writer", "-"],
    "tools": [
        ("ask_researcher", "-"),
        ("get_price", "ask_researcher"),
        ("ask_writer", "-"),
        ("format_quote", "ask_writer"),
    ],
}


@pytest.mark.parametrize("path", ["openinference_unnamed", "otel_genai_unnamed"])
def test_unnamed_create_agents_are_the_tools_that_run_them(detected: ReadTogether, path: str) -> None:
    """``create_agent`` given no ``name=`` writes no ``lc_agent_name``; OpenInference's metadata still marks its
    loop (``ls_integration`` ``langchain_create_agent``). Read by the LangGraph node (real34: before), every agent
    was ``model`` / ``tools`` and the made-up price was the ``tools`` agent's; now, as the official
    instrumentation's nameless ``invoke_agent`` is read, a subagent is the tool that runs it, the supervisor
    nameless, and the made-up price the researcher's."""
    file = FIXTURES / f"{path}_subagents_fault.otlp.jsonl"
    ws, run = detected.ws, detected.run(file)
    steps = _steps(ws, run).fillna({"agent": "-"})
    tools = steps[steps.kind == "tool"]
    assert {
        "agents": steps[steps.kind == "agent"].agent.tolist(),
        "llm": steps[steps.kind == "llm"].agent.tolist(),
        "tools": list(zip(tools.tool, tools.agent, strict=True)),
    } == UNNAMED
    findings = detected.findings(file)
    critical = findings[findings.severity == "critical"]
    llm = _steps(ws, run).query("kind == 'llm' and agent == 'ask_researcher'")
    assert "41.20" in llm.output.iloc[1]
    assert set(zip(critical.detector, critical.agent, critical.step_id, strict=True)) == {
        ("cascade", "ask_researcher", llm.step_id.iloc[1]),
        ("silent_failure", "ask_researcher", llm.step_id.iloc[1]),
    }

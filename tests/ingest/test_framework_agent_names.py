"""Agent names where real frameworks put them, in each format that carries their spans.

Each fixture is written here in the shape of a real public export (named in the test), so a fresh clone
runs them: LangGraph supervisor workers, BeeAI's event spans, Microsoft Agent Framework's executors.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _otel_fixtures import run_adapter

import workbench as wb
from workbench.ingest.otlp import OtlpJson

T = "2025-08-22T10:00:{:02d}.000Z"
# LangGraph's checkpoint namespaces: node name and task id, outermost first.
SUP, RES, MATH = "supervisor:0a", "research_agent:1b", "math_agent:2c"


def _langgraph_nodes() -> list[tuple[str, str | None, str, str, dict[str, Any]]]:
    """(id, parent, Langfuse type, name, LangChain run metadata) of a langgraph-supervisor run.

    The workers are ``create_react_agent`` graphs: each runs nodes called ``agent`` and ``tools``.
    """

    def meta(ns: str) -> dict[str, Any]:
        segs = ns.split("|")
        return {"langgraph_node": segs[-1].split(":")[0], "langgraph_checkpoint_ns": ns, "langgraph_step": 1}

    return [
        ("root", None, "SPAN", "LangGraph", {}),
        ("sup", "root", "SPAN", "supervisor", meta(SUP)),
        ("sup-a", "sup", "SPAN", "agent", meta(f"{SUP}|agent:3d")),
        ("sup-llm", "sup-a", "GENERATION", "ChatOpenAI", meta(f"{SUP}|agent:3d")),
        ("sup-t", "sup", "SPAN", "tools", meta(f"{SUP}|tools:7b")),
        ("sup-ho", "sup-t", "SPAN", "transfer_to_research_agent", meta(f"{SUP}|tools:7b")),
        ("res", "root", "SPAN", "research_agent", meta(RES)),
        ("res-call", "res", "SPAN", "call_agent", meta(RES)),
        ("res-a", "res", "SPAN", "agent", meta(f"{RES}|agent:4e")),
        ("res-llm", "res-a", "GENERATION", "ChatOpenAI", meta(f"{RES}|agent:4e")),
        ("res-t", "res", "SPAN", "tools", meta(f"{RES}|tools:5f")),
        ("res-tool", "res-t", "SPAN", "web_search", {**meta(f"{RES}|tools:5f"), "inputs": {"q": "GDP"}}),
        ("math", "root", "SPAN", "math_agent", meta(MATH)),
        ("math-a", "math", "SPAN", "agent", meta(f"{MATH}|agent:6a")),
        ("math-llm", "math-a", "GENERATION", "ChatOpenAI", meta(f"{MATH}|agent:6a")),
    ]


def _agents(ws: wb.Workspace) -> dict[str, str | None]:
    return dict(ws.sql("SELECT step_id, agent FROM steps").fetchall())


def test_langfuse_langgraph_supervisor_workers_are_named_by_their_node(tmp_path: Path) -> None:
    """Langfuse's LangGraph export (langfuse/langfuse framework-traces): a ReAct worker's ``agent`` node is
    the worker's, named by the node running its subgraph; ``agent`` / ``tools`` are no agents."""
    obs = [
        {
            "id": i,
            "traceId": "t1",
            "parentObservationId": p,
            "type": typ,
            "name": name,
            "startTime": T.format(n),
            "endTime": T.format(n + 1),
            "metadata": json.dumps(meta),
        }
        for n, (i, p, typ, name, meta) in enumerate(_langgraph_nodes())
    ]
    path = tmp_path / "langgraph.trace.json"
    path.write_text(
        json.dumps({"trace": {"id": "t1", "projectId": "p", "name": "LangGraph"}, "observations": obs})
    )
    ws = wb.open()
    assert ws.ingest(path).stored == len(obs)
    agents = _agents(ws)
    assert {a for a in agents.values() if a} == {"supervisor", "research_agent", "math_agent"}
    assert (agents["sup-llm"], agents["res-llm"], agents["res-tool"], agents["math-llm"]) == (
        "supervisor",
        "research_agent",
        "research_agent",
        "math_agent",
    )
    assert ws.sql(
        "SELECT step_id, kind, agent FROM steps WHERE step_id IN ('sup-ho', 'res-call') ORDER BY 1"
    ).fetchall() == [("res-call", "chain", "research_agent"), ("sup-ho", "handoff", "supervisor")]


# How OpenInference's LangChain instrumentation types them (a real langgraph-supervisor run, printed by the
# SDK's console exporter): ReAct nodes, workers, the supervisor's call_agent wrapper and hand-off tools are AGENT.
def _oi_kind(typ: str, name: str, meta: dict[str, Any]) -> str:
    if typ == "GENERATION":
        return "LLM"
    if "inputs" in meta:
        return "TOOL"
    agentish = name in ("agent", "research_agent", "math_agent", "call_agent") or name.startswith(
        "transfer_to_"
    )
    return "AGENT" if agentish else "CHAIN"


@pytest.mark.parametrize("nested", [False, True])
def test_langgraph_nodes_in_openinference_spans(tmp_path: Path, nested: bool) -> None:
    """OpenInference's LangChain instrumentation keeps the run metadata as JSON text in ``metadata``
    (an object in Phoenix's nested span export); its node spans are CHAIN spans named after the node."""
    lines = []
    for n, (i, p, typ, name, meta) in enumerate(_langgraph_nodes()):
        kind = _oi_kind(typ, name, meta)
        attrs = {
            "openinference.span.kind": kind,
            **({"metadata": meta if nested else json.dumps(meta)} if meta else {}),
        }
        lines.append(
            {
                "name": name,
                "context": {"trace_id": "t1", "span_id": i},
                "parent_id": p,
                "span_kind": kind,
                "start_time": T.format(n),
                "end_time": T.format(n + 1),
                "status_code": "OK",
                "attributes": attrs,
            }
        )
    path = tmp_path / "phoenix.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    ws = wb.open()
    assert ws.ingest(path).stored == len(lines)
    agents = _agents(ws)
    assert {a for a in agents.values() if a} == {"supervisor", "research_agent", "math_agent"}
    assert (agents["res-llm"], agents["res-tool"], agents["math-llm"]) == (
        "research_agent",
        "research_agent",
        "math_agent",
    )
    assert ws.sql(
        "SELECT step_id, kind, agent FROM steps WHERE step_id IN ('sup-ho', 'res-call') ORDER BY 1"
    ).fetchall() == [("res-call", "chain", "research_agent"), ("sup-ho", "handoff", "supervisor")]


def _kv(key: str, value: Any) -> dict:
    return {"key": key, "value": {"stringValue": value} if isinstance(value, str) else {"boolValue": value}}


def _otlp(path: Path, spans: list[tuple[str, str | None, str, dict[str, Any]]]) -> Path:
    """An OTLP JSON file (the Collector's file exporter) of (id, parent, name, attributes) spans."""
    ids = {sid: f"{n + 1:016x}" for n, (sid, *_rest) in enumerate(spans)}
    out = [
        {
            "traceId": "ab" * 16,
            "spanId": ids[sid],
            "parentSpanId": ids[p] if p else "",
            "name": name,
            "startTimeUnixNano": str(1_767_225_600_000_000_000 + n * 1000),
            "endTimeUnixNano": str(1_767_225_600_000_000_000 + n * 1000 + 500),
            "attributes": [_kv(k, v) for k, v in attrs.items()],
            "status": {},
        }
        for n, (sid, p, name, attrs) in enumerate(spans)
    ]
    path.write_text(
        json.dumps(
            {
                "resourceSpans": [
                    {
                        "resource": {"attributes": [_kv("service.name", "svc")]},
                        "scopeSpans": [{"scope": {"name": "lib"}, "spans": out}],
                    }
                ]
            }
        )
    )
    return path


def _staged(path: Path, fast: bool) -> dict[str, tuple[str, str | None, bool]]:
    """(kind, declared agent, is_agent) per span name, as the SQL fast path or the Python reader stages it."""
    con, _ = run_adapter(OtlpJson(fast=fast), path)
    return {
        n: (k, a, i)
        for n, k, a, i in con.execute("SELECT name, kind, agent, is_agent FROM stage_steps").fetchall()
    }


def _by_name(ws: wb.Workspace) -> dict[str, set[str | None]]:
    out: dict[str, set[str | None]] = {}
    for name, agent in ws.sql("SELECT name, agent FROM steps").fetchall():
        out.setdefault(name, set()).add(agent)
    return out


# BeeAI's OpenInference instrumentation (langfuse/langfuse framework-traces/beeai-2025-08-01): a span per
# event of the agent's emitter, typed AGENT, named "<event path>-<counter>" with the path in ``target``.
BEEAI = [
    ("main", None, "beeai-framework-main", {"openinference.span.kind": "AGENT", "beeai.version": "0.1.33"}),
    ("it1", "main", "iteration-1", {"openinference.span.kind": "CHAIN", "target": "groupId"}),
    ("s4", "it1", "agent.react.start-4", {"openinference.span.kind": "AGENT", "target": "agent.react.start"}),
    (
        "u13",
        "it1",
        "agent.react.update-13",
        {"openinference.span.kind": "AGENT", "target": "agent.react.update", "tool.name": "Wikipedia"},
    ),
    (
        "llm",
        "s4",
        "backend.openai.chat.start-14",
        {
            "openinference.span.kind": "LLM",
            "llm.model_name": "gpt-4o-mini",
            "target": "backend.openai.chat.start",
        },
    ),
    ("it2", "main", "iteration-2", {"openinference.span.kind": "CHAIN", "target": "groupId"}),
    (
        "u17",
        "it2",
        "agent.react.update-17",
        {"openinference.span.kind": "AGENT", "target": "agent.react.update"},
    ),
    (
        "ok",
        "it2",
        "agent.react.success-2",
        {"openinference.span.kind": "AGENT", "target": "agent.react.success"},
    ),
]


def test_beeai_event_spans_are_the_agents_events_not_agents(tmp_path: Path) -> None:
    path = _otlp(tmp_path / "beeai.otlp.json", BEEAI)
    staged = _staged(path, fast=True)
    assert staged == _staged(path, fast=False)
    assert staged["agent.react.update-13"] == ("chain", None, False)
    ws = wb.open()
    assert ws.ingest(path).stored == 8
    assert set(ws.sql("SELECT DISTINCT agent FROM steps").fetchall()) == {("beeai-framework-main",)}
    assert ws.sql("SELECT count(*) FROM steps WHERE kind = 'agent'").fetchall() == [(1,)]
    found = wb.detect(ws, detectors=["breach", "ping_pong"], config={"max_handoffs": 1})
    assert "handoff_breach" not in set(found.detector) and "ping_pong" not in set(found.detector)


def test_langfuse_beeai_event_spans_are_the_agents_events(tmp_path: Path) -> None:
    obs = [
        {
            "id": i,
            "traceId": "t1",
            "parentObservationId": p,
            "name": name,
            "type": "GENERATION" if a["openinference.span.kind"] == "LLM" else "SPAN",
            "startTime": T.format(n),
            "endTime": T.format(n + 1),
            "metadata": json.dumps(
                {"attributes": a, "scope": {"name": "openinference.instrumentation.beeai"}}
            ),
        }
        for n, (i, p, name, a) in enumerate(BEEAI)
    ]
    path = tmp_path / "beeai.trace.json"
    path.write_text(json.dumps({"trace": {"id": "t1", "projectId": "p"}, "observations": obs}))
    ws = wb.open()
    assert ws.ingest(path).stored == 8
    assert set(ws.sql("SELECT DISTINCT agent FROM steps").fetchall()) == {("beeai-framework-main",)}


# Microsoft Agent Framework workflow (Josh-Weston/microsoft-agent-framework-samples traces.jsonl): the agent's
# chat and tool spans sit beside its invoke_agent span, under the executor hosting it.
MAF = [
    ("run", None, "workflow.run", {"workflow.id": "w1"}),
    (
        "in",
        "run",
        "executor.process input-conversation",
        {"executor.id": "input-conversation", "executor.type": "_InputToConversation"},
    ),
    (
        "ex",
        "run",
        "executor.process Weather agent",
        {"executor.id": "Weather agent", "executor.type": "AgentExecutor"},
    ),
    (
        "inv",
        "ex",
        "invoke_agent Weather agent",
        {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "Weather agent"},
    ),
    ("chat", "ex", "chat gpt-4o", {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o"}),
    (
        "tool",
        "ex",
        "execute_tool get_weather",
        {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather"},
    ),
    ("end", "run", "executor.process end", {"executor.id": "end", "executor.type": "_EndWithConversation"}),
]


def test_agent_framework_executor_names_its_agents_chat_and_tool_spans(tmp_path: Path) -> None:
    path = _otlp(tmp_path / "maf.otlp.json", MAF)
    staged = _staged(path, fast=True)
    assert staged == _staged(path, fast=False)
    assert staged["executor.process Weather agent"] == ("other", "Weather agent", False)
    ws = wb.open()
    assert ws.ingest(path).stored == 7
    agents = _by_name(ws)
    assert agents["chat gpt-4o"] == agents["execute_tool get_weather"] == {"Weather agent"}
    assert agents["executor.process input-conversation"] == agents["executor.process end"] == {None}
    assert ws.sql("SELECT count(*) FROM steps WHERE kind = 'agent'").fetchall() == [(1,)]


def test_agent_framework_console_exporter_spans(tmp_path: Path) -> None:
    """The same workflow as the SDK's ConsoleSpanExporter prints it (ids in 0x hex, indented spans)."""
    docs = [
        {
            "name": name,
            "context": {"trace_id": "0x" + "ab" * 16, "span_id": f"0x{n + 1:016x}"},
            "kind": "SpanKind.INTERNAL",
            "parent_id": None if p is None else f"0x{[s[0] for s in MAF].index(p) + 1:016x}",
            "start_time": T.format(n),
            "end_time": T.format(n + 1),
            "status": {"status_code": "UNSET"},
            "attributes": a,
        }
        for n, (_sid, p, name, a) in enumerate(MAF)
    ]
    path = tmp_path / "traces.jsonl"
    path.write_text("\n".join(json.dumps(d, indent=4) for d in docs) + "\n")
    ws = wb.open()
    assert ws.ingest(path).stored == 7
    agents = _by_name(ws)
    assert agents["chat gpt-4o"] == agents["execute_tool get_weather"] == {"Weather agent"}


def _console_chat(end: bool, name: str = "chat gpt-4o", trace: str = "ab" * 16) -> str:
    """A chat span as Agent Framework's console exporter printed it: at its start (no end time, no response
    model or usage yet) and again, complete, at its end."""
    attrs: dict[str, Any] = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o"}
    if end:
        attrs.update(
            {
                "gen_ai.response.model": "gpt-4o-2024-08-06",
                "gen_ai.usage.input_tokens": 120,
                "gen_ai.usage.output_tokens": 9,
            }
        )
    return json.dumps(
        {
            "name": name,
            "context": {"trace_id": "0x" + trace, "span_id": "0x" + "01" * 8},
            "kind": "SpanKind.INTERNAL",
            "parent_id": None,
            "start_time": T.format(1),
            "end_time": T.format(2) if end else None,
            "status": {"status_code": "UNSET"},
            "attributes": attrs,
        },
        indent=4,
    )


def test_a_copy_taken_before_the_span_ended_is_superseded_by_the_complete_one(tmp_path: Path) -> None:
    """Josh-Weston/microsoft-agent-framework-samples traces.jsonl prints spans twice, first without an end:
    the complete copy is kept, the early one counted (not quarantined as a conflict), and the report says so.
    An early copy that differs in more than a running span fills in is still a conflict. (Each case a trace of
    its own in one file: the early copy first, the complete one first, the other name.)"""
    early, complete, other = "ab" * 16, "cd" * 16, "ef" * 16
    path = tmp_path / "traces.jsonl"
    path.write_text(
        "\n".join(
            [
                _console_chat(False, trace=early),
                _console_chat(True, trace=early),
                _console_chat(True, trace=complete),
                _console_chat(False, trace=complete),
                _console_chat(False, name="chat other", trace=other),
                _console_chat(True, trace=other),
            ]
        )
        + "\n"
    )
    ws = wb.open()
    report = ws.ingest(path)
    assert (report.read, report.stored, report.quarantined, report.added) == (6, 5, 1, 3)
    assert any("before they ended" in n for n in report.notes)
    steps = "SELECT model, tokens_in, ended_at IS NOT NULL FROM steps WHERE run_id = ?"
    for trace in (early, complete):
        assert ws.sql(steps, [trace]).fetchall() == [("gpt-4o-2024-08-06", 120, True)], trace
    assert "differs in name, model, ended_at" in ws.sql("SELECT reason FROM quarantine").fetchall()[0][0]
    assert ws.sql("SELECT name FROM steps WHERE run_id = ?", [other]).fetchall() == [("chat gpt-4o",)]
    # ... and so is an early copy arriving after the complete one is stored.
    again = tmp_path / "early.jsonl"
    again.write_text(_console_chat(False, trace=early) + "\n" + _console_chat(False, trace=complete) + "\n")
    assert (ws.ingest(again).quarantined, ws.sql("SELECT count(*) FROM steps").fetchall()) == (0, [(3,)])


def _agentops_span(sid: str, parent: str, name: str, attrs: dict[str, Any], kind: str = "Internal") -> dict:
    return {
        "span_id": sid,
        "parent_span_id": parent,
        "span_name": name,
        "span_kind": kind,
        "span_type": "agent",
        "service_name": "agentops",
        "start_time": "2025-08-04T15:12:27.400849+00:00",
        "end_time": "2025-08-04T15:12:39.483743+00:00",
        "duration": 12082894000,
        "status_code": "OK",
        "status_message": "",
        "attributes": {},
        "resource_attributes": {"service": {"name": "agentops"}},
        "span_attributes": attrs,
        "event_names": [],
        "event_attributes": [],
    }


def test_an_agentops_trace_export_is_read(tmp_path: Path) -> None:
    """AgentOps' trace export of a CrewAI crew (IBM/ibmdotcom-tutorials agent_ops_traces.md): the trace id
    under "trace", start_time / end_time, attributes nested, agents named by their role."""
    usage = {"prompt_tokens": "210", "completion_tokens": "83"}
    doc = {
        "trace": {
            "trace_id": "b520ab60214d54b570cf701c7ad28faf",
            "root_span_name": "crewai.workflow",
            "span_count": 4,
            "error_count": 0,
        },
        "spans": [
            _agentops_span(
                "w",
                "",
                "crewai.workflow",
                {
                    "agentops": {"entity": {"name": "Crew"}, "span": {"kind": "workflow"}},
                    "gen_ai": {
                        "system": "crewai",
                        "usage": {"prompt_tokens": "210", "completion_tokens": "83"},
                    },
                },
            ),
            _agentops_span(
                "t",
                "w",
                "Research the URL.task",
                {
                    "agentops": {
                        "entity": {"name": "Task", "input": "Research the URL", "output": "Themes: ..."},
                        "span": {"kind": "workflow.step"},
                    },
                    "crewai": {"task": {"agent": "Website Researcher", "id": "9ad1"}},
                },
            ),
            _agentops_span(
                "a",
                "t",
                "Website Researcher.agent",
                {
                    "agent": {"role": "Website Researcher", "id": "e8a7"},
                    "agentops": {"entity": {"name": "Agent"}, "span": {"kind": "agent"}},
                },
            ),
            _agentops_span(
                "l",
                "a",
                "ollama/llama3:latest.llm",
                {
                    "agentops": {"entity": {"name": "LLM"}, "span": {"kind": "llm"}},
                    "gen_ai": {
                        "request": {"model": "ollama/llama3:latest"},
                        "usage": usage,
                        "prompt": [{"role": "system", "content": "You are Website Researcher."}],
                        "completion": [{"role": "assistant", "content": "Themes: ..."}],
                    },
                },
                kind="Client",
            ),
        ],
    }
    path = tmp_path / "agent_ops_traces.md"
    path.write_text(json.dumps(doc, indent=2))
    ws = wb.open()
    report = ws.ingest(path)
    assert (report.stored, report.quarantined) == (4, 0)
    rows = {
        r[0]: r[1:]
        for r in ws.sql("SELECT step_id, kind, agent, tokens_in, tokens_out FROM steps").fetchall()
    }
    assert rows == {
        "w": ("chain", None, None, None),
        "t": ("chain", "Website Researcher", None, None),
        "a": ("agent", "Website Researcher", None, None),
        "l": ("llm", "Website Researcher", 210, 83),
    }
    llm = ws.sql("SELECT input, output FROM steps WHERE step_id = 'l'").fetchall()[0]
    assert json.loads(llm[0]) == [{"role": "system", "content": "You are Website Researcher."}]
    assert "Themes" in llm[1]
    assert ws.sql("SELECT run_id, outcome FROM runs").fetchall() == [
        ("b520ab60214d54b570cf701c7ad28faf", "success")
    ]


def test_indexed_prompt_and_completion_attributes_are_the_llm_spans_messages(tmp_path: Path) -> None:
    """OpenLLMetry's ``gen_ai.prompt.N.*`` / ``gen_ai.completion.N.*``, alike from the SQL path and the Python one."""
    path = _otlp(
        tmp_path / "openllmetry.otlp.json",
        [
            (
                "c",
                None,
                "openai.chat",
                {
                    "gen_ai.operation.name": "chat",
                    "gen_ai.prompt.0.role": "user",
                    "gen_ai.prompt.0.content": "2+2?",
                    "gen_ai.completion.0.role": "assistant",
                    "gen_ai.completion.0.content": "4",
                },
            )
        ],
    )
    for fast in (True, False):
        con, _ = run_adapter(OtlpJson(fast=fast), path)
        inp, out, attrs = con.execute("SELECT input, output, attributes FROM stage_steps").fetchall()[0]
        assert (json.loads(inp), json.loads(out)) == (
            [{"role": "user", "content": "2+2?"}],
            [{"role": "assistant", "content": "4"}],
        )
        assert "gen_ai.prompt.0.content" not in (attrs or "")


# PydanticAI before the GenAI agent conventions (langfuse/langfuse framework-traces/pydantic-ai-2025-06-06):
# the run span is "<agent_name> run" with attribute agent_name, and no operation or kind.
PYDANTIC = [
    ("run", None, "qa_agent run", {"agent_name": "qa_agent", "model_name": "gpt-4o"}),
    ("chat", "run", "chat gpt-4o", {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o"}),
    ("other", None, "batch run", {"agent_name": "qa_agent"}),
]


def test_a_pydantic_ai_agent_run_span_names_its_agent(tmp_path: Path) -> None:
    path = _otlp(tmp_path / "logfire.otlp.json", PYDANTIC)
    staged = _staged(path, fast=True)
    assert staged == _staged(path, fast=False)
    assert staged["qa_agent run"] == ("agent", "qa_agent", True)
    assert staged["batch run"][1] is None  # only the run span of the agent it names
    ws = wb.open()
    assert ws.ingest(path).stored == 3
    assert _by_name(ws)["chat gpt-4o"] == {"qa_agent"}


def test_langfuse_pydantic_ai_agent_run_span_names_its_agent(tmp_path: Path) -> None:
    obs = [
        {
            "id": i,
            "traceId": "t1",
            "parentObservationId": p,
            "name": name,
            "type": "GENERATION" if "chat" in name else "SPAN",
            "startTime": T.format(n),
            "endTime": T.format(n + 1),
            "metadata": json.dumps({"attributes": a, "scope": {"name": "pydantic-ai"}}),
        }
        for n, (i, p, name, a) in enumerate(PYDANTIC)
    ]
    path = tmp_path / "pydantic.trace.json"
    path.write_text(json.dumps({"trace": {"id": "t1", "projectId": "p"}, "observations": obs}))
    ws = wb.open()
    assert ws.ingest(path).stored == 3
    assert _by_name(ws)["chat gpt-4o"] == {"qa_agent"}
    assert ws.sql("SELECT kind FROM steps WHERE step_id = 'run'").fetchall() == [("agent",)]


def test_langfuse_agent_framework_executor_names_its_agent(tmp_path: Path) -> None:
    obs = [
        {
            "id": i,
            "traceId": "t1",
            "parentObservationId": p,
            "name": name,
            "type": "GENERATION" if name.startswith("chat") else "SPAN",
            "startTime": T.format(n),
            "endTime": T.format(n + 1),
            "metadata": json.dumps({"attributes": a, "scope": {"name": "agent_framework"}}),
        }
        for n, (i, p, name, a) in enumerate(MAF)
    ]
    path = tmp_path / "maf.trace.json"
    path.write_text(json.dumps({"trace": {"id": "t1", "projectId": "p"}, "observations": obs}))
    ws = wb.open()
    assert ws.ingest(path).stored == 7
    agents = _by_name(ws)
    assert agents["chat gpt-4o"] == agents["execute_tool get_weather"] == {"Weather agent"}
    assert agents["executor.process end"] == {None}


def test_langgraph_nodes_inside_otlp_read_alike_by_both_paths(tmp_path: Path) -> None:
    spans = [
        (
            i,
            p,
            name,
            {
                "openinference.span.kind": _oi_kind(typ, name, meta),
                **({"metadata": json.dumps(meta)} if meta else {}),
            },
        )
        for i, p, typ, name, meta in _langgraph_nodes()
    ]
    path = _otlp(tmp_path / "langgraph.otlp.json", spans)
    con_fast, _ = run_adapter(OtlpJson(fast=True), path)
    con_slow, _ = run_adapter(OtlpJson(fast=False), path)
    query = "SELECT step_id, kind, agent, is_agent FROM stage_steps ORDER BY step_id"
    assert con_fast.execute(query).fetchall() == con_slow.execute(query).fetchall()
    ws = wb.open()
    assert ws.ingest(path).stored == len(spans)
    assert {a for (a,) in ws.sql("SELECT DISTINCT agent FROM steps WHERE agent IS NOT NULL").fetchall()} == {
        "supervisor",
        "research_agent",
        "math_agent",
    }

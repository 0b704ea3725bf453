"""Langfuse exports: the 7 real framework traces in shared/samples, and our own fixtures."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import duckdb
import pytest

import workbench as wb
from workbench.ingest._base import Stage, create_stage_tables
from workbench.ingest.langfuse import LangfuseExport, iter_json
from workbench.ingest.whowhen import WhoWhen

SAMPLES = Path(__file__).parents[2].parent / "shared" / "samples"
FIXTURES = Path(__file__).parent / "fixtures" / "langfuse"

# Per sample: system, (span name, agent) of the spans that declare an agent, tool names, kind counts.
EXPECTED = {
    "autogen": ("autogen-chat-trace", set(), set(), {"chain": 1, "llm": 1}),
    "claude-agent": (
        "claude.conversation",
        set(),
        {"mcp__weather__get_weather"},
        {"chain": 1, "llm": 4, "tool": 2},
    ),
    "crewai": (
        "crewai",
        {("Task._execute_core", "Software developer")},
        set(),
        {"chain": 2, "system": 2, "agent": 1, "llm": 1},
    ),
    "google-adk": (
        "google-adk",
        {("agent_run [hello_agent]", "hello_agent")},
        {"say_hello"},
        {"chain": 1, "agent": 1, "llm": 2, "tool": 1},
    ),
    "langgraph-python": (
        "langgraph",
        {("agent", "agent")},
        {"Web-Search"},
        {"chain": 4, "agent": 2, "llm": 2, "tool": 1},
    ),
    "microsoft-agent": (
        "microsoft-agent-framework",
        {("invoke_agent 171105b7-59dd-49c0-9677-0b95395aa46a", "agent")},
        {"get_weather"},
        {"agent": 1, "llm": 2, "tool": 1},
    ),
    "openai-agents": (
        "openai-agents",
        {("Hello world", "Hello world")},
        {"get_weather"},
        {"chain": 1, "agent": 1, "llm": 2, "tool": 1},
    ),
}
# Spans that name an agent without being agent spans: LangGraph's tools node runs the agent node's tool calls.
CHAIN_AGENTS = {"langgraph": {("tools", "agent")}}
# Steps that inherit their agent from an agent ancestor once the driver has merged them.
INHERITED = {
    "crewai": ("completion", "Software developer"),
    "google-adk": ("execute_tool say_hello", "hello_agent"),
    "langgraph-python": ("Web-Search", "agent"),
    "microsoft-agent": ("get_weather", "agent"),
    "openai-agents": ("get_weather", "Hello world"),
}


@pytest.fixture(scope="module")
def samples() -> dict[str, Path]:
    folder = SAMPLES / "langfuse"
    if not folder.is_dir():
        pytest.skip(f"the shared Langfuse samples are not at {folder}")
    files = {p.name.split("-20")[0]: p for p in sorted(folder.glob("*.trace.json"))}
    assert set(files) == set(EXPECTED)
    return files


def stage_file(path: Path, adapter=None) -> tuple[duckdb.DuckDBPyConnection, Stage]:
    con = duckdb.connect()
    create_stage_tables(con)
    stage = Stage(con, source="langfuse")
    stage.file = str(path)
    (adapter or LangfuseExport()).stage(path, stage)
    stage.flush()
    return con, stage


def counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    steps = con.execute("SELECT count(*) FROM stage_steps").fetchall()[0][0]
    rejects = con.execute("SELECT count(*) FROM stage_quarantine").fetchall()[0][0]
    return steps, rejects


# This project's own export in the same layout (content made up), read on every run.
OWN = {
    "google-adk-fixture": (
        "google-adk",
        {("agent_run [weather_agent]", "weather_agent")},
        {"get_forecast"},
        {"chain": 1, "agent": 1, "llm": 2, "tool": 1},
    )
}


@pytest.mark.parametrize("framework", sorted(EXPECTED))
def test_sample_maps_every_observation(samples: dict[str, Path], framework: str) -> None:
    _maps_every_observation(samples[framework], EXPECTED[framework])


@pytest.mark.parametrize("name", sorted(OWN))
def test_own_export_maps_every_observation(name: str) -> None:
    _maps_every_observation(FIXTURES / f"{name}.trace.json", OWN[name])
    ws = wb.open()
    report = ws.ingest(FIXTURES / f"{name}.trace.json")
    assert (report.read, report.quarantined) == (5, 0)
    tool = ws.sql("SELECT agent FROM steps WHERE name = 'execute_tool get_forecast'").fetchall()
    assert tool == [("weather_agent",)]  # inherited from the agent span, two levels up
    assert ws.runs().iloc[0]["system"] == "google-adk"


def _maps_every_observation(path: Path, expected: tuple) -> None:
    doc = json.loads(path.read_text())
    con, stage = stage_file(path)
    steps, rejects = counts(con)
    assert (steps, rejects) == (len(doc["observations"]), 0)
    assert stage.read == steps + rejects

    rows = con.execute(
        "SELECT step_id, parent_id, run_id, start_ns, end_ns, status FROM stage_steps"
    ).fetchall()
    by_id = {r[0]: r for r in rows}
    for obs in doc["observations"]:
        step_id, parent_id, run_id, start, end, status = by_id[obs["id"]]
        assert parent_id == obs["parentObservationId"]
        assert run_id == doc["trace"]["id"]
        assert start is not None and end is not None and start <= end
        assert status == "unset"  # Langfuse has no OK: only level ERROR is a claim

    system, agents, tools, kinds = expected
    declared = set(con.execute("SELECT name, agent FROM stage_steps WHERE agent IS NOT NULL").fetchall())
    assert declared == agents | CHAIN_AGENTS.get(system, set())
    assert set(con.execute("SELECT name, agent FROM stage_steps WHERE is_agent").fetchall()) == agents
    assert {
        t for (t,) in con.execute("SELECT tool FROM stage_steps WHERE tool IS NOT NULL").fetchall()
    } == tools
    assert dict(con.execute("SELECT kind, count(*) FROM stage_steps GROUP BY kind").fetchall()) == kinds

    # Every generation carries its model and token counts; nothing else carries tokens.
    for model, tin, tout, cost in con.execute(
        "SELECT model, tokens_in, tokens_out, cost FROM stage_steps WHERE kind = 'llm'"
    ).fetchall():
        assert model and tin > 0 and tout > 0 and cost > 0
    assert (
        con.execute(
            "SELECT count(*) FROM stage_steps WHERE kind <> 'llm' AND tokens_in IS NOT NULL"
        ).fetchall()[0][0]
        == 0
    )

    ((run_id, run_system, attributes),) = con.execute(
        "SELECT run_id, system, attributes FROM stage_runs"
    ).fetchall()
    assert run_id == doc["trace"]["id"] and run_system == system
    attrs = json.loads(attributes)
    assert len(attrs.get("scores", [])) == len(doc["trace"]["scores"])
    assert "public_key" not in attributes  # the SDK's scope is not a run fact


def test_trace_input_is_unwrapped(samples: dict[str, Path]) -> None:
    con, _ = stage_file(samples["autogen"])
    assert con.execute("SELECT task FROM stage_runs").fetchall() == [("Say 'Hello World!'",)]
    con, _ = stage_file(samples["openai-agents"])
    assert con.execute("SELECT task FROM stage_runs").fetchall() == [(None,)]


def test_agent_span_usage_is_not_counted_twice(samples: dict[str, Path]) -> None:
    con, _ = stage_file(samples["microsoft-agent"])
    ((attributes,),) = con.execute("SELECT attributes FROM stage_steps WHERE kind = 'agent'").fetchall()
    assert json.loads(attributes)["langfuse.usage"] == {"input": 44, "output": 180}


def test_samples_as_jsonl_and_as_bare_traces(samples: dict[str, Path], tmp_path: Path) -> None:
    docs = [json.loads(p.read_text()) for p in samples.values()]
    jsonl = tmp_path / "traces.jsonl"
    jsonl.write_text("".join(json.dumps(d) + "\n" for d in docs))
    con, stage = stage_file(jsonl)
    total = sum(len(d["observations"]) for d in docs)
    assert counts(con) == (total, 0) and stage.read == total
    assert con.execute("SELECT count(DISTINCT line) FROM stage_steps").fetchall()[0][0] == len(docs)
    assert con.execute("SELECT count(*) FROM stage_runs").fetchall()[0][0] == len(docs)

    # A trace object with its observations inside (the public API's GET /traces/{id}).
    bare = tmp_path / "one-trace.json"
    bare.write_text(json.dumps(docs[0]["trace"]))
    con, _ = stage_file(bare)
    assert counts(con) == (len(docs[0]["trace"]["observations"]), 0)


def test_observation_list_fixture() -> None:
    con, stage = stage_file(FIXTURES / "observations.json")
    assert counts(con) == (3, 0) and stage.read == 3
    rows = {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT step_id, kind, agent, is_agent, tool, status, error, confidence, entropy, input "
            "FROM stage_steps"
        ).fetchall()
    }
    assert rows["obs-agent"][:3] == ("agent", "planner", True)
    assert json.loads(rows["obs-agent"][8]) == {"task": "plan the trip"}
    kind, agent, _, _, status, _, conf, ent, _ = rows["obs-gen"]
    assert (kind, agent, status) == ("llm", None, "unset")
    assert conf == pytest.approx(0.904837, abs=1e-5) and 0 < ent < 0.7  # from choices[].logprobs
    assert rows["obs-tool"][:6] == ("tool", None, False, "book_flight", "error", "payment declined")
    # No trace object and no known framework: the run row is left to the driver.
    assert con.execute("SELECT count(*) FROM stage_runs").fetchall()[0][0] == 0


def test_api_page_fixture() -> None:
    con, _ = stage_file(FIXTURES / "api_page.json")
    assert counts(con) == (3, 0)
    rows = {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT step_id, kind, agent, tokens_in, tokens_out, cost, latency_ms, confidence, entropy, status "
            "FROM stage_steps"
        ).fetchall()
    }
    assert rows["page-root"][:2] == ("agent", "researcher")
    assert rows["page-gen"] == ("llm", None, 40, 8, 0.00011, 1500.0, 0.42, 1.3, "unset")
    assert rows["page-event"][:2] == ("other", None)


def test_jsonl_fixture_with_broken_line() -> None:
    con, stage = stage_file(FIXTURES / "traces.jsonl")
    assert counts(con) == (5, 1) and stage.read == 6
    assert con.execute("SELECT line FROM stage_quarantine").fetchall() == [(2,)]
    kinds = dict(
        con.execute("SELECT step_id, kind || ':' || coalesce(agent, tool, '-') FROM stage_steps").fetchall()
    )
    assert kinds == {
        "j1-root": "agent:triage",
        "j1-handoff": "handoff:-",
        "j2-root": "chain:-",
        "j2-node": "agent:billing",
        "j2-tool": "tool:cancel_order",
    }
    systems = dict(con.execute("SELECT run_id, system FROM stage_runs").fetchall())
    assert systems == {"lf-jsonl-1": "openai-agents", "lf-jsonl-2": "langgraph"}
    ((attributes,),) = con.execute("SELECT attributes FROM stage_runs WHERE run_id = 'lf-jsonl-1'").fetchall()
    assert json.loads(attributes)["scores"][0]["comment"] == "did not answer"


def test_bad_observations_are_quarantined_one_by_one() -> None:
    con, stage = stage_file(FIXTURES / "bad.json")
    steps, rejects = counts(con)
    assert (steps, rejects) == (2, 5) and stage.read == 7
    reasons = [r for (r,) in con.execute("SELECT reason FROM stage_quarantine ORDER BY line").fetchall()]
    assert "an id, not an object" in reasons[0]
    assert "JSON number" in reasons[1]  # (JSON's name, not "int")
    assert "step id" in reasons[2]
    assert "bad timestamp startTime 'yesterday'" in reasons[3]  # (which field)
    assert "confidence" in reasons[4]


def test_unreadable_documents(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "trace": {"id": "x", "projectId": "p"},\n  "observations": [\n')
    con, stage = stage_file(broken)
    assert counts(con) == (0, 1) and stage.read == 1
    other = tmp_path / "other.json"
    other.write_text('{"projectId": "p", "something": 1}')
    con, stage = stage_file(other)
    assert counts(con) == (0, 1)
    assert "not a Langfuse export" in con.execute("SELECT reason FROM stage_quarantine").fetchall()[0][0]
    not_list = tmp_path / "not-list.json"
    not_list.write_text('{"trace": {"id": "x", "projectId": "p"}, "observations": {"a": 1}}')
    con, stage = stage_file(not_list)
    assert counts(con) == (0, 1) and stage.read == 1
    # a trace's scores that are no list: the trace's record is quarantined, its observations kept (the TypeError
    # failed the whole call, "nothing was stored")
    scores = tmp_path / "scores.json"
    obs = {"id": "o1", "traceId": "x", "type": "SPAN", "name": "n", "startTime": "2026-01-01T00:00:00Z"}
    scores.write_text(
        json.dumps({"trace": {"id": "x", "projectId": "p", "scores": 5}, "observations": [obs]})
    )
    con, stage = stage_file(scores)
    assert counts(con) == (1, 1)
    assert (
        "trace x: scores is a JSON number, not a list"
        in con.execute("SELECT reason FROM stage_quarantine").fetchall()[0][0]
    )


def test_iter_json_reads_gzip(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "t.json.gz"
    path.write_bytes(gzip.compress(b'\xef\xbb\xbf{"a": 1}'))
    assert list(iter_json(path)) == [(1, {"a": 1}, None, None)]


def test_sniff(samples: dict[str, Path]) -> None:
    adapter = LangfuseExport()
    for path in [*samples.values(), *FIXTURES.iterdir()]:
        assert adapter.sniff(path, path.read_bytes()[:65536]), path
    assert not adapter.sniff(Path("x"), b'{"resourceSpans": []}')
    assert not adapter.sniff(Path("x"), b'{"history": [], "mistake_agent": "a"}')
    for path in samples.values():
        assert not WhoWhen().sniff(path, path.read_bytes()[:65536])


# -- through the workspace ------------------------------------------------------------------------
def test_ingest_samples_end_to_end(samples: dict[str, Path]) -> None:
    ws = wb.open()
    report = ws.ingest(sorted(str(p) for p in samples.values()))
    total = sum(len(json.loads(p.read_text())["observations"]) for p in samples.values())
    assert (report.read, report.stored, report.quarantined) == (total, total, 0)
    assert all(f.endswith("(langfuse)") for f in report.files)
    runs = ws.runs()
    assert len(runs) == len(samples)
    assert set(runs["outcome"]) == {"unknown"}  # scores are evaluations, not outcomes
    assert set(runs["system"]) == {e[0] for e in EXPECTED.values()}
    for framework, (name, agent) in INHERITED.items():
        trace_id = json.loads(samples[framework].read_text())["trace"]["id"]
        steps = ws.steps(trace_id)
        assert steps.loc[steps["name"] == name, "agent"].tolist() == [agent], framework
        assert steps.loc[steps["name"] == name, "agent_own"].isna().all()
    again = ws.ingest(sorted(str(p) for p in samples.values()))
    assert again.added == 0 and ws.count("steps") == total


def test_ingest_bad_fixture_end_to_end() -> None:
    ws = wb.open()
    report = ws.ingest(str(FIXTURES / "bad.json"))
    # 5 rejected by the adapter, 1 by the driver (ends before it starts).
    assert (report.read, report.stored, report.quarantined) == (7, 1, 6)
    assert Counter(ws.quarantine()["run_id"]) == {"lf-bad-1": 6}


def test_oversized_trace_input_costs_the_run_row_only(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text(
        json.dumps(
            {
                "trace": {"id": "t", "projectId": "p", "input": "x" * (5 * 2**20)},
                "observations": [{"id": "o", "traceId": "t", "type": "SPAN", "name": "n"}],
            }
        )
    )
    con, stage = stage_file(path)
    assert counts(con) == (1, 1) and stage.read == 2
    assert "field 'task'" in con.execute("SELECT reason FROM stage_quarantine").fetchall()[0][0]


def _obs(
    oid: str, parent: str | None, otype: str, name: str, scope: str, attrs: dict, **meta: object
) -> dict:
    return {
        "id": oid,
        "traceId": "t1",
        "parentObservationId": parent,
        "type": otype,
        "name": name,
        "startTime": "2025-08-26T19:40:59.145Z",
        "endTime": "2025-08-26T19:41:00.145Z",
        "metadata": json.dumps({**meta, "attributes": attrs, "scope": {"name": scope, "version": "1"}}),
    }


_SCOPES = {"ai.koog": "koog", "pydantic-ai": "pydantic-ai", "openinference.instrumentation.beeai": "beeai"}


def test_framework_scopes_and_tool_spans_without_an_operation(tmp_path: Path) -> None:
    """Koog marks its nodes as LangGraph's and its tool spans only by gen_ai.tool.name (a real export's shape).
    (Each framework's scope a trace of its own, read in one call.)"""
    paths = []
    for scope, system in _SCOPES.items():
        doc = {
            "trace": {"id": system, "name": "agent.x"},
            "observations": [
                _obs("a", None, "AGENT", "agent.x", scope, {"gen_ai.operation.name": "create_agent"}),
                _obs("n", "a", "SPAN", "node.nodeExecuteTool", scope, {}, langgraph_node="nodeExecuteTool"),
                _obs(
                    "t",
                    "n",
                    "SPAN",
                    "tool.ByeTool",
                    scope,
                    {
                        "gen_ai.tool.name": "ByeTool",
                        "gen_ai.tool.call.id": "c1",
                        "input.value": '{"name": "Bob"}',
                    },
                ),
            ],
        }
        for obs in doc["observations"]:
            obs["traceId"] = system
        paths.append(tmp_path / f"{system}.trace.json")
        paths[-1].write_text(json.dumps(doc))
    ws = wb.open()
    assert ws.ingest(paths).stored == 3 * len(_SCOPES)
    assert ws.sql("SELECT run_id, system FROM runs ORDER BY run_id").fetchall() == sorted(
        (system, system) for system in _SCOPES.values()
    )
    assert ws.sql(
        "SELECT run_id, kind, tool FROM steps WHERE step_id = 't' ORDER BY run_id"
    ).fetchall() == sorted((system, "tool", "ByeTool") for system in _SCOPES.values())

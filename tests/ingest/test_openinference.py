"""OpenInference: the shared attribute samples, Phoenix span exports, and smolagents-style span trees."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _otel_fixtures import counts_reconcile, rows, run_adapter

import workbench as wb
from workbench.ingest._map_span import map_span
from workbench.ingest.openinference import OpenInferenceJsonl, SpanTreeJson, epoch_or_iso_ns, flatten
from workbench.ingest.otlp import OtlpJson

SAMPLES = Path(__file__).parents[2].parent / "shared" / "samples" / "openinference-genai"
OWN = Path(__file__).parent / "fixtures" / "openinference-genai"
# Per source: (response model, tokens in, tokens out, question, answer word, request model, tool, tool input,
# tool output words). "own" are this project's fixtures (always there), "shared" the public samples.
CALLS = {
    "own": (
        "gpt-4o-mini-2024-07-18",
        41,
        17,
        "Is it snowing in Oslo?",
        "light snow",
        "gpt-4o-mini",
        "get_forecast",
        '{"city": "Bergen"}',
        "Bergen is cloudy",
    ),
    "shared": (
        "gpt-4-0613",
        97,
        52,
        "Weather in Paris?",
        "rainy",
        "gpt-4",
        "get_weather",
        '{"city": "New York"}',
        "New York is sunny",
    ),
}


@pytest.fixture(params=["own", "shared"])
def source(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def samples(source: str) -> dict[str, dict]:
    # Function-scoped: every test gets its own parsed copy, so no test can change another's input.
    folder = OWN if source == "own" else SAMPLES
    if not folder.is_dir():
        pytest.skip(f"the shared samples are not at {folder.parent}")
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}


def test_convention_samples(samples: dict[str, dict], source: str) -> None:
    """The same LLM call in OpenInference, current GenAI and deprecated GenAI names maps alike."""
    model, tin, tout, question, answer, _, tool_name, tool_input, tool_output = CALLS[source]
    oi = map_span(samples["openinference_client_span_input_output_only"], "chat")
    oi_calls = map_span(samples["openinference_client_span_tool_calls"], "chat")
    genai = map_span(samples["otel_genai_client_span_tool_calls"], "chat gpt-4")
    old = map_span(samples["otel_genai_deprecated_client_span_tool_calls"], "chat gpt-4")
    for m in (oi, oi_calls, genai, old):
        assert (m["kind"], m["model"], m["tokens_in"], m["tokens_out"]) == ("llm", model, tin, tout)
        assert m["agent"] is None and m["tool"] is None and m["confidence"] is None
        assert question in m["input"]
        assert answer in m["output"]
    assert oi["input"] == samples["openinference_client_span_input_output_only"]["input.value"]
    assert genai["input"] == samples["otel_genai_client_span_tool_calls"]["gen_ai.input.messages"]
    assert old["input"] == samples["otel_genai_deprecated_client_span_tool_calls"]["gen_ai.prompt"]
    # flattened messages stay in the attributes when input.value is there
    assert "llm.input_messages.1.message.tool_calls.0.tool_call.function.name" in oi_calls["attributes"]
    assert genai["attributes"]["gen_ai.request.model"] == CALLS[source][5]  # the response model won
    tool = map_span(samples["otel_genai_tool_execution_span"], f"execute_tool {tool_name}")
    assert (tool["kind"], tool["tool"], tool["input"]) == ("tool", tool_name, tool_input)
    assert tool_output in tool["output"]


def test_convention_samples_inside_otlp(samples: dict[str, dict], source: str, tmp_path: Path) -> None:
    def value(v):
        if isinstance(v, bool):
            return {"boolValue": v}
        if isinstance(v, int):
            return {"intValue": str(v)}
        if isinstance(v, float):
            return {"doubleValue": v}
        if isinstance(v, list):
            return {"arrayValue": {"values": [value(x) for x in v]}}
        return {"stringValue": v}

    spans = [
        {
            "traceId": "ab" * 16,
            "spanId": f"{i + 1:016x}",
            "name": name,
            "startTimeUnixNano": "1",
            "endTimeUnixNano": "2",
            "attributes": [{"key": k, "value": value(v)} for k, v in attrs.items()],
        }
        for i, (name, attrs) in enumerate(sorted(samples.items()))
    ]
    path = tmp_path / "samples.jsonl"
    path.write_text(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}) + "\n")
    for fast in (True, False):
        con, stage = run_adapter(OtlpJson(fast=fast), path)
        steps = {r["name"]: r for r in rows(con, "stage_steps")}
        assert len(steps) == 5 and counts_reconcile(con, stage)
        assert steps["otel_genai_tool_execution_span"]["tool"] == CALLS[source][6]
        assert {r["model"] for n, r in steps.items() if "tool_execution" not in n} == {CALLS[source][0]}


# -- Phoenix span exports ------------------------------------------------------------------------------
TRACE = "7e2b9a7d1c0f4a5b8c9d0e1f2a3b4c5d"


def phoenix_flat(tool_status: str = "ERROR") -> list[dict]:
    """Rows of ``get_spans_dataframe()`` as ``to_json(orient="records", lines=True)`` writes them."""
    base = {"context.trace_id": TRACE, "status_message": "", "events": []}
    return [
        {
            **base,
            "context.span_id": "a1",
            "parent_id": None,
            "name": "ToolCallingAgent.run",
            "span_kind": "AGENT",
            "start_time": 1714564800000,
            "end_time": 1714564805000,
            "status_code": "ERROR",
            "status_message": "agent gave up",
            "attributes.openinference.span.kind": "AGENT",
            "attributes.input.value": "What is the weather in Paris?",
            "attributes.output.value": None,
            "attributes.session.id": "sess-1",
        },
        {
            **base,
            "context.span_id": "b2",
            "parent_id": "a1",
            "name": "OpenAIServerModel.__call__",
            "span_kind": "LLM",
            "start_time": 1714564800100,
            "end_time": 1714564801100,
            "status_code": "OK",
            "attributes.openinference.span.kind": "LLM",
            "attributes.llm.model_name": "gpt-4o",
            "attributes.llm.token_count.prompt": 812,
            "attributes.llm.token_count.completion": 25,
            "attributes.llm.input_messages": [
                {"message.role": "system", "message.content": "You are..."},
                {"message.role": "user", "message.content": "Weather?"},
            ],
            "attributes.output.value": '{"role": "assistant", "content": "call get_weather"}',
        },
        {
            **base,
            "context.span_id": "c3",
            "parent_id": "a1",
            "name": "get_weather",
            "span_kind": "TOOL",
            "start_time": 1714564801200,
            "end_time": 1714564801900,
            "status_code": tool_status,
            "attributes.openinference.span.kind": "TOOL",
            "attributes.tool.name": "get_weather",
            "attributes.input.value": '{"city": "Paris"}',
            "events": [
                {
                    "name": "exception",
                    "timestamp": "2024-05-01T12:00:01.800Z",
                    "attributes": {
                        "exception.type": "TimeoutError",
                        "exception.message": "weather API timeout",
                    },
                }
            ],
        },
    ]


# (OK: the exception recorded by code that caught it and went on, the status left OK: still the tool's error)
@pytest.mark.parametrize(
    ("tool_status", "tool_error"),
    [("ERROR", "weather API timeout"), ("OK", "TimeoutError: weather API timeout")],
)
def test_phoenix_dataframe_jsonl(tmp_path: Path, tool_status: str, tool_error: str) -> None:
    path = tmp_path / "spans.jsonl"
    lines = [json.dumps(r) for r in phoenix_flat(tool_status)] + [
        "{broken",
        json.dumps({"context.trace_id": TRACE}),
    ]
    path.write_text("\n".join(lines) + "\n")
    adapter = OpenInferenceJsonl()
    assert adapter.sniff(path, path.read_bytes()[:4096])
    assert not OtlpJson().sniff(path, path.read_bytes()[:4096])
    con, stage = run_adapter(adapter, path)
    steps = {r["step_id"]: r for r in rows(con, "stage_steps")}
    assert set(steps) == {"a1", "b2", "c3"}
    agent, llm, tool = steps["a1"], steps["b2"], steps["c3"]
    assert (agent["kind"], agent["agent"], agent["is_agent"], agent["status"], agent["error"]) == (
        "agent",
        "ToolCallingAgent.run",
        True,
        "error",
        "agent gave up",
    )
    assert agent["start_ns"] == 1714564800000 * 10**6 and agent["latency_ms"] == 5000
    assert json.loads(agent["attributes"])["session.id"] == "sess-1"
    assert (llm["kind"], llm["model"], llm["tokens_in"], llm["tokens_out"], llm["parent_id"]) == (
        "llm",
        "gpt-4o",
        812,
        25,
        "a1",
    )
    assert json.loads(llm["input"])[1] == {"role": "user", "content": "Weather?"}
    assert llm["agent"] is None
    assert (tool["kind"], tool["tool"], tool["status"], tool["error"]) == (
        "tool",
        "get_weather",
        "error",
        tool_error,
    )
    rejects = rows(con, "stage_quarantine")
    assert [r["line"] for r in rejects] == [4, 5]
    assert rejects[0]["reason"].startswith("broken JSON") and "span id" in rejects[1]["reason"]
    assert [r["run_id"] for r in rows(con, "stage_runs")] == [TRACE]
    assert counts_reconcile(con, stage)


def test_phoenix_nested_span_json(tmp_path: Path) -> None:
    """Phoenix's span JSON: nested context, attributes unflattened into nested dicts, ISO times."""
    spans = [
        {
            "name": "agent",
            "context": {"trace_id": TRACE, "span_id": "s1"},
            "parent_id": None,
            "span_kind": "CHAIN",
            "start_time": "2024-05-01T12:00:00.000000+00:00",
            "end_time": "2024-05-01T12:00:02.500000+00:00",
            "status_code": "UNSET",
            "status_message": "",
            "attributes": {
                "openinference": {"span": {"kind": "AGENT"}},
                "agent": {"name": "planner"},
                "input": {"value": "plan it", "mime_type": "text/plain"},
            },
            "events": [],
        },
        {
            "name": "llm",
            "context": {"trace_id": TRACE, "span_id": "s2"},
            "parent_id": "s1",
            "span_kind": "LLM",
            "start_time": "2024-05-01T12:00:00.5Z",
            "end_time": "2024-05-01T12:00:01Z",
            "status_code": "OK",
            "attributes": {
                "llm": {
                    "model_name": "claude",
                    "token_count": {"prompt": 10, "completion": 3},
                    "output_messages": [{"message": {"role": "assistant", "content": "done"}}],
                }
            },
        },
    ]
    path = tmp_path / "spans.json"
    path.write_text(json.dumps(spans, indent=2))
    con, stage = run_adapter(OpenInferenceJsonl(), path)
    steps = {r["step_id"]: r for r in rows(con, "stage_steps")}
    assert (steps["s1"]["agent"], steps["s1"]["kind"], steps["s1"]["status"], steps["s1"]["line"]) == (
        "planner",
        "agent",
        "unset",
        2,
    )  # the line the span starts on in the indented list (left18)
    assert steps["s1"]["latency_ms"] == 2500
    assert (steps["s2"]["model"], steps["s2"]["tokens_in"], steps["s2"]["tokens_out"]) == ("claude", 10, 3)
    assert json.loads(steps["s2"]["output"]) == [{"role": "assistant", "content": "done"}]
    assert counts_reconcile(con, stage)


# -- span trees ----------------------------------------------------------------------------------------
def span_tree(trace: str = TRACE) -> dict:
    return {
        "trace_id": trace,
        "spans": [
            {
                "span_id": "root",
                "parent_span_id": None,
                "span_name": "CodeAgent.run",
                "span_kind": "Internal",
                "scope_name": "openinference.instrumentation.smolagents",
                "timestamp": "2025-01-10T09:00:00Z",
                "duration": "PT12.5S",
                "status_code": "Error",
                "status_message": "max steps reached",
                "events": [],
                "span_attributes": {
                    "openinference.span.kind": "AGENT",
                    "input.value": "task",
                    "output.value": None,
                },
                "child_spans": [
                    {
                        "span_id": "step1",
                        "span_name": "Step 1",
                        "span_kind": "Internal",
                        "timestamp": "2025-01-10T09:00:00.1Z",
                        "duration": "PT3S",
                        "status_code": "Unset",
                        "span_attributes": {"openinference.span.kind": "CHAIN"},
                        "child_spans": [
                            {
                                "span_id": "llm1",
                                "parent_span_id": "step1",
                                "span_name": "LiteLLMModel.__call__",
                                "timestamp": "2025-01-10T09:00:00.2Z",
                                "duration": "PT1.5S",
                                "status_code": "Ok",
                                "span_attributes": {
                                    "openinference.span.kind": "LLM",
                                    "llm.model_name": "gpt-4o",
                                    "llm.token_count.prompt": 1200,
                                    "llm.token_count.completion": 80,
                                    "output.value": "Thought: search",
                                },
                            },
                            {
                                "span_id": "tool1",
                                "span_name": "web_search",
                                "timestamp": "2025-01-10T09:00:01.8Z",
                                "duration": "PT0.9S",
                                "status_code": "Error",
                                "status_message": "HTTP 429",
                                "span_attributes": {
                                    "openinference.span.kind": "TOOL",
                                    "tool.name": "web_search",
                                    "input.value": '{"query": "x"}',
                                },
                                "child_spans": [],
                            },
                        ],
                    }
                ],
            }
        ],
    }


def test_span_tree_document(tmp_path: Path) -> None:
    path = tmp_path / "trace.json"
    path.write_text(json.dumps(span_tree(), indent=2))
    adapter = SpanTreeJson()
    assert adapter.sniff(path, path.read_bytes()[:4096])
    assert not OpenInferenceJsonl().sniff(path, path.read_bytes()[:4096])
    con, stage = run_adapter(adapter, path)
    steps = {r["step_id"]: r for r in rows(con, "stage_steps", "order_hint")}
    assert list(steps) == ["root", "step1", "llm1", "tool1"]  # depth-first, document order
    assert [steps[s]["parent_id"] for s in steps] == [None, "root", "step1", "step1"]
    root = steps["root"]
    assert (root["kind"], root["agent"], root["status"], root["error"]) == (
        "agent",
        "CodeAgent.run",
        "error",
        "max steps reached",
    )
    assert root["end_ns"] - root["start_ns"] == 12_500_000_000 and root["latency_ms"] == 12500
    assert json.loads(root["attributes"])["otel.scope.name"] == "openinference.instrumentation.smolagents"
    assert (steps["llm1"]["model"], steps["llm1"]["tokens_in"], steps["llm1"]["status"]) == (
        "gpt-4o",
        1200,
        "ok",
    )
    assert (steps["tool1"]["tool"], steps["tool1"]["error"], steps["step1"]["kind"]) == (
        "web_search",
        "HTTP 429",
        "chain",
    )
    assert counts_reconcile(con, stage) and stage.read == 4


def test_span_tree_jsonl_with_bad_records(tmp_path: Path) -> None:
    bad_span = span_tree("t2")
    bad_span["spans"][0]["child_spans"][0]["duration"] = "1.5 seconds"
    bad_span["spans"][0]["child_spans"][0]["child_spans"][0]["span_id"] = None
    lines = [json.dumps(span_tree("t1")), "not json", json.dumps({"trace_id": "t3"}), json.dumps(bad_span)]
    path = tmp_path / "traces.jsonl"
    path.write_text("\n".join(lines) + "\n")
    con, stage = run_adapter(SpanTreeJson(), path)
    steps = rows(con, "stage_steps")
    assert len(steps) == 4 + 2  # t2 loses step1 (bad duration) and llm1 (no id); tool1 is still read
    assert {r["line"] for r in steps} == {1, 4}
    reasons = [(r["line"], r["reason"]) for r in rows(con, "stage_quarantine", "line, reason")]
    assert [ln for ln, _ in reasons] == [2, 3, 4, 4]
    assert "ISO-8601 duration" in reasons[2][1] + reasons[3][1] and "span id" in reasons[2][1] + reasons[3][1]
    assert sorted(r["run_id"] for r in rows(con, "stage_runs")) == ["t1", "t2"]
    assert counts_reconcile(con, stage)


def test_helpers() -> None:
    assert flatten(
        {"llm": {"input_messages": [{"message": {"role": "user"}}], "x": None}, "tags": ["a"]}
    ) == {"llm.input_messages.0.message.role": "user", "tags": ["a"]}
    ns = 1714564800 * 10**9
    assert epoch_or_iso_ns(1714564800) == epoch_or_iso_ns(1714564800000) == epoch_or_iso_ns(ns) == ns
    assert epoch_or_iso_ns("2024-05-01T12:00:00Z") == ns


def test_end_to_end_auto_detected(tmp_path: Path) -> None:
    import workbench as wb

    tree = tmp_path / "tree.json"
    tree.write_text(json.dumps(span_tree("tree-trace"), indent=2))
    flat = tmp_path / "phoenix.jsonl"
    flat.write_text("\n".join(json.dumps(r) for r in phoenix_flat()) + "\n")
    with wb.open() as ws:
        report = ws.ingest([tree, flat], progress=False)
        assert (report.read, report.stored, report.quarantined) == (7, 7, 0)
        assert sorted(f.rsplit(" ", 1)[1] for f in report.files) == ["(openinference)", "(span-tree)"]
        steps = ws.steps("tree-trace").set_index("step_id")
        assert steps.loc["llm1", "agent"] == "CodeAgent.run"  # inherited from the AGENT span
        assert ws.steps(TRACE).set_index("step_id").loc["c3", "agent"] == "ToolCallingAgent.run"
        assert sorted(ws.runs(outcome="failure").run_id) == sorted([TRACE, "tree-trace"])


def test_the_sdk_console_exporters_output_is_read(tmp_path: Path) -> None:
    """What ``ConsoleSpanExporter`` prints (one indented span after another), written by the real SDK."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
    from opentelemetry.trace import Status, StatusCode

    path = tmp_path / "console.log"
    with path.open("w") as out:
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter(out=out)))
        tracer = provider.get_tracer("t")
        with tracer.start_as_current_span(
            "invoke_agent planner",
            attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner"},
        ) as agent:
            with tracer.start_as_current_span(
                "execute_tool search",
                attributes={"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "search"},
            ) as tool:
                tool.set_status(Status(StatusCode.ERROR, "search timed out"))
            agent.set_status(Status(StatusCode.ERROR))
        provider.shutdown()
    trace_id = format(agent.get_span_context().trace_id, "032x")
    ws = wb.open()
    report = ws.ingest(path)
    assert (report.stored, report.quarantined) == (2, 0)
    rows = ws.sql(
        "SELECT run_id, step_id, parent_id, agent, kind, tool, status, error FROM steps ORDER BY started_at"
    ).fetchall()
    agent_id, tool_id = (format(s.get_span_context().span_id, "016x") for s in (agent, tool))
    assert rows == [
        (trace_id, agent_id, None, "planner", "agent", None, "error", None),
        (trace_id, tool_id, agent_id, "planner", "tool", "search", "error", "search timed out"),
    ]
    assert ws.sql("SELECT outcome FROM runs").fetchall() == [("failure",)]


def test_a_stream_of_pretty_printed_spans_costs_one_record_per_bad_span(tmp_path: Path) -> None:
    """``jq .`` output: indented values one after another; a broken one is quarantined at its own line."""
    spans = [
        json.dumps(
            {
                "name": f"n{i}",
                "span_kind": "LLM",
                "context": {"trace_id": "t1", "span_id": f"s{i}"},
                "start_time": "2026-01-01T00:00:00Z",
                "end_time": "2026-01-01T00:00:01Z",
            },
            indent=2,
        )
        for i in range(3)
    ]
    spans[1] = spans[1].replace('"n1"', '"n1",')  # a trailing comma
    path = tmp_path / "spans.json"
    path.write_text("\n".join(spans) + "\n")
    ws = wb.open()
    report = ws.ingest(path)
    assert (report.stored, report.quarantined) == (2, 1)
    row = ws.quarantine().iloc[0]
    assert row["line"] == spans[0].count("\n") + 2 and "broken JSON" in row["reason"], (
        row["line"],
        row["reason"],
    )

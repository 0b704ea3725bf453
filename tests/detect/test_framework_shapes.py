"""Detectors on runs shaped like what real agent frameworks write (Microsoft Agent Framework's console
exporter, Langfuse's LangGraph exports, openai-agents and LangGraph spans as OpenInference records them,
written by the real OpenTelemetry SDK): each test is a false alarm or a silence seen on such a file."""

from __future__ import annotations

import json

import pytest

import workbench as wb
from workbench.detect import detect


def _agent_framework_file(path, statuses: list[str]) -> None:  # noqa: ANN001
    """Console-exporter output of a Microsoft Agent Framework workflow whose agent calls a tool again and
    again: as the real framework writes it, the tool spans sit beside ``invoke_agent`` under
    ``executor.process``. This executor does not say it hosts an agent (no ``executor.type``: a custom
    executor), so they belong to no agent; an ``AgentExecutor`` would name its agent for them."""

    def span(sid: str, parent: str | None, name: str, t: int, attrs: dict, status: str = "UNSET") -> str:
        return json.dumps(
            {
                "name": name,
                "context": {
                    "trace_id": "0x4ae695eb4bb65a49273c6751bfa1fea4",
                    "span_id": f"0x{sid}",
                    "trace_state": "[]",
                },
                "kind": "SpanKind.INTERNAL",
                "parent_id": f"0x{parent}" if parent else None,
                "start_time": f"2026-03-02T23:45:{t:02d}.000000Z",
                "end_time": f"2026-03-02T23:45:{t:02d}.500000Z",
                "status": {"status_code": status},
                "attributes": attrs,
                "events": [],
                "links": [],
            },
            indent=4,
        )

    spans = [
        span("01", None, "workflow.run", 0, {}, "ERROR"),
        span("02", "01", "executor.process Weather agent", 1, {"executor.id": "Weather agent"}),
        span(
            "03",
            "02",
            "invoke_agent Weather agent",
            1,
            {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "Weather agent"},
        ),
    ]
    spans += [
        span(
            f"1{i}",
            "02",
            "execute_tool get_weather",
            2 + i,
            {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "get_weather",
                "gen_ai.tool.call.arguments": '{"location": "Toronto"}',
            },
            status,
        )
        for i, status in enumerate(statuses)
    ]
    path.write_text("\n".join(spans) + "\n", encoding="utf-8")


@pytest.mark.parametrize(
    ("statuses", "detector", "words"),
    [
        (["UNSET"] * 6, "loop", "called get_weather with the same arguments 6 times in a row"),
        (["ERROR"] * 5 + ["UNSET"], "retry", "retried get_weather 5 time(s)"),
    ],
)
def test_findings_on_calls_outside_any_agent_say_what_happened(tmp_path, statuses, detector, words) -> None:  # noqa: ANN001
    # The detail was NULL (shown "None"): it was built as agent || ' called ' ..., and agent is NULL here.
    _agent_framework_file(tmp_path / "traces.jsonl", statuses)
    ws = wb.open()
    assert ws.ingest(tmp_path / "traces.jsonl").quarantined == 0
    hits = detect(ws)
    assert hits["detail"].notna().all()
    hit = hits.loc[hits["detector"] == detector].iloc[0]
    assert hit["detail"].startswith(f"a span outside any agent {words}")


def _langgraph_export(call_id: str, summarizer: str = "agent") -> dict:
    """A Langfuse export of a LangGraph agent (trace + observations, metadata as JSON text, as
    Langfuse writes it): the model asks for a tool by a call id, the tool answers, the model (or another
    node, ``summarizer``) sums up."""

    def obs(oid: str, parent: str | None, kind: str, name: str, t: int, node: str | None, inp, out) -> dict:  # noqa: ANN001
        meta = {
            "tags": ["langgraph"],
            "thread_id": "demo-thread-1",
            "scope": {"name": "langfuse-sdk", "version": "3.3.0"},
        }
        if node:
            meta.update(langgraph_node=node, langgraph_step=t)
        return {
            "id": oid,
            "traceId": "e1fde3efec57ce8a69bafd3fb928a7eb",
            "parentObservationId": parent,
            "type": kind,
            "name": name,
            "startTime": f"2025-08-22T09:38:5{t}.100Z",
            "endTime": f"2025-08-22T09:38:5{t}.900Z",
            "level": "DEFAULT",
            "statusMessage": None,
            "metadata": json.dumps(meta),
            "input": inp,
            "output": out,
        }

    ask = {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "id": call_id,
                "type": "function",
                "function": {"name": "Web-Search", "arguments": '{"query":"example"}'},
            }
        ],
    }
    result = {
        "content": '[{"url": "https://example.com", "title": "Example Result"}]',
        "type": "tool",
        "name": "Web-Search",
        "tool_call_id": call_id,
        "status": "success",
    }
    answer = {
        "role": "assistant",
        "content": "The search leads to example.com, a placeholder site."
        if summarizer == "agent"
        else f"Order {call_id} leads to example.com, a placeholder site.",
    }
    return {
        "trace": {
            "id": "e1fde3efec57ce8a69bafd3fb928a7eb",
            "name": "LangGraph",
            "timestamp": "2025-08-22T09:38:50.000Z",
            "input": "Search the web for 'example' and summarize.",
            "output": json.dumps({"messages": [ask, result, answer]}),
        },
        "observations": [
            obs(
                "b024",
                None,
                "SPAN",
                "LangGraph",
                0,
                None,
                {"messages": []},
                {"messages": [ask, result, answer]},
            ),
            obs("98d3", "b024", "SPAN", "agent", 1, "agent", {"messages": []}, {"messages": [ask]}),
            obs(
                "4f65",
                "98d3",
                "GENERATION",
                "ChatOpenAI",
                1,
                "agent",
                [{"role": "user", "content": "go"}],
                ask,
            ),
            obs("c8a1", "b024", "SPAN", "tools", 2, "tools", {"messages": [ask]}, {"messages": [result]}),
            obs("2144", "c8a1", "SPAN", "Web-Search", 2, "tools", {"query": "example"}, result),
            obs(
                "3b23",
                "b024",
                "SPAN",
                summarizer,
                3,
                summarizer,
                {"messages": [ask, result]},
                {"messages": [answer]},
            ),
            obs("5ba0", "3b23", "GENERATION", "ChatOpenAI", 3, summarizer, [ask, result], answer),
        ],
    }


def _ends_last(export: dict) -> dict:
    export["observations"][0]["endTime"] = "2025-08-22T09:38:53.950Z"  # the graph's span holds the others
    return export


CALL_IDS = ["call_1oGK863sxQHlPreFhDdEs3yl", "call_VEZJgIQLgzcb80IIyQJm7JCi", "toolu_01A09q90qw90lq917835lq9"]


@pytest.fixture(scope="module")
def call_id_runs(tmp_path_factory) -> dict[str, tuple[list, list]]:  # noqa: ANN001
    """Each call id's export as a trace of its own (its id told apart), all read in one call and detected once
    (a run's findings come from its own steps: a store each, as until suite49, found the same): per call id,
    the agents of its tool steps and its findings above "info"."""
    folder = tmp_path_factory.mktemp("call_ids")
    traces = {call_id: f"e1fde3efec57ce8a69bafd3fb928a7{n:02x}" for n, call_id in enumerate(CALL_IDS)}
    n_of = CALL_IDS.index
    paths = {}
    for call_id, trace in traces.items():
        text = json.dumps(_ends_last(_langgraph_export(call_id))).replace(
            "e1fde3efec57ce8a69bafd3fb928a7eb", trace
        )
        paths[call_id] = folder / f"langgraph-{n_of(call_id)}.trace.json"
        paths[call_id].write_text(text, encoding="utf-8")
    ws = wb.open()
    assert ws.ingest([str(p) for p in paths.values()]).quarantined == 0
    hits = detect(ws)
    out = {}
    for call_id, path in paths.items():
        ((run,),) = ws.sql("SELECT DISTINCT run_id FROM steps WHERE file = ?", [str(path)]).fetchall()
        agents = ws.sql(
            "SELECT DISTINCT agent FROM steps WHERE kind = 'tool' AND run_id = ?", [run]
        ).fetchall()
        mine = hits.loc[(hits["run_id"] == run) & (hits["severity"] != "info")]
        out[call_id] = (agents, mine.to_dict("records"))
    ws.close()
    return out


@pytest.mark.parametrize("call_id", CALL_IDS)
def test_tool_call_ids_are_no_made_up_values(call_id_runs, call_id: str) -> None:  # noqa: ANN001
    # The Langfuse LangGraph traces were 'cascade, critical': 'made-up value call_1oGK…' (the id the API
    # gave the tool call, passed on by design), or 'made-up value 7' (digits inside such an id).
    agents, findings = call_id_runs[call_id]
    # the graph's ToolNode runs the agent's tools (this export has no checkpoint namespaces)
    assert agents == [("agent",)]
    assert findings == [], findings


def test_a_made_up_value_where_the_tool_call_id_was_is_still_caught(tmp_path) -> None:  # noqa: ANN001
    # the same id in the same place, were it a value an agent made up (an order number) that another agent
    # (the graph's ToolNode runs the asking agent's tools: it is none) builds on, is still caught (once: it
    # does not depend on the id above, and was run again for each of them)
    path = tmp_path / "langgraph.trace.json"
    path.write_text(
        json.dumps(_ends_last(_langgraph_export("ORD-77123", summarizer="writer"))), encoding="utf-8"
    )
    ws = wb.open()
    ws.ingest(path)
    hits = detect(ws)
    assert "made-up value ORD-77123" in " ".join(hits.loc[hits["detector"] == "cascade", "detail"])


def _openai_agents_trace(path, recovered: bool) -> None:  # noqa: ANN001
    """An openai-agents run as OpenInference's instrumentor records it, written by the real OTel SDK
    (protobuf JSON, one export per line): workflow → Triage → hand-off → Pricer, whose turns call
    get_price until the SDK's turn limit ends the Pricer's agent span in error and raises; the
    workflow's root span still ends OK. ``recovered``: the Pricer is invoked again and ends well."""
    from google.protobuf.json_format import MessageToJson
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import Status, StatusCode

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("openinference.instrumentation.openai_agents", "2.6.0")

    def oi(kind: str, **attrs: object) -> dict:
        return {"openinference.span.kind": kind, **attrs}

    def pricer(turns: int, ok: bool) -> None:
        with tracer.start_as_current_span(
            "Pricer", attributes=oi("AGENT", **{"graph.node.id": "Pricer"})
        ) as agent:
            for _ in range(turns):
                with tracer.start_as_current_span("turn", attributes=oi("CHAIN")):
                    with tracer.start_as_current_span(
                        "generation",
                        attributes=oi(
                            "LLM",
                            **{
                                "llm.model_name": "gpt-4o-mini",
                                "llm.token_count.prompt": 120,
                                "output.value": '[{"role": "assistant", "tool_calls": [{"id": "call_1"}]}]',
                            },
                        ),
                    ):
                        pass
                    with tracer.start_as_current_span(
                        "get_price",
                        attributes=oi(
                            "TOOL",
                            **{
                                "tool.name": "get_price",
                                "input.value": '{"sku": "SKU-9"}',
                                "output.value": '{"sku": "SKU-9", "price": 3.1}',
                            },
                        ),
                    ) as tool:
                        tool.set_status(Status(StatusCode.OK))
            agent.set_status(
                Status(StatusCode.OK)
                if ok
                else Status(StatusCode.ERROR, "Max turns exceeded: {'max_turns': 8}")
            )

    with tracer.start_as_current_span("procurement", attributes=oi("AGENT")) as root:
        with tracer.start_as_current_span("Triage", attributes=oi("AGENT")):
            with tracer.start_as_current_span(
                "handoff to Pricer",
                attributes=oi("TOOL", **{"input.value": "Triage", "output.value": "Pricer"}),
            ):
                pass
        pricer(4, ok=False)
        if recovered:
            pricer(1, ok=True)
        root.set_status(Status(StatusCode.OK))
    provider.shutdown()
    path.write_text(
        "".join(MessageToJson(encode_spans([s]), indent=None) + "\n" for s in exporter.get_finished_spans()),
        encoding="utf-8",
    )


@pytest.mark.parametrize("recovered", [False, True])
def test_an_agent_ending_in_error_under_the_instrumentor_s_ok_root_fails_the_run(
    tmp_path, recovered: bool
) -> None:  # noqa: ANN001
    """The instrumentor ends its workflow span OK however the run ended (real34 read its source): that OK reports
    nothing, the steps do. The run whose last agent ended in error failed (before real34 it read as reported
    success with a critical silent_failure; the same shape under an app's own OK root still does:
    test_silent13_unknown_errors.py); the one whose Pricer was invoked again and ended well succeeded."""
    path = tmp_path / "openai_agents.otlp.jsonl"
    _openai_agents_trace(path, recovered)
    ws = wb.open()
    assert ws.ingest(path).quarantined == 0
    expected = "success" if recovered else "failure"
    assert ws.sql("SELECT reported_outcome, outcome FROM runs").fetchall() == [(expected, expected)]
    assert detect(ws, detectors=["silent_failure"]).empty  # ended well, or a failure known already


def _langgraph_otlp(path, price: str) -> None:  # noqa: ANN001
    """A LangGraph supervisor run as OpenInference's LangChain instrumentor records it, written by the
    real OTel SDK: no task, the user's request in the root span's input, the graph's message state
    (UUID message ids, ``lc_run--<uuid>-0`` run ids) as the root's output, which is the final answer."""
    from google.protobuf.json_format import MessageToJson
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import Status, StatusCode

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("openinference.instrumentation.langchain", "0.1.80")
    ask = {
        "type": "human",
        "data": {"content": "Buy 40 units of SKU-7", "id": "57ed05ab-6215-479f-80eb-f18bc79bd99d"},
    }
    call = {
        "type": "ai",
        "data": {
            "content": "",
            "name": "pricer",
            "id": "lc_run--01a2308b-8761-74e8-987e-0af503bc7560-0",
            "tool_calls": [{"name": "get_price", "args": {"sku": "SKU-7"}, "id": "call_00001ab"}],
        },
    }
    result = {
        "type": "tool",
        "data": {
            "content": '{"sku": "SKU-7", "price": 12.5}',
            "tool_call_id": "call_00001ab",
            "id": "a0da88e2-84bc-4a31-b9e0-1b3411a4f1c9",
            "status": "success",
        },
    }
    answer = {
        "type": "ai",
        "data": {
            "content": f"SKU-7 costs {price}",
            "name": "pricer",
            "id": "lc_run--01a2308b-876d-7586-90b0-159f4cc17587-0",
        },
    }
    with tracer.start_as_current_span(
        "research-team",
        attributes={
            "openinference.span.kind": "CHAIN",
            "input.value": json.dumps({"messages": [["user", "Buy 40 units of SKU-7"]]}),
            "output.value": json.dumps({"messages": [ask, call, result, answer]}),
        },
    ) as root:
        with tracer.start_as_current_span("pricer", attributes={"openinference.span.kind": "CHAIN"}):
            with tracer.start_as_current_span(
                "agent",
                attributes={
                    "openinference.span.kind": "AGENT",
                    "output.value": json.dumps({"messages": [call]}),
                },
            ):
                pass
            with tracer.start_as_current_span(
                "get_price",
                attributes={
                    "openinference.span.kind": "TOOL",
                    "tool.name": "get_price",
                    "input.value": '{"sku": "SKU-7"}',
                    "output.value": json.dumps(result["data"]),
                },
            ):
                pass
            with tracer.start_as_current_span(
                "agent",
                attributes={
                    "openinference.span.kind": "AGENT",
                    "output.value": json.dumps({"messages": [answer]}),
                },
            ):
                pass
        root.set_status(Status(StatusCode.OK))
    provider.shutdown()
    path.write_text(
        "".join(MessageToJson(encode_spans([s]), indent=None) + "\n" for s in exporter.get_finished_spans()),
        encoding="utf-8",
    )


def test_uuids_and_the_users_request_are_no_made_up_values(tmp_path) -> None:  # noqa: ANN001
    # A LangGraph run that went well was 'silent_failure, critical': its answer's '40' (the user asked
    # for 40: an OTel trace has no task), '9680' and 'be-4e5e-860b-…' (pieces of message UUIDs).
    path = tmp_path / "langgraph.otlp.jsonl"
    _langgraph_otlp(path, "12.50")
    ws = wb.open()
    assert ws.ingest(path).quarantined == 0
    assert ws.sql("SELECT reported_outcome, task FROM runs").fetchall() == [("success", None)]
    assert detect(ws, detectors=["silent_failure", "cascade"]).empty
    _langgraph_otlp(path, "11.00")  # a price no tool gave is still caught, and alone
    ws = wb.open()
    ws.ingest(path)
    hits = detect(ws, detectors=["silent_failure"])
    assert len(hits) == 1 and "final answer 11.00 (unsupported);" in hits["detail"].iat[0]
    assert json.loads(hits["attributes"].iat[0])["values"] == ["11.00"]

"""A LangGraph graph traced by openinference-instrumentation-langchain (0.1.80, langgraph 1.2 / langgraph-swarm
0.1): the root ``LangGraph`` CHAIN span's output is the graph's whole state — every message, each AI message with
its ``response_metadata`` (token counts, model name). Its answer is the last AI message's text. The graph's
``__start__`` node (where a swarm's router runs) is no agent."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb
from workbench.detect import detect

T0 = 1_796_131_200_000_000_000
MS = 1_000_000
TRACE = "28b7aa5497ec9fafe6ebedaee6190c7f"
ANSWER = "Your trip: flight LH123 at 240 EUR, hotel Casa Azul at 95 EUR per night."


def _attr(key: str, value: object) -> dict:
    return {
        "key": key,
        "value": {"intValue": str(value)} if isinstance(value, int) else {"stringValue": value},
    }


def _ai(content: str, tool_calls: list | None = None) -> dict:
    return {
        "type": "ai",
        "data": {
            "content": content,
            "additional_kwargs": {},
            "type": "ai",
            "name": None,
            "response_metadata": {
                "model_name": "gpt-4o-mini-2024-07-18",
                "token_usage": {"prompt_tokens": 150, "completion_tokens": 20, "total_tokens": 170},
            },
            "id": "lc_run--01a23263-3e08-7112-8253-c07809949800-0",
            "tool_calls": tool_calls or [],
            "invalid_tool_calls": [],
            "usage_metadata": None,
        },
    }


def _write(path: Path) -> None:
    spans: list[dict] = []

    def span(
        sid: int, parent: int | None, name: str, start: int, end: int, kind: str, **attrs: object
    ) -> None:
        s = {
            "traceId": TRACE,
            "spanId": f"{sid:016x}",
            "name": name,
            "kind": "SPAN_KIND_INTERNAL",
            "startTimeUnixNano": str(T0 + start * MS),
            "endTimeUnixNano": str(T0 + end * MS),
            "attributes": [_attr("openinference.span.kind", kind)] + [_attr(k, v) for k, v in attrs.items()],
            "status": {"code": "STATUS_CODE_OK"},
        }
        if parent:
            s["parentSpanId"] = f"{parent:016x}"
        spans.append(s)

    human = {
        "type": "human",
        "data": {
            "content": "Book a flight Berlin-Lisbon and a hotel there.",
            "type": "human",
            "additional_kwargs": {},
            "response_metadata": {},
            "name": None,
            "id": "19fe35b5",
        },
    }
    call = _ai(
        "",
        [
            {
                "name": "search_flights",
                "args": {"origin": "BER", "destination": "LIS"},
                "id": "call_d96cdca7",
                "type": "tool_call",
            }
        ],
    )
    tool_msg = {
        "type": "tool",
        "data": {
            "content": '[{"flight": "LH123", "price_eur": 420}]',
            "type": "tool",
            "name": "search_flights",
            "tool_call_id": "call_d96cdca7",
            "status": "success",
        },
    }
    state = {"messages": [human, call, tool_msg, _ai(ANSWER)]}
    span(
        1,
        None,
        "LangGraph",
        0,
        100,
        "CHAIN",
        **{
            "input.value": json.dumps({"messages": [{"role": "user", "content": human["data"]["content"]}]}),
            "input.mime_type": "application/json",
            "output.value": json.dumps(state),
            "output.mime_type": "application/json",
            "metadata": json.dumps({"thread_id": "t-value", "ls_integration": "langgraph"}),
        },
    )
    # a swarm's entry: the __start__ node runs its router, which OpenInference types AGENT
    span(
        7,
        1,
        "__start__",
        1,
        2,
        "CHAIN",
        **{
            "metadata": json.dumps(
                {
                    "langgraph_node": "__start__",
                    "langgraph_step": 0,
                    "langgraph_checkpoint_ns": "__start__:db3da1e2-ecaa",
                }
            )
        },
    )
    span(
        8,
        7,
        "route_to_active_agent",
        1,
        2,
        "AGENT",
        **{
            "output.value": "alice",
            "metadata": json.dumps(
                {
                    "langgraph_node": "__start__",
                    "langgraph_step": 0,
                    "langgraph_checkpoint_ns": "__start__:db3da1e2-ecaa",
                }
            ),
        },
    )
    span(
        2,
        1,
        "alice",
        2,
        60,
        "CHAIN",
        **{
            "metadata": json.dumps({"langgraph_node": "alice", "langgraph_step": 1}),
            "output.value": json.dumps({"messages": [call, tool_msg]}),
        },
    )
    span(
        3,
        2,
        "ChatOpenAI",
        3,
        10,
        "LLM",
        **{
            "llm.output_messages.0.message.role": "assistant",
            "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "search_flights",
            "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": '{"origin": "BER", "destination": "LIS"}',
            "llm.token_count.prompt": 150,
            "llm.token_count.completion": 20,
            "metadata": json.dumps({"langgraph_node": "agent", "langgraph_checkpoint_ns": "alice:1"}),
        },
    )
    span(
        4,
        2,
        "search_flights",
        11,
        14,
        "TOOL",
        **{
            "tool.name": "search_flights",
            "input.value": '{"origin": "BER", "destination": "LIS"}',
            "output.value": '[{"flight": "LH123", "price_eur": 420}]',
            "metadata": json.dumps({"langgraph_node": "tools", "langgraph_checkpoint_ns": "alice:1"}),
        },
    )
    span(
        5,
        1,
        "bob",
        61,
        99,
        "CHAIN",
        **{
            "metadata": json.dumps({"langgraph_node": "bob", "langgraph_step": 2}),
            "output.value": json.dumps({"messages": [_ai(ANSWER)]}),
        },
    )
    span(
        6,
        5,
        "ChatOpenAI",
        62,
        98,
        "LLM",
        **{
            "llm.output_messages.0.message.role": "assistant",
            "llm.output_messages.0.message.content": ANSWER,
            "llm.token_count.prompt": 150,
            "llm.token_count.completion": 20,
            "metadata": json.dumps({"langgraph_node": "agent", "langgraph_checkpoint_ns": "bob:2"}),
        },
    )
    doc = {
        "resourceSpans": [
            {
                "resource": {"attributes": [_attr("service.name", "trip-swarm")]},
                "scopeSpans": [
                    {"scope": {"name": "openinference.instrumentation.langchain"}, "spans": spans}
                ],
            }
        ]
    }
    path.write_text(json.dumps(doc) + "\n", encoding="utf-8")


def test_graph_state_output_is_its_last_ai_message(tmp_path: Path) -> None:
    path = tmp_path / "langgraph_swarm.otlp.jsonl"
    _write(path)
    ws = wb.open()
    report = ws.ingest(path)
    assert report.read == report.stored == 8
    steps = ws.steps(TRACE).set_index("name")
    root = steps.loc["LangGraph"]
    assert root.output == ANSWER
    assert "token_usage" in str(root.attributes)  # the state is kept beside the answer
    assert steps.loc["bob"].output == ANSWER
    # a node whose last message only calls a tool has said nothing: its state stays as written
    assert '"search_flights"' in steps.loc["alice"].output


def test_silent_failure_reads_the_answer_not_the_token_counts(tmp_path: Path) -> None:
    path = tmp_path / "langgraph_swarm.otlp.jsonl"
    _write(path)
    ws = wb.open()
    ws.ingest(path)
    f = detect(ws)
    silent = f[f.detector == "silent_failure"]
    assert len(silent) == 1
    detail = silent.detail.iloc[0]
    assert "240" in detail
    for noise in ("150", "170", "gpt-4o-mini"):
        assert noise not in detail


def test_graph_entry_and_its_router_are_no_agents(tmp_path: Path) -> None:
    path = tmp_path / "langgraph_swarm.otlp.jsonl"
    _write(path)
    ws = wb.open()
    ws.ingest(path)
    steps = ws.steps(TRACE)
    assert set(steps.agent.dropna()) == {"alice", "bob"}
    assert steps.set_index("name").loc["route_to_active_agent", "kind"] == "chain"

"""GenAI-convention shapes of two frameworks, read alike by both OTLP readers.

1. A model call's system instructions (``gen_ai.system_instructions``, GenAI conventions v1.37+) read as the first
message of its input, by both OTLP readers, where the other conventions put the system prompt.

The shape: Google ADK for Go v2 with content capture on (``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``),
as its own telemetry test expects it (google/adk-go ``internal/telemetry/telemetrytestcase``,
``AgentWithToolCaptureContentCase``): ``invoke_agent some_root_agent`` over ``generate_content <model>`` spans
carrying ``gen_ai.system_instructions`` (``[{"type": "text", "content": "you are helpful ..."}]``, the agent's
instruction and ADK's identity preamble), ``gen_ai.input.messages`` / ``gen_ai.output.messages`` as JSON text, and
``execute_tool some_tool``. Before, the instructions stayed a plain attribute: the views and the features, which
read a step's input, never saw the system prompt.

2. Strands Agents' swarm and graph (strands-agents/sdk-python ``src/strands/telemetry/tracer.py`` at 1232230d, v1.40:
``start_multiagent_span`` opens ``invoke_swarm`` / ``invoke_graph`` with ``gen_ai.operation.name`` of that name and
``gen_ai.agent.name`` set to the instance, ``"swarm"`` / ``"graph"``, a CLIENT span; ``multiagent/swarm.py`` and
``graph.py`` call it with those literals). The orchestrator read as an agent named "swarm": counted among the run's
agents beside its node agents (``invoke_agent <name>`` under it), which are the agents.
"""

from __future__ import annotations

import json

import pytest
from _otlp_json import by_each_reader, otlp_span

T0 = 1_796_133_000_000_000_000
SYSTEM = [
    {
        "type": "text",
        "content": 'you are helpful\n\nYou are an agent. Your internal name is "some_root_agent". '
        'The description about you is "A sample root agent.".',
    }
]


def _span(n: int, parent: int | None, name: str, attrs: dict, trace: str = "ad" * 16) -> dict:
    return otlp_span(trace, n, parent, name, attrs, T0)


def _multiagent(instance: str, trace: str, nodes: tuple[str, ...]) -> list[dict]:
    spans = [
        _span(
            10,
            None,
            f"invoke_{instance}",
            {
                "gen_ai.operation.name": f"invoke_{instance}",
                "gen_ai.provider.name": "strands-agents",
                "gen_ai.agent.name": instance,
            },
        )
    ]
    for i, node in enumerate(nodes):
        spans.append(
            _span(
                11 + i,
                10,
                f"invoke_agent {node}",
                {
                    "gen_ai.operation.name": "invoke_agent",
                    "gen_ai.provider.name": "strands-agents",
                    "gen_ai.agent.name": node,
                },
            )
        )
    for s in spans:
        s["traceId"], s["kind"] = trace, "SPAN_KIND_CLIENT"
    return spans


def _trace() -> str:
    call = {"type": "tool_call", "name": "some_tool", "arguments": {"arg1": "val1"}}
    hello = {"role": "user", "parts": [{"type": "text", "content": "hello"}]}
    model = {
        "gen_ai.operation.name": "generate_content",
        "gen_ai.request.model": "gemini-2.5-flash",
        "gen_ai.system_instructions": json.dumps(SYSTEM),
    }
    spans = [
        _span(
            1,
            None,
            "invoke_agent some_root_agent",
            {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "some_root_agent"},
        ),
        _span(
            2,
            1,
            "generate_content gemini-2.5-flash",
            {
                **model,
                "gen_ai.input.messages": json.dumps([hello]),
                "gen_ai.output.messages": json.dumps(
                    [{"role": "assistant", "parts": [call], "finish_reason": "tool_call"}]
                ),
            },
        ),
        _span(
            3,
            1,
            "execute_tool some_tool",
            {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "some_tool",
                "gcp.vertex.agent.tool_call_args": '{"arg1":"val1"}',
                "gen_ai.tool.description": "A sample tool.",
                "gcp.vertex.agent.event_id": "e-3",
                "gen_ai.tool.call.id": "adk-3",
                "gcp.vertex.agent.tool_response": '{"result":"processed val1"}',
            },
        ),
        _span(
            4,
            1,
            "generate_content gemini-2.5-flash",
            {
                **model,
                "gen_ai.input.messages": json.dumps([hello, {"role": "assistant", "parts": [call]}]),
                "gen_ai.output.messages": json.dumps(
                    [
                        {
                            "role": "assistant",
                            "parts": [{"type": "text", "content": "text response"}],
                            "finish_reason": "stop",
                        }
                    ]
                ),
            },
        ),
        # (a call that failed: ADK's placeholders for the response and id it did not get, an error status)
        otlp_span(
            "ad" * 16,
            5,
            1,
            "execute_tool some_tool",
            {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "some_tool",
                "gcp.vertex.agent.tool_call_args": '{"arg1":"val2"}',
                "gen_ai.tool.description": "A sample tool.",
                "gen_ai.tool.call.id": "<not specified>",
                "gcp.vertex.agent.tool_response": "<not specified>",
            },
            T0,
            {"code": "STATUS_CODE_ERROR", "message": "tool failed"},
        ),
    ]
    strands = _multiagent("swarm", "5a" * 16, ("researcher", "writer")) + _multiagent(
        "graph", "6a" * 16, ("pricer",)
    )
    doc = {
        "resourceSpans": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "adk-go"}}]},
                "scopeSpans": [{"scope": {"name": "gcp.vertex.agent"}, "spans": spans}],
            },
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "quote-desk"}}]},
                "scopeSpans": [{"scope": {"name": "strands.telemetry.tracer"}, "spans": strands}],
            },
        ]
    }
    return json.dumps(doc) + "\n"


@pytest.fixture(scope="module")
def steps(tmp_path_factory: pytest.TempPathFactory) -> dict:
    path = tmp_path_factory.mktemp("real48_sys") / "adk_go.otlp.jsonl"
    path.write_text(_trace())
    out = {}
    for fast, ws in by_each_reader(path, (10, 10, 0)).items():
        out[fast] = {
            (r[0][:2], int(r[1], 16)): (
                r[2],
                r[3],
                json.loads(r[4]) if r[4] else None,
                json.loads(r[5]),
                r[6],
            )
            for r in ws.sql(
                "SELECT run_id, step_id, kind, agent, input, attributes, output FROM steps"
            ).fetchall()
        }
    return out


@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_system_instructions_are_the_calls_first_message(steps: dict, fast: bool) -> None:
    s = steps[fast]
    for n in (("ad", 2), ("ad", 4)):
        kind, agent, given, attrs, _ = s[n]
        assert (kind, agent) == ("llm", "some_root_agent")
        assert given[0] == {"role": "system", "parts": SYSTEM}
        assert given[1]["parts"] == [{"type": "text", "content": "hello"}]
        assert "gen_ai.system_instructions" not in attrs  # (read into the input, not kept twice)
    assert len(s["ad", 4][2]) == 3


@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_adk_go_tool_calls_read_their_arguments_and_result(steps: dict, fast: bool) -> None:
    """ADK for Go writes a tool call's arguments and response as ADK's own keys (``gcp.vertex.agent.tool_call_args``
    / ``tool_response``, ``internal/telemetry/telemetry.go``'s ``StartExecuteToolSpan`` / ``TraceToolResult``), and
    no LLM keys on the span, which is what sent ADK (Python)'s tool spans to the ADK mapping: a call had neither."""
    s = steps[fast]
    assert s["ad", 3][:3] == ("tool", "some_root_agent", {"arg1": "val1"})
    assert s["ad", 3][3]["gen_ai.tool.description"] == "A sample tool."
    assert json.loads(s["ad", 3][4]) == {"result": "processed val1"}
    kind, agent, given, attrs, said = s["ad", 5]
    assert (kind, agent, given, said) == ("tool", "some_root_agent", {"arg1": "val2"}, None)
    assert "gcp.vertex.agent.tool_response" not in attrs  # ("<not specified>": it gave no response)


@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_strands_swarm_and_graph_are_no_agents(steps: dict, fast: bool) -> None:
    s = steps[fast]
    for run, instance in (("5a", "swarm"), ("6a", "graph")):
        kind, agent, _, attrs, _ = s[run, 10]
        assert (kind, agent) == ("other", None)
        assert attrs["gen_ai.agent.name"] == instance  # (what the span said, kept)
    assert {k: v[:2] for k, v in s.items() if k[0] in ("5a", "6a") and k[1] > 10} == {
        ("5a", 11): ("agent", "researcher"),
        ("5a", 12): ("agent", "writer"),
        ("6a", 11): ("agent", "pricer"),
    }


def test_both_readers_read_it_alike(steps: dict) -> None:
    assert steps[True] == steps[False]

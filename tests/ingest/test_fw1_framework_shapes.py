"""Spans of frameworks run for real (PyPI releases, their own tracing or OpenInference's instrumentor,
exported by the OpenTelemetry SDK), in the shapes those runs wrote, read alike by both OTLP readers.

The fixtures copy the relevant spans of traces recorded from openai-agents 0.24 with
openinference-instrumentation-openai-agents 2.6, smolagents 1.26 with openinference-instrumentation-smolagents
0.1.43 and crewai 1.15 with openinference-instrumentation-crewai 1.1.21.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _otel_fixtures import run_adapter

import workbench as wb
from workbench.ingest.otlp import OtlpJson

OA_SCOPE = "openinference.instrumentation.openai_agents"


def _kv(key: str, value: Any) -> dict:
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    if isinstance(value, list):
        return {"key": key, "value": {"arrayValue": {"values": [{"stringValue": v} for v in value]}}}
    return {"key": key, "value": {"stringValue": value}}


def _otlp(path: Path, spans: list[tuple[str, str | None, str, dict[str, Any]]], scope: str) -> Path:
    """One OTLP JSON line as the SDK's encoder and the Collector write it (hex ids), of (id, parent, name,
    attributes) spans."""
    ids = {sid: f"{n + 1:016x}" for n, (sid, *_rest) in enumerate(spans)}
    out = [
        {
            "traceId": "cd" * 16,
            "spanId": ids[sid],
            "parentSpanId": ids[p] if p else "",
            "name": name,
            "kind": 1,
            "startTimeUnixNano": str(1_796_130_827_000_000_000 + n * 1000),
            "endTimeUnixNano": str(1_796_130_827_000_000_000 + (len(spans) - n) * 1000 + 500_000),
            "attributes": [_kv(k, v) for k, v in attrs.items()],
            "status": {"code": 1},
        }
        for n, (sid, p, name, attrs) in enumerate(spans)
    ]
    path.write_text(
        json.dumps(
            {
                "resourceSpans": [
                    {
                        "resource": {"attributes": [_kv("service.name", "unknown_service")]},
                        "scopeSpans": [{"scope": {"name": scope, "version": "1.0"}, "spans": out}],
                    }
                ]
            }
        )
        + "\n"
    )
    return path


def _staged(path: Path, fast: bool) -> dict[str, dict[str, Any]]:
    con, stage = run_adapter(OtlpJson(fast=fast), path)
    assert con.execute("SELECT count(*) FROM stage_quarantine").fetchall()[0][0] == 0
    cols = ("step_id", "name", "kind", "agent", "is_agent", "input", "output", "attributes")
    return {
        r[0]: dict(zip(cols, r, strict=True))
        for r in con.execute(f"SELECT {', '.join(cols)} FROM stage_steps").fetchall()
    }


def _both(path: Path) -> dict[str, dict[str, Any]]:
    """The staged steps by span id, the same from the SQL fast path and the Python reader."""
    fast = _staged(path, fast=True)
    slow = _staged(path, fast=False)
    for sid in fast:
        fast[sid]["attributes"] = json.loads(fast[sid]["attributes"] or "{}")
        slow[sid]["attributes"] = json.loads(slow[sid]["attributes"] or "{}")
    assert fast == slow
    return {
        v["name"] + ("#" + sid if v["name"] in ("response", "turn", "Support run") else ""): v
        for sid, v in fast.items()
    }


def _response(n: int, output: list[dict[str, Any]], usage: tuple[int, int]) -> str:
    """The Responses API object the instrumentor writes as an LLM span's ``output.value``."""
    return json.dumps(
        {
            "id": f"resp_{n}",
            "access_programs": None,
            "created_at": 1796130827.0,
            "error": None,
            "model": "gpt-4o-2024-08-06",
            "object": "response",
            "output": output,
            "parallel_tool_calls": True,
            "status": "completed",
            "tool_choice": "auto",
            "tools": [],
            "usage": {
                "input_tokens": usage[0],
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": usage[1],
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": sum(usage),
            },
        },
        separators=(",", ":"),
    )


ANSWER = "Invoice INV-42 for 210.50 EUR is still unpaid."


def _openai_agents() -> list[tuple[str, str | None, str, dict[str, Any]]]:
    """openai-agents' triage → billing hand-off over the real Responses model, as OpenInference traced it."""

    def llm(
        n: int, out: list[dict[str, Any]], msgs: dict[str, Any], usage: tuple[int, int]
    ) -> dict[str, Any]:
        return {
            "llm.system": "openai",
            "output.mime_type": "application/json",
            "output.value": _response(n, out, usage),
            "llm.token_count.completion": str(usage[1]),
            "llm.token_count.prompt": str(usage[0]),
            **msgs,
            "llm.model_name": "gpt-4o-2024-08-06",
            "llm.finish_reason": "stop",
            "input.mime_type": "application/json",
            "input.value": json.dumps([{"content": "Is invoice INV-42 paid?", "role": "user"}]),
            "llm.input_messages.1.message.role": "user",
            "llm.input_messages.1.message.content": "Is invoice INV-42 paid?",
            "openinference.span.kind": "LLM",
        }

    call = {
        "arguments": "{}",
        "call_id": "call_h1",
        "name": "transfer_to_billing_agent",
        "type": "function_call",
        "id": "fc_call_h1",
        "status": "completed",
    }
    text = {
        "id": "msg_4",
        "content": [{"annotations": [], "text": ANSWER, "type": "output_text", "logprobs": None}],
        "role": "assistant",
        "status": "completed",
        "type": "message",
    }
    return [
        ("root", None, "Support run", {"openinference.span.kind": "AGENT"}),
        ("wf", "root", "Support run", {"openinference.span.kind": "CHAIN"}),
        (
            "triage",
            "wf",
            "Triage agent",
            {
                "graph.node.id": "Triage agent",
                "agent.name": "Triage agent",
                "openinference.span.kind": "AGENT",
            },
        ),
        ("t1", "triage", "turn", {"openinference.span.kind": "CHAIN"}),
        (
            "r1",
            "t1",
            "response",
            llm(
                1,
                [call],
                {
                    "llm.output_messages.0.message.role": "assistant",
                    "llm.output_messages.0.message.tool_calls.0.tool_call.id": "call_h1",
                    "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "transfer_to_billing_agent",
                },
                (200, 20),
            ),
        ),
        (
            "ho",
            "t1",
            "handoff to Billing agent",
            {
                "input.value": "Triage agent",
                "output.value": "Billing agent",
                "openinference.span.kind": "TOOL",
            },
        ),
        (
            "billing",
            "wf",
            "Billing agent",
            {
                "graph.node.id": "Billing agent",
                "agent.name": "Billing agent",
                "graph.node.parent_id": "Triage agent",
                "openinference.span.kind": "AGENT",
            },
        ),
        ("t2", "billing", "turn", {"openinference.span.kind": "CHAIN"}),
        (
            "r2",
            "t2",
            "response",
            llm(
                5,
                [text],
                {
                    "llm.output_messages.0.message.role": "assistant",
                    "llm.output_messages.0.message.contents.0.message_content.type": "text",
                    "llm.output_messages.0.message.contents.0.message_content.text": ANSWER,
                    "llm.output_messages.0.message.content": ANSWER,
                },
                (380, 30),
            ),
        ),
    ]


def test_an_llm_spans_output_messages_beat_the_raw_response_object(tmp_path: Path) -> None:
    """openai-agents + OpenInference: ``output.value`` is the whole Responses API object (ids, created_at,
    usage); the step's output is the output messages, the object stays in the attributes."""
    steps = _both(_otlp(tmp_path / "oa.otlp.json", _openai_agents(), OA_SCOPE))
    final = next(v for k, v in steps.items() if k.startswith("response") and ANSWER in (v["output"] or ""))
    assert json.loads(final["output"]) == [{"role": "assistant", "content": ANSWER}]
    assert json.loads(final["attributes"]["output.value"])["created_at"] == 1796130827.0
    first = next(v for k, v in steps.items() if k.startswith("response") and v is not final)
    assert json.loads(first["output"]) == [
        {"role": "assistant", "tool_calls": [{"id": "call_h1", "name": "transfer_to_billing_agent"}]}
    ]
    # a tool's output.value is its result, not beaten by anything
    assert steps["handoff to Billing agent"]["output"] == "Billing agent"
    # the response object's timestamp and token counts were read as values the triage agent made up
    ws = wb.open()
    assert ws.ingest(tmp_path / "oa.otlp.json").stored == len(_openai_agents())
    said = " ".join(str(d) for d in wb.detect(ws)["detail"])
    assert "1796130827" not in said and "380" not in said
    # The trace's root span, typed AGENT and named after the workflow, wraps the agents: no agent, no hand-off
    # from "Support run" to the triage agent. (The same file: test_openai_agents_workflow_span_is_no_agent read
    # it again, by both readers and in a store of its own, for these.)
    root = next(
        v
        for k, v in steps.items()
        if k.startswith("Support run") and v["attributes"].get("openinference.span.kind") == "AGENT"
    )
    assert (root["kind"], root["agent"], root["is_agent"]) == ("chain", None, False), "workflow span"
    assert {a for (a,) in ws.sql("SELECT DISTINCT agent FROM steps").fetchall()} == {
        None,
        "Triage agent",
        "Billing agent",
    }, "workflow span"


def test_an_llm_span_with_only_output_value_keeps_it(tmp_path: Path) -> None:
    spans = [
        ("a", None, "planner", {"openinference.span.kind": "AGENT"}),
        (
            "l",
            "a",
            "ChatOpenAI",
            {
                "openinference.span.kind": "LLM",
                "output.value": "42",
                "llm.output_messages.0.message.role": "assistant",
            },
        ),
    ]
    steps = _both(_otlp(tmp_path / "oi.otlp.json", spans, "openinference.instrumentation.langchain"))
    assert steps["ChatOpenAI"]["output"] == "42"


@pytest.mark.parametrize("where", ["inner", "with_input"])
def test_an_agent_span_that_says_more_or_has_a_parent_stays_an_agent(tmp_path: Path, where: str) -> None:
    top = ("top", None, "workflow", {"openinference.span.kind": "CHAIN"})
    attrs: dict[str, Any] = {"openinference.span.kind": "AGENT"}
    if where == "with_input":
        top, attrs = None, {**attrs, "input.value": "plan a trip"}
    spans = [
        s
        for s in (
            top,
            ("a", "top" if top else None, "planner", attrs),
            ("l", "a", "ChatOpenAI", {"openinference.span.kind": "LLM", "output.value": "ok"}),
        )
        if s
    ]
    steps = _both(_otlp(tmp_path / "oi.otlp.json", spans, "openinference.instrumentation.langchain"))
    assert (steps["planner"]["kind"], steps["planner"]["agent"]) == ("agent", "planner")


def _smolagents() -> list[tuple[str, str | None, str, dict[str, Any]]]:
    """A smolagents manager (no name given: its class) running a managed ``census_agent``."""

    def agent(task: str, tools: list[str], extra: dict[str, Any]) -> dict[str, Any]:
        return {
            "input.value": json.dumps({"task": task}),
            "smolagents.max_steps": 4,
            "smolagents.tools_names": tools,
            **extra,
            "output.value": "Lisbon has 545,000 inhabitants.",
            "llm.token_count.prompt": "300",
            "openinference.span.kind": "AGENT",
        }

    step = {
        "input.value": '{"memory_step": "ActionStep(step_number=1, ...)"}',
        "openinference.span.kind": "CHAIN",
    }
    return [
        (
            "mgr",
            None,
            "ToolCallingAgent.run",
            agent(
                "How many people live in Lisbon?",
                ["final_answer"],
                {
                    "smolagents.managed_agents.0.name": "census_agent",
                    "smolagents.managed_agents.0.description": "Looks up populations.",
                },
            ),
        ),
        ("s1", "mgr", "Step 1", step),
        (
            "census",
            "s1",
            "census_agent.run",
            agent("Population of Lisbon?", ["get_population", "final_answer"], {}),
        ),
        ("c1", "census", "Step 1", step),
        (
            "tool",
            "c1",
            "SimpleTool",
            {
                "input.value": '{"args": [], "kwargs": {"city": "Lisbon"}}',
                "tool.name": "get_population",
                "output.value": "Lisbon has 545,000 inhabitants.",
                "openinference.span.kind": "TOOL",
            },
        ),
    ]


def test_smolagents_run_spans_name_their_agents(tmp_path: Path) -> None:
    steps = _both(
        _otlp(tmp_path / "smol.otlp.json", _smolagents(), "openinference.instrumentation.smolagents")
    )
    assert steps["census_agent.run"]["agent"] == "census_agent"
    assert steps["ToolCallingAgent.run"]["agent"] == "ToolCallingAgent"
    ws = wb.open()
    ws.ingest(tmp_path / "smol.otlp.json")
    assert dict(ws.sql("SELECT name, agent FROM steps WHERE name = 'SimpleTool'").fetchall()) == {
        "SimpleTool": "census_agent"
    }


def _crewai() -> list[tuple[str, str | None, str, dict[str, Any]]]:
    """A sequential CrewAI crew: the analyst's task, then the writer's, under the kickoff."""

    def task(role: str, raw: str, parent: str | None) -> dict[str, Any]:
        return {
            "input.value": json.dumps(
                {"agent": {"role": role, "id": "363c6a6a-c9e3-45a9-b30e-871b10746e28"}}
            ),
            "input.mime_type": "application/json",
            "task_id": "66eab325-2976-4479-b01a-ddf8ad4512f9",
            "graph.node.id": role,
            **({"graph.node.parent_id": parent} if parent else {}),
            "crew_id": "b39a57c6-f8b1-43ed-b9ca-43294fb383e9",
            "output.value": json.dumps(
                {
                    "description": "d",
                    "raw": raw,
                    "agent": role,
                    "output_format": "raw",
                    "messages": [{"role": "user", "content": "Current Task: d"}],
                }
            ),
            "output.mime_type": "application/json",
            "openinference.span.kind": "AGENT",
        }

    crew_out = {
        "raw": "ACME closed at 14.2 USD today.",
        "pydantic": None,
        "json_dict": None,
        "tasks_output": [
            {"raw": "ACME trades at 41.2 USD.", "agent": "Market Analyst"},
            {"raw": "ACME closed at 14.2 USD today.", "agent": "Report Writer"},
        ],
        "token_usage": {
            "total_tokens": 0,
            "prompt_tokens": 0,
            "completion_tokens": 0,
            "successful_requests": 0,
        },
    }
    return [
        ("a", "k", "Market Analyst._execute_core", task("Market Analyst", "ACME trades at 41.2 USD.", None)),
        (
            "w",
            "k",
            "Report Writer._execute_core",
            task("Report Writer", "ACME closed at 14.2 USD today.", "Market Analyst"),
        ),
        (
            "k",
            None,
            "Crew_b39a57c6-f8b1-43ed-b9ca-43294fb383e9.kickoff",
            {
                "crew_id": "b39a57c6-f8b1-43ed-b9ca-43294fb383e9",
                "output.value": json.dumps(crew_out),
                "output.mime_type": "application/json",
                "openinference.span.kind": "CHAIN",
            },
        ),
    ]


def test_crewai_agents_are_their_graph_nodes_and_the_crews_answer_is_raw(tmp_path: Path) -> None:
    steps = _both(_otlp(tmp_path / "crew.otlp.json", _crewai(), "openinference.instrumentation.crewai"))
    assert steps["Market Analyst._execute_core"]["agent"] == "Market Analyst"
    assert steps["Report Writer._execute_core"]["agent"] == "Report Writer"
    kickoff = steps["Crew_b39a57c6-f8b1-43ed-b9ca-43294fb383e9.kickoff"]
    assert kickoff["output"] == "ACME closed at 14.2 USD today."
    assert (
        json.loads(kickoff["attributes"]["output.value"])["tasks_output"][0]["raw"]
        == "ACME trades at 41.2 USD."
    )


def _ev(event: str) -> str:
    return json.dumps({"ctx": "<workflows.context.context.Context object at 0x7ff111a556d0>", "ev": event})


def _msg(role: str, text: str) -> str:
    return (
        f"ChatMessage(role=<MessageRole.{role.upper()}: '{role}'>, additional_kwargs={{}}, "
        f"blocks=[TextBlock(block_type='text', text={text!r})])"
    )


def _llamaindex() -> list[tuple[str, str | None, str, dict[str, Any]]]:
    """A LlamaIndex AgentWorkflow: researcher (a tool call, then a hand-off) and writer, the agent named only in
    the events' reprs."""

    def step(name: str, event: str, out: str | None = None) -> dict[str, Any]:
        return {
            "input.value": _ev(event),
            "input.mime_type": "application/json",
            **({"output.value": out} if out else {}),
            "openinference.span.kind": "CHAIN",
        }

    # the user's text mentions the field: only the event's own field names the agent
    ask = _msg("user", "How tall is the Eiffel Tower? (current_agent_name='nobody')")
    setup_r = f"AgentSetup(input=[{_msg('system', 'Research.')}, {ask}], current_agent_name='researcher')"
    out_r = (
        f"AgentOutput(response={_msg('assistant', '')}, structured_response=None, current_agent_name='researcher', "
        "raw=None, tool_calls=[ToolSelection(tool_id='c3', tool_name='handoff', tool_kwargs={'to_agent': 'writer'})], "
        "retry_messages=[])"
    )
    setup_w = f"AgentSetup(input=[{_msg('system', 'Write.')}, {ask}], current_agent_name='writer')"
    llm = {
        "llm.model_name": "unknown",
        "output.value": "assistant: The Eiffel Tower is 300 metres tall.",
        "llm.output_messages.0.message.role": "assistant",
        "llm.output_messages.0.message.content": "The Eiffel Tower is 300 metres tall.",
        "openinference.span.kind": "LLM",
    }
    return [
        (
            "run",
            None,
            "AgentWorkflow.run",
            {
                "input.value": '{"user_msg": "How tall is the Eiffel Tower?"}',
                "openinference.span.kind": "CHAIN",
            },
        ),
        (
            "init",
            "run",
            "AgentWorkflow.init_run",
            step(
                "init_run",
                "AgentWorkflowStartEvent()",
                f"AgentInput(input=[{ask}], current_agent_name='researcher')",
            ),
        ),
        (
            "sr",
            "run",
            "AgentWorkflow.setup_agent",
            step("setup_agent", f"AgentInput(input=[{ask}], current_agent_name='researcher')"),
        ),
        ("rr", "run", "AgentWorkflow.run_agent_step", step("run_agent_step", setup_r)),
        ("rl", "rr", "researcher llm", {**llm, "llm.output_messages.0.message.content": "handing off"}),
        ("pr", "run", "AgentWorkflow.parse_agent_output", step("parse_agent_output", out_r)),
        (
            "ct",
            "run",
            "AgentWorkflow.call_tool",
            step("call_tool", "ToolCall(tool_name='handoff', tool_id='c3')"),
        ),
        ("rw", "run", "writer step", step("run_agent_step", setup_w)),
        ("wl", "rw", "MockFunctionCallingLLM.astream_chat", llm),
    ]


def test_llamaindex_agent_workflow_steps_act_for_the_agent_their_event_names(tmp_path: Path) -> None:
    steps = _both(
        _otlp(tmp_path / "li.otlp.json", _llamaindex(), "openinference.instrumentation.llama_index")
    )
    assert {k: v["agent"] for k, v in steps.items() if v["kind"] == "chain"} == {
        "AgentWorkflow.run": None,
        "AgentWorkflow.init_run": None,
        "AgentWorkflow.setup_agent": "researcher",
        "AgentWorkflow.run_agent_step": "researcher",
        "AgentWorkflow.parse_agent_output": "researcher",
        "AgentWorkflow.call_tool": None,
        "writer step": "writer",
    }
    assert not any(v["is_agent"] for v in steps.values())
    ws = wb.open()
    ws.ingest(tmp_path / "li.otlp.json")
    assert dict(ws.sql("SELECT name, agent FROM steps WHERE kind = 'llm'").fetchall()) == {
        "researcher llm": "researcher",
        "MockFunctionCallingLLM.astream_chat": "writer",
    }

"""A developer's own tool shaped like a framework's hand-off stays a tool call: ``assign_ticket(task, context,
coworker)`` is not CrewAI's "Delegate work to coworker", and a ``handoff(to_agent, reason)`` tool outside LlamaIndex's
AgentWorkflow is not its built-in hand-off. The framework's own tools are still read as before
(tests/ingest/test_real30_framework_fixtures.py: the checked-in CrewAI and LlamaIndex traces).

On f811312 the arguments alone decided: the ticket's assignee ("Dana") became an agent whose run the tool call was,
and the support agent's ``handoff`` to a human queue a hand-off step, no tool call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _otlp_edits import ingested_whole

T0 = 1_767_225_600_000_000_000


def _attrs(values: dict[str, str]) -> list[dict]:
    return [{"key": k, "value": {"stringValue": v}} for k, v in values.items()]


def _trace(tmp_path: Path, tool: str, description: str, args: dict, result: str) -> Path:
    """One OpenInference trace: the support agent's model asks for ``tool``, the tool runs, the model answers."""
    spans = [
        {
            "spanId": "a1" * 8,
            "parentSpanId": "",
            "name": "Support",
            "kind": 1,
            "attributes": _attrs(
                {
                    "openinference.span.kind": "AGENT",
                    "input.value": "Refund order PO-7",
                    "output.value": "Your refund request is with our team.",
                }
            ),
        },
        {
            "spanId": "b1" * 8,
            "parentSpanId": "a1" * 8,
            "name": "ChatCompletion",
            "attributes": _attrs(
                {
                    "openinference.span.kind": "LLM",
                    "llm.model_name": "m-1",
                    "output.value": json.dumps({"tool_calls": [{"name": tool, "arguments": args}]}),
                }
            ),
        },
        {
            "spanId": "c1" * 8,
            "parentSpanId": "a1" * 8,
            "name": tool,
            "attributes": _attrs(
                {
                    "openinference.span.kind": "TOOL",
                    "tool.name": tool,
                    "tool.description": description,
                    "input.value": json.dumps(args),
                    "input.mime_type": "application/json",
                    "output.value": result,
                }
            ),
        },
        {
            "spanId": "d1" * 8,
            "parentSpanId": "a1" * 8,
            "name": "ChatCompletion",
            "attributes": _attrs(
                {
                    "openinference.span.kind": "LLM",
                    "llm.model_name": "m-1",
                    "output.value": "Your refund request is with our team.",
                }
            ),
        },
    ]
    for i, span in enumerate(spans):
        span.update(
            traceId="0af7651916cd43dd8448eb211c80319c",
            startTimeUnixNano=str(T0 + i * 10**9),
            endTimeUnixNano=str(T0 + (i + 1) * 10**9 if i else T0 + 9 * 10**9),
            status={"code": 1},
        )
    doc = {
        "resourceSpans": [
            {
                "resource": {"attributes": _attrs({"service.name": "helpdesk"})},
                "scopeSpans": [{"scope": {"name": "openinference.instrumentation.openai"}, "spans": spans}],
            }
        ]
    }
    path = tmp_path / "helpdesk.otlp.jsonl"
    path.write_text(json.dumps(doc) + "\n")
    return path


@pytest.mark.parametrize("fast", [True])  # (the SQL reader hands such a span to the Python rule)
def test_a_developers_ticket_tool_naming_a_coworker_stays_a_tool_call(tmp_path: Path, fast: bool) -> None:
    path = _trace(
        tmp_path,
        "assign_ticket",
        "Assign a support ticket to a coworker of the help desk.",
        {"task": "refund PO-7", "context": "customer says the box was empty", "coworker": "Dana"},
        "Ticket T-41 assigned to Dana.",
    )
    ws = ingested_whole(path, fast)
    steps = ws.steps(ws.runs().run_id[0])
    called = steps[steps.name == "assign_ticket"]
    assert called[["kind", "agent", "tool"]].values.tolist() == [["tool", "Support", "assign_ticket"]]
    assert "Dana" not in set(steps.agent.dropna())


@pytest.mark.parametrize("fast", [True, False])
def test_a_handoff_tool_outside_llamaindex_stays_a_tool_call(tmp_path: Path, fast: bool) -> None:
    path = _trace(
        tmp_path,
        "handoff",
        "Hand the conversation to a human queue.",
        {"to_agent": "billing-desk", "reason": "refund over the limit"},
        "Queued for billing-desk (position 3).",
    )
    ws = ingested_whole(path, fast)
    steps = ws.steps(ws.runs().run_id[0])
    assert (steps.kind == "handoff").sum() == 0
    called = steps[steps.name == "handoff"]
    assert called[["kind", "agent", "tool"]].values.tolist() == [["tool", "Support", "handoff"]]


@pytest.mark.parametrize("fast", [True])
def test_crewais_own_delegation_tool_is_read_by_its_name_whatever_its_description(
    tmp_path: Path, fast: bool
) -> None:
    """(an older CrewAI spelled it "co-worker"; a prompt file may translate the description)"""
    path = _trace(
        tmp_path,
        "Delegate work to co-worker",
        "Déléguer une tâche à un collègue : Researcher",
        {"task": "price a widget", "context": "a quote", "coworker": "Researcher"},
        "14.20 USD",
    )
    ws = ingested_whole(path, fast)
    steps = ws.steps(ws.runs().run_id[0])
    called = steps[steps.name == "Delegate work to co-worker"]
    assert called[["kind", "agent"]].values.tolist() == [["agent", "Researcher"]]

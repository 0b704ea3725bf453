"""Haystack's own OpenTelemetry tracing, as its OpenTelemetryTracer exports it, for tests (OTLP/JSON).

The shape, from deepset-ai/haystack at c7cb46c0: ``core/pipeline/pipeline.py`` (a ``haystack.pipeline.run`` root),
``core/pipeline/base.py`` ``_create_component_span`` (``haystack.component.run`` per component, tags
``haystack.component.name`` / ``.type`` / ``.fully_qualified_type`` / input and output specs),
``components/agents/agent.py`` (``haystack.agent.run``: ``haystack.agent.max_steps`` / ``.tools`` / ``.exit_conditions``
/ ``.state_schema``, no agent name; content ``haystack.agent.input`` / ``.output``; ``haystack.agent.step`` tagged with
the step's counter; ``haystack.agent.step.llm`` with content ``.input`` / ``.output`` only) and
``components/agents/tool_calling.py`` (``haystack.agent.step.tool``: ``haystack.tool.name`` / ``.description``,
content ``.input`` the call's arguments, ``.output`` the result or ``{"error": str(e)}`` for a caught
ToolInvocationError, the span's status left unset). The tracer itself is haystack-core-integrations at 50a84e94,
``integrations/opentelemetry/.../tracer.py``: ``start_as_current_span`` (the parent is the current span: an Agent
offered to another as a ComponentTool runs its ``haystack.agent.run`` under the tool's span, with no component span
between), tags coerced by ``haystack/tracing/utils.py`` ``coerce_tag_value`` (a dict or list as JSON text). Content
tags are written only with ``HAYSTACK_CONTENT_TRACING_ENABLED=true`` (``tracing/tracer.py``); ChatMessages as
``_to_trace_dict`` gives them (``dataclasses/chat_message.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from _otlp_json import enclosing, otlp_span

T0 = 1_796_160_000_000_000_000
MODEL = "gpt-4o-mini-2024-07-18"


def _value(v: Any) -> dict[str, Any]:
    """An attribute's OTLP value as coerce_tag_value leaves it: a primitive as itself, anything else as JSON text."""
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}
    return {"stringValue": v if isinstance(v, str) else json.dumps(v)}


def _msg(
    role: str, text: str | None = None, calls: list[tuple[str, dict]] = (), **meta: Any
) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"text": text}] if text is not None else []
    content += [
        {"tool_call": {"tool_name": t, "arguments": a, "id": f"call_{t}", "extra": None}} for t, a in calls
    ]
    return {"role": role, "meta": meta, "name": None, "content": content}


def _reply(text: str | None = None, calls: list[tuple[str, dict]] = ()) -> dict[str, Any]:
    usage = {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150}
    return {"replies": [_msg("assistant", text, calls, model=MODEL, finish_reason="stop", usage=usage)]}


def _builder(trace: str, content: bool) -> tuple[list[dict[str, Any]], Callable[..., int]]:
    """The spans of one trace, and ``span(parent, name, tags, said=None)`` adding the next (its number returned): its
    tags as the tracer sets them, the content tags ``said`` only when content tracing is on."""
    spans: list[dict[str, Any]] = []

    def span(parent: int | None, name: str, tags: dict[str, Any], said: dict[str, Any] | None = None) -> int:
        n = len(spans) + 1
        attrs = {**tags, **(said if content and said else {})}
        sp = otlp_span(trace, n, parent, name, {}, T0)
        sp["attributes"] = [{"key": k, "value": _value(v)} for k, v in attrs.items()]
        spans.append(sp)
        return n

    return spans, span


def run(
    trace: str, content: bool = True, tool_error: bool = False, confirm: bool = False
) -> list[dict[str, Any]]:
    """One pipeline run: a ChatPromptBuilder, then the Agent ``planner`` whose tool ``researcher`` is an Agent offered
    as a ComponentTool; the researcher calls ``fetch_price`` (failing with a caught ToolInvocationError when
    ``tool_error``). ``content``: whether content tracing was on. ``confirm``: the planner's call of the researcher
    confirmed by a ConfirmationHook first (``hooks/invocation.py``'s ``haystack.agent.hook`` span, the strategy's
    ``haystack.agent.hook.human_in_the_loop.strategy`` under it: ``hooks/human_in_the_loop/strategies.py``), spans
    16 and 17."""
    spans, span = _builder(trace, content)

    task = "Quote 10 widgets."
    root = span(
        None,
        "haystack.pipeline.run",
        {
            "haystack.pipeline.input_data": {"prompt_builder": {"task": task}},
            "haystack.pipeline.metadata": {},
            "haystack.pipeline.max_runs_per_component": 100,
            "haystack.pipeline.execution_mode": "sync",
        },
    )

    def component(name: str, kind: str) -> dict[str, Any]:
        return {
            "haystack.component.name": name,
            "haystack.component.type": kind,
            "haystack.component.fully_qualified_type": f"haystack.components.{kind}",
            "haystack.component.input_types": {"messages": "list"},
        }

    span(
        root,
        "haystack.component.run",
        component("prompt_builder", "ChatPromptBuilder"),
        {
            "haystack.component.input": {"task": task},
            "haystack.component.output": {"prompt": [_msg("user", task)]},
            "haystack.component.visits": 1,
        },
    )
    planner = span(
        root,
        "haystack.component.run",
        component("planner", "Agent"),
        {"haystack.component.input": {"messages": [_msg("user", task)]}, "haystack.component.visits": 1},
    )

    def agent(parent: int, tools: list[str], asked: str) -> int:
        return span(
            parent,
            "haystack.agent.run",
            {
                "haystack.agent.max_steps": 100,
                "haystack.agent.tools": [{"name": t} for t in tools],
                "haystack.agent.exit_conditions": ["text"],
            },
            {"haystack.agent.input": {"messages": [_msg("user", asked)], "streaming_callback": None}},
        )

    def step(parent: int, counter: int, reply: dict[str, Any]) -> int:
        s = span(parent, "haystack.agent.step", {"haystack.agent.step": counter})
        span(
            s,
            "haystack.agent.step.llm",
            {},
            {"haystack.agent.step.llm.input": {"messages": []}, "haystack.agent.step.llm.output": reply},
        )
        return s

    def tool(parent: int, name: str, args: dict, result: Any) -> int:
        return span(
            parent,
            "haystack.agent.step.tool",
            {"haystack.tool.name": name, "haystack.tool.description": f"The {name} tool."},
            {"haystack.agent.step.tool.input": args, "haystack.agent.step.tool.output": result},
        )

    outer = agent(planner, ["researcher"], task)
    s0 = step(
        outer,
        0,
        _reply(calls=[("researcher", {"messages": [{"role": "user", "text": "price of a widget"}]})]),
    )
    price_error = "Failed to invoke Tool `fetch_price` with parameters {'item': 'widget'}. Error: 503 Service Unavailable"
    answer = "I could not fetch the price." if tool_error else "14.20 USD"
    call = tool(
        s0,
        "researcher",
        {"messages": [{"role": "user", "text": "price of a widget"}]},
        {"messages": [], "last_message": _msg("assistant", answer)},
    )
    inner = agent(call, ["fetch_price"], "price of a widget")
    r0 = step(inner, 0, _reply(calls=[("fetch_price", {"item": "widget"})]))
    tool(r0, "fetch_price", {"item": "widget"}, {"error": price_error} if tool_error else {"price": 14.2})
    step(inner, 1, _reply(answer))
    step(outer, 1, _reply(f"Quote: 10 widgets, {answer}."))
    if confirm:
        hook = span(
            s0,
            "haystack.agent.hook",
            {
                "haystack.agent.hook.point": "before_tool",
                "haystack.agent.hook.name": "ConfirmationHook",
                "haystack.agent.hook.type": "haystack.hooks.ConfirmationHook",
            },
        )
        span(
            hook,
            "haystack.agent.hook.human_in_the_loop.strategy",
            {
                "haystack.tool.name": "researcher",
                "haystack.tool.call.id": "call_researcher",
                "haystack.agent.hook.human_in_the_loop.strategy.type": "haystack.hooks.BlockingConfirmationStrategy",
            },
        )
    return enclosing(spans)


def export(runs: list[list[dict[str, Any]]]) -> dict[str, Any]:
    """The runs' spans as one OTLP/JSON export of service ``quote-desk``, scope ``haystack``."""
    spans = [s for r in runs for s in r]
    resource = {"attributes": [{"key": "service.name", "value": {"stringValue": "quote-desk"}}]}
    return {
        "resourceSpans": [
            {"resource": resource, "scopeSpans": [{"scope": {"name": "haystack"}, "spans": spans}]}
        ]
    }


def alone(trace: str, content: bool = True, under: str | None = None) -> list[dict[str, Any]]:
    """One Agent run alone (``agent.run(messages)``, no pipeline: its ``haystack.agent.run`` the trace's root, as
    haystack's test_agent.py ``test_tracing_span_run_with_tool_call`` lists the spans), with tools ``fetch_price``
    and ``fetch_stock``, both asked by the first reply and run in parallel (Haystack's tool calls of one step run
    in a thread pool, each its own ``haystack.agent.step.tool`` span: ``test_tracing_span_run_with_parallel_tool_calls``):
    ``fetch_price`` (span 4) starts first and ends last, after ``fetch_stock`` (span 5) ended. ``under``: the name
    of a span of the caller's own the run is under (span 8, the trace's root), else none."""
    spans, span = _builder(trace, content)

    task = "Can I have 10 widgets, and at what price?"
    root = span(
        None,
        "haystack.agent.run",
        {
            "haystack.agent.max_steps": 100,
            "haystack.agent.tools": [{"name": "fetch_price"}, {"name": "fetch_stock"}],
            "haystack.agent.exit_conditions": ["text"],
        },
        {"haystack.agent.input": {"messages": [_msg("user", task)], "streaming_callback": None}},
    )
    s0 = span(root, "haystack.agent.step", {"haystack.agent.step": 0})
    calls = [("fetch_price", {"item": "widget"}), ("fetch_stock", {"item": "widget"})]
    span(
        s0,
        "haystack.agent.step.llm",
        {},
        {
            "haystack.agent.step.llm.input": {"messages": []},
            "haystack.agent.step.llm.output": _reply(calls=calls),
        },
    )
    for (name, args), result in zip(calls, ({"price": 14.2}, {"in_stock": 120}), strict=True):
        span(
            s0,
            "haystack.agent.step.tool",
            {"haystack.tool.name": name, "haystack.tool.description": f"The {name} tool."},
            {"haystack.agent.step.tool.input": args, "haystack.agent.step.tool.output": result},
        )
    spans[3]["endTimeUnixNano"] = str(T0 + 5_800_000)  # (fetch_price ends after fetch_stock, 5.5 ms)
    s1 = span(root, "haystack.agent.step", {"haystack.agent.step": 1})
    span(
        s1, "haystack.agent.step.llm", {}, {"haystack.agent.step.llm.output": _reply("Yes: 10 at 14.20 USD.")}
    )
    if under is not None:
        spans[0]["parentSpanId"] = f"{span(None, under, {}):016x}"
        spans[-1]["startTimeUnixNano"] = str(T0)
    return enclosing(spans)

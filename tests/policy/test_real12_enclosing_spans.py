"""Backtest, limits and sweeps on a trace whose root is an application span (kind other) around a Semantic
Kernel group chat (the shape semantic-kernel 1.45 writes inside an app's ``handle_request`` span): the root
and SK's ``AutoFunctionInvocationLoop`` spans enclose other steps, so their latency is known only when those
are done — after the culprit step that comes later in seq order. A breaker or HITL rule on them prevents
nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb

T0 = 1_796_131_000_000_000_000
MS = 1_000_000


def _attr(key: str, value: object) -> dict:
    return {
        "key": key,
        "value": {"intValue": str(value)} if isinstance(value, int) else {"stringValue": value},
    }


def _write(path: Path) -> None:
    spans: list[dict] = []

    def span(
        sid: int, parent: int | None, name: str, start: int, end: int, error: bool = False, **attrs: object
    ) -> None:
        s = {
            "traceId": "2baadd929c9d2463c62a9deaa6446877",
            "spanId": f"{sid:016x}",
            "name": name,
            "kind": "SPAN_KIND_INTERNAL",
            "startTimeUnixNano": str(T0 + start * MS),
            "endTimeUnixNano": str(T0 + end * MS),
            "attributes": [_attr(k, v) for k, v in attrs.items()],
            "status": {"code": "STATUS_CODE_ERROR"} if error else {},
        }
        if parent:
            s["parentSpanId"] = f"{parent:016x}"
        spans.append(s)

    chat = {"gen_ai.operation.name": "chat", "gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o-mini"}
    tool = {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "Inventory-get_stock",
        "gen_ai.tool.call.arguments": '{"sku": "WID-7", "warehouse": "LIS"}',
    }
    span(1, None, "handle_request inventory", 0, 257)
    span(
        2,
        1,
        "invoke_agent analyst",
        2,
        223,
        **{
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": "analyst",
            "gen_ai.output.messages": json.dumps(
                [{"role": "assistant", "content": "WID-7: 120 units in stock at LIS."}]
            ),
        },
    )
    span(3, 2, "AutoFunctionInvocationLoop", 4, 217, **{"sk.available_functions": "Inventory-get_stock"})
    span(4, 3, "chat gpt-4o-mini", 5, 170, **chat)
    span(5, 3, "execute_tool Inventory-get_stock", 171, 176, error=True, **tool)
    span(6, 3, "chat gpt-4o-mini", 177, 180, **chat)
    span(
        7,
        3,
        "execute_tool Inventory-get_stock",
        181,
        190,
        **{**tool, "gen_ai.tool.call.result": '{"sku": "WID-7", "warehouse": "LIS", "units": 120}'},
    )
    span(8, 3, "chat gpt-4o-mini", 191, 195, **chat)
    span(
        9,
        1,
        "invoke_agent writer",
        230,
        250,
        **{
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": "writer",
            "gen_ai.output.messages": json.dumps(
                [{"role": "assistant", "content": "WID-7: 210 units in stock."}]
            ),
        },
    )
    span(10, 9, "AutoFunctionInvocationLoop", 231, 249, **{"sk.available_functions": ""})
    span(11, 10, "chat gpt-4o-mini", 232, 248, **chat)
    doc = {
        "resourceSpans": [
            {
                "resource": {"attributes": [_attr("service.name", "inventory-bot")]},
                "scopeSpans": [{"scope": {"name": "semantic_kernel"}, "spans": spans}],
            }
        ]
    }
    path.write_text(json.dumps(doc) + "\n", encoding="utf-8")


def _store(tmp_path: Path) -> tuple[wb.Workspace, str]:
    path = tmp_path / "sk_inventory.otlp.jsonl"
    _write(path)
    ws = wb.open()
    ws.ingest(path)
    steps = ws.steps("2baadd929c9d2463c62a9deaa6446877")
    writer = steps[(steps.agent == "writer") & (steps.kind == "agent")].step_id.iloc[0]
    ws.label("2baadd929c9d2463c62a9deaa6446877", outcome="failure", agent="writer", step_id=writer)
    return ws, writer


@pytest.fixture(scope="module")
def _built(tmp_path_factory: pytest.TempPathFactory) -> wb.Workspace:
    """The store built once for the module (an ingest and a label); each test reads a copy of its own."""
    return _store(tmp_path_factory.mktemp("real12"))[0]


@pytest.fixture
def ws(_built: wb.Workspace) -> wb.Workspace:
    return _built.copy()


def test_a_step_latency_breaker_on_the_root_span_prevents_nothing(ws: wb.Workspace) -> None:
    # every leaf step ends within 165 ms; only the root (257 ms) and the analyst's loop span (213 ms),
    # which enclose other steps, are longer
    policy = wb.Policy.from_dict(
        {"schema": "workbench.policy/v3", "version": "3", "breakers": {"max_step_latency_ms": 200}}
    )
    report = wb.backtest(policy, ws)
    assert report.summary["prevented"] == 0
    assert report.summary["tool_calls_saved"] == 0


def test_suggested_step_latency_limit_is_a_leaf_steps(ws: wb.Workspace) -> None:
    table = wb.suggest_limits(ws).table.set_index("rule")
    assert table.loc["max_step_latency_ms", "max"] < 200


def test_latency_sweep_catches_the_failure_only_on_a_step_ended_before_it(ws: wb.Workspace) -> None:
    curve = wb.sweep_thresholds(ws, signal="latency_ms").curve
    caught = curve[curve.failures_caught > 0]
    assert caught.threshold.max() < 200

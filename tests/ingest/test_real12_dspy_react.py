"""A DSPy ReAct module traced by openinference-instrumentation-dspy (0.1.48, dspy 3.4): ``ReAct.forward`` (a CHAIN
span) outputs the whole prediction — its ``trajectory`` (``thought_0``, ``tool_name_0``, ``observation_0`` … with
every tool output) beside ``reasoning`` and ``answer``. Its answer is ``answer``."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb
from workbench.detect import detect

T0 = 1_796_131_500_000_000_000
MS = 1_000_000
TRACE = "cae34268af0a7a5950fd09c03fd9ad62"
ANSWER = "1000 EUR = 1,842 USD"
RATE = '{"base": "EUR", "quote": "USD", "rate": 1.0842}'


def _attr(key: str, value: object) -> dict:
    return {"key": key, "value": {"stringValue": value}}


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

    def lm(sid: int, parent: int, start: int, text: str) -> None:
        span(
            sid,
            parent,
            "DummyLM.__call__",
            start,
            start + 1,
            "LLM",
            **{
                "input.value": json.dumps(
                    {"prompt": None, "messages": [{"role": "user", "content": "Convert 1000 EUR to USD."}]}
                ),
                "output.value": json.dumps([text]),
                "llm.model_name": "dummy",
                "llm.output_messages.0.message.role": "assistant",
                "llm.output_messages.0.message.content": text,
            },
        )

    trajectory = {
        "thought_0": "I need the EUR/USD rate.",
        "tool_name_0": "get_rate",
        "tool_args_0": {"base": "EUR", "quote": "USD"},
        "observation_0": RATE,
        "thought_1": "I have the rate.",
        "tool_name_1": "finish",
        "tool_args_1": {},
        "observation_1": "Completed.",
    }
    span(
        1,
        None,
        "ReAct.forward",
        0,
        100,
        "CHAIN",
        **{
            "input.value": json.dumps({"input_args": {"task": "Convert 1000 EUR to USD."}}),
            "output.value": json.dumps(
                {"trajectory": trajectory, "reasoning": "Convert 1000 EUR.", "answer": ANSWER}
            ),
        },
    )
    lm(2, 1, 2, "[[ ## next_thought ## ]]\nI need the EUR/USD rate.\n\n[[ ## next_tool_name ## ]]\nget_rate")
    span(
        3,
        1,
        "get_rate.__call__",
        10,
        12,
        "TOOL",
        **{
            "input.value": json.dumps({"kwargs": {"base": "EUR", "quote": "USD"}}),
            "output.value": json.dumps(RATE),
        },
    )
    lm(4, 1, 20, "[[ ## next_thought ## ]]\nI have the rate.\n\n[[ ## next_tool_name ## ]]\nfinish")
    span(
        5,
        1,
        "ChainOfThought.forward",
        30,
        90,
        "CHAIN",
        **{
            "input.value": json.dumps(
                {"task": "Convert 1000 EUR to USD.", "trajectory": "[[ ## thought_0 ## ]] ..."}
            ),
            "output.value": json.dumps({"reasoning": "Convert 1000 EUR.", "answer": ANSWER}),
        },
    )
    lm(6, 5, 40, f"[[ ## reasoning ## ]]\nConvert 1000 EUR.\n\n[[ ## answer ## ]]\n{ANSWER}")
    doc = {
        "resourceSpans": [
            {
                "resource": {"attributes": [_attr("service.name", "fx-bot")]},
                "scopeSpans": [{"scope": {"name": "openinference.instrumentation.dspy"}, "spans": spans}],
            }
        ]
    }
    path.write_text(json.dumps(doc) + "\n", encoding="utf-8")


def test_react_prediction_output_is_its_answer(tmp_path: Path) -> None:
    path = tmp_path / "dspy_react.otlp.jsonl"
    _write(path)
    ws = wb.open()
    report = ws.ingest(path)
    assert report.read == report.stored == 6
    root = ws.steps(TRACE).set_index("name").loc["ReAct.forward"]
    assert root.output == ANSWER
    assert "observation_0" in str(root.attributes)  # the prediction is kept beside the answer


def test_silent_failure_names_the_made_up_value_and_the_call_that_said_it(tmp_path: Path) -> None:
    path = tmp_path / "dspy_react.otlp.jsonl"
    _write(path)
    ws = wb.open()
    ws.ingest(path)
    f = detect(ws)
    silent = f[f.detector == "silent_failure"]
    assert len(silent) == 1
    detail = silent.detail.iloc[0]
    assert "1,842" in detail
    assert "thought_0" not in detail and "observation_0" not in detail
    origin = json.loads(silent.attributes.iloc[0])["origin_step"]
    assert ws.steps(TRACE).set_index("step_id").loc[origin, "name"] == "DummyLM.__call__"


def test_tool_is_named_as_the_model_called_it(tmp_path: Path) -> None:
    # the span is "get_rate.__call__" with no tool.name: the tool a guard policy would name is get_rate
    path = tmp_path / "dspy_react.otlp.jsonl"
    _write(path)
    ws = wb.open()
    ws.ingest(path)
    tools = ws.steps(TRACE).query("kind == 'tool'")
    assert list(tools.tool) == ["get_rate"]
    assert list(tools.name) == ["get_rate.__call__"]

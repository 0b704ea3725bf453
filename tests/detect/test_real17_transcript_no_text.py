"""silent_failure reads only what a transcript's messages say (real17). A run whose last step outputs a
conversation (AG2's ``conversation user`` root span, real14/real15) whose messages hold no text (tool calls and
their results only) gave its whole JSON as the answer: the numbers of call ids and arguments were taken for
claims the backend did not support, and the run was flagged. Text in a content list of blocks (OpenAI's,
Anthropic's ``[{"type": "text", "text": ...}]``) is what a message says, as a content string is."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import workbench as wb
from workbench.detect import detect

TRACE = "4f539e235485d3717e132e7573106e6c"
T0 = 1_796_160_999_000_000_000
MS = 1_000_000


def _span(n: int, parent: int | None, name: str, start: int, end: int, attrs: dict) -> dict:
    span = {
        "traceId": TRACE,
        "spanId": f"{n:016x}",
        "name": name,
        "kind": "SPAN_KIND_INTERNAL",
        "startTimeUnixNano": str(T0 + start * MS),
        "endTimeUnixNano": str(T0 + end * MS),
        "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()],
        "status": {},
    }
    if parent:
        span["parentSpanId"] = f"{parent:016x}"
    return span


CALLS_ONLY = [
    {"role": "user", "parts": []},
    {
        "role": "assistant",
        "parts": [
            {
                "type": "tool_call",
                "id": "call_7731",
                "name": "get_price",
                "arguments": {"item": "widget", "max_price": 50},
            }
        ],
    },
    {"role": "tool", "parts": []},
    {
        "role": "assistant",
        "parts": [
            {
                "type": "tool_call",
                "id": "call_9904",
                "name": "get_price",
                "arguments": {"item": "gadget", "max_price": 1300},
            }
        ],
    },
]
BLOCKS = [
    {"role": "user", "content": [{"type": "text", "text": "Quote a widget for the customer."}]},
    {"role": "tool", "content": "41.20"},
    {"role": "assistant", "content": [{"type": "text", "text": "Quote: the widget costs 14.20 USD."}]},
]


def _trace(path: Path, transcript: list[dict]) -> Path:
    spans = [
        _span(
            1,
            None,
            "conversation user",
            0,
            100,
            {
                "ag2.span.type": "conversation",
                "gen_ai.operation.name": "conversation",
                "gen_ai.agent.name": "user",
                "gen_ai.input.messages": json.dumps(
                    [
                        {
                            "role": "user",
                            "parts": [{"type": "text", "content": "Quote a widget for the customer."}],
                        }
                    ]
                ),
                "gen_ai.output.messages": json.dumps(transcript),
            },
        ),
        _span(
            2,
            1,
            "invoke_agent researcher",
            2,
            50,
            {
                "ag2.span.type": "agent",
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.agent.name": "researcher",
            },
        ),
        _span(
            3,
            2,
            "execute_tool get_price",
            12,
            13,
            {
                "ag2.span.type": "tool",
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "get_price",
                "gen_ai.tool.call.id": "call_7731",
                "gen_ai.tool.call.arguments": '{"item": "widget"}',
                "gen_ai.tool.call.result": '{"item": "widget", "price": 41.20}',
            },
        ),
    ]
    path.write_text(
        json.dumps(
            {
                "resourceSpans": [
                    {
                        "resource": {"attributes": []},
                        "scopeSpans": [
                            {"scope": {"name": "opentelemetry.instrumentation.ag2"}, "spans": spans}
                        ],
                    }
                ]
            }
        )
        + "\n"
    )
    return path


CASES = {"tool-calls-only": (CALLS_ONLY, False), "content-blocks": (BLOCKS, True)}


@pytest.fixture(scope="module")
def detected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    """Each transcript's run as a trace of its own (its id told apart), in one store detected once (a store and a
    detect a transcript before; suite54): per transcript, its run's findings."""
    folder = tmp_path_factory.mktemp("real17")
    paths = {}
    for n, (name, (transcript, _)) in enumerate(CASES.items()):
        paths[name] = _trace(folder / f"ag2_{name}.otlp.jsonl", transcript)
        paths[name].write_text(paths[name].read_text("utf-8").replace(TRACE, f"{TRACE[:-2]}{n:02x}"), "utf-8")
    ws = wb.open()
    ws.ingest([str(p) for p in paths.values()])
    f = detect(ws)
    out = {}
    for name, path in paths.items():
        ((run,),) = ws.sql("SELECT DISTINCT run_id FROM steps WHERE file = ?", [str(path)]).fetchall()
        out[name] = f[f.run_id == run]
    return out


@pytest.mark.parametrize("case", list(CASES))
def test_only_what_a_transcript_says_is_its_answer(detected: dict[str, pd.DataFrame], case: str) -> None:
    _, flagged = CASES[case]
    f = detected[case]
    silent = f[f.detector == "silent_failure"]
    if not flagged:
        assert silent.empty, list(silent.detail)
        return
    assert len(silent) == 1
    assert "14.20" in silent.iloc[0].detail

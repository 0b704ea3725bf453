"""silent_failure when a run's last step outputs the whole conversation, in the shape ag2 0.14's
``autogen.opentelemetry`` wrote for a real group chat (real14, /work/wt/_notes/real14_out/ag2/): the root span
``conversation user`` (outcome unknown: status unset) outputs every message of the chat, the tool's result
among them; the writer's last message replaced the researcher's 41.20 by 14.20. Read as the answer, the
transcript repeated 41.20, so nothing was flagged (the same run from Langfuse's SDK, whose root span outputs
the writer's reply, was). The answer of a transcript is its last message that says something.
"""

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


def _msgs(*said: tuple[str, str]) -> str:
    return json.dumps([{"role": r, "parts": [{"type": "text", "content": t}] if t else []} for r, t in said])


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


def _agent(name: str, out: str | None = None) -> dict:
    attrs = {"ag2.span.type": "agent", "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": name}
    if out:
        attrs["gen_ai.output.messages"] = out
    return attrs


def _trace(path: Path, quote: str) -> Path:
    ask = json.dumps(
        [
            {
                "role": "assistant",
                "parts": [
                    {
                        "type": "tool_call",
                        "id": "call_1",
                        "name": "get_price",
                        "arguments": {"item": "widget"},
                    }
                ],
            }
        ]
    )
    transcript = _msgs(
        ("assistant", "Quote a widget for the customer."),
        ("tool", "41.20"),
        ("user", "The widget costs 41.20 USD."),
        ("user", quote + " TERMINATE"),
        ("assistant", ""),
    )
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
                "gen_ai.input.messages": _msgs(("user", "Quote a widget for the customer.")),
                "gen_ai.output.messages": transcript,
            },
        ),
        _span(2, 1, "invoke_agent chat_manager", 1, 99, _agent("chat_manager")),
        _span(3, 2, "invoke_agent researcher", 2, 10, _agent("researcher", ask)),
        _span(
            4,
            2,
            "invoke_agent _Group_Tool_Executor",
            11,
            20,
            _agent("_Group_Tool_Executor", _msgs(("tool", "41.20"))),
        ),
        _span(
            5,
            4,
            "execute_tool get_price",
            12,
            13,
            {
                "ag2.span.type": "tool",
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "get_price",
                "gen_ai.tool.call.id": "call_1",
                "gen_ai.tool.call.arguments": '{"item": "widget"}',
                "gen_ai.tool.call.result": "41.20",
            },
        ),
        _span(
            6,
            2,
            "invoke_agent researcher",
            21,
            30,
            _agent("researcher", _msgs(("assistant", "The widget costs 41.20 USD."))),
        ),
        _span(7, 2, "invoke_agent writer", 31, 40, _agent("writer", _msgs(("assistant", quote)))),
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


QUOTES = {
    "replaced": ("Quote for the customer: the widget costs 14.20 USD.", True),
    "grounded": ("Quote for the customer: the widget costs 41.20 USD.", False),
}


@pytest.fixture(scope="module")
def detected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    """Each quote's run as a trace of its own (its id told apart), in one store detected once (a store and a
    detect a quote before; suite54): per quote, its run's findings."""
    folder = tmp_path_factory.mktemp("real15")
    paths = {}
    for n, (name, (quote, _)) in enumerate(QUOTES.items()):
        paths[name] = _trace(folder / f"ag2_{name}.otlp.jsonl", quote)
        paths[name].write_text(paths[name].read_text("utf-8").replace(TRACE, f"{TRACE[:-2]}{n:02x}"), "utf-8")
    ws = wb.open()
    ws.ingest([str(p) for p in paths.values()])
    f = detect(ws)
    out = {}
    for name, path in paths.items():
        ((run,),) = ws.sql("SELECT DISTINCT run_id FROM steps WHERE file = ?", [str(path)]).fetchall()
        out[name] = f[f.run_id == run]
    return out


@pytest.mark.parametrize("case", list(QUOTES))
def test_a_transcripts_answer_is_its_last_message(detected: dict[str, pd.DataFrame], case: str) -> None:
    _, flagged = QUOTES[case]
    f = detected[case]
    silent = f[f.detector == "silent_failure"]
    if not flagged:
        assert silent.empty
        return
    assert len(silent) == 1
    row = silent.iloc[0]
    assert (row.severity, row.agent) == ("warning", "writer")
    assert "the final answer 14.20 (" in row.detail

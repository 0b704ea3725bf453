"""The SQL path looks for a convention's key only in blocks where some span has it, and still hands back
every span that needs the Python reader: one odd span among common ones is found wherever it sits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_otlp_fast import kv, line, snapshot, span

from workbench.ingest import _otlp_sql

# One span of each kind the statement only looks for where the block's keys (or a span's kind or events) say
# it may be: each must go back to the Python reader, as it did when every span was searched.
RARE = {
    101: (kv("gen_ai.operation.name", "invoke_agent"), kv("executor.type", "agent")),  # a framework shape key
    102: (
        kv("gen_ai.operation.name", "chat"),
        kv("metadata", '{"langgraph_node": "n"}'),
    ),  # LangGraph metadata
    103: (
        kv("openinference.span.kind", "LLM"),
        kv("llm.input_messages.0.message.role", "user"),
        kv("llm.input_messages.0.message.content", "hi"),
    ),  # flattened messages
    104: (
        kv("gen_ai.operation.name", "execute_tool"),
        kv("gen_ai.tool.name", "t"),
        kv("gen_ai.tool.call.result", '{"tool_call_id": "c1", "content": "x"}'),
    ),  # a ToolMessage
    105: (kv("gen_ai.operation.name", "invoke_agent"), kv("gen_ai.agent.name", "0f" * 16)),  # an id as a name
}


def _common(n: int) -> dict:
    kind = n % 3
    if kind == 0:
        return span(n, kv("gen_ai.operation.name", "invoke_agent"), kv("gen_ai.agent.name", f"agent{n % 4}"))
    if kind == 1:
        return span(
            n,
            kv("gen_ai.operation.name", "chat"),
            kv("gen_ai.request.model", "gpt-4o"),
            kv("gen_ai.usage.input_tokens", 10 + n),
            kv("gen_ai.usage.output_tokens", 3),
        )
    return span(
        n,
        kv("gen_ai.operation.name", "execute_tool"),
        kv("gen_ai.tool.name", "lookup"),
        kv("gen_ai.tool.call.arguments", json.dumps({"q": n})),
    )


def _lines() -> list[str]:
    odd = [span(n, *attrs) for n, attrs in RARE.items()]
    # an exception recorded on a span whose status says no error (events are only looked at where a span has some)
    odd.append(
        span(
            106,
            kv("gen_ai.operation.name", "chat"),
            events=[{"name": "exception", "attributes": [kv("exception.message", "boom")]}],
        )
    )
    out = []
    for k in range(12):
        spans = [_common(20 * k + i) for i in range(1, 15)]
        if k % 2:  # the odd spans spread over every other line, among common ones
            spans.insert(k % 5, odd.pop())
        out.append(line(*spans))
    assert not odd
    return out


@pytest.fixture
def handed_back(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, Any]]:
    """(line, spans) of each call of the Python reader from the SQL path."""
    calls: list[tuple[int, Any]] = []
    real = _otlp_sql.stage_line

    def spy(text: bytes, n: int, ctx: Any, only: Any = None) -> None:
        calls.append((n, only))
        real(text, n, ctx, only)

    monkeypatch.setattr(_otlp_sql, "stage_line", spy)
    return calls


def test_each_odd_span_among_common_ones_goes_to_the_python_reader(
    tmp_path: Path, handed_back: list[tuple[int, Any]]
) -> None:
    path = tmp_path / "mixed.jsonl"
    texts = _lines()
    path.write_text("\n".join(texts) + "\n")
    fast = snapshot(path, True)
    spans_of = {
        n: [s["spanId"] for s in json.loads(t)["resourceSpans"][0]["scopeSpans"][0]["spans"]]
        for n, t in enumerate(texts, start=1)
    }
    back = sorted(int(spans_of[n][pi - 1], 16) for n, only in handed_back for _, _, pi in only)
    assert back == [101, 102, 103, 104, 105, 106]
    assert all(only is not None for _, only in handed_back)  # spans, never a whole line
    slow = snapshot(path, False)
    assert fast == slow
    assert len(fast[0]) == 12 * 14 + 6 and not fast[2]


def test_a_block_without_the_conventions_keys_hands_nothing_back(
    tmp_path: Path, handed_back: list[tuple[int, Any]]
) -> None:
    path = tmp_path / "common.jsonl"
    path.write_text("\n".join(line(*[_common(20 * k + i) for i in range(1, 15)]) for k in range(6)) + "\n")
    fast = snapshot(path, True)
    assert handed_back == []
    assert fast == snapshot(path, False)
    by = {s["step_id"]: s for s in fast[0]}
    assert by[f"{22:016x}"]["tokens_in"] == 32 and by[f"{22:016x}"]["model"] == "gpt-4o"
    assert by[f"{21:016x}"]["agent"] == "agent1" and by[f"{23:016x}"]["tool"] == "lookup"

"""attack27: the tool a chat span names (OpenLIT's ``gen_ai.tool.name``, the call its reply asks for) is no tool
call of the model step (real26), but it is what the model asked for: it stays among the step's attributes, in
both OTLP readers alike. real26's change took it out of the tool column and kept it nowhere (the value left
the store; ``attributes`` had ``gen_ai.tool.call.id`` beside no name)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _deep import deep

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

FIXTURE = Path(__file__).parent / "fixtures" / "openlit" / "openai_agents_as_tools.otlp.jsonl"


def _read(monkeypatch: pytest.MonkeyPatch, fast: bool, path: Path) -> wb.Workspace:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", fast)
    ws = wb.open()
    ws.ingest(path, progress=False)
    return ws


# (the checked-in fixture by the SQL reader: both readers store the same rows for it, test_reader24_agreement.py,
# and the test below reads such spans by both; by the Python reader too with WORKBENCH_DEEP_TESTS=1)
@pytest.mark.parametrize(
    "fast", [True, False] if deep() else [True], ids=["sql", "python"][: 2 if deep() else 1]
)
def test_the_tool_a_chat_span_asks_for_stays_an_attribute(
    monkeypatch: pytest.MonkeyPatch, fast: bool
) -> None:
    ws = _read(monkeypatch, fast, FIXTURE)
    asked = [
        json.loads(a).get("gen_ai.tool.name")
        for (a,) in ws.sql(
            "SELECT attributes FROM steps WHERE kind = 'llm' AND attributes LIKE '%gen_ai.tool.name%'"
        ).fetchall()
    ]
    assert sorted(asked) == ["lookup_price", "research_price", "write_report"], asked
    assert ws.sql("SELECT count(*) FROM steps WHERE kind = 'llm' AND tool IS NOT NULL").fetchall() == [(0,)]


def _kv(key: str, value: str) -> dict:
    return {"key": key, "value": {"stringValue": value}}


def test_both_readers_store_the_same_attributes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    spans = [
        {
            "traceId": "a" * 32,
            "spanId": f"{i:016x}",
            "name": name,
            "startTimeUnixNano": str(1767225600000000000 + i),
            "endTimeUnixNano": str(1767225600000000500 + i),
            "status": {},
            "attributes": attrs,
        }
        for i, (name, attrs) in enumerate(
            [
                (
                    "chat gpt",
                    [
                        _kv("gen_ai.operation.name", "chat"),
                        _kv("gen_ai.tool.name", "search"),
                        _kv("gen_ai.tool.call.id", "c1"),
                    ],
                ),
                ("chat", [_kv("tool.name", "calc"), _kv("openinference.span.kind", "LLM"), _kv("x", "1")]),
                (
                    "chat two",
                    [
                        _kv("gen_ai.operation.name", "chat"),
                        _kv("tool.name", "b"),
                        _kv("gen_ai.tool.name", "a"),
                    ],
                ),
                (
                    "execute_tool search",
                    [_kv("gen_ai.operation.name", "execute_tool"), _kv("gen_ai.tool.name", "search")],
                ),
            ],
            start=1,
        )
    ]
    path = tmp_path / "t.jsonl"
    path.write_text(
        json.dumps(
            {
                "resourceSpans": [
                    {"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": "t"}, "spans": spans}]}
                ]
            }
        )
        + "\n"
    )
    query = "SELECT step_id, kind, tool, attributes FROM steps ORDER BY step_id"
    sql, py = (_read(monkeypatch, fast, path).sql(query).fetchall() for fast in (True, False))
    assert sql == py
    assert [json.loads(a) for (_, _, _, a) in sql[:3]] == [
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.tool.name": "search",
            "gen_ai.tool.call.id": "c1",
            "otel.scope.name": "t",
        },
        {"tool.name": "calc", "openinference.span.kind": "LLM", "x": "1", "otel.scope.name": "t"},
        {"gen_ai.operation.name": "chat", "tool.name": "b", "gen_ai.tool.name": "a", "otel.scope.name": "t"},
    ]
    assert sql[3][1:3] == ("tool", "search") and "gen_ai.tool.name" not in sql[3][3]

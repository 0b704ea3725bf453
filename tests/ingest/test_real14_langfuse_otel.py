"""The Langfuse SDK's OpenTelemetry spans (Python SDK v3+), in the shape langfuse 5.2.0 wrote them on a real run
(real14, /work/wt/_notes/real14_out/langfuse_otel/langfuse_quote.otlp.jsonl: ``@observe(as_type=agent / tool /
chain)`` and the ``langfuse.openai`` client). Before, every span was kind ``other`` with no text, and no finding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _otel_fixtures import ingested_by

import workbench as wb

TRACE = "085102f50624af4a2dddbbc8f841d14f"


def _obs(kind: str, inp: object, out: object | None = None, **extra: str) -> dict:
    attrs = {"langfuse.observation.type": kind, "langfuse.observation.input": json.dumps(inp), **extra}
    if out is not None:  # the SDK writes a returned string as it is, anything else as JSON
        attrs["langfuse.observation.output"] = out if isinstance(out, str) else json.dumps(out)
    return attrs


def _gen(system: str, reply: dict, n: int) -> dict:
    return _obs(
        "generation",
        {
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": "go"}],
            "tools": [{"type": "function", "function": {"name": "get_price"}}],
        },
        {"role": "assistant", **reply},
        **{
            "langfuse.observation.model.name": "gpt-4o-mini-2024-07-18",
            "langfuse.observation.usage_details": json.dumps(
                {
                    "completion_tokens": 12,
                    "prompt_tokens": 50 + n,
                    "total_tokens": 62 + n,
                    "prompt_tokens_details": None,
                }
            ),
        },
    )


def quote() -> dict:
    call = {
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_price", "arguments": '{"item": "widget"}'},
            }
        ],
        "content": None,
    }
    tool_in = {"args": [], "kwargs": {"item": "widget"}}
    rows = [
        (
            "a1",
            None,
            "quote_workflow",
            {
                **_obs("chain", {"args": ["Quote a widget"], "kwargs": {}}, "The widget costs 14.20 USD."),
                "langfuse.internal.is_app_root": "true",
            },
            None,
        ),
        (
            "a2",
            "a1",
            "researcher",
            _obs(
                "agent", {"args": ["What does a widget cost?"], "kwargs": {}}, "The widget costs 41.20 USD."
            ),
            None,
        ),
        ("b1", "a2", "OpenAI-generation", _gen("Look up prices.", call, 1), None),
        (
            "b2",
            "a2",
            "get_price",
            _obs(
                "tool",
                tool_in,
                **{"langfuse.observation.level": "ERROR", "langfuse.observation.status_message": "timed out"},
            ),
            "timed out",
        ),
        ("b3", "a2", "get_price", _obs("tool", tool_in, "41.20"), None),
        (
            "b4",
            "a2",
            "OpenAI-generation",
            _gen("Look up prices.", {"content": "The widget costs 41.20 USD."}, 2),
            None,
        ),
        (
            "a3",
            "a1",
            "writer",
            _obs("agent", {"args": ["Notes: 41.20 USD"], "kwargs": {}}, "The widget costs 14.20 USD."),
            None,
        ),
        (
            "b5",
            "a3",
            "OpenAI-generation",
            _gen("Write the quote.", {"content": "The widget costs 14.20 USD."}, 3),
            None,
        ),
    ]
    spans = []
    for i, (sid, parent, name, attrs, error) in enumerate(rows):
        sp = {
            "traceId": TRACE,
            "spanId": "00000000000000" + sid,
            "name": name,
            "kind": 1,
            "startTimeUnixNano": str(1796160000000000000 + i * 1_000_000),
            "endTimeUnixNano": str(1796160000000000000 + i * 1_000_000 + 500_000),
            "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()],
            "status": {"code": 2, "message": error} if error else {},
        }
        if parent:
            sp["parentSpanId"] = "00000000000000" + parent
        spans.append(sp)
    for sp in reversed(spans):  # an enclosing span ends after the last of its children
        kids = [int(c["endTimeUnixNano"]) for c in spans if c.get("parentSpanId") == sp["spanId"]]
        if kids:
            sp["endTimeUnixNano"] = str(max(kids) + 100_000)
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": []},
                "scopeSpans": [{"scope": {"name": "langfuse-sdk", "version": "5.2.0"}, "spans": spans}],
            }
        ]
    }


# One reader, the chosen one (``fast`` None): both readers store the same rows for the file, compared by
# tests/ingest/conftest.py as each test here ends (WRITERS), so each test's assertions hold for both.
@pytest.fixture()
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> wb.Workspace:
    return ingested_by(None, monkeypatch, tmp_path / "langfuse.otlp.jsonl", quote(), 8)


def test_langfuse_otel_observations_read_as_steps(ws: wb.Workspace) -> None:
    rows = ws.sql(
        "SELECT step_id, kind, agent, tool, status, model, tokens_in, input, output FROM steps"
    ).fetchall()
    s = {r[0][-2:]: r[1:] for r in rows}
    assert s["a1"][:2] == ("chain", None) and s["a1"][6] == "Quote a widget"
    assert s["a2"][:2] == ("agent", "researcher") and s["a3"][:2] == ("agent", "writer")
    assert s["b2"][:4] == ("tool", "researcher", "get_price", "error")
    assert s["b3"][6:] == ('{"item":"widget"}', "41.20")  # a returned string stays text
    assert s["b5"][:2] == ("llm", "writer") and s["b5"][4:6] == ("gpt-4o-mini-2024-07-18", 53)
    assert json.loads(s["b5"][6])[0] == {"role": "system", "content": "Write the quote."}
    assert json.loads(s["b5"][7])["content"] == "The widget costs 14.20 USD."


def test_langfuse_otel_findings_name_the_writer(ws: wb.Workspace) -> None:
    f = wb.detect(ws)
    assert list(f[f.detector == "retry"].agent) == ["researcher"]
    silent = f[f.detector == "silent_failure"]
    assert list(silent.agent) == ["writer"] and "14.20" in silent.detail.iloc[0]

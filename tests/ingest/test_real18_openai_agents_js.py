"""OpenAI Agents JS (``@openai/agents`` 0.20.0) through @arizeai/openinference-instrumentation-openai-agents 0.2.15,
in the shape the OTel JS SDK wrote on a real run (real18, /work/wt/_notes/real18_out/oai_agents_quote.otlp.jsonl:
researcher and writer run one after the other in ``withTrace("quote-workflow")``). The processor opens the trace
with a root span typed AGENT that also carries ``llm.system`` and the first model input and the last output, so
"nothing but its kind" (the Python processor's workflow span) did not hold: the trace was read as an agent
"quote-workflow" that handed work to both agents (a third agent; a cascade through it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

TRACE = "11971ebad0f5a4c533e145e5ba07c2b2"
SCOPE = "@arizeai/openinference-instrumentation-openai-agents"
R_SYS, W_SYS = "You are the researcher. Find the price with get_price.", "You are the writer."


def _io(inp: object = None, out: object = None) -> dict:
    attrs = {}
    if inp is not None:
        attrs |= {
            "input.value": inp if isinstance(inp, str) else json.dumps(inp),
            "input.mime_type": "application/json",
        }
    if out is not None:
        attrs |= {
            "output.value": out if isinstance(out, str) else json.dumps(out),
            "output.mime_type": "application/json",
        }
    return attrs


def _gen(system: str, user: str, n: int, reply: dict) -> dict:
    msgs = [{"content": system, "role": "system"}, {"role": "user", "content": user}]
    attrs = {
        "openinference.span.kind": "LLM",
        "llm.system": "openai",
        "llm.model_name": "gpt-4o-mini",
        **_io(
            msgs,
            [
                {
                    "id": f"chatcmpl-{n}",
                    "object": "chat.completion",
                    "created": 1764600000 + n,
                    "choices": [{"index": 0, "message": {"role": "assistant", **reply}}],
                    "usage": {"prompt_tokens": 50 + 10 * n},
                }
            ],
        ),
        "llm.token_count.prompt": 50 + 10 * n,
        "llm.token_count.completion": 12,
    }
    for i, m in enumerate(msgs):
        attrs |= {
            f"llm.input_messages.{i}.message.role": m["role"],
            f"llm.input_messages.{i}.message.content": m["content"],
        }
    attrs["llm.output_messages.0.message.role"] = "assistant"
    if "content" in reply:
        attrs["llm.output_messages.0.message.content"] = reply["content"]
    for i, call in enumerate(reply.get("tool_calls", [])):
        p = f"llm.output_messages.0.message.tool_calls.{i}.tool_call."
        attrs |= {
            p + "id": call,
            p + "function.name": "get_price",
            p + "function.arguments": '{"item":"widget"}',
        }
    return attrs


def _tool(out: str) -> dict:
    return {
        "openinference.span.kind": "TOOL",
        "llm.system": "openai",
        "tool.name": "get_price",
        **_io('{"item":"widget"}', out),
    }


def _kind(kind: str, **attrs: str) -> dict:
    return {"openinference.span.kind": kind, "llm.system": "openai", **attrs}


FAILED = 'Error running tool (non-fatal): {"tool_name":"get_price","error":"Tool execution failed. Error details are redacted."}'


def quote(root_attrs: dict | None = None, scope: str = SCOPE) -> dict:
    rows = [  # (span id, parent, name, attributes, error)
        (
            "a0",
            None,
            "quote-workflow",
            root_attrs
            if root_attrs is not None
            else _kind(
                "AGENT",
                **_io(
                    [{"content": R_SYS, "role": "system"}, {"role": "user", "content": "What does it cost?"}],
                    "Quote for the customer: the widget costs 14.20 USD.",
                ),
            ),
            None,
        ),
        ("a1", "a0", "Agent workflow", _kind("CHAIN"), None),
        ("a2", "a1", "researcher", _kind("AGENT", **{"graph.node.id": "researcher"}), None),
        ("c1", "a2", "turn", _kind("CHAIN"), None),
        ("b1", "c1", "generation", _gen(R_SYS, "What does it cost?", 0, {"tool_calls": ["call_1"]}), None),
        (
            "b2",
            "c1",
            "get_price",
            _tool("An error occurred while running the tool. Please try again."),
            FAILED,
        ),
        ("c2", "a2", "turn", _kind("CHAIN"), None),
        ("b3", "c2", "generation", _gen(R_SYS, "What does it cost?", 1, {"tool_calls": ["call_2"]}), None),
        ("b4", "c2", "get_price", _tool("41.20"), None),
        ("c3", "a2", "turn", _kind("CHAIN"), None),
        (
            "b5",
            "c3",
            "generation",
            _gen(R_SYS, "What does it cost?", 2, {"content": "The widget costs 41.20 USD."}),
            None,
        ),
        ("a3", "a0", "Agent workflow", _kind("CHAIN"), None),
        ("a4", "a3", "writer", _kind("AGENT", **{"graph.node.id": "writer"}), None),
        ("c4", "a4", "turn", _kind("CHAIN"), None),
        (
            "b6",
            "c4",
            "generation",
            _gen(
                W_SYS,
                "Research: The widget costs 41.20 USD.",
                3,
                {"content": "Quote for the customer: the widget costs 14.20 USD."},
            ),
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
            "startTimeUnixNano": str(1796183021800000000 + i * 1_000_000),
            "endTimeUnixNano": str(1796183021800000000 + i * 1_000_000 + 500_000),
            "attributes": [
                {"key": k, "value": {"intValue": v} if isinstance(v, int) else {"stringValue": v}}
                for k, v in attrs.items()
            ],
            "droppedAttributesCount": 0,
            "events": [],
            "droppedEventsCount": 0,
            "status": {"code": 2, "message": error} if error else {"code": 1},
            "links": [],
            "droppedLinksCount": 0,
        }
        if error:
            sp["events"] = [
                {
                    "attributes": [{"key": "exception.message", "value": {"stringValue": error}}],
                    "name": "exception",
                    "timeUnixNano": sp["endTimeUnixNano"],
                    "droppedAttributesCount": 0,
                }
            ]
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
                "resource": {
                    "attributes": [
                        {"key": "service.name", "value": {"stringValue": "quote-app"}},
                        {"key": "telemetry.sdk.language", "value": {"stringValue": "nodejs"}},
                    ],
                    "droppedAttributesCount": 0,
                },
                "scopeSpans": [{"scope": {"name": scope, "version": "0.2.15"}, "spans": spans}],
            }
        ]
    }


def _ingest(tmp_path: Path, doc: dict) -> wb.Workspace:
    path = tmp_path / "oai_agents.otlp.jsonl"
    path.write_text(json.dumps(doc) + "\n")
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored, rep.quarantined) == (15, 15, 0)
    return ws


# One reader, the chosen one (None): both readers store the same rows for each file the tests here write, compared
# by tests/ingest/conftest.py as each test ends (WRITERS), so each test's assertions hold for both.
@pytest.fixture()
def fast(monkeypatch: pytest.MonkeyPatch) -> bool | None:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", None)
    return None


def test_openai_agents_js_trace_span_is_no_agent(fast: bool, tmp_path: Path) -> None:
    ws = _ingest(tmp_path, quote())
    s = {r[0][-2:]: r[1:] for r in ws.sql("SELECT step_id, kind, agent, tool, status FROM steps").fetchall()}
    assert s["a0"][:2] == ("chain", None) and s["a1"][:2] == ("chain", None)
    assert s["a2"][:2] == ("agent", "researcher") and s["a4"][:2] == ("agent", "writer")
    assert s["b2"] == ("tool", "researcher", "get_price", "error")
    assert sorted(set(ws.sql("SELECT agent FROM steps WHERE agent IS NOT NULL").fetchall())) == [
        ("researcher",),
        ("writer",),
    ]
    f = wb.detect(ws)
    assert list(f[f.detector == "retry"].agent) == ["researcher"]
    silent = f[f.detector == "silent_failure"]
    assert list(silent.agent) == ["writer"] and "14.20" in silent.detail.iloc[0]
    assert "quote-workflow" not in set(f.agent.dropna())


def test_a_root_agent_of_another_instrumentation_stays_an_agent(fast: bool, tmp_path: Path) -> None:
    # The same span from an app's own tracer (Phoenix's @tracer.agent writes kind and text, nothing else)
    ws = _ingest(tmp_path, quote(scope="openinference.instrumentation"))
    assert ws.sql("SELECT kind, agent FROM steps WHERE name = 'quote-workflow'").fetchall() == [
        ("agent", "quote-workflow")
    ]


def test_a_root_naming_its_agent_stays_that_agent(fast: bool, tmp_path: Path) -> None:
    ws = _ingest(tmp_path, quote(root_attrs=_kind("AGENT", **{"graph.node.id": "planner"})))
    assert ws.sql("SELECT kind, agent FROM steps WHERE name = 'quote-workflow'").fetchall() == [
        ("agent", "planner")
    ]

"""Mastra's spans (@mastra/core 1.71.0, @mastra/observability 1.17.9, @mastra/otel-exporter 1.4.0), in the shape
a real run wrote (real18, /work/wt/_notes/real18_out/mastra_quote.otlp.jsonl: a workflow whose steps run the
researcher (get_price fails once) and the writer). Mastra writes the GenAI keys for agents, model requests and
tools, and for its other spans an operation of its own with the text in ``mastra.<type>.input`` / ``.output``:
before, the agents', workflow's and steps' text was unread (input and output empty), those steps kind ``other``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _otel_fixtures import ingested_by

import workbench as wb

TRACE = "0329f125281e02df76c045b07ce57cfb"


def _span(kind: str, op: str, inp: object = None, out: object = None, **attrs: object) -> dict:
    a = {"gen_ai.operation.name": op, "mastra.span.type": kind, **attrs}
    for key, value in ((f"mastra.{kind}.input", inp), (f"mastra.{kind}.output", out)):
        if value is not None:  # a string as Mastra was given it, anything else JSON
            a[key] = value if isinstance(value, str) else json.dumps(value)
    return a


def _chat(agent: str, text: str, n: int) -> dict:
    return {
        "gen_ai.operation.name": "chat",
        "mastra.span.type": "model_inference",
        "gen_ai.output.messages": json.dumps(
            [{"role": "assistant", "parts": [{"type": "text", "content": text}]}]
        ),
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.usage.input_tokens": 50 + 10 * n,
        "gen_ai.usage.output_tokens": 12,
        "gen_ai.agent.id": agent,
        "gen_ai.agent.name": agent,
    }


def _tool(result: str | None) -> dict:
    attrs = {
        "gen_ai.operation.name": "execute_tool",
        "mastra.span.type": "tool_call",
        "gen_ai.tool.call.arguments": '{"item":"widget"}',
        "gen_ai.tool.name": "get_price",
    }
    if result is None:
        return attrs | {"error.type": "unknown", "error.message": "price service timed out"}
    return attrs | {"gen_ai.tool.call.result": result}


def _agent(name: str, inp: str, text: str) -> dict:
    return _span(
        "agent_run",
        "invoke_agent",
        inp,
        {"text": text, "files": []},
        **{"gen_ai.agent.id": name, "gen_ai.agent.name": name},
    )


QUOTE = "Quote for the customer: the widget costs 14.20 USD."


def quote() -> dict:
    r_msgs = [{"role": "system", "content": "You are the researcher."}, {"role": "user", "content": "Price?"}]
    call = {
        "text": "",
        "toolCalls": [{"toolCallId": "call_1", "toolName": "get_price", "args": {"item": "widget"}}],
    }
    rows = [  # (span id, parent, name, attributes, error)
        (
            "a0",
            None,
            "invoke_workflow quote-workflow",
            _span(
                "workflow_run",
                "invoke_workflow",
                {"question": "Price?"},
                {"quote": QUOTE},
                **{"mastra.workflow_run.status": "success"},
            ),
            None,
        ),
        (
            "a1",
            "a0",
            "workflow_step research",
            _span(
                "workflow_step",
                "workflow_step",
                {"question": "Price?"},
                {"notes": "The widget costs 41.20 USD."},
            ),
            None,
        ),
        (
            "a2",
            "a1",
            "invoke_agent researcher",
            _agent("researcher", "Price?", "The widget costs 41.20 USD."),
            None,
        ),
        (
            "a3",
            "a2",
            "model_generation gpt-4o-mini",
            _span(
                "model_generation",
                "model_generation",
                {"messages": r_msgs},
                {"text": "The widget costs 41.20 USD.", "files": [], "warnings": []},
            ),
            None,
        ),
        ("b1", "a3", "agent_step researcher", _span("model_step", "agent_step", r_msgs, call), None),
        ("b2", "b1", "chat gpt-4o-mini", _chat("researcher", "", 0), None),
        (
            "b3",
            "b2",
            "model_chunk researcher",
            _span("model_chunk", "model_chunk", None, {"toolName": "get_price", "toolCallId": "call_1"}),
            None,
        ),
        ("b4", "b1", "execute_tool get_price", _tool(None), "price service timed out"),
        ("b5", "a3", "agent_step researcher", _span("model_step", "agent_step", r_msgs, call), None),
        ("b6", "b5", "execute_tool get_price", _tool("41.20"), None),
        (
            "b7",
            "a3",
            "agent_step researcher",
            _span(
                "model_step", "agent_step", r_msgs, {"text": "The widget costs 41.20 USD.", "toolCalls": []}
            ),
            None,
        ),
        ("b8", "b7", "chat gpt-4o-mini", _chat("researcher", "The widget costs 41.20 USD.", 2), None),
        (
            "c1",
            "a0",
            "workflow_step write",
            _span(
                "workflow_step", "workflow_step", {"notes": "The widget costs 41.20 USD."}, {"quote": QUOTE}
            ),
            None,
        ),
        (
            "c2",
            "c1",
            "invoke_agent writer",
            _agent("writer", "Research: The widget costs 41.20 USD.", QUOTE),
            None,
        ),
        (
            "c3",
            "c2",
            "agent_step writer",
            _span(
                "model_step",
                "agent_step",
                [{"role": "user", "content": "Research"}],
                {"text": QUOTE, "toolCalls": []},
            ),
            None,
        ),
        ("c4", "c3", "chat gpt-4o-mini", _chat("writer", QUOTE, 3), None),
        ("c5", "c4", "model_chunk writer", _span("model_chunk", "model_chunk", None, {"text": QUOTE}), None),
    ]
    spans = []
    for i, (sid, parent, name, attrs, error) in enumerate(rows):
        sp = {
            "traceId": TRACE,
            "spanId": "00000000000000" + sid,
            "name": name,
            "kind": 3 if "chat" in name else 1,
            "startTimeUnixNano": str(1796183900000000000 + i * 1_000_000),
            "endTimeUnixNano": str(1796183900000000000 + i * 1_000_000 + 500_000),
            "attributes": [
                {"key": k, "value": {"intValue": v} if isinstance(v, int) else {"stringValue": v}}
                for k, v in attrs.items()
            ],
            "status": {"code": 2, "message": error} if error else {"code": 1},
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
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "quote-app"}}]},
                "scopeSpans": [
                    {"scope": {"name": "@mastra/otel-exporter", "version": "1.4.0"}, "spans": spans}
                ],
            }
        ]
    }


# One reader, the chosen one (``fast`` None): both readers store the same rows for the file, compared by
# tests/ingest/conftest.py as each test here ends (WRITERS), so each test's assertions hold for both.
@pytest.fixture()
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> wb.Workspace:
    return ingested_by(None, monkeypatch, tmp_path / "mastra.otlp.jsonl", quote(), 17)


def test_mastra_text_read(ws: wb.Workspace) -> None:
    s = {
        r[0][-2:]: r[1:]
        for r in ws.sql("SELECT step_id, kind, agent, tool, status, input, output FROM steps").fetchall()
    }
    assert s["a0"][:2] == ("chain", None) and json.loads(s["a0"][5]) == {"quote": QUOTE}
    assert s["a1"][0] == "chain" and json.loads(s["a1"][4]) == {"question": "Price?"}
    assert s["a2"][:2] == ("agent", "researcher") and s["a2"][4:] == ("Price?", "The widget costs 41.20 USD.")
    assert s["c2"][:2] == ("agent", "writer") and s["c2"][5] == QUOTE  # the answer, not {"text", "files"}
    assert s["a3"][0] == "chain" and s["a3"][5] == "The widget costs 41.20 USD."
    assert s["b1"][0] == "chain" and json.loads(s["b1"][5])["toolCalls"][0]["toolName"] == "get_price"
    assert s["b4"][:4] == ("tool", "researcher", "get_price", "error")
    # a streamed chunk is a piece of its model call: no text of its own
    assert s["c5"][0] == "chain" and s["c5"][5] is None


def test_mastra_findings_name_the_writer_at_its_model_call(ws: wb.Workspace) -> None:
    f = wb.detect(ws)
    assert list(f[f.detector == "retry"].agent) == ["researcher"]
    silent = f[f.detector == "silent_failure"]
    assert list(silent.agent) == ["writer"] and "14.20" in silent.detail.iloc[0]
    assert "00000000000000c5" not in silent.detail.iloc[0]  # (not the chunk)


def test_mastra_result_placeholders_and_sub_agent_results() -> None:
    """What is read as the tool results a Mastra step's preview stands for (real56), and as a sub-agent's answer;
    what is left as written."""
    from workbench.ingest._mastra import subagent_result
    from workbench.ingest._mastra_inputs import filled

    def msgs(*tool_contents: str) -> str:
        out = [{"role": "user", "content": "Price 10 widgets."}]
        for c in tool_contents:
            out += [{"role": "assistant", "content": "[tool: t]"}, {"role": "tool", "content": c}]
        return json.dumps(out)

    price = {"tool": "get_price", "text": "widget: 14.20 USD each"}
    ship = {"tool": "get_shipping", "text": "carrier: 25.00 USD"}
    tools = lambda text: [m["content"] for m in json.loads(text) if m["role"] == "tool"]  # noqa: E731
    # one placeholder a step; two calls of one step in one message; the last messages are the loop's own
    given = filled(
        msgs("[tool-result: get_price]", "[tool-result: get_price][tool-result: get_shipping]"),
        [[price], [price, ship]],
    )
    assert tools(given) == [price["text"], f"{price['text']}\n{ship['text']}"]
    # an earlier conversation's message (memory) before the loop's: left as written
    assert tools(
        filled(msgs("[tool-result: get_price]", "[tool-result: get_price]"), [[ship | {"tool": "get_price"}]])
    ) == [
        "[tool-result: get_price]",
        ship["text"],
    ]
    for kept in (
        (msgs("[tool-result: get_price]"), [[ship]]),  # another tool than the step called
        (msgs("[tool-result: get_price] and more"), [[price]]),  # not only placeholders
        (msgs("the tool's own text"), [[price]]),  # a result the tool shaped (a sub-agent's)
        (msgs("[tool-result: get_price]"), [[price | {"text": None}]]),  # a call with no output nor error
        (msgs("[tool-result: get_price]"), []),  # no earlier call
        ("[tool-result: get_price]", [[price]]),  # not a message list
    ):
        assert filled(*kept) is None, kept
    result = {
        "text": "Shipping: 25.00 USD.",
        "subAgentThreadId": "t1",
        "subAgentResourceId": "r1",
        "subAgentToolResults": [],
    }
    assert subagent_result(json.dumps(result)) == "Shipping: 25.00 USD."
    assert subagent_result(json.dumps({**result, "other": 1})) is None
    assert subagent_result(json.dumps({"text": "Shipping: 25.00 USD."})) is None
    assert subagent_result("Shipping: 25.00 USD.") is None

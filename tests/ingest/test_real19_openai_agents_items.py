"""The OpenAI Agents SDK's own trace items (a TracingProcessor writing each trace's / span's ``export()``), in
the shape openai-agents 0.24.0 (Python) and @openai/agents 0.20.0 (JS) wrote them for the quote scenario
(real19: /work/wt/_notes/real19_out/oai_agents_py_*.native.jsonl; real18_out/oai_agents_quote.native.jsonl).
The researcher's get_price fails once (the SDK's redacted error), then returns 41.20; the writer quotes 14.20.
Before: "not in any known format"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb

TRACE = "trace_9847425bcd1b48a89974322f825e096a"
SYSTEM_R = {"content": "You are the researcher. Find the price with get_price.", "role": "system"}
ASK = {"role": "user", "content": "What does the widget cost?"}


def _call(cid: str, name: str = "get_price") -> dict:
    return {"id": cid, "function": {"arguments": '{"item": "widget"}', "name": name}, "type": "function"}


def _py_reply(content: str | None, calls: list | None = None) -> dict:
    # the Python SDK's generation output: the assistant message, every field written, most of them null
    return {
        "content": content,
        "refusal": None,
        "role": "assistant",
        "annotations": None,
        "audio": None,
        "function_call": None,
        "tool_calls": calls,
    }


def _span(sid: str, parent: str | None, data: dict, second: int, error: dict | None = None) -> dict:
    return {
        "object": "trace.span",
        "id": f"span_{sid}",
        "trace_id": TRACE,
        "parent_id": f"span_{parent}" if parent else None,
        "started_at": f"2026-12-02T04:44:{second:02d}.100000+00:00",
        "ended_at": f"2026-12-02T04:44:{second:02d}.200000+00:00",
        "span_data": data,
        "error": error,
    }


def _generation(inp: list, out: list, tokens_in: int | None) -> dict:
    data = {
        "type": "generation",
        "input": inp,
        "output": out,
        "model": "gpt-4o-mini",
        "model_config": {"temperature": None, "base_url": "http://127.0.0.1:1/v1/"},
    }
    if tokens_in is not None:
        data["usage"] = {
            "requests": 1,
            "input_tokens": tokens_in,
            "output_tokens": 12,
            "total_tokens": tokens_in + 12,
        }
    return data


def items() -> list[dict]:
    """The spans as the SDK ends them (children first), then the trace."""
    turn = {
        "type": "custom",
        "name": "turn",
        "data": {"sdk_span_type": "turn", "turn": 1, "agent_name": "researcher"},
    }
    failed = {
        "message": "Error running tool (non-fatal)",
        "data": {"tool_name": "get_price", "error": "Tool execution failed. Error details are redacted."},
    }
    # the JS SDK writes the whole chat.completion response as a generation's output (its usage inside)
    js_reply = {
        "id": "chatcmpl-3",
        "object": "chat.completion",
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "Quote for the customer: the widget costs 14.20 USD.",
                },
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 80, "completion_tokens": 12, "total_tokens": 92},
    }
    return [
        _span("g1", "t1", _generation([SYSTEM_R, ASK], [_py_reply(None, [_call("call_1")])], 50), 1),
        _span(
            "f1",
            "t1",
            {
                "type": "function",
                "name": "get_price",
                "input": '{"item": "widget"}',
                "output": "An error occurred while running the tool. Please try again.",
                "mcp_data": None,
            },
            2,
            error=failed,
        ),
        _span("t1", "a1", turn, 1),
        _span(
            "f2",
            "a1",
            {
                "type": "function",
                "name": "get_price",
                "input": '{"item": "widget"}',
                "output": "41.20",
                "mcp_data": None,
            },
            3,
        ),
        _span("g2", "a1", _generation([SYSTEM_R, ASK], [_py_reply("The widget costs 41.20 USD.")], 70), 4),
        _span("h1", "a1", {"type": "handoff", "from_agent": "researcher", "to_agent": "writer"}, 5),
        _span(
            "a1",
            "root",
            {
                "type": "agent",
                "name": "researcher",
                "handoffs": ["writer"],
                "tools": ["get_price"],
                "output_type": "str",
            },
            1,
        ),
        _span(
            "g3",
            "a2",
            _generation(
                [{"role": "user", "content": "Research: The widget costs 41.20 USD."}], [js_reply], None
            ),
            6,
        ),
        _span(
            "a2",
            "root",
            {"type": "agent", "name": "writer", "handoffs": [], "tools": [], "output_type": "str"},
            6,
        ),
        _span(
            "root",
            None,
            {"type": "custom", "name": "task", "data": {"sdk_span_type": "task", "name": "Agent workflow"}},
            1,
        ),
        {
            "object": "trace",
            "id": TRACE,
            "workflow_name": "quote-workflow",
            "group_id": None,
            "metadata": None,
        },
    ]


def _jsonl(path: Path, records: list) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _steps(ws: wb.Workspace) -> dict:
    return {
        r[0]: r[1:]
        for r in ws.sql(
            "SELECT step_id, run_id, parent_id, kind, agent, tool, status, error, input, output, model, tokens_in, "
            "tokens_out FROM steps"
        ).fetchall()
    }


def test_processor_lines_are_read(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "agents_trace.jsonl", items())
    ws = wb.open()
    rep = ws.ingest(path)  # sniffed
    assert (rep.read, rep.stored, rep.quarantined) == (10, 10, 0)  # spans; the trace item is the run's facts
    s = _steps(ws)
    assert {v[0] for v in s.values()} == {TRACE}
    assert s["span_a1"][1:4] == ("span_root", "agent", "researcher")
    assert s["span_root"][2:4] == ("chain", None)
    fail, ok = s["span_f1"], s["span_f2"]
    assert fail[1:6] == ("span_t1", "tool", "researcher", "get_price", "error")
    assert fail[6] == "Error running tool (non-fatal): Tool execution failed. Error details are redacted."
    assert ok[2:] == (
        "tool",
        "researcher",
        "get_price",
        "ok",
        None,
        '{"item":"widget"}',
        "41.20",
        None,
        None,
        None,
    )
    g1, g3 = s["span_g1"], s["span_g3"]
    assert g1[2:4] == ("llm", "researcher") and g1[-3:] == ("gpt-4o-mini", 50, 12)
    assert json.loads(g1[7]) == [SYSTEM_R, ASK]
    assert json.loads(g1[8]) == [{"role": "assistant", "tool_calls": [_call("call_1")]}]  # nulls dropped
    assert g3[2:4] == ("llm", "writer") and g3[-2:] == (80, 12)  # tokens from the chat.completion's usage
    assert json.loads(g3[8]) == [
        {"role": "assistant", "content": "Quote for the customer: the widget costs 14.20 USD."}
    ]
    assert s["span_h1"][2:4] == ("handoff", "researcher")
    run = ws.sql("SELECT system, attributes FROM runs").fetchall()
    assert run[0][0] == "openai-agents" and json.loads(run[0][1]) == {"workflow_name": "quote-workflow"}
    f = wb.detect(ws)
    assert list(f[f.detector == "retry"].agent) == ["researcher"]
    silent = f[f.detector == "silent_failure"]
    assert list(zip(silent.agent, silent.severity, strict=True)) == [
        ("writer", "critical")
    ]  # 14.20: no tool said it
    again = ws.ingest(path)
    assert (again.read, again.stored, again.quarantined, again.added) == (
        10,
        10,
        0,
        0,
    )  # repeats, nothing new
    assert ws.sql("SELECT count(*) FROM steps").fetchall() == [(10,)]


@pytest.mark.parametrize("shape", ["list", "posted"])
def test_a_list_or_the_exporter_body_by_format(tmp_path: Path, shape: str) -> None:
    recs = items()
    path = tmp_path / "export.txt"
    path.write_text(json.dumps(recs if shape == "list" else {"data": recs}, indent=2))
    ws = wb.open()
    rep = ws.ingest(path, format="openai-agents")
    assert (rep.read, rep.stored, rep.quarantined) == (10, 10, 0)
    assert ws.sql("SELECT count(DISTINCT agent) FROM steps WHERE agent IS NOT NULL").fetchall() == [(2,)]


def test_bad_items_cost_only_themselves(tmp_path: Path) -> None:
    recs = items()
    no_id = dict(recs[3], id=None)  # the successful get_price call
    no_data = {"object": "trace.span", "id": "span_x", "trace_id": TRACE, "span_data": "generation"}
    path = tmp_path / "agents_trace.jsonl"
    path.write_text(
        "".join(json.dumps(r) + "\n" for r in recs[:3])
        + json.dumps(no_id)
        + '\n{"object": "trace.sp\n'
        + json.dumps(no_data)
        + "\n"
        + "".join(json.dumps(r) + "\n" for r in recs[4:])
    )
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored, rep.quarantined) == (12, 9, 3)
    q = ws.sql("SELECT file, line, reason FROM quarantine ORDER BY line").fetchall()
    assert [line for _, line, _ in q] == [4, 5, 6]
    assert all(file.endswith("agents_trace.jsonl") for file, _, _ in q)
    assert "span id" in q[0][2] and "JSON" in q[1][2] and "span_data" in q[2][2]


def test_the_other_span_types(tmp_path: Path) -> None:
    """Responses API requests, guardrails, MCP tool listings, an app's custom span, a failed agent run and a
    type this reader does not know (a later SDK's): each one step, of its kind."""
    spans = [
        _span(
            "resp",
            "ag",
            {"type": "response", "response_id": "resp_1", "usage": {"input_tokens": 9, "output_tokens": 3}},
            1,
        ),
        _span("guard", "ag", {"type": "guardrail", "name": "no_pii", "triggered": True}, 2),
        _span("mcp", "ag", {"type": "mcp_tools", "server": "prices", "result": ["get_price"]}, 3),
        _span("app", "ag", {"type": "custom", "name": "lookup", "data": {"q": "widget"}}, 4),
        dict(_span("new", "ag", {"type": "future_kind", "name": "later"}, 5), metadata={"team": "sales"}),
        _span(
            "ag",
            None,
            {"type": "agent", "name": "triage", "handoffs": [], "tools": [], "output_type": "str"},
            1,
            error={"message": "Max turns exceeded", "data": {"max_turns": 3}},
        ),
    ]
    ws = wb.open()
    rep = ws.ingest(_jsonl(tmp_path / "types.jsonl", spans))
    assert (rep.read, rep.stored, rep.quarantined) == (6, 6, 0)
    s = {
        r[0]: r[1:]
        for r in ws.sql(
            "SELECT step_id, kind, agent, name, status, error, output, tokens_in, tokens_out FROM steps"
        ).fetchall()
    }
    assert s["span_ag"][:5] == ("agent", "triage", "triage", "error", 'Max turns exceeded: {"max_turns":3}')
    assert s["span_resp"][:2] == ("llm", "triage") and s["span_resp"][-2:] == (9, 3)
    assert s["span_guard"][:2] == ("system", "triage") and json.loads(s["span_guard"][5]) == {
        "triggered": True
    }
    assert s["span_mcp"][:3] == ("chain", "triage", "mcp list tools prices")
    assert s["span_app"][:3] == ("chain", "triage", "lookup")
    assert s["span_new"][:3] == ("other", "triage", "later")
    meta = ws.sql("SELECT attributes FROM steps WHERE step_id = 'span_new'").fetchall()[0][0]
    assert json.loads(meta)["openai_agents.metadata"] == {"team": "sales"}

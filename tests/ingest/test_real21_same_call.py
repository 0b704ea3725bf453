"""One model call written as two LLM steps, read as one (real21).

Google ADK 2.x with its legacy telemetry schema pinned (``ADK_TELEMETRY_SCHEMA_VERSION_OPT_IN=1``; real20,
/work/wt/_notes/real20_out/adk_v1.otlp.jsonl) writes each model call twice: ``call_llm`` (the messages, the
tokens) and under it ``generate_content`` (the same tokens, no messages). Before: 8 LLM steps for 4 calls,
the tokens summed twice, the log-only verdict on the wrong agent. The rule (store/sql/same_call_llm.sql) names no framework: an LLM step whose only LLM
child is the same call (same model, same input tokens or only one holding the text) is one LLM step.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

TRACE = "fc3069e01a249b4f15b3ae0c381704e5"
QUOTE = "Quote for the customer: the widget costs 14.20 USD."
FAILURE = {"response_type": "ERROR_HANDLED_BY_REFLECT_AND_RETRY_PLUGIN", "error_type": "TimeoutError",
           "error_details": "price service timed out", "retry_count": 1}


def _content(role: str, *parts: dict) -> dict:
    return {"parts": list(parts), "role": role}


def _call(n: int) -> dict:
    return {"function_call": {"id": f"call_{n}", "args": {"item": "widget"}, "name": "get_price"}}


def _reply(n: int) -> dict:
    return {"function_response": {"id": f"call_{n}", "name": "get_price",
                                  "response": FAILURE if n == 1 else {"result": "41.20"}}}


def _call_llm(agent: str, contents: list, answer: dict, n: int) -> dict:
    request = {"model": "openai/gpt-4o-mini", "config": {"system_instruction": f"You are the {agent}."},
               "contents": contents}
    response = {"model_version": "gpt-4o-mini-2024-07-18", "content": _content("model", answer),
                "finish_reason": "STOP"}
    return {"gen_ai.system": "gcp.vertex.agent", "gen_ai.request.model": "openai/gpt-4o-mini",
            "gcp.vertex.agent.event_id": f"ev-{n}", "gcp.vertex.agent.llm_request": json.dumps(request),
            "gcp.vertex.agent.llm_response": json.dumps(response),
            "gen_ai.usage.input_tokens": 50 + 10 * n, "gen_ai.usage.output_tokens": 12}


def _generate(agent: str, n: int, tokens_in: int | None = None, text: str | None = None) -> dict:
    """ADK 2.x's span of the same call, under call_llm: tokens, no content (unless text: a client's span)."""
    content = {} if text is None else {
        "gen_ai.input.messages": json.dumps([{"role": "user", "parts": [{"type": "text", "content": "Price?"}]}]),
        "gen_ai.output.messages": json.dumps([{"role": "assistant", "parts": [{"type": "text", "content": text}]}])}
    return content | {"gen_ai.system": "openai", "gen_ai.operation.name": "generate_content",
            "gen_ai.request.model": "openai/gpt-4o-mini", "gen_ai.agent.name": agent,
            "gcp.vertex.agent.event_id": f"ev-{n}", "gen_ai.usage.input_tokens": tokens_in or 50 + 10 * n,
            "gen_ai.usage.output_tokens": 12}


def _tool(n: int) -> dict:
    return {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_price", "gen_ai.agent.name": "researcher",
            "gen_ai.tool.call.id": f"call_{n}", "gcp.vertex.agent.llm_request": "{}",
            "gcp.vertex.agent.llm_response": "{}", "gcp.vertex.agent.tool_call_args": '{"item": "widget"}',
            "gcp.vertex.agent.tool_response": json.dumps(FAILURE if n == 1 else {"result": "41.20"})}


def _agent(name: str) -> dict:
    return {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": name}


def rows() -> list:
    user = _content("user", {"text": "What does the widget cost? Write the customer quote."})
    r2 = [user, _content("model", _call(1)), _content("user", _reply(1))]
    r3 = r2 + [_content("model", _call(2)), _content("user", _reply(2))]
    notes = _content("model", {"text": "The widget costs 41.20 USD."})
    return [  # (span id, parent, name, attributes) as ADK 2.13 wrote them with the legacy schema pinned
        ("a0", None, "invocation", {}),
        ("a1", "a0", "invoke_agent quote_pipeline", _agent("quote_pipeline")),
        ("a2", "a1", "invoke_agent researcher", _agent("researcher")),
        ("b1", "a2", "call_llm", _call_llm("researcher", [user], _call(1), 0)),
        ("d1", "b1", "generate_content openai/gpt-4o-mini", _generate("researcher", 0)),
        ("b2", "a2", "execute_tool get_price", _tool(1)),
        ("b3", "a2", "call_llm", _call_llm("researcher", r2, _call(2), 1)),
        ("d3", "b3", "generate_content openai/gpt-4o-mini", _generate("researcher", 1)),
        ("b4", "a2", "execute_tool get_price", _tool(2)),
        ("b5", "a2", "call_llm", _call_llm("researcher", r3, {"text": "The widget costs 41.20 USD."}, 2)),
        ("d5", "b5", "generate_content openai/gpt-4o-mini", _generate("researcher", 2)),
        ("c1", "a1", "invoke_agent writer", _agent("writer")),
        ("c2", "c1", "call_llm", _call_llm("writer", [user, notes], {"text": QUOTE}, 3)),
        ("d2", "c2", "generate_content openai/gpt-4o-mini", _generate("writer", 3)),
    ]


def trace(spans_rows: list) -> dict:
    spans = []
    for i, (sid, parent, name, attrs) in enumerate(spans_rows):
        start = 1796183900000000000 + i * 1_000_000
        if sid.startswith("d"):  # (the client's span runs inside the call's)
            start = 1796183900000000000 + (i - 1) * 1_000_000 + 100_000
        sp = {"traceId": TRACE, "spanId": "00000000000000" + sid, "name": name, "kind": 1,
              "startTimeUnixNano": str(start), "endTimeUnixNano": str(start + 300_000),
              "attributes": [{"key": k, "value": {"intValue": str(v)} if isinstance(v, int) else {"stringValue": v}}
                             for k, v in attrs.items()],
              "status": {}}
        if parent:
            sp["parentSpanId"] = "00000000000000" + parent
        spans.append(sp)
    return {"resourceSpans": [{"resource": {"attributes": []},
                               "scopeSpans": [{"scope": {"name": "gcp.vertex.agent", "version": "2.13.0"},
                                               "spans": spans}]}]}


def _open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast: bool, spans_rows: list) -> tuple:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", fast)
    path = tmp_path / "adk.otlp.jsonl"
    path.write_text(json.dumps(trace(spans_rows)) + "\n")
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored, rep.quarantined) == (len(spans_rows),) * 2 + (0,)
    return ws, rep


def _steps(ws: wb.Workspace) -> dict:
    return {r[0][-2:]: r[1:] for r in ws.sql(
        "SELECT step_id, kind, agent, input IS NOT NULL, output IS NOT NULL, tokens_in, tokens_out, attributes "
        "FROM steps").fetchall()}


@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_real21_call_written_twice_is_one_llm_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    fast: bool) -> None:
    ws, rep = _open(tmp_path, monkeypatch, fast, rows())
    s = _steps(ws)
    assert sorted(k for k, v in s.items() if v[0] == "llm") == ["b1", "b3", "b5", "c2"]
    assert ws.sql("SELECT sum(tokens_in), sum(tokens_out) FROM steps").fetchall() == [(260, 48)]
    assert s["c2"][:6] == ("llm", "writer", True, True, 80, 12)
    for child, parent in [("d1", "b1"), ("d3", "b3"), ("d5", "b5"), ("d2", "c2")]:
        assert child not in s  # (stored once, as its parent)
        assert json.loads(s[parent][6])["workbench.same_call_span"].endswith(child)
    assert len(s) == 10 and any("written twice" in n for n in rep.notes)
    f = wb.detect(ws)
    assert list(f[f.detector == "retry"].agent) == ["researcher"]
    silent = f[f.detector == "silent_failure"]
    assert list(silent.agent) == ["writer"] and "14.20" in silent.detail.iloc[0]
    # ingested again: the same steps, nothing new nor in conflict
    again = ws.ingest(tmp_path / "adk.otlp.jsonl")
    assert (again.added, again.quarantined) == (0, 0)


@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_real21_two_calls_stay_two(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast: bool) -> None:
    base = rows()
    two_children = [*base, ("e1", "b1", "generate_content openai/gpt-4o-mini", _generate("researcher", 0))]
    s = _steps(_open(tmp_path, monkeypatch, fast, two_children)[0])
    assert (s["b1"][0], s["d1"][0], s["e1"][0]) == ("llm", "llm", "llm")  # (a step that made two calls)
    other_tokens = [r if r[0] != "d3" else ("d3", "b3", r[2], _generate("researcher", 1, tokens_in=999))
                    for r in base]
    s = _steps(_open(tmp_path, monkeypatch, fast, other_tokens)[0])
    assert (s["b3"][0], s["d3"][0], s["d3"][4]) == ("llm", "llm", 999)  # (other tokens, the text on the parent: another call)
    assert "d1" not in s


@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_real21_wrapper_without_text_takes_the_clients(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        fast: bool) -> None:
    wrapped = [("a0", None, "invoke_agent writer", _agent("writer")),
               ("c2", "a0", "call_llm", {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini"}),
               ("d2", "c2", "chat gpt-4o-mini", _generate("writer", 3, text=QUOTE)),
               ("f2", "d2", "POST", {"http.request.method": "POST"})]
    ws, _ = _open(tmp_path, monkeypatch, fast, wrapped)
    s = _steps(ws)
    # (the client's own children hang under the step it is now)
    assert ws.sql("SELECT parent_id FROM steps WHERE step_id LIKE '%f2'").fetchall()[0][0].endswith("c2")
    assert s["c2"][:6] == ("llm", "writer", True, True, 80, 12) and "d2" not in s
    assert QUOTE in ws.sql("SELECT output FROM steps WHERE kind = 'llm'").fetchall()[0][0]

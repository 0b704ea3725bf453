"""One model call written as two LLM steps, read as one (real21's rule, narrowed in real22).

Google ADK 2.x with its legacy telemetry schema pinned (``ADK_TELEMETRY_SCHEMA_VERSION_OPT_IN=1``) writes each
model call twice: ``call_llm`` (the messages, the tokens) and under it ``generate_content <model>`` (the same model,
the same tokens, the same ``gcp.vertex.agent.event_id``, no messages). Before: 8 LLM steps for 4 calls, the tokens
summed twice. ``fixtures/adk/adk213_legacy_quote.otlp.jsonl`` is a real run's export, untrimmed (google-adk 2.13.0,
litellm 1.110.2, opentelemetry-sdk 1.44.0; real22: a SequentialAgent researcher -> writer on LiteLlm against a
scripted OpenAI-compatible server on loopback; ReflectAndRetryToolPlugin hands get_price's timeout back; the writer
quotes 14.20 for 41.20). The rule (store/sql/same_call_llm.sql) needs the model on both spans, both token counts
equal and no ADK event id telling them apart: real21's broader rule (models unnamed or equal input tokens) also
merged two nested chat spans with no model (tests/ingest/test_otlp_js_objects.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _deep import deep

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

TRACE = "fc3069e01a249b4f15b3ae0c381704e5"
FIXTURE = Path(__file__).parent / "fixtures" / "adk" / "adk213_legacy_quote.otlp.jsonl"
QUOTE = "Quote for the customer: the widget costs 14.20 USD."
FAILURE = {
    "response_type": "ERROR_HANDLED_BY_REFLECT_AND_RETRY_PLUGIN",
    "error_type": "TimeoutError",
    "error_details": "price service timed out",
    "retry_count": 1,
}


def _content(role: str, *parts: dict) -> dict:
    return {"parts": list(parts), "role": role}


def _call(n: int) -> dict:
    return {"function_call": {"id": f"call_{n}", "args": {"item": "widget"}, "name": "get_price"}}


def _reply(n: int) -> dict:
    return {
        "function_response": {
            "id": f"call_{n}",
            "name": "get_price",
            "response": FAILURE if n == 1 else {"result": "41.20"},
        }
    }


def _call_llm(agent: str, contents: list, answer: dict, n: int) -> dict:
    request = {
        "model": "openai/gpt-4o-mini",
        "config": {"system_instruction": f"You are the {agent}."},
        "contents": contents,
    }
    response = {
        "model_version": "gpt-4o-mini-2024-07-18",
        "content": _content("model", answer),
        "finish_reason": "STOP",
    }
    return {
        "gen_ai.system": "gcp.vertex.agent",
        "gen_ai.request.model": "openai/gpt-4o-mini",
        "gcp.vertex.agent.event_id": f"ev-{n}",
        "gcp.vertex.agent.llm_request": json.dumps(request),
        "gcp.vertex.agent.llm_response": json.dumps(response),
        "gen_ai.usage.input_tokens": 50 + 10 * n,
        "gen_ai.usage.output_tokens": 12,
    }


def _generate(agent: str, n: int, **over: object) -> dict:
    """ADK 2.x's span of the same call, under call_llm: the same model, tokens and event id, no content."""
    attrs = {
        "gen_ai.system": "openai",
        "gen_ai.operation.name": "generate_content",
        "gen_ai.request.model": "openai/gpt-4o-mini",
        "gen_ai.agent.name": agent,
        "gcp.vertex.agent.event_id": f"ev-{n}",
        "gen_ai.usage.input_tokens": 50 + 10 * n,
        "gen_ai.usage.output_tokens": 12,
    }
    attrs.update(over)
    return {k: v for k, v in attrs.items() if v is not None}


def _tool(n: int) -> dict:
    return {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "get_price",
        "gen_ai.agent.name": "researcher",
        "gen_ai.tool.call.id": f"call_{n}",
        "gcp.vertex.agent.llm_request": "{}",
        "gcp.vertex.agent.llm_response": "{}",
        "gcp.vertex.agent.tool_call_args": '{"item": "widget"}',
        "gcp.vertex.agent.tool_response": json.dumps(FAILURE if n == 1 else {"result": "41.20"}),
    }


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


def trace(spans_rows: list, trace_id: str = TRACE) -> dict:
    spans = []
    for i, (sid, parent, name, attrs) in enumerate(spans_rows):
        start = 1796183900000000000 + i * 1_000_000
        if sid.startswith("d"):  # (the client's span runs inside the call's)
            start = 1796183900000000000 + (i - 1) * 1_000_000 + 100_000
        sp = {
            "traceId": trace_id,
            "spanId": "00000000000000" + sid,
            "name": name,
            "kind": 1,
            "startTimeUnixNano": str(start),
            "endTimeUnixNano": str(start + 300_000),
            "attributes": [
                {"key": k, "value": {"intValue": str(v)} if isinstance(v, int) else {"stringValue": v}}
                for k, v in attrs.items()
            ],
            "status": {},
        }
        if parent:
            sp["parentSpanId"] = "00000000000000" + parent
        spans.append(sp)
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": []},
                "scopeSpans": [{"scope": {"name": "gcp.vertex.agent", "version": "2.13.0"}, "spans": spans}],
            }
        ]
    }


def _open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast: bool, spans_rows: list) -> tuple:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", fast)
    path = tmp_path / "adk.otlp.jsonl"
    path.write_text(json.dumps(trace(spans_rows)) + "\n")
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored, rep.quarantined) == (len(spans_rows),) * 2 + (0,)
    return ws, rep


def _steps(ws: wb.Workspace) -> dict:
    return {
        r[0][-2:]: r[1:]
        for r in ws.sql(
            "SELECT step_id, kind, agent, input IS NOT NULL, output IS NOT NULL, tokens_in, tokens_out, attributes "
            "FROM steps"
        ).fetchall()
    }


def _all_steps(ws: wb.Workspace) -> list[tuple]:
    """Every column of every step, the attributes as parsed JSON (their text's key order aside)."""
    return [
        (*r[:-1], json.loads(r[-1]) if r[-1] else r[-1])
        for r in ws.sql(
            "SELECT * EXCLUDE (attributes), attributes FROM steps ORDER BY run_id, step_id"
        ).fetchall()
    ]


def test_real22_adk_call_written_twice_is_one_llm_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (by each reader in turn; the findings once, of the SQL reader's store, which the Python reader's is row for
    # row: asserted below)
    stored = []
    for fast in (True, False):
        ws, rep = _open(tmp_path, monkeypatch, fast, rows())
        s = _steps(ws)
        assert sorted(k for k, v in s.items() if v[0] == "llm") == [
            "b1",
            "b3",
            "b5",
            "c2",
        ], fast  # old code: 8 LLM steps
        assert ws.sql("SELECT sum(tokens_in), sum(tokens_out) FROM steps").fetchall() == [(260, 48)], fast
        assert s["c2"][:6] == ("llm", "writer", True, True, 80, 12), fast
        for child, parent in [("d1", "b1"), ("d3", "b3"), ("d5", "b5"), ("d2", "c2")]:
            assert child not in s, fast  # (stored once, as its parent)
            assert json.loads(s[parent][6])["workbench.same_call_span"].endswith(child), fast
        assert len(s) == 10 and any("written twice" in n for n in rep.notes), fast
        stored.append(_all_steps(ws))
        if fast:
            f = wb.detect(ws)
            assert list(f[f.detector == "retry"].agent) == ["researcher"]
            silent = f[f.detector == "silent_failure"]
            assert list(silent.agent) == ["writer"] and "14.20" in silent.detail.iloc[0]
        # ingested again: the same steps, nothing new nor in conflict
        again = ws.ingest(tmp_path / "adk.otlp.jsonl")
        assert (again.added, again.quarantined) == (0, 0), fast
    assert stored[1] == stored[0], "the Python reader's steps differ from the SQL reader's"


APART = {
    "event": {"gcp.vertex.agent.event_id": "ev-other"},  # another event
    "tokens": {"gen_ai.usage.input_tokens": 999},  # other tokens
    "no-output-tokens": {"gen_ai.usage.output_tokens": None},  # only the input tokens given (and equal)
    "no-model": {"gen_ai.request.model": None},  # no model on the child
    "other-model": {"gen_ai.request.model": "openai/gpt-4o"},  # another model
}


@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_real22_what_tells_two_calls_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast: bool
) -> None:
    # (each difference in a trace of its own, all in one file: one read a reader, not one a difference)
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", fast)
    path = tmp_path / "adk.otlp.jsonl"
    with path.open("w") as out:
        for n, child in enumerate(APART.values()):
            spans = [
                r if r[0] != "d3" else ("d3", "b3", r[2], _generate("researcher", 1, **child)) for r in rows()
            ]
            out.write(json.dumps(trace(spans, f"{n + 1:032x}")) + "\n")
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored, rep.quarantined) == (len(rows()) * len(APART),) * 2 + (0,)
    for n, what in enumerate(APART):
        s = {
            step[-2:]: kind
            for step, kind in ws.sql(
                "SELECT step_id, kind FROM steps WHERE run_id = ?", [f"{n + 1:032x}"]
            ).fetchall()
        }
        assert (s["b3"], s["d3"]) == ("llm", "llm"), what  # two steps, as written
        assert "d1" not in s and "d5" not in s, what  # (the other pairs still merge)


@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_real22_two_children_and_unnamed_chats_stay_two(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast: bool
) -> None:
    two_children = [*rows(), ("e1", "b1", "generate_content openai/gpt-4o-mini", _generate("researcher", 0))]
    s = _steps(_open(tmp_path, monkeypatch, fast, two_children)[0])
    assert (s["b1"][0], s["d1"][0], s["e1"][0]) == ("llm", "llm", "llm")  # (a step that made two calls)
    # two nested chat spans naming no model, equal input tokens (test_otlp_js_objects' shape): real21's rule
    # merged them
    chat = {"gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 120}
    s = _steps(
        _open(tmp_path, monkeypatch, fast, [("c1", None, "chat 1", chat), ("c2", "c1", "chat 2", chat)])[0]
    )
    assert (s["c1"][0], s["c2"][0]) == ("llm", "llm")


# (the checked-in fixture by the SQL reader: both readers store the same rows for it, test_reader24_agreement.py;
# by the Python reader too with WORKBENCH_DEEP_TESTS=1)
@pytest.mark.parametrize(
    "fast", [True, False] if deep() else [True], ids=["sql", "python"][: 2 if deep() else 1]
)
def test_real22_real_adk_legacy_export(monkeypatch: pytest.MonkeyPatch, fast: bool) -> None:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", fast)
    ws = wb.open()
    rep = ws.ingest(FIXTURE, progress=False)
    assert (rep.read, rep.stored, rep.quarantined) == (14, 14, 0)
    llm = ws.sql(
        "SELECT name, agent, input IS NOT NULL, output IS NOT NULL, tokens_in FROM steps "
        "WHERE kind = 'llm' ORDER BY started_at"
    ).fetchall()
    # four model calls (the scripted server answered three to the researcher, one to the writer); old code: 8
    assert [(n, a, i, o) for n, a, i, o, _ in llm] == [("call_llm", "researcher", True, True)] * 3 + [
        ("call_llm", "writer", True, True)
    ]
    assert [t for *_, t in llm] == [140, 150, 160, 170]
    assert ws.sql("SELECT count(*) FROM steps WHERE name LIKE 'generate_content%'").fetchall() == [(0,)]
    f = wb.detect(ws)
    assert list(f[f.detector == "silent_failure"].agent) == ["writer"]
    assert list(f[f.detector == "retry"].agent) == ["researcher"]

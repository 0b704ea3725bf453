"""Tool calls a trace holds only in its chat messages, and CrewAI's tool failure row (real38).

Before: a CrewAI crew traced by OpenLLMetry (``opentelemetry-instrumentation-crewai`` with the OpenAI
instrumentation; real35's fixtures, real runs) had no tool step at all: the calls are the model's requests in one
``openai.chat`` span's output and the results ``tool`` messages in the next one's input, so the backend's
``get_price`` record (14.20 USD) was in no step. And under CrewAI's own tracing a failed call was two error steps,
its ``call tool`` span and the ``tool failure`` policy row beside it (kind chain, status error).
Now each call no span traced is a tool step (one per call id, its agent the caller, its result the following tool
message); a call a span traced is never staged again; the failure row is no error of its own.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest._call_shapes import tool_results
from workbench.ingest._message_tools import FROM_KEY
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

FIXTURES = Path(__file__).parent / "fixtures"
CREW = FIXTURES / "crewai"


def _ingest(monkeypatch: pytest.MonkeyPatch, fast: bool | None, *paths: Path) -> tuple[wb.Workspace, object]:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", fast)
    ws = wb.open()
    report = ws.ingest(list(paths), progress=False)
    return ws, report


def _derived(ws: wb.Workspace) -> list[tuple]:
    return ws.sql(
        "SELECT s.step_id, s.parent_id, s.agent, s.tool, s.status, s.input, s.output, p.step_id, "
        "s.started_at >= p.ended_at FROM steps s JOIN steps p ON p.run_id = s.run_id "
        f"AND p.step_id = s.attributes->>'$.\"{FROM_KEY}\"' WHERE s.kind = 'tool' ORDER BY s.seq"
    ).fetchall()


# (the chosen reader: both store the same rows for every checked-in fixture, test_reader24_agreement.py)
def test_openllmetry_crew_calls_become_tool_steps_of_their_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    ws, report = _ingest(monkeypatch, None, CREW / "openllmetry_fault.otlp.jsonl")
    assert (report.read, report.stored, report.quarantined) == (11, 11, 0)  # 9 spans and 2 calls
    assert any("2 tool call(s) found only in the model calls' messages" in n for n in report.notes)
    rows = _derived(ws)
    assert [(r[2], r[3], r[4], json.loads(r[5]), r[6]) for r in rows] == [
        ("Researcher", "get_price", "ok", {"item": "widget"}, "14.20 USD"),
        (
            "Writer",
            "format_quote",
            "ok",
            {"item": "widget", "price": 41.2},
            "Quote: one widget at 41.20 USD.",
        ),
    ]
    for step_id, parent, _, _, _, _, _, asking, after in rows:
        assert step_id.startswith(asking + "/") and after
        # (beside the model call that asked, under the agent's span)
        (kind,) = ws.sql("SELECT kind FROM steps WHERE step_id = ?", [parent]).fetchall()[0]
        assert kind == "agent"
    again = ws.ingest(CREW / "openllmetry_fault.otlp.jsonl", progress=False)
    assert again.added == 0 and ws.sql("SELECT count(*) FROM steps").fetchall() == [(11,)]


def test_the_backend_record_now_contradicts_the_researchers_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    ws, _ = _ingest(monkeypatch, True, CREW / "openllmetry_fault.otlp.jsonl")
    wb.detect(ws)
    (detail,) = ws.sql("SELECT detail FROM findings WHERE detector = 'silent_failure'").fetchall()[0]
    assert "41.20" in detail and "Researcher" in detail
    assert ws.sql("SELECT output FROM steps WHERE kind = 'tool' AND tool = 'get_price'").fetchall() == [
        ("14.20 USD",)
    ]


def test_a_crashed_crew_keeps_the_calls_that_ran(monkeypatch: pytest.MonkeyPatch) -> None:
    ws, report = _ingest(monkeypatch, True, CREW / "openllmetry_crash.otlp.jsonl")
    assert report.read == report.stored + report.quarantined
    rows = _derived(ws)
    assert [(r[2], r[3], r[4], r[6]) for r in rows] == [("Researcher", "get_price", "ok", "14.20 USD")]


TRACED = [
    CREW / "sequential_fault.otlp.jsonl",
    CREW / "delegation_fault.otlp.jsonl",
    CREW / "native_tracing_tool_error.otlp.jsonl",
    FIXTURES / "openlit" / "openai_agents_as_tools.otlp.jsonl",
    FIXTURES / "openllmetry" / "openai_agents_tool_crash.otlp.jsonl",
]


def test_a_call_a_span_traced_is_not_staged_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Traces whose every call a span traced, of five frameworks, read in one call (they name no trace of one
    another: a file's steps are its own either way): no call staged from the messages, in any of them."""
    ws, report = _ingest(monkeypatch, True, *TRACED)
    assert not any("found only in the model calls' messages" in n for n in report.notes), report.notes
    stored = dict(ws.sql("SELECT file, count(*) FROM steps GROUP BY file").fetchall())
    assert all(stored.get(str(p.resolve()), 0) > 0 for p in TRACED), stored
    assert (
        ws.sql(
            f"SELECT file, count(*) FROM steps WHERE contains(attributes::VARCHAR, '{FROM_KEY}') GROUP BY file"
        ).fetchall()
        == []
    )


# (the chosen reader: both store the same rows for every checked-in fixture, test_reader24_agreement.py)
def test_crewai_tool_failure_row_is_no_second_error(monkeypatch: pytest.MonkeyPatch) -> None:
    ws, _ = _ingest(monkeypatch, None, CREW / "native_tracing_tool_error.otlp.jsonl")
    errors = ws.sql("SELECT name, tool, error FROM steps WHERE status = 'error'").fetchall()
    assert errors == [
        ("call tool", "get_price", "price feed unreachable: 503")
    ]  # was two: call tool, tool failure
    (status, error, message) = ws.sql(
        "SELECT status, error, attributes->>'$.\"crewai.tool.failure.message\"' FROM steps "
        "WHERE name = 'tool failure'"
    ).fetchall()[0]
    assert (status, error, message) == ("ok", None, "price feed unreachable: 503")


def _otlp_chat(path: Path, calls_answered: bool) -> None:
    """An OpenAI-instrumented chat trace in OpenAI's message shape (``tool_calls``, a ``tool`` message with its
    ``tool_call_id``), with no tool span: the second call's result says it failed only in Anthropic's
    ``is_error`` (here as a content block), the third is never answered (nor, unless ``calls_answered``, the
    others: the run was cut off after the model asked)."""
    t0 = 1_796_000_000_000_000_000

    def attr(k: str, v: str) -> dict:
        return {"key": k, "value": {"stringValue": v}}

    asked = json.dumps(
        [
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_a",
                        "type": "function",
                        "function": {"name": "lookup", "arguments": '{"sku": "W-1"}'},
                    },
                    {
                        "id": "call_b",
                        "type": "function",
                        "function": {"name": "stock", "arguments": '{"sku": "W-1"}'},
                    },
                    {"id": "call_c", "type": "function", "function": {"name": "notify", "arguments": "{}"}},
                ],
            }
        ]
    )
    handed = [
        {"role": "user", "content": "price of W-1?"},
        {"role": "tool", "tool_call_id": "call_a", "content": "12.50 USD"},
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "call_b",
                    "is_error": True,
                    "content": [{"type": "text", "text": "stock service down"}],
                }
            ],
        },
    ]
    spans = [
        {
            "traceId": "ab" * 16,
            "spanId": "01" * 8,
            "name": "agent run",
            "kind": 1,
            "startTimeUnixNano": str(t0),
            "endTimeUnixNano": str(t0 + 10**9),
            "attributes": [attr("gen_ai.operation.name", "invoke_agent"), attr("gen_ai.agent.name", "shop")],
            "status": {},
        },
        {
            "traceId": "ab" * 16,
            "spanId": "02" * 8,
            "parentSpanId": "01" * 8,
            "name": "chat gpt",
            "kind": 3,
            "startTimeUnixNano": str(t0 + 1000),
            "endTimeUnixNano": str(t0 + 2000),
            "attributes": [attr("gen_ai.operation.name", "chat"), attr("gen_ai.output.messages", asked)],
            "status": {},
        },
    ]
    if calls_answered:
        spans.append(
            {
                "traceId": "ab" * 16,
                "spanId": "03" * 8,
                "parentSpanId": "01" * 8,
                "name": "chat gpt",
                "kind": 3,
                "startTimeUnixNano": str(t0 + 5000),
                "endTimeUnixNano": str(t0 + 6000),
                "attributes": [
                    attr("gen_ai.operation.name", "chat"),
                    attr("gen_ai.input.messages", json.dumps(handed)),
                ],
                "status": {},
            }
        )
    doc = {
        "resourceSpans": [
            {"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": "x"}, "spans": spans}]}
        ]
    }
    path.write_text(json.dumps(doc) + "\n", encoding="utf-8")


def test_openai_shaped_calls_their_results_failures_and_an_unanswered_call(tmp_path: Path) -> None:
    path = tmp_path / "chat.otlp.jsonl"
    _otlp_chat(path, calls_answered=True)
    ws = wb.open()
    report = ws.ingest(path, progress=False)
    assert (report.read, report.stored) == (5, 5)  # 3 spans, 2 calls handed back
    rows = {
        r[0]: r[1:]
        for r in ws.sql(
            "SELECT tool, agent, status, error, output, started_at IS NOT NULL, ended_at IS NOT NULL FROM steps "
            "WHERE kind = 'tool'"
        ).fetchall()
    }
    assert rows == {
        "lookup": ("shop", "ok", None, "12.50 USD", True, True),
        "stock": ("shop", "error", "stock service down", "stock service down", True, True),
    }


def test_a_call_never_handed_back_is_not_staged(tmp_path: Path) -> None:
    # (the run was cut off after the model asked: the call may never have run, and a tool step ending the run
    # would hide the cut, as the openai-agents timeout fixtures of real35 showed)
    path = tmp_path / "chat.otlp.jsonl"
    _otlp_chat(path, calls_answered=False)
    ws = wb.open()
    report = ws.ingest(path, progress=False)
    assert (report.read, report.stored) == (2, 2) and not report.notes
    assert ws.sql("SELECT count(*) FROM steps WHERE kind = 'tool'").fetchall() == [(0,)]


def test_result_shapes() -> None:
    value = [
        {"role": "tool", "parts": [{"type": "tool_call_response", "id": "a", "response": "1"}]},
        {"role": "tool", "tool_call_id": "b", "content": "2", "status": "error"},
        {"type": "function_call_output", "call_id": "c", "output": "3"},
        {"parts": [{"functionResponse": {"id": "d", "name": "f", "response": {"x": 4}}}]},
        {"content": [{"toolResult": {"toolUseId": "e", "content": [{"text": "5"}], "status": "error"}}]},
    ]
    assert list(tool_results(value)) == [
        ("a", "1", False),
        ("b", "2", True),
        ("c", "3", False),
        ("d", {"x": 4}, False),
        ("e", [{"text": "5"}], True),
    ]


# (the chosen reader: both store the same rows for every checked-in fixture, test_reader24_agreement.py)
def test_a_tool_that_raised_under_openllmetry_is_an_error_step(monkeypatch: pytest.MonkeyPatch) -> None:
    # (real38's fresh run: CrewAI hands its model "Error executing tool: <the exception>", no span says so)
    ws, report = _ingest(monkeypatch, None, CREW / "openllmetry_tool_error.otlp.jsonl")
    assert (report.read, report.stored, report.quarantined) == (11, 11, 0)
    rows = _derived(ws)
    assert [(r[2], r[3], r[4], r[6]) for r in rows] == [
        ("Researcher", "get_price", "error", "Error executing tool: price feed unreachable: 503"),
        ("Writer", "format_quote", "ok", "Quote: one widget at 41.20 USD."),
    ]
    assert ws.sql("SELECT error FROM steps WHERE status = 'error'").fetchall() == [
        ("Error executing tool: price feed unreachable: 503",)
    ]
    wb.detect(ws)
    (detail,) = ws.sql("SELECT detail FROM findings WHERE detector = 'silent_failure'").fetchall()[0]
    assert "41.20" in detail and "first stated by Researcher" in detail


def test_a_trace_split_over_two_calls_never_stores_a_call_twice(tmp_path: Path) -> None:
    # (spans are exported as they end, the root last: a call without the run's root may miss tool spans still to
    # come, so it stages no call; the call bringing the root reads the stored model steps: each call once, real39)
    lines = (CREW / "openllmetry_fault.otlp.jsonl").read_text(encoding="utf-8").splitlines()
    roots = [ln for ln in lines if '"parentSpanId"' not in ln]
    assert len(roots) == 1
    first, second = tmp_path / "a.otlp.jsonl", tmp_path / "b.otlp.jsonl"
    first.write_text("\n".join(ln for ln in lines if ln not in roots) + "\n", encoding="utf-8")
    second.write_text(roots[0] + "\n", encoding="utf-8")
    ws = wb.open()
    assert not ws.ingest(first, progress=False).notes
    ws.ingest(second, progress=False)
    assert ws.sql("SELECT count(*) FROM steps").fetchall() == [(11,)]
    assert ws.sql("SELECT count(*) FROM steps WHERE kind = 'tool'").fetchall() == [(2,)]

"""``workbench investigate`` on logs shaped like real exports that report no failure, or fail deep inside."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.cli import main

pytestmark = pytest.mark.usefixtures("_own_cache")  # (tests/conftest.py)


def _phoenix_spans(trace: str, status: str, bash_calls: int) -> list[dict]:
    """A Phoenix span export (a JSON array, as Phoenix's span fixtures are): an AGENT turn that calls a
    sub-agent through a tool, the sub-agent's LLM calls each followed by the same ``bash`` call."""

    def span(n: int, name: str, kind: str, parent: str | None, attrs: dict, code: str = "OK") -> dict:
        return {
            "id": f"{trace}-{n:02d}",
            "name": name,
            "context": {"trace_id": trace, "span_id": f"s{n:02d}"},
            "span_kind": kind,
            "parent_id": parent,
            "start_time": f"2026-07-23T00:00:{n:02d}+00:00",
            "end_time": f"2026-07-23T00:00:{n:02d}.500000+00:00",
            "status_code": code,
            "status_message": "",
            "attributes": {"session.id": "sess", **attrs},
            "events": [],
        }

    spans = [
        span(1, "pxi.turn", "AGENT", None, {"input.value": "delegate this"}, status),
        span(2, "call_subagent", "TOOL", "s01", {"tool.name": "call_subagent", "input.value": "{}"}),
        span(3, "ServerAgent.iter", "AGENT", "s02", {"input.value": "inspect the project"}),
    ]
    n = 4
    for _ in range(bash_calls):
        spans.append(
            span(
                n,
                "claude-fable-5",
                "LLM",
                "s03",
                {"llm.model_name": "claude-fable-5", "llm.token_count.prompt": 10},
            )
        )
        spans.append(
            span(n + 1, "bash", "TOOL", "s03", {"tool.name": "bash", "input.value": '{"command": "ls -la"}'})
        )
        n += 2
    return spans


def test_investigate_lists_flagged_runs_when_none_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Real exports often report no failure at all (Phoenix's own sub-agent fixture: every span OK, one
    # tool called 13 times with the same arguments). "nothing to attribute" alone hid the loop.
    monkeypatch.setenv("COLUMNS", "200")  # the whole detail cell (an xdist worker reads 80 columns)
    log = tmp_path / "spans.json"
    log.write_text(
        json.dumps(_phoenix_spans("loopy", "OK", 6) + _phoenix_spans("calm", "OK", 1)), encoding="utf-8"
    )
    assert main(["investigate", str(log), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "2 runs, 0 failed" in text and "no failed runs: nothing to attribute" in text
    flat = " ".join(text.split())
    assert "1 run not known to have failed flagged by the detectors" in flat
    row = next(ln for ln in text.splitlines() if ln.startswith("loopy"))
    assert "success" in row and "loop" in row and "bash" in row and "6 times" in row
    assert not any(ln.startswith("calm") for ln in text.splitlines())
    assert "next: add --db FILE" in flat


def test_investigate_counts_flagged_runs_beside_the_failed_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "spans.json"
    log.write_text(
        json.dumps(_phoenix_spans("loopy", "OK", 6) + _phoenix_spans("broken", "ERROR", 1)), encoding="utf-8"
    )
    assert main(["investigate", str(log), "--quiet", "--no-attribute"]) == 0
    text = capsys.readouterr().out
    assert "2 runs, 1 failed" in text and any(ln.startswith("broken") for ln in text.splitlines())
    flat = " ".join(text.split())
    assert "also flagged by the detectors though not known to have failed: 1 run (loop 1" in flat


def test_first_error_is_where_the_error_began(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A LangGraph run as OpenInference records it (real OTel SDK): the tool raises, and the graph's
    # root span and the worker's node span fail with it. The root starts first but ends last; the
    # table showed it ('?:<root>') as the first error instead of the tool.
    from google.protobuf.json_format import MessageToJson
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import Status, StatusCode

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("openinference.instrumentation.langchain", "0.1.80")
    boom = Status(StatusCode.ERROR, "ValueError('unknown sku SKU-77')")
    with tracer.start_as_current_span(
        "research-team", attributes={"openinference.span.kind": "CHAIN"}
    ) as root:
        with tracer.start_as_current_span("pricer", attributes={"openinference.span.kind": "CHAIN"}) as node:
            with tracer.start_as_current_span("agent", attributes={"openinference.span.kind": "AGENT"}):
                pass
            with tracer.start_as_current_span(
                "get_price", attributes={"openinference.span.kind": "TOOL", "tool.name": "get_price"}
            ) as tool:
                tool.set_status(boom)
            node.set_status(boom)
        root.set_status(boom)
    provider.shutdown()
    spans = exporter.get_finished_spans()
    tool_id = format(next(s for s in spans if s.name == "get_price").context.span_id, "016x")
    log = tmp_path / "langgraph.otlp.jsonl"
    log.write_text(
        "".join(MessageToJson(encode_spans([s]), indent=None) + "\n" for s in spans), encoding="utf-8"
    )
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["investigate", str(log), "--quiet", "--no-attribute", "--all"]) == 0
    row = next(ln for ln in capsys.readouterr().out.splitlines() if ln.split()[1:2] == ["failure"])
    assert f"?:{tool_id}" in row and row.split()[3] == "3"


def _any_agent_otlp(trace: int) -> dict:
    """One any-agent run as OTLP JSON (the Collector's file exporter): an ``invoke_agent`` root with no
    status, two LLM calls and a tool call under it, all OK."""
    tid, root = f"{trace:032x}", f"{trace:015x}0"
    t0 = 1_758_026_599_000_000_000 + trace * 60_000_000_000

    def span(n: int, name: str, op: str, parent: str | None, extra: dict, code: int = 1) -> dict:
        attrs = [{"key": "gen_ai.operation.name", "value": {"stringValue": op}}] + [
            {"key": k, "value": {"stringValue": v}} for k, v in extra.items()
        ]
        sp = {
            "traceId": tid,
            "spanId": root if n == 0 else f"{trace:014x}{n:02x}",
            "name": name,
            "kind": 1,
            "startTimeUnixNano": str(t0 + n * 300_000_000),
            "endTimeUnixNano": str(t0 + n * 300_000_000 + 250_000_000),
            "attributes": attrs,
            "status": {"code": code},
        }
        if parent:
            sp["parentSpanId"] = parent
        return sp

    spans = [
        span(0, "invoke_agent [any_agent]", "invoke_agent", None, {"gen_ai.agent.name": "any_agent"}, code=0),
        span(1, "call_llm mistral", "call_llm", root, {"gen_ai.request.model": "mistral-small"}),
        span(2, "execute_tool write_file", "execute_tool", root, {"gen_ai.tool.name": "write_file"}),
        span(3, "call_llm mistral", "call_llm", root, {"gen_ai.request.model": "mistral-small"}),
    ]
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "agno"}}]},
                "scopeSpans": [{"scope": {"name": "any_agent"}, "spans": spans}],
            }
        ]
    }


def test_no_empty_known_culprit_column_without_ground_truth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # any-agent traces, two labelled failed by their user (outcome only, no culprit): at 100 columns the
    # table said "(not shown at 100 columns: known culprit; widen the terminal …)" for a column of dashes.
    import workbench as wb

    log = tmp_path / "runs.otlp.jsonl"
    log.write_text("".join(json.dumps(_any_agent_otlp(t)) + "\n" for t in (1, 2, 3)), encoding="utf-8")
    db = tmp_path / "store.duckdb"
    with wb.open(db) as ws:
        ws.ingest(log, progress=False)
        for run_id in sorted(ws.runs().run_id)[:2]:
            ws.label(run_id, outcome="failure")
    for columns in ("100", "200"):
        monkeypatch.setenv("COLUMNS", columns)
        assert main(["investigate", "--db", str(db), "--quiet"]) == 0
        text = capsys.readouterr().out
        assert "3 runs, 2 failed, 1 of unknown outcome" in text
        assert "any_agent" in text and "(log)" in text
        assert "known culprit" not in text


def test_a_replay_verdict_outranks_the_log_only_guess(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A pydantic-ai run of two agents (joke_agent, evaluator_agent) attributed in Python by replay; then
    # `workbench investigate --db` (no replay) stored the log-only guess again and showed it instead, with
    # the log model's decisive step beside the replay's culprit.
    import workbench as wb

    def span(n: int, agent: str, kind: str, parent: str | None) -> dict:
        attrs = {"agent.name": agent, "output.value": f"{agent} says {n}"}
        if kind == "TOOL":
            attrs["tool.name"] = "get_pun_suggestion"
        return {
            "name": f"{agent} {kind.lower()}",
            "context": {"trace_id": "7a38", "span_id": f"s{n}"},
            "span_kind": kind,
            "parent_id": parent,
            "start_time": f"2025-12-04T10:00:{n:02d}+00:00",
            "end_time": f"2025-12-04T10:00:{n:02d}.5+00:00",
            "status_code": "OK",
            "attributes": attrs,
        }

    spans = [
        span(0, "joke_agent", "AGENT", None),
        span(1, "joke_agent", "LLM", "s0"),
        span(2, "joke_agent", "TOOL", "s0"),
        span(3, "evaluator_agent", "AGENT", "s0"),
        span(4, "evaluator_agent", "LLM", "s3"),
    ]
    log = tmp_path / "spans.json"
    log.write_text(json.dumps(spans), encoding="utf-8")
    db = tmp_path / "store.duckdb"
    with wb.open(db) as ws:
        ws.ingest(log, progress=False)
        run = ws.runs().run_id.iloc[0]
        ws.label(run, outcome="failure")
        wb.BlameModel.pretrained().store_predictions(ws)  # an earlier `workbench investigate`
        res = wb.attribute(
            ws, run, wb.TableReplay(lambda _r, replaced: "joke_agent" in replaced), decisive=False
        )
        assert res.verdict.culprit == "joke_agent" and res.verdict.decisive_step is None
    monkeypatch.setenv("COLUMNS", "160")
    assert main(["investigate", "--db", str(db), "--quiet"]) == 0
    row = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith(run))
    assert "joke_agent 100%" in row and "(log)" not in row
    assert row.split()[-1] == "-"  # the replay named no decisive step; the log model's is not borrowed

"""OTLP JSON traces made by the real OpenTelemetry SDK, in the encodings real tools write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _otel_fixtures import (
    EXPECTED_CONFIDENCE,
    EXPECTED_ENTROPY,
    collector_style,
    counts_reconcile,
    multi_agent_spans,
    otlp_request,
    rows,
    run_adapter,
    write_jsonl,
)

from workbench.ingest._otlp_read import hex_id
from workbench.ingest.otlp import OtlpJson

SPANS = multi_agent_spans()
REQUEST = otlp_request(SPANS)
COLLECTOR = collector_style(REQUEST)


def by_name(con) -> dict[str, dict]:
    return {r["name"]: r for r in rows(con, "stage_steps")}


@pytest.fixture(params=[True, False], ids=["sql", "python"])
def adapter(request) -> OtlpJson:
    return OtlpJson(fast=request.param)


def check_multi_agent(steps: dict[str, dict]) -> None:
    """The staged rows of ``multi_agent_spans()``, whatever the encoding."""
    assert len(steps) == len(SPANS) == 10
    ids = {format(s.context.span_id, "016x"): s.name for s in SPANS}
    for name, row in steps.items():
        assert ids[row["step_id"]] == name
        assert len(row["run_id"]) == 32 and row["run_id"] == row["run_id"].lower()
    root = steps["invoke_agent orchestrator"]
    assert root["parent_id"] is None and root["status"] == "error" and root["error"] == "run failed"
    assert (root["kind"], root["agent"], root["is_agent"]) == ("agent", "orchestrator", True)
    assert steps["invoke_agent researcher"]["parent_id"] == root["step_id"]
    assert {n for n, r in steps.items() if r["agent"]} == {
        "invoke_agent orchestrator",
        "invoke_agent researcher",
        "invoke_agent pricer",
        "CodeAgent.run",
    }
    assert steps["CodeAgent.run"]["agent"] == "CodeAgent.run"  # an AGENT span without agent.name
    kinds = {n: r["kind"] for n, r in steps.items()}
    assert kinds == {
        "invoke_agent orchestrator": "agent",
        "invoke_agent researcher": "agent",
        "invoke_agent pricer": "agent",
        "chat gpt-4o": "llm",
        "chat gpt-4o-mini": "llm",
        "execute_tool search": "tool",
        "execute_tool get_price": "tool",
        "CodeAgent.run": "agent",
        "LiteLLMModel.__call__": "llm",
        "get_weather": "tool",
    }
    chat = steps["chat gpt-4o"]
    assert (chat["model"], chat["tokens_in"], chat["tokens_out"], chat["status"]) == (
        "gpt-4o-2024-08-06",
        120,
        40,
        "ok",
    )
    assert chat["confidence"] == pytest.approx(EXPECTED_CONFIDENCE)
    assert chat["entropy"] == pytest.approx(EXPECTED_ENTROPY)
    assert json.loads(chat["input"])[0]["parts"][0]["content"] == "find suppliers"
    attrs = json.loads(chat["attributes"])
    assert attrs["service.name"] == "procurement" and attrs["otel.scope.name"] == "workbench.tests"
    assert attrs["gen_ai.request.model"] == "gpt-4o" and "workbench.logprobs" not in attrs
    old = steps["chat gpt-4o-mini"]  # deprecated GenAI names
    assert (old["tokens_in"], old["tokens_out"], old["input"], old["output"]) == (
        30,
        7,
        "price of ACME widgets?",
        "12.5",
    )
    assert old["confidence"] is None and old["entropy"] is None and old["status"] == "unset"
    search = steps["execute_tool search"]
    assert (search["tool"], search["input"], search["output"]) == ("search", '{"q": "suppliers"}', '["ACME"]')
    failed = steps["execute_tool get_price"]
    assert (failed["tool"], failed["status"], failed["error"]) == ("get_price", "error", "timeout")
    assert failed["agent"] is None  # inherited from "pricer" by the driver, not declared here
    llm = steps["LiteLLMModel.__call__"]
    assert (llm["model"], llm["tokens_in"], llm["tokens_out"]) == ("gpt-4-0613", 97, 52)
    assert json.loads(llm["input"]) == [{"role": "user", "content": "Weather in Paris?"}]
    assert json.loads(llm["output"]) == [{"role": "assistant", "content": "Rainy."}]
    weather = steps["get_weather"]
    assert (weather["tool"], weather["input"], weather["output"]) == (
        "get_weather",
        '{"city": "Paris"}',
        "rainy",
    )
    for row in steps.values():
        assert row["start_ns"] < row["end_ns"]
        assert row["latency_ms"] == pytest.approx((row["end_ns"] - row["start_ns"]) / 1e6)


def test_collector_jsonl(tmp_path: Path, adapter: OtlpJson) -> None:
    # The exporter writes one line per export batch: split the spans over two lines.
    first = json.loads(json.dumps(COLLECTOR))
    second = json.loads(json.dumps(COLLECTOR))
    spans = COLLECTOR["resourceSpans"][0]["scopeSpans"][0]["spans"]
    first["resourceSpans"][0]["scopeSpans"][0]["spans"] = spans[:4]
    second["resourceSpans"][0]["scopeSpans"][0]["spans"] = spans[4:]
    path = write_jsonl(tmp_path / "traces.jsonl", [first, second])
    assert adapter.sniff(path, path.read_bytes()[:4096])
    con, stage = run_adapter(adapter, path)
    steps = by_name(con)
    check_multi_agent(steps)
    assert {r["line"] for r in steps.values()} == {1, 2}
    assert counts_reconcile(con, stage) and stage.read == 10
    runs = rows(con, "stage_runs", "run_id")
    assert len(runs) == 2 and {r["system"] for r in runs} == {"procurement"}
    assert json.loads(runs[0]["attributes"])["service.name"] == "procurement"
    assert {r["run_id"] for r in runs} == {r["run_id"] for r in steps.values()}
    hints = [r["order_hint"] for r in rows(con, "stage_steps", "order_hint")]
    assert len(set(hints)) == 10


@pytest.mark.parametrize("snake", [False, True], ids=["camel", "snake"])
def test_protobuf_json_single_document(tmp_path: Path, snake: bool) -> None:
    """protobuf's JSON mapping (base64 ids, enum names), pretty-printed in one document."""
    path = tmp_path / "export.json"
    path.write_text(json.dumps(otlp_request(SPANS, snake=snake), indent=2))
    assert OtlpJson().sniff(path, path.read_bytes()[:4096])
    con, stage = run_adapter(OtlpJson(), path)
    steps = by_name(con)
    check_multi_agent(steps)
    assert {r["line"] for r in steps.values()} == {1}
    assert counts_reconcile(con, stage)


def test_bad_records_are_quarantined(tmp_path: Path, adapter: OtlpJson) -> None:
    good = json.dumps(COLLECTOR, separators=(",", ":"))
    spans = COLLECTOR["resourceSpans"][0]["scopeSpans"][0]["spans"]

    def one(span: dict) -> str:
        return json.dumps({"resourceSpans": [{"resource": {}, "scopeSpans": [{"spans": [span]}]}]})

    bad_id = dict(spans[0], spanId="xyz")
    bad_time = dict(spans[1], spanId="00000000000000aa", startTimeUnixNano="soon")
    bad_status = dict(spans[2], spanId="00000000000000bb", status={"code": 7})
    lines = [
        good.encode(),  # 1: 10 spans
        b'{"resourceSpans": [',  # 2: broken JSON
        b'{"resourceSpans": [{"scopeSpans": "nope"}]}',  # 3: wrong shape
        one(bad_id).encode(),  # 4
        b"",  # 5: blank, skipped
        one(bad_time).encode(),  # 6
        '{"resourceSpans": [], "x": "caf\u00e9'.encode("latin-1") + b'"}',  # 7: not UTF-8
        one(bad_status).encode(),  # 8
        b'{"resourceMetrics": []}',  # 9: not traces
        b"[1, 2]",  # 10: two records, not objects
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    con, stage = run_adapter(adapter, path)
    assert len(rows(con, "stage_steps")) == 10
    rejects = rows(con, "stage_quarantine")
    reasons = {r["line"]: r["reason"] for r in rejects}
    assert sorted(reasons) == [2, 3, 4, 6, 7, 8, 9, 10]
    assert reasons[2].startswith("broken JSON")
    assert "scopeSpans" in reasons[3]
    assert "spanId" in reasons[4]
    assert "startTimeUnixNano" in reasons[6]
    assert "UTF-8" in reasons[7]
    assert "status code" in reasons[8]
    assert "resourceSpans is missing" in reasons[9]
    assert all(r["raw"] for r in rejects) and all(r["file"] == str(path) for r in rejects)
    assert [r["line"] for r in rejects].count(10) == 2
    assert counts_reconcile(con, stage) and stage.read == 10 + 9


def test_ids() -> None:
    assert hex_id("0123456789ABCDEF", 8, "spanId") == "0123456789abcdef"
    assert hex_id("ASNFZ4mrze8=", 8, "spanId") == "0123456789abcdef"
    for bad in ("", "0" * 16, "xyz", 5, None, "ASNFZ4mrze8", "0123456789abcde"):
        with pytest.raises(ValueError):
            hex_id(bad, 8, "spanId")


def test_sniff(tmp_path: Path) -> None:
    adapter = OtlpJson()
    assert adapter.sniff(tmp_path, b'\n  {"resourceSpans": []}')
    assert adapter.sniff(tmp_path, b'{"resource_spans": []}')
    assert not adapter.sniff(tmp_path, b'{"record": "step", "run_id": "r"}')
    assert not adapter.sniff(tmp_path, b'{"trace_id": "t", "spans": []}')


def test_end_to_end_through_the_workspace(tmp_path: Path) -> None:
    import workbench as wb

    path = write_jsonl(tmp_path / "traces.jsonl", [COLLECTOR])
    with path.open("a") as fh:
        fh.write("{not json\n")
    with wb.open() as ws:
        report = ws.ingest(path, progress=False)
        assert (report.read, report.stored, report.quarantined) == (11, 10, 1)
        runs = ws.runs().set_index("system")
        failed = ws.runs(outcome="failure")
        assert len(failed) == 1 and set(runs.index) == {"procurement"}
        steps = ws.steps(failed.run_id.iloc[0]).set_index("name")
        assert len(steps) == 7
        assert steps.loc["execute_tool get_price", "agent"] == "pricer"  # inherited
        assert steps.loc["chat gpt-4o", "agent"] == "researcher"
        assert steps.loc["invoke_agent orchestrator", "seq"] == 0
        assert ws.quarantine().reason.str.startswith("broken JSON").all()

"""``investigate`` attributes runs that reported success but failed for the user (a critical
silent_failure finding), and says why they were taken as failed."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.cli import main

pytestmark = pytest.mark.usefixtures("_own_cache")  # (tests/conftest.py)


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "220")  # the whole culprit cell


def _max_turns_trace(path: Path) -> None:
    """openai-agents traced by OpenInference under an app's root span that says OK: the agent ran out of turns ("Max turns exceeded") and its span ends in error; a second run ends well."""
    from google.protobuf.json_format import MessageToJson
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import Status, StatusCode

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("openinference.instrumentation.openai_agents", "2.6.0")
    # the root is the app's own span, which reports OK (the instrumentor's trace span ends OK however the run
    # ended: a blind OK the steps overrule, test_real34_openllmetry_openai_agents.py)
    app = provider.get_tracer("billing-app")
    kind = "openinference.span.kind"
    for name, turns, fail in (("Loop run", 3, True), ("Good run", 1, False)):
        with app.start_as_current_span(name, attributes={kind: "AGENT"}) as root:
            with tracer.start_as_current_span(name, attributes={kind: "CHAIN"}):
                with tracer.start_as_current_span(
                    "Looping agent", attributes={kind: "AGENT", "graph.node.id": "Looping agent"}
                ) as agent:
                    for _ in range(turns):
                        with tracer.start_as_current_span("turn", attributes={kind: "CHAIN"}):
                            with tracer.start_as_current_span("generation", attributes={kind: "LLM"}):
                                pass
                            with tracer.start_as_current_span(
                                "lookup_invoice",
                                attributes={
                                    kind: "TOOL",
                                    "input.value": '{"invoice_id":"INV-7"}',
                                    "output.value": '{"invoice_id": "INV-7", "amount": 120.5}',
                                },
                            ):
                                pass
                    if fail:
                        agent.set_status(Status(StatusCode.ERROR, "Max turns exceeded: {'max_turns': 3}"))
            root.set_status(Status(StatusCode.OK))
    provider.shutdown()
    path.write_text(
        "".join(MessageToJson(encode_spans([s]), indent=None) + "\n" for s in exporter.get_finished_spans()),
        encoding="utf-8",
    )


def test_run_that_said_ok_but_ran_out_of_turns_is_attributed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "agents.otlp.jsonl"
    _max_turns_trace(log)
    db = tmp_path / "store.duckdb"
    assert main(["investigate", str(log), "--db", str(db), "--quiet"]) == 0
    text = capsys.readouterr().out
    flat = " ".join(text.split())
    assert "2 runs, 0 failed, 1 more taken as failed" in flat
    assert "no failed runs: nothing to attribute" not in flat
    row = next(ln for ln in text.splitlines() if "SILENT*" in ln)
    assert "Looping agent" in row and "(log + silent_failure)" in row  # by the log-only model + finding
    assert "taken as failed (SILENT*): a critical silent_failure finding" in flat
    assert "Max turns exceeded" in flat  # why it was taken as failed

    import workbench as wb

    ws = wb.open(str(db))
    try:
        verdicts = ws.sql("SELECT count(DISTINCT run_id) FROM attributions WHERE unit = 'verdict'").fetchall()
        assert verdicts == [(1,)]
        # the well-ended run is neither attributed nor listed as taken
        from workbench._failed import failed_run_ids, taken_as_failed

        taken = taken_as_failed(ws)
        assert len(taken) == 1 and failed_run_ids(ws) == list(taken)
        # a label is the user's word: a run labelled a success is no longer taken as failed
        ws.label(next(iter(taken)), outcome="success")
        assert taken_as_failed(ws) == {}
    finally:
        ws.close()


def test_notebook_investigate_counts_and_attributes_the_taken_run(tmp_path: Path) -> None:
    pytest.importorskip("IPython")
    import workbench as wb
    from workbench._magics import investigate

    log = tmp_path / "agents.otlp.jsonl"
    _max_turns_trace(log)
    ws = wb.open(None)
    try:
        ws.ingest(str(log), progress=False)
        found = investigate(ws, "agents")
        assert found.n_failed == 1 and len(found.table) == 1
        assert found.table.iloc[0]["reported"] == "SILENT*"
        assert found.table.iloc[0]["culprit"].startswith("Looping agent")
        assert "Max turns exceeded" in found.note
    finally:
        ws.close()

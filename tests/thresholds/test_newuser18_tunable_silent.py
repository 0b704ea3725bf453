"""``workbench investigate`` lists a run that said OK but failed for its user (SILENT*: a critical
silent_failure finding) as failed; the tuner and the backtest read ``runs.outcome`` and counted it as a
success (a limit stopping it is "a success lost"; since failed19 they count it as failed, see
test_failed19_silent_counts.py). ``what_can_be_tuned`` said nothing of it: on a folder of
real traces, 14 of 15 "successful" runs were such runs."""

from __future__ import annotations

from pathlib import Path

import workbench as wb


def _max_turns_trace(path: Path) -> None:
    """openai-agents through OpenInference under an app's root span that says OK; the agent ran out of turns (its
    span in error, "Max turns exceeded"); a second run ends well."""
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
    # the root is the app's, which says OK (the instrumentor's own trace span ends OK however the run ended: a
    # blind OK that the steps overrule, test_real34_openllmetry_openai_agents.py)
    app = provider.get_tracer("billing-app")
    kind = "openinference.span.kind"
    for name, turns, fail in (("Loop run", 3, True), ("Good run", 1, False)):
        with app.start_as_current_span(name, attributes={kind: "AGENT"}) as root:
            with tracer.start_as_current_span(
                "Looping agent", attributes={kind: "AGENT", "graph.node.id": "Looping agent"}
            ) as agent:
                for _ in range(turns):
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


def test_what_can_be_tuned_says_which_successes_investigate_takes_as_failed(tmp_path: Path) -> None:
    _max_turns_trace(tmp_path / "agents.otlp.jsonl")
    ws = wb.open()
    ws.ingest(tmp_path / "agents.otlp.jsonl", progress=False)
    before = wb.what_can_be_tuned(ws)
    assert not before["why"].str.contains("taken as failed").any()  # no findings yet: nothing to say
    wb.detect(ws)
    assert sorted(ws.runs()["outcome"]) == ["success", "success"]
    limits = wb.what_can_be_tuned(ws).set_index("what").loc["breaker, budget and loop limits", "why"]
    # counted as the tuners count it (failed19): a failure, the one investigate lists as SILENT*
    assert limits.startswith("1 successful, 1 failed")
    assert (
        "1 of these failed runs reported success (or no outcome), but a critical silent_failure finding"
        in limits
    )
    assert "silent=False" in limits

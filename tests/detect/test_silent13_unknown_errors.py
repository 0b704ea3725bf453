"""silent_failure's second rule (an agent's last invocation ended in error) on a run whose outcome nobody
reported. The fixture is written with the OpenTelemetry SDK in the shape OpenInference's openai-agents
instrumentor gives a real run (OTLP protobuf JSON, one export per line): an app span ``procurement`` that
sets no status over Triage → hand-off → Pricer, whose turns call get_price until the SDK's turn limit ends
the Pricer's agent span in error ("Max turns exceeded") and raises; the app catches it and, in the
``answered`` case, runs a Fallback agent that answers the user anyway.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench._failed import taken_as_failed
from workbench.detect import detect

ERROR = "Max turns exceeded: {'max_turns': 8}"


def _trace(path: Path, answered: bool, root_ok: bool = False) -> None:
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

    def oi(kind: str, **attrs: object) -> dict:
        return {"openinference.span.kind": kind, **attrs}

    def generation(text: str | None) -> None:
        out = (
            {"output.value": json.dumps([{"role": "assistant", "content": text}])}
            if text
            else {"output.value": '[{"role": "assistant", "tool_calls": [{"id": "call_1"}]}]'}
        )
        with tracer.start_as_current_span(
            "generation",
            attributes=oi("LLM", **{"llm.model_name": "gpt-4o-mini", "llm.token_count.prompt": 120, **out}),
        ):
            pass

    # the app's own span, under the app's tracer when it reports OK (the instrumentor's own trace span ends OK
    # however the run ended: a blind OK, read by the steps, test_real34_openllmetry_openai_agents.py)
    app = provider.get_tracer("procurement-app") if root_ok else tracer
    with app.start_as_current_span("procurement", attributes=oi("CHAIN")) as root:
        with tracer.start_as_current_span("Triage", attributes=oi("AGENT")):
            with tracer.start_as_current_span(
                "handoff to Pricer",
                attributes=oi("TOOL", **{"input.value": "Triage", "output.value": "Pricer"}),
            ):
                pass
        with tracer.start_as_current_span(
            "Pricer", attributes=oi("AGENT", **{"graph.node.id": "Pricer"})
        ) as agent:
            for _ in range(4):
                with tracer.start_as_current_span("turn", attributes=oi("CHAIN")):
                    generation(None)
                    with tracer.start_as_current_span(
                        "get_price",
                        attributes=oi(
                            "TOOL",
                            **{
                                "tool.name": "get_price",
                                "input.value": '{"sku": "SKU-9"}',
                                "output.value": '{"sku": "SKU-9", "price": 3.1}',
                            },
                        ),
                    ) as tool:
                        tool.set_status(Status(StatusCode.OK))
            agent.set_status(Status(StatusCode.ERROR, ERROR))
        if answered:  # the app caught MaxTurnsExceeded and asked another agent
            with tracer.start_as_current_span(
                "Fallback", attributes=oi("AGENT", **{"graph.node.id": "Fallback"})
            ):
                generation("SKU-9 costs 3.10 USD; your order is confirmed.")
        if root_ok:
            root.set_status(Status(StatusCode.OK))
    provider.shutdown()
    path.write_text(
        "".join(MessageToJson(encode_spans([s]), indent=None) + "\n" for s in exporter.get_finished_spans()),
        encoding="utf-8",
    )


def _store(tmp_path: Path, answered: bool, root_ok: bool = False) -> wb.Workspace:
    path = tmp_path / "openai_agents.otlp.jsonl"
    _trace(path, answered, root_ok)
    ws = wb.open()
    assert ws.ingest(path).quarantined == 0
    return ws


def test_agent_error_then_an_answer_in_a_run_of_unknown_outcome_is_a_warning(tmp_path: Path) -> None:
    ws = _store(tmp_path, answered=True)
    assert ws.sql("SELECT reported_outcome, outcome FROM runs").fetchall() == [("unknown", "unknown")]
    hits = detect(ws, detectors=["silent_failure"])
    assert list(zip(hits.agent, hits.severity, strict=True)) == [("Pricer", "warning")]
    detail = hits.detail.iat[0]
    assert detail.startswith(
        f"outcome not reported; Pricer ended in error: {ERROR}; the run answered after it"
    )
    attrs = json.loads(hits.attributes.iat[0])
    fallback = ws.sql("SELECT step_id FROM steps WHERE agent = 'Fallback' AND kind = 'llm'").fetchall()[0][0]
    assert attrs["answer_step"] == fallback and attrs["reported_outcome"] == "unknown"
    assert taken_as_failed(ws) == {}  # no claim of success: flagged, not taken as failed


def test_agent_error_that_ended_the_run_of_unknown_outcome_is_no_silent_failure(tmp_path: Path) -> None:
    # nothing answered after the error: the caller saw the failure
    ws = _store(tmp_path, answered=False)
    assert detect(ws, detectors=["silent_failure"]).empty


def test_agent_error_in_a_run_labelled_failed_is_known_already(tmp_path: Path) -> None:
    ws = _store(tmp_path, answered=True)
    (run,) = ws.sql("SELECT run_id FROM runs").fetchall()[0]
    ws.label(run, outcome="failure")
    assert detect(ws, detectors=["silent_failure"]).empty


@pytest.mark.parametrize("answered", [False, True])
def test_agent_error_in_a_run_reported_ok_stays_critical(tmp_path: Path, answered: bool) -> None:
    ws = _store(tmp_path, answered=answered, root_ok=True)
    hits = detect(ws, detectors=["silent_failure"])
    assert list(zip(hits.agent, hits.severity, strict=True)) == [("Pricer", "critical")]
    assert hits.detail.iat[0] == f"reported success, but Pricer ended in error: {ERROR}"

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


# name -> (answered, root_ok): each a trace of its own (the SDK draws its ids), in one store
CASES = {
    "answered": (True, False),
    "ended": (False, False),
    "labelled failed": (True, False),  # labelled failed (ws.label(run, outcome="failure")) before the detect
    "reported ok": (False, True),
    "reported ok, answered": (True, True),
}


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Per case, its run's facts: (reported outcome, outcome), silent_failure hits, the Fallback's LLM steps and
    whether it is taken as failed; the five runs in one store, detected once (a store and a detect each before;
    a run's findings come from its own steps, suite54)."""
    folder = tmp_path_factory.mktemp("silent13_unknown_errors")
    paths = {}
    for n, (name, (answered, root_ok)) in enumerate(CASES.items()):
        paths[name] = folder / f"openai_agents_{n}.otlp.jsonl"
        _trace(paths[name], answered, root_ok)
    ws = wb.open()
    assert ws.ingest([str(p) for p in paths.values()]).quarantined == 0
    runs = {}
    for name, path in paths.items():
        ((run,),) = ws.sql("SELECT DISTINCT run_id FROM steps WHERE file = ?", [str(path)]).fetchall()
        runs[name] = run
    ws.label(runs["labelled failed"], outcome="failure")
    hits = detect(ws, detectors=["silent_failure"])
    taken = set(taken_as_failed(ws))
    out = {}
    for name, run in runs.items():
        out[name] = {
            "outcomes": ws.sql(
                "SELECT reported_outcome, outcome FROM runs WHERE run_id = ?", [run]
            ).fetchall(),
            "hits": hits[hits.run_id == run].reset_index(drop=True),
            "fallback": ws.sql(
                "SELECT step_id FROM steps WHERE run_id = ? AND agent = 'Fallback' AND kind = 'llm'", [run]
            ).fetchall(),
            "taken": run in taken,
        }
    ws.close()
    return out


def test_agent_error_then_an_answer_in_a_run_of_unknown_outcome_is_a_warning(cases: dict[str, dict]) -> None:
    case = cases["answered"]
    assert case["outcomes"] == [("unknown", "unknown")]
    hits = case["hits"]
    assert list(zip(hits.agent, hits.severity, strict=True)) == [("Pricer", "warning")]
    detail = hits.detail.iat[0]
    assert detail.startswith(
        f"outcome not reported; Pricer ended in error: {ERROR}; the run answered after it"
    )
    attrs = json.loads(hits.attributes.iat[0])
    fallback = case["fallback"][0][0]
    assert attrs["answer_step"] == fallback and attrs["reported_outcome"] == "unknown"
    assert not case["taken"]  # no claim of success: flagged, not taken as failed


def test_agent_error_that_ended_the_run_of_unknown_outcome_is_no_silent_failure(
    cases: dict[str, dict],
) -> None:
    # nothing answered after the error: the caller saw the failure
    assert cases["ended"]["hits"].empty


def test_agent_error_in_a_run_labelled_failed_is_known_already(cases: dict[str, dict]) -> None:
    assert cases["labelled failed"]["hits"].empty


@pytest.mark.parametrize("answered", [False, True])
def test_agent_error_in_a_run_reported_ok_stays_critical(cases: dict[str, dict], answered: bool) -> None:
    hits = cases["reported ok, answered" if answered else "reported ok"]["hits"]
    assert list(zip(hits.agent, hits.severity, strict=True)) == [("Pricer", "critical")]
    assert hits.detail.iat[0] == f"reported success, but Pricer ended in error: {ERROR}"

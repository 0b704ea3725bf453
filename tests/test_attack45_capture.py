"""Live capture's batch line (``capture.otlp_json``), after route44's fix of attack44's case (a NaN or a lone
surrogate in one attribute made the whole batch one broken JSON line): names, attribute keys and values, event
names, status messages and the scope's name and version now pass through ``_text``; the scope's and the
resource's ``schemaUrl`` do not. A lone surrogate there (a URL cut inside a pair, as attack44's text was) still
makes every span of the batch quarantined. attack45's strict xfail, fixed by route45 (low: a schema URL is the
instrumentation's, not the model's text)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.resources import Resource  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.capture import WorkspaceSpanExporter  # noqa: E402

_CUT = "https://opentelemetry.io/schemas/1.\ud83d"


@pytest.mark.parametrize("where", ["scope", "resource"])  # (route45: the resource's schema URL too)
def test_a_lone_surrogate_in_the_scopes_schema_url_costs_no_span(tmp_path: Path, where: str) -> None:
    memory = InMemorySpanExporter()
    resource = Resource({"service.name": "desk"}, schema_url=_CUT if where == "resource" else "")
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("app", schema_url=_CUT if where == "scope" else None)
    with tracer.start_as_current_span("invoke_agent planner", attributes={"gen_ai.agent.name": "planner"}):
        for _ in range(3):
            with tracer.start_as_current_span(
                "execute_tool lookup", attributes={"gen_ai.tool.name": "lookup"}
            ):
                pass
    ws = wb.open()
    WorkspaceSpanExporter(ws, spool_dir=tmp_path / "spool", background=False).export(
        memory.get_finished_spans()
    )
    assert ws.sql("SELECT count(*) FROM steps").fetchall() == [(4,)], ws.sql(
        "SELECT reason FROM quarantine"
    ).fetchall()

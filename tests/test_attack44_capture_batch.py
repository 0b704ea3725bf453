"""Live capture (``WorkspaceSpanExporter``) spools each exported batch as one OTLP JSON line. A float attribute that is
NaN or infinite is written as the bare token ``NaN`` / ``Infinity`` (``json.dumps``' default; the Collector writes the
strings ``"NaN"`` / ``"Infinity"``, as proto3's JSON mapping says), and a string holding a lone surrogate as
``\\ud800``: either way the line is broken JSON, so the whole batch (up to 512 spans in a ``BatchSpanProcessor``) is
quarantined for one value of one span (with 0.5 in its place all six spans are stored, as
``tests/policy/test_capture.py`` stores such batches). attack44's strict xfail; route44 fixed ``capture._value``
(the strings "NaN"/"Infinity" as OTLP JSON writes them, U+FFFD for a lone surrogate)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.capture import WorkspaceSpanExporter  # noqa: E402


def _spans(odd: object) -> tuple:
    """An agent calling a tool five times; the third call's span carries ``odd`` in one attribute."""
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("app")
    agent = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner"}
    with tracer.start_as_current_span("invoke_agent planner", attributes=agent):
        for i in range(5):
            attrs = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "lookup", "score": 0.5}
            if i == 2:
                attrs["score"] = odd
            with tracer.start_as_current_span("execute_tool lookup", attributes=attrs):
                pass
    return memory.get_finished_spans()


@pytest.mark.parametrize(
    "odd", [float("nan"), float("inf"), "price \ud800"], ids=["nan", "inf", "lone-surrogate"]
)
def test_one_odd_attribute_costs_at_most_its_own_span(tmp_path: Path, odd: object) -> None:
    ws = wb.open()
    exporter = WorkspaceSpanExporter(ws, spool_dir=tmp_path / "spool", background=False)
    exporter.export(_spans(odd))
    stored = ws.sql("SELECT count(*) FROM steps").fetchall()[0][0]
    assert stored >= 5, (
        f"{stored} of 6 spans stored; quarantined: {ws.sql('SELECT reason FROM quarantine').fetchall()}"
    )

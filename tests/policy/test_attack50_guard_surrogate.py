"""attack50: the span guard skips a tool call whose arguments hold a lone surrogate, which the capture beside it stores.

A path read with Python's surrogateescape (``os.listdir`` of a file named in Latin-1 on Linux: ``"\\udcff"``) passed
as a tool's argument reaches the span as ``tool.parameters``. ``GuardSpanProcessor`` takes the span for one "the
store quarantines (field 'attributes' is not valid UTF-8)" and checks nothing of it, "as the backtest never sees
it"; but ``WorkspaceSpanExporter`` on the same provider stores it (the surrogate as U+FFFD), and the backtest of
that store cuts the run at its second tool call where the live guard let all three run.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk")

from _guard_play import not_allowed  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.capture import WorkspaceSpanExporter  # noqa: E402
from workbench.guard_spans import GuardSpanProcessor  # noqa: E402
from workbench.policy import Budgets, Loops, Policy  # noqa: E402

POLICY = Policy(budgets=Budgets(max_tool_calls_run=1))
LOOPS = Policy(loops=Loops(max_repeats=1))


# mend50: the first failed on 0a8c4fd4 (an xfail of attack50's); the second too (the guard read the two calls'
# arguments apart, the store as one, U+FFFD for either surrogate): the guard maps a span as the capture writes it
@pytest.mark.parametrize(
    ("policy", "params", "inputs"),
    [
        (POLICY, '{"path": "notes-caf\udcff.txt"}', ["read it"] * 3),
        (LOOPS, None, ["notes-caf\udcff.txt", "notes-caf\udcfe.txt", "notes-caf\udcfd.txt"]),
    ],
    ids=["parameters", "arguments-repeated"],
)
def test_guard_checks_what_the_capture_beside_it_stores(
    policy: Policy, params: str | None, inputs: list[str]
) -> None:
    heard: list[Any] = []
    guard = GuardSpanProcessor(policy, on_cut=heard.append)
    with wb.open() as ws:
        # (the spans handed to the capture in one batch, as a BatchSpanProcessor does: one ingest, not one a span)
        ended = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(guard)
        provider.add_span_processor(SimpleSpanProcessor(ended))
        tracer = provider.get_tracer("files")
        with tracer.start_as_current_span(
            "run", attributes={"openinference.span.kind": "AGENT", "agent.name": "a"}
        ):
            for text in inputs:
                given = {"tool.parameters": params} if params is not None else {}
                attrs = {"openinference.span.kind": "TOOL", "tool.name": "read_file", **given}
                attrs |= {"input.value": text, "output.value": "ok"}
                with tracer.start_as_current_span("read_file", attributes=attrs):
                    pass
        exporter = WorkspaceSpanExporter(ws, background=False)
        exporter.export(ended.get_finished_spans())
        exporter.force_flush()
        assert ws.sql("SELECT count(*) FROM steps WHERE kind = 'tool'").fetchall() == [(3,)]
        ws.label(ws.runs()["run_id"][0], outcome="failure")
        said = {(r, s, a) for r, s, a, _ in not_allowed(wb.backtest(policy, ws, steps=True))}
        provider.shutdown()
    assert said  # (the backtest cuts the run)
    assert {(e.run_id, e.step_id, e.action) for e in heard} == said

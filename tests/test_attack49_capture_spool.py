"""Live capture's spool folder shared by two exporters (``capture.WorkspaceSpanExporter``'s ``spool_dir``): two
notebooks in one folder each writing ``spool_dir="spool"`` for their own store. An exporter's pass over the spool
(``_store_spool``) globs every ``spans-*.jsonl`` of the folder, not the batches it spooled itself, so one exporter
ingests the other's batch into its own store and deletes the file: the spans land in the wrong store and the
exporter that spooled them stores nothing (its thread then warns 'no such file'). attack49's (strict xfail, mended by mend49: a batch's name ends in
its exporter's tag, and an exporter stores those with its own)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.capture import WorkspaceSpanExporter  # noqa: E402


def _spans() -> list:
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("app")
    with tracer.start_as_current_span("invoke_agent planner", attributes={"gen_ai.agent.name": "planner"}):
        with tracer.start_as_current_span("execute_tool lookup", attributes={"gen_ai.tool.name": "lookup"}):
            pass
    return list(memory.get_finished_spans())


def test_an_exporter_stores_only_the_batches_it_spooled(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    mine, theirs = wb.open(), wb.open()
    spooler = WorkspaceSpanExporter(mine, spool_dir=spool, background=True)
    other = WorkspaceSpanExporter(theirs, spool_dir=spool)
    try:
        with mine._writes:  # (a detect's store, say: the spooled batch waits for the lock)
            spooler.export(_spans())
            other.force_flush(5000)
        spooler.force_flush(5000)
        stored = (
            mine.sql("SELECT count(*) FROM steps").fetchall()[0][0],
            theirs.sql("SELECT count(*) FROM steps").fetchall()[0][0],
        )
        assert stored == (2, 0)
    finally:
        spooler.shutdown()
        other.shutdown()

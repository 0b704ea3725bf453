"""Live capture stores spans through a workspace of its own (``capture.py``: a cursor of the notebook's, for its
exporting thread). Its ingests now wait for the notebook's ``wb.detect`` as the notebook's own do (race47: detect
reads, computes and stores under the workspace's write lock, which the exporter's workspace shares): a batch of a
trace the detect had read part of, exported while it ran, was committed between its read and its store, and the
run was left marked detected with the findings of its first spans only (``detect="auto"`` then never looked at
the rest). Fails on main d55e8cad (the run keeps the detect's marks)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from _attack47_runs import TellingLock, write_meanwhile, writer

pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.capture import WorkspaceSpanExporter  # noqa: E402


def test_a_batch_exported_while_detect_runs_leaves_its_run_undetected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("desk")
    with tracer.start_as_current_span("invoke_agent pricer", attributes={"gen_ai.agent.name": "pricer"}):
        for _ in range(4):
            with tracer.start_as_current_span(
                "execute_tool lookup", attributes={"gen_ai.tool.name": "lookup"}
            ):
                pass
    spans = memory.get_finished_spans()  # (the four calls, then the agent's span: ended last)
    ws = wb.open()
    moved = threading.Event()  # (the export ended, or waits for the detect's lock)
    monkeypatch.setattr(ws, "_writes", TellingLock(ws._writes, moved))
    exporter = WorkspaceSpanExporter(ws, spool_dir=tmp_path / "spool", background=False)
    exporter.export(spans[:2])  # (a batch sent before the rest ended)
    assert ws.count("steps") == 2
    run = ws.sql("SELECT run_id FROM runs").fetchall()

    failed: list[BaseException] = []
    thread = writer(lambda: exporter.export(spans[2:]), moved, failed)
    write_meanwhile(monkeypatch, thread, moved)
    wb.detect(ws, detectors=["loop"], progress=False)
    thread.join()
    # (the export found the lock held: its batch was stored once the detect's ended)
    assert exporter.force_flush()
    assert failed == [] and ws.sql("SELECT run_id FROM runs").fetchall() == run and ws.count("steps") == 5
    # the export came after the detect's store: the run changed since, and is no longer marked detected
    assert ws.sql("SELECT count(*) FROM detected").fetchall() == [(0,)]

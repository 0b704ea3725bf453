"""Live capture stores spans through a workspace of its own (``capture.py``: a cursor of the notebook's, for its
exporting thread), taking the workspace's write lock as the notebook's ingests and ``wb.detect``'s store do (race47;
lock48: an export that finds it held leaves its batch for the exporter's thread, which stores it after): a batch of a
trace the detect had read part of, exported while it ran, was committed between its read and its store, and the
run was left marked detected with the findings of its first spans only (``detect="auto"`` then never looked at
the rest). Fails on main d55e8cad (the run keeps the detect's marks)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from _attack47_runs import TellingLock, agent_spans, write_meanwhile, writer

pytest.importorskip("opentelemetry.sdk")

import workbench as wb  # noqa: E402
from workbench.capture import WorkspaceSpanExporter  # noqa: E402


def test_a_batch_exported_while_detect_runs_leaves_its_run_undetected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spans = agent_spans(4)  # (the four calls, then the agent's span: ended last)
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

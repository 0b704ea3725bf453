"""A live capture's ``spool_dir`` after a killed session (stop 53's "left": since mend49 each exporter stores only
the batches it spooled, and a killed session's were only warned about). The next exporter of the same store file
stores them once their owner is provably gone (a process killed here, its lock released by the kernel); a live
exporter's batches are never taken; the rest are said and ``store_leftovers()`` stores them; nothing twice, a broken
batch quarantined (``workbench/_capture_spool.py``). On 0a8c4fd4 nothing was stored."""

from __future__ import annotations

import gc
import json
import logging
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

import workbench as wb  # noqa: E402
from workbench import _capture_spool  # noqa: E402
from workbench.capture import WorkspaceSpanExporter, otlp_json  # noqa: E402

# A session that spooled batches and was killed (SIGKILL): the exporter's lock taken as capture.py takes it, the
# module loaded alone (no workbench import: a bare interpreter's start).
_KILLED = """
import importlib.util, os, signal, sys
spec = importlib.util.spec_from_file_location("spool", sys.argv[1])
spool = importlib.util.module_from_spec(spec); spec.loader.exec_module(spool)
folder, tag, store = sys.argv[2], sys.argv[3], sys.argv[4] or None
from pathlib import Path
spool.claim(Path(folder), tag, store)
for i, text in enumerate(sys.argv[5:]):
    name = f"spans-17000000000000000{i:02d}-{i:06d}-{tag}.jsonl"
    Path(folder, name + (".part" if not text.endswith(chr(10)) else "")).write_text(text)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _spans(agent: str) -> list:
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    with provider.get_tracer("app").start_as_current_span(
        f"invoke_agent {agent}", attributes={"gen_ai.agent.name": agent}
    ):
        pass
    return list(memory.get_finished_spans())


def _killed_session(spool: Path, tag: str, store: Path | None, *batches: str) -> None:
    args = [str(spool), tag, str(store or ""), *batches]
    done = subprocess.run([sys.executable, "-c", _KILLED, _capture_spool.__file__, *args], check=False)
    assert done.returncode == -signal.SIGKILL


def _agents(ws: wb.Workspace) -> list[str]:
    return [a for (a,) in ws.sql("SELECT agent FROM steps ORDER BY agent").fetchall()]


def test_a_killed_sessions_batches_are_stored_by_the_next_exporter_of_its_store(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spool, store = tmp_path / "spool", tmp_path / "live.duckdb"
    spool.mkdir()
    batch = json.dumps(otlp_json(_spans("killed")), separators=(",", ":"))
    _killed_session(spool, "aaaaaaaaaaaa", store, batch + "\n", batch[:40])  # (the second cut mid-write)
    other = json.dumps(otlp_json(_spans("other")), separators=(",", ":"))
    _killed_session(spool, "bbbbbbbbbbbb", tmp_path / "other.duckdb", other + "\n")  # (another store's)
    ws = wb.open(store)
    live = WorkspaceSpanExporter(ws, spool_dir=spool, background=True)  # (alive: its batch is its own)
    with ws._writes:
        live.export(_spans("live"))
    with caplog.at_level(logging.WARNING, logger="workbench.capture"):
        after = WorkspaceSpanExporter(ws, spool_dir=spool)
    try:
        assert after.force_flush(10_000) and live.force_flush(10_000)
        assert _agents(ws) == ["killed", "live"]  # (each once: the live batch by its own exporter)
        (reason,) = ws.sql("SELECT reason FROM quarantine").fetchall()[0]
        assert "spans-1700000000000000001-000001-" in ws.sql("SELECT file FROM quarantine").fetchall()[0][0]
        assert reason
        said = caplog.text
        assert "storing 2 spooled batch(es)" in said and " 1 spooled batch(es) no exporter" in said
        assert not _capture_spool.lock_path(spool, "aaaaaaaaaaaa").exists()
        assert [p.name for p in _capture_spool.leftovers(spool, after._tag)] == [
            "spans-1700000000000000000-000000-bbbbbbbbbbbb.jsonl"
        ]
        assert after.store_leftovers() == 1 and after.store_leftovers() == 0  # (on the user's word; once)
        assert _agents(ws) == ["killed", "live", "other"]
    finally:
        live.shutdown()
        after.shutdown()
    assert not list(spool.glob(".owner-*"))  # (nothing left to take over: no lock file stays)


def test_an_untagged_leftover_is_said_and_stored_on_request(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    batch = json.dumps(otlp_json(_spans("old")), separators=(",", ":"))
    (spool / "spans-1700000000000000000-000001.jsonl").write_text(batch + "\n")  # (before exporters' tags)
    ws = wb.open()
    WorkspaceSpanExporter(
        ws, spool_dir=spool
    )  # (dropped without shutdown(): its lock goes when it is collected)
    gc.collect()
    with caplog.at_level(logging.WARNING, logger="workbench.capture"):
        exporter = WorkspaceSpanExporter(ws, spool_dir=spool)
    try:
        assert [p.name for p in spool.glob(".owner-*")] == [f".owner-{exporter._tag}.lock"]
        assert " 1 spooled batch(es)" in caplog.text and "store_leftovers()" in caplog.text
        assert _agents(ws) == []
        assert exporter.store_leftovers() == 1
        assert _agents(ws) == ["old"] and exporter.pending() == 0
    finally:
        exporter.shutdown()
    assert not list(spool.iterdir())

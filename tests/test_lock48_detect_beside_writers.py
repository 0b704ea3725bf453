"""``wb.detect`` beside the store's other writers (lock48). race47 made it read, compute and store under the workspace's
write lock, so an ingest, a label or a live capture's export given meanwhile waited for the whole detect
(bench/detect_lock.py). It now computes without the lock and takes it only to store, and stores the findings and
``detected`` marks only of the runs whose rows still hash as they read (detect/_fingerprint.py): a run changed
meanwhile keeps what it had, unmarked, and ``detect="auto"`` computes it again.

Each writer here runs in a thread started from inside the detect (while it computes, or while it stores) and the test
waits for an event the writer sets when it ends or the lock sets when it waits (``TellingLock``): no sleep, no timing.
On main cc8e98a1 the writers started while the detect computes wait for its lock, and the export during its store
waits too: the first three tests fail there."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from _attack47_runs import TellingLock, agent_spans, loop_run, write_meanwhile

import workbench as wb
from workbench.detect import _runner


def _during_compute(monkeypatch: pytest.MonkeyPatch, call, moved: threading.Event) -> list:  # noqa: ANN001
    """Run ``call`` in a thread once the next detect's detectors have read the store (``_runner._run_chunked``
    returned), before it stores, and wait until the thread ends or waits for the write lock (``moved``). The list
    returned gets the thread, then "ended" when the call had ended by then, else "waited" (or the call's error)."""
    chunked = _runner._run_chunked
    done: list = []

    def run() -> None:
        try:
            call()
            done.append("ended")
        except Exception as exc:  # noqa: BLE001
            done.append(repr(exc))
        finally:
            moved.set()

    def then(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        monkeypatch.setattr(_runner, "_run_chunked", chunked)
        chunked(*args, **kwargs)
        thread = threading.Thread(target=run)
        done.append(thread)
        thread.start()
        assert moved.wait(
            timeout=60
        )  # (bounded: a writer that neither ends nor waits fails the test, not hangs it)
        if len(done) == 1:
            done.append("waited")  # (TellingLock told it waits for the detect's lock)

    monkeypatch.setattr(_runner, "_run_chunked", then)
    return done


@pytest.fixture
def loop_store(monkeypatch: pytest.MonkeyPatch) -> tuple[wb.Workspace, threading.Event]:
    """r0: a loop (five calls of one tool, one answer); r1: its record and planning step only. The store's write lock
    tells when a writer waits for it."""
    ws = wb.open()
    ws.ingest(loop_run("r0") + loop_run("r1")[:2], progress=False)
    moved = threading.Event()
    monkeypatch.setattr(ws, "_writes", TellingLock(ws._writes, moved))
    return ws, moved


def test_an_ingest_while_detect_computes_commits_at_once_and_its_run_ends_unmarked(
    loop_store: tuple[wb.Workspace, threading.Event], monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, moved = loop_store
    done = _during_compute(monkeypatch, lambda: ws.ingest(loop_run("r1")[2:], progress=False), moved)
    found = wb.detect(ws, detectors=["loop"], progress=False)
    done[0].join()
    assert done[1:] == ["ended"]  # (committed while the detect computed, not after its store)
    # r0 unchanged: stored and marked; r1 changed meanwhile: nothing stored for it, no mark, and said so
    assert sorted(found["run_id"]) == ["r0"] and found.attrs["changed_meanwhile"] == ["r1"]
    assert ws.sql("SELECT run_id, detector FROM detected ORDER BY 1").fetchall() == [("r0", "loop")]
    # (what detect="auto" then does: the changed run's detectors again, on its rows as they are)
    assert sorted(wb.detect(ws, ["r1"], detectors=["loop"], progress=False)["run_id"]) == ["r1"]


# (a label of another outcome changes what the detectors read of the run; one naming a culprit, same outcome, does not)
@pytest.mark.parametrize(
    ("label", "changed"),
    [({"outcome": "success"}, ["r0"]), ({"agent": "pricer"}, [])],
    ids=["other outcome", "culprit only"],
)
def test_a_label_while_detect_computes_unmarks_the_run_only_when_it_changed_what_detect_read(
    loop_store: tuple[wb.Workspace, threading.Event],
    monkeypatch: pytest.MonkeyPatch,
    label: dict,
    changed: list[str],
) -> None:
    ws, moved = loop_store
    done = _during_compute(monkeypatch, lambda: ws.label("r0", **label, by="sre"), moved)
    found = wb.detect(ws, detectors=["loop"], progress=False)
    done[0].join()
    assert done[1:] == ["ended"] and found.attrs["changed_meanwhile"] == changed
    marked = [r for (r,) in ws.sql("SELECT run_id FROM detected ORDER BY 1").fetchall()]
    assert marked == [r for r in ("r0", "r1") if r not in changed]
    # the findings of a changed run are those it had (none: never detected), not the ones computed from its old rows
    assert [r for (r,) in ws.sql("SELECT run_id FROM findings").fetchall()] == ([] if changed else ["r0"])


pytest.importorskip("opentelemetry.sdk")


# (background: an export only spools; False, the default: it stores its batch unless another write holds the lock)
@pytest.mark.parametrize("background", [True, False], ids=["background", "in the export"])
def test_a_live_export_while_detect_stores_returns_at_once_and_every_span_is_stored(
    loop_store: tuple[wb.Workspace, threading.Event],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    background: bool,
) -> None:
    from opentelemetry.sdk.trace.export import SpanExportResult

    from workbench.capture import WorkspaceSpanExporter

    spans = agent_spans(4)
    ws, moved = loop_store
    exporter = WorkspaceSpanExporter(ws, spool_dir=tmp_path / "spool", background=background)
    results: list[object] = []
    seen: list[
        list
    ] = []  # (the export's results when the detect went on to store: it had returned, or waited)
    store = _runner._store

    def seeing(*args):  # noqa: ANN002, ANN202
        seen.append(list(results))
        return store(*args)

    monkeypatch.setattr(_runner, "_store", seeing)
    # (started inside the detect's store, which holds the write lock: the export must not wait for it)
    thread = threading.Thread(target=lambda: (results.append(exporter.export(spans)), moved.set()))
    write_meanwhile(monkeypatch, thread, moved)
    wb.detect(ws, detectors=["loop"], progress=False)
    thread.join()
    assert seen == [[SpanExportResult.SUCCESS]]  # (it returned while the detect held the lock)
    assert exporter.deferred == 1 and exporter.pending() in (0, 1)
    assert exporter.force_flush() and exporter.pending() == 0
    assert exporter.exported == len(spans) == 5
    assert ws.count("steps") == 7 + 5 and not list((tmp_path / "spool").glob("spans-*"))
    exporter.shutdown()


def test_the_write_lock_counts_the_writes_that_ended_not_those_reentered() -> None:
    from workbench.store._write_lock import WriteLock

    lock = WriteLock()
    with lock:
        with lock:  # (an ingest inside a label's hold, say: one write)
            pass
        assert lock.generation == 0
    assert lock.generation == 1
    assert lock.acquire(blocking=False)
    lock.release()
    assert lock.generation == 2

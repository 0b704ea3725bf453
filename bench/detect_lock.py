"""What ``wb.detect`` holding the workspace's write lock costs an ingest and a live capture given meanwhile (race47, lock48).

Usage::

    python bench/detect_lock.py                                   # 50k and 500k steps
    python bench/detect_lock.py --sizes 50000 --baseline-python /work/wt/base33/.venv/bin/python

``wb.detect`` reads, computes and stores under the lock its workspace's ingests take (two detects at once stored
every finding twice; an ingest committed between its read and its store left stale marks), so an ingest of another
thread waits until the detect ends. Each size, in a process of its own per interpreter: a store of runs of 50 steps
(bench/detect.py's fill), then a small ingest (a new run's record and first step) alone; the detectors alone; and an
ingest of that run's next five steps started in the main thread once a detect of every detector began in another
(``_runner._detect`` entered). Prints the ingest's latency (wall: waiting is what the lock costs) alone and during the detect, the
detect's wall and CPU seconds (the wait's bound), the process's CPU seconds for the overlapped phase, peak RSS, and
whether the ingest failed or its run was left marked detected (stale: marks of the steps the detect read, which
``detect="auto"`` then trusts), and how long the detect's thread held the write lock at most (one hold).

Then a live capture during a detect (lock48): an OpenTelemetry ``BatchSpanProcessor`` (the SDK's defaults: a queue
of 2,048 spans, batches of 512) over a ``WorkspaceSpanExporter`` of the store, and traces of 25 spans made at about
``--span-rate`` spans a second from the moment a detect of every detector began until it ended. Prints the spans
made, the spans stored (steps of those traces after the processor's flush and shutdown), the spans the SDK's queue
dropped (made minus stored), and the longest ``export`` call (wall: what the SDK's worker waited). Run the baseline
beside it: the wall figures are only comparable within one invocation, on one machine's load.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from detect import _fill  # noqa: E402  (the detector benchmark's store)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _records(run_id: str = "x") -> list[dict]:
    step = {"record": "step", "run_id": run_id, "agent": "pricer"}
    return [
        {"record": "run", "run_id": run_id, "outcome": "failure"},
        {**step, "step_id": "s0", "kind": "llm", "started_at": "2026-01-05T10:00:00Z", "output": "plan"},
        *(
            {
                **step,
                "step_id": f"s{i}",
                "parent_id": "s0",
                "kind": "tool",
                "tool": "lookup",
                "input": '{"q": 1}',
                "output": "the same answer",
                "started_at": f"2026-01-05T10:00:0{i}Z",
            }
            for i in range(1, 6)
        ),
    ]


class _Holds:
    """A workspace's write lock that keeps the longest hold of each thread (wall seconds)."""

    def __init__(self, lock) -> None:  # noqa: ANN001
        self.lock, self.longest, self._since = lock, {}, {}

    @property
    def generation(self):  # noqa: ANN201  (lock48's WriteLock: the writes that ended)
        return getattr(self.lock, "generation", None)

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        got = self.lock.acquire(blocking, timeout)
        me = threading.current_thread().name
        if got and me not in self._since:
            self._since[me] = [time.perf_counter(), 0]
        if got:
            self._since[me][1] += 1
        return got

    def release(self) -> None:
        me = threading.current_thread().name
        self._since[me][1] -= 1
        if not self._since[me][1]:
            held = time.perf_counter() - self._since.pop(me)[0]
            self.longest[me] = max(self.longest.get(me, 0.0), held)
        self.lock.release()

    def __enter__(self):  # noqa: ANN204
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _capture(
    ws,
    detect_began: threading.Event,
    detect_thread: threading.Thread | None,
    rate: int,  # noqa: ANN001
    seconds: float = 0.0,
) -> dict:
    """Spans made while a detect runs (``detect_thread``; None: for ``seconds``, no detect), through the SDK's batch
    processor into ``ws``: made, stored, longest export."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    from workbench.capture import WorkspaceSpanExporter

    exporter = WorkspaceSpanExporter(ws)
    inner, waits = exporter.export, []

    def export(spans):  # noqa: ANN001, ANN202
        start = time.perf_counter()
        try:
            return inner(spans)
        finally:
            waits.append(time.perf_counter() - start)

    exporter.export = export
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(exporter))
    tracer = provider.get_tracer("bench")
    before = ws.count("steps")
    made = 0
    if detect_thread is not None:
        detect_thread.start()
        detect_began.wait()
    end = time.perf_counter() + seconds
    while detect_thread.is_alive() if detect_thread is not None else time.perf_counter() < end:
        # (traces of 25 spans, one trace every 25 / rate seconds)
        with tracer.start_as_current_span("invoke_agent pricer", attributes={"gen_ai.agent.name": "pricer"}):
            for _ in range(24):
                with tracer.start_as_current_span(
                    "execute_tool lookup", attributes={"gen_ai.tool.name": "lookup"}
                ):
                    pass
        made += 25
        time.sleep(25 / rate)
    if detect_thread is not None:
        detect_thread.join()
    provider.force_flush()
    provider.shutdown()
    return {
        "spans_made": made,
        "spans_stored": ws.count("steps") - before,
        "export_max_s": max(waits, default=0.0),
    }


def _child(db: str, n_steps: int, rate: int) -> None:
    import workbench as wb
    from workbench.detect import _runner

    _fill(db, n_steps)
    out: dict = {"steps": n_steps}
    with wb.open(db) as ws:
        ws._writes = holds = _Holds(ws._writes)
        wb.detect(ws, progress=False)  # (warm: the first call plans every statement once)
        start, cpu = time.perf_counter(), _cpu()
        wb.detect(ws, progress=False)
        out["detect_s"], out["detect_cpu"] = time.perf_counter() - start, _cpu() - cpu
        start = time.perf_counter()
        ws.ingest(_records()[:2], progress=False)  # (a new run, its record and first step: not detected)
        out["ingest_alone_s"] = time.perf_counter() - start
        began = threading.Event()
        inner = _runner._detect

        def told(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            began.set()
            return inner(*args, **kwargs)

        _runner._detect = told
        done: dict = {}

        def detect() -> None:
            try:
                wb.detect(ws, progress=False)
                done["detect_error"] = None
            except Exception as exc:  # noqa: BLE001
                done["detect_error"] = f"{type(exc).__name__}: {str(exc)[:60]}"

        thread = threading.Thread(target=detect, name="detect")
        start, cpu = time.perf_counter(), _cpu()
        thread.start()
        began.wait()
        asked = time.perf_counter()
        try:
            ws.ingest(
                _records()[2:], progress=False
            )  # (the run's five tool calls: the detect read it before)
            out["ingest_error"] = None
        except Exception as exc:  # noqa: BLE001
            out["ingest_error"] = type(exc).__name__
        out["ingest_during_s"] = time.perf_counter() - asked
        thread.join()
        out["overlap_s"], out["overlap_cpu"] = time.perf_counter() - start, _cpu() - cpu
        out["detect_error"] = done["detect_error"]
        out["stale_marks"] = ws.sql("SELECT count(*) FROM detected WHERE run_id = 'x'").fetchall()[0][0]
        out["detect_hold_s"] = holds.longest.get("detect", 0.0)
        began.clear()
        out.update(_capture(ws, began, threading.Thread(target=detect, name="detect"), rate))
        # (the same spans for as long, no detect: the spans the exporter loses at this rate anyway)
        alone = _capture(ws, began, None, rate, out["detect_s"])
        out["alone_made"], out["alone_stored"], out["alone_export_max_s"] = (
            alone["spans_made"],
            alone["spans_stored"],
            alone["export_max_s"],
        )
        _runner._detect = inner
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def _run(python: str, db: str, n_steps: int, own_tree: bool, rate: int) -> dict:
    env = dict(os.environ)
    if own_tree:  # (this tree's workbench; a baseline interpreter imports its own release)
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    else:
        env.pop("PYTHONPATH", None)
    done = subprocess.run(
        [python, __file__, "--child", db, "--sizes", str(n_steps), "--span-rate", str(rate)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50_000, 500_000])
    parser.add_argument("--baseline-python")
    parser.add_argument(
        "--span-rate", type=int, default=200, help="spans a second made during the capture's detect"
    )
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.sizes[0], args.span_rate)
        return
    print(
        "| build | steps | ingest alone s | detect s (CPU) | ingest during detect s | detect's longest lock hold s | "
        "overlap CPU s | ingest error | detect error | stale marks | spans made / stored during detect (alone) | "
        "longest export s during detect (alone) | peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        builds = [("this", sys.executable, True)]
        if args.baseline_python:
            builds.append(("baseline", args.baseline_python, False))
        for name, python, own in builds:
            with tempfile.TemporaryDirectory(prefix="detect_lock_") as tmp:
                r = _run(python, str(Path(tmp) / "s.duckdb"), n, own, args.span_rate)
            print(
                f"| {name} | {n:,} | {r['ingest_alone_s']:.2f} | {r['detect_s']:.2f} ({r['detect_cpu']:.2f}) | "
                f"{r['ingest_during_s']:.2f} | {r['detect_hold_s']:.2f} | {r['overlap_cpu']:.2f} | "
                f"{r['ingest_error']} | {r['detect_error']} | {r['stale_marks']} | "
                f"{r['spans_made']:,} / {r['spans_stored']:,} ({r['alone_made']:,} / {r['alone_stored']:,}) | "
                f"{r['export_max_s']:.2f} ({r['alone_export_max_s']:.2f}) | {r['peak_rss_mb']:.0f} |"
            )
    print(f"load average {os.getloadavg()[0]:.1f} (1 min), span rate {args.span_rate}/s")


if __name__ == "__main__":
    main()

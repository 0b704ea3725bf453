"""Profiling of an ingest call, statement by statement: on with the environment variable WORKBENCH_INGEST_TIMINGS=1.

Each statement run through :func:`execute` prints its wall and CPU seconds (the process's: DuckDB's threads
included) and the peak RSS so far, tagged with the phase (``stage`` for the readers' statements, ``merge``
for the driver's), and :func:`mark` the seconds between the call's phases (``[ingest]``). Off, it is a
plain ``con.execute``.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import duckdb

#: Whether statements print their cost (read once, at import).
ENABLED = os.environ.get("WORKBENCH_INGEST_TIMINGS") == "1"


def peak_mb() -> float:
    """This process's peak RSS so far, in MB (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            return next((int(ln.split()[1]) / 1024 for ln in fh if ln.startswith("VmHWM")), 0.0)
    except OSError:
        return 0.0


_LAST: list[float] = []


def begin() -> None:
    """Start the clock of a new ingest call: the next :func:`mark` counts from here."""
    _LAST.clear()
    mark("start")


def mark(what: str) -> None:
    """When ENABLED, print the wall and CPU seconds since the last mark, tagged ``[ingest]``."""
    if not ENABLED:
        return
    now = (time.perf_counter(), time.process_time())
    if _LAST:
        print(
            f"[ingest] {now[0] - _LAST[0]:7.2f} s wall {now[1] - _LAST[1]:7.2f} s CPU  {peak_mb():6.0f} MB peak  "
            f"until {what}"
        )
    _LAST[:] = now


def execute(
    con: duckdb.DuckDBPyConnection, sql: str, params: Any = None, tag: str = "stage"
) -> duckdb.DuckDBPyConnection:
    """``con.execute(sql, params)``; when ENABLED, print what it cost, tagged ``[tag]``."""
    if not ENABLED:
        return con.execute(sql, params)
    wall, cpu = time.perf_counter(), time.process_time()
    result = con.execute(sql, params)
    head = " ".join(ln.strip() for ln in sql.splitlines() if ln.strip() and not ln.lstrip().startswith("--"))[
        :70
    ]
    print(
        f"[{tag}] {time.perf_counter() - wall:7.2f} s wall {time.process_time() - cpu:7.2f} s CPU  "
        f"{peak_mb():6.0f} MB peak  {head}"
    )
    return result


class ThreadClock:
    """The CPU seconds of a helper thread, readable from the thread that waits for it (profiling).

    A statement's line counts the process's CPU, so a thread running beside it (the native reader's line count
    and lenient scan, beside its copies) is counted in whatever statement it overlaps. :meth:`note` prints that
    thread's own CPU so far, tagged ``[scan]``, for ``bench/ingest_phases.py`` to take out of those statements.
    """

    def __init__(self) -> None:
        self.ident: int | None = None
        self.start = 0.0

    def run(self, fn: Any, *args: Any) -> Any:
        """Call ``fn(*args)`` in the current thread (the helper), its CPU clock started."""
        self.ident, self.start = threading.get_ident(), time.thread_time()
        return fn(*args)

    def cpu(self) -> float:
        """The helper's CPU seconds since :meth:`run` began (0 before, or where no thread clock is readable)."""
        if self.ident is None:
            return 0.0
        try:
            return time.clock_gettime(time.pthread_getcpuclockid(self.ident)) - self.start
        except (
            AttributeError,
            OSError,
            OverflowError,
        ):  # (no such clock on this platform, or the thread ended)
            return 0.0

    def note(self, what: str) -> None:
        """When ENABLED, print the helper's CPU seconds so far, tagged ``[scan]``."""
        if ENABLED:
            print(f"[scan] {0.0:7.2f} s wall {self.cpu():7.2f} s CPU  {peak_mb():6.0f} MB peak  {what}")

"""The harness of the benches that time one kind of call in fresh processes (explorer_build.py, chart_save.py).

Each case runs in a process of its own (its peak RSS is its own, and a module it imports is not already loaded),
for this checkout and, beside it in the same invocation, a baseline, the two alternating case by case: another
interpreter (another checkout's venv) or this one with another checkout's package first on its path. A child
reports the median CPU of its counted calls (user + system of the whole process, DuckDB's and vl-convert's threads
included: ``time.process_time``) and its peak RSS as a JSON line; the parent prints them as one table.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence


def figures(cpu_s: Sequence[float], **more: object) -> dict:
    """A child's answer: the median CPU ms of its counted calls, its peak RSS so far, and ``more``."""
    return {
        "cpu_ms": statistics.median(cpu_s) * 1000,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        **more,
    }


def measure(
    script: str, case: str, args: Sequence[str], python: str | None = None, src: str | None = None
) -> dict:
    """The figures of ``script --child CASE ARGS`` run in a fresh process by ``python`` (this interpreter when
    None) with ``src`` (a checkout's root) first on its path: its last line of output, as JSON."""
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    out = subprocess.run(
        [python or sys.executable, os.path.abspath(script), "--child", case, *args],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=tempfile.gettempdir(),  # (not a checkout: a package in the folder would be imported first)
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def load() -> str:
    """The load average, for the table's head and foot: 2 shared cores make CPU figures swing with it."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def table(
    head: str,
    cases: Sequence[str],
    ours: Callable[[str], dict],
    base: Callable[[str], dict] | None,
    shown: Sequence[tuple[str, str]] = (),
    same: str | None = None,
) -> None:
    """Print the table of ``cases``: ``head`` names the first column; ``ours`` and ``base`` (None: no baseline)
    give a case's figures, measured in that order. ``shown``: (column, key) of ours' figures shown after the
    case; ``same``: a key whose value the two sides must agree on (else they measured different things). The ratio
    is the baseline's CPU over ours (>1: ours is cheaper)."""
    cols = [head, *(c for c, _ in shown)]
    cols += ["ours CPU ms", "ours peak RSS MB", "baseline CPU ms", "baseline peak RSS MB", "ratio"]
    print("| " + " | ".join(cols) + " |")
    print("|---|" + "---:|" * (len(cols) - 1))
    for case in cases:
        o = ours(case)
        b = base(case) if base is not None else None
        if b is not None and same is not None and b[same] != o[same]:
            raise SystemExit(f"{case}: the two sides differ in {same} ({o[same]} vs {b[same]})")
        cells = [case, *(str(o[k]) for _, k in shown), f"{o['cpu_ms']:,.0f}", f"{o['rss_mb']:,.0f}"]
        if b is not None:
            cells += [f"{b['cpu_ms']:,.0f}", f"{b['rss_mb']:,.0f}", f"{b['cpu_ms'] / o['cpu_ms']:.2f}"]
        else:
            cells += ["-", "-", "-"]
        print("| " + " | ".join(cells) + " |")
    print(f"\nload after: {load()}")

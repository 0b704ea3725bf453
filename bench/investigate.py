"""``workbench investigate`` on the demo data: seconds, peak RSS and verdict agreement, before and after.

Usage::

    python bench/investigate.py                          # everything below, ~3-5 minutes on 2 idle cores
    python bench/investigate.py --baseline-ref b649ea8   # also the command as it was at that commit
    python bench/investigate.py --runs 100               # the attribution table on the first 100 failed runs

Table 1 (end to end, each a fresh ``workbench investigate`` process): the command at
``--baseline-ref`` (checked out into a temporary git worktree and run from there, same machine, same
invocation), this checkout with no cache (``--no-cache``: ingest, detect, replays), the first run that
fills the demo cache, and a second run that reads it. Peak RSS is the command's own process
(``ru_maxrss``; replay worker processes, when used, are not included).

Table 2 (the attribution phase alone, in this process, on the same store): one ``wb.attribute`` call per
failed run (what the command did before), then ``wb.attribute_many`` in this process and with 2 worker
processes, then again when the store already holds the verdicts. Agreement is the share of labelled
failed runs whose culprit agent, and decisive step, match the ground-truth labels.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_AGREE = re.compile(r"culprit agent right in (\d+)%, decisive step is a labelled fault step in (\d+)%")
_RUNNER = ("import resource, sys; from workbench.cli import main; rc = main(sys.argv[1:]); "
           "print('maxrss_kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); "
           "sys.exit(rc)")


def _load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def _command(label: str, cwd: Path, env: dict[str, str], argv: list[str]) -> dict:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _RUNNER, "investigate", "--quiet", "--timings", *argv],
                          cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{label}: exit {proc.returncode}: {proc.stderr[-2000:]}")
    rss = re.search(r"maxrss_kb (\d+)", proc.stderr)
    agree = _AGREE.search(proc.stdout)
    phases = re.search(r"^seconds: (.*)$", proc.stdout, re.M)
    return {"label": label, "seconds": seconds, "rss_mb": int(rss.group(1)) / 1024 if rss else float("nan"),
            "agent": f"{agree.group(1)}%" if agree else "-", "step": f"{agree.group(2)}%" if agree else "-",
            "phases": phases.group(1) if phases else "-"}


def end_to_end(baseline_ref: str | None) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, WORKBENCH_CACHE_DIR=str(Path(tmp) / "cache"), COLUMNS="120")
        env.pop("WORKBENCH_DB", None)
        if baseline_ref:
            old = Path(tmp) / "baseline"
            subprocess.run(["git", "worktree", "add", "--detach", str(old), baseline_ref], cwd=ROOT, check=True,
                           capture_output=True)
            try:
                old_env = dict(env, PYTHONPATH=str(old))
                # the old command had no --quiet/--timings: run it plainly
                start = time.perf_counter()
                proc = subprocess.run([sys.executable, "-c", _RUNNER.replace("main(sys.argv[1:])",
                                                                              "main(['investigate'])")],
                                      cwd=old, env=old_env, capture_output=True, text=True)
                seconds = time.perf_counter() - start
                rss = re.search(r"maxrss_kb (\d+)", proc.stderr)
                agree = _AGREE.search(proc.stdout)
                rows.append({"label": f"before ({baseline_ref})", "seconds": seconds,
                             "rss_mb": int(rss.group(1)) / 1024 if rss else float("nan"),
                             "agent": f"{agree.group(1)}%" if agree else "-",
                             "step": f"{agree.group(2)}%" if agree else "-", "phases": "-"})
            finally:
                subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, capture_output=True)
        rows.append(_command("after, no cache (--no-cache)", ROOT, env, ["--no-cache"]))
        rows.append(_command("after, first run (fills the cache)", ROOT, env, []))
        rows.append(_command("after, cached demo store", ROOT, env, []))
    base = rows[0]["seconds"]
    print(f"\n### workbench investigate, end to end ({_load()}, {os.cpu_count()} cores)\n")
    print("| command | seconds | vs first row | peak RSS (MB) | culprit right | step right | phases (s) |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for r in rows:
        print(f"| {r['label']} | {r['seconds']:.1f} | {base / r['seconds']:.1f}x | {r['rss_mb']:.0f} | "
              f"{r['agent']} | {r['step']} | {r['phases']} |")


class _PeakRSS:
    """Peak RSS of this process and its children, sampled every 50 ms."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(0.05):
            total = me.memory_info().rss
            for child in me.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)

    def __enter__(self) -> _PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _agreement(ws, run_ids: list[str]) -> tuple[str, str]:  # noqa: ANN001
    from workbench._investigate import agreement

    text = agreement(ws)
    m = _AGREE.search(text)
    return (f"{m.group(1)}%", f"{m.group(2)}%") if m else ("-", "-")


def attribution_phase(n_runs: int | None) -> None:
    import workbench as wb
    from workbench.demo import demo_replay, open_demo

    base = open_demo(progress=False)
    failed = [r for (r,) in base.sql("SELECT run_id FROM runs WHERE outcome = 'failure' ORDER BY run_id").fetchall()]
    failed = failed[:n_runs] if n_runs else failed
    replay = demo_replay()
    rows = []

    def fresh():  # noqa: ANN202
        base.sql("DELETE FROM attributions")
        return base

    ws = fresh()
    with _PeakRSS() as mem:
        start = time.perf_counter()
        replays = 0
        for r in failed:
            replays += wb.attribute(ws, r, replay).replays
        rows.append(("one wb.attribute call per run (before)", time.perf_counter() - start, replays, mem))
    rows[-1] += _agreement(ws, failed)
    for label, jobs in (("wb.attribute_many, in this process", 1), ("wb.attribute_many, 2 worker processes", 2)):
        ws = fresh()
        with _PeakRSS() as mem:
            start = time.perf_counter()
            done, _ = wb.attribute_many(ws, replay, failed, n_jobs=jobs, progress=False)
            rows.append((label, time.perf_counter() - start, sum(a.replays for a in done), mem))
        rows[-1] += _agreement(ws, failed)
    with _PeakRSS() as mem:
        start = time.perf_counter()
        done, _ = wb.attribute_many(ws, replay, failed, progress=False)
        rows.append(("wb.attribute_many, verdicts already stored", time.perf_counter() - start,
                     sum(a.replays for a in done), mem) + _agreement(ws, failed))
    first = rows[0][1]
    print(f"\n### attribution of {len(failed)} failed demo runs ({_load()})\n")
    print("| path | seconds | vs before | runs/s | replays | peak RSS (MB) | culprit right | step right |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, seconds, replays, mem, agent, step in rows:
        print(f"| {label} | {seconds:.2f} | {first / seconds:.1f}x | {len(failed) / seconds:.0f} | {replays:,} | "
              f"{mem.peak / 2**20:.0f} | {agent} | {step} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-ref", help="git commit whose `workbench investigate` is the baseline")
    parser.add_argument("--runs", type=int, default=None, help="failed runs in table 2 (default: all)")
    parser.add_argument("--skip-end-to-end", action="store_true")
    args = parser.parse_args()
    print(_load())
    if not args.skip_end_to_end:
        end_to_end(args.baseline_ref)
    attribution_phase(args.runs)


if __name__ == "__main__":
    main()

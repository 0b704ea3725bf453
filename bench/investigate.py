"""``workbench investigate`` on the demo data: phase times cold and cached, total, peak RSS, verdict
quality, this checkout beside the previous release, in one invocation.

Usage::

    python bench/investigate.py                         # this checkout and `main`, cold and cached
    python bench/investigate.py --baseline-ref v0.1.0   # another baseline commit
    python bench/investigate.py --extra merged=/tmp/wt  # also time another checkout (e.g. a local merge)
    python bench/investigate.py --repeat 3              # median of 3 of each (rows interleaved)
    python bench/investigate.py --attribution           # also table 2: the attribution phase alone
    python bench/investigate.py --baseline-python /work/main/.venv/bin/python  # main's packages too
    python bench/investigate.py --cold-only --variant "jobs 1=--jobs 1"  # only the --no-cache rows, and
                                                        # this checkout with other options as well

Table 1: each row is a fresh ``workbench investigate`` process (run as ``python -c`` with the
checkout first on ``sys.path``, the same interpreter and packages for every checkout) with its own
empty demo cache directory (``WORKBENCH_CACHE_DIR``), so "cold" is a fresh ``~/.cache/workbench``:

* cold, ``--no-cache``: ingest in memory, detectors, every replay;
* cold, first run: the same, into the demo cache file;
* cached: a second run on that file (findings and verdicts already stored: no replays).

Phases come from ``--timings`` ("load" is the ingest); "other" is the rest of the wall time: start-up,
imports, the table and anything the command does not time. The baseline prints fewer phases (it
had no overlap of detectors and replays). "CPU s" is the user + system time of the command and its
worker processes (a figure the machine's load barely changes; wall times it changes a lot). Peak RSS is the whole process tree (worker processes
included), sampled every 20 ms. The load average is printed before and after each row: on a shared
machine it says how much the numbers are worth.

Table 2 (``--attribution``): the attribution phase alone, in this process, on one store: one
``wb.attribute`` call per failed run, ``wb.attribute_many`` in this process, and the investigate
command's pool (one worker process plus this one).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]

_AGREE = re.compile(r"culprit agent right in (\d+)%, decisive step is a labelled fault step in (\d+)%")
# the checkout's own package first: every checkout runs with this interpreter and its packages;
# main() reads sys.argv, as the `workbench` console script calls it
_RUNNER = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); sys.argv[0] = 'workbench'; "
    "from workbench.cli import main; sys.exit(main())"
)
_PHASES = ("load", "detect", "attribute", "print")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _tree_rss(proc: psutil.Process) -> int:
    try:
        tree = [proc, *proc.children(recursive=True)]
    except psutil.Error:  # it just ended
        return 0
    total = 0
    for p in tree:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def _command(checkout: Path, cache: Path, argv: list[str], python: str = sys.executable) -> dict:
    env = dict(os.environ, WORKBENCH_CACHE_DIR=str(cache), COLUMNS="120")
    env.pop("WORKBENCH_DB", None)
    load_before = _load()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = psutil.Popen(
        [python, "-c", _RUNNER, str(checkout), "investigate", "--quiet", "--timings", *argv],
        cwd=checkout,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.02):
            peak = max(peak, _tree_rss(proc))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the command and its workers, once reaped
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"{checkout} investigate {argv}: exit {proc.returncode}: {err[-2000:]}")
    flat = " ".join(out.split())  # lines are wrapped at the terminal width
    agree = _AGREE.search(flat)
    phases: dict[str, float] = {}
    line = re.search(r"^seconds: (.*)$", out, re.M)
    for part in line.group(1).split(", ") if line else []:
        name, value = part.rsplit(" ", 1)
        key = name.split(":")[0]  # "attribute: queue" and "attribute: rest" are both attribution
        phases[key] = phases.get(key, 0.0) + float(value)
    return {
        "seconds": seconds,
        "cpu": cpu,
        "rss_mb": peak / 2**20,
        "phases": phases,
        "agent": f"{agree.group(1)}%" if agree else "-",
        "step": f"{agree.group(2)}%" if agree else "-",
        "load": f"{load_before} / {_load()}",
    }


def _median(runs: list[dict]) -> dict:
    if len(runs) == 1:
        return runs[0]
    mid = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
    return {
        **mid,
        "seconds": statistics.median(r["seconds"] for r in runs),
        "cpu": statistics.median(r["cpu"] for r in runs),
        "rss_mb": statistics.median(r["rss_mb"] for r in runs),
    }


def end_to_end(
    checkouts: list[tuple[str, Path, list[str], str]], repeat: int, cold_only: bool = False
) -> None:
    kinds = [
        ("cold, --no-cache", ["--no-cache"], False),
        ("cold, first run (fills the cache)", [], False),
        ("cached (second run)", [], True),
    ]
    kinds = kinds[:1] if cold_only else kinds
    results: dict[tuple[str, str], list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(repeat):
            for kind, argv, _ in kinds:
                for (
                    label,
                    checkout,
                    extra,
                    python,
                ) in checkouts:  # interleaved: the checkouts' rows run close in time
                    cache = Path(tmp) / f"{label}-{r}".replace(" ", "_")
                    results.setdefault((label, kind), []).append(
                        _command(checkout, cache, argv + extra, python)
                    )
    print(
        f"\n### workbench investigate on the demo data ({os.cpu_count()} cores; load average 1/5/15 min "
        f"before / after each row; median of {repeat})\n"
    )
    print(
        "| checkout | run | total (s) | load = ingest | detect | attribute | print | other | "
        "vs baseline | CPU s | peak RSS (MB) | culprit right | step right | load average |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for kind, _, _ in kinds:
        base = _median(results[(checkouts[-1][0], kind)])["seconds"]
        for label, *_ in checkouts:
            row = _median(results[(label, kind)])
            ph = row["phases"]
            cells = [f"{ph[p]:.1f}" if p in ph else "-" for p in _PHASES]
            other = row["seconds"] - sum(ph.values())
            print(
                f"| {label} | {kind} | {row['seconds']:.1f} | {' | '.join(cells)} | {other:.1f} | "
                f"{base / row['seconds']:.2f}x | {row['cpu']:.1f} | {row['rss_mb']:.0f} | {row['agent']} | {row['step']} | "
                f"{row['load']} |"
            )
    print("\nvs baseline: the baseline's seconds over this row's (above 1: faster than the baseline).")


def attribution_phase() -> None:
    import workbench as wb
    from workbench.attribution._pool import AttributionPool
    from workbench.demo import demo_replay, open_demo

    with tempfile.TemporaryDirectory() as tmp:
        ws = open_demo(str(Path(tmp) / "demo.duckdb"), progress=False)
        failed = [
            r
            for (r,) in ws.sql("SELECT run_id FROM runs WHERE outcome = 'failure' ORDER BY run_id").fetchall()
        ]
        replay = demo_replay()
        rows = []

        def timed(label: str, fn) -> None:  # noqa: ANN001
            ws.sql("DELETE FROM attributions")
            load = _load()
            cpu = time.process_time()
            start = time.perf_counter()
            replays = fn()
            rows.append((label, time.perf_counter() - start, time.process_time() - cpu, replays, load))

        timed(
            "one wb.attribute call per run", lambda: sum(wb.attribute(ws, r, replay).replays for r in failed)
        )
        timed(
            "wb.attribute_many, this process",
            lambda: sum(a.replays for a in wb.attribute_many(ws, replay, n_jobs=1, progress=False)[0]),
        )

        with AttributionPool(replay, workers=1) as pool:
            for warm in pool._warm:  # in the command the worker starts while this process ingests
                warm.result()
            timed(
                "pool: 1 worker + this process",
                lambda: (pool.start(ws), sum(a.replays for a in pool.finish(ws)[0]))[1],
            )
        ws.close()
    first = rows[0][1]
    print(f"\n### attribution of the {len(failed)} failed demo runs alone\n")
    print("| path | seconds | CPU s (this process) | vs first | replays | load average before |")
    print("|---|---:|---:|---:|---:|---|")
    for label, seconds, cpu, replays, load in rows:
        print(f"| {label} | {seconds:.2f} | {cpu:.2f} | {first / seconds:.1f}x | {replays:,} | {load} |")
    print(
        "\nThe pool's worker had started (its imports done) before the clock started, as in the command, "
        "where it starts during the ingest; its CPU time is not in the CPU column."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-ref", default="main", help="git commit of the baseline (default main)")
    parser.add_argument(
        "--extra",
        action="append",
        default=[],
        metavar="LABEL=PATH",
        help="another checkout to time in the same invocation",
    )
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--attribution", action="store_true", help="also table 2, the attribution phase alone"
    )
    parser.add_argument(
        "--baseline-python",
        metavar="PATH",
        help="the baseline's interpreter (e.g. main's venv); default this one",
    )
    parser.add_argument(
        "--cold-only", action="store_true", help="only the cold --no-cache rows (the 10 s target)"
    )
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="LABEL=ARGS",
        help="also this checkout with more investigate options, e.g. 'jobs 1=--jobs 1'",
    )
    args = parser.parse_args()
    print(f"load average {_load()}")
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "baseline"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(old), args.baseline_ref],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        try:
            me = sys.executable
            checkouts = [("this checkout", ROOT, [], me)]
            checkouts += [
                (f"this checkout, {v.split('=', 1)[0]}", ROOT, v.split("=", 1)[1].split(), me)
                for v in args.variant
            ]
            checkouts += [
                (e.split("=", 1)[0], Path(e.split("=", 1)[1]).resolve(), [], me) for e in args.extra
            ]
            checkouts.append((f"baseline ({args.baseline_ref})", old, [], args.baseline_python or me))
            end_to_end(checkouts, args.repeat, args.cold_only)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, capture_output=True)
    if args.attribution:
        attribution_phase()


if __name__ == "__main__":
    main()

"""Where an ingest call's CPU goes, phase by phase, and which phase grows faster than the spans (issue 11).

Usage::

    python bench/ingest_phases.py                                   # generated OTLP spans, 1M and 5M
    python bench/ingest_phases.py --sizes 100000 1000000 --files generated sdk native
    python bench/ingest_phases.py --baseline-python ../base33/.venv/bin/python   # an earlier release's phases beside

Each file (written by ``bench/ingest.py``'s writers) is ingested in a fresh process with
``WORKBENCH_INGEST_TIMINGS=1`` (``workbench/ingest/_timings.py``: every statement's CPU seconds, and the call's
marks), and the bare DuckDB read of the same file (``bench/ingest.py``'s ``duckdb-bare``) runs beside it. The lines
are summed into phases, CPU seconds of the process (DuckDB's threads included):

- ``stage statements``: the readers' own statements (the OTLP fast path's mapping, the native read) but the two below;
- ``stage copy``: the INSERTs of mapped rows into ``stage_steps``;
- ``stage checkpoints``: the stage database's checkpoints;
- ``stage Python``: the rest of staging (reading blocks, the depth pre-check, the Python reader's records);
- ``stage line scan``: the native whole-file read's line count and lenient scan (``_lenient_scan``), a Python pass
  over the raw text in a thread of its own beside the copies: its thread's CPU (``[scan]`` lines,
  ``_timings.ThreadClock``), taken out of the statements it ran beside and of ``stage Python`` (after them);
- ``merge, chunk 0``: finalize.sql's checks over every staged step, then the first chunk (the whole merge of a
  call of fewer than ``_driver.MERGE_CHUNK_STEPS`` steps);
- ``merge, other chunks``: the chunks after the first (finalize_tree.sql, finalize_insert.sql);
- ``after the chunks``: counts, stored rules, the runs' rows (refresh_runs.sql);
- ``commit`` and ``checkpoint`` (the store's, ``_checkpoint.py``);
- ``outside the call``: the rest of the process (imports, the store's open and close).

For each phase it prints CPU s and µs a span, and from the second size on how many times its CPU grew against
how many times the spans did: a phase growing faster than the spans is what falls off at the larger size. The bare
read's CPU is given the same way (its fixed part shows as a growth below the spans').
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ingest as bench_ingest  # noqa: E402

PHASES = (
    "stage statements",
    "stage copy",
    "stage checkpoints",
    "stage Python",
    "stage line scan",
    "merge, chunk 0",
    "merge, other chunks",
    "after the chunks",
    "commit",
    "checkpoint",
)
# "[tag]    0.12 s wall    0.34 s CPU     123 MB peak  text" (_timings.execute and _timings.mark)
_LINE = re.compile(r"^\[(\w+)\]\s+[\d.]+ s wall\s+([\d.]+) s CPU\s+\d+ MB peak\s+(.*)$")


def phases(lines: list[str]) -> dict[str, float]:
    """CPU seconds of each of PHASES in an ingest call's ``WORKBENCH_INGEST_TIMINGS=1`` lines (one call); a mark of
    the call (``[ingest] ... until X``) it does not know is an error, not a phase left out."""
    out = dict.fromkeys(PHASES, 0.0)
    staging_statements = 0.0
    staged = False
    # the line scan's thread CPU (each file's cumulative: until the other records' copies ended, the steps', in
    # all), summed over the call's files
    scan = {"other records": 0.0, "steps": 0.0, "all": 0.0}
    file_scan = dict(scan)
    for line in lines:
        m = _LINE.match(line.strip())
        if not m:
            continue
        tag, cpu, text = m.group(1), float(m.group(2)), m.group(3)
        if tag == "ingest":
            if text == "until staged":
                out["stage Python"] = cpu - staging_statements
                staged = True
            elif text == "until merged chunk 0":
                out["merge, chunk 0"] += cpu
            elif text.startswith("until merged chunk "):
                out["merge, other chunks"] += cpu
            elif text == "until merged":
                out["after the chunks"] += cpu
            elif text == "until committed":
                out["commit"] += cpu
            else:  # (a mark this script does not know: its CPU would fall in no phase)
                raise ValueError(f"an ingest mark this script does not know: {text!r}")
        elif tag == "scan" and not staged:
            key = "other records" if "other records" in text else "steps" if "steps'" in text else "all"
            file_scan[key] = cpu
            if key == "all":  # (a file's last line)
                scan = {k: scan[k] + file_scan[k] for k in scan}
                file_scan = dict.fromkeys(scan, 0.0)
        elif tag == "stage" and not staged:
            staging_statements += cpu
            key = (
                "stage copy"
                if text.startswith("INSERT INTO stage_steps")
                else "stage checkpoints"
                if text.startswith("CHECKPOINT")
                else "stage statements"
            )
            out[key] += cpu
        elif tag == "merge" and text.strip() == "CHECKPOINT":
            out["checkpoint"] += cpu
    if scan["all"]:
        # (the copies' lines count the process's CPU, the scan's thread's with it: its share of each taken out;
        # what it ran after the steps' copy fell in stage Python)
        out["stage statements"] -= scan["other records"]
        out["stage copy"] -= scan["steps"] - scan["other records"]
        out["stage Python"] -= scan["all"] - scan["steps"]
        out["stage line scan"] = scan["all"]
    return out


def _child(path: str) -> None:
    """Ingest ``path`` into a fresh store with the timings on; the last line: this process's CPU s and peak RSS."""
    import resource

    import workbench as wb

    with tempfile.TemporaryDirectory() as tmp, wb.open(Path(tmp) / "s.duckdb") as ws:
        report = ws.ingest(path, format="native" if bench_ingest._is_native(path) else "otlp", progress=False)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "stored": report.stored,
                "cpu": usage.ru_utime + usage.ru_stime,
                "peak_mb": usage.ru_maxrss / 1024,
            }
        )
    )


def measure(path: Path, python: str | None = None) -> dict:
    """Ingest ``path`` in a fresh process of this checkout's workbench, timings on; its phases, CPU s and peak RSS.
    ``python``: another interpreter (a venv with an earlier release, its own workbench imported) in its place."""
    env = {**os.environ, "WORKBENCH_INGEST_TIMINGS": "1"}
    env.pop("PYTHONPATH", None)
    if python is None:
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    out = subprocess.run(
        [python or sys.executable, __file__, "--child", str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"the ingest of {path} failed:\n{out.stderr[-2000:]}")
    lines = out.stdout.splitlines()
    return {**json.loads(lines[-1]), "phases": phases(lines)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--files", nargs="+", default=["generated"], choices=list(bench_ingest.WRITERS))
    parser.add_argument("--tmp", help="folder for the generated files (default: the system's temp folder)")
    parser.add_argument(
        "--baseline-python",
        help="also ingest each file with this interpreter's workbench (an earlier release)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child)
        return
    print(
        f"load average at start: {os.getloadavg()}; {os.cpu_count()} CPUs. CPU s = user + system seconds of the "
        "process (DuckDB's threads included); growth = this size's CPU over the previous size's, beside the spans'."
    )
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        for kind in args.files:
            rows, before = [], None
            for size in sorted(args.sizes):
                path = Path(tmp) / (
                    f"native_{size}.jsonl" if "native" in kind else f"otlp_{kind}_{size}.jsonl"
                )
                bench_ingest.WRITERS[kind](path, size)
                bench_ingest._settle(path)
                ours = measure(path)
                base = measure(path, args.baseline_python) if args.baseline_python else None
                bare = bench_ingest.measure("duckdb-bare", path)
                path.unlink()
                load = "/".join(f"{x:.1f}" for x in os.getloadavg())
                now = {
                    **ours["phases"],
                    # (imports, the store's open and close)
                    "outside the call": ours["cpu"] - sum(ours["phases"].values()),
                    "whole process": ours["cpu"],
                    "bare read": bare["cpu"],
                }
                then = (
                    {
                        **base["phases"],
                        "outside the call": base["cpu"] - sum(base["phases"].values()),
                        "whole process": base["cpu"],
                    }
                    if base
                    else {}
                )
                for name, cpu in now.items():
                    grew = (
                        "-"
                        if before is None or not before[0][name]
                        else f"{cpu / before[0][name]:.2f}x for {size / before[1]:.1f}x spans"
                    )
                    beside = f" {then[name]:.2f} |" if name in then else " - |" if base else ""
                    rows.append(
                        f"| {kind} | {size:,} | {name} | {cpu:.2f} |{beside} {cpu / size * 1e6:.2f} | {grew} | {load} |"
                    )
                print(
                    f"{kind} {size:,}: ours {ours['cpu']:.1f} CPU s / {ours['peak_mb']:.0f} MB, bare "
                    f"{bare['cpu']:.1f} / {bare['peak_mb']:.0f} MB (ours / bare CPU {ours['cpu'] / bare['cpu']:.2f}x)"
                    + (f", baseline {base['cpu']:.1f} / {base['peak_mb']:.0f} MB" if base else ""),
                    flush=True,
                )
                before = (now, size)
            print(
                "\n| file | spans/steps | phase | CPU s |"
                + (" baseline CPU s |" if args.baseline_python else "")
                + " µs a span | growth | load 1/5/15 |\n|---|---|---|---|"
                + ("---|" if args.baseline_python else "")
                + "---|---|---|"
            )
            print("\n".join(rows), flush=True)


if __name__ == "__main__":
    main()

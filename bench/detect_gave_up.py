"""gave_up's cost: bench/detect.py's store, as filled and with every run's answer rewritten.

Usage::

    python bench/detect_gave_up.py --baseline-python /work/wt/base33/.venv/bin/python
    python bench/detect_gave_up.py --sizes 1000000 --modes answers

Modes: ``plain`` is bench/detect.py's store (no answer gives up: the cost is the words' scan of every answer);
``answers`` gives every run a failed call (its first tool call, of a tool no later call uses, in error) and an answer taken in turn from
ANSWERS: give-ups with numbers of their own, apologies stating a result, give-ups and results in other
languages, some as JSON chat messages with \\u escapes. Each run is ``detect(detectors=["gave_up"])`` (with the
values statements it reads) in its own process, so the peak RSS is its own; with a baseline, the same store is
read by the other interpreter in the same invocation and the findings compared (EXCEPT ALL both ways). Prints
steps, mode, code, seconds, CPU seconds (all threads), findings, peak RSS, load average.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from detect import _compare, _cpu, _fill  # noqa: E402

ANSWERS = [
    "Sorry, I could not place the order; please try again in 15 minutes.",
    "Sorry, the pricing API answered HTTP 503. Retry-After: 30 s.",
    "I'm sorry, I tried 3 times and the service timed out after 2.5 seconds each time.",
    "Sorry for the delay, the total is 41.20 USD.",
    "Apologies for the wait: the widget is 15% off and ships on March 12.",
    "Leider konnte ich die Bestellung nicht aufgeben.",
    "Désolé pour l'attente, le total est de 41,20 €.",
    "抱歉，无法下单，请稍后再试。",
    json.dumps({"role": "assistant", "content": "申し訳ありませんが、注文できませんでした。"}),
    "The order PO-7 is placed: 40 units at 12.5 each.",
]


def _rewrite(db: str) -> None:
    import workbench as wb

    with wb.open(db) as ws:
        ws.con.execute(
            "CREATE TEMP TABLE answers AS SELECT unnest($a) AS output, generate_subscripts($a, 1) - 1 AS i",
            {"a": ANSWERS},
        )
        ws.con.execute(
            "UPDATE steps SET output = a.output FROM answers a WHERE steps.step_id = 's000' "
            "AND hash(steps.run_id) % $n = a.i",
            {"n": len(ANSWERS)},
        )
        # (a tool of its own: no later call of it recovers the failure)
        ws.con.execute(
            "UPDATE steps SET status = 'error', error = 'TimeoutError: service timed out', "
            "tool = 'submit_order' WHERE step_id = 's003'"
        )


def _child(db: str, dump: str) -> None:
    import warnings

    import workbench as wb
    from workbench.detect import detect

    with wb.open(db) as ws:
        start, cpu = time.perf_counter(), _cpu()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            found = detect(ws, detectors=["gave_up"], progress=False)
        row = {"seconds": time.perf_counter() - start, "cpu": _cpu() - cpu, "findings": len(found)}
        ws.con.execute(
            f"COPY (SELECT run_id, step_id, agent, detector, severity, detail, attributes::VARCHAR "
            f"AS attributes FROM findings) TO '{dump}' (FORMAT parquet)"
        )
    row["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(row))


def _run(python: str, args: list[str], own_tree: bool) -> str:
    env = {"PATH": "/usr/bin:/bin"}
    if own_tree:  # the baseline interpreter imports its own installed workbench, not this checkout
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    out = subprocess.run([python, __file__, *args], capture_output=True, text=True, check=False, env=env)
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return out.stdout


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000_000])
    parser.add_argument("--modes", nargs="*", default=["plain", "answers"], choices=["plain", "answers"])
    parser.add_argument("--baseline-python", help="also run with this interpreter (an earlier release)")
    parser.add_argument("--fill", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fill:
        _fill(args.fill[0], int(args.fill[1]))
        if args.fill[2] == "answers":
            _rewrite(args.fill[0])
        return
    if args.child:
        _child(*args.child)
        return
    runs = [("this tree", sys.executable, True)]
    if args.baseline_python:
        runs.append(("baseline", args.baseline_python, False))
    print("| steps | mode | code | seconds | CPU s | findings | peak RSS MB | load |")
    print("|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        for mode in args.modes:
            with tempfile.TemporaryDirectory() as tmp:
                filled = str(Path(tmp) / "filled.duckdb")  # filled by the oldest code (a newer one migrates)
                _run(runs[-1][1], ["--fill", filled, str(size), mode], runs[-1][2])
                dumps = []
                for label, python, own in runs:
                    db = str(Path(tmp) / f"bench-{len(dumps)}.duckdb")
                    shutil.copyfile(filled, db)
                    dumps.append(str(Path(tmp) / f"findings-{len(dumps)}.parquet"))
                    res = json.loads(_run(python, ["--child", db, dumps[-1]], own).strip().splitlines()[-1])
                    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
                    print(
                        f"| {size:,} | {mode} | {label} | {res['seconds']:.2f} | {res['cpu']:.1f} | "
                        f"{res['findings']:,} | {res['peak_mb']:,.0f} | {load} |",
                        flush=True,
                    )
                if len(dumps) == 2:
                    _compare(*dumps, size)


if __name__ == "__main__":
    main()

"""The workspace summary (what a notebook shows for ``ws``) on a large store, beside a baseline release.

Usage::

    python bench/summary.py --sizes 100000 --baseline-python /work/wt/base33/.venv/bin/python

The store is filled inside DuckDB (ingest has its own benchmark): ``bench/explorer.py``'s runs over a year (a
seventh failed, two systems), 20 steps a run over five agents, three findings a run, a critical ``silent_failure``
on every 21st run (what ``workbench investigate`` takes as failed where the run reported success). Then, in a fresh process per
release (this one's and ``--baseline-python``'s, on the same file, in this invocation): the summary shown
once, shown again (a notebook re-displays ``ws`` at every cell that ends with it), and shown after a label is
added (the store changed). Prints a markdown table: wall ms (median of ``--repeat``), CPU ms, peak RSS, and
the load average (2 shared cores: the numbers move with it). Both releases must print the same summary.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

# bench/explorer.py's runs (a year, a seventh failed, two systems), then 20 steps a run over five agents and three
# findings a run: a critical silent_failure on every 21st run (investigate takes those that reported success as failed)
_STEPS = """
INSERT INTO steps BY NAME
SELECT 'r' || lpad(r::VARCHAR, 8, '0') AS run_id, 's' || lpad(k::VARCHAR, 4, '0') AS step_id, k AS seq,
       ['planner', 'retriever', 'pricer', 'executor', 'verifier'][1 + k % 5] AS agent,
       ['planner', 'retriever', 'pricer', 'executor', 'verifier'][1 + k % 5] AS agent_own,
       CASE WHEN k % 2 = 0 THEN 'llm' ELSE 'tool' END AS kind, 10.0 + (r + k) % 400 AS latency_ms, 'ok' AS status
FROM range($n) t(r), range(20) u(k);

INSERT INTO findings BY NAME
SELECT 'r' || lpad(r::VARCHAR, 8, '0') AS run_id, 's' || lpad((k * 3)::VARCHAR, 4, '0') AS step_id,
       ['planner', 'retriever', 'pricer', 'executor', 'verifier'][1 + (r + k) % 5] AS agent,
       CASE WHEN k = 0 AND r % 21 = 1 THEN 'silent_failure'
            ELSE ['retry', 'loop', 'cascade', 'latency_breach'][1 + (r // 7 + k) % 4] END AS detector,
       CASE WHEN k = 0 THEN 'critical' WHEN k = 1 THEN 'warning' ELSE 'info' END AS severity,
       'bench finding' AS detail
FROM range($n) t(r), range(3) u(k)
"""

# Run in each release's own interpreter: the store opened read-write (as a notebook has it), the summary shown
# once, again, and after a label (the store changed); CPU and wall per display, peak RSS at the end.
_PROBE = r"""
import json, resource, statistics, sys, time
import workbench as wb
from workbench._summary import summary_html
path, repeat = sys.argv[1], int(sys.argv[2])
ws = wb.open(path)
def timed(fn):
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return (time.perf_counter() - w0) * 1000, (time.process_time() - c0) * 1000, out
first = timed(lambda: summary_html(ws))
again = [timed(lambda: summary_html(ws)) for _ in range(repeat)]
changed = []
for i in range(repeat):
    ws.label(f"r{i * 7:08d}", outcome="failure")
    changed.append(timed(lambda: summary_html(ws)))
med = lambda xs, k: statistics.median(x[k] for x in xs)
norm = lambda h: h.replace(path, "STORE")
print(json.dumps({"first": [first[0], first[1]], "again": [med(again, 0), med(again, 1)],
                  "changed": [med(changed, 0), med(changed, 1)], "html": norm(again[-1][2]), "after": norm(changed[-1][2]),
                  "module": wb.__file__, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def build(n: int, where: Path) -> Path:
    from explorer import _FILL  # (bench/ is this script's folder: first on sys.path)

    import workbench as wb

    path = where / f"summary-{n}.duckdb"
    ws = wb.open(str(path))
    for stmt in [_FILL.split(";")[0], *_STEPS.split(";")]:  # (the explorer's first statement: its runs)
        ws.con.execute(stmt, {"n": n})
    ws.close()
    return path


def probe(python: str, path: Path, repeat: int, copy: Path) -> dict:
    copy.write_bytes(path.read_bytes())  # each release on its own copy: the labels it adds change the store
    # (run outside the worktree: `python -c` puts the working directory first on sys.path, and the baseline's
    # interpreter imported this worktree's workbench from there)
    out = subprocess.run(
        [python, "-c", _PROBE, str(copy), str(repeat)],
        check=True,
        capture_output=True,
        text=True,
        cwd=copy.parent,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--baseline-python", default=None)
    ap.add_argument("--dir", default=None, help="where the stores go (default: a temp dir, removed after)")
    args = ap.parse_args()
    pythons = [("this release", sys.executable)] + (
        [("baseline", args.baseline_python)] if args.baseline_python else []
    )
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        rows = []
        for n in args.sizes:
            store = build(n, Path(tmp))
            got = {
                name: probe(py, store, args.repeat, Path(tmp) / f"copy-{i}.duckdb")
                for i, (name, py) in enumerate(pythons)
            }
            if len({g["html"] for g in got.values()}) > 1 or len({g["after"] for g in got.values()}) > 1:
                raise SystemExit(f"the releases' summaries differ at {n:,} runs: {got}")
            for name, g in got.items():
                rows.append((n, name, g))
        print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} (2 shared cores)\n")
        print("| runs | release | first ms (CPU) | again ms (CPU) | after a label ms (CPU) | peak RSS MB |")
        print("|---|---|---|---|---|---|")
        for n, name, g in rows:
            cells = " | ".join(f"{g[k][0]:.0f} ({g[k][1]:.0f})" for k in ("first", "again", "changed"))
            print(f"| {n:,} | {name} | {cells} | {g['rss']:.0f} |")
        for name, py in pythons:
            print(f"\n{name}: {py} (workbench from {next(g['module'] for _, m, g in rows if m == name)})")
        if len(pythons) > 1:
            for n in args.sizes:
                ours, base = (next(g for m, r, g in rows if m == n and r == name) for name, _ in pythons[:2])
                print(
                    f"\n{n:,} runs, shown again: {base['again'][1] / max(ours['again'][1], 1e-9):.1f}x less CPU "
                    "than the baseline"
                )


if __name__ == "__main__":
    main()

"""refresh_runs.sql's root_said statement alone, this checkout's against a baseline's, at growing store sizes.

The statement runs as the merge runs it: inside the transaction that inserted the steps, over those rows
(``affected_steps`` by row id), at the merge's memory limit (192 MB). A workbench store of some runs (``--store``)
is copied ``--copies`` times under new run ids for each size; the two statements alternate ``--reps`` times in
one process, the CPU seconds of each printed with the rows said (which must be the same).

    python bench/root_said.py --store s.duckdb --base-sql ../base33/workbench/store/sql/refresh_runs.sql \
        --copies 10 50
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import duckdb

OURS = Path(__file__).resolve().parent.parent / "workbench" / "store" / "sql" / "refresh_runs.sql"


def statement(path: Path) -> str:
    """The root_said section's CREATE statement of a refresh_runs.sql."""
    text = path.read_text(encoding="utf-8")
    section = text[text.index("-- [section root_said]") : text.index("-- [section runs]")]
    return section[section.index("CREATE OR REPLACE TEMP TABLE root_said") :].strip().rstrip(";")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", required=True, help="a workbench store file (its steps copied)")
    ap.add_argument("--base-sql", required=True, help="the baseline's refresh_runs.sql")
    ap.add_argument("--copies", type=int, nargs="+", default=[10, 50])
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--memory", default="192MB")
    args = ap.parse_args()
    pair = {"base": statement(Path(args.base_sql)), "ours": statement(OURS)}
    print(f"{'steps':>10} {'runs said':>10} {'which':>5} {'CPU s':>7} {'wall s':>7}  load")
    for copies in args.copies:
        with tempfile.TemporaryDirectory(prefix="root-said-") as tmp:
            con = duckdb.connect(os.path.join(tmp, "tx.duckdb"))
            con.execute("SET enable_progress_bar = false")
            con.execute("ATTACH ? AS src (READ_ONLY)", [args.store])
            con.execute("CREATE TABLE steps AS SELECT * FROM src.steps LIMIT 0")
            con.execute("CREATE TABLE quarantine AS SELECT * FROM src.quarantine LIMIT 0")
            con.execute("BEGIN")
            for i in range(copies):
                con.execute(
                    "INSERT INTO steps SELECT * REPLACE (run_id || '-' || $i AS run_id) FROM src.steps",
                    {"i": str(i)},
                )
            con.execute("SET VARIABLE wb_steps_before = 0")
            con.execute(
                "CREATE TEMP VIEW affected_steps AS SELECT s.* FROM steps s "
                "WHERE s.rowid >= getvariable('wb_steps_before')"
            )
            con.execute(
                "CREATE TEMP TABLE run_roots AS SELECT run_id, step_id FROM steps WHERE parent_id IS NULL"
            )
            con.execute("SET memory_limit = ?", [args.memory])
            steps = con.execute("SELECT count(*) FROM steps").fetchall()[0][0]
            said = {}
            for _ in range(args.reps):
                for which, sql in pair.items():
                    cpu, wall = time.process_time(), time.perf_counter()
                    con.execute(sql)
                    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                    rows = con.execute("SELECT * FROM root_said ORDER BY ALL").fetchall()
                    said.setdefault(which, rows)
                    load = (
                        Path("/proc/loadavg").read_text().split()[0]
                        if Path("/proc/loadavg").exists()
                        else "?"
                    )
                    print(
                        f"{steps:>10,} {len(rows):>10,} {which:>5} {cpu:>7.2f} {wall:>7.2f}  {load}",
                        flush=True,
                    )
            print(f"{'':>10} same rows: {said['base'] == said['ours']}")
            con.execute("ROLLBACK")
            con.close()
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")


if __name__ == "__main__":
    main()

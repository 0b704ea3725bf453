"""Whether a cut of the per-call fixed cost changed any output: ``workbench investigate`` (ingest, detectors,
verdicts) on every input, by this checkout and by a baseline interpreter, stores compared table by table.

Usage::

    python bench/fixed_cost_same.py --baseline-python /work/wt/base33/.venv/bin/python
    python bench/fixed_cost_same.py --baseline-python ... --inputs tests/ingest/fixtures/crewai

Inputs (default): every folder of ``tests/ingest/fixtures``, ``tests/attribution/data``, the folders of
``../shared/samples`` when present, and 120 simulated runs (faults and a drift) written here as JSONL. Each
interpreter runs ``workbench investigate INPUT --db STORE --quiet`` into a store of its own; then every table of
the two stores is compared with ``EXCEPT ALL`` both ways (``created_at`` left out: the clock's), and the printed
tables (stdout) and exit codes compared. One line per input: rows per table, rows only in ours / only in the
baseline's, and whether the printed output is the same.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
_RUN = "import sys; from workbench.cli import main; sys.exit(main(sys.argv[1:]))"


def default_inputs(tmp: Path) -> list[Path]:
    import workbench as wb

    sim = tmp / "sim120.jsonl"
    system = wb.sim.procurement(seed=11, fault_rate=0.5, drift_at=60)
    sim.write_text(
        "".join(json.dumps(r, default=str) + "\n" for run in system.generate(120) for r in run.to_records())
    )
    found = sorted(p for p in (ROOT / "tests" / "ingest" / "fixtures").iterdir() if p.is_dir())
    found.append(ROOT / "tests" / "attribution" / "data")
    samples = ROOT.parent / "shared" / "samples"
    if samples.is_dir():
        found += sorted(p for p in samples.iterdir() if p.is_dir())
    return [*found, sim]


def investigate(python: str, source: Path, db: Path) -> tuple[int, str]:
    out = subprocess.run(
        [python, "-c", _RUN, "investigate", str(source.resolve()), "--db", str(db), "--quiet"],
        capture_output=True,
        text=True,
        cwd=db.parent,
    )
    return out.returncode, out.stdout.replace(str(db), "STORE")  # (the store's own name is no difference)


def compare(ours: Path, base: Path) -> dict[str, tuple[int, int, int]]:
    """table -> (rows in ours, rows only in ours, rows only in the baseline's)."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{ours}' AS o (READ_ONLY)")
    con.execute(f"ATTACH '{base}' AS b (READ_ONLY)")
    held = {
        db: {
            t
            for (t,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = ?", [db]
            ).fetchall()
        }
        for db in ("o", "b")
    }
    # (a table of one schema only, as ours' detected of schema 5: its rows counted, nothing to compare it with)
    out: dict[str, tuple[int, int, int]] = {
        f"{table} (ours only)" if db == "o" else f"{table} (baseline only)": (
            con.execute(f'SELECT count(*) FROM {db}."{table}"').fetchall()[0][0],
            0,
            0,
        )
        for db, other in (("o", "b"), ("b", "o"))
        for table in sorted(held[db] - held[other])
    }
    tables = sorted(held["o"] & held["b"])
    for table in tables:
        cols = [
            c
            for (c,) in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = 'o' AND "
                "table_name = ? ORDER BY column_index",
                [table],
            ).fetchall()
            if c != "created_at"
        ]
        sel = ", ".join(f'"{c}"' for c in cols)
        # (meta's schema version differs when one checkout has a schema step more: said in the table's name)
        if (
            table == "meta"
            and con.execute(
                "SELECT (SELECT value FROM o.meta WHERE key = 'schema_version') IS DISTINCT FROM "
                "(SELECT value FROM b.meta WHERE key = 'schema_version')"
            ).fetchall()[0][0]
        ):
            table_name, where = "meta (schema versions differ)", " WHERE key <> 'schema_version'"
        else:
            table_name, where = table, ""
        n = con.execute(f'SELECT count(*) FROM o."{table}"').fetchall()[0][0]
        only_o = con.execute(
            f'SELECT count(*) FROM (SELECT {sel} FROM o."{table}"{where} '
            f'EXCEPT ALL SELECT {sel} FROM b."{table}"{where})'
        ).fetchall()[0][0]
        only_b = con.execute(
            f'SELECT count(*) FROM (SELECT {sel} FROM b."{table}"{where} '
            f'EXCEPT ALL SELECT {sel} FROM o."{table}"{where})'
        ).fetchall()[0][0]
        out[table_name] = (n, only_o, only_b)
    con.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-python", required=True)
    parser.add_argument("--inputs", nargs="*", type=Path, default=None)
    args = parser.parse_args()
    differ = 0
    with tempfile.TemporaryDirectory(prefix="fixed_cost_same_") as tmp_name:
        tmp = Path(tmp_name)
        inputs = args.inputs or default_inputs(tmp)
        for i, source in enumerate(inputs):
            ours_db, base_db = tmp / f"ours{i}.duckdb", tmp / f"base{i}.duckdb"
            code_o, text_o = investigate(sys.executable, source, ours_db)
            code_b, text_b = investigate(args.baseline_python, source, base_db)
            same_text = code_o == code_b and text_o == text_b
            tables = compare(ours_db, base_db) if ours_db.exists() and base_db.exists() else {}
            bad = [t for t, (_, a, b) in tables.items() if a or b]
            differ += bool(bad) or not same_text or ours_db.exists() != base_db.exists()
            rows = ", ".join(
                f"{t} {n}" + (f" (+{a}/-{b})" if a or b else "")
                for t, (n, a, b) in tables.items()
                if n or a or b
            )
            print(
                f"{source.name}: exit {code_o}/{code_b}, printed {'same' if same_text else 'DIFFERS'}; "
                f"{rows or 'no store'}",
                flush=True,
            )
            for db in (ours_db, base_db):
                db.unlink(missing_ok=True)
    print(f"\n{len(inputs)} inputs, {differ} differ")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()

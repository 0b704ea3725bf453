"""Whether a change to the ingest's merge stores the same rows as a baseline: every table, ``EXCEPT ALL`` both ways.

Usage::

    python bench/ingest_sameness.py --baseline-pythonpath /tmp/base    # a checkout of main exported there
    python bench/ingest_sameness.py --baseline-python <venv>/bin/python
    python bench/ingest_sameness.py --baseline-pythonpath /tmp/base --jobs 4   # 4 children a side, all at once

Inputs: every file under ``tests/**/fixtures`` and ``data/``, and a few native files this script writes for the
merge's rarer paths (a run record given twice, two conflicting, a run and a step ending before they start, a
label, a step given twice). Each input is ingested into a fresh store file twice (the second call is one of runs
the store holds: the merge's stored paths) by this checkout's interpreter and by the baseline's (another venv, or
this one with ``--baseline-pythonpath`` put first on its path), each in a process of its own; then every table of
the two stores is compared both ways with ``EXCEPT ALL`` (time-of-call columns, ``created_at``, left out), and the
two calls' reports (read, stored, quarantined, added, runs, errors) compared. Prints one line per input that
differs and a summary; exits 1 when any differs. A correctness check, not a timing: no figures but counts.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
T0 = 1_767_225_600_000_000_000


def _native(recs: list[dict]) -> str:
    return "".join(json.dumps(r) + "\n" for r in recs)


def _step(run: str, sid: str, i: int, **extra: object) -> dict:
    return {
        "record": "step",
        "run_id": run,
        "step_id": sid,
        "kind": "tool",
        "agent": "a",
        "status": "ok",
        "started_at": T0 + i * 10**9,
        "ended_at": T0 + (i + 1) * 10**9,
        **extra,
    }


# the merge's rarer paths, each a native file
SYNTHETIC = {
    "plain": [
        {"record": "run", "run_id": "r1", "outcome": "failure"},
        *(_step("r1", f"s{i}", i) for i in range(5)),
    ],
    "run_twice": [
        {"record": "run", "run_id": "r1", "system": "a", "attributes": {"x": 1}},
        {"record": "run", "run_id": "r1", "outcome": "failure", "attributes": {"y": 2}},
        _step("r1", "s0", 0),
    ],
    "run_conflict": [
        {"record": "run", "run_id": "r1", "outcome": "failure"},
        {"record": "run", "run_id": "r1", "outcome": "success"},
        _step("r1", "s0", 0),
    ],
    "run_ends_early": [
        {"record": "run", "run_id": "r1", "started_at": T0 + 10**9, "ended_at": T0},
        _step("r1", "s0", 0),
    ],
    "step_ends_early": [
        {"record": "run", "run_id": "r1"},
        _step("r1", "s0", 0),
        {**_step("r1", "s1", 1), "ended_at": T0},
    ],
    "step_twice": [_step("r1", "s0", 0), _step("r1", "s0", 0), _step("r1", "s1", 1, status="error")],
    "labelled": [
        {"record": "run", "run_id": "r1"},
        _step("r1", "s0", 0),
        {"record": "label", "run_id": "r1", "outcome": "failure", "agent": "a"},
    ],
    "no_run_id": [{"record": "run", "outcome": "failure"}, {"record": "run", "outcome": "failure"}],
}


def inputs(folder: Path, also: list[str] = (), fixtures: bool = True) -> list[Path]:
    """The inputs: the fixtures (unless ``fixtures`` is false), the synthetic files, and ``also`` (the bench's
    large files, say, or a folder: one call of all its files)."""
    found = []
    if fixtures:
        found = sorted(p for p in (ROOT / "tests").rglob("*") if p.is_file() and "fixtures" in p.parts)
        found += sorted(p for p in (ROOT / "data").rglob("*") if p.is_file() and p.name != "README.md")
    found += [Path(p).resolve() for p in also]
    for name, recs in SYNTHETIC.items():
        path = folder / f"synthetic_{name}.jsonl"
        path.write_text(_native(recs))
        found.append(path)
    return found


def child(files: list[str], out: str, first: int = 0) -> None:
    """Ingest each file twice into ``out/<first + i>.duckdb``; print the reports as JSON lines."""
    import warnings

    warnings.simplefilter("ignore")
    import workbench as wb

    print("#", wb.__file__)
    for i, f in enumerate(files, first):
        ws = wb.open(os.path.join(out, f"{i}.duckdb"))
        reports = []
        for _ in range(2):
            try:
                r = ws.ingest(f, progress=False)
                reports.append([r.read, r.stored, r.quarantined, r.added, r.runs, list(r.errors)])
            except Exception as exc:  # noqa: BLE001 (an input a reader refuses: refused the same way, or not)
                reports.append(f"{type(exc).__name__}: {exc}")
        ws.close()
        print(json.dumps(reports))


def compare(a: str, b: str) -> list[str]:
    import duckdb

    con = duckdb.connect()
    con.execute("ATTACH ? AS a (READ_ONLY)", [a])
    con.execute("ATTACH ? AS b (READ_ONLY)", [b])
    tables = {
        db: {
            t
            for (t,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = ?", [db]
            ).fetchall()
        }
        for db in ("a", "b")
    }
    diffs = [f"tables differ: {sorted(tables['a'] ^ tables['b'])}"] if tables["a"] != tables["b"] else []
    for t in sorted(tables["a"] & tables["b"]):
        cols = [
            c
            for (c,) in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = 'a' AND table_name = ? "
                "AND column_name <> 'created_at' ORDER BY column_index",
                [t],
            ).fetchall()
        ]
        sel = ", ".join(f'"{c}"' for c in cols)
        # (table and column names from the stores' own catalogs, quoted: no log value is in this SQL)
        ab = con.execute(
            f'SELECT count(*) FROM (SELECT {sel} FROM a."{t}" EXCEPT ALL SELECT {sel} FROM b."{t}")'
        ).fetchone()[0]
        ba = con.execute(
            f'SELECT count(*) FROM (SELECT {sel} FROM b."{t}" EXCEPT ALL SELECT {sel} FROM a."{t}")'
        ).fetchone()[0]
        if ab or ba:
            diffs.append(f"{t}: {ab} rows only in ours, {ba} only in the baseline")
    con.close()
    return diffs


def start(python: str, pythonpath: str | None, files: list[str], out: str, jobs: int) -> list:
    """``jobs`` children, each ingesting a slice of the files in order, started now (both sides at once: ours and
    the baseline's run side by side); :func:`reports` waits for them and reads their reports in order."""
    return start_children(
        python, pythonpath, __file__, files, jobs, ["--child", out, "--first"], cwd=str(Path(out).parent)
    )


def start_children(
    python: str, pythonpath: str | None, script: str, files: list[str], jobs: int, head: list[str], cwd: str
) -> list:
    """``jobs`` children ``python script *head [first] *slice``, each given a slice of ``files`` in order (with the
    slice's first index when ``head`` ends in ``--first``), started now, their output kept for
    :func:`child_lines` (also bench/detect_sameness.py's)."""
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath + os.pathsep + env.get("PYTHONPATH", "")
    size = -(-len(files) // jobs)
    procs = []
    for lo in range(0, len(files), size):
        said, told = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
        first = [str(lo)] if head and head[-1] == "--first" else []
        proc = subprocess.Popen(
            [python, script, *head, *first, *files[lo : lo + size]],
            # (to files, not pipes: a side's children wrote on while the other side's were read, and a full pipe
            # stopped them until then, the two sides one after the other)
            stdout=said,
            stderr=told,
            text=True,
            env=env,
            cwd=cwd,
        )
        proc.files = (said, told)
        procs.append(proc)
    return procs


def _read(f) -> str:  # noqa: ANN001
    f.seek(0)
    return f.read()


def reports(python: str, procs: list) -> list:
    return child_lines(python, procs, "[")


def child_lines(python: str, procs: list, start: str) -> list:
    """The JSON lines starting with ``start`` that the children printed, in order, once each has ended (a child
    that failed stops the run, its error said); the first child's first line (the package it imported) said."""
    out = []
    for proc in procs:
        proc.wait()
        stdout, stderr = (_read(f) for f in proc.files)
        if proc.returncode:
            raise SystemExit(f"{python}: a child failed ({proc.returncode}): {stderr[-2000:]}")
        if proc is procs[0]:
            print(f"{python}: {stdout.splitlines()[0]}")
        out += [json.loads(ln) for ln in stdout.splitlines() if ln.startswith(start)]
    return out


def sameness_parser(doc: str, only_help: str) -> argparse.ArgumentParser:
    """The options of the benches that run every input in children of this checkout and of a baseline and
    compare what they print (detect_sameness.py, model_sameness.py)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--baseline-python", default=sys.executable)
    parser.add_argument(
        "--baseline-pythonpath", default=None, help="a baseline checkout's root, put first on its path"
    )
    parser.add_argument("--jobs", type=int, default=1, help="children per side, all run at once")
    parser.add_argument("--only", default=None, help=only_help)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("files", nargs="*", help=argparse.SUPPRESS)
    return parser


def both_sides(script: str, files: list[str], args: argparse.Namespace, cwd: str) -> tuple[list, list]:
    """What ``script --child`` prints (its ``{`` lines) for ``files``, run by this checkout and by the baseline,
    all children of both sides started at once."""
    ours = start_children(sys.executable, str(ROOT), script, files, args.jobs, ["--child"], cwd=cwd)
    base = start_children(
        args.baseline_python, args.baseline_pythonpath, script, files, args.jobs, ["--child"], cwd=cwd
    )
    return child_lines(sys.executable, ours, "{"), child_lines(args.baseline_python, base, "{")


def shown(file: str) -> str:
    """An input's name in a report: its path in this checkout, or its file name."""
    return os.path.relpath(file, ROOT) if file.startswith(str(ROOT)) else Path(file).name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-python", default=sys.executable)
    parser.add_argument(
        "--baseline-pythonpath", default=None, help="a baseline checkout's root, put first on its path"
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="children per side, all run at once (each a slice of the inputs)"
    )
    parser.add_argument(
        "--also",
        nargs="*",
        default=[],
        help="more inputs: files (bench/ingest.py's, say) or folders (one call each)",
    )
    parser.add_argument("--no-fixtures", action="store_true", help="only the synthetic inputs and --also's")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("files", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.files, args.child, args.first)
        return
    with tempfile.TemporaryDirectory(prefix="sameness_") as tmp:
        files = [str(p) for p in inputs(Path(tmp), args.also, not args.no_fixtures)]
        ours, base = Path(tmp, "ours"), Path(tmp, "base")
        ours.mkdir()
        base.mkdir()
        ours_procs = start(sys.executable, str(ROOT), files, str(ours), args.jobs)
        base_procs = start(args.baseline_python, args.baseline_pythonpath, files, str(base), args.jobs)
        r_ours = reports(sys.executable, ours_procs)
        r_base = reports(args.baseline_python, base_procs)
        bad = 0
        for i, f in enumerate(files):
            diffs = compare(str(ours / f"{i}.duckdb"), str(base / f"{i}.duckdb"))
            if r_ours[i] != r_base[i]:
                diffs.append(f"reports differ: ours {r_ours[i]} baseline {r_base[i]}")
            if diffs:
                bad += 1
                print(
                    f"DIFFERS {os.path.relpath(f, ROOT) if f.startswith(str(ROOT)) else Path(f).name}: {'; '.join(diffs)}"
                )
        print(f"{len(files)} inputs, each ingested twice; {bad} differ")
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()

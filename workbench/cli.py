"""The ``workbench`` command: lab, ingest, investigate, sim."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from .exceptions import WorkbenchError

_REPO = Path(__file__).resolve().parents[1]


def _investigate_table(ws, limit: int | None):  # noqa: ANN001, ANN202
    query = """
        WITH failed AS (SELECT * FROM runs WHERE outcome = 'failure'),
        errs AS (
            SELECT run_id, count(*) FILTER (WHERE status = 'error') AS error_steps,
                   arg_min(coalesce(agent, '?') || ':' || step_id, seq)
                       FILTER (WHERE status = 'error' AND kind <> 'system') AS first_error
            FROM steps SEMI JOIN failed USING (run_id) GROUP BY run_id),
        culprits AS (
            SELECT run_id, string_agg(DISTINCT coalesce(agent, '?') || coalesce('@' || step_id, '')
                                      || coalesce(' (' || kind || ')', ''), '; ') AS known_culprit
            FROM labels WHERE agent IS NOT NULL OR step_id IS NOT NULL GROUP BY run_id),
        hits AS (
            SELECT run_id, string_agg(DISTINCT detector, ', ' ORDER BY detector) AS detectors
            FROM findings WHERE severity <> 'info' GROUP BY run_id),
        verdicts AS (
            SELECT run_id, arg_max(target || ' (' || round(100 * value) || '%'
                                   || CASE WHEN params->>'ambiguous' = 'true' THEN ', shared' ELSE '' END || ')',
                                   created_at) AS culprit
            FROM attributions WHERE unit = 'verdict' AND target <> '' GROUP BY run_id),
        decisive AS (
            SELECT run_id, arg_max(target, created_at) AS decisive_step
            FROM attributions WHERE method = 'decisive-step' GROUP BY run_id)
        SELECT f.run_id, f.reported_outcome AS reported, f.n_steps AS steps, e.error_steps,
               coalesce(e.first_error, '-') AS first_error, coalesce(h.detectors, '-') AS detectors,
               coalesce(v.culprit, '-') AS culprit, coalesce(d.decisive_step, '-') AS decisive_step,
               coalesce(c.known_culprit, '-') AS known_culprit
        FROM failed f
        LEFT JOIN errs e USING (run_id) LEFT JOIN culprits c USING (run_id)
        LEFT JOIN hits h USING (run_id) LEFT JOIN verdicts v USING (run_id) LEFT JOIN decisive d USING (run_id)
        ORDER BY f.started_at NULLS LAST, f.run_id
        LIMIT ?
    """
    return ws.con.execute(query, [limit if limit is not None else 2**62]).df()


def _attribute_failed(ws, replay) -> None:  # noqa: ANN001
    """Replay-based verdicts for every failed run (cheap on the simulator: replays take milliseconds)."""
    from tqdm.auto import tqdm

    from .attribution import attribute

    failed = [r for (r,) in ws.sql("SELECT run_id FROM runs WHERE outcome = 'failure' ORDER BY run_id").fetchall()]
    for run_id in tqdm(failed, desc="attribute", unit="run", disable=len(failed) < 50):
        attribute(ws, run_id, replay)


def _agreement(ws) -> str:  # noqa: ANN001
    """How often the verdicts agree with ground-truth labels, when the store has them."""
    row = ws.sql("""
        WITH v AS (SELECT run_id, arg_max(target, created_at) AS culprit FROM attributions
                   WHERE unit = 'verdict' AND target <> '' GROUP BY run_id),
        d AS (SELECT run_id, arg_max(target, created_at) AS step FROM attributions
              WHERE method = 'decisive-step' GROUP BY run_id),
        l AS (SELECT run_id, list(agent) AS agents, list(step_id) AS steps FROM labels
              WHERE source = 'ground_truth' AND agent IS NOT NULL GROUP BY run_id)
        SELECT count(*), count(*) FILTER (WHERE list_contains(l.agents, v.culprit)),
               count(*) FILTER (WHERE list_contains(l.steps, d.step))
        FROM v JOIN l USING (run_id) LEFT JOIN d USING (run_id)""").fetchall()[0]
    n, agent_ok, step_ok = row
    if not n:
        return ""
    return (f"verdicts vs ground truth on {n:,} labelled failed runs: culprit agent right in {agent_ok / n:.0%}, "
            f"decisive step is a labelled fault step in {step_ok / n:.0%}")


def cmd_investigate(args: argparse.Namespace) -> int:
    """Print, per failed run, what is known: errors, detector hits, the culprit and decisive step."""
    import warnings

    import pandas as pd

    from .detect import detect
    from .workspace import open as wb_open

    replay = None
    if args.paths:
        ws = wb_open(args.db)
        print(ws.ingest(args.paths))
    elif args.db:
        ws = wb_open(args.db)
        if ws.read_only:  # a Parquet export: detectors write findings, so they work on a copy in memory
            print(f"{args.db} is read-only: analysing an in-memory copy (findings are not saved)")
            ws = ws.copy()
    else:
        from .demo import demo_replay, open_demo

        ws = open_demo()
        replay = demo_replay()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # scipy's exact KS test falls back, harmlessly
        detect(ws)
    if replay is not None and not args.no_attribute:
        _attribute_failed(ws, replay)
    n_runs = ws.count("runs")
    n_failed = int(ws.sql("SELECT count(*) FROM runs WHERE outcome = 'failure'").fetchall()[0][0])
    table = _investigate_table(ws, None if args.all else args.limit)
    shown = "" if args.all or n_failed <= args.limit else f" (first {args.limit} shown; --all for every one)"
    print(f"{n_runs:,} runs, {n_failed:,} failed{shown}")
    with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 250,
                           "display.max_colwidth", 60):
        print(table.to_string(index=False) if len(table) else "no failed runs")
    summary = _agreement(ws)
    if summary:
        print(summary)
    if replay is None:
        print("culprits need a replay of the system (wb.attribute with your replay function) or a BlameModel")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    """Ingest files into a DuckDB file."""
    from .workspace import open as wb_open

    with wb_open(args.db) as ws:
        report = ws.ingest(args.paths, format=args.format, progress=not args.quiet)
        print(report)
    return 0


def cmd_sim(args: argparse.Namespace) -> int:
    """Write simulated runs as native JSONL."""
    from .sim import procurement, write_jsonl

    system = procurement(seed=args.seed, fault_rate=args.fault_rate)
    n = write_jsonl(system.generate(args.runs), args.out)
    print(f"wrote {args.runs:,} runs ({n:,} records) to {args.out}")
    return 0


def cmd_lab(args: argparse.Namespace) -> int:
    """Open JupyterLab on notebooks/ with the demo data in a DuckDB file."""
    db = Path(args.db) if args.db else _REPO / "notebooks" / "demo.duckdb"
    if not db.exists():
        from .demo import open_demo

        open_demo(str(db)).close()
        print(f"demo data written to {db}")
    jupyter = shutil.which("jupyter")
    if jupyter is None:
        raise WorkbenchError("jupyter is not on PATH: pip install jupyterlab")
    env = dict(os.environ, WORKBENCH_DB=str(db))
    cmd = [jupyter, "lab", f"--notebook-dir={_REPO / 'notebooks'}", *args.jupyter_args]
    return subprocess.call(cmd, env=env)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``workbench`` command."""
    parser = argparse.ArgumentParser(prog="workbench", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("investigate", help="per failed run: outcome, errors, detector hits, culprit")
    p.add_argument("paths", nargs="*", help="log files to ingest first (default: the demo data)")
    p.add_argument("--db", help="DuckDB file or Parquet export to read")
    p.add_argument("--limit", type=int, default=25, help="failed runs to show (default 25)")
    p.add_argument("--all", action="store_true", help="show every failed run")
    p.add_argument("--no-attribute", action="store_true", help="skip the replay-based verdicts on the demo data")
    p.set_defaults(func=cmd_investigate)

    p = sub.add_parser("ingest", help="ingest log files into a DuckDB file")
    p.add_argument("paths", nargs="+")
    p.add_argument("--db", required=True, help="DuckDB file to write")
    p.add_argument("--format", help="force a format (native, otlp, openinference, span-tree, langfuse, whowhen)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("sim", help="write simulated runs as native JSONL")
    p.add_argument("--runs", type=int, default=100)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--fault-rate", type=float, default=0.3)
    p.set_defaults(func=cmd_sim)

    p = sub.add_parser("lab", help="open JupyterLab on notebooks/ with the demo data ready (other options go to "
                                   "JupyterLab)")
    p.add_argument("--db", help="DuckDB file to use (default notebooks/demo.duckdb)")
    p.set_defaults(func=cmd_lab)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: one clear line and a non-zero exit on error, never a traceback."""
    parser = build_parser()
    # Anything `workbench lab` does not know is passed on to JupyterLab (--no-browser, --port …).
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "lab":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.jupyter_args = extra
    try:
        return int(args.func(args) or 0)
    except WorkbenchError as exc:
        print(f"workbench: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("workbench: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI promises one line, not a traceback
        print(f"workbench: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

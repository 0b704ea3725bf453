"""The ``workbench`` command: lab, ingest, investigate, sim."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from ._termtext import clean
from .exceptions import FormatError, IngestError, WorkbenchError

_REPO = Path(__file__).resolve().parents[1]


class _Parser(argparse.ArgumentParser):
    """argparse with the command's promise: an error is one line and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"workbench: error: {clean(message, newlines=False)} (see {self.prog} --help)\n")


def _int_at_least(low: int) -> object:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be >= {low} (got {value})")
        return value

    return parse


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1], got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be in [0, 1] (got {value:g})")
    return value


def cmd_investigate(args: argparse.Namespace) -> int:
    """Print, per failed run, what is known: errors, detector hits, the culprit and decisive step."""
    from ._investigate import run

    try:
        return run(args)
    except FormatError as exc:
        raise _command_line_format_error(exc) from exc


def _command_line_format_error(exc: FormatError) -> FormatError:
    """The error with its Python spelling (``format=…``) in the command line's (``--format NAME``)."""
    return FormatError(str(exc).replace("format=…", "--format NAME").replace("format=", "--format "))


def cmd_ingest(args: argparse.Namespace) -> int:
    """Ingest files into a DuckDB file."""
    from .workspace import open as wb_open

    created = not os.path.exists(args.db)
    try:
        with wb_open(args.db) as ws:
            try:
                report = ws.ingest(args.paths, format=args.format, progress=not args.quiet)
            except FormatError as exc:
                raise _command_line_format_error(exc) from exc
            print(clean(report.text(all_skipped="all {n:,} listed below" if args.list_skipped
                                    else "--list-skipped lists all {n:,}")))
            if args.list_skipped and report.skipped:
                print(f"skipped files ({len(report.skipped):,}):")
                print("\n".join(f"  {clean(s, newlines=False)}" for s in report.skipped))  # (one line a file)
    except WorkbenchError:
        # a store this call created and filled with nothing would later read as "0 runs, 0 failed"
        if created:
            remove_new_store(args.db)
        raise
    if report.read == 0 and created:
        remove_new_store(args.db)
    if report.read == 0:
        raise IngestError("no records read: the input holds no runs or steps")
    if report.stored == 0 and report.quarantined:
        raise IngestError(f"every record was quarantined ({report.quarantined:,}): nothing stored; "
                          f"see the quarantine table in {args.db} for file, line and reason")
    return 0


def remove_new_store(db: str) -> None:
    """Remove a DuckDB file (and its write-ahead log) a command created and stored nothing in: left
    behind, a later ``investigate --db`` would read it as "0 runs, 0 failed"."""
    for path in (db, db + ".wal"):
        try:
            os.remove(path)
        except FileNotFoundError:
            pass


def cmd_sim(args: argparse.Namespace) -> int:
    """Write simulated runs as native JSONL."""
    from .sim import procurement, write_jsonl

    system = procurement(seed=args.seed, fault_rate=args.fault_rate)
    counts = {"steps": 0}

    def counted():  # noqa: ANN202
        for run in system.generate(args.runs):
            counts["steps"] += run.n_steps
            yield run

    lines = write_jsonl(counted(), args.out)
    # "records" means step records, as in `workbench ingest`'s report of the same file
    print(clean(f"wrote {args.runs:,} runs, {counts['steps']:,} step records ({lines:,} lines with the run, "
                f"edge and label records) to {args.out}"))
    return 0


def _jupyter_command(args: argparse.Namespace) -> list[str]:
    jupyter = shutil.which("jupyter")
    if jupyter is None:
        raise WorkbenchError("jupyter is not on PATH: pip install jupyterlab")
    extra = list(args.jupyter_args)
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        print("running as root: passing --allow-root to JupyterLab", file=sys.stderr)
        extra.append("--allow-root")
    return [jupyter, "lab", f"--notebook-dir={_REPO / 'notebooks'}", *extra]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the kernel sends the child SIGTERM if ``workbench lab`` dies, even by SIGKILL."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def cmd_lab(args: argparse.Namespace) -> int:
    """Open JupyterLab on notebooks/ with the demo data in a DuckDB file."""
    # absolute: the notebooks' kernels run in notebooks/, where a relative path names another file (a new
    # store the notebooks filled with the demo data and showed instead of the one given)
    db = Path(args.db).expanduser().absolute() if args.db else _REPO / "notebooks" / "demo.duckdb"
    cmd = _jupyter_command(args)  # fail before the minutes of building the demo
    if not db.exists():
        from .demo import open_demo

        open_demo(str(db)).close()
        print(clean(f"demo data written to {db}"))
    env = dict(os.environ, WORKBENCH_DB=str(db))
    child = subprocess.Popen(cmd, env=env, preexec_fn=_die_with_parent if sys.platform == "linux" else None)

    def forward(signum: int, frame: object) -> None:  # noqa: ARG001
        if child.poll() is None:
            child.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGHUP) if hasattr(signal, s.name)}
    try:
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:  # Ctrl-C reached JupyterLab too (same process group): let it finish
                continue
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``workbench`` command."""
    parser = _Parser(prog="workbench", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("investigate", help="per failed run: outcome, errors, detector hits, culprit")
    p.add_argument("paths", nargs="*", help="log files to ingest first (default: the demo data)")
    p.add_argument("--db", help="DuckDB file or Parquet export to read (and to ingest the paths into)")
    p.add_argument("--format", help="force the paths' format (native, otlp, openinference, span-tree, any-agent, langfuse, mlflow-trace, "
                                    "openai-agents, whowhen); detected per file by default")
    p.add_argument("--limit", type=_int_at_least(1), default=25, help="failed runs to show (default 25)")
    p.add_argument("--all", action="store_true", help="show every failed run")
    p.add_argument("--no-attribute", action="store_true", help="skip the replay-based verdicts on the demo data")
    p.add_argument("--jobs", type=_int_at_least(1), default=None,
                   help="processes replaying the demo's failed runs, this one included (default: every CPU, "
                        "at most 4, one fewer per 2 of load average; 1: no worker processes)")
    p.add_argument("--no-cache", action="store_true",
                   help="build the demo store in memory instead of reusing the cached one")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--timings", action="store_true", help="print the seconds each phase took")
    p.set_defaults(func=cmd_investigate)

    p = sub.add_parser("ingest", help="ingest log files into a DuckDB file")
    p.add_argument("paths", nargs="+", help="log files, folders or globs (format detected per file; a folder's "
                   "files in no known format are skipped and named)")
    p.add_argument("--db", required=True, help="DuckDB file to write (created, or added to when it exists)")
    p.add_argument("--format", help="force a format (native, otlp, openinference, span-tree, any-agent, langfuse, mlflow-trace, openai-agents, whowhen)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--list-skipped", action="store_true",
                   help="list every file skipped, with why (the report names the first 5)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("sim", help="write simulated runs as native JSONL")
    p.add_argument("--runs", type=_int_at_least(1), default=100, help="runs to simulate (>= 1)")
    p.add_argument("--out", required=True, help="native JSONL file to write (.gz: gzipped)")
    p.add_argument("--seed", type=int, default=0, help="random seed: the same seed writes the same runs (default 0)")
    p.add_argument("--fault-rate", type=_rate, default=0.3, help="share of runs with injected faults, in [0, 1]")
    p.set_defaults(func=cmd_sim)

    p = sub.add_parser("lab", help="open JupyterLab on notebooks/ with the demo data ready (other options go to "
                                   "JupyterLab)")
    p.add_argument("--db", help="DuckDB store the notebooks open: your own logs' (build it with `workbench ingest PATH --db FILE` first), or, when FILE does not exist, the demo data written there (default notebooks/demo.duckdb)")
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
    code = _run(args)
    if argv is None and args.command == "investigate" and code == 0:
        _exit_now(code)
    return code


def _exit_now(code: int) -> NoReturn:
    """End the process at once, its output flushed: ``investigate`` has closed its store and
    stopped its workers, and tearing down the interpreter (pandas, scipy, DuckDB, pyarrow loaded)
    took another second on a busy machine. Only from the command line (``argv`` None), where
    nothing runs after ``main``."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _run(args: argparse.Namespace) -> int:
    try:
        return int(args.func(args) or 0)
    except WorkbenchError as exc:
        print(f"workbench: error: {clean(exc, newlines=False)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("workbench: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `workbench investigate | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # noqa: BLE001 - the CLI promises one line, not a traceback
        print(f"workbench: error: {type(exc).__name__}: {clean(exc, newlines=False)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

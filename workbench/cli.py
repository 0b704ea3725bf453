"""The workbench command: lab, ingest, investigate, policy, sim.

Exit status: 0 done; 1 what investigate --fail-on names was found, or policy backtest missed its
--min-prevented / --max-review-rate goal; 2 bad input or usage (a bad argument, a policy file that fails its
schema check, a file in no known format, an ingest that stores nothing); 3 an unexpected error; 130
interrupted."""

from __future__ import annotations

import argparse
import errno
import os
import shlex
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from ._termtext import clean
from .exceptions import FormatError, IngestError, InvalidParameterError, WorkbenchError

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


def _seed(text: str) -> int:
    # the simulator's numpy generators take a seed in [0, 2**64): outside it they raised inside cmd_sim (exit 3)
    value = _int_at_least(0)(text)
    if value >= 2**64:
        raise argparse.ArgumentTypeError(f"must be < 2**64 (got {value})")
    return value


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1], got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be in [0, 1] (got {value:g})")
    return value


def _share(text: str) -> float:
    """A share in (0, 1]: a quantile or a review budget of 0 is refused by the library (suggest_limits,
    policy_from_findings), which only ran after the paths were ingested into --db."""
    value = _rate(text)
    if value == 0.0:
        raise argparse.ArgumentTypeError("must be in (0, 1] (got 0)")
    return value


def cmd_investigate(args: argparse.Namespace) -> int:
    """Print, per failed run, what is known: errors, detector hits, the culprit and decisive step."""
    from contextlib import redirect_stdout

    from ._cli_report import report
    from ._investigate import run

    args.output = "json" if args.json else "jsonl" if args.jsonl else "table"
    if args.limit is None:  # a table shows the first 25; records are for a machine: every failed run
        args.limit, args.all = 25, args.all or args.output != "table"
    args.report, args.status = report, 0

    def investigate(a: argparse.Namespace) -> int:
        if a.output == "table":
            return run(a)
        # stdout holds the records alone: what the command says for people goes to stderr
        a.stdout = sys.stdout
        with redirect_stdout(sys.stderr):
            return run(a)

    return _as_command_line(investigate, args) or args.status


def _as_command_line(command: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    try:
        return command(args)
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
            print(
                clean(
                    report.text(
                        all_skipped="all {n:,} listed below"
                        if args.list_skipped
                        else "--list-skipped lists all {n:,}"
                    )
                )
            )
            if args.list_skipped and report.skipped:
                print(f"skipped files ({len(report.skipped):,}):")
                print("\n".join(f"  {clean(s, newlines=False)}" for s in report.skipped))  # (one line a file)
    except WorkbenchError:
        # a store this call created and filled with nothing would later read as "0 runs, 0 failed"
        if created:
            remove_new_store(args.db)
        raise
    # (labels alone are records read: the file the unknown-outcome advice tells a user to write; it failed, exit 2,
    # with every label stored)
    if report.read == 0 and not report.labels and created:
        remove_new_store(args.db)
    if report.read == 0 and not report.labels:
        raise IngestError("no records read: the input holds no runs, steps or labels")
    # (labels stored beside a quarantined line are stored: "nothing stored", exit 2, said the labels file the
    # unknown-outcome advice asks for was refused whole when one of its lines had a typo)
    if report.stored == 0 and report.quarantined and not report.labels:
        raise IngestError(
            f"every record was quarantined ({report.quarantined:,}): nothing stored; "
            f"see the quarantine table in {args.db} for file, line and reason"
        )
    # what a store is for, said where it was made (the report alone left a newcomer at a prompt with a file)
    print(
        clean(
            f"next: `workbench investigate --db {shlex.quote(args.db)}` names a culprit agent and step per failed "
            f"run; `workbench policy suggest --db {shlex.quote(args.db)} -o policy.yaml` proposes a guard "
            f"policy; in Python, wb.open({args.db!r})"
        ),
        file=sys.stderr,
        flush=True,
    )
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
    from ._open_path import is_duckdb_file
    from .sim import procurement, write_jsonl
    from .store._connection import is_parquet_export

    out = Path(args.out)
    if out.is_file() and is_duckdb_file(out) or out.is_dir() and is_parquet_export(out):
        # (JSONL written over a store lost its runs, exit 0; policy suggest -o refuses the same)
        raise InvalidParameterError(
            f"--out {args.out}: it is a workbench store; writing the runs there would lose "
            "its runs: give another file (then workbench ingest FILE --db STORE adds them)"
        )
    system = procurement(seed=args.seed, fault_rate=args.fault_rate)
    counts = {"steps": 0}

    def counted():  # noqa: ANN202
        for run in system.generate(args.runs):
            counts["steps"] += run.n_steps
            yield run

    try:
        lines = write_jsonl(counted(), args.out)
    except (
        OSError
    ) as exc:  # (a folder, no permission: bad input, exit 2 naming it, not 3 "an unexpected error")
        raise WorkbenchError(f"--out {args.out}: cannot write it ({exc.strerror or exc})") from exc
    # "records" means step records, as in `workbench ingest`'s report of the same file
    print(
        clean(
            f"wrote {args.runs:,} runs, {counts['steps']:,} step records ({lines:,} lines with the run, "
            f"edge and label records) to {args.out}"
        )
    )
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

    previous = {
        s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGHUP) if hasattr(signal, s.name)
    }
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
    p.add_argument(
        "--format",
        help="force the paths' format (native, otlp, openinference, span-tree, any-agent, langfuse, mlflow-trace, "
        "openai-agents, aws-spans, whowhen); detected per file by default",
    )
    # (one or the other, as the usage line says: --limit 2 --all showed every run, the limit dropped unsaid)
    shown = p.add_mutually_exclusive_group()
    shown.add_argument(
        "--limit",
        type=_int_at_least(1),
        default=None,
        help="failed runs to show (default 25; with --json or --jsonl every one)",
    )
    shown.add_argument("--all", action="store_true", help="show every failed run")
    p.add_argument(
        "--no-attribute", action="store_true", help="skip the replay-based verdicts on the demo data"
    )
    p.add_argument(
        "--jobs",
        type=_int_at_least(1),
        default=None,
        help="processes replaying the demo's failed runs, this one included (default: every CPU, "
        "at most 4, one fewer per 2 of load average; 1: no worker processes)",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="build the demo store in memory instead of reusing the cached one",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--timings", action="store_true", help="print the seconds each phase took")
    out = p.add_mutually_exclusive_group()
    out.add_argument(
        "--json",
        action="store_true",
        help="print one JSON document (counts and a record per failed run) instead of the table; "
        "what is said for people goes to stderr",
    )
    out.add_argument(
        "--jsonl", action="store_true", help="print one JSON line per failed run instead of the table"
    )
    p.add_argument(
        "--fail-on",
        choices=["never", "failed", "flagged"],
        default="never",
        help="exit 1 when a run failed (failed), or failed or was flagged by a detector (flagged); "
        "default never: exit 0",
    )
    p.set_defaults(func=cmd_investigate)

    p = sub.add_parser("ingest", help="ingest log files into a DuckDB file")
    p.add_argument(
        "paths",
        nargs="+",
        help="log files, folders or globs (format detected per file; a folder's "
        "files in no known format are skipped and named)",
    )
    p.add_argument("--db", required=True, help="DuckDB file to write (created, or added to when it exists)")
    p.add_argument(
        "--format",
        help="force a format (native, otlp, openinference, span-tree, any-agent, langfuse, mlflow-trace, openai-agents, aws-spans, whowhen)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--list-skipped",
        action="store_true",
        help="list every file skipped, with why (the report names the first 5)",
    )
    p.set_defaults(func=cmd_ingest)

    _policy_parsers(sub)

    p = sub.add_parser("sim", help="write simulated runs as native JSONL")
    p.add_argument("--runs", type=_int_at_least(1), default=100, help="runs to simulate (>= 1)")
    p.add_argument("--out", required=True, help="native JSONL file to write (.gz: gzipped)")
    p.add_argument(
        "--seed",
        type=_seed,
        default=0,
        help="random seed in [0, 2**64): the same seed writes the same runs (default 0)",
    )
    p.add_argument(
        "--fault-rate", type=_rate, default=0.3, help="share of runs with injected faults, in [0, 1]"
    )
    p.set_defaults(func=cmd_sim)

    p = sub.add_parser(
        "lab", help="open JupyterLab on notebooks/ with the demo data ready (other options go to JupyterLab)"
    )
    p.add_argument(
        "--db",
        help="DuckDB store the notebooks open: your own logs' (build it with `workbench ingest PATH --db FILE` first), or, when FILE does not exist, the demo data written there (default notebooks/demo.duckdb)",
    )
    p.set_defaults(func=cmd_lab)
    return parser


def _history_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "paths", nargs="*", help="log files, folders or globs to ingest (into --db FILE when given)"
    )
    p.add_argument(
        "--db",
        metavar="FILE",
        help="DuckDB file or Parquet export holding the runs (and to ingest the paths into)",
    )
    p.add_argument(
        "--format",
        metavar="NAME",
        help="force the paths' format (as in workbench ingest); detected per file by default",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def _policy_parsers(sub: argparse._SubParsersAction) -> None:
    def run_suggest(args: argparse.Namespace) -> int:
        from ._cli_policy import cmd_suggest

        return _as_command_line(cmd_suggest, args)

    def run_backtest(args: argparse.Namespace) -> int:
        from ._cli_policy import cmd_backtest

        return _as_command_line(cmd_backtest, args)

    def run_validate(args: argparse.Namespace) -> int:
        from ._cli_policy import cmd_validate

        return _as_command_line(cmd_validate, args)

    p = sub.add_parser(
        "policy", help="suggest a guard policy from history, backtest a policy file on it, or validate one"
    )
    actions = p.add_subparsers(
        dest="action", required=True, parser_class=_Parser, metavar="suggest|backtest|validate"
    )
    s = actions.add_parser(
        "suggest", help="propose limits and HITL thresholds from the runs and write the policy"
    )
    _history_arguments(s)
    s.add_argument(
        "-o", "--out", required=True, metavar="FILE", help="policy file to write (YAML; - for stdout)"
    )
    s.add_argument(
        "--method",
        choices=["findings", "peaks"],
        default="findings",
        help="findings: each limit where it cuts the most failed runs per success lost "
        "(policy_from_findings); peaks: each limit at a quantile of the successful runs' peaks "
        "(suggest_limits); both add the HITL rule of the findings' proposal (default findings)",
    )
    s.add_argument(
        "--review-budget",
        type=_share,
        default=0.1,
        help="highest share of runs the HITL rule may send to review (default 0.1)",
    )
    s.add_argument(
        "--lost-weight",
        type=_positive,
        default=3.0,
        help="failed runs cut worth one successful run cut (default 3)",
    )
    s.add_argument(
        "--quantile", type=_share, default=None, help="--method peaks: the peaks' quantile (default 0.99)"
    )
    s.add_argument(
        "--system",
        help="the system to write a policy for, when the runs hold several (its runs only: limits, HITL rule; "
        "policy backtest then replays that system's runs)",
    )
    s.set_defaults(func=run_suggest)
    b = actions.add_parser(
        "backtest",
        help="replay the runs through a policy file: what the guard would have "
        "stopped, missed and stopped wrongly",
    )
    b.add_argument(
        "policy", help="policy file (YAML, or JSON by its .json suffix), checked against the schema"
    )
    _history_arguments(b)
    b.add_argument(
        "--system",
        help="backtest the runs of this system only ('' : those with no system name); by "
        "default those of the system the policy's limits were learned for, when the runs "
        "hold several",
    )
    b.add_argument("--json", action="store_true", help="print one JSON document instead of the tables")
    b.add_argument(
        "--min-prevented",
        type=_rate,
        default=None,
        metavar="S",
        help="exit 1 unless at least this share of the failed runs is stopped in time",
    )
    b.add_argument(
        "--max-review-rate",
        type=_rate,
        default=None,
        metavar="R",
        help="exit 1 unless the share of runs sent to review is under this",
    )
    b.set_defaults(func=run_backtest)
    v = actions.add_parser(
        "validate",
        help="check policy files against the schema: each one's rules, or the field that is wrong (exit 2)",
    )
    v.add_argument(
        "policies", nargs="+", metavar="POLICY", help="policy file (YAML, or JSON by its .json suffix)"
    )
    v.set_defaults(func=run_validate)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0 (got {value:g})")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: one clear line and a non-zero exit on error, never a traceback."""
    _tolerant_output()
    parser = build_parser()
    # Anything `workbench lab` does not know is passed on to JupyterLab (--no-browser, --port …).
    args, extra = parser.parse_known_args(argv)
    if extra and isinstance(getattr(args, "paths", None), list) and not any(e.startswith("-") for e in extra):
        # argparse takes a command's positionals in one go: `policy backtest p.yaml --json logs/` (or
        # `investigate a.jsonl --quiet b.jsonl`) left the paths after the option unrecognised
        args.paths += extra
        extra = []
    if args.command in ("investigate", "policy") and hasattr(
        args, "paths"
    ):  # (policy validate reads no logs)
        _store_as_db(args)
    if extra and args.command != "lab":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.jupyter_args = extra
    code = _run(args)
    if argv is None and args.command == "investigate":
        # (an error or Ctrl-C too: the store is closed by then; a Ctrl-C mid-ingest took 5 s more to tear down)
        _exit_now(code)
    return code


def _tolerant_output() -> None:
    """A character the output's encoding lacks is written escaped (``\\u2265``), not a crash (exit 3) after the
    work is done: Windows writes a redirected stream in its ANSI code page (cp1252 has no "≥" for a backtest's
    goal), as does any run with ``PYTHONIOENCODING=ascii``; log text (agent names) can hold anything."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", None) == "strict":
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # (a stream already written through a buffer it cannot change)
                pass


def _store_as_db(args: argparse.Namespace) -> None:
    """A store given as the one PATH (``workbench policy suggest incidents.duckdb``, a Parquet export's folder)
    is read as ``--db``: ingested as a log it was "not in any known format"."""
    if args.db or len(args.paths) != 1:
        return
    from ._open_path import is_duckdb_file
    from .store._connection import is_parquet_export

    path = Path(args.paths[0])
    if path.is_file() and is_duckdb_file(path) or is_parquet_export(path):
        args.db, args.paths = args.paths[0], []


def _exit_now(code: int) -> NoReturn:
    """End the process at once, its output flushed: ``investigate`` has closed its store and
    stopped its workers, and tearing down the interpreter (pandas, scipy, DuckDB, pyarrow loaded)
    took another second on a busy machine. Only from the command line (``argv`` None), where
    nothing runs after ``main``."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _interrupted(exc: BaseException | None) -> bool:
    """Whether ``exc`` is, or was raised from, Ctrl-C: DuckDB stops the query it runs and raises its own error,
    which the ingest reports as a failed read (``ingest failed ...: Query interrupted``, exit 2, as bad input)."""
    seen = 0
    while exc is not None and seen < 20:
        if (
            isinstance(exc, KeyboardInterrupt)
            or type(exc).__name__ == "InterruptException"
            or (isinstance(exc, RuntimeError) and str(exc) == "Query interrupted")
        ):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _run(args: argparse.Namespace) -> int:
    try:
        return _run_command(args)
    except KeyboardInterrupt:
        print("workbench: interrupted", file=sys.stderr)
        return 130


def _run_command(args: argparse.Namespace) -> int:
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:  # `workbench investigate | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        if exc.errno not in _FULL or _flushes(sys.stdout):
            return _failed(exc)
        # (the work is done and stored; only its output was lost: no bug of ours, so exit 2, not 3, naming where)
        where = _stdout_name()
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # (nothing more to lose at exit)
        print(
            f"workbench: error: the output could not be written to {where}: {exc.strerror}", file=sys.stderr
        )
        return 2
    except Exception as exc:  # noqa: BLE001 - the CLI promises one line, not a traceback
        return _failed(exc)


# A write that fails for want of room (a full disk or quota, a file size limit) or a device's error.
_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})


def _flushes(stream: Any) -> bool:
    """Whether ``stream`` still takes a byte. (Python drops what a failed write held, so a flush says nothing: a
    newline written to its file does, and where the error came from elsewhere it costs a blank line at the end.)"""
    try:
        stream.flush()
        os.write(stream.fileno(), b"\n")
    except (OSError, ValueError, AttributeError):
        return False
    return True


def _stdout_name() -> str:
    """stdout and, where the system tells, the file it is (``stdout (/mnt/full/report.json)``)."""
    try:
        return f"stdout ({os.readlink(f'/proc/self/fd/{sys.stdout.fileno()}')})"
    except (OSError, ValueError, AttributeError):
        return "stdout"


def _failed(exc: BaseException) -> int:
    """The one line and exit status of an error (WorkbenchError 2: the input or the store; anything else 3)."""
    if _interrupted(exc):
        raise KeyboardInterrupt from exc
    if isinstance(exc, WorkbenchError):
        print(f"workbench: error: {clean(exc, newlines=False)}", file=sys.stderr)
        return 2
    print(f"workbench: error: {type(exc).__name__}: {clean(exc, newlines=False)}", file=sys.stderr)
    return 3  # not 1: that is what --fail-on and a backtest's goal say, and a gate must tell the two apart


if __name__ == "__main__":
    sys.exit(main())

"""The IPython extension: ``%load_ext workbench`` adds the ``%workbench`` line magic.

    %workbench open PATH [--db FILE] [--as NAME]     open a workspace, or ingest a trace file into one
                                                      beside it, then show the IncidentExplorer
    %workbench investigate [PATH ...] [--db FILE] [--all] [--limit N]
                                                      the ``workbench investigate`` table, as rich output

``investigate`` with no PATH and no ``--db`` reads the workspace of the last ``%workbench open``, else the
notebook's own workspace (a ``Workspace`` named ``ws``, or the only one), else the embedded demo (as the command
line does).
"""

from __future__ import annotations

import argparse
import os
import shlex
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.display import display

if TYPE_CHECKING:
    import pandas as pd

    from .workspace import Workspace


class _Parser(argparse.ArgumentParser):
    # argparse would print and exit; in a kernel that must be one clear error instead.
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"%workbench: {message}\n{self.format_usage().strip()}")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="%workbench", add_help=False)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser(
        "open", add_help=False, help="open a workspace or ingest a trace file, then show the explorer"
    )
    p.add_argument("path")
    p.add_argument("--db", help="workspace to ingest a trace into (default: beside it, named after it)")
    p.add_argument("--as", dest="name", default="ws", help="variable to hold the workspace (default ws)")
    p = sub.add_parser("investigate", add_help=False, help="per failed run: errors, detector hits, culprit")
    p.add_argument("paths", nargs="*")
    p.add_argument("--db")
    p.add_argument("--limit", type=int, default=25)
    p.add_argument("--all", action="store_true")
    p.add_argument("--no-attribute", action="store_true")
    return parser


@dataclass
class Investigation:
    """What ``%workbench investigate`` found: the command line's table, shown as HTML in a notebook."""

    where: str
    n_runs: int
    n_failed: int
    table: pd.DataFrame
    truncated: bool
    agreement: str
    note: str
    flagged: pd.DataFrame | None = (
        None  # runs not known to have failed that detectors flagged (no failed runs)
    )
    flagged_note: str = ""  # the same, one line per detector, beside a table of failed runs
    n_unknown: int = 0  # runs whose logs do not say whether they failed
    n_named: int = 0  # of them, those the note names for their steps in error
    why: list[str] = field(default_factory=list)  # the CLI's why: lines (_investigate.evidence_lines)

    def _header(self) -> str:
        shown = " (first {:,} shown; --all for every one)".format(len(self.table)) if self.truncated else ""
        unknown = f", {self.n_unknown:,} of unknown outcome" if self.n_unknown else ""
        return (
            f"{self.where}: {self.n_runs:,} {'run' if self.n_runs == 1 else 'runs'}, "
            f"{self.n_failed:,} failed{unknown}{shown}"
        )

    def _unknown_note(self) -> str:
        # Real traces often leave every root span unset: say how to tell failures apart, as the CLI does.
        if not self.n_unknown:
            return ""
        if self.n_failed:  # beside failed runs too: the header's count was all it said of them
            if self.n_unknown <= self.n_named:
                return ""  # each named, with its next step, in the note
            from ._investigate import unknown_note

            return unknown_note(self.n_unknown, again="run %workbench investigate again")
        which = "this run" if self.n_unknown == 1 else f"these {self.n_unknown:,} runs"
        return (
            f'the logs do not say whether {which} failed: label outcomes (ws.runs(outcome="unknown") lists '
            'them; ws.label(run_id, outcome="failure"), or ws.label_file("labels.csv") with columns run_id, '
            "outcome), then run %workbench investigate again"
        )

    def __repr__(self) -> str:
        from ._termtext import clean  # run ids and agents from logs: no escape sequence reaches a terminal

        body = self.table.to_string(index=False) if len(self.table) else "no failed runs"
        flagged = ""
        if self.flagged is not None and len(self.flagged):
            flagged = "flagged by the detectors, not known to have failed:\n" + self.flagged.to_string(
                index=False
            )
        return clean(
            "\n".join(
                x
                for x in (
                    self._header(),
                    body,
                    flagged,
                    self.flagged_note,
                    self._unknown_note(),
                    self.agreement,
                    self.note,
                    *self.why,
                )
                if x
            )
        )

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))

    def _repr_html_(self) -> str:
        # to_html escapes cell text: run ids, agents and errors come from logs.
        from ._termtext import html_table, html_text

        table = (
            html_table(self.table, border=0, classes="wb-investigate")
            if len(self.table)
            else "<p>no failed runs</p>"
        )
        if self.flagged is not None and len(self.flagged):
            table += "<p>flagged by the detectors, not known to have failed:</p>" + html_table(
                self.flagged, border=0, classes="wb-investigate"
            )
        extra = "".join(
            f"<p>{html_text(x)}</p>"
            for x in (
                self.flagged_note,
                self._unknown_note(),
                self.agreement,
                *self.note.split("\n"),
                *self.why,
            )
            if x
        )
        # the command line's legend, folded: "SILENT*", "(log + error)", "one candidate step" were said nowhere here
        from ._investigate import LEGEND

        legend = [entry for entry in LEGEND if entry.split(":")[0] in self.table.columns]
        if legend and len(self.table):
            extra += (
                "<details><summary>what the columns say</summary>"
                + "".join(f"<p>{html_text(entry)}</p>" for entry in legend)
                + "</details>"
            )
        # run ids of 32 hex digits, "writer:eeb3a058ce976ae0": words no line breaks, and the table held 968 px in a
        # 1000 px window's 568 px output (real OpenAI Agents and CrewAI traces). Broken anywhere, it fits.
        # (only the id columns: "Researcher" broke as "Researche r")
        ids = ",".join(f".wb-investigate td:nth-child({i})" for i in _id_columns(self.table))
        style = (
            f"<style>{ids}{{overflow-wrap:anywhere;min-width:4em}}.wb-investigate th{{white-space:normal}}"
            "</style>"
            if ids
            else ""
        )
        return f"<div>{style}<p><b>{html_text(self._header())}</b></p>{table}{extra}</div>"


def _id_columns(table: pd.DataFrame) -> list[int]:
    """The (1-based) columns of ids and step references, which hold no space to break a line at."""
    return [i + 1 for i, c in enumerate(table.columns) if c in ("run", "first error", "step")]


def investigate(
    ws: Workspace, where: str, replay: Any = None, limit: int | None = 25, attribute: bool = True
) -> Investigation:
    """Run the detectors and (unless ``attribute`` is false) the verdicts — by replay with ``replay``,
    else by the pretrained log-only model — and collect the investigate table."""
    from ._failed import taken_as_failed, taken_note
    from ._flagged import FLAGGED_HEADERS, flagged_runs, flagged_summary
    from ._investigate import (
        agreement,
        attribute_failed,
        choose_attribution,
        evidence_lines,
        investigate_table,
    )
    from ._trust import trust_lines
    from ._unreported_errors import unreported_errors, unreported_note
    from .detect import detect
    from .store._own_connection import fetch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # scipy's exact KS test falls back, harmlessly
        detect(ws)
    path = choose_attribution(ws, replay) if attribute else "none"
    attribute_failed(ws, replay, path)
    n_runs = ws.count("runs")
    n_failed, n_unknown = (
        int(n)
        for n in fetch(
            ws.con,
            "SELECT count(*) FILTER (WHERE outcome = 'failure'), "
            "count(*) FILTER (WHERE outcome IS NULL OR outcome NOT IN ('success', 'failure')) FROM runs",
        )[0]
    )
    taken = taken_as_failed(ws)  # reported success, but a silent_failure finding says the user got no answer
    n_failed += len(taken)
    table = investigate_table(ws, limit)
    note = {
        "replay": "",
        "none": "",
        "logonly": "no replay of this system: culprits from the pretrained log-only BlameModel (log)",
    }[path]
    # one line each: joined by a space, the log-only note ran on after the taken note's ")" as one sentence
    trust = (
        trust_lines(list(table["culprit"])) if "culprit" in table.columns else []
    )  # how far a (log) N% goes
    note = "\n".join(x for x in (taken_note(taken), note, unreported_note(ws)) if x)
    import pandas

    flagged = None if n_failed else pandas.DataFrame(flagged_runs(ws, limit), columns=FLAGGED_HEADERS)
    return Investigation(
        where=where,
        n_runs=n_runs,
        n_failed=n_failed,
        table=table,
        truncated=limit is not None and n_failed > limit,
        agreement=agreement(ws),
        note=note,
        flagged=flagged,
        flagged_note=flagged_summary(ws) if n_failed else "",
        n_unknown=n_unknown,
        n_named=len(unreported_errors(ws)),
        # (the trust: lines after the why: lines they point to, as on the command line)
        why=[*evidence_lines(ws, shown=list(table["run"]) if "run" in table.columns else None), *trust],
    )


def _without_comment(line: str) -> str:
    """The line up to a ``#`` that begins a word outside quotes: IPython hands a line magic the comment after it
    too (``%workbench open traces.otlp.jsonl  # ingest it`` opened a file named ``#``). A ``#`` inside a word or in
    quotes (``run#2.jsonl``, ``"my #1.jsonl"``) is kept."""
    quote, escaped, word_start = None, False, True
    for i, ch in enumerate(line):
        plain = not escaped and quote is None
        if escaped:  # a backslash's character: never a quote, a space or a comment
            escaped = False
        elif ch == "\\" and quote != "'":
            escaped = True
        elif quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and word_start:
            return line[:i]
        word_start = plain and ch.isspace()
    return line


@magics_class
class WorkbenchMagics(Magics):
    """``%workbench open`` and ``%workbench investigate``."""

    def __init__(self, shell: Any) -> None:
        super().__init__(shell)
        self._last: Workspace | None = None

    @line_magic
    def workbench(self, line: str) -> Any:
        """Open a workspace or trace file in the explorer, or show the investigate table.

        Usage: ``%workbench open PATH [--db FILE] [--as NAME]`` or
        ``%workbench investigate [PATH ...] [--db FILE] [--all] [--limit N] [--no-attribute]``.
        """
        args = _parser().parse_args(shlex.split(_without_comment(line), posix=os.name != "nt"))
        if args.command == "open":
            return self._open(args)
        return self._investigate(args)

    def _open(self, args: argparse.Namespace) -> Any:
        from ._open_path import open_path_report
        from .widgets import IncidentExplorer

        if not args.name.isidentifier():
            raise UsageError(f"%workbench open: --as needs a Python name (got {args.name!r})")
        ws, report = open_path_report(args.path, db=args.db, progress=True)
        self.shell.user_ns[args.name] = ws
        self._last = ws
        if report is not None:
            display(report)
        display(ws)
        return IncidentExplorer(ws)

    def _investigate(self, args: argparse.Namespace) -> Investigation:
        from .workspace import open as wb_open

        limit = None if args.all else args.limit
        replay = None
        if args.paths:
            if not args.db:
                raise UsageError("%workbench investigate PATH ... needs --db FILE to ingest into")
            ws = wb_open(args.db)
            display(ws.ingest(args.paths, progress=True))
            where = os.fspath(args.db)
        elif args.db:
            if not os.path.exists(args.db):  # opening it would create an empty store: "0 failed"
                raise UsageError(
                    f"%workbench investigate --db {args.db}: no such file or folder (to build a store "
                    f"there, give the logs to ingest: %workbench investigate PATH ... --db {args.db})"
                )
            ws, where = wb_open(args.db), os.fspath(args.db)
        elif self._last is not None and not self._last.closed:
            ws = self._last
            where = "memory" if ws.path is None else str(ws.path)
        elif (named := _notebook_workspace(self.shell.user_ns)) is not None:
            # the README's way in is `ws = wb.open(...)` and `ws.ingest(...)`, not %workbench open: that store,
            # not the demo's 2,000 simulated runs, is the one the user means
            name, ws = named
            where = f"{name} ({'memory' if ws.path is None else ws.path})"
        else:
            from .demo import demo_replay, open_demo

            ws, where = open_demo(), "the demo data"
            replay = None if args.no_attribute else demo_replay()
        return investigate(ws, where, replay=replay, limit=limit, attribute=not args.no_attribute)


def _notebook_workspace(namespace: dict[str, Any]) -> tuple[str, Workspace] | None:
    """The notebook's own open workspace: the one named ``ws`` (the README's name), else the only one."""
    from .workspace import Workspace

    # (a closed ``ws``, after ``ws.close()`` or its ``with`` block, is the one the user means: reading it failed on
    # DuckDB's bare "Connection already closed!", and the demo or another store in its place would answer another
    # question; other closed ones are passed over)
    if isinstance(named := namespace.get("ws"), Workspace) and named.closed:
        raise UsageError(
            "%workbench investigate: `ws` is closed (ws.close(), or the end of its `with` block): open "
            "it again, ws = wb.open(PATH), or give the store: %workbench investigate --db FILE"
        )
    found = [
        (name, value)
        for name, value in namespace.items()
        if not name.startswith("_") and isinstance(value, Workspace) and not value.closed
    ]
    return next((f for f in found if f[0] == "ws"), found[0] if len(found) == 1 else None)


def load_ipython_extension(ipython: Any) -> None:
    """Called by ``%load_ext workbench``."""
    ipython.register_magics(WorkbenchMagics)

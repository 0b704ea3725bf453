"""``workbench policy suggest``, ``workbench policy backtest`` and ``workbench policy validate``: notebook 03's
proposal, export, check and backtest from the command line, through the library's own functions (``policy_from_findings``, ``suggest_limits``,
``Policy.to_yaml`` / ``from_yaml`` with their schema check, ``backtest``, ``BacktestReport.meets``)."""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ._cli_json import write_line
from ._cli_policy_words import cli_words as _cli_words
from ._cli_policy_words import nothing_weighed as _nothing_weighed
from ._termtext import clean, fit_table, terminal_width
from .exceptions import IngestError, InvalidParameterError, PolicyError

BACKTEST_SCHEMA = "workbench.backtest/v1"


def _note(text: str) -> None:
    """What the command did, for the person reading: stderr, so that stdout holds only the result."""
    print(clean(text), file=sys.stderr, flush=True)


@contextmanager
def history(args: argparse.Namespace) -> Iterator[Any]:
    """The store the policy learns from or is backtested on: ``PATH ...`` ingested (into ``--db FILE``, else
    in memory), or ``--db FILE`` alone; with the detectors' findings, which decide the runs taken as failed
    (``_failed.py``) and which ``policy_from_findings`` learns from."""
    from ._analysis_store import open_to_analyse
    from .workspace import open as wb_open

    if not args.paths and not args.db:
        raise InvalidParameterError("no history: give log files (PATH ...) or a store (--db FILE)")
    if not args.paths and not os.path.exists(args.db):
        raise InvalidParameterError(f"--db {args.db}: no such file or folder")
    created = bool(args.paths and args.db) and not os.path.exists(args.db)
    if args.paths:
        ws = wb_open(args.db)
    else:  # the detectors write findings: a store it may only read (a Parquet export too) is read on a copy
        ws, copied = open_to_analyse(args.db)
        if copied:
            _note(copied)
    try:
        if args.paths:
            report = ws.ingest(args.paths, format=args.format, progress=not args.quiet)
            _note(str(report))
            # (a labels file given with --db of a store of runs stores no step, and was refused as "nothing to
            # learn from": what counts is the store's steps, and a call whose every record was refused)
            if ws.count("steps") == 0 or (report.stored == 0 and report.quarantined and not report.labels):
                raise IngestError(
                    "no step stored: nothing to learn from or backtest on"
                    + (
                        f" (every record was quarantined: {report.quarantined:,})"
                        if report.quarantined
                        else ""
                    )
                )
            created = False
        if ws.count("findings") == 0:
            from .detect import detect

            with warnings.catch_warnings():
                warnings.simplefilter(
                    "ignore", RuntimeWarning
                )  # scipy's exact KS test falls back, harmlessly
                detect(ws, progress=not args.quiet)
        yield ws
    finally:
        ws.close()
        if created:
            from .cli import remove_new_store

            remove_new_store(args.db)


def cmd_suggest(args: argparse.Namespace) -> int:
    """Propose a policy from the history and write it, read back through the schema check."""
    import workbench as wb

    _check_out(args)  # before the minutes of an ingest, and before anything is written
    if args.method != "peaks":
        # (--system nope or --quantile 0.5 with the default method wrote a policy of every system at its own
        # limits, exit 0: the option the user gave was dropped unsaid)
        # (--system is both methods': with this one, the policy of that system's runs: _cli_system.py)
        given = [f"--{name}" for name in ("quantile",) if getattr(args, name) is not None]
        if given:
            raise InvalidParameterError(
                f"{' and '.join(given)}: only with --method peaks (the method is {args.method})"
            )
    with history(args) as ws:
        if args.method == "peaks":
            # notebook 03: limits from how far the runs went, the HITL rule from the findings' proposal
            limits = wb.suggest_limits(ws, quantile=0.99 if args.quantile is None else args.quantile)
            try:
                policy = limits.to_policy(args.system)
            except InvalidParameterError as exc:  # its "system: ..." is this command's --system
                raise InvalidParameterError(f"--{exc}") from exc
            # the HITL rule from the same system's runs: learned from the whole store it named other systems'
            # agents, at thresholds priced on their runs (a policy for one system held six rules for agents of others)
            system = (policy.provenance.sweep or {}).get("system")
            own = limits.runs if system is None else limits.runs[limits.runs["system"] == system]
            if own["outcome"].isin(["success", "failure"]).any():
                learned = wb.policy_from_findings(
                    ws,
                    lost_weight=args.lost_weight,
                    review_budget=args.review_budget,
                    runs=None if len(own) == len(limits.runs) else list(own["run_id"]),
                )
                # why a signal has no HITL rule (no confidence in the log, none worth its reviews): said, as the
                # default method says it, not an empty list left unexplained
                why_none = tuple(n for n in learned.provenance.notes or () if n.startswith("no HITL rule"))
                policy = policy.replace(
                    hitl=learned.hitl,
                    provenance=dataclasses.replace(
                        policy.provenance, notes=(*(policy.provenance.notes or ()), *why_none)
                    ),
                )
            else:  # peaks need no outcome (the usual export of real logs); a HITL threshold is priced on them
                notes = (
                    *(policy.provenance.notes or ()),
                    "no HITL rule: no run has a known outcome to price a "
                    "threshold on (label outcomes: ws.label(run_id, outcome=...))",
                )
                policy = policy.replace(provenance=dataclasses.replace(policy.provenance, notes=notes))
        else:
            from ._cli_system import for_system, system_runs

            own = None if args.system is None else system_runs(ws, args.system)
            try:
                policy = wb.policy_from_findings(
                    ws,
                    lost_weight=args.lost_weight,
                    review_budget=args.review_budget,
                    runs=None if own is None else own[0],
                )
                if own is not None:
                    policy = for_system(policy, args.system, len(own[0]), own[1], own[2])
            except InvalidParameterError as exc:
                if own is not None and str(exc).startswith("no run with a known outcome in this store"):
                    # (one system's runs, none of known outcome: "this store" had others)
                    raise InvalidParameterError(
                        str(exc).replace("in this store", f"among the runs of system {args.system!r}", 1)
                        + f"; here: workbench policy suggest ... --method peaks --system {args.system}"
                    ) from None
                if ws.count("runs") and not _known_outcomes(ws):
                    # its advice is the Python call; this command's own way to it is an option
                    raise InvalidParameterError(
                        f"{exc}; here: workbench policy suggest ... --method peaks "
                        "(--quantile Q, --system NAME)"
                    ) from None
                raise
    if args.out == "-":
        sys.stdout.write(policy.to_yaml())
        sys.stdout.flush()
    else:
        try:
            policy.to_yaml(args.out)  # (through a file beside it, renamed: never half a policy)
        except OSError as exc:
            raise PolicyError(f"cannot write policy file {args.out}: {exc.strerror or exc}") from None
        if wb.Policy.from_yaml(Path(args.out)) != policy:
            raise PolicyError(f"{args.out}: the policy read back differs from the one written")
    rules = policy.rules()
    _note(
        f"{'wrote ' + args.out if args.out != '-' else 'policy'}: {len(rules)} "
        f"{'rule' if len(rules) == 1 else 'rules'} ({', '.join(_rule(n, v) for n, v in rules) or 'none'})"
        f" from {policy.provenance.runs or 0:,} {'run' if policy.provenance.runs == 1 else 'runs'}"
        f" ({policy.provenance.failures or 0:,} failed)"
    )
    for note in policy.provenance.notes or []:
        _note(f"  {_cli_words(note)}")
    if (
        args.method != "peaks"
        and not policy.provenance.failures
        and not any(not name.startswith("hitl:") for name, _ in rules)
    ):
        # logs that report no failure (most exports of real traces) give the findings method nothing to weigh a
        # limit against; a command-line user needs this command's option said whatever the notes above say
        _note(
            "  next: --method peaks sets the limits at a quantile of the runs' peaks (--quantile Q), which needs "
            'no failed run; or label outcomes (ws.label(run_id, outcome="failure")) in a store kept with --db'
        )
    return 0


def _known_outcomes(ws: Any) -> int:
    """How many runs of the store have a known outcome (success or failure), as investigate counts them."""
    from .store._outcomes import counted_as
    from .store._own_connection import fetch

    return fetch(
        ws.con, f"SELECT count(*) FROM ({counted_as(True)}) WHERE outcome IN ('success', 'failure')"
    )[0][0]


def _check_out(args: argparse.Namespace) -> None:
    """``-o FILE`` is somewhere a policy can go, and none of the command's inputs: YAML written over the log
    it reads, or over the store, loses the runs (it did, exit 0)."""
    if args.out == "-":
        return
    from ._open_path import is_duckdb_file
    from .store._connection import is_parquet_export

    out = Path(args.out)
    if out.is_dir():
        raise InvalidParameterError(
            f"-o {args.out}: it is a folder; give the file to write, e.g. -o {out / 'policy.yaml'}"
        )
    if not out.parent.is_dir():
        raise InvalidParameterError(f"-o {args.out}: no folder {out.parent} to write it in")
    for given in [*args.paths, *([args.db] if args.db else [])]:
        if _holds(given, out):
            raise InvalidParameterError(
                f"-o {args.out}: it is one of this command's inputs ({given}); writing "
                "the policy there would lose what it holds: give another file"
            )
    if out.exists() and (is_duckdb_file(out) or is_parquet_export(out)):
        raise InvalidParameterError(
            f"-o {args.out}: it is a workbench store; writing the policy there would lose "
            "its runs: give another file"
        )


def _holds(given: str, out: Path) -> bool:
    """Whether the input ``given`` (a file, a folder, a glob; a store not written yet) is or holds ``out``."""
    import glob

    where = os.path.realpath(out)
    for path in glob.glob(given, recursive=True) if any(ch in given for ch in "*?[") else [given]:
        if os.path.realpath(path) == where or (
            out.exists() and os.path.exists(path) and os.path.samefile(path, out)
        ):
            return True
        if (
            out.exists()
            and os.path.isdir(path)
            and where.startswith(os.path.join(os.path.realpath(path), ""))
        ):
            return True  # a file of a folder read: a log (the policy written there would be read as one too)
    return False


def _rule(name: str, limit: Any) -> str:
    # a HITL rule's name holds its threshold ("hitl:entropy>=0.624@planner")
    return name if name.startswith("hitl:") else f"{name} {_limit(limit, name)}"


def load_policy(path: str) -> Any:
    """The policy file, checked against the schema (a ``PolicyError`` names the field and why)."""
    from .policy import Policy

    p = Path(path)
    if p.is_dir():
        raise PolicyError(f"cannot read policy file {path}: it is a folder, not a file")
    if not p.is_file():
        raise PolicyError(f"cannot read policy file {path}: no such file")
    return Policy.from_json(p) if p.suffix.lower() == ".json" else Policy.from_yaml(p)


_COLUMNS = {
    "rule": "rule",
    "limit": "limit",
    "runs_cut": "cut",
    "runs_escalated": "escalated",
    "failures_prevented": "prevented",
    "failures_caught_late": "late",
    "successes_lost": "lost",
}
_LEGEND = (
    "rule: the rule that stepped in first in a run; cut: runs it stopped; escalated: runs it sent to review; "
    "prevented: failed runs stopped or escalated at or before their decisive step; late: failed runs it "
    "stepped in only after that; lost: successful runs it stopped (stopped wrongly)"
)


def cmd_backtest(args: argparse.Namespace) -> int:
    """Replay the history through a policy file: what the guard would have stopped, missed, stopped wrongly."""
    import workbench as wb

    policy = load_policy(args.policy)  # before the minutes of an ingest: a bad file fails at once
    with history(args) as ws:
        runs, system = _system_runs(ws, policy, args)
        report = wb.backtest(policy, ws, runs=runs, progress=None if not args.quiet else False)
    s = report.summary
    runs = report.runs
    missed = sorted(runs.loc[(runs["outcome"] == "failure") & ~runs["prevented"].astype(bool), "run_id"])
    gate = _gate(report, args)
    if args.json:
        limits = dict(
            policy.rules()
        )  # the file's own values (the table's column is float, NaN in its total row)
        rules = [
            {
                k: (list(v) if isinstance(v, tuple) else limits.get(row["rule"]) if k == "limit" else v)
                for k, v in row.items()
            }
            for row in report.table.to_dict(orient="records")
        ]
        write_line(
            sys.stdout,
            {
                "schema": BACKTEST_SCHEMA,
                "policy": args.policy,
                "system": system,
                "summary": s,
                "missed": len(missed),
                "missed_run_ids": missed,
                "rules": rules,
                "gate": None if gate is None else {"ok": bool(gate), "text": str(gate)},
            },
        )
    else:
        from ._investigate import _say

        _say(_cli_words(repr(report).strip("<>")), wrap=True)
        rows = [
            [row["rule"], _limit(row["limit"], row["rule"]), *(row[c] for c in list(_COLUMNS)[2:])]
            for row in report.table.to_dict(orient="records")
        ]
        _say(
            fit_table(
                rows,
                list(_COLUMNS.values()),
                terminal_width(),
                flexible=["rule"],
                right=list(_COLUMNS.values())[1:],
            )
        )
        _say(_LEGEND, wrap=True)
        _say(
            f"stopped: {s['prevented']:,} of {s['failures']:,} failed runs in time; missed: {len(missed):,}"
            + (f" ({', '.join(missed[:3])}{' …' if len(missed) > 3 else ''})" if missed else "")
            + f"; stopped wrongly: {s['successes_lost']:,} successful runs; sent to review: {s['reviews']:,} "
            f"runs ({s['review_rate']:.1%})",
            wrap=True,
        )
        if not s["runs"] and s["excluded_unknown"]:  # (a table of zeros read as "the policy stops nothing")
            _say(_nothing_weighed(s["excluded_unknown"], args.db), wrap=True)
        if gate is not None:
            _say(str(gate), wrap=True)
    return 0 if gate is None or gate else 1


def _system_runs(ws: Any, policy: Any, args: argparse.Namespace) -> tuple[list[str] | None, str | None]:
    """The runs to backtest on and their system (None, None: every run): ``--system NAME``'s, else, in a store of
    several systems, those of the system the policy's limits were learned for (``suggest --method peaks --system``):
    a policy of one system's limits replayed on every system's runs cut other systems' runs at limits never meant
    for them, and its figures read as the policy's."""
    from .policy._limits import listed_systems
    from .store._outcomes import runs_by_system

    if args.system is None and (policy.provenance.sweep or {}).get("system") is None:
        return None, None  # (a policy of every system's runs: no store read)
    ids = runs_by_system(ws)
    present, total = sorted(ids), sum(len(v) for v in ids.values())
    if args.system is not None:
        if args.system not in present:
            raise InvalidParameterError(
                f"--system {args.system!r}: no runs of it here (systems: {listed_systems(present)})"
            )
        chosen = args.system
    else:
        learned_for = (policy.provenance.sweep or {}).get("system")
        if learned_for is None or len(present) < 2:
            return None, None
        if learned_for not in present:
            _note(
                f"{args.policy}'s limits were learned for system {learned_for!r}, which these runs do not hold: "
                f"backtesting all {total:,} runs of {len(present):,} systems (--system NAME for one)"
            )
            return None, None
        chosen = learned_for
        _note(
            f"backtesting the {len(ids[chosen]):,} runs of system {chosen!r}, the one {args.policy}'s limits were "
            f"learned for (the store holds {total:,} runs of {len(present):,} systems; --system NAME for another)"
        )
    return list(ids[chosen]), chosen


def _limit(value: Any, rule: str = "") -> str:
    if value is None or value != value:  # the total row has none (NaN in the frame)
        return ""
    # a latency's unit: "34100" stood in the limit column apart from the rule's name that said "ms"
    unit = " ms" if "latency_ms" in rule else ""
    return (f"{value:,g}" + unit) if isinstance(value, (int, float)) else str(value)


def cmd_validate(args: argparse.Namespace) -> int:
    """Read each policy file through the schema check: its rules on stdout, or the bad one's field and why on
    stderr (exit 2 when any is bad). A hand-edited file was checked only by a backtest (minutes of ingest) or Python."""
    bad = 0
    for path in args.policies:
        try:
            policy = load_policy(path)
        except PolicyError as exc:
            # (every file is checked: a folder of policies stopped at its first bad one left the rest unsaid; each
            # bad one said as the command line says any error)
            from .cli import _failed

            _failed(exc)
            bad += 1
            continue
        rules = policy.rules()
        print(
            clean(
                f"{path}: valid ({policy.to_dict()['schema']}, version {policy.version}): {len(rules)} "
                f"{'rule' if len(rules) == 1 else 'rules'} ({', '.join(_rule(n, v) for n, v in rules) or 'none'})"
            ),
            flush=True,
        )
        if not rules:
            _note(f"  {path} has no rule: a guard with it stops nothing and sends nothing to review")
    if bad and len(args.policies) > 1:
        _note(f"{bad} of {len(args.policies)} policy files not valid")
    return 2 if bad else 0


def _gate(report: Any, args: argparse.Namespace) -> Any:
    """``--min-prevented`` / ``--max-review-rate``: the report's own ``meets`` (None when neither is given;
    the one not given does not constrain)."""
    if args.min_prevented is None and args.max_review_rate is None:
        return None
    # (meets wants a review rate under its goal: just above 1.0 lets every rate through and reads "< 100%")
    return report.meets(
        prevented=args.min_prevented if args.min_prevented is not None else 0.0,
        review_rate=args.max_review_rate if args.max_review_rate is not None else math.nextafter(1.0, 2.0),
    )

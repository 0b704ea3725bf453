"""``workbench investigate --json`` / ``--jsonl`` and ``--fail-on``: the same failed runs, verdicts and
findings as the table, as records a CI job reads, and an exit status a gate can use.

The rows are the table's own (``_investigate._TABLE_SQL``: the same runs, order, limit and decisive step);
each verdict's parts are read from its stored row, chosen by the store's one ranking (``VERDICT_RANK``), and
the findings in the order every view lists them (``WORST_FIRST``). Keys are documented in the README
("Command line") and only ever added to: ``schema`` names the version.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ._cli_json import write_line
from ._failed import FAILED_SQL, taken_as_failed
from ._flagged import flagged_runs, flagged_total
from ._unreported_errors import unreported_records
from ._verdict_rank import VERDICT_RANK
from ._worst import WORST_FIRST
from .exceptions import IngestError
from .store._outcomes import counted_as
from .store._own_connection import fetch

SCHEMA = "workbench.investigate/v1"

#: Findings given per run, worst first (``findings_total`` counts them all).
FINDINGS_PER_RUN = 5

#: Quarantine reasons and skipped files the document's ``ingest`` lists (a folder may hold thousands).
LISTED = 20

# the table's "reported" column -> the record's "failed_as"
_FAILED_AS = {"SILENT*": "taken_as_failed", "SILENT": "silent"}

_RUNS_SQL = (
    """SELECT run_id, system, reported_outcome FROM runs WHERE run_id IN (SELECT unnest(?::VARCHAR[]))"""
)

_VERDICT_SQL = f"""
    SELECT run_id, arg_max(target, {VERDICT_RANK}), arg_max(value, {VERDICT_RANK}),
           arg_max(method, {VERDICT_RANK}), arg_max(params, {VERDICT_RANK})
    FROM attributions WHERE unit = 'verdict' AND run_id IN (SELECT unnest(?::VARCHAR[])) GROUP BY run_id"""

# the log-only model's own step scores: how many steps it weighed, and which it scored highest
_SCORED_SQL = """
    SELECT run_id, count(*), arg_max(target, value) FROM attributions
    WHERE method = 'blame_model' AND unit = 'step' AND run_id IN (SELECT unnest(?::VARCHAR[])) GROUP BY run_id"""

_FINDINGS_SQL = f"""
    SELECT f.run_id, f.detector, f.severity, f.step_id, coalesce(f.agent, s.agent), f.detail,
           count(*) OVER (PARTITION BY f.run_id)
    FROM findings f LEFT JOIN steps s ON s.run_id = f.run_id AND s.step_id = f.step_id
    WHERE f.severity <> 'info' AND f.run_id IN (SELECT unnest(?::VARCHAR[]))
    QUALIFY row_number() OVER (PARTITION BY f.run_id ORDER BY {WORST_FIRST}) <= ?
    ORDER BY f.run_id, {WORST_FIRST}"""


def failed_records(ws: Any, limit: int | None, taken: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """One record per failed run (known failures and runs taken as failed), in the table's order (``taken``:
    :func:`taken_as_failed`'s answer, when the caller has it)."""
    from ._investigate import _TABLE_SQL

    rows = fetch(ws.con, _TABLE_SQL, [limit if limit is not None else 2**62])
    ids = [r[0] for r in rows]
    if not ids:
        return []
    runs = {r[0]: r[1:] for r in fetch(ws.con, _RUNS_SQL, [ids])}
    verdicts = {r[0]: r[1:] for r in fetch(ws.con, _VERDICT_SQL, [ids])}
    scored = {r[0]: r[1:] for r in fetch(ws.con, _SCORED_SQL, [ids])}
    findings: dict[str, list[dict[str, Any]]] = {}
    totals: dict[str, int] = {}
    for run_id, detector, severity, step_id, agent, detail, total in fetch(
        ws.con, _FINDINGS_SQL, [ids, FINDINGS_PER_RUN]
    ):
        findings.setdefault(run_id, []).append(
            {"detector": detector, "severity": severity, "step_id": step_id, "agent": agent, "detail": detail}
        )
        totals[run_id] = total
    taken = taken_as_failed(ws) if taken is None else taken
    out = []
    for run_id, reported, n_steps, errs, first_error, _detectors, shown, step, known in rows:
        system, reported_outcome = runs.get(run_id, (None, None))
        out.append(
            {
                "run_id": run_id,
                "system": system,
                "failed_as": _FAILED_AS.get(reported, "failure"),
                "reported_outcome": reported_outcome,
                "taken_why": taken.get(run_id),
                "steps": n_steps,
                "error_steps": errs,
                "first_error": None if first_error == "-" else first_error,
                "verdict": _verdict(
                    verdicts.get(run_id), None if step == "-" else step, shown, scored.get(run_id)
                ),
                "findings": findings.get(run_id, []),
                "findings_total": totals.get(run_id, 0),
                "known_culprit": None if known == "-" else known,
            }
        )
    return out


# a replay's share of the blame; the log-only model's confidence, calibrated on the systems it learned from (on a
# system it never saw, about one rate per agent count); the same weighed with the run's own evidence (not calibrated)
_KIND = {
    (False, False): "blame_share",
    (False, True): "blame_share",
    (True, False): "model_calibrated",
    (True, True): "evidence_weighed",
}


def _verdict(
    row: tuple | None, step: str | None, shown: str, scored: tuple | None = None
) -> dict[str, Any] | None:
    if row is None:
        return None
    target, value, method, params = row
    # (a replay verdict: the log-only model's scores of the run, if any, are not what it rests on)
    n_scored, model_step = scored if scored is not None and method == "blame_model" else (None, None)
    p = json.loads(params) if isinstance(params, str) else (params or {})

    def flag(key: str) -> bool:
        return str(p.get(key)).lower() == "true"

    step_conf = p.get("step_confidence")
    return {
        "culprit": target or None,
        "confidence": value,
        # what that number is, for a script that would read it as a probability (the table's trust: lines)
        "confidence_kind": _KIND[method == "blame_model", bool(p.get("evidence"))],
        "decisive_step": step,
        "method": "log-only" if method == "blame_model" else "replay",
        "method_name": method,
        "uncertain": flag("uncertain"),
        "shared": flag("ambiguous"),
        "inconclusive": flag("inconclusive"),
        "only_agent": flag("only_agent"),
        "step_confidence": float(step_conf) if step_conf is not None else None,
        # one scored step: its step_confidence of 1.0 is no choice made ("one candidate step" in the table);
        # model_step: the step the model alone scores highest, which the run's evidence may have overruled
        "scored_steps": n_scored,
        "model_step": model_step,
        "unfamiliar": flag("unfamiliar"),
        "evidence": p.get("evidence"),
        "why": p.get("why"),
        "text": shown,  # the table's culprit cell
    }


def flagged_records(ws: Any, limit: int | None) -> list[dict[str, Any]]:
    """The runs not known to have failed that the detectors flagged, as the table lists them under the
    failed runs (``_flagged.py``: the most critical findings first), with their worst finding's detail."""
    return [
        {
            "run_id": run_id,
            "outcome": outcome,
            "steps": steps,
            "detectors": detectors.split(", "),
            "worst_finding": worst,
        }
        for run_id, outcome, steps, detectors, worst in flagged_runs(ws, limit)
    ]


def counts(ws: Any, taken: dict[str, str] | None = None) -> dict[str, int]:
    """The counts a gate decides on: runs, failed runs (taken as failed included), flagged others."""
    n_runs = fetch(ws.con, "SELECT count(*) FROM runs")[0][0]
    n_failed = fetch(ws.con, f"SELECT count(*) FROM ({FAILED_SQL})")[0][0]
    # (the table's header counts these too: without them a script could not tell logs that never say how a run
    # ended from runs that succeeded)
    n_ok = fetch(ws.con, f"SELECT count(*) FROM ({counted_as(True)}) WHERE outcome = 'success'")[0][0]
    return {
        "runs": n_runs,
        "failed": n_failed,
        "taken_as_failed": len(taken_as_failed(ws) if taken is None else taken),
        "flagged": flagged_total(ws),
        "succeeded": n_ok,
        "unknown": n_runs - n_failed - n_ok,
    }


def exit_status(fail_on: str, c: dict[str, int]) -> int:
    """1 when ``--fail-on`` finds what it names (``failed``: a failed run; ``flagged``: a failed run or one
    the detectors flagged), else 0."""
    if fail_on == "failed":
        return int(c["failed"] > 0)
    if fail_on == "flagged":
        return int(c["failed"] + c["flagged"] > 0)
    return 0


def ingested(report: Any) -> dict[str, Any] | None:
    """What the call's ingest did (``read == stored + quarantined``), for a gate that must not pass a log it
    could not read: the quarantine's first reasons (``file:line: reason``) and the files skipped (``path:
    why``; the first ``LISTED``, ``skipped_total`` counts them). None when the call read no log (``--db FILE``,
    the demo data)."""
    if report is None:
        return None
    return {
        "read": report.read,
        "stored": report.stored,
        "quarantined": report.quarantined,
        "added": report.added,
        "runs": report.runs,
        # (the text report's labels count and the runs they name that the store holds no step of: kept as given,
        # not counted in runs)
        "labels": report.labels,
        "unknown_label_runs": report.unknown_label_runs[:LISTED],
        "errors": report.errors[:LISTED],
        "skipped": report.skipped[:LISTED],
        "skipped_total": len(report.skipped),
    }


def _check_read(args: argparse.Namespace) -> None:
    """An investigate of logs that read nothing fails (exit 2, as ``workbench ingest``): an empty file, a folder
    of files in no known format, read as "0 runs, 0 failed", passed a CI gate."""
    report = getattr(args, "ingested", None)
    if (
        report is None or report.read or report.labels
    ):  # (labels alone: outcomes given to runs already stored)
        return
    why = "; ".join(report.skipped[:3]) + (
        f"; and {len(report.skipped) - 3:,} more" if len(report.skipped) > 3 else ""
    )
    raise IngestError(
        "no records read from "
        + ", ".join(map(str, args.paths))
        + (f" (skipped {why})" if why else "")
        + ": the input holds no runs or steps"
    )


def report(ws: Any, args: argparse.Namespace) -> None:
    """``investigate``'s report (the hook ``_investigate.run`` calls with its store): the table, or the
    records; the exit status is left in ``args.status``."""
    _check_read(args)
    if args.output == "table":
        from ._investigate import _print_table

        _print_table(ws, args)
        # (the counts only for --fail-on: the table counts what it shows itself, and every investigate prints one)
        args.status = exit_status(args.fail_on, counts(ws)) if args.fail_on != "never" else 0
        return
    out = getattr(args, "stdout", None) or sys.stdout
    taken = taken_as_failed(ws)
    c = counts(ws, taken)
    records = failed_records(ws, None if args.all else args.limit, taken)
    if args.output == "jsonl":
        for record in records:
            write_line(out, record)
    else:
        write_line(
            out,
            {
                "schema": SCHEMA,
                **c,
                "shown": len(records),
                "failed_runs": records,
                "flagged_runs": flagged_records(ws, None if args.all else args.limit),
                "unreported_error_runs": unreported_records(ws),
                "ingest": ingested(getattr(args, "ingested", None)),
            },
        )
    args.status = exit_status(args.fail_on, c)

"""Runs not known to have failed (success or unknown outcome) that the detectors flagged.

Many real logs report no failure at all — every span OK or unset — while a tool is called again and
again or an agent ends in error: ``workbench investigate`` and ``%workbench investigate`` list these.
"""

from __future__ import annotations

from typing import Any

from ._worst import WORST_FIRST
from .store._outcomes import counted_as
from .store._own_connection import fetch

# The runs with the outcome investigate counts (store/sql/run_outcomes.sql, silent failures counted):
# not failed there = neither known to have failed nor taken as failed (those are listed and attributed
# with the failed runs).
_RUNS = f"({counted_as(True)})"
_NOT_FAILED = "r.outcome IS DISTINCT FROM 'failure'"

# Runs not known to have failed that a detector flagged (a loop, a storm) are what a user with logs
# that report no failure needs to see: the worst finding (_worst.py: a silent_failure, which says the
# user's answer may be wrong, before the rest; a retry that recovered last — a run of unknown outcome
# with a made-up answer and a retry that recovered showed the retry), the runs with the most critical
# findings first.
_SQL = f"""
    WITH hits AS (
        SELECT f.run_id, count(*) FILTER (WHERE f.severity = 'critical') AS critical,
               string_agg(DISTINCT f.detector, ', ' ORDER BY f.detector) AS detectors,
               arg_min(f.detail, {WORST_FIRST}) AS worst
        FROM findings f LEFT JOIN steps s ON s.run_id = f.run_id AND s.step_id = f.step_id
        WHERE f.severity IN ('critical', 'warning')
        GROUP BY f.run_id)
    SELECT r.run_id, coalesce(r.outcome, 'unknown'), r.n_steps, h.detectors, h.worst
    FROM {_RUNS} r JOIN hits h USING (run_id)
    WHERE {_NOT_FAILED}
    ORDER BY h.critical DESC, r.started_at NULLS LAST, r.run_id
    LIMIT ?
"""
FLAGGED_HEADERS = ["run", "outcome", "steps", "detectors", "worst finding"]


def flagged_runs(ws: Any, limit: int | None) -> list[tuple]:
    """Runs not known to have failed (success or unknown outcome) with a critical or warning detector
    hit: run, outcome, steps, detectors, the worst finding's detail; most critical findings first."""
    return fetch(ws.con, _SQL, [limit if limit is not None else 2**62])


def flagged_total(ws: Any) -> int:
    """How many runs :func:`flagged_runs` would list without a limit."""
    return fetch(
        ws.con,
        f"SELECT count(DISTINCT f.run_id) FROM findings f JOIN {_RUNS} r USING (run_id) "
        f"WHERE f.severity IN ('critical', 'warning') AND {_NOT_FAILED}",
    )[0][0]


def flagged_summary(ws: Any) -> str:
    """One line on the runs not known to have failed that the detectors flagged, per detector (the
    table under failed runs has no room for them)."""
    rows = fetch(
        ws.con,
        "SELECT f.detector, count(DISTINCT f.run_id) AS n FROM findings f "
        f"JOIN {_RUNS} r USING (run_id) WHERE f.severity IN ('critical', 'warning') "
        f"AND {_NOT_FAILED} GROUP BY f.detector ORDER BY n DESC, f.detector",
    )
    if not rows:
        return ""
    total = flagged_total(ws)
    per = ", ".join(f"{detector} {n:,}" for detector, n in rows)
    return (
        f"also flagged by the detectors though not known to have failed: {total:,} "
        f"{'run' if total == 1 else 'runs'} ({per}); IncidentExplorer(ws) filters runs by detector"
    )
